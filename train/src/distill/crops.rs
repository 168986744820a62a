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
                render(rec, start, 1.0, self.rate, self.hop, audio, targets);
                out.clip[b] = track.probs[i];
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
                render(rec, start, factor, self.rate, self.hop, audio, targets);
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
    use super::blend;

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
