//! Scoring detections: reading reference [`annotations`], [`pairing`] them with prediction files
//! by recording, and [`score`]-ing the events of each pair.

pub mod annotations;
pub mod pairing;
pub mod score;
