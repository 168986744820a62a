//! Speed perturbation: reading a signal at a fractional step with a band-limited (windowed-sinc)
//! interpolator, which shifts pitch and tempo together without aliasing.

/// Zero crossings of the sinc on each side: with the Blackman window the stop band is 48 dB down
/// 1 kHz above the cutoff (at 16 kHz), for 31..37 taps per output sample.
const ZERO_CROSSINGS: f64 = 16.0;
/// Kernel table entries per source sample; linear interpolation between them is accurate to ~1e-5.
const TABLE_STEPS: usize = 256;

/// The interpolation kernel for one cutoff, tabulated over non-negative distances.
struct Kernel {
    table: Vec<f32>,
    /// Support on each side, in source samples.
    half: f64,
}

impl Kernel {
    /// A low-pass kernel with `cutoff` as a fraction of the source's Nyquist frequency.
    fn new(cutoff: f64) -> Self {
        let half = ZERO_CROSSINGS / cutoff;
        let n = (half * TABLE_STEPS as f64).ceil() as usize + 2;
        let table = (0..n)
            .map(|i| {
                let d = i as f64 / TABLE_STEPS as f64;
                if d >= half {
                    return 0.0;
                }
                let x = std::f64::consts::PI * cutoff * d;
                let sinc = if x == 0.0 { 1.0 } else { x.sin() / x };
                let u = std::f64::consts::PI * d / half;
                let blackman = 0.42 + 0.5 * u.cos() + 0.08 * (2.0 * u).cos();
                (cutoff * sinc * blackman) as f32
            })
            .collect();
        Self { table, half }
    }

    fn at(&self, d: f64) -> f32 {
        let x = d.abs() * TABLE_STEPS as f64;
        let i = x as usize;
        if i + 1 >= self.table.len() {
            return 0.0;
        }
        let t = (x - i as f64) as f32;
        self.table[i] + t * (self.table[i + 1] - self.table[i])
    }
}

/// Fills `out` with `src` read at positions `start + k * factor` (in source samples): a factor
/// above 1 plays faster and higher. Speeding up low-passes at the new Nyquist frequency first.
/// Outside `src` is silence.
pub fn stretch(src: &[f32], start: f64, factor: f64, out: &mut [f32]) {
    let kernel = Kernel::new(1f64.min(1.0 / factor));
    for (k, o) in out.iter_mut().enumerate() {
        let pos = start + k as f64 * factor;
        let first = (pos - kernel.half).ceil().max(0.0) as usize;
        let last = ((pos + kernel.half).floor() as usize).min(src.len().saturating_sub(1));
        let mut acc = 0.0f32;
        if pos + kernel.half >= 0.0 {
            for (i, s) in src.iter().enumerate().take(last + 1).skip(first) {
                acc += s * kernel.at(pos - i as f64);
            }
        }
        *o = acc;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f64, rate: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (std::f64::consts::TAU * hz * i as f64 / rate).sin() as f32)
            .collect()
    }

    /// Largest deviation from `expected`, away from the edges.
    fn max_error(got: &[f32], expected: &[f32]) -> f32 {
        got[50..got.len() - 50]
            .iter()
            .zip(&expected[50..])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn stretching_a_sine_scales_its_frequency() {
        let src = sine(1000.0, 16000.0, 8000);
        for factor in [0.85, 1.15] {
            let mut out = vec![0.0; 4000];
            stretch(&src, 100.0, factor, &mut out);
            // Reading at step `factor` from sample 100 is a sine of 1000 * factor Hz with that phase.
            let expected: Vec<f32> = (0..4000)
                .map(|k| {
                    let t = (100.0 + k as f64 * factor) / 16000.0;
                    (std::f64::consts::TAU * 1000.0 * t).sin() as f32
                })
                .collect();
            assert!(max_error(&out, &expected) < 2e-3, "factor {factor}");
        }
    }

    #[test]
    fn speeding_up_removes_what_would_alias() {
        // 7.9 kHz at a speed-up of 1.15 would land at 9.1 kHz, above the 8 kHz Nyquist frequency.
        let src = sine(7900.0, 16000.0, 8000);
        let mut out = vec![0.0; 4000];
        stretch(&src, 0.0, 1.15, &mut out);
        let rms = (out[100..3900].iter().map(|v| v * v).sum::<f32>() / 3800.0).sqrt();
        assert!(rms < 0.01, "rms {rms}");
    }

    #[test]
    fn beyond_the_source_is_silence() {
        let mut out = vec![1.0; 100];
        stretch(&[0.5; 10], 50.0, 1.0, &mut out);
        assert!(out.iter().all(|&v| v == 0.0));
    }
}
