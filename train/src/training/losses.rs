//! Training's losses: the sigmoid focal loss (Lin et al. 2017) for 0/1 labels, as animal2vec
//! fine-tunes with; binary cross-entropy for a teacher's soft targets; and the loss of a batch.

use burn::prelude::*;
use burn::tensor::activation::{log_sigmoid, sigmoid};

use super::config::TrainConfig;
use super::trainee::Trainee;
use crate::distill::crops::DistillBatch;

/// Mean sigmoid focal loss of `logits` against 0/1 `targets` (same shape):
/// `-alpha (1-p)^gamma log p` on positives, `-(1-alpha) p^gamma log(1-p)` on negatives; frames
/// whose target is [`UNKNOWN`](crate::data::targets::UNKNOWN) are left out.
pub fn focal_loss<const D: usize>(
    logits: Tensor<D>,
    targets: Tensor<D>,
    alpha: f32,
    gamma: f32,
) -> Tensor<1> {
    let (targets, known) = split_unknown(targets);
    let p = sigmoid(logits.clone());
    let log_p = log_sigmoid(logits.clone());
    let log_not_p = log_sigmoid(logits.neg());
    let pos = (p.clone().neg() + 1.0).powf_scalar(gamma) * log_p * alpha;
    let neg = p.powf_scalar(gamma) * log_not_p * (1.0 - alpha);
    let per_frame = targets.clone() * pos + (targets.neg() + 1.0) * neg;
    known_mean(per_frame, known).neg()
}

/// Mean binary cross-entropy of `logits` against soft `targets` in 0..1 (same shape), without
/// [`UNKNOWN`](crate::data::targets::UNKNOWN) frames. Its minimum is at `p = target`, so a
/// student learns the teacher's probabilities as they are; the focal loss would pull them
/// towards 0.5 (for a target of 0.9 its minimum is at p = 0.69), where the event thresholds sit.
pub fn soft_bce<const D: usize>(logits: Tensor<D>, targets: Tensor<D>) -> Tensor<1> {
    let (targets, known) = split_unknown(targets);
    let per_frame = targets.clone() * log_sigmoid(logits.clone())
        + (targets.neg() + 1.0) * log_sigmoid(logits.neg());
    known_mean(per_frame, known).neg()
}

/// The targets with unknown (negative) frames set to 0, and a mask that is 1 where they are known.
fn split_unknown<const D: usize>(targets: Tensor<D>) -> (Tensor<D>, Tensor<D>) {
    let known = targets.clone().greater_equal_elem(0.0).float();
    (targets.clamp_min(0.0), known)
}

/// The mean of `values` over the known frames (0 when none is known).
fn known_mean<const D: usize>(values: Tensor<D>, known: Tensor<D>) -> Tensor<1> {
    (values * known.clone()).sum() / known.sum().clamp_min(1.0)
}

/// The loss of one batch: the focal loss on frame targets (annotations, teacher probabilities
/// or a mix), or for a clip teacher the cross-entropy between the student's pooled window
/// probability and the teacher's, plus, when localizing, the cross-entropy on the frame
/// targets; plus the feature regression when it is on. A student of many classes learns them
/// from labelled tables alone, each frame and class with the focal loss.
pub(super) fn step_loss(
    model: &Trainee,
    batch: DistillBatch,
    cfg: &TrainConfig,
    clips: bool,
    feature_weight: f32,
    device: &Device,
) -> Tensor<1> {
    let b = cfg.batch;
    let classes = model.student.config().classes.len();
    let (samples, frames) = (batch.audio.len() / b, batch.targets.len() / (b * classes));
    let audio = Tensor::<2>::from_data(TensorData::new(batch.audio, [b, samples]), device);
    let hidden = model
        .student
        .encode(model.student.front(audio))
        .pop()
        .expect("at least one layer");
    let logits = model.student.classify(hidden.clone()); // [b, t, classes]
    if classes > 1 {
        let shape = [b, frames, classes];
        let targets = Tensor::<3>::from_data(TensorData::new(batch.targets, shape), device);
        return focal_loss(logits, targets, cfg.focal_alpha, cfg.focal_gamma);
    }
    let logits = logits.reshape([b, frames]);
    let targets = Tensor::<2>::from_data(TensorData::new(batch.targets, [b, frames]), device);
    let mut loss = if clips {
        let window = Tensor::<2>::from_data(TensorData::new(batch.window, [b, frames]), device);
        let clip = Tensor::<1>::from_data(TensorData::new(batch.clip, [b]), device);
        let frame_loss = cfg
            .distill
            .as_ref()
            .is_some_and(|d| d.localize)
            .then(|| soft_bce(logits.clone(), targets));
        let p = sigmoid(logits) * window;
        let pooled: Tensor<1> = (p.clone().powf_scalar(2.0).sum_dim(1) / (p.sum_dim(1) + 1e-6))
            .reshape([b])
            .clamp(1e-6, 1.0 - 1e-6);
        let bce =
            clip.clone() * pooled.clone().log() + (clip.neg() + 1.0) * (pooled.neg() + 1.0).log();
        let pooled_loss = bce.mean().neg();
        match frame_loss {
            Some(frames) => pooled_loss + frames,
            None => pooled_loss,
        }
    } else {
        match cfg.distill {
            Some(_) => soft_bce(logits, targets),
            None => focal_loss(logits, targets, cfg.focal_alpha, cfg.focal_gamma),
        }
    };
    if let (Some(projection), Some((dim, values))) = (&model.projection, batch.features) {
        let teacher = Tensor::<3>::from_data(TensorData::new(values, [b, frames, dim]), device);
        let error = (projection.forward(hidden) - teacher)
            .powf_scalar(2.0)
            .mean();
        loss = loss + error * feature_weight;
    }
    loss
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::targets::UNKNOWN;

    #[test]
    fn soft_targets_are_learnt_as_they_are() {
        let device = Device::flex();
        let loss = |p: f32, q: f32| -> f32 {
            let z = (p / (1.0 - p)).ln();
            soft_bce(
                Tensor::<1>::from_floats([z], &device),
                Tensor::<1>::from_floats([q], &device),
            )
            .into_scalar::<f32>()
        };
        for q in [0.1, 0.6, 0.9] {
            assert!(loss(q, q) < loss(q - 0.05, q) && loss(q, q) < loss(q + 0.05, q));
        }
    }

    #[test]
    fn unknown_frames_weigh_nothing() {
        let device = Device::flex();
        let logits = Tensor::<1>::from_floats([2.0, -1.0, 3.0], &device);
        let with = |t: [f32; 3]| {
            let t = Tensor::<1>::from_floats(t, &device);
            (
                focal_loss(logits.clone(), t.clone(), 0.25, 2.0).into_scalar::<f32>(),
                soft_bce(logits.clone(), t).into_scalar::<f32>(),
            )
        };
        let known = {
            let two = Tensor::<1>::from_floats([2.0, -1.0], &device);
            let t = Tensor::<1>::from_floats([1.0, 0.0], &device);
            (
                focal_loss(two.clone(), t.clone(), 0.25, 2.0).into_scalar::<f32>(),
                soft_bce(two, t).into_scalar::<f32>(),
            )
        };
        let got = with([1.0, 0.0, UNKNOWN]);
        assert!((got.0 - known.0).abs() < 1e-6 && (got.1 - known.1).abs() < 1e-6);
        assert!(with([1.0, 0.0, 0.0]).1 > got.1, "a known frame counts");
    }

    #[test]
    fn matches_the_formula() {
        let device = Device::flex();
        let logits = Tensor::<1>::from_floats([2.0, -1.0], &device);
        let targets = Tensor::<1>::from_floats([1.0, 1.0], &device);
        let got: f32 = focal_loss(logits, targets, 0.25, 2.0).into_scalar::<f32>();
        let fl = |z: f32| {
            let p = 1.0 / (1.0 + (-z).exp());
            -0.25 * (1.0 - p).powi(2) * p.ln()
        };
        let want = (fl(2.0) + fl(-1.0)) / 2.0;
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
}
