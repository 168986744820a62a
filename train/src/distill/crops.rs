//! Training crops for distillation: the student hears an augmented crop while its targets are
//! what the teacher said about the clean recording, moved and stretched with the crop.
//!
//! The augmentation is training's: another speed, EQ, soundscape backgrounds.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::data::augment::augment;
use crate::data::batch::{SPEED_PROBABILITY, SPEED_RANGE, render};
use crate::data::noise::NoiseBank;
use crate::data::recordings::Recording;
use crate::data::targets::UNKNOWN;
use crate::teacher::tracks::Track;

/// A recording with its teacher track; `labelled` when its events are annotations.
pub struct Item {
    pub recording: Recording,
    pub labelled: bool,
    pub track: Track,
    /// Where something sounds in it (1, else 0; `data::activity`), where a clip teacher's
    /// windows are to be localized.
    pub sounding: Option<Track>,
}

/// A batch of crops, flattened: `audio` `[batch, samples]`; for frame teachers `targets`
/// `[batch, frames]` and `features` `[batch, frames, dim]`; for clip teachers `clip` `[batch]`,
/// the teacher's probability for the window that `window` `[batch, frames]` marks (1 inside).
pub struct DistillBatch {
    pub audio: Vec<f32>,
    pub targets: Vec<f32>,
    pub features: Option<(usize, Vec<f32>)>,
    pub clip: Vec<f32>,
    pub window: Vec<f32>,
}

/// Draws distillation crops; the crops of step `s` depend only on the seed and `s`.
pub struct DistillCropper<'a> {
    pub items: &'a [Item],
    pub noise: &'a NoiseBank,
    /// Weight of the annotations against the teacher in a labelled crop's targets.
    pub hard_weight: f32,
    /// Whether a labelled frame's target never falls below its label.
    pub keep_positives: bool,
    pub rate: u32,
    pub hop: usize,
    pub crop_frames: usize,
    pub seed: u64,
    /// Whether the teacher gives clip probabilities.
    pub clips: bool,
    /// Whether a clip crop also carries frame targets: where something sounds and the teacher
    /// hears an animal (`localized`), or a labelled recording's annotations.
    pub localize: bool,
    /// Whether to carry the teacher's features.
    pub features: bool,
}

impl DistillCropper<'_> {
    /// The batch for training step `step`.
    pub fn batch(&self, step: u64, batch: usize) -> DistillBatch {
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ step);
        let (frames, samples) = (self.crop_frames, self.crop_frames * self.hop);
        let hop_s = self.hop as f64 / self.rate as f64;
        let mut out = DistillBatch {
            audio: vec![0.0; batch * samples],
            targets: vec![0.0; batch * frames],
            features: None,
            clip: vec![0.0; batch],
            window: vec![0.0; batch * frames],
        };
        let mut features = Vec::new();
        let mut dim = 0;
        for b in 0..batch {
            let item = &self.items[rng.random_range(0..self.items.len())];
            let (rec, track) = (&item.recording, &item.track);
            let audio = &mut out.audio[b * samples..(b + 1) * samples];
            let targets = &mut out.targets[b * frames..(b + 1) * frames];
            if self.clips {
                // A teacher window, as it heard it: no change of speed.
                let i = rng.random_range(0..track.probs.len());
                let start = (i as f64 * track.hop_s * self.rate as f64) as usize;
                render(rec, start, 1.0, self.rate, self.hop, &[], audio, targets);
                out.clip[b] = track.probs[i];
                if self.localize
                    && let Some(sounding) = &item.sounding
                {
                    let start_s = start as f64 / self.rate as f64;
                    for (f, t) in targets.iter_mut().enumerate() {
                        *t = localized(track, sounding, start_s + (f as f64 + 0.5) * hop_s);
                    }
                }
                let inside = ((track.span_s / hop_s).round() as usize).min(frames);
                out.window[b * frames..b * frames + inside].fill(1.0);
            } else {
                let factor = if rng.random_bool(SPEED_PROBABILITY) {
                    rng.random_range(SPEED_RANGE.0.ln()..SPEED_RANGE.1.ln())
                        .exp()
                } else {
                    1.0
                };
                let span = (samples as f64 * factor) as usize;
                let start = rng.random_range(0..rec.audio.len().saturating_sub(span / 2).max(1));
                render(rec, start, factor, self.rate, self.hop, &[], audio, targets);
                let start_s = start as f64 / self.rate as f64;
                let w = if item.labelled { self.hard_weight } else { 0.0 };
                let keep = self.keep_positives && item.labelled;
                for (f, t) in targets.iter_mut().enumerate() {
                    let at = start_s + (f as f64 + 0.5) * hop_s * factor;
                    *t = blend(*t, track.at(at), w, keep);
                    if self.features
                        && let Some((d, values)) = &track.features
                    {
                        dim = *d;
                        let row = (at / track.hop_s) as usize;
                        match values.get(row * d..(row + 1) * d) {
                            Some(v) => features.extend_from_slice(v),
                            None => features.extend(std::iter::repeat_n(0.0, *d)),
                        }
                    }
                }
            }
            augment(
                audio,
                rec.song_power(self.rate),
                self.noise,
                self.rate,
                &mut rng,
            );
        }
        if self.features && dim > 0 && features.len() == batch * frames * dim {
            out.features = Some((dim, features));
        }
        out
    }
}

/// A frame's target from a clip teacher at time `t`: how surely every window that holds `t`
/// hears an animal, where something sounds then (0 elsewhere).
fn localized(track: &Track, sounding: &Track, t: f64) -> f32 {
    track.heard_at(t) * sounding.at(t)
}

/// A frame's target: its label and the teacher's probability mixed by the label's weight `w`;
/// with `keep_positives`, never below the label, so the teacher only raises negatives. Where
/// nobody labelled the frame, the teacher alone.
fn blend(label: f32, teacher: f32, w: f32, keep_positives: bool) -> f32 {
    if label == UNKNOWN {
        return teacher;
    }
    let mixed = w * label + (1.0 - w) * teacher;
    if keep_positives {
        mixed.max(label)
    } else {
        mixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distill::sounding_track;

    const RATE: u32 = 16_000;

    /// `seconds` of faint noise with a loud 3 kHz tone over each of `tones` (start, end in s).
    fn recording(seconds: f64, tones: &[(f64, f64)]) -> Recording {
        let audio = (0..(seconds * RATE as f64) as usize)
            .map(|i| {
                let t = i as f64 / RATE as f64;
                let noise = 1e-3 * (((i as u64 * 2_654_435_761) % 1000) as f32 / 500.0 - 1.0);
                let on = tones.iter().any(|&(a, b)| (a..b).contains(&t));
                noise
                    + if on {
                        0.3 * (std::f64::consts::TAU * 3000.0 * t).sin() as f32
                    } else {
                        0.0
                    }
            })
            .collect();
        Recording {
            name: "r.wav".into(),
            audio,
            events: Vec::new(),
            unlabelled: Vec::new(),
        }
    }

    #[test]
    fn a_clip_teacher_is_localized_to_the_sound_its_windows_share() {
        // 3 s windows every 0.5 s: those starting at 1.5..=4.0 s hear an animal; a sound at
        // 1.0-1.3 s is heard by none (wind, say), a call at 4.1-4.4 s by all that hold it.
        let rec = recording(8.0, &[(1.0, 1.3), (4.1, 4.4)]);
        let track = Track {
            hop_s: 0.5,
            span_s: 3.0,
            probs: (0..11)
                .map(|i| if (3..=8).contains(&i) { 0.95 } else { 0.05 })
                .collect(),
            features: None,
        };
        let sounding = sounding_track(&rec.audio, RATE).unwrap();
        let at = |t: f64| localized(&track, &sounding, t);
        assert!(at(4.25) > 0.8, "the call: {}", at(4.25));
        for t in [1.15, 3.0, 4.7] {
            assert!(at(t) < 0.1, "at {t} s: {}", at(t));
        }
    }

    #[test]
    fn localized_crops_carry_frame_targets() {
        let rec = recording(3.0, &[(2.0, 2.3)]);
        let sounding = sounding_track(&rec.audio, RATE).unwrap();
        let one_window = Track {
            hop_s: 0.5,
            span_s: 3.0,
            probs: vec![0.95],
            features: None,
        };
        let items = [Item {
            recording: rec,
            labelled: false,
            track: one_window,
            sounding: Some(sounding),
        }];
        let noise = NoiseBank::default();
        let cropper = |localize| DistillCropper {
            items: &items,
            noise: &noise,
            hard_weight: 0.8,
            keep_positives: false,
            rate: RATE,
            hop: 160,
            crop_frames: 300,
            seed: 1,
            clips: true,
            localize,
            features: false,
        };
        let batch = cropper(true).batch(0, 1);
        assert_eq!(batch.clip, [0.95]);
        assert!(
            batch.targets[215] > 0.8,
            "in the call: {}",
            batch.targets[215]
        );
        assert!(
            batch.targets[100] < 0.1,
            "before it: {}",
            batch.targets[100]
        );
        let plain = cropper(false).batch(0, 1);
        assert!(plain.targets.iter().all(|&t| t == 0.0), "no frame targets");
    }

    #[test]
    fn kept_positives_stay_labels_and_negatives_take_the_teacher() {
        let close = |a: f32, b: f32| (a - b).abs() < 1e-6;
        // A syllable frame the teacher doubts.
        assert!(close(blend(1.0, 0.1, 0.8, false), 0.82));
        assert!(close(blend(1.0, 0.1, 0.8, true), 1.0));
        // A silent frame the teacher finds bird-like: softened either way.
        assert!(close(blend(0.0, 0.5, 0.8, false), 0.1));
        assert!(close(blend(0.0, 0.5, 0.8, true), 0.1));
        // A frame half covered by a syllable, the teacher sure of it.
        assert!(close(blend(0.5, 1.0, 0.8, true), 0.6));
    }
}
