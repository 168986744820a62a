//! A stream's session: feeds audio of any length through the model chunk by chunk, carrying state.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::chunker::Chunker;
use crate::model::Model;

/// The mutable half of a model: the state tensors and the not-yet-full chunk of one stream.
pub struct Session {
    model: Arc<Model>,
    chunker: Chunker,
    state: ModelState,
    samples_in: u64,
    frames_out: u64,
}

/// The model's runnable plan with the state tensors it carries from chunk to chunk.
struct ModelState {
    runner: TypedSimpleState,
    tensors: Vec<TValue>,
}

impl ModelState {
    /// Runs one chunk; appends its frame probabilities to `probs`.
    fn run(&mut self, chunk: &[f32], probs: &mut Vec<f32>) -> TractResult<()> {
        let audio = Tensor::from_shape(&[1, chunk.len()], chunk)?;
        let mut inputs: TVec<TValue> = tvec![audio.into_tvalue()];
        inputs.extend(self.tensors.drain(..));
        let mut outputs = self.runner.run(inputs)?;
        self.tensors.extend(outputs.drain(1..));
        probs.extend_from_slice(outputs[0].try_as_plain_ram()?.as_slice::<f32>()?);
        Ok(())
    }
}

impl Session {
    /// A fresh stream: zero state, nothing pending.
    pub fn new(model: Arc<Model>) -> TractResult<Self> {
        let runner = model.plan.spawn()?;
        let tensors = model
            .states
            .iter()
            .map(|s| Tensor::zero::<f32>(&s.shape).map(|t| t.into_tvalue()))
            .collect::<TractResult<_>>()?;
        Ok(Self {
            chunker: Chunker::new(model.contract.chunk_samples),
            model,
            state: ModelState { runner, tensors },
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
    pub fn push(&mut self, samples: &[f32], probs: &mut Vec<f32>) -> TractResult<()> {
        self.samples_in += samples.len() as u64;
        let (state, frames) = (&mut self.state, self.model.contract.frames_per_chunk as u64);
        let frames_out = &mut self.frames_out;
        self.chunker.push(samples, |chunk| {
            *frames_out += frames;
            state.run(chunk, probs)
        })
    }

    /// Ends the stream: pads the last partial chunk with silence and emits the frames that start
    /// inside the real audio.
    pub fn finish(&mut self, probs: &mut Vec<f32>) -> TractResult<()> {
        let c = &self.model.contract;
        let before = probs.len();
        let state = &mut self.state;
        if self.chunker.finish(|chunk| state.run(chunk, probs))? == 0 {
            return Ok(());
        }
        let wanted = self.samples_in.div_ceil(c.hop_samples as u64);
        let keep = (wanted - self.frames_out) as usize;
        probs.truncate(before + keep * c.classes.len());
        self.frames_out = wanted;
        Ok(())
    }
}
