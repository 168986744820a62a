//! A stream's session: feeds audio of any length through the model chunk by chunk, carrying state.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::model::Model;

/// The mutable half of a model: the state tensors and the not-yet-full chunk of one stream.
pub struct Session {
    model: Arc<Model>,
    runner: TypedSimpleState,
    state: Vec<TValue>,
    pending: Vec<f32>,
    samples_in: u64,
    frames_out: u64,
}

impl Session {
    /// A fresh stream: zero state, nothing pending.
    pub fn new(model: Arc<Model>) -> TractResult<Self> {
        let runner = model.plan.spawn()?;
        let state = model
            .states
            .iter()
            .map(|s| Tensor::zero::<f32>(&s.shape).map(|t| t.into_tvalue()))
            .collect::<TractResult<_>>()?;
        let pending = Vec::with_capacity(model.contract.chunk_samples);
        Ok(Self {
            model,
            runner,
            state,
            pending,
            samples_in: 0,
            frames_out: 0,
        })
    }

    /// The model this session runs.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Accepts samples at the model's rate; appends the probabilities of every completed frame to
    /// `probs` (frame-major, `classes` values per frame).
    pub fn push(&mut self, mut samples: &[f32], probs: &mut Vec<f32>) -> TractResult<()> {
        let chunk = self.model.contract.chunk_samples;
        self.samples_in += samples.len() as u64;
        while !samples.is_empty() {
            let take = (chunk - self.pending.len()).min(samples.len());
            self.pending.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.pending.len() == chunk {
                self.run_pending(probs)?;
            }
        }
        Ok(())
    }

    /// Ends the stream: pads the last partial chunk with silence and emits the frames that start
    /// inside the real audio.
    pub fn finish(&mut self, probs: &mut Vec<f32>) -> TractResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let c = &self.model.contract;
        let (hop, classes, chunk, frames) = (
            c.hop_samples as u64,
            c.classes.len(),
            c.chunk_samples,
            c.frames_per_chunk,
        );
        let wanted = self.samples_in.div_ceil(hop);
        let before = probs.len();
        self.pending.resize(chunk, 0.0);
        self.run_pending(probs)?;
        let keep = (wanted - (self.frames_out - frames as u64)) as usize;
        probs.truncate(before + keep * classes);
        self.frames_out = wanted;
        Ok(())
    }

    fn run_pending(&mut self, probs: &mut Vec<f32>) -> TractResult<()> {
        let audio = Tensor::from_shape(&[1, self.pending.len()], &self.pending)?;
        let mut inputs: TVec<TValue> = tvec![audio.into_tvalue()];
        inputs.extend(self.state.drain(..));
        let mut outputs = self.runner.run(inputs)?;
        self.pending.clear();
        self.state.extend(outputs.drain(1..));
        probs.extend_from_slice(outputs[0].try_as_plain_ram()?.as_slice::<f32>()?);
        self.frames_out += self.model.contract.frames_per_chunk as u64;
        Ok(())
    }
}
