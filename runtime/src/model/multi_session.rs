//! Streams through a model, one call per chunk: a model exported for B streams
//! (`hark-train batch`) runs B independent streams (channels of a multichannel recorder, many
//! microphones) in lockstep, each with its own rows of every state tensor, so each stream's
//! probabilities are what it gives alone. A one-stream [`super::session::Session`] is the same
//! with B = 1.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::model::Model;
use crate::model::chunker::Chunker;

/// The mutable half of a model: every stream's state and the chunk being filled.
pub struct MultiSession {
    model: Arc<Model>,
    state: ModelState,
    chunker: Chunker,
    samples_in: u64,
    frames_out: u64,
}

impl MultiSession {
    /// Fresh streams: zero state, nothing pending.
    pub fn new(model: Arc<Model>) -> TractResult<Self> {
        let c = &model.contract;
        Ok(Self {
            chunker: Chunker::new(c.streams, c.chunk_samples),
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

    /// Streams per call.
    pub fn streams(&self) -> usize {
        self.model.contract.streams
    }

    /// Accepts one block per stream, all of the same length, at the model's rate; appends each
    /// stream's completed frames to its own vector in `probs` (frame-major, `classes` per frame).
    pub fn push<B: AsRef<[f32]>>(
        &mut self,
        blocks: &[B],
        probs: &mut [Vec<f32>],
    ) -> TractResult<()> {
        self.check(blocks.len(), probs.len())?;
        let len = blocks.first().map_or(0, |b| b.as_ref().len());
        if let Some(b) = blocks.iter().position(|b| b.as_ref().len() != len) {
            anyhow::bail!(
                "stream {b} got {} samples but stream 0 got {len}: streams advance together",
                blocks[b].as_ref().len()
            );
        }
        self.samples_in += len as u64;
        let (state, model, frames_out) = (&mut self.state, &self.model, &mut self.frames_out);
        self.chunker
            .push(blocks, |chunk| run(state, model, chunk, probs, frames_out))
    }

    /// Ends the streams: pads the last partial chunk with silence and emits the frames that
    /// start inside the real audio.
    pub fn finish(&mut self, probs: &mut [Vec<f32>]) -> TractResult<()> {
        self.check(probs.len(), probs.len())?;
        let before: Vec<usize> = probs.iter().map(Vec::len).collect();
        let frames_before = self.frames_out;
        let (state, model, frames_out) = (&mut self.state, &self.model, &mut self.frames_out);
        if self
            .chunker
            .finish(|chunk| run(state, model, chunk, probs, frames_out))?
            == 0
        {
            return Ok(());
        }
        let c = &self.model.contract;
        let wanted = self.samples_in.div_ceil(c.hop_samples as u64);
        let keep = (wanted - frames_before) as usize;
        for (p, before) in probs.iter_mut().zip(before) {
            p.truncate(before + keep * c.classes.len());
        }
        self.frames_out = wanted;
        Ok(())
    }

    fn check(&self, blocks: usize, outputs: usize) -> TractResult<()> {
        let streams = self.streams();
        if blocks != streams || outputs != streams {
            anyhow::bail!(
                "the model runs {streams} streams, given {blocks} inputs and {outputs} outputs"
            );
        }
        Ok(())
    }
}

/// Runs the full chunk of every stream (`[streams, chunk]`); hands each stream its frames.
fn run(
    state: &mut ModelState,
    model: &Model,
    chunk: &[f32],
    probs: &mut [Vec<f32>],
    frames_out: &mut u64,
) -> TractResult<()> {
    let c = &model.contract;
    let out = state.run(Tensor::from_shape(&[c.streams, c.chunk_samples], chunk)?)?;
    let values = out.try_as_plain_ram()?.as_slice::<f32>()?;
    let per_stream = c.frames_per_chunk * c.classes.len();
    for (p, rows) in probs.iter_mut().zip(values.chunks(per_stream)) {
        p.extend_from_slice(rows);
    }
    *frames_out += c.frames_per_chunk as u64;
    Ok(())
}

/// The model's runnable plan with the state tensors it carries from call to call: every
/// stream's rows.
struct ModelState {
    runner: TypedSimpleState,
    tensors: Vec<TValue>,
}

impl ModelState {
    /// Zero state.
    fn new(model: &Model) -> TractResult<Self> {
        let runner = model.plan.spawn()?;
        let tensors = model
            .states
            .iter()
            .map(|s| Tensor::zero::<f32>(&s.shape).map(|t| t.into_tvalue()))
            .collect::<TractResult<_>>()?;
        Ok(Self { runner, tensors })
    }

    /// Runs one call on `audio` (`[streams, chunk]`); returns `probs`, `[streams, frames, classes]`.
    fn run(&mut self, audio: Tensor) -> TractResult<TValue> {
        let mut inputs: TVec<TValue> = tvec![audio.into_tvalue()];
        inputs.extend(self.tensors.drain(..));
        let mut outputs = self.runner.run(inputs)?;
        self.tensors.extend(outputs.drain(1..));
        Ok(outputs.remove(0))
    }
}
