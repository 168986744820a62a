//! Scoring detections: reading reference [`annotations`], [`pairing`] them with prediction files
//! by recording, and [`score`]-ing the events of each pair, and fixed time [`segments`] of it,
//! both as [`counts`].

pub mod annotations;
pub mod counts;
pub mod pairing;
pub mod score;
pub mod segments;
