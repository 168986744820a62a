//! How well a student agrees with its teacher on held-out audio: ROC AUC of the student's
//! scores against the teacher's decisions, and the F1 of the two sets of decisions.

use burn::prelude::*;

use super::crops::Item;
use crate::inference::predict;
use crate::student::model::Student;

/// Above this probability, teacher and student say "present".
pub const DECISION: f32 = 0.5;

/// Agreement figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Agreement {
    pub auc: f64,
    pub f1: f64,
    /// Values compared, and how many of them the teacher called present.
    pub values: usize,
    pub positives: usize,
}

/// Linear-softmax pooling (sum p^2 / sum p): a clip score from frame probabilities that leans
/// on the confident frames, so a short call decides the clip as a clip teacher would.
pub fn pool(p: &[f32]) -> f32 {
    let sum: f32 = p.iter().sum();
    if sum <= 0.0 {
        0.0
    } else {
        p.iter().map(|v| v * v).sum::<f32>() / sum
    }
}

/// The student's value for each of an item's track values, from its frame probabilities.
fn student_values(probs: &[f32], hop_s: f64, item: &Item) -> Vec<f32> {
    let t = &item.track;
    let frame = |s: f64| ((s / hop_s) as usize).min(probs.len());
    (0..t.probs.len())
        .map(|i| {
            let start = i as f64 * t.hop_s;
            let (a, b) = (frame(start), frame(start + t.span_s));
            if t.span_s <= hop_s * 1.5 {
                probs
                    .get(frame(start + t.span_s / 2.0))
                    .copied()
                    .unwrap_or(0.0)
            } else {
                pool(&probs[a..b.max(a)])
            }
        })
        .collect()
}

/// Agreement of `model` (class 0) with the teacher's tracks on `items`.
pub fn agreement(model: &Student, items: &[Item], device: &Device) -> Agreement {
    let hop_s = model.config().hop_samples() as f64 / model.config().sample_rate as f64;
    let classes = model.config().classes.len();
    let mut pairs = Vec::new();
    for item in items {
        let probs: Vec<f32> = predict(model, &item.recording.audio, device)
            .chunks(classes)
            .map(|row| row[0])
            .collect();
        let student = student_values(&probs, hop_s, item);
        pairs.extend(
            student
                .into_iter()
                .zip(item.track.probs.iter().map(|&t| t >= DECISION)),
        );
    }
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for &(s, t) in &pairs {
        match (s >= DECISION, t) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            _ => {}
        }
    }
    let f1 = if tp == 0 {
        0.0
    } else {
        tp as f64 / (tp as f64 + (fp + fn_) as f64 / 2.0)
    };
    Agreement {
        auc: auc(&pairs),
        f1,
        values: pairs.len(),
        positives: tp + fn_,
    }
}

/// ROC AUC of scores against binary labels (ties count half); NaN without both kinds.
pub fn auc(pairs: &[(f32, bool)]) -> f64 {
    let mut sorted: Vec<(f32, bool)> = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = sorted.iter().filter(|p| p.1).count() as f64;
    let negatives = sorted.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return f64::NAN;
    }
    // Mann-Whitney U from mid-ranks.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        let mid_rank = (i + j + 1) as f64 / 2.0;
        rank_sum += mid_rank * sorted[i..j].iter().filter(|p| p.1).count() as f64;
        i = j;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ordered_pairs() {
        assert_eq!(auc(&[(0.1, false), (0.9, true)]), 1.0);
        assert_eq!(auc(&[(0.9, false), (0.1, true)]), 0.0);
        assert_eq!(auc(&[(0.5, false), (0.5, true)]), 0.5);
        let mixed = [(0.2, false), (0.4, true), (0.6, false), (0.8, true)];
        assert_eq!(auc(&mixed), 0.75);
        assert!(auc(&[(0.3, true)]).is_nan());
    }

    #[test]
    fn pooling_follows_the_confident_frames() {
        assert_eq!(pool(&[0.0, 0.0]), 0.0);
        let short_call = pool(&[0.9, 0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]);
        assert!(short_call > 0.8, "{short_call}");
    }
}
