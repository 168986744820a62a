//! The `.hmb` firmware blob (contract 3), read in place: a flat little-endian file that a
//! recorder keeps in flash and the engine borrows from, without copying or allocating.
//!
//! ```text
//! header      64 bytes: magic, version, header size, FNV-1a hash and size of the whole file
//!             (the hash taken with its own field zeroed), then the architecture (u32 each:
//!             sample rate, chunk frames, past chunks, d_model, heads, layers, ffn, classes,
//!             conv layers, tensors), the layer-norm epsilon (f32) and the fixed-point fraction
//!             bits of requantized values (u32)
//! convs       per conv layer: kernel, stride, channels (u32)
//! rules       per class: on, off threshold (f32); then min event, merge gap, max event (frames, u32)
//! slopes      per head: ALiBi slope (f32)
//! tensors     per tensor: dtype (1 f32, 2 i8, 3 i32), element count, byte offset (u32)
//! data        the tensors, each 4-byte aligned, in the order of the layer table below
//! ```
//!
//! Layer table (the order of the tensors): per conv layer a dense, then its norm; per
//! transformer layer the attention norm, the fused query/key/value dense, the output dense, the
//! feed-forward norm, its two denses; the final norm; the head dense. A norm is gamma, beta (f32).
//! A dense `y = x W + b` over `inputs` to `outputs` is either f32 (weights `[outputs][inputs]`,
//! bias) or int8: weights `[outputs][inputs]` (i8), the input's quantization step (one f32),
//! and per output its bias in fixed point, a Q31 multiplier and a right shift (i32): the int32
//! accumulator `acc` becomes `(acc * multiplier) >> shift + bias`, a value with
//! [`Blob::frac_bits`] fraction bits.

use heapless::Vec;

/// The four bytes a blob starts with.
pub const MAGIC: [u8; 4] = *b"HMB1";
/// The format version this firmware reads.
pub const VERSION: u16 = 1;
/// Bytes of the fixed header.
pub const HEADER_BYTES: usize = 64;
/// Byte offset of the hash in the header.
pub const HASH_OFFSET: usize = 8;
/// Conv layers a blob may have.
pub const MAX_CONVS: usize = 6;
/// Transformer layers a blob may have.
pub const MAX_LAYERS: usize = 4;
/// Classes a blob may have.
pub const MAX_CLASSES: usize = 8;

/// Tensor element types.
pub mod dtype {
    /// 32-bit float.
    pub const F32: u32 = 1;
    /// 8-bit signed integer.
    pub const I8: u32 = 2;
    /// 32-bit signed integer.
    pub const I32: u32 = 3;
}

/// Why a blob cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BlobError {
    /// Shorter than its header or than the size it declares.
    Truncated,
    /// Does not start with [`MAGIC`].
    NotABlob,
    /// A format version this firmware does not read.
    Version(u16),
    /// The content does not match its hash: damaged or partly written.
    Hash,
    /// More layers or classes than this firmware holds.
    TooLarge,
    /// The tensor at this index has the wrong type, size or place for the architecture.
    Tensor(u16),
    /// The architecture does not add up (zero sizes, heads not dividing d_model, ...).
    Shape,
}

/// FNV-1a (32-bit) of `bytes`, with the hash field itself read as zeros.
pub fn hash(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for (i, &b) in bytes.iter().enumerate() {
        let b = if (HASH_OFFSET..HASH_OFFSET + 4).contains(&i) {
            0
        } else {
            b
        };
        h = (h ^ b as u32).wrapping_mul(0x0100_0193);
    }
    h
}

fn u32_at(bytes: &[u8], offset: usize) -> Result<u32, BlobError> {
    let b = bytes.get(offset..offset + 4).ok_or(BlobError::Truncated)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Little-endian f32 values borrowed from the blob (no alignment needed).
#[derive(Debug, Clone, Copy)]
pub struct F32s<'a>(&'a [u8]);

impl F32s<'_> {
    /// Element `i`.
    #[inline]
    pub fn get(&self, i: usize) -> f32 {
        let b = &self.0[4 * i..4 * i + 4];
        f32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
    /// Elements `start..start + n`, in order (one bounds check for all of them).
    #[inline]
    pub fn iter(&self, start: usize, n: usize) -> impl Iterator<Item = f32> + '_ {
        self.0[4 * start..4 * (start + n)]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Elements.
    pub fn len(&self) -> usize {
        self.0.len() / 4
    }
    /// No elements.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Little-endian i32 values borrowed from the blob.
#[derive(Debug, Clone, Copy)]
pub struct I32s<'a>(&'a [u8]);

impl I32s<'_> {
    /// Element `i`.
    #[inline]
    pub fn get(&self, i: usize) -> i32 {
        let b = &self.0[4 * i..4 * i + 4];
        i32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

/// One conv layer of the front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    /// Taps.
    pub kernel: usize,
    /// Hop between outputs, in input steps.
    pub stride: usize,
    /// Output channels.
    pub channels: usize,
}

impl ConvSpec {
    /// Past input steps kept between chunks.
    pub fn tail(&self) -> usize {
        self.kernel - self.stride
    }
}

/// The architecture a blob describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    /// Input sample rate, Hz.
    pub sample_rate: u32,
    /// Frames per chunk.
    pub chunk_frames: usize,
    /// Past chunks each chunk attends to (the key/value ring).
    pub past_chunks: usize,
    /// Transformer width.
    pub d_model: usize,
    /// Attention heads.
    pub heads: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Feed-forward hidden width.
    pub ffn: usize,
    /// Output classes.
    pub classes: usize,
}

impl Dims {
    /// Channels per head.
    pub fn head_dim(&self) -> usize {
        self.d_model / self.heads
    }
    /// Frames held in the key/value ring.
    pub fn cache_frames(&self) -> usize {
        self.past_chunks * self.chunk_frames
    }
}

/// Layer normalization scale and shift.
#[derive(Debug, Clone, Copy)]
pub struct Norm<'a> {
    /// Scale, per channel.
    pub gamma: F32s<'a>,
    /// Shift, per channel.
    pub beta: F32s<'a>,
}

/// `y = x W + b` over `inputs` to `outputs`.
#[derive(Debug, Clone, Copy)]
pub enum Dense<'a> {
    /// f32 weights `[outputs][inputs]` and bias.
    F32 {
        /// Input width.
        inputs: usize,
        /// Weights, one row per output.
        w: F32s<'a>,
        /// Bias per output.
        b: F32s<'a>,
    },
    /// int8 weights `[outputs][inputs]` on an int8-quantized input, int32 accumulation and a
    /// fixed-point requantization per output.
    Int8 {
        /// Input width.
        inputs: usize,
        /// Weights, one row per output (i8 bytes).
        w: &'a [u8],
        /// The input's quantization step: `x ~ x_q * x_scale`.
        x_scale: f32,
        /// Bias per output, in fixed point.
        bias: I32s<'a>,
        /// Q31 multiplier per output.
        multiplier: I32s<'a>,
        /// Right shift per output.
        shift: I32s<'a>,
    },
}

impl Dense<'_> {
    /// Input width.
    pub fn inputs(&self) -> usize {
        match self {
            Dense::F32 { inputs, .. } | Dense::Int8 { inputs, .. } => *inputs,
        }
    }
}

/// A conv layer: its window dense, then its norm.
#[derive(Debug, Clone, Copy)]
pub struct Conv<'a> {
    /// Shape.
    pub spec: ConvSpec,
    /// Over a window of `kernel` input steps, time-major.
    pub dense: Dense<'a>,
    /// Per-frame norm over the channels.
    pub norm: Norm<'a>,
}

/// A pre-norm transformer layer.
#[derive(Debug, Clone, Copy)]
pub struct Layer<'a> {
    /// Before attention.
    pub attn_norm: Norm<'a>,
    /// Fused projection, outputs q | k | v, each head after head.
    pub qkv: Dense<'a>,
    /// Attention output projection.
    pub out: Dense<'a>,
    /// Before the feed-forward block.
    pub ffn_norm: Norm<'a>,
    /// Feed-forward in (GELU after it).
    pub ffn_in: Dense<'a>,
    /// Feed-forward out.
    pub ffn_out: Dense<'a>,
}

/// Event rules, in frames.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Opening probability, per class.
    pub on: Vec<f32, MAX_CLASSES>,
    /// Closing probability, per class.
    pub off: Vec<f32, MAX_CLASSES>,
    /// Shortest event kept.
    pub min_frames: usize,
    /// Largest gap merged.
    pub merge_gap_frames: usize,
    /// Longest event before it is cut (0: no limit).
    pub max_frames: usize,
}

/// A parsed blob: views into its bytes.
#[derive(Debug, Clone)]
pub struct Blob<'a> {
    /// The architecture.
    pub dims: Dims,
    /// Fraction bits of requantized values.
    pub frac_bits: u32,
    /// Layer-norm epsilon.
    pub norm_eps: f32,
    /// The conv front end.
    pub convs: Vec<Conv<'a>, MAX_CONVS>,
    /// The transformer.
    pub layers: Vec<Layer<'a>, MAX_LAYERS>,
    /// ALiBi slope per head.
    pub slopes: F32s<'a>,
    /// After the last layer.
    pub final_norm: Norm<'a>,
    /// Frame logits.
    pub head: Dense<'a>,
    /// Event rules.
    pub rules: Rules,
    /// The whole blob's hash.
    pub hash: u32,
}

/// Walks the tensor table in layer-table order, checking each entry against the architecture.
struct Tensors<'a> {
    bytes: &'a [u8],
    table: usize,
    count: usize,
    next: usize,
}

impl<'a> Tensors<'a> {
    fn entry(&self, i: usize) -> Result<(u32, usize, usize), BlobError> {
        let at = self.table + 12 * i;
        Ok((
            u32_at(self.bytes, at)?,
            u32_at(self.bytes, at + 4)? as usize,
            u32_at(self.bytes, at + 8)? as usize,
        ))
    }

    fn peek_dtype(&self) -> Result<u32, BlobError> {
        if self.next >= self.count {
            return Err(BlobError::Tensor(self.next as u16));
        }
        Ok(self.entry(self.next)?.0)
    }

    fn take(&mut self, want: u32, count: usize) -> Result<&'a [u8], BlobError> {
        let index = self.next;
        let bad = BlobError::Tensor(index as u16);
        if index >= self.count {
            return Err(bad);
        }
        let (dtype, len, offset) = self.entry(index)?;
        let size = if want == dtype::I8 { 1 } else { 4 };
        if dtype != want || len != count || offset % 4 != 0 {
            return Err(bad);
        }
        self.next += 1;
        let end = len.checked_mul(size).and_then(|n| n.checked_add(offset));
        end.and_then(|end| self.bytes.get(offset..end)).ok_or(bad)
    }

    fn f32s(&mut self, count: usize) -> Result<F32s<'a>, BlobError> {
        self.take(dtype::F32, count).map(F32s)
    }

    fn i32s(&mut self, count: usize) -> Result<I32s<'a>, BlobError> {
        self.take(dtype::I32, count).map(I32s)
    }

    fn norm(&mut self, channels: usize) -> Result<Norm<'a>, BlobError> {
        Ok(Norm {
            gamma: self.f32s(channels)?,
            beta: self.f32s(channels)?,
        })
    }

    fn dense(&mut self, inputs: usize, outputs: usize) -> Result<Dense<'a>, BlobError> {
        if self.peek_dtype()? == dtype::F32 {
            return Ok(Dense::F32 {
                inputs,
                w: self.f32s(inputs * outputs)?,
                b: self.f32s(outputs)?,
            });
        }
        Ok(Dense::Int8 {
            inputs,
            w: self.take(dtype::I8, inputs * outputs)?,
            x_scale: self.f32s(1)?.get(0),
            bias: self.i32s(outputs)?,
            multiplier: self.i32s(outputs)?,
            shift: self.i32s(outputs)?,
        })
    }
}

impl<'a> Blob<'a> {
    /// Reads a blob in place, checking its identity, hash and every tensor's shape.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, BlobError> {
        if bytes.len() < HEADER_BYTES {
            return Err(BlobError::Truncated);
        }
        if bytes[..4] != MAGIC {
            return Err(BlobError::NotABlob);
        }
        let version = u16::from_le_bytes([bytes[4], bytes[5]]);
        if version != VERSION {
            return Err(BlobError::Version(version));
        }
        let word = |i: usize| u32_at(bytes, 16 + 4 * i);
        let size = u32_at(bytes, 12)? as usize;
        let bytes = bytes.get(..size).ok_or(BlobError::Truncated)?;
        let stored_hash = u32_at(bytes, HASH_OFFSET)?;
        if hash(bytes) != stored_hash {
            return Err(BlobError::Hash);
        }
        let dims = Dims {
            sample_rate: word(0)?,
            chunk_frames: word(1)? as usize,
            past_chunks: word(2)? as usize,
            d_model: word(3)? as usize,
            heads: word(4)? as usize,
            layers: word(5)? as usize,
            ffn: word(6)? as usize,
            classes: word(7)? as usize,
        };
        let (n_convs, n_tensors) = (word(8)? as usize, word(9)? as usize);
        let norm_eps = f32::from_bits(word(10)?);
        let frac_bits = word(11)?;
        if n_convs == 0 || dims.layers == 0 || dims.heads == 0 || dims.classes == 0 {
            return Err(BlobError::Shape);
        }
        if !dims.d_model.is_multiple_of(dims.heads) || dims.chunk_frames == 0 || frac_bits > 24 {
            return Err(BlobError::Shape);
        }
        if n_convs > MAX_CONVS
            || dims.layers > MAX_LAYERS
            || dims.classes > MAX_CLASSES
            || dims.heads > dims.d_model
        {
            return Err(BlobError::TooLarge);
        }

        let mut at = HEADER_BYTES;
        let mut specs: Vec<ConvSpec, MAX_CONVS> = Vec::new();
        for _ in 0..n_convs {
            let spec = ConvSpec {
                kernel: u32_at(bytes, at)? as usize,
                stride: u32_at(bytes, at + 4)? as usize,
                channels: u32_at(bytes, at + 8)? as usize,
            };
            if spec.stride == 0
                || spec.kernel < spec.stride
                || !spec.kernel.is_multiple_of(spec.stride)
            {
                return Err(BlobError::Shape);
            }
            specs.push(spec).map_err(|_| BlobError::TooLarge)?;
            at += 12;
        }
        if specs.last().map(|c| c.channels) != Some(dims.d_model) {
            return Err(BlobError::Shape);
        }
        let mut rules = Rules {
            on: Vec::new(),
            off: Vec::new(),
            min_frames: 0,
            merge_gap_frames: 0,
            max_frames: 0,
        };
        for _ in 0..dims.classes {
            let _ = rules.on.push(f32::from_bits(u32_at(bytes, at)?));
            let _ = rules.off.push(f32::from_bits(u32_at(bytes, at + 4)?));
            at += 8;
        }
        rules.min_frames = u32_at(bytes, at)? as usize;
        rules.merge_gap_frames = u32_at(bytes, at + 4)? as usize;
        rules.max_frames = u32_at(bytes, at + 8)? as usize;
        at += 12;
        let slopes = F32s(
            bytes
                .get(at..at + 4 * dims.heads)
                .ok_or(BlobError::Truncated)?,
        );
        at += 4 * dims.heads;

        let mut t = Tensors {
            bytes,
            table: at,
            count: n_tensors,
            next: 0,
        };
        let mut convs = Vec::new();
        let mut inputs = 1;
        for spec in specs {
            let conv = Conv {
                spec,
                dense: t.dense(spec.kernel * inputs, spec.channels)?,
                norm: t.norm(spec.channels)?,
            };
            let _ = convs.push(conv);
            inputs = spec.channels;
        }
        let d = dims.d_model;
        let mut layers = Vec::new();
        for _ in 0..dims.layers {
            let layer = Layer {
                attn_norm: t.norm(d)?,
                qkv: t.dense(d, 3 * d)?,
                out: t.dense(d, d)?,
                ffn_norm: t.norm(d)?,
                ffn_in: t.dense(d, dims.ffn)?,
                ffn_out: t.dense(dims.ffn, d)?,
            };
            let _ = layers.push(layer);
        }
        let final_norm = t.norm(d)?;
        let head = t.dense(d, dims.classes)?;
        if t.next != t.count {
            return Err(BlobError::Tensor(t.next as u16));
        }
        Ok(Blob {
            dims,
            frac_bits,
            norm_eps,
            convs,
            layers,
            slopes,
            final_norm,
            head,
            rules,
            hash: stored_hash,
        })
    }
}
