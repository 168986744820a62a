//! Choosing int8 scales: per-channel symmetric for weights, per-tensor for activations from a
//! histogram of calibration values (a high percentile, or the clip that minimizes the error).

use serde::{Deserialize, Serialize};

/// The largest int8 magnitude used; symmetric, so -127..=127 (-128 never occurs).
pub const QMAX: f32 = 127.0;

/// How an activation's clipping range is chosen from its calibration histogram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ActivationScale {
    /// Clip at this percentile of |x| (e.g. 99.99).
    Percentile(f64),
    /// The clip that minimizes the expected squared error (rounding inside, clipping outside).
    Mse,
}

/// Weights `[inputs, outputs]` (row-major, one column per output channel) as int8 with one scale
/// per output channel: `w ~ q * scale[out]`.
pub fn quantize_columns(w: &[f32], inputs: usize, outputs: usize) -> (Vec<i8>, Vec<f32>) {
    assert_eq!(w.len(), inputs * outputs, "weight shape");
    let scales: Vec<f32> = (0..outputs)
        .map(|o| {
            let max = (0..inputs)
                .map(|i| w[i * outputs + o].abs())
                .fold(0.0, f32::max);
            if max > 0.0 { max / QMAX } else { 1.0 }
        })
        .collect();
    let q = w
        .iter()
        .enumerate()
        .map(|(k, v)| (v / scales[k % outputs]).round().clamp(-QMAX, QMAX) as i8)
        .collect();
    (q, scales)
}

/// Bins of an activation histogram.
const BINS: usize = 2048;

/// A histogram of |x| over `[0, max]`, filled in a second pass once the maximum is known.
#[derive(Debug, Clone)]
pub struct Histogram {
    pub max: f32,
    pub counts: Vec<u64>,
}

impl Histogram {
    pub fn new(max: f32) -> Self {
        Self {
            max: max.max(f32::MIN_POSITIVE),
            counts: vec![0; BINS],
        }
    }

    pub fn add(&mut self, values: &[f32]) {
        let per_bin = BINS as f32 / self.max;
        for v in values {
            let bin = (v.abs() * per_bin) as usize;
            self.counts[bin.min(BINS - 1)] += 1;
        }
    }

    fn bin_width(&self) -> f64 {
        self.max as f64 / BINS as f64
    }

    /// The value below which `p` percent of the magnitudes lie.
    fn percentile(&self, p: f64) -> f32 {
        let total: u64 = self.counts.iter().sum();
        let wanted = (total as f64 * p / 100.0).ceil() as u64;
        let mut seen = 0;
        for (bin, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= wanted {
                return ((bin + 1) as f64 * self.bin_width()) as f32;
            }
        }
        self.max
    }

    /// Expected squared error of quantizing the histogram's values with clip `c`.
    fn error(&self, c: f64) -> f64 {
        let step = c / QMAX as f64;
        let w = self.bin_width();
        self.counts
            .iter()
            .enumerate()
            .map(|(bin, &n)| {
                let v = (bin as f64 + 0.5) * w;
                let e = if v > c {
                    (v - c) * (v - c)
                } else {
                    step * step / 12.0
                };
                n as f64 * e
            })
            .sum()
    }

    /// The clipping range for `method`.
    pub fn clip(&self, method: ActivationScale) -> f32 {
        match method {
            ActivationScale::Percentile(p) => self.percentile(p),
            ActivationScale::Mse => {
                // Candidates from a tenth of the range up: smaller clips only ever help outliers.
                let w = self.bin_width();
                (BINS / 10..=BINS)
                    .map(|bins| bins as f64 * w)
                    .min_by(|a, b| self.error(*a).total_cmp(&self.error(*b)))
                    .unwrap_or(self.max as f64) as f32
            }
        }
    }
}

/// The int8 step for an activation clipped at `clip`.
pub fn activation_scale(clip: f32) -> f32 {
    clip.max(1e-8) / QMAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_get_their_own_scales() {
        // Two output channels, one 100x larger than the other: each keeps full resolution.
        let w = [0.008, 0.8, -0.02, -2.0, 0.005, 0.5];
        let (q, s) = quantize_columns(&w, 3, 2);
        assert_eq!(q, vec![51, 51, -127, -127, 32, 32]);
        assert!((s[0] - 0.02 / 127.0).abs() < 1e-9 && (s[1] - 2.0 / 127.0).abs() < 1e-7);
    }

    #[test]
    fn mse_balances_clipping_against_rounding_and_percentile_follows_the_bulk() {
        // A bulk within 1.0 and five outliers at 50: clipping at c costs 5 (50 - c)^2, rounding
        // 1e5 (c / 127)^2 / 12, so the best clip is about 45.3.
        let mut values: Vec<f32> = (0..100_000)
            .map(|i| ((i % 1000) as f32 / 1000.0).powi(2))
            .collect();
        values.extend([50.0; 5]);
        let mut h = Histogram::new(50.0);
        h.add(&values);
        let mse = h.clip(ActivationScale::Mse);
        assert!((44.0..46.5).contains(&mse), "mse clip {mse}");
        let p = h.clip(ActivationScale::Percentile(99.9));
        assert!((0.9..1.1).contains(&p), "percentile clip {p}");
        // With no outliers the whole range is kept.
        let mut flat = Histogram::new(1.0);
        flat.add(&(0..10_000).map(|i| i as f32 / 10_000.0).collect::<Vec<_>>());
        assert!(flat.clip(ActivationScale::Mse) > 0.9);
    }
}
