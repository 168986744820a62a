//! Where a run's crops come from: annotations alone, or a teacher's tracks; either way one
//! batch shape for the loss.

use crate::data::batch::Cropper;
use crate::distill::crops::{DistillBatch, DistillCropper};

/// Where crops come from: annotations alone, or a teacher's tracks.
pub enum Crops<'a> {
    Labels(Cropper<'a>),
    Teacher(DistillCropper<'a>),
}

impl Crops<'_> {
    /// The crops of `step`: `batch` of them.
    pub fn batch(&self, step: u64, batch: usize) -> DistillBatch {
        match self {
            Crops::Teacher(c) => c.batch(step, batch),
            Crops::Labels(c) => {
                let b = c.batch(step, batch);
                DistillBatch {
                    audio: b.audio,
                    targets: b.targets,
                    features: None,
                    clip: Vec::new(),
                    window: Vec::new(),
                }
            }
        }
    }
}
