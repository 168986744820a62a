//! Signal level: the mean square power that SNRs and a recording's song level are measured in,
//! apart from the noise bank and the recordings so both can use it.

/// Mean square of `x`.
pub fn power(x: &[f32]) -> f32 {
    x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32
}
