//! Random training crops, speed-perturbed and augmented, as flat arrays ready for a tensor.

use hark::eval::annotations::Annotation;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::augment::augment;
use super::noise::NoiseBank;
use super::recordings::Recording;
use super::stretch::stretch;
use super::targets::frame_targets;

/// Share of crops played at another speed; the rest keep this bird's own pitch and tempo.
pub(crate) const SPEED_PROBABILITY: f64 = 0.8;
/// Speed factors (pitch and tempo together), drawn log-uniformly: about +-2.8 semitones, for the
/// differences between birds of one species, small enough that syllables keep their shape.
pub(crate) const SPEED_RANGE: (f64, f64) = (0.85, 1.0 / 0.85);

/// A batch: `audio` is `[batch, crop_samples]`, `targets` is `[batch, crop_frames, classes]`.
pub struct Batch {
    pub audio: Vec<f32>,
    pub targets: Vec<f32>,
    pub batch: usize,
}

/// Draws crops from recordings; the crops of step `s` depend only on the seed and `s`, so a
/// resumed run sees the same data as an uninterrupted one.
pub struct Cropper<'a> {
    recordings: &'a [Recording],
    /// Backgrounds to mix in (may be empty).
    noise: &'a NoiseBank,
    /// Mean power of each recording's annotated song: the signal of the background's SNR.
    song_power: Vec<f32>,
    rate: u32,
    hop: usize,
    crop_frames: usize,
    /// The labels each output learns ([`render`]); empty: one output for every annotation.
    labels: &'a [String],
    seed: u64,
}

impl<'a> Cropper<'a> {
    /// Crops of `crop_frames` frames of `hop` samples from recordings at `rate` Hz, with targets
    /// for the classes `labels` names (empty: one class, every annotation).
    pub fn new(
        recordings: &'a [Recording],
        noise: &'a NoiseBank,
        rate: u32,
        hop: usize,
        crop_frames: usize,
        labels: &'a [String],
        seed: u64,
    ) -> Self {
        let song_power = recordings.iter().map(|r| r.song_power(rate)).collect();
        Self {
            recordings,
            noise,
            song_power,
            rate,
            hop,
            crop_frames,
            labels,
            seed,
        }
    }

    /// The batch for training step `step`.
    pub fn batch(&self, step: u64, batch: usize) -> Batch {
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ step);
        let (frames, samples) = (self.crop_frames, self.crop_frames * self.hop);
        let classes = self.labels.len().max(1);
        let mut audio = vec![0.0; batch * samples];
        let mut targets = vec![0.0; batch * frames * classes];
        for b in 0..batch {
            let i = rng.random_range(0..self.recordings.len());
            let rec = &self.recordings[i];
            let factor = if rng.random_bool(SPEED_PROBABILITY) {
                rng.random_range(SPEED_RANGE.0.ln()..SPEED_RANGE.1.ln())
                    .exp()
            } else {
                1.0
            };
            // Any start that keeps at least half the crop inside the recording.
            let span = (samples as f64 * factor) as usize;
            let start = rng.random_range(0..rec.audio.len().saturating_sub(span / 2).max(1));
            let out = &mut audio[b * samples..(b + 1) * samples];
            let tgt = &mut targets[b * frames * classes..(b + 1) * frames * classes];
            render(
                rec,
                start,
                factor,
                self.rate,
                self.hop,
                self.labels,
                out,
                tgt,
            );
            augment(out, self.song_power[i], self.noise, self.rate, &mut rng);
        }
        Batch {
            audio,
            targets,
            batch,
        }
    }
}

/// Renders the crop of `rec` that starts at sample `start` and plays at speed `factor` into
/// `audio`, and its frame targets (events moved and stretched the same way) into `targets`,
/// frame-major: one per frame and class of `labels` (a class learns the events with its label;
/// events with another label are negatives), or with no labels one per frame, for every event.
#[allow(clippy::too_many_arguments)]
pub fn render(
    rec: &Recording,
    start: usize,
    factor: f64,
    rate: u32,
    hop: usize,
    labels: &[String],
    audio: &mut [f32],
    targets: &mut [f32],
) {
    if factor == 1.0 {
        let n = audio.len().min(rec.audio.len().saturating_sub(start));
        audio[..n].copy_from_slice(&rec.audio[start..start + n]);
        audio[n..].fill(0.0);
    } else {
        stretch(&rec.audio, start as f64, factor, audio);
    }
    let start_s = start as f64 / rate as f64;
    let end_s = start_s + audio.len() as f64 * factor / rate as f64;
    // Events moved and stretched with the crop.
    let in_crop = |events: &[Annotation]| -> Vec<Annotation> {
        events
            .iter()
            .filter(|e| e.offset_s > start_s && e.onset_s < end_s)
            .map(|e| Annotation {
                onset_s: (e.onset_s - start_s) / factor,
                offset_s: (e.offset_s - start_s) / factor,
                label: e.label.clone(),
                channel: None,
            })
            .collect()
    };
    let hop_s = hop as f64 / rate as f64;
    let (events, unlabelled) = (in_crop(&rec.events), in_crop(&rec.unlabelled));
    if labels.is_empty() {
        targets.copy_from_slice(&frame_targets(&events, &unlabelled, targets.len(), hop_s));
        return;
    }
    let frames = targets.len() / labels.len();
    for (class, label) in labels.iter().enumerate() {
        let mine: Vec<Annotation> = events
            .iter()
            .filter(|e| &e.label == label)
            .cloned()
            .collect();
        let t = frame_targets(&mine, &unlabelled, frames, hop_s);
        for (f, target) in t.into_iter().enumerate() {
            targets[f * labels.len() + class] = target;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 16000;
    const HOP: usize = 160;

    fn ev(onset_s: f64, offset_s: f64) -> Annotation {
        Annotation {
            onset_s,
            offset_s,
            label: "a".into(),
            channel: None,
        }
    }

    /// Ten seconds of faint hiss with a loud 2 kHz tone inside each event.
    fn recording() -> Recording {
        let events = vec![
            ev(0.50, 0.58),
            ev(1.00, 1.25),
            ev(1.2510, 1.30),
            ev(2.0, 2.05),
        ];
        let events: Vec<Annotation> = events
            .into_iter()
            .chain((0..40).map(|k| ev(3.0 + 0.17 * k as f64, 3.07 + 0.17 * k as f64)))
            .collect();
        let audio = (0..10 * RATE as usize)
            .map(|i| {
                let t = i as f64 / RATE as f64;
                let hiss = ((i * 7919 % 997) as f32 / 997.0 - 0.5) * 1e-3;
                let on = events.iter().any(|e| (e.onset_s..e.offset_s).contains(&t));
                hiss + if on {
                    (std::f64::consts::TAU * 2000.0 * t).sin() as f32 * 0.5
                } else {
                    0.0
                }
            })
            .collect();
        Recording {
            name: "synthetic.wav".into(),
            audio,
            events,
            unlabelled: vec![],
        }
    }

    #[test]
    fn stretched_targets_line_up_with_the_stretched_audio() {
        let rec = recording();
        for (start, factor) in [(4000, 1.0), (4000, 0.85), (37000, 1.0 / 0.85), (1234, 1.1)] {
            let frames = 400;
            let (mut audio, mut targets) = (vec![0.0; frames * HOP], vec![0.0; frames]);
            render(
                &rec,
                start,
                factor,
                RATE,
                HOP,
                &[],
                &mut audio,
                &mut targets,
            );
            let positives = targets.iter().filter(|&&t| t == 1.0).count();
            assert!(
                positives > 40,
                "factor {factor}: {positives} positive frames"
            );
            for (f, t) in targets.iter().enumerate() {
                let frame = &audio[f * HOP..(f + 1) * HOP];
                let loud = frame.iter().filter(|v| v.abs() > 0.05).count();
                // A positive frame is mostly tone; a negative one is at most half tone (edges),
                // unless it holds the 1 ms gap between touching events (the next test).
                let split = f > 0 && targets[f - 1] == 1.0 && targets.get(f + 1) == Some(&1.0);
                if *t == 1.0 {
                    assert!(
                        loud > HOP / 3,
                        "factor {factor}, frame {f}: {loud} loud samples"
                    );
                } else if !split {
                    assert!(
                        loud < 2 * HOP / 3,
                        "factor {factor}, frame {f}: {loud} loud samples"
                    );
                }
            }
        }
    }

    #[test]
    fn each_class_learns_the_events_with_its_label() {
        let label = |onset_s, offset_s, label: &str| Annotation {
            label: label.into(),
            ..ev(onset_s, offset_s)
        };
        let rec = Recording {
            events: vec![
                label(0.10, 0.20, "b"),
                label(0.30, 0.40, "a"),
                label(0.50, 0.60, "other"),
            ],
            ..recording()
        };
        let labels = ["a".to_string(), "b".to_string()];
        let (mut audio, mut targets) = (vec![0.0; 80 * HOP], vec![0.0; 80 * 2]);
        render(&rec, 0, 1.0, RATE, HOP, &labels, &mut audio, &mut targets);
        let class =
            |c: usize| -> Vec<usize> { (0..80).filter(|f| targets[f * 2 + c] == 1.0).collect() };
        assert_eq!(class(0), (30..40).collect::<Vec<_>>(), "a");
        assert_eq!(class(1), (10..20).collect::<Vec<_>>(), "b");
    }

    #[test]
    fn touching_events_stay_split_when_stretched() {
        let rec = recording();
        let (mut audio, mut targets) = (vec![0.0; 200 * HOP], vec![0.0; 200]);
        render(&rec, 0, 0.9, RATE, HOP, &[], &mut audio, &mut targets);
        // The boundary at 1.2505 s moves to 1.3894 s: frame 138 is the gap, both sides positive.
        assert_eq!(&targets[136..141], &[1.0, 1.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn crops_depend_only_on_seed_and_step() {
        let recs = vec![recording()];
        let noise = NoiseBank::from_clips(vec![(0..50000).map(|i| (i as f32).sin()).collect()]);
        let a = Cropper::new(&recs, &noise, RATE, HOP, 100, &[], 7);
        let b = Cropper::new(&recs, &noise, RATE, HOP, 100, &[], 7);
        let later_first = b.batch(9, 4);
        let earlier = a.batch(3, 4);
        assert_eq!(a.batch(9, 4).audio, later_first.audio);
        assert_eq!(a.batch(9, 4).targets, later_first.targets);
        assert_ne!(earlier.audio, later_first.audio);
        assert_ne!(
            Cropper::new(&recs, &noise, RATE, HOP, 100, &[], 8)
                .batch(9, 4)
                .audio,
            later_first.audio
        );
    }
}
