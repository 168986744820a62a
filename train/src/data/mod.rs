//! Training data: annotated recordings, frame targets, random crops and their augmentation.

pub mod activity;
pub mod augment;
pub mod batch;
pub mod eq;
pub mod level;
pub mod noise;
pub mod recordings;
pub mod stretch;
pub mod targets;
