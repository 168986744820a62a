//! Signal pieces both synthetic generators build from (calls and nuisance sounds): log-uniform
//! draws, band-limited noise, steep filters, fades; and for their tests, band energy shares.

use std::f64::consts::PI;

use rand::Rng;
use rand::rngs::StdRng;

use crate::data::eq::Biquad;

/// Noise run through the filters before it is kept, seconds: their start-up transient is dropped.
const PREROLL_S: f64 = 0.05;
/// Q of the sections of an 8th-order Butterworth filter: steep band edges from plain biquads.
const BUTTERWORTH_8: [f64; 4] = [0.5098, 0.6013, 0.9000, 2.5629];

/// Log-uniform in `lo..hi` (`lo` when the range is empty): frequencies and durations spread
/// evenly per octave.
pub fn log_uniform(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return lo;
    }
    rng.random_range(lo.ln()..hi.ln()).exp()
}

/// `n` samples of noise band-limited to `lo..hi` Hz (8th-order skirts; `lo` at 20 Hz or less
/// leaves the low end open), unit RMS.
pub fn band_noise(rate: f64, rng: &mut StdRng, n: usize, lo: f64, hi: f64) -> Vec<f32> {
    let pre = (PREROLL_S * rate) as usize;
    let mut x: Vec<f32> = (0..n + pre).map(|_| rng.random_range(-1.0..1.0)).collect();
    if lo > 20.0 {
        high_pass(&mut x, rate, lo);
    }
    low_pass(&mut x, rate, hi);
    x.drain(..pre);
    let rms = rms(&x);
    if rms > 0.0 {
        x.iter_mut().for_each(|v| *v = (*v as f64 / rms) as f32);
    }
    x
}

/// Root mean square of `x`, summed in f64 (minutes of audio at 48 kHz).
pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// Seconds to the next event of a Poisson process of `per_s` events a second.
pub fn exponential(rng: &mut StdRng, per_s: f64) -> f64 {
    -(1.0 - rng.random::<f64>()).ln() / per_s
}

/// 8th-order Butterworth high-pass at `hz`.
pub fn high_pass(x: &mut [f32], rate: f64, hz: f64) {
    for q in BUTTERWORTH_8 {
        Biquad::high_pass(rate, hz, q).run(x);
    }
}

/// 8th-order Butterworth low-pass at `hz`.
pub fn low_pass(x: &mut [f32], rate: f64, hz: f64) {
    for q in BUTTERWORTH_8 {
        Biquad::low_pass(rate, hz, q).run(x);
    }
}

/// Raised-cosine fade in and out over `n` samples (a third of `x` at most).
pub fn ramp(x: &mut [f32], n: f64) {
    let len = x.len();
    let n = (n as usize).min(len / 3);
    for i in 0..n {
        let g = (0.5 - 0.5 * (PI * (i as f64 + 0.5) / n as f64).cos()) as f32;
        x[i] *= g;
        x[len - 1 - i] *= g;
    }
}

#[cfg(test)]
pub mod spectrum {
    use std::f64::consts::{PI, TAU};

    use rustfft::FftPlanner;
    use rustfft::num_complex::Complex;

    /// Frame length of the spectra.
    const N: usize = 512;
    /// Most frames analysed (spread over the signal): keeps the dev-profile tests fast.
    const MAX_FRAMES: usize = 64;

    /// Shares of `x`'s energy in each band `edges[i]..edges[i+1]` Hz (Hann frames of 512).
    pub fn band_shares(x: &[f32], rate: f64, edges: &[f64]) -> Vec<f64> {
        let mut padded = x.to_vec();
        padded.resize(padded.len().max(N), 0.0);
        let frames = (padded.len() - N) / N + 1;
        let step = frames.div_ceil(MAX_FRAMES);
        let fft = FftPlanner::<f64>::new().plan_fft_forward(N);
        let mut bands = vec![0.0; edges.len() - 1];
        for f in (0..frames).step_by(step) {
            let mut bins: Vec<Complex<f64>> = padded[f * N..(f + 1) * N]
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let hann = (PI * (i as f64 + 0.5) / N as f64).sin().powi(2);
                    Complex::new(*v as f64 * hann, 0.0)
                })
                .collect();
            fft.process(&mut bins);
            for (k, bin) in bins.iter().enumerate().take(N / 2).skip(1) {
                let hz = k as f64 * rate / N as f64;
                if let Some(b) = (0..bands.len()).find(|&b| hz >= edges[b] && hz < edges[b + 1]) {
                    bands[b] += bin.norm_sqr();
                }
            }
        }
        let total: f64 = bands.iter().sum();
        bands.iter().map(|b| b / total.max(1e-30)).collect()
    }

    /// Share of `x`'s energy at or above `hz`.
    pub fn share_above(x: &[f32], rate: f64, hz: f64) -> f64 {
        band_shares(x, rate, &[0.0, hz, rate])[1]
    }

    #[test]
    fn a_tone_lands_in_its_band() {
        let tone: Vec<f32> = (0..8000)
            .map(|i| (TAU * 3000.0 * i as f64 / 16000.0).sin() as f32)
            .collect();
        let shares = band_shares(&tone, 16000.0, &[0.0, 2900.0, 3100.0, 8000.0]);
        assert!(shares[1] > 0.999, "{shares:?}");
    }
}
