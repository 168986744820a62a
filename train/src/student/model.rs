//! The causal student in burn: strided causal convs, chunk-causal ALiBi transformer, sigmoid head.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{gelu, softmax};

use super::config::StudentConfig;
use super::fake_quant;
use super::weights::{ConvWeights, Dense, LayerWeights, NORM_EPS, Norm, StudentWeights};

/// About this many query frames per attention block in the offline pass (whole chunks): long
/// inputs are attended block by block, each with its own key window, so memory stays linear.
const QUERY_BLOCK_FRAMES: usize = 512;

/// One front-end layer: causal strided conv, per-frame norm over channels, GELU.
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv1d,
    norm: LayerNorm,
    tail: usize,
}

/// One pre-norm transformer layer.
#[derive(Module, Debug)]
pub struct Layer {
    attn_norm: LayerNorm,
    qkv: Linear,
    out: Linear,
    ffn_norm: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
}

/// The student network.
#[derive(Module, Debug)]
pub struct Student {
    convs: Vec<ConvBlock>,
    layers: Vec<Layer>,
    final_norm: LayerNorm,
    head: Linear,
    #[module(skip)]
    config: StudentConfig,
    /// Int8 steps of the weight matmuls' inputs, for quantization-aware fine-tuning: per layer
    /// qkv, out, ffn_in, ffn_out, then the head (the matmuls `hark-train quantize` makes int8).
    #[module(skip)]
    fake_quant: Option<Vec<f32>>,
}

fn norm(d: usize, device: &Device) -> LayerNorm {
    LayerNormConfig::new(d)
        .with_epsilon(NORM_EPS as f64)
        .init(device)
}

impl StudentConfig {
    /// A freshly initialized student (seed the device first for reproducible weights).
    pub fn init(&self, device: &Device) -> Student {
        let convs = self
            .conv
            .iter()
            .enumerate()
            .map(|(i, c)| ConvBlock {
                // The first layer has no bias, so its per-frame norm sees only the filtered signal:
                // quiet recordings are not drowned by a constant offset, and gain drops out.
                conv: Conv1dConfig::new(self.conv_in(i), c.channels, c.kernel)
                    .with_stride(c.stride)
                    .with_bias(i > 0)
                    .init(device),
                norm: norm(c.channels, device),
                tail: c.tail(),
            })
            .collect();
        let d = self.d_model;
        let layers = (0..self.layers)
            .map(|_| Layer {
                attn_norm: norm(d, device),
                qkv: LinearConfig::new(d, 3 * d).init(device),
                out: LinearConfig::new(d, d).init(device),
                ffn_norm: norm(d, device),
                ffn_in: LinearConfig::new(d, self.ffn).init(device),
                ffn_out: LinearConfig::new(self.ffn, d).init(device),
            })
            .collect();
        Student {
            convs,
            layers,
            final_norm: norm(d, device),
            head: LinearConfig::new(d, self.classes.len()).init(device),
            config: self.clone(),
            fake_quant: None,
        }
    }
}

/// Additive attention bias for queries `[q0, q1)` and keys `[k0, k1)` of one sequence,
/// `[1, heads, queries, keys]`: ALiBi inside the chunked causal window, -1e9 outside it.
fn attention_bias(
    c: &StudentConfig,
    q: std::ops::Range<usize>,
    k: std::ops::Range<usize>,
    device: &Device,
) -> Tensor<4> {
    let (nq, nk) = (q.len(), k.len());
    let mut bias = Vec::with_capacity(c.heads * nq * nk);
    for slope in c.alibi_slopes() {
        for i in q.clone() {
            let chunk = i / c.chunk_frames;
            for j in k.clone() {
                let visible =
                    j / c.chunk_frames <= chunk && j / c.chunk_frames + c.past_chunks >= chunk;
                bias.push(if visible {
                    -slope * i.abs_diff(j) as f32
                } else {
                    -1e9
                });
            }
        }
    }
    Tensor::from_data(TensorData::new(bias, [1, c.heads, nq, nk]), device)
}

impl Layer {
    /// `steps`: the fake-quantization steps of qkv, out, ffn_in and ffn_out, or none.
    fn forward(&self, x: Tensor<3>, c: &StudentConfig, steps: Option<&[f32]>) -> Tensor<3> {
        let [b, t, d] = x.dims();
        let (h, dh) = (c.heads, c.head_dim());
        let step = |i: usize| steps.map(|s| s[i]);
        let qkv = fake_quant::dense(&self.qkv, self.attn_norm.forward(x.clone()), step(0)); // [b, t, 3d]
        let qkv = qkv.reshape([b, t, 3 * h, dh]).swap_dims(1, 2); // [b, 3h, t, dh]
        let q = qkv.clone().narrow(1, 0, h) * (1.0 / (dh as f32).sqrt());
        let k = qkv.clone().narrow(1, h, h);
        let v = qkv.narrow(1, 2 * h, h);

        let block = (QUERY_BLOCK_FRAMES / c.chunk_frames).max(1) * c.chunk_frames;
        let window = c.cache_frames();
        let device = x.device();
        let mut outputs = Vec::new();
        for q0 in (0..t).step_by(block) {
            let q1 = (q0 + block).min(t);
            let k0 = q0.saturating_sub(window);
            let scores = q
                .clone()
                .narrow(2, q0, q1 - q0)
                .matmul(k.clone().narrow(2, k0, q1 - k0).swap_dims(2, 3));
            let scores = scores + attention_bias(c, q0..q1, k0..q1, &device); // [b, h, q, k]
            outputs.push(softmax(scores, 3).matmul(v.clone().narrow(2, k0, q1 - k0))); // [b, h, q, dh]
        }
        let o = Tensor::cat(outputs, 2).swap_dims(1, 2).reshape([b, t, d]);
        let x = x + fake_quant::dense(&self.out, o, step(1));
        let hidden = fake_quant::dense(&self.ffn_in, self.ffn_norm.forward(x.clone()), step(2));
        x + fake_quant::dense(&self.ffn_out, gelu(hidden), step(3))
    }
}

impl Student {
    /// The architecture.
    pub fn config(&self) -> &StudentConfig {
        &self.config
    }

    /// Offline forward pass over whole sequences with the chunked causal mask.
    ///
    /// # Shapes
    /// - `audio`: `[batch, samples]`, samples a multiple of the chunk size
    /// - returns logits `[batch, frames, classes]`
    pub fn forward(&self, audio: Tensor<2>) -> Tensor<3> {
        let layers = self.encode(self.front(audio));
        self.classify(layers.into_iter().last().expect("at least one layer"))
    }

    /// The conv front end: `[batch, samples]` to frame features `[batch, frames, d_model]`.
    pub fn front(&self, audio: Tensor<2>) -> Tensor<3> {
        let [b, n] = audio.dims();
        let mut x = audio.reshape([b, 1, n]); // [b, 1, n]
        for block in &self.convs {
            if block.tail > 0 {
                let [b, ch, _] = x.dims();
                x = Tensor::cat(vec![Tensor::zeros([b, ch, block.tail], &x.device()), x], 2);
            }
            let y = block.conv.forward(x).swap_dims(1, 2); // [b, t, ch]
            x = gelu(block.norm.forward(y)).swap_dims(1, 2); // [b, ch, t]
        }
        x.swap_dims(1, 2)
    }

    /// The transformer over frame features `[batch, frames, d_model]`: every layer's output, in
    /// order (self-supervised pretraining regresses an average of the top ones).
    pub fn encode(&self, mut h: Tensor<3>) -> Vec<Tensor<3>> {
        let mut outputs = Vec::with_capacity(self.layers.len());
        for (i, layer) in self.layers.iter().enumerate() {
            let steps = self.fake_quant.as_deref().map(|s| &s[4 * i..4 * i + 4]);
            h = layer.forward(h, &self.config, steps);
            outputs.push(h.clone());
        }
        outputs
    }

    /// Frame logits `[batch, frames, classes]` from the last layer's output.
    pub fn classify(&self, h: Tensor<3>) -> Tensor<3> {
        let step = self.fake_quant.as_deref().map(|s| s[4 * self.layers.len()]);
        fake_quant::dense(&self.head, self.final_norm.forward(h), step)
    }

    /// The same student computing with its weight matmuls fake-quantized at these input steps
    /// (qkv, out, ffn_in, ffn_out per layer, then the head), or in plain f32 with `None`.
    pub fn with_fake_quant(self, steps: Option<Vec<f32>>) -> Result<Self, String> {
        let want = 4 * self.layers.len() + 1;
        match &steps {
            Some(s) if s.len() != want => Err(format!(
                "{} fake-quantization steps for {want} weight matmuls",
                s.len()
            )),
            _ => Ok(Self {
                fake_quant: steps,
                ..self
            }),
        }
    }

    /// The weights as plain arrays, for export.
    pub fn weights(&self) -> StudentWeights {
        fn vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
            t.try_into_vec_as::<f32>().expect("f32 weights")
        }
        fn norm(n: &LayerNorm) -> Norm {
            let beta = n
                .beta
                .as_ref()
                .map(|b| vec(b.val()))
                .unwrap_or_else(|| vec![0.0; n.gamma.dims()[0]]);
            Norm {
                gamma: vec(n.gamma.val()),
                beta,
            }
        }
        fn dense(l: &Linear) -> Dense {
            let out = l.weight.dims()[1];
            Dense {
                w: vec(l.weight.val()),
                b: l.bias
                    .as_ref()
                    .map(|b| vec(b.val()))
                    .unwrap_or_else(|| vec![0.0; out]),
            }
        }
        fn bias(p: &Option<Param<Tensor<1>>>, n: usize) -> Vec<f32> {
            p.as_ref()
                .map(|b| vec(b.val()))
                .unwrap_or_else(|| vec![0.0; n])
        }
        StudentWeights {
            conv: self
                .convs
                .iter()
                .map(|c| ConvWeights {
                    w: vec(c.conv.weight.val()),
                    b: bias(&c.conv.bias, c.conv.weight.dims()[0]),
                    norm: norm(&c.norm),
                })
                .collect(),
            layers: self
                .layers
                .iter()
                .map(|l| LayerWeights {
                    attn_norm: norm(&l.attn_norm),
                    qkv: dense(&l.qkv),
                    out: dense(&l.out),
                    ffn_norm: norm(&l.ffn_norm),
                    ffn_in: dense(&l.ffn_in),
                    ffn_out: dense(&l.ffn_out),
                })
                .collect(),
            final_norm: norm(&self.final_norm),
            head: dense(&self.head),
        }
    }
}
