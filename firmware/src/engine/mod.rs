//! The int8 streaming engine: one chunk of audio in, the chunk's frame probabilities out, with
//! the conv tails and a key/value ring carried between chunks. It computes what the student's
//! streaming ONNX computes, from the blob, in RAM the caller lends it (no allocator).
//!
//! Key/value ring: past chunks' keys and values are kept as int8 with one scale per frame and
//! head (their largest magnitude over 127), which takes a quarter of the RAM of f32; the current
//! chunk's own keys and values are used as computed. `hark-train quantize --firmware` writes the
//! same rounding into the int8 ONNX file, so the two compute the same thing.

#[cfg(all(feature = "dsp", target_arch = "arm"))]
mod dsp;
pub mod ops;

use heapless::Vec;

use crate::blob::{Blob, Dense, MAX_CONVS};
use ops::{Input, dense, gelu, layer_norm, quantize, sigmoid};

/// An audio sample as recorders deliver it: f32 in [-1, 1], or 16-bit PCM (half the RAM).
pub trait Sample: Copy {
    /// The sample in [-1, 1].
    fn to_f32(self) -> f32;
}

impl Sample for f32 {
    fn to_f32(self) -> f32 {
        self
    }
}

impl Sample for i16 {
    fn to_f32(self) -> f32 {
        // Times a power of two: exact, as the division is, without a division.
        self as f32 * (1.0 / 32768.0)
    }
}

/// The ring's scale of a frame and head is its largest magnitude, at least this, over 127.
pub const RING_MIN_MAGNITUDE: f32 = 1e-30;

/// Outputs of the attention's value sum computed together, their sums held in registers (the
/// MCU model's heads have 20 dimensions; other sizes take a slower path for what is left over).
const VALUE_BLOCK: usize = 20;
/// A head's query of this many values is held in registers for its dot products with the
/// ring's keys (the MCU model's; other sizes take a slower path).
const DOT_BLOCK: usize = 20;

/// What an engine needs lent to it, in values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ArenaSizes {
    /// f32 values: activations, the first conv's tail and the ring's scales.
    pub f32s: usize,
    /// i8 values: the quantized conv inputs and tails and the key/value ring.
    pub i8s: usize,
}

impl ArenaSizes {
    /// Bytes in all.
    pub fn bytes(&self) -> usize {
        4 * self.f32s + self.i8s
    }
}

/// Why an engine cannot run a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EngineError {
    /// The arena lent is smaller than [`Blob::arena`] says.
    Arena(ArenaSizes),
    /// The first conv layer must be f32 (it reads raw audio), the others int8.
    ConvPrecision,
    /// A chunk or a probability buffer of the wrong length.
    Length,
}

/// Input steps of each conv layer per chunk, and the widest row any kernel works on.
fn shape(blob: &Blob) -> (Vec<usize, MAX_CONVS>, usize) {
    let d = &blob.dims;
    let hop: usize = blob.convs.iter().map(|c| c.spec.stride).product();
    let mut len = hop * d.chunk_frames;
    let mut steps = Vec::new();
    let mut widest = d.d_model.max(d.ffn).max(d.classes);
    for c in &blob.convs {
        let _ = steps.push(len);
        widest = widest.max(c.spec.channels).max(c.dense.inputs());
        len /= c.spec.stride;
    }
    (steps, widest)
}

impl Blob<'_> {
    /// Samples per chunk.
    pub fn chunk_samples(&self) -> usize {
        self.convs.iter().map(|c| c.spec.stride).product::<usize>() * self.dims.chunk_frames
    }

    /// The RAM an [`Engine`] for this blob needs.
    pub fn arena(&self) -> ArenaSizes {
        let d = &self.dims;
        let (steps, widest) = shape(self);
        let cache = d.cache_frames();
        let joined: usize = (1..self.convs.len())
            .map(|i| (self.convs[i].spec.tail() + steps[i]) * self.convs[i - 1].spec.channels)
            .sum();
        ArenaSizes {
            f32s: self.convs[0].spec.tail()
                + d.chunk_frames * 4 * d.d_model
                + 2 * widest
                + cache
                + d.chunk_frames
                + d.layers * 2 * cache * d.heads,
            i8s: joined + d.d_model.max(d.ffn) + d.layers * 2 * cache * d.d_model,
        }
    }
}

fn take<'a, T>(arena: &mut &'a mut [T], n: usize) -> &'a mut [T] {
    let (head, rest) = core::mem::take(arena).split_at_mut(n);
    *arena = rest;
    head
}

/// A blob running on a stream, in lent RAM.
pub struct Engine<'b, 'a> {
    blob: Blob<'b>,
    conv_steps: Vec<usize, MAX_CONVS>,
    /// The first conv's past samples.
    audio_tail: &'a mut [f32],
    /// Conv layer `i >= 1`'s input, quantized: its tail, then the current chunk's steps.
    joined: Vec<&'a mut [i8], MAX_CONVS>,
    /// The residual stream, `[frames, d]`.
    x: &'a mut [f32],
    /// Queries, keys and values of the chunk, `[frames, 3d]`.
    qkv: &'a mut [f32],
    row: &'a mut [f32],
    row2: &'a mut [f32],
    scores: &'a mut [f32],
    q8: &'a mut [i8],
    /// Past keys and values, `[layer][k, v][slot][d]`, and their scales `[layer][k, v][slot][head]`.
    ring: &'a mut [i8],
    ring_scales: &'a mut [f32],
    /// The ring slot of the oldest cached frame (the next chunk's first frame replaces it).
    ring_head: usize,
    /// Cached frames that hold audio (fewer than the ring's at the start of a stream).
    filled: usize,
}

impl<'b, 'a> Engine<'b, 'a> {
    /// An engine for `blob` on a new stream, in the RAM lent (see [`Blob::arena`]).
    pub fn new(
        blob: Blob<'b>,
        mut f32s: &'a mut [f32],
        mut i8s: &'a mut [i8],
    ) -> Result<Self, EngineError> {
        let needed = blob.arena();
        if f32s.len() < needed.f32s || i8s.len() < needed.i8s {
            return Err(EngineError::Arena(needed));
        }
        let precisions_fit = blob.convs.iter().enumerate().all(|(i, c)| {
            matches!(
                (i, &c.dense),
                (0, Dense::F32 { .. }) | (1.., Dense::Int8 { .. })
            )
        });
        if !precisions_fit {
            return Err(EngineError::ConvPrecision);
        }
        let d = blob.dims;
        let (conv_steps, widest) = shape(&blob);
        let cache = d.cache_frames();
        let f = d.chunk_frames;
        let audio_tail = take(&mut f32s, blob.convs[0].spec.tail());
        let mut joined = Vec::new();
        let _ = joined.push(take(&mut i8s, 0));
        for i in 1..blob.convs.len() {
            let n = (blob.convs[i].spec.tail() + conv_steps[i]) * blob.convs[i - 1].spec.channels;
            let _ = joined.push(take(&mut i8s, n));
        }
        let mut engine = Engine {
            x: take(&mut f32s, f * d.d_model),
            qkv: take(&mut f32s, f * 3 * d.d_model),
            row: take(&mut f32s, widest),
            row2: take(&mut f32s, widest),
            scores: take(&mut f32s, cache + f),
            ring_scales: take(&mut f32s, d.layers * 2 * cache * d.heads),
            q8: take(&mut i8s, d.d_model.max(d.ffn)),
            ring: take(&mut i8s, d.layers * 2 * cache * d.d_model),
            audio_tail,
            joined,
            conv_steps,
            blob,
            ring_head: 0,
            filled: 0,
        };
        engine.reset();
        Ok(engine)
    }

    /// The blob this engine runs.
    pub fn blob(&self) -> &Blob<'b> {
        &self.blob
    }

    /// Starts a new stream: silence before it, nothing cached.
    pub fn reset(&mut self) {
        self.audio_tail.fill(0.0);
        for j in self.joined.iter_mut() {
            j.fill(0);
        }
        self.ring_head = 0;
        self.filled = 0;
    }

    /// Runs one chunk of audio (`chunk_samples` samples, mono, at the blob's rate) and
    /// writes its frame probabilities, `[frames][classes]`.
    pub fn run_chunk<S: Sample>(
        &mut self,
        audio: &[S],
        probs: &mut [f32],
    ) -> Result<(), EngineError> {
        let d = self.blob.dims;
        if audio.len() != self.blob.chunk_samples() || probs.len() != d.chunk_frames * d.classes {
            return Err(EngineError::Length);
        }
        self.front(audio);
        for l in 0..d.layers {
            self.attention(l);
            self.feed_forward(l);
        }
        let fb = self.blob.frac_bits;
        for f in 0..d.chunk_frames {
            let row = &mut self.row[..d.d_model];
            row.copy_from_slice(&self.x[f * d.d_model..(f + 1) * d.d_model]);
            layer_norm(row, &self.blob.final_norm, self.blob.norm_eps);
            let logits = &mut self.row2[..d.classes];
            dense(&self.blob.head, Input::F32(row), self.q8, fb, logits);
            for (p, &z) in probs[f * d.classes..].iter_mut().zip(logits.iter()) {
                *p = sigmoid(z);
            }
        }
        let cache = d.cache_frames();
        if cache > 0 {
            self.ring_head = (self.ring_head + d.chunk_frames) % cache;
            self.filled = (self.filled + d.chunk_frames).min(cache);
        }
        Ok(())
    }

    /// The conv front end: each frame through conv, norm and GELU, then quantized straight into
    /// the next layer's input (or, after the last layer, into the residual stream).
    fn front<S: Sample>(&mut self, audio: &[S]) {
        let (fb, eps) = (self.blob.frac_bits, self.blob.norm_eps);
        let n = self.blob.convs.len();
        for i in 0..n {
            let conv = self.blob.convs[i];
            let (spec, cin) = (
                conv.spec,
                if i == 0 {
                    1
                } else {
                    self.blob.convs[i - 1].spec.channels
                },
            );
            let frames = self.conv_steps[i] / spec.stride;
            let (done, rest) = self.joined.split_at_mut(i + 1);
            let input = &done[i];
            for f in 0..frames {
                let y = &mut self.row[..spec.channels];
                if i == 0 {
                    let window = &mut self.row2[..spec.kernel];
                    let tail = self.audio_tail.len();
                    for (k, w) in window.iter_mut().enumerate() {
                        let s = f * spec.stride + k;
                        *w = if s < tail {
                            self.audio_tail[s]
                        } else {
                            audio[s - tail].to_f32()
                        };
                    }
                    dense(&conv.dense, Input::F32(window), self.q8, fb, y);
                } else {
                    let at = f * spec.stride * cin;
                    let window = &input[at..at + spec.kernel * cin];
                    dense(&conv.dense, Input::Int8(window), self.q8, fb, y);
                }
                layer_norm(y, &conv.norm, eps);
                gelu(y);
                match rest.first_mut() {
                    Some(next) => {
                        let Dense::Int8 { x_scale, .. } = self.blob.convs[i + 1].dense else {
                            unreachable!("checked in new")
                        };
                        let at = (self.blob.convs[i + 1].spec.tail() + f) * spec.channels;
                        quantize(y, x_scale, &mut next[at..at + spec.channels]);
                    }
                    None => self.x[f * spec.channels..(f + 1) * spec.channels].copy_from_slice(y),
                }
            }
            // Keep the last input steps for the next chunk.
            let keep = spec.tail() * cin;
            if i == 0 {
                for (t, &a) in self.audio_tail.iter_mut().zip(&audio[audio.len() - keep..]) {
                    *t = a.to_f32();
                }
            } else {
                let input = &mut done[i];
                let end = input.len();
                input.copy_within(end - keep..end, 0);
            }
        }
    }

    /// One layer's attention block: pre-norm, projections, attention over the ring and the
    /// chunk, output projection, residual; then the chunk's keys and values into the ring.
    fn attention(&mut self, l: usize) {
        let dims = self.blob.dims;
        let (t, d, h, dh) = (dims.chunk_frames, dims.d_model, dims.heads, dims.head_dim());
        let (fb, eps) = (self.blob.frac_bits, self.blob.norm_eps);
        let layer = self.blob.layers[l];
        let cache = dims.cache_frames();
        let query_scale = 1.0 / libm::sqrtf(dh as f32);
        for f in 0..t {
            let row = &mut self.row[..d];
            row.copy_from_slice(&self.x[f * d..(f + 1) * d]);
            layer_norm(row, &layer.attn_norm, eps);
            dense(
                &layer.qkv,
                Input::F32(row),
                self.q8,
                fb,
                &mut self.qkv[f * 3 * d..(f + 1) * 3 * d],
            );
            for q in &mut self.qkv[f * 3 * d..f * 3 * d + d] {
                *q *= query_scale;
            }
        }
        let first = cache - self.filled;
        let k_ring = (l * 2) * cache;
        let v_ring = (l * 2 + 1) * cache;
        // The ring slot of cached frame `k` (0 = oldest place): no division per key.
        let ring_head = self.ring_head;
        let slot = |k: usize| {
            let s = ring_head + k;
            if s >= cache { s - cache } else { s }
        };
        for qf in 0..t {
            let o = &mut self.row[..d];
            for hd in 0..h {
                let slope = self.blob.slopes.get(hd);
                let query = &self.qkv[qf * 3 * d + hd * dh..][..dh];
                let alibi = |k: usize| -slope * (cache + qf).abs_diff(k) as f32;
                let mut max = f32::NEG_INFINITY;
                // A whole head's query, held in registers over all the cached keys.
                let held: Option<[f32; DOT_BLOCK]> = query.try_into().ok();
                for k in first..cache {
                    let slot = slot(k);
                    let key = &self.ring[(k_ring + slot) * d + hd * dh..][..dh];
                    let dot = match held {
                        Some(query) => dot_held(query, key),
                        None => query.iter().zip(key).map(|(&a, &b)| a * b as f32).sum(),
                    };
                    let s = dot * self.ring_scales[(k_ring + slot) * h + hd] + alibi(k);
                    self.scores[k] = s;
                    if s > max {
                        max = s;
                    }
                }
                for kf in 0..t {
                    let key = &self.qkv[kf * 3 * d + d + hd * dh..][..dh];
                    let dot: f32 = query.iter().zip(key).map(|(a, b)| a * b).sum();
                    let s = dot + alibi(cache + kf);
                    self.scores[cache + kf] = s;
                    if s > max {
                        max = s;
                    }
                }
                let scores = &mut self.scores[first..cache + t];
                let mut sum = 0.0;
                for s in scores.iter_mut() {
                    *s = libm::expf(*s - max);
                    sum += *s;
                }
                // Each key's weight, once: its probability, times its value's scale in the ring.
                for k in first..cache {
                    self.scores[k] =
                        self.scores[k] / sum * self.ring_scales[(v_ring + slot(k)) * h + hd];
                }
                for p in &mut self.scores[cache..cache + t] {
                    *p /= sum;
                }
                // The weighted sum of the values, a few outputs at a time with their sums in
                // registers; each output adds its terms in key order, ring first, as before.
                let (weights, ring, qkv) = (&self.scores, &self.ring, &self.qkv);
                let ring = |at: usize| {
                    (first..cache).map(move |k| (weights[k], &ring[(v_ring + slot(k)) * d + at..]))
                };
                let chunk = |at: usize| {
                    (0..t).map(move |kf| (weights[cache + kf], &qkv[kf * 3 * d + 2 * d + at..]))
                };
                let mut blocks = o[hd * dh..(hd + 1) * dh].chunks_exact_mut(VALUE_BLOCK);
                for (b, out) in (&mut blocks).enumerate() {
                    let at = hd * dh + b * VALUE_BLOCK;
                    out.copy_from_slice(&weighted_sum::<VALUE_BLOCK>(ring(at), chunk(at)));
                }
                let rest = blocks.into_remainder();
                let at = (hd + 1) * dh - rest.len();
                for (j, y) in rest.iter_mut().enumerate() {
                    *y = weighted_sum::<1>(ring(at + j), chunk(at + j))[0];
                }
            }
            let projected = &mut self.row2[..d];
            dense(&layer.out, Input::F32(o), self.q8, fb, projected);
            for (x, y) in self.x[qf * d..(qf + 1) * d]
                .iter_mut()
                .zip(projected.iter())
            {
                *x += y;
            }
        }
        if cache == 0 {
            return;
        }
        // The chunk's frames replace the oldest ones.
        for f in 0..t {
            let slot = slot(f);
            for (ring, part) in [(k_ring, 1), (v_ring, 2)] {
                for hd in 0..h {
                    let src = &self.qkv[f * 3 * d + part * d + hd * dh..][..dh];
                    let max = src.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                    let scale = max.max(RING_MIN_MAGNITUDE) / 127.0;
                    self.ring_scales[(ring + slot) * h + hd] = scale;
                    quantize(
                        src,
                        scale,
                        &mut self.ring[(ring + slot) * d + hd * dh..][..dh],
                    );
                }
            }
        }
    }

    /// One layer's feed-forward block, frame by frame.
    fn feed_forward(&mut self, l: usize) {
        let dims = self.blob.dims;
        let (d, ffn) = (dims.d_model, dims.ffn);
        let (fb, eps) = (self.blob.frac_bits, self.blob.norm_eps);
        let layer = self.blob.layers[l];
        for f in 0..dims.chunk_frames {
            let row = &mut self.row[..d];
            row.copy_from_slice(&self.x[f * d..(f + 1) * d]);
            layer_norm(row, &layer.ffn_norm, eps);
            let hidden = &mut self.row2[..ffn];
            dense(&layer.ffn_in, Input::F32(row), self.q8, fb, hidden);
            gelu(hidden);
            dense(&layer.ffn_out, Input::F32(hidden), self.q8, fb, row);
            for (x, y) in self.x[f * d..(f + 1) * d].iter_mut().zip(row.iter()) {
                *x += y;
            }
        }
    }
}

/// `sum_k p_k v_k` for `N` outputs, the ring's int8 values then the chunk's f32 ones, in key
/// order; the sums stay in registers.
#[inline(always)]
fn weighted_sum<'a, const N: usize>(
    ring: impl Iterator<Item = (f32, &'a [i8])>,
    chunk: impl Iterator<Item = (f32, &'a [f32])>,
) -> [f32; N] {
    let mut acc = [0.0f32; N];
    for (p, value) in ring {
        let value: &[i8; N] = value[..N].try_into().expect("N values");
        for (y, &v) in acc.iter_mut().zip(value) {
            *y += p * v as f32;
        }
    }
    for (p, value) in chunk {
        let value: &[f32; N] = value[..N].try_into().expect("N values");
        for (y, &v) in acc.iter_mut().zip(value) {
            *y += p * v;
        }
    }
    acc
}

/// The dot product of a query held in registers (`N` values) with an int8 key from the ring,
/// its terms added in order, as `Iterator::sum` adds them.
#[inline(always)]
fn dot_held<const N: usize>(query: [f32; N], key: &[i8]) -> f32 {
    let key: &[i8; N] = key.try_into().expect("a key as long as the query");
    let mut acc = -0.0f32;
    for (a, &b) in query.into_iter().zip(key) {
        acc += a * b as f32;
    }
    acc
}
