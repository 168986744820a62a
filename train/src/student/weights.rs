//! A student's weights as plain arrays: what the trainer hands to the exporter.

/// `y = x W + b`, with `w` stored `[inputs, outputs]` row-major.
#[derive(Debug, Clone)]
pub struct Dense {
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

/// Layer normalization scale and shift.
#[derive(Debug, Clone)]
pub struct Norm {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

/// One front-end layer: conv weights `[out, in, kernel]`, bias, then a per-frame norm.
#[derive(Debug, Clone)]
pub struct ConvWeights {
    pub w: Vec<f32>,
    pub b: Vec<f32>,
    pub norm: Norm,
}

/// One pre-norm transformer layer.
#[derive(Debug, Clone)]
pub struct LayerWeights {
    pub attn_norm: Norm,
    /// Fused query/key/value projection, `[d, 3d]`, columns q | k | v.
    pub qkv: Dense,
    pub out: Dense,
    pub ffn_norm: Norm,
    pub ffn_in: Dense,
    pub ffn_out: Dense,
}

/// All weights of a student.
#[derive(Debug, Clone)]
pub struct StudentWeights {
    pub conv: Vec<ConvWeights>,
    pub layers: Vec<LayerWeights>,
    pub final_norm: Norm,
    pub head: Dense,
}

/// Epsilon of every layer norm, in training and in the exported graph.
pub const NORM_EPS: f32 = 1e-5;
