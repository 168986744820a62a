//! Many streams through one model call per chunk: a model exported for B streams
//! (`hark-train batch`) runs B independent streams (channels of a multichannel recorder, many
//! microphones) in lockstep, each with its own rows of every state tensor, so each stream's
//! probabilities are what it gives alone.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::model::Model;
use crate::model::session::ModelState;

/// The mutable half of a many-stream model: every stream's state and the chunk being filled.
pub struct MultiSession {
    model: Arc<Model>,
    state: ModelState,
    /// `[streams, chunk]`: the chunk being filled, the same number of samples in every row.
    chunk: Vec<f32>,
    filled: usize,
    samples_in: u64,
    frames_out: u64,
}

impl MultiSession {
    /// Fresh streams: zero state, nothing pending.
    pub fn new(model: Arc<Model>) -> TractResult<Self> {
        let c = &model.contract;
        Ok(Self {
            chunk: vec![0.0; c.streams * c.chunk_samples],
            state: ModelState::new(&model)?,
            model,
            filled: 0,
            samples_in: 0,
            frames_out: 0,
        })
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
        let chunk = self.model.contract.chunk_samples;
        let mut done = 0;
        while done < len {
            let take = (chunk - self.filled).min(len - done);
            for (row, block) in self.chunk.chunks_mut(chunk).zip(blocks) {
                row[self.filled..self.filled + take]
                    .copy_from_slice(&block.as_ref()[done..done + take]);
            }
            (self.filled, done) = (self.filled + take, done + take);
            if self.filled == chunk {
                self.run(probs)?;
            }
        }
        self.samples_in += len as u64;
        Ok(())
    }

    /// Ends the streams: pads the last partial chunk with silence and emits the frames that
    /// start inside the real audio.
    pub fn finish(&mut self, probs: &mut [Vec<f32>]) -> TractResult<()> {
        self.check(probs.len(), probs.len())?;
        if self.filled == 0 {
            return Ok(());
        }
        let (chunk, filled) = (self.model.contract.chunk_samples, self.filled);
        for row in self.chunk.chunks_mut(chunk) {
            row[filled..].fill(0.0);
        }
        let before: Vec<usize> = probs.iter().map(Vec::len).collect();
        self.run(probs)?;
        let c = &self.model.contract;
        let wanted = self.samples_in.div_ceil(c.hop_samples as u64);
        let keep = (wanted + c.frames_per_chunk as u64 - self.frames_out) as usize;
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

    /// Runs the full chunk of every stream; hands each stream its frames.
    fn run(&mut self, probs: &mut [Vec<f32>]) -> TractResult<()> {
        let c = &self.model.contract;
        let audio = Tensor::from_shape(&[c.streams, c.chunk_samples], &self.chunk)?;
        let out = self.state.run(audio)?;
        let values = out.try_as_plain_ram()?.as_slice::<f32>()?;
        let per_stream = c.frames_per_chunk * c.classes.len();
        for (p, rows) in probs.iter_mut().zip(values.chunks(per_stream)) {
            p.extend_from_slice(rows);
        }
        self.filled = 0;
        self.frames_out += c.frames_per_chunk as u64;
        Ok(())
    }
}
