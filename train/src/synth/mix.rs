//! One field mix: a background with unannotated nuisance sounds and phrases laid in at chosen
//! SNRs, no two phrases overlapping.

use hark::eval::annotations::Annotation;
use rand::Rng;
use rand::rngs::StdRng;

use super::dsp::{band_noise, exponential, log_uniform};
use super::nuisance::{Kind, random_nuisance};
use super::phrase::Phrase;
use crate::data::level::power;

/// Silence kept between two phrases, seconds, so their events stay apart.
const SPACING_S: f64 = 0.3;
/// Background level range before mixing, dBFS RMS: a quiet night to a loud chorus.
pub const BACKGROUND_DBFS: (f32, f32) = (-50.0, -25.0);
/// Loudest sample allowed in the finished mix (the whole mix is scaled down to it).
const PEAK: f32 = 0.9;
/// Level range of a nuisance's loudest 0.1 s over the background's RMS, dB: from as loud as the
/// soundscape to a gust or thump that dwarfs it.
pub const NUISANCE_DB: (f32, f32) = (0.0, 25.0);
/// Window of a nuisance's level, seconds: about what an energy trigger integrates over.
const LOUDEST_S: f64 = 0.1;

/// A call laid into the mix.
#[derive(Debug, Clone)]
pub struct Placed {
    pub event: Annotation,
    /// The phrase's calls over the background under them, dB.
    pub snr_db: f32,
}

/// A nuisance sound laid into the mix (not annotated).
#[derive(Debug, Clone)]
pub struct Laid {
    pub kind: Kind,
    /// Where it sounds, seconds (cut at the mix's end).
    pub onset_s: f64,
    pub offset_s: f64,
    /// Its loudest 0.1 s over the background's RMS, dB.
    pub level_db: f32,
}

/// A finished mix: the audio, its annotated calls in time order, and the nuisances under them.
#[derive(Debug, Clone)]
pub struct Mix {
    pub audio: Vec<f32>,
    pub calls: Vec<Placed>,
    pub nuisances: Vec<Laid>,
}

/// `len` samples of steady noise at `rate` Hz, as a recorder's self-noise, a distant stream or a
/// far-off insect chorus sound: white, or band-limited to a random band (50 Hz-2 kHz up to
/// 4x that or more, at most 0.45x the rate), at a constant level.
pub fn steady_noise(rate: u32, rng: &mut StdRng, len: usize) -> Vec<f32> {
    let r = rate as f64;
    let top = 0.45 * r;
    let (lo, hi) = match rng.random_bool(0.5) {
        true => (0.0, top),
        false => {
            let lo = log_uniform(rng, 50.0, 2000.0);
            (lo, log_uniform(rng, (4.0 * lo).min(top), top))
        }
    };
    band_noise(r, rng, len, lo, hi)
}

/// Adds white noise up to the Nyquist frequency at `db` (drawn from the range) below or above
/// `background`'s level: a soundscape recorded at a lower rate than the mix is otherwise silent
/// above its own band, and a student would learn that anything there is a call.
pub fn add_floor(background: &mut [f32], db: (f32, f32), rng: &mut StdRng) {
    let rms = power(background).sqrt();
    let gain = rms * 10f32.powf(rng.random_range(db.0..=db.1) / 20.0) * 3f32.sqrt();
    for v in background.iter_mut() {
        // Uniform in [-1, 1) has RMS 1/sqrt(3).
        *v += gain * rng.random_range(-1.0f32..1.0);
    }
}

/// Sets `background` to a random level, lays in nuisance sounds (`nuisance_per_min` a minute on
/// average, none at 0), then adds phrases drawn by `next_phrase` at random free places until
/// their calls cover `occupancy` of the time (or no free place is found). Each phrase's gain puts
/// its calls `snr_db` (drawn per phrase) over the power where it lands, nuisances included.
pub fn mix(
    mut background: Vec<f32>,
    rate: u32,
    occupancy: f64,
    snr_db: (f32, f32),
    nuisance_per_min: f64,
    rng: &mut StdRng,
    mut next_phrase: impl FnMut(&mut StdRng) -> Option<Phrase>,
) -> Mix {
    let level = 10f32.powf(rng.random_range(BACKGROUND_DBFS.0..BACKGROUND_DBFS.1) / 20.0);
    let whole = power(&background);
    if whole > 0.0 {
        let g = level / whole.sqrt();
        background.iter_mut().for_each(|v| *v *= g);
    }
    let nuisances = lay_nuisances(&mut background, level, rate, nuisance_per_min, rng);
    let floor = (level * level).max(1e-12);
    let n = background.len();
    let spacing = (SPACING_S * rate as f64) as usize;
    let target_s = occupancy * n as f64 / rate as f64;
    let (mut busy, mut placed, mut covered) = (Vec::<(usize, usize)>::new(), Vec::new(), 0.0);
    let mut misses = 0;
    while covered < target_s && misses < 100 {
        let Some(phrase) = next_phrase(rng) else {
            misses += 1;
            continue;
        };
        let len = phrase.audio.len();
        if len + 2 * spacing >= n {
            misses += 1;
            continue;
        }
        let at = rng.random_range(spacing..n - len - spacing);
        if busy
            .iter()
            .any(|&(a, b)| at < b + spacing && a < at + len + spacing)
        {
            misses += 1;
            continue;
        }
        let snr = rng.random_range(snr_db.0..=snr_db.1);
        let under = power(&background[at..at + len]).max(floor * 1e-3);
        let gain = (under * 10f32.powf(snr / 10.0) / phrase.call_power).sqrt();
        for (v, s) in background[at..at + len].iter_mut().zip(&phrase.audio) {
            *v += gain * s;
        }
        let offset = at as f64 / rate as f64;
        for e in phrase.events {
            covered += e.offset_s - e.onset_s;
            placed.push(Placed {
                event: Annotation {
                    onset_s: e.onset_s + offset,
                    offset_s: e.offset_s + offset,
                    label: e.label,
                    channel: e.channel,
                },
                snr_db: snr,
            });
        }
        busy.push((at, at + len));
    }
    let peak = background.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if peak > PEAK {
        background.iter_mut().for_each(|v| *v *= PEAK / peak);
    }
    placed.sort_by(|a, b| a.event.onset_s.total_cmp(&b.event.onset_s));
    Mix {
        audio: background,
        calls: placed,
        nuisances,
    }
}

/// Adds nuisances at the times of a Poisson process of `per_min` a minute (none at 0, and then
/// no draw from `rng`), each at [`NUISANCE_DB`] over `level`, the background's RMS. Those that
/// start near the end are cut there.
fn lay_nuisances(
    x: &mut [f32],
    level: f32,
    rate: u32,
    per_min: f64,
    rng: &mut StdRng,
) -> Vec<Laid> {
    let mut laid = Vec::new();
    if per_min <= 0.0 {
        return laid;
    }
    let seconds = x.len() as f64 / rate as f64;
    let mut t = 0.0;
    loop {
        t += exponential(rng, per_min / 60.0);
        if t >= seconds {
            return laid;
        }
        let sound = random_nuisance(rate, rng);
        let level_db = rng.random_range(NUISANCE_DB.0..NUISANCE_DB.1);
        let loudest = loudest_power(&sound.audio, (LOUDEST_S * rate as f64) as usize);
        if loudest <= 0.0 {
            continue;
        }
        let gain = level * 10f32.powf(level_db / 20.0) / loudest.sqrt();
        let at = ((t * rate as f64) as usize).min(x.len());
        for (v, s) in x[at..].iter_mut().zip(&sound.audio) {
            *v += gain * s;
        }
        laid.push(Laid {
            kind: sound.kind,
            onset_s: at as f64 / rate as f64,
            offset_s: ((at + sound.audio.len()) as f64 / rate as f64).min(seconds),
            level_db,
        });
    }
}

/// Mean square of the loudest `window` samples of `x` (back-to-back windows; all of a shorter `x`).
fn loudest_power(x: &[f32], window: usize) -> f32 {
    x.chunks(window.max(1)).map(power).fold(0.0, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn steady_noise_keeps_its_level_and_stays_in_band() {
        let mut rng = StdRng::seed_from_u64(3);
        let rate = 32000;
        for _ in 0..8 {
            let x = steady_noise(rate, &mut rng, 3 * rate as usize);
            let whole = power(&x);
            for second in x.chunks(rate as usize) {
                let db = 10.0 * (power(second) / whole).log10();
                assert!(db.abs() < 1.0, "a second {db:.2} dB off the whole");
            }
            let above =
                crate::synth::dsp::spectrum::share_above(&x, rate as f64, 0.47 * rate as f64);
            assert!(
                above < 1e-3,
                "{above} of the energy near the Nyquist frequency"
            );
        }
    }

    /// A 0.2 s tone phrase with one call covering it.
    fn tone(rate: u32) -> Phrase {
        let n = (0.2 * rate as f64) as usize;
        Phrase {
            audio: (0..n).map(|i| (i as f32 * 0.5).sin()).collect(),
            events: vec![Annotation {
                onset_s: 0.0,
                offset_s: 0.2,
                label: "t".into(),
                channel: None,
            }],
            call_power: 0.5,
        }
    }

    #[test]
    fn a_floor_sits_at_its_level_under_the_background() {
        let mut rng = StdRng::seed_from_u64(2);
        let mut x = vec![0.1f32; 48_000];
        add_floor(&mut x, (-20.0, -20.0), &mut rng);
        let noise: Vec<f32> = x.iter().map(|v| v - 0.1).collect();
        let db = 10.0 * (power(&noise) / 0.01).log10();
        assert!((db + 20.0).abs() < 0.2, "{db}");
    }

    #[test]
    fn calls_cover_the_occupancy_at_the_asked_snr_without_overlap() {
        let rate = 8000;
        let mut rng = StdRng::seed_from_u64(1);
        let noise: Vec<f32> = (0..rate * 60)
            .map(|i| ((i as u64 * 2654435761) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let Mix {
            audio: out,
            calls: placed,
            ..
        } = mix(
            noise.clone(),
            rate as u32,
            0.05,
            (6.0, 6.0),
            0.0,
            &mut rng,
            |_| Some(tone(rate as u32)),
        );
        let covered: f64 = placed
            .iter()
            .map(|p| p.event.offset_s - p.event.onset_s)
            .sum();
        assert!((3.0..3.3).contains(&covered), "covered {covered} s of 60");
        for w in placed.windows(2) {
            assert!(w[1].event.onset_s >= w[0].event.offset_s + SPACING_S - 1e-9);
        }
        // Measured SNR of the first call: the added tone's power over the background's.
        let e = &placed[0].event;
        let (a, b) = (
            (e.onset_s * 8000.0) as usize,
            (e.offset_s * 8000.0) as usize,
        );
        let level = power(&out[..a.min(8000)]);
        let added: Vec<f32> = out[a..b]
            .iter()
            .zip(&noise[a..b])
            .map(|(m, n)| m - n * (level / power(&noise[..a.min(8000)])).sqrt())
            .collect();
        let snr = 10.0 * (power(&added) / level).log10();
        assert!((snr - 6.0).abs() < 1.0, "SNR {snr} dB");
    }

    #[test]
    fn nuisances_come_at_their_rate_and_level_and_none_draws_nothing() {
        let rate = 8000;
        let mut rng = StdRng::seed_from_u64(2);
        let mut x = vec![0.0f32; rate * 120];
        let laid = lay_nuisances(&mut x, 0.01, rate as u32, 6.0, &mut rng);
        assert!(
            (4..=25).contains(&laid.len()),
            "{} in 2 min at 6/min",
            laid.len()
        );
        for l in &laid {
            assert!(l.onset_s < l.offset_s && l.offset_s <= 120.0);
            assert!((NUISANCE_DB.0..NUISANCE_DB.1).contains(&l.level_db));
        }
        // The loudest one sets the loudest 0.1 s (within window alignment and overlaps).
        let loudest = loudest_power(&x, rate / 10).sqrt();
        let top = laid.iter().map(|l| l.level_db).fold(f32::MIN, f32::max);
        let expected = 0.01 * 10f32.powf(top / 20.0);
        assert!(
            loudest >= expected * 0.5 && loudest < expected * 3.0,
            "loudest {loudest}, expected {expected}"
        );

        let (mut a, mut b) = (StdRng::seed_from_u64(3), StdRng::seed_from_u64(3));
        assert!(lay_nuisances(&mut x, 0.01, rate as u32, 0.0, &mut a).is_empty());
        assert_eq!(
            a.random::<u64>(),
            b.random::<u64>(),
            "no nuisances, no draws"
        );
    }
}
