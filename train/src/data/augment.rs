//! The recording chain a crop goes through after its speed is set: a background, another
//! microphone and room (EQ), another gain, polarity and self-noise.
//!
//! In that order, as in a recorder: sounds mix in the air, then the microphone colours them,
//! then the preamp.

use rand::Rng;
use rand::rngs::StdRng;

use super::eq::{EQ_PROBABILITY, random_eq};
use super::level::power;
use super::noise::{NOISE_PROBABILITY, NoiseBank, mix_at_snr};

/// Gain range, dB: recorders are set from cautious to hot.
const GAIN_DB: (f32, f32) = (-20.0, 6.0);
/// Share of crops with white self-noise, and its level under the crop's, dB.
const WHITE_NOISE_PROBABILITY: f64 = 0.5;
const WHITE_NOISE_BELOW_DB: (f32, f32) = (10.0, 40.0);

/// Augments one crop at `rate` Hz in place. `song_power` is the mean power of its recording's
/// annotated song, the reference for the background's SNR. Every draw comes from `rng`.
pub fn augment(x: &mut [f32], song_power: f32, noise: &NoiseBank, rate: u32, rng: &mut StdRng) {
    if !noise.is_empty() && rng.random_bool(NOISE_PROBABILITY) {
        let snr = noise.draw_snr(rng);
        let excerpt = noise.excerpt(rng, x.len());
        mix_at_snr(x, &excerpt, song_power, snr);
    }
    if rng.random_bool(EQ_PROBABILITY) {
        for mut section in random_eq(rng, rate as f64) {
            section.run(x);
        }
    }
    let gain = 10f32.powf(rng.random_range(GAIN_DB.0..GAIN_DB.1) / 20.0)
        * if rng.random_bool(0.5) { -1.0 } else { 1.0 };
    let white = if rng.random_bool(WHITE_NOISE_PROBABILITY) {
        power(x).sqrt()
            * 10f32.powf(-rng.random_range(WHITE_NOISE_BELOW_DB.0..WHITE_NOISE_BELOW_DB.1) / 20.0)
    } else {
        0.0
    };
    for v in x.iter_mut() {
        *v = (*v + white * gaussian(rng)) * gain;
        *v = v.clamp(-1.0, 1.0);
    }
}

/// A standard normal sample (Box-Muller).
fn gaussian(rng: &mut StdRng) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}
