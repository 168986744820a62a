//! A student's architecture (`StudentConfig`): conv front end, chunk-causal transformer, head;
//! and the sizes and cost that follow from it (hop, chunk, parameters, MACs per second).

use serde::{Deserialize, Serialize};

/// One causal strided convolution of the front end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConvSpec {
    /// Taps.
    pub kernel: usize,
    /// Hop between outputs, in input steps.
    pub stride: usize,
    /// Output channels.
    pub channels: usize,
}

impl ConvSpec {
    /// Past input steps the layer needs besides the current chunk (its streaming state).
    pub fn tail(&self) -> usize {
        self.kernel - self.stride
    }
}

/// The architecture of a streaming student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentConfig {
    /// Preset name (a hardware tier).
    pub preset: String,
    /// Input sample rate, Hz.
    pub sample_rate: u32,
    /// Causal conv front end; the product of strides is the frame hop.
    pub conv: Vec<ConvSpec>,
    /// Transformer width (the last conv's channels).
    pub d_model: usize,
    /// Attention heads.
    pub heads: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Hidden width of each feed-forward block.
    pub ffn: usize,
    /// Frames per chunk: a frame attends to its whole chunk...
    pub chunk_frames: usize,
    /// ...and to this many past chunks (the key/value cache).
    pub past_chunks: usize,
    /// Output classes; class 0 is the target.
    pub classes: Vec<String>,
}

impl StudentConfig {
    /// Samples per frame.
    pub fn hop_samples(&self) -> usize {
        self.conv.iter().map(|c| c.stride).product()
    }

    /// Samples per chunk.
    pub fn chunk_samples(&self) -> usize {
        self.hop_samples() * self.chunk_frames
    }

    /// Frames held in the key/value cache.
    pub fn cache_frames(&self) -> usize {
        self.past_chunks * self.chunk_frames
    }

    /// Channels per head.
    pub fn head_dim(&self) -> usize {
        self.d_model / self.heads
    }

    /// Input channels of conv layer `i`.
    pub fn conv_in(&self, i: usize) -> usize {
        if i == 0 { 1 } else { self.conv[i - 1].channels }
    }

    /// ALiBi slope of each head: a geometric sequence, steepest first.
    pub fn alibi_slopes(&self) -> Vec<f32> {
        (0..self.heads)
            .map(|h| 2f32.powf(-8.0 * (h + 1) as f32 / self.heads as f32))
            .collect()
    }

    /// Checks the shapes fit together.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            !self.conv.is_empty(),
            "the front end needs at least one conv layer"
        );
        anyhow::ensure!(
            self.conv
                .iter()
                .all(|c| c.stride > 0 && c.kernel >= c.stride && c.kernel % c.stride == 0),
            "each conv kernel must be a whole number of strides"
        );
        anyhow::ensure!(
            self.conv.last().map(|c| c.channels) == Some(self.d_model),
            "the last conv layer must have d_model channels"
        );
        anyhow::ensure!(
            self.heads > 0 && self.d_model.is_multiple_of(self.heads),
            "d_model must split into heads"
        );
        anyhow::ensure!(
            self.layers > 0,
            "the model needs at least one transformer layer"
        );
        anyhow::ensure!(
            !self.classes.is_empty(),
            "the model needs at least one class"
        );
        Ok(())
    }

    /// Trainable parameters.
    pub fn parameters(&self) -> u64 {
        let d = self.d_model;
        let conv: usize = (0..self.conv.len())
            .map(|i| {
                let c = self.conv[i];
                c.channels * self.conv_in(i) * c.kernel
                    + if i > 0 { c.channels } else { 0 }
                    + 2 * c.channels
            })
            .sum();
        let layer = 2 * 2 * d
            + (d * 3 * d + 3 * d)
            + (d * d + d)
            + (d * self.ffn + self.ffn)
            + (self.ffn * d + d);
        let head = 2 * d + d * self.classes.len() + self.classes.len();
        (conv + self.layers * layer + head) as u64
    }

    /// Multiply-accumulates per second of audio (convolutions, projections, attention, head).
    pub fn macs_per_second(&self) -> u64 {
        let mut rate = self.sample_rate as f64;
        let mut macs = 0.0;
        for i in 0..self.conv.len() {
            let c = self.conv[i];
            rate /= c.stride as f64;
            macs += rate * (c.channels * self.conv_in(i) * c.kernel) as f64;
        }
        let d = self.d_model as f64;
        let keys = ((self.past_chunks + 1) * self.chunk_frames) as f64;
        let per_frame_layer = 3.0 * d * d + d * d + 2.0 * d * self.ffn as f64 + 2.0 * keys * d;
        macs += rate * (self.layers as f64 * per_frame_layer + d * self.classes.len() as f64);
        macs.round() as u64
    }
}
