//! Synthetic animal calls (FM sweeps, harmonic stacks, trills, pulse trains, buzzes) drawn at
//! random, so a general detector sees call shapes far beyond the annotated recordings (issue 25).

use std::f64::consts::{PI, TAU};

use hark::eval::annotations::Annotation;
use rand::Rng;
use rand::rngs::StdRng;

use super::dsp::{band_noise, high_pass, log_uniform, low_pass, ramp};
use super::phrase::Phrase;

/// The label of synthetic calls in the tables and the CSV.
pub const LABEL: &str = "synthetic";
/// Raised-cosine ramp at each end of a call or note, seconds (a third of it at most): no click,
/// and the sound starts and ends where its annotation says.
const RAMP_S: f64 = 0.003;
/// Highest designed frequency, as a share of the rate and absolute: filter skirts and envelope
/// sidebands then stay below 0.45 * rate.
const TOP_SHARE: f64 = 0.4;
const TOP_HZ: f64 = 20_000.0;
/// Renditions of one call in a phrase (a bird repeating a note), and the gaps between them.
const MAX_RENDITIONS: usize = 4;
const GAP_S: (f64, f64) = (0.08, 0.4);
/// What a click train keeps after its last click for its band-pass filters to ring out, seconds.
const RING_S: f64 = 0.002;
/// Silences at least this long (seconds) part a trill's or pulse train's notes into events of
/// their own, as an annotator or an energy trigger hears them; shorter ones are inside one sound.
/// A single event over a slow trill taught a student to bridge a finch's 50 ms gaps.
const SPLIT_GAP_S: f64 = 0.02;

/// The shapes a call is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// One FM note, up or down, linear or exponential: 10 ms chips to 0.5 s whistles.
    Sweep,
    /// A fundamental with harmonics, a pitch arch and slow vibrato: frogs, mammals, parrots.
    Harmonic,
    /// A short note repeated at 5-60 Hz for 0.2-2 s: insects, frogs, some birds.
    Trill,
    /// Clicks or short tone bursts at 10-200 Hz: katydids, frogs, grouse.
    Pulses,
    /// Band-limited noise with fast amplitude modulation: buzzy and harsh calls.
    Buzz,
}

impl Family {
    pub const ALL: [Family; 5] = [
        Family::Sweep,
        Family::Harmonic,
        Family::Trill,
        Family::Pulses,
        Family::Buzz,
    ];
}

/// One synthetic call: mono at the rate it was drawn for, peak 1, sound from first to last sample.
#[derive(Debug, Clone)]
pub struct Call {
    pub family: Family,
    pub audio: Vec<f32>,
    /// The sample spans that are annotated, in order: the whole call, or the notes of a trill or
    /// pulse train where silences of [`SPLIT_GAP_S`] or more part them.
    pub parts: Vec<(usize, usize)>,
}

/// Highest frequency a call or nuisance is designed to hold at `rate` Hz.
pub fn top_hz(rate: f64) -> f64 {
    (TOP_SHARE * rate).min(TOP_HZ)
}

/// A random call of a random family at `rate` Hz (8 kHz or more).
pub fn random_call(rate: u32, rng: &mut StdRng) -> Call {
    let r = rate as f64;
    let family = Family::ALL[rng.random_range(0..Family::ALL.len())];
    let whole = |audio: Vec<f32>| {
        let parts = vec![(0, audio.len())];
        (audio, parts)
    };
    let (mut audio, parts) = match family {
        Family::Sweep => {
            let seconds = log_uniform(rng, 0.01, 0.5);
            whole(sweep(r, rng, seconds))
        }
        Family::Harmonic => {
            let seconds = log_uniform(rng, 0.05, 1.0);
            whole(harmonic(r, rng, seconds, 8))
        }
        Family::Buzz => whole(buzz(r, rng)),
        Family::Trill => trill(r, rng),
        Family::Pulses => pulses(r, rng),
    };
    // Trills and pulse trains shape each note or pulse themselves: a ramp over the whole train
    // would hide its first pulse.
    if !matches!(family, Family::Trill | Family::Pulses) {
        ramp(&mut audio, RAMP_S * r);
    }
    normalise(&mut audio);
    Call {
        family,
        audio,
        parts,
    }
}

/// A phrase of 1 to 4 renditions of one random call (1 or 2 of a trill, pulse train or call over
/// 0.5 s), each annotated exactly, with 80-400 ms of silence between them.
pub fn synthetic_phrase(rate: u32, rng: &mut StdRng) -> Option<Phrase> {
    let call = random_call(rate, rng);
    let r = rate as f64;
    // A trill or pulse train is already a repeated note, and a long call fills a phrase.
    let long = call.audio.len() as f64 > 0.5 * r;
    let most = match call.family {
        Family::Trill | Family::Pulses => 2,
        _ if long => 2,
        _ => MAX_RENDITIONS,
    };
    let (mut audio, mut events) = (Vec::new(), Vec::new());
    let (mut sum, mut count) = (0.0f64, 0usize);
    for i in 0..rng.random_range(1..=most) {
        if i > 0 {
            let gap = rng.random_range(GAP_S.0..GAP_S.1);
            audio.resize(audio.len() + (gap * r) as usize, 0.0);
        }
        // Renditions differ in level, as a moving or turning animal's do.
        let gain = rng.random_range(0.6f32..1.0);
        let onset = audio.len();
        audio.extend(call.audio.iter().map(|v| v * gain));
        sum += call
            .audio
            .iter()
            .map(|v| ((v * gain) as f64).powi(2))
            .sum::<f64>();
        count += call.audio.len();
        events.extend(call.parts.iter().map(|&(a, b)| Annotation {
            onset_s: (onset + a) as f64 / r,
            offset_s: (onset + b) as f64 / r,
            label: LABEL.into(),
            channel: None,
        }));
    }
    let call_power = (sum / count.max(1) as f64) as f32;
    (call_power > 0.0).then_some(Phrase {
        audio,
        events,
        call_power,
    })
}

/// Raised-cosine fade from 1 to 0 over all of `x`.
fn fade_out(x: &mut [f32]) {
    let n = x.len() as f64;
    for (i, v) in x.iter_mut().enumerate() {
        *v *= (0.5 + 0.5 * (PI * (i as f64 + 0.5) / n).cos()) as f32;
    }
}

/// The highest frequency a note of `seconds` may be designed at: its own spectral width (about
/// 3 / `seconds`) below [`top_hz`], so a short note's splash stays under 0.45 * rate.
fn top_for(r: f64, seconds: f64) -> f64 {
    (top_hz(r) - 3.0 / seconds).max(1000.0)
}

/// Scales `x` to a peak of 1.
fn normalise(x: &mut [f32]) {
    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if peak > 0.0 {
        x.iter_mut().for_each(|v| *v /= peak);
    }
}

/// A slow amplitude contour over a call: never below `floor`, peaking early or late.
#[derive(Debug, Clone, Copy)]
struct Contour {
    floor: f64,
    skew: f64,
}

impl Contour {
    fn random(rng: &mut StdRng) -> Self {
        Self {
            floor: rng.random_range(0.15..0.6),
            skew: log_uniform(rng, 0.5, 2.0),
        }
    }

    /// The gain at `u` (0 at the call's start, 1 at its end).
    fn at(self, u: f64) -> f64 {
        self.floor + (1.0 - self.floor) * (PI * u.powf(self.skew)).sin()
    }
}

/// One FM note of `seconds`: both ends log-uniform in 400 Hz..top (lower for the shortest
/// notes), at least 1.25 apart.
fn sweep(r: f64, rng: &mut StdRng, seconds: f64) -> Vec<f32> {
    let top = top_for(r, seconds);
    let lo = log_uniform(rng, 400.0, top / 1.25);
    let hi = lo * log_uniform(rng, 1.25, top / lo);
    let (from, to) = if rng.random_bool(0.5) {
        (lo, hi)
    } else {
        (hi, lo)
    };
    let exponential = rng.random_bool(0.5);
    // A weak second harmonic now and then, where it fits below the top.
    let second = if 2.0 * hi < top && rng.random_bool(0.3) {
        rng.random_range(0.05..0.3)
    } else {
        0.0
    };
    let contour = Contour::random(rng);
    let n = ((seconds * r) as usize).max(1);
    let mut phase = rng.random_range(0.0..TAU);
    (0..n)
        .map(|i| {
            let u = i as f64 / n as f64;
            let f = if exponential {
                from * (to / from).powf(u)
            } else {
                from + (to - from) * u
            };
            phase += TAU * f / r;
            (contour.at(u) * (phase.sin() + second * (2.0 * phase).sin())) as f32
        })
        .collect()
}

/// A harmonic stack of `seconds` with 2..=`most` harmonics below the top: fundamental
/// 200 Hz..4 kHz, roll-off k^-(0..2) with random weights, a pitch arch of up to +-20 % and
/// vibrato of 2-12 Hz up to 3 % deep.
fn harmonic(r: f64, rng: &mut StdRng, seconds: f64, most: usize) -> Vec<f32> {
    let top = top_for(r, seconds);
    let arch = rng.random_range(-0.2..0.2);
    let depth = rng.random_range(0.0..0.03);
    let vibrato_hz = log_uniform(rng, 2.0, 12.0);
    // The highest the pitch goes, as a share of f0: harmonics above the top are left out.
    let reach = (1.0 + f64::abs(arch)) * (1.0 + depth);
    let f0 = log_uniform(rng, 200.0, 4000f64.min(top / (2.0 * reach)));
    let tilt = rng.random_range(0.0..2.0);
    let partials: Vec<(f64, f64, f64)> = (1..=rng.random_range(2..=most.max(2)))
        .map(|k| {
            let k = k as f64;
            let weight = rng.random_range(0.3..1.0) * k.powf(-tilt);
            (k, weight, rng.random_range(0.0..TAU))
        })
        .filter(|&(k, _, _)| k * f0 * reach < top)
        .collect();
    let contour = Contour::random(rng);
    let vibrato_phase = rng.random_range(0.0..TAU);
    let n = ((seconds * r) as usize).max(1);
    let mut phase = 0.0;
    (0..n)
        .map(|i| {
            let (u, t) = (i as f64 / n as f64, i as f64 / r);
            let f = f0
                * (1.0 + arch * (PI * u).sin())
                * (1.0 + depth * (TAU * vibrato_hz * t + vibrato_phase).sin());
            phase += TAU * f / r;
            let s: f64 = partials
                .iter()
                .map(|&(k, w, p)| w * (k * phase + p).sin())
                .sum();
            (contour.at(u) * s) as f32
        })
        .collect()
}

/// A short sweep or harmonic note (2-50 ms, 30-80 % of the period) repeated at 5-60 Hz for
/// 0.2-2 s (3 notes at least), under a slow contour; its notes are annotated as [`joined`] says.
fn trill(r: f64, rng: &mut StdRng) -> (Vec<f32>, Vec<(usize, usize)>) {
    let period = 1.0 / log_uniform(rng, 5.0, 60.0);
    let seconds = rng.random_range(0.2..2.0);
    let count = ((seconds / period).round() as usize).max(3);
    let note_s = (period * rng.random_range(0.3..0.8)).clamp(0.002, 0.05);
    let mut note = if rng.random_bool(0.5) {
        sweep(r, rng, note_s)
    } else {
        harmonic(r, rng, note_s, 4)
    };
    ramp(&mut note, RAMP_S * r);
    let (x, notes) = train(r, rng, period, count, |_| note.clone());
    (x, joined(notes, r))
}

/// Clicks (noise, 0.3-3 ms decay, band-passed to at least two octaves) or Hann tone bursts (2-10
/// ms, 1 kHz..top) at 10-200 Hz for 0.1-1.5 s (3 pulses at least).
fn pulses(r: f64, rng: &mut StdRng) -> (Vec<f32>, Vec<(usize, usize)>) {
    let period = 1.0 / log_uniform(rng, 10.0, 200.0);
    let seconds = rng.random_range(0.1..1.5);
    let count = ((seconds / period).round() as usize).max(3);
    if rng.random_bool(0.5) {
        clicks(r, rng, period, count)
    } else {
        let n = ((period * rng.random_range(0.2..0.6)).clamp(0.002, 0.01) * r) as usize;
        let hz = log_uniform(rng, 1000.0, top_for(r, n as f64 / r));
        let phase = rng.random_range(0.0..TAU);
        // A Hann-windowed tone: a burst with no edges to splash.
        let burst: Vec<f32> = (0..n)
            .map(|j| {
                let w = (PI * (j as f64 + 0.5) / n as f64).sin().powi(2);
                (w * (TAU * hz * j as f64 / r + phase).sin()) as f32
            })
            .collect();
        let (x, bursts) = train(r, rng, period, count, |_| burst.clone());
        (x, joined(bursts, r))
    }
}

/// `count` clicks every `period` seconds: white noise with a 0.1 ms attack and a 0.3-3 ms decay,
/// band-passed after shaping (a sharp attack splashes up to the Nyquist frequency otherwise), so
/// the train ends with the filters' 2 ms ring-out, faded.
fn clicks(r: f64, rng: &mut StdRng, period: f64, count: usize) -> (Vec<f32>, Vec<(usize, usize)>) {
    let top = top_hz(r);
    let decay = log_uniform(rng, 0.0003, 0.003).min(period / 5.0);
    let len = ((5.0 * decay * r) as usize).max(8);
    // At least two octaves wide: a click is broadband.
    let lo = log_uniform(rng, 300.0, (top / 4.0).min(3000.0));
    let hi = log_uniform(rng, 4.0 * lo, top);
    let attack = (0.0001 * r).max(1.0);
    let shape: Vec<f64> = (0..len)
        .map(|j| {
            let j = j as f64;
            (j / attack).min(1.0) * (-j / (decay * r)).exp()
        })
        .collect();
    let noise: Vec<f32> = (0..len * count)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let (mut x, mut spans) = train(r, rng, period, count, |i| {
        noise[i * len..(i + 1) * len]
            .iter()
            .zip(&shape)
            .map(|(v, s)| (*v as f64 * s) as f32)
            .collect()
    });
    let ring = (RING_S * r) as usize;
    x.resize(x.len() + ring, 0.0);
    high_pass(&mut x, r, lo);
    low_pass(&mut x, r, hi);
    let len = x.len();
    fade_out(&mut x[len - ring..]);
    // Each click sounds on while its filters ring: to its last sample within 60 dB of the peak
    // before the next click.
    let floor = 1e-3 * x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let starts: Vec<usize> = spans.iter().map(|s| s.0).skip(1).chain([len]).collect();
    for (span, next) in spans.iter_mut().zip(starts) {
        let loud = x[span.0..next].iter().rposition(|v| v.abs() > floor);
        span.1 = span.0 + loud.map_or(span.1 - span.0, |j| j + 1);
    }
    (x, joined(spans, r))
}

/// Noise band-limited around 800 Hz..top (0.3-2 octaves wide), modulated at 20-300 Hz by
/// 30-100 %, 50 ms to 1 s.
fn buzz(r: f64, rng: &mut StdRng) -> Vec<f32> {
    let top = top_hz(r);
    let seconds = log_uniform(rng, 0.05, 1.0);
    let centre = log_uniform(rng, 800.0, 0.8 * top);
    let half = 2f64.powf(rng.random_range(0.3..2.0) / 2.0);
    let (lo, hi) = ((centre / half).max(200.0), (centre * half).min(top));
    let n = ((seconds * r) as usize).max(1);
    let noise = band_noise(r, rng, n, lo, hi);
    let (am_hz, depth) = (log_uniform(rng, 20.0, 300.0), rng.random_range(0.3..1.0));
    let contour = Contour::random(rng);
    noise
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (u, t) = (i as f64 / n as f64, i as f64 / r);
            let am = 1.0 - depth * (0.5 - 0.5 * (TAU * am_hz * t).cos());
            (contour.at(u) * am * *v as f64) as f32
        })
        .collect()
}

/// `count` pulses (`pulse(i)`) every `period` seconds under a random contour with a little level
/// jitter, cut at the end of the last pulse; with each pulse's span of samples.
fn train(
    r: f64,
    rng: &mut StdRng,
    period: f64,
    count: usize,
    pulse: impl Fn(usize) -> Vec<f32>,
) -> (Vec<f32>, Vec<(usize, usize)>) {
    let contour = Contour::random(rng);
    let (mut out, mut spans) = (Vec::new(), Vec::new());
    for i in 0..count {
        let at = (i as f64 * period * r).round() as usize;
        let p = pulse(i);
        spans.push((at, at + p.len()));
        if out.len() < at + p.len() {
            out.resize(at + p.len(), 0.0);
        }
        let gain =
            (contour.at(i as f64 / (count - 1).max(1) as f64) * rng.random_range(0.8..1.0)) as f32;
        for (o, v) in out[at..].iter_mut().zip(&p) {
            *o += gain * v;
        }
    }
    (out, spans)
}

/// Spans of sound in order, joined across silences shorter than [`SPLIT_GAP_S`] at `r` Hz.
fn joined(spans: Vec<(usize, usize)>, r: f64) -> Vec<(usize, usize)> {
    let split = (SPLIT_GAP_S * r) as usize;
    let mut parts: Vec<(usize, usize)> = Vec::new();
    for (a, b) in spans {
        match parts.last_mut() {
            Some(last) if a < last.1 + split => last.1 = last.1.max(b),
            _ => parts.push((a, b)),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::dsp::spectrum::share_above;
    use rand::SeedableRng;

    fn energy(x: &[f32]) -> f64 {
        x.iter().map(|v| (*v as f64).powi(2)).sum()
    }

    #[test]
    fn every_family_appears_and_keeps_its_duration() {
        let mut rng = StdRng::seed_from_u64(11);
        let rate = 16000;
        let mut seen = [0usize; 5];
        for _ in 0..150 {
            let call = random_call(rate, &mut rng);
            let i = Family::ALL.iter().position(|f| *f == call.family).unwrap();
            seen[i] += 1;
            let s = call.audio.len() as f64 / rate as f64;
            let (lo, hi) = match call.family {
                Family::Sweep => (0.0019, 0.51),
                Family::Harmonic | Family::Buzz => (0.049, 1.01),
                // Three notes at least: a slow trill or pulse train may run past its draw.
                Family::Trill => (0.03, 2.5),
                Family::Pulses => (0.01, 1.6),
            };
            assert!((lo..=hi).contains(&s), "{:?} of {s} s", call.family);
            let peak = call.audio.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!((peak - 1.0).abs() < 1e-5, "peak {peak}");
        }
        for (f, n) in Family::ALL.iter().zip(seen) {
            assert!(n >= 15, "{f:?} drawn {n} times of 150");
        }
    }

    #[test]
    fn a_call_sounds_from_its_onset_to_its_offset_and_nowhere_else() {
        let mut rng = StdRng::seed_from_u64(4);
        let rate = 16000;
        for _ in 0..40 {
            let p = synthetic_phrase(rate, &mut rng).unwrap();
            let total = energy(&p.audio);
            let mut inside = 0.0;
            for e in &p.events {
                assert_eq!(e.label, LABEL);
                let (a, b) = (
                    (e.onset_s * rate as f64).round() as usize,
                    (e.offset_s * rate as f64).round() as usize,
                );
                let call = &p.audio[a..b];
                inside += energy(call);
                // Sound right up to both ends: the first and last fifth each hold some energy
                // (a click's last fifth is its filters' ring-out, 60 dB down at worst).
                let fifth = call.len() / 5;
                for part in [&call[..fifth.max(1)], &call[call.len() - fifth.max(1)..]] {
                    assert!(
                        energy(part) > 1e-6 * energy(call),
                        "a silent end in a {} s call",
                        call.len() as f64 / rate as f64
                    );
                }
            }
            // Only a click filter's ring-out sounds between notes.
            assert!(inside >= total * (1.0 - 1e-4), "energy outside the events");
            assert!(p.events.last().unwrap().offset_s * rate as f64 <= p.audio.len() as f64 + 0.5);
            let measured = (inside / p.audio.len() as f64) as f32;
            assert!(
                p.call_power >= measured,
                "call power is over the calls only"
            );
        }
    }

    #[test]
    fn silences_of_20_ms_part_a_trill_into_notes_and_shorter_ones_do_not() {
        let mut rng = StdRng::seed_from_u64(7);
        let rate = 16000;
        let split = (SPLIT_GAP_S * rate as f64) as usize;
        let (mut split_trains, mut whole_trains) = (0, 0);
        for _ in 0..200 {
            let call = random_call(rate, &mut rng);
            if !matches!(call.family, Family::Trill | Family::Pulses) {
                assert_eq!(call.parts, [(0, call.audio.len())]);
                continue;
            }
            match call.parts.len() {
                1 => whole_trains += 1,
                _ => split_trains += 1,
            }
            for pair in call.parts.windows(2) {
                let gap = &call.audio[pair[0].1..pair[1].0];
                assert!(gap.len() >= split, "{} samples part two notes", gap.len());
                // Silence, but for a click filter's ring-out: 40 dB under the call.
                assert!(
                    energy(gap) < 1e-4 * energy(&call.audio),
                    "sound between notes: {:?} {}",
                    call.family,
                    energy(gap) / energy(&call.audio)
                );
            }
        }
        assert!(
            split_trains >= 10 && whole_trains >= 10,
            "{split_trains} / {whole_trains}"
        );
    }

    #[test]
    fn calls_stay_below_the_nyquist_margin_at_any_rate() {
        for (rate, seed) in [(8000u32, 1u64), (16000, 2), (48000, 3)] {
            let mut rng = StdRng::seed_from_u64(seed);
            for _ in 0..30 {
                let call = random_call(rate, &mut rng);
                let above = share_above(&call.audio, rate as f64, 0.45 * rate as f64);
                assert!(
                    above < 1e-4,
                    "{:?} at {rate} Hz: {above:.2e} of its energy above 0.45 * rate",
                    call.family
                );
            }
        }
    }

    #[test]
    fn a_48_khz_rate_reaches_high_calls() {
        let mut rng = StdRng::seed_from_u64(9);
        let highest = (0..60)
            .map(|_| {
                let call = random_call(48000, &mut rng);
                share_above(&call.audio, 48000.0, 12000.0)
            })
            .fold(0.0, f64::max);
        assert!(highest > 0.5, "no call mostly above 12 kHz at 48 kHz");
    }

    #[test]
    fn the_same_seed_draws_the_same_calls() {
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..10)
                .map(|_| random_call(32000, &mut rng).audio)
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }
}
