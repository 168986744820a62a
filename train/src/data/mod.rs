//! Training data: annotated recordings, frame targets, random crops.

pub mod batch;
pub mod recordings;
pub mod targets;
