//! Phrases: a few consecutive annotated calls cut from a recording, with their annotations.

use hark::eval::annotations::Annotation;
use rand::Rng;
use rand::rngs::StdRng;

use crate::data::recordings::Recording;

/// Most calls in one phrase: from a single call up to a short song.
const MAX_CALLS: usize = 8;
/// Audio kept around the first and last call, seconds (less where a neighbour is closer).
const PAD_S: f64 = 0.05;
/// Fade in and out, seconds: no click where the phrase starts and ends in the mix.
const FADE_S: f64 = 0.005;

/// A cut of a recording holding whole annotated calls.
#[derive(Debug, Clone)]
pub struct Phrase {
    pub audio: Vec<f32>,
    /// The calls, in seconds from the phrase's start.
    pub events: Vec<Annotation>,
    /// Mean square over the calls only: the level the SNR is set against.
    pub call_power: f32,
}

/// A random phrase of `recording` (audio at `rate` Hz), or `None` when it has no calls.
pub fn random_phrase(recording: &Recording, rate: u32, rng: &mut StdRng) -> Option<Phrase> {
    let calls = &recording.events;
    if calls.is_empty() {
        return None;
    }
    let first = rng.random_range(0..calls.len());
    let last = (first + rng.random_range(1..=MAX_CALLS)).min(calls.len()) - 1;
    let duration = recording.audio.len() as f64 / rate as f64;
    let before = first
        .checked_sub(1)
        .map_or(PAD_S, |p| (calls[first].onset_s - calls[p].offset_s) / 2.0);
    let after = calls
        .get(last + 1)
        .map_or(PAD_S, |n| (n.onset_s - calls[last].offset_s) / 2.0);
    let start_s = (calls[first].onset_s - before.clamp(0.0, PAD_S)).max(0.0);
    let end_s = (calls[last].offset_s + after.clamp(0.0, PAD_S)).min(duration);
    let sample = |t: f64| ((t * rate as f64).round() as usize).min(recording.audio.len());
    let (start, end) = (sample(start_s), sample(end_s));
    if end <= start {
        return None;
    }
    let mut audio = recording.audio[start..end].to_vec();
    fade(&mut audio, (FADE_S * rate as f64) as usize);
    let events: Vec<Annotation> = calls[first..=last]
        .iter()
        .map(|c| Annotation {
            onset_s: c.onset_s - start_s,
            offset_s: c.offset_s - start_s,
            label: c.label.clone(),
            channel: c.channel,
        })
        .collect();
    let (mut sum, mut count) = (0.0f64, 0usize);
    for e in &events {
        let (a, b) = (
            sample(e.onset_s).min(audio.len()),
            sample(e.offset_s).min(audio.len()),
        );
        sum += audio[a..b].iter().map(|v| (v * v) as f64).sum::<f64>();
        count += b.saturating_sub(a);
    }
    let call_power = (sum / count.max(1) as f64) as f32;
    (call_power > 0.0).then_some(Phrase {
        audio,
        events,
        call_power,
    })
}

/// Linear fade over `n` samples at both ends.
fn fade(x: &mut [f32], n: usize) {
    let n = n.min(x.len() / 2);
    let len = x.len();
    for i in 0..n {
        let g = i as f32 / n as f32;
        x[i] *= g;
        x[len - 1 - i] *= g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn call(onset_s: f64, offset_s: f64) -> Annotation {
        Annotation {
            onset_s,
            offset_s,
            label: "a".into(),
            channel: None,
        }
    }

    #[test]
    fn a_phrase_holds_whole_calls_and_their_level() {
        let rate = 1000;
        // Loud (0.5) inside the calls, silent between them.
        let events = vec![call(1.0, 1.2), call(1.26, 1.4), call(3.0, 3.1)];
        let mut audio = vec![0.0f32; 4000];
        for e in &events {
            let (a, b) = (
                (e.onset_s * 1000.0) as usize,
                (e.offset_s * 1000.0) as usize,
            );
            audio[a..b].fill(0.5);
        }
        let rec = Recording {
            name: "r".into(),
            audio,
            events,
            unlabelled: vec![],
        };
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..20 {
            let p = random_phrase(&rec, rate, &mut rng).unwrap();
            assert!(!p.events.is_empty());
            assert!((p.call_power - 0.25).abs() < 0.01, "{}", p.call_power);
            for e in &p.events {
                assert!(e.onset_s >= 0.0 && e.offset_s * 1000.0 <= p.audio.len() as f64 + 1.0);
                let mid = ((e.onset_s + e.offset_s) / 2.0 * 1000.0) as usize;
                assert_eq!(p.audio[mid], 0.5, "the call sits where its annotation says");
            }
            // The cut never reaches into a neighbouring call: the pad stops halfway.
            for (i, v) in p.audio.iter().enumerate() {
                let t = i as f64 / 1000.0;
                let inside = p
                    .events
                    .iter()
                    .any(|e| t >= e.onset_s - 2e-3 && t <= e.offset_s);
                assert!(*v == 0.0 || inside, "sound outside the calls at {t} s");
            }
        }
    }
}
