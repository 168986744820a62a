//! Equalisation: RBJ-cookbook biquads, and the random EQ that stands in for other microphones
//! and rooms.

use std::f64::consts::{FRAC_1_SQRT_2, TAU};

use rand::Rng;
use rand::rngs::StdRng;

/// Share of crops that get a random EQ; the rest keep this lab's own response.
pub const EQ_PROBABILITY: f64 = 0.7;
/// Largest boost or cut of a shelf or peak, dB: cheap microphones and small rooms differ by this much.
pub const EQ_MAX_DB: f64 = 12.0;
/// Low shelf corner range, Hz: the bass of a room or of a mic's proximity effect.
const LOW_SHELF_HZ: (f64, f64) = (100.0, 1000.0);
/// High shelf corner range, Hz: a capsule's presence or roll-off.
const HIGH_SHELF_HZ: (f64, f64) = (1500.0, 6000.0);
/// Peak centre range, Hz, and its Q: resonances inside the song band (about 1..8 kHz).
const PEAK_HZ: (f64, f64) = (300.0, 7000.0);
const PEAK_Q: (f64, f64) = (0.5, 2.0);
/// High-pass corner range, Hz: the rumble filters recorders apply, gentle (2nd order).
const HIGH_PASS_HZ: (f64, f64) = (50.0, 400.0);

/// A second-order IIR section (transposed direct form II, f64 state).
#[derive(Debug, Clone)]
pub struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    z: [f64; 2],
}

impl Biquad {
    /// Normalises by `a0`.
    fn new(b: [f64; 3], a: [f64; 3]) -> Self {
        Self {
            b: b.map(|v| v / a[0]),
            a: [a[1] / a[0], a[2] / a[0]],
            z: [0.0; 2],
        }
    }

    /// A bell of `gain_db` at `hz` with quality `q`.
    pub fn peaking(rate: f64, hz: f64, q: f64, gain_db: f64) -> Self {
        let (cos, alpha) = angle(rate, hz, q);
        let a = 10f64.powf(gain_db / 40.0);
        Self::new(
            [1.0 + alpha * a, -2.0 * cos, 1.0 - alpha * a],
            [1.0 + alpha / a, -2.0 * cos, 1.0 - alpha / a],
        )
    }

    /// Below `hz` the gain tends to `gain_db` (shelf slope 1).
    pub fn low_shelf(rate: f64, hz: f64, gain_db: f64) -> Self {
        let (cos, alpha) = angle(rate, hz, FRAC_1_SQRT_2);
        let a = 10f64.powf(gain_db / 40.0);
        let k = 2.0 * a.sqrt() * alpha;
        Self::new(
            [
                a * ((a + 1.0) - (a - 1.0) * cos + k),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                a * ((a + 1.0) - (a - 1.0) * cos - k),
            ],
            [
                (a + 1.0) + (a - 1.0) * cos + k,
                -2.0 * ((a - 1.0) + (a + 1.0) * cos),
                (a + 1.0) + (a - 1.0) * cos - k,
            ],
        )
    }

    /// Above `hz` the gain tends to `gain_db` (shelf slope 1).
    pub fn high_shelf(rate: f64, hz: f64, gain_db: f64) -> Self {
        let (cos, alpha) = angle(rate, hz, FRAC_1_SQRT_2);
        let a = 10f64.powf(gain_db / 40.0);
        let k = 2.0 * a.sqrt() * alpha;
        Self::new(
            [
                a * ((a + 1.0) + (a - 1.0) * cos + k),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                a * ((a + 1.0) + (a - 1.0) * cos - k),
            ],
            [
                (a + 1.0) - (a - 1.0) * cos + k,
                2.0 * ((a - 1.0) - (a + 1.0) * cos),
                (a + 1.0) - (a - 1.0) * cos - k,
            ],
        )
    }

    /// Second-order high-pass at `hz` with quality `q`.
    pub fn high_pass(rate: f64, hz: f64, q: f64) -> Self {
        let (cos, alpha) = angle(rate, hz, q);
        Self::new(
            [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0],
            [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
        )
    }

    /// Second-order low-pass at `hz` with quality `q`.
    pub fn low_pass(rate: f64, hz: f64, q: f64) -> Self {
        let (cos, alpha) = angle(rate, hz, q);
        Self::new(
            [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0],
            [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
        )
    }

    /// Filters `x` in place, continuing from the state the last call left.
    pub fn run(&mut self, x: &mut [f32]) {
        let ([b0, b1, b2], [a1, a2]) = (self.b, self.a);
        let [mut z0, mut z1] = self.z;
        for v in x.iter_mut() {
            let input = *v as f64;
            let y = b0 * input + z0;
            z0 = b1 * input - a1 * y + z1;
            z1 = b2 * input - a2 * y;
            *v = y as f32;
        }
        self.z = [z0, z1];
    }
}

/// `cos(w0)` and the cookbook's `alpha` for a corner at `hz`.
fn angle(rate: f64, hz: f64, q: f64) -> (f64, f64) {
    let w0 = TAU * hz / rate;
    (w0.cos(), w0.sin() / (2.0 * q))
}

/// Log-uniform in `range`: corners and Q spread evenly per octave.
fn log_uniform(rng: &mut StdRng, range: (f64, f64)) -> f64 {
    rng.random_range(range.0.ln()..range.1.ln()).exp()
}

/// One or two random sections: shelves, a peak or a gentle high-pass, gains within
/// +-[`EQ_MAX_DB`]. Corners stay below the Nyquist frequency of `rate`.
pub fn random_eq(rng: &mut StdRng, rate: f64) -> Vec<Biquad> {
    let top = 0.45 * rate;
    (0..rng.random_range(1..=2))
        .map(|_| {
            let gain = rng.random_range(-EQ_MAX_DB..EQ_MAX_DB);
            match rng.random_range(0..4) {
                0 => Biquad::low_shelf(rate, log_uniform(rng, LOW_SHELF_HZ), gain),
                1 => Biquad::high_shelf(
                    rate,
                    log_uniform(rng, (HIGH_SHELF_HZ.0, HIGH_SHELF_HZ.1.min(top))),
                    gain,
                ),
                2 => {
                    let hz = log_uniform(rng, (PEAK_HZ.0, PEAK_HZ.1.min(top)));
                    Biquad::peaking(rate, hz, log_uniform(rng, PEAK_Q), gain)
                }
                _ => Biquad::high_pass(rate, log_uniform(rng, HIGH_PASS_HZ), FRAC_1_SQRT_2),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Level change in dB of a sine at `hz` through `filter`, after the transient.
    fn gain_db(mut filter: Biquad, hz: f64) -> f64 {
        let rate = 16000.0;
        let mut x: Vec<f32> = (0..32000)
            .map(|i| (TAU * hz * i as f64 / rate).sin() as f32)
            .collect();
        let power = |v: &[f32]| v.iter().map(|s| (*s as f64).powi(2)).sum::<f64>() / v.len() as f64;
        let before = power(&x[16000..]);
        filter.run(&mut x);
        10.0 * (power(&x[16000..]) / before).log10()
    }

    #[test]
    fn a_peak_changes_a_sine_at_its_centre_by_its_gain() {
        for gain in [-12.0, -3.0, 9.0] {
            let got = gain_db(Biquad::peaking(16000.0, 1000.0, 1.0, gain), 1000.0);
            assert!((got - gain).abs() < 0.05, "asked {gain} dB, got {got:.3}");
        }
        let far = gain_db(Biquad::peaking(16000.0, 1000.0, 1.0, 9.0), 7000.0);
        assert!(far.abs() < 0.5, "{far:.3} dB two octaves away");
    }

    #[test]
    fn shelves_reach_their_gain_far_from_the_corner() {
        let low = Biquad::low_shelf(16000.0, 500.0, 6.0);
        assert!((gain_db(low.clone(), 40.0) - 6.0).abs() < 0.2);
        assert!(gain_db(low, 6000.0).abs() < 0.2);
        let high = Biquad::high_shelf(16000.0, 2000.0, -10.0);
        assert!((gain_db(high.clone(), 7000.0) + 10.0).abs() < 0.5);
        assert!(gain_db(high, 100.0).abs() < 0.2);
    }

    #[test]
    fn high_and_low_pass_fall_at_12_db_per_octave() {
        let hp = Biquad::high_pass(16000.0, 400.0, FRAC_1_SQRT_2);
        assert!((gain_db(hp.clone(), 400.0) + 3.01).abs() < 0.05);
        assert!((gain_db(hp.clone(), 100.0) + 24.1).abs() < 0.5);
        assert!(gain_db(hp, 4000.0).abs() < 0.05);
        let lp = Biquad::low_pass(16000.0, 2000.0, FRAC_1_SQRT_2);
        assert!((gain_db(lp.clone(), 2000.0) + 3.01).abs() < 0.05);
        assert!(gain_db(lp, 200.0).abs() < 0.05);
    }

    #[test]
    fn random_eq_stays_within_its_gain_bound() {
        let mut rng = StdRng::seed_from_u64(5);
        for _ in 0..50 {
            let eq = random_eq(&mut rng, 16000.0);
            assert!((1..=2).contains(&eq.len()));
            for hz in [500.0, 2000.0, 5000.0] {
                let total: f64 = eq.iter().map(|f| gain_db(f.clone(), hz)).sum();
                assert!(
                    total.abs() <= 2.0 * EQ_MAX_DB + 0.5,
                    "{total:.2} dB at {hz} Hz"
                );
            }
        }
    }
}
