//! One field mix: a background with phrases laid in at chosen SNRs, none overlapping.

use hark::eval::annotations::Annotation;
use rand::Rng;
use rand::rngs::StdRng;

use super::phrase::Phrase;
use crate::data::level::power;

/// Silence kept between two phrases, seconds, so their events stay apart.
const SPACING_S: f64 = 0.3;
/// Background level range before mixing, dBFS RMS: a quiet night to a loud chorus.
pub const BACKGROUND_DBFS: (f32, f32) = (-50.0, -25.0);
/// Loudest sample allowed in the finished mix (the whole mix is scaled down to it).
const PEAK: f32 = 0.9;

/// A call laid into the mix.
#[derive(Debug, Clone)]
pub struct Placed {
    pub event: Annotation,
    /// The phrase's calls over the background under them, dB.
    pub snr_db: f32,
}

/// Sets `background` to a random level, then adds phrases drawn by `next_phrase` at random free
/// places until their calls cover `occupancy` of the time (or no free place is found). Each
/// phrase's gain puts its calls `snr_db` (drawn per phrase) over the background's power where it
/// lands. Returns the mix and its calls in time order.
pub fn mix(
    mut background: Vec<f32>,
    rate: u32,
    occupancy: f64,
    snr_db: (f32, f32),
    rng: &mut StdRng,
    mut next_phrase: impl FnMut(&mut StdRng) -> Option<Phrase>,
) -> (Vec<f32>, Vec<Placed>) {
    let level = 10f32.powf(rng.random_range(BACKGROUND_DBFS.0..BACKGROUND_DBFS.1) / 20.0);
    let whole = power(&background);
    if whole > 0.0 {
        let g = level / whole.sqrt();
        background.iter_mut().for_each(|v| *v *= g);
    }
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
    (background, placed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

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
    fn calls_cover_the_occupancy_at_the_asked_snr_without_overlap() {
        let rate = 8000;
        let mut rng = StdRng::seed_from_u64(1);
        let noise: Vec<f32> = (0..rate * 60)
            .map(|i| ((i as u64 * 2654435761) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let (out, placed) = mix(
            noise.clone(),
            rate as u32,
            0.05,
            (6.0, 6.0),
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
}
