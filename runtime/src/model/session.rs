//! A stream's session: feeds audio of any length through the model chunk by chunk, carrying state.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::model::Model;
use crate::model::chunker::Chunker;

/// The mutable half of a model: the state tensors and the not-yet-full chunk of one stream.
pub struct Session {
    model: Arc<Model>,
    chunker: Chunker,
    state: ModelState,
    samples_in: u64,
    frames_out: u64,
}

/// The model's runnable plan with the state tensors it carries from call to call: one stream's,
/// or for a many-stream model every stream's rows.
pub(crate) struct ModelState {
    runner: TypedSimpleState,
    tensors: Vec<TValue>,
}

impl ModelState {
    /// Zero state.
    pub(crate) fn new(model: &Model) -> TractResult<Self> {
        let runner = model.plan.spawn()?;
        let tensors = model
            .states
            .iter()
            .map(|s| Tensor::zero::<f32>(&s.shape).map(|t| t.into_tvalue()))
            .collect::<TractResult<_>>()?;
        Ok(Self { runner, tensors })
    }

    /// Runs one call on `audio` (`[streams, chunk]`); returns `probs`, `[streams, frames, classes]`.
    pub(crate) fn run(&mut self, audio: Tensor) -> TractResult<TValue> {
        let mut inputs: TVec<TValue> = tvec![audio.into_tvalue()];
        inputs.extend(self.tensors.drain(..));
        let mut outputs = self.runner.run(inputs)?;
        self.tensors.extend(outputs.drain(1..));
        Ok(outputs.remove(0))
    }
}

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
        Ok(Self {
            chunker: Chunker::new(model.contract.chunk_samples),
            state: ModelState::new(&model)?,
            model,
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
            run(state, chunk, probs)
        })
    }

    /// Ends the stream: pads the last partial chunk with silence and emits the frames that start
    /// inside the real audio.
    pub fn finish(&mut self, probs: &mut Vec<f32>) -> TractResult<()> {
        let c = &self.model.contract;
        let before = probs.len();
        let state = &mut self.state;
        if self.chunker.finish(|chunk| run(state, chunk, probs))? == 0 {
            return Ok(());
        }
        let wanted = self.samples_in.div_ceil(c.hop_samples as u64);
        let keep = (wanted - self.frames_out) as usize;
        probs.truncate(before + keep * c.classes.len());
        self.frames_out = wanted;
        Ok(())
    }
}

/// Runs one chunk of one stream; appends its frame probabilities to `probs`.
fn run(state: &mut ModelState, chunk: &[f32], probs: &mut Vec<f32>) -> TractResult<()> {
    let out = state.run(Tensor::from_shape(&[1, chunk.len()], chunk)?)?;
    probs.extend_from_slice(out.try_as_plain_ram()?.as_slice::<f32>()?);
    Ok(())
}
