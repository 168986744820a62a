//! A stream's session: feeds one stream's audio of any length through a one-stream model chunk
//! by chunk, carrying its state; a [`MultiSession`] of one stream.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::model::Model;
use crate::model::multi_session::MultiSession;

/// The mutable half of a one-stream model: its state and the not-yet-full chunk.
pub struct Session(MultiSession);

impl Session {
    /// A fresh stream: zero state, nothing pending.
    pub fn new(model: Arc<Model>) -> TractResult<Self> {
        if model.contract.streams != 1 {
            return Err(anyhow::anyhow!(
                "the model runs {} streams per call: give it that many streams at once \
                 (a multi-stream session; `hark detect --each-channel` on a file with as many \
                 channels), or use its one-stream source",
                model.contract.streams
            ));
        }
        Ok(Self(MultiSession::new(model)?))
    }

    /// The model this session runs.
    pub fn model(&self) -> &Model {
        self.0.model()
    }

    /// Accepts samples at the model's rate; appends the probabilities of every completed frame to
    /// `probs` (frame-major, `classes` values per frame).
    pub fn push(&mut self, samples: &[f32], probs: &mut Vec<f32>) -> TractResult<()> {
        self.0
            .push(std::slice::from_ref(&samples), std::slice::from_mut(probs))
    }

    /// Ends the stream: pads the last partial chunk with silence and emits the frames that start
    /// inside the real audio.
    pub fn finish(&mut self, probs: &mut Vec<f32>) -> TractResult<()> {
        self.0.finish(std::slice::from_mut(probs))
    }
}
