//! An engine turns audio into frame scores: a learned model's [`Session`], or the classical
//! energy detector. The pipeline and the event detector work the same with either.

use anyhow::{Result, anyhow};

use crate::session::Session;

/// Streams audio at the engine's sample rate into per-frame scores in `[0, 1]`.
pub trait Engine: Send {
    /// Accepts samples; appends the scores of every completed frame to `scores`
    /// (frame-major, one value per class).
    fn push(&mut self, samples: &[f32], scores: &mut Vec<f32>) -> Result<()>;

    /// Ends the stream: appends the scores of the frames that start inside the audio pushed.
    fn finish(&mut self, scores: &mut Vec<f32>) -> Result<()>;
}

impl Engine for Session {
    fn push(&mut self, samples: &[f32], scores: &mut Vec<f32>) -> Result<()> {
        Session::push(self, samples, scores).map_err(|e| anyhow!("{e:#}"))
    }

    fn finish(&mut self, scores: &mut Vec<f32>) -> Result<()> {
        Session::finish(self, scores).map_err(|e| anyhow!("{e:#}"))
    }
}
