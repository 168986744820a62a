//! Nuisance sounds (wind, rain, traffic, handling thumps, distant aircraft): loud non-animal
//! sounds an energy trigger fires on, laid into the field mixes unannotated as negatives.

use std::f64::consts::{PI, TAU};

use rand::Rng;
use rand::rngs::StdRng;

use super::calls::top_hz;
use super::dsp::{band_noise, exponential, log_uniform, low_pass, ramp, rms};

/// Fade at both ends of a sound that is not a transient, seconds.
const FADE_S: f64 = 0.2;

/// What made the sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Wind,
    Rain,
    Traffic,
    Thumps,
    Aircraft,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Wind,
        Kind::Rain,
        Kind::Traffic,
        Kind::Thumps,
        Kind::Aircraft,
    ];

    /// Its name in `nuisances.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Wind => "wind",
            Kind::Rain => "rain",
            Kind::Traffic => "traffic",
            Kind::Thumps => "thumps",
            Kind::Aircraft => "aircraft",
        }
    }
}

/// One nuisance sound, mono at the rate it was drawn for, at an arbitrary level.
#[derive(Debug, Clone)]
pub struct Nuisance {
    pub kind: Kind,
    pub audio: Vec<f32>,
}

/// A random nuisance of a random kind at `rate` Hz (8 kHz or more), below 0.45 * rate.
pub fn random_nuisance(rate: u32, rng: &mut StdRng) -> Nuisance {
    let r = rate as f64;
    let kind = Kind::ALL[rng.random_range(0..Kind::ALL.len())];
    let mut audio = match kind {
        Kind::Wind => wind(r, rng),
        Kind::Rain => rain(r, rng),
        Kind::Traffic => traffic(r, rng),
        Kind::Thumps => thumps(r, rng),
        Kind::Aircraft => aircraft(r, rng),
    };
    // Drops and thumps are shaped after filtering: keep their envelopes' sidebands in band too.
    low_pass(&mut audio, r, top_hz(r));
    Nuisance { kind, audio }
}

/// Samples in `seconds`.
fn len(r: f64, seconds: f64) -> usize {
    ((seconds * r) as usize).max(1)
}

/// 2-10 s of noise low-passed at 0.4-1.2 kHz, in gusts: swells of 0.2-2 s at random levels over
/// a steady 5-30 %.
fn wind(r: f64, rng: &mut StdRng) -> Vec<f32> {
    let seconds = rng.random_range(2.0..10.0);
    let n = len(r, seconds);
    let cutoff = log_uniform(rng, 400.0, 1200.0);
    let mut x = band_noise(r, rng, n, 20.0, cutoff);
    let steady = rng.random_range(0.05..0.3);
    let mut gain = vec![steady; n];
    for _ in 0..((seconds / rng.random_range(0.5..2.0)).ceil() as usize) {
        let (centre, half) = (
            rng.random_range(0.0..seconds),
            log_uniform(rng, 0.2, 2.0) / 2.0,
        );
        let level = log_uniform(rng, 0.2, 1.0);
        let (a, b) = (
            len(r, (centre - half).max(0.0)),
            len(r, centre + half).min(n),
        );
        for (i, g) in gain.iter_mut().enumerate().take(b).skip(a) {
            let d = (i as f64 / r - centre) / half;
            *g += level * 0.5 * (1.0 + (PI * d).cos());
        }
    }
    x.iter_mut()
        .zip(&gain)
        .for_each(|(v, g)| *v = (*v as f64 * g) as f32);
    ramp(&mut x, FADE_S * r);
    x
}

/// 2-10 s of 20-300 drops a second (rising plinks of 1.5 kHz..top, or broadband clicks; 0.2-6 ms
/// decay, 20 dB of level spread) over pink-ish noise at 20-60 % of their level.
fn rain(r: f64, rng: &mut StdRng) -> Vec<f32> {
    let top = top_hz(r);
    let seconds = rng.random_range(2.0..10.0);
    let n = len(r, seconds);
    let per_s = log_uniform(rng, 20.0, 300.0);
    let clicks = band_noise(r, rng, n, 200.0, top);
    let mut drops = vec![0.0f32; n];
    let mut t = 0.0;
    loop {
        t += exponential(rng, per_s);
        let at = (t * r) as usize;
        if at >= n {
            break;
        }
        let amp = 10f64.powf(rng.random_range(-1.0..0.0));
        let decay = log_uniform(rng, 0.0002, 0.006);
        let m = len(r, 5.0 * decay).min(n - at);
        let plink = rng.random_bool(0.5).then(|| {
            (
                log_uniform(rng, 1500.0, top / 1.5),
                rng.random_range(1.0..1.5),
            )
        });
        let mut phase = 0.0;
        for (j, d) in drops[at..at + m].iter_mut().enumerate() {
            let u = j as f64 / m as f64;
            let shape = amp * (-(j as f64) / (decay * r)).exp();
            let v = match plink {
                Some((hz, rise)) => {
                    phase += TAU * hz * (1.0 + (rise - 1.0) * u) / r;
                    phase.sin()
                }
                None => clicks[at + j] as f64,
            };
            *d += (shape * v) as f32;
        }
    }
    let level = (rms(&drops) as f32) * rng.random_range(0.2..0.6);
    let bed = pink(r, rng, n);
    let mut x: Vec<f32> = drops.iter().zip(&bed).map(|(d, b)| d + level * b).collect();
    ramp(&mut x, FADE_S * r);
    x
}

/// 3-10 s pass-by: engine hum (30-100 Hz and its harmonics up to 300 Hz, with a Doppler drop of up
/// to 4 %) and tyre noise low-passed at 200-800 Hz, under a closest-approach envelope.
fn traffic(r: f64, rng: &mut StdRng) -> Vec<f32> {
    let seconds = rng.random_range(3.0..10.0);
    let n = len(r, seconds);
    let f0 = rng.random_range(30.0..100.0);
    let partials: Vec<(f64, f64)> = (1..=(300.0 / f0) as usize)
        .map(|k| (k as f64, rng.random_range(0.2..1.0) / k as f64))
        .collect();
    let doppler = rng.random_range(0.0..0.04);
    let closest = rng.random_range(0.3..0.7) * seconds;
    let width = rng.random_range(0.1..0.25) * seconds;
    let cutoff = log_uniform(rng, 200.0, 800.0);
    let tyres = band_noise(r, rng, n, 30.0, cutoff);
    let (hum_level, tyre_level) = (rng.random_range(0.3..1.0), rng.random_range(0.3..1.0));
    let mut phase = 0.0;
    let mut x: Vec<f32> = tyres
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let d = (i as f64 / r - closest) / width;
            phase += TAU * f0 * (1.0 - doppler * d.tanh()) / r;
            let hum: f64 = partials.iter().map(|&(k, a)| a * (k * phase).sin()).sum();
            let near = 1.0 / (1.0 + d * d);
            (near * (hum_level * hum + tyre_level * *v as f64)) as f32
        })
        .collect();
    ramp(&mut x, FADE_S * r);
    x
}

/// 0.3-2 s holding 1-4 handling transients: broadband noise with a 0.5-2 ms attack and a
/// 10-80 ms decay, some with a low knock (a decaying 40-200 Hz tone).
fn thumps(r: f64, rng: &mut StdRng) -> Vec<f32> {
    let seconds = rng.random_range(0.3..2.0);
    let n = len(r, seconds);
    let noise = band_noise(r, rng, n, 20.0, top_hz(r));
    let mut x = vec![0.0f32; n];
    for _ in 0..rng.random_range(1..=4) {
        let at = (rng.random_range(0.0..0.8 * seconds) * r) as usize;
        let attack = rng.random_range(0.0005..0.002) * r;
        let decay = rng.random_range(0.01..0.08) * r;
        let amp = 10f64.powf(rng.random_range(-0.5..0.0));
        let knock = rng.random_bool(0.4).then(|| {
            (
                log_uniform(rng, 40.0, 200.0),
                rng.random_range(0.5..2.0),
                rng.random_range(0.0..TAU),
            )
        });
        for (j, v) in x[at..].iter_mut().enumerate() {
            let t = j as f64;
            let shape = amp * (t / attack).min(1.0) * (-t / decay).exp();
            let knocked = knock.map_or(0.0, |(hz, level, p)| level * (TAU * hz * t / r + p).sin());
            *v += (shape * (noise[at + j] as f64 + knocked)) as f32;
        }
    }
    ramp(&mut x, 0.002 * r);
    x
}

/// 6-20 s of rumble low-passed at 150-600 Hz, rising and fading as the plane passes, wavering at
/// 0.1-0.5 Hz as the air between carries it.
fn aircraft(r: f64, rng: &mut StdRng) -> Vec<f32> {
    let seconds = rng.random_range(6.0..20.0);
    let n = len(r, seconds);
    let cutoff = log_uniform(rng, 150.0, 600.0);
    let mut x = band_noise(r, rng, n, 20.0, cutoff);
    let power = rng.random_range(1.0..3.0);
    let (waver_hz, waver, p) = (
        rng.random_range(0.1..0.5),
        rng.random_range(0.0..0.4),
        rng.random_range(0.0..TAU),
    );
    for (i, v) in x.iter_mut().enumerate() {
        let t = i as f64 / r;
        let swell = (PI * t / seconds).sin().powf(power);
        *v = (*v as f64 * swell * (1.0 + waver * (TAU * waver_hz * t + p).sin())) as f32;
    }
    x
}

/// Pink-ish noise (Paul Kellet's three-pole filter on white noise), high-passed at 50 Hz, unit
/// RMS.
fn pink(r: f64, rng: &mut StdRng, n: usize) -> Vec<f32> {
    let white = band_noise(r, rng, n, 50.0, top_hz(r));
    let (mut b0, mut b1, mut b2) = (0.0f64, 0.0f64, 0.0f64);
    let mut x: Vec<f32> = white
        .iter()
        .map(|&w| {
            let w = w as f64;
            b0 = 0.99765 * b0 + w * 0.0990460;
            b1 = 0.96300 * b1 + w * 0.2965164;
            b2 = 0.57000 * b2 + w * 1.0526913;
            (b0 + b1 + b2 + w * 0.1848) as f32
        })
        .collect();
    let level = rms(&x) as f32;
    if level > 0.0 {
        x.iter_mut().for_each(|v| *v /= level);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::dsp::spectrum::{band_shares, share_above};
    use rand::SeedableRng;

    /// Draws nuisances at `rate` until each kind has been seen `each` times, then hands them out.
    fn some_of_each(rate: u32, seed: u64, each: usize) -> Vec<Nuisance> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut kept = Vec::new();
        while Kind::ALL
            .iter()
            .any(|k| kept.iter().filter(|n: &&Nuisance| n.kind == *k).count() < each)
        {
            let n = random_nuisance(rate, &mut rng);
            if kept.iter().filter(|m: &&Nuisance| m.kind == n.kind).count() < each {
                kept.push(n);
            }
        }
        kept
    }

    #[test]
    fn nuisances_hold_their_energy_where_they_should() {
        let rate = 16000.0;
        for n in some_of_each(16000, 2, 3) {
            assert!(n.audio.iter().all(|v| v.is_finite()));
            let bands = band_shares(&n.audio, rate, &[0.0, 1000.0, 4000.0, rate]);
            let low = 1.0 - share_above(&n.audio, rate, 1500.0);
            match n.kind {
                Kind::Wind | Kind::Traffic | Kind::Aircraft => {
                    assert!(low > 0.98, "{:?}: {low:.3} below 1.5 kHz", n.kind);
                }
                Kind::Rain | Kind::Thumps => {
                    // Broadband: every band holds a fair share, none nearly all.
                    assert!(
                        bands.iter().all(|b| (0.08..0.8).contains(b)),
                        "{:?}: band shares {bands:.3?}",
                        n.kind
                    );
                }
            }
            let above = share_above(&n.audio, rate, 0.45 * rate);
            assert!(above < 1e-4, "{:?}: {above:.2e} above 0.45 * rate", n.kind);
        }
    }

    #[test]
    fn nuisances_last_as_described_and_the_seed_repeats_them() {
        let rate = 8000;
        for n in some_of_each(rate, 5, 2) {
            let s = n.audio.len() as f64 / rate as f64;
            let (lo, hi) = match n.kind {
                Kind::Wind | Kind::Rain => (2.0, 10.0),
                Kind::Traffic => (3.0, 10.0),
                Kind::Thumps => (0.3, 2.0),
                Kind::Aircraft => (6.0, 20.0),
            };
            assert!((lo..=hi).contains(&s), "{:?} of {s} s", n.kind);
            assert!(rms(&n.audio) > 0.0, "{:?} is silent", n.kind);
        }
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            random_nuisance(rate, &mut rng).audio
        };
        assert_eq!(draw(7), draw(7));
    }
}
