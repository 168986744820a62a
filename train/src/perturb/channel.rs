//! The proxy's "other lab" channel: filter kinds and settings that training's random EQ
//! (`data::eq`) never draws, so the proxy tests a response the model has not seen.

use std::f64::consts::FRAC_1_SQRT_2;

use rand::Rng;
use rand::rngs::StdRng;

use crate::data::eq::Biquad;

/// A capsule roll-off: training never low-passes.
const LOW_PASS_HZ: (f64, f64) = (4500.0, 7000.0);
/// A narrow resonance inside the song band: sharper (higher Q) than training's peaks.
const RESONANCE_HZ: (f64, f64) = (1500.0, 5000.0);
const RESONANCE_Q: (f64, f64) = (3.0, 5.0);
const RESONANCE_DB: (f64, f64) = (6.0, 10.0);
/// A 4th-order rumble filter: steeper than training's 2nd-order high-pass.
const HIGH_PASS_HZ: (f64, f64) = (150.0, 500.0);

/// A low-pass, a resonance and a steep high-pass, with random settings from `rng`.
pub fn other_lab(rng: &mut StdRng, rate: f64) -> Vec<Biquad> {
    let low_pass = rng
        .random_range(LOW_PASS_HZ.0..LOW_PASS_HZ.1)
        .min(0.45 * rate);
    let resonance = rng.random_range(RESONANCE_HZ.0..RESONANCE_HZ.1);
    let q = rng.random_range(RESONANCE_Q.0..RESONANCE_Q.1);
    let gain = rng.random_range(RESONANCE_DB.0..RESONANCE_DB.1);
    let high_pass = rng.random_range(HIGH_PASS_HZ.0..HIGH_PASS_HZ.1);
    // Butterworth 4th order: two sections with these Q.
    let (q1, q2) = (0.5412, 1.3066);
    vec![
        Biquad::low_pass(rate, low_pass, FRAC_1_SQRT_2),
        Biquad::peaking(rate, resonance, q, gain),
        Biquad::high_pass(rate, high_pass, q1),
        Biquad::high_pass(rate, high_pass, q2),
    ]
}
