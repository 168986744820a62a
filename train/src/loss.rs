//! Frame losses: the sigmoid focal loss (Lin et al. 2017), as animal2vec fine-tunes with, for
//! 0/1 labels; binary cross-entropy for a teacher's soft targets.

use burn::prelude::*;
use burn::tensor::activation::{log_sigmoid, sigmoid};

/// Mean sigmoid focal loss of `logits` against 0/1 `targets` (same shape):
/// `-alpha (1-p)^gamma log p` on positives, `-(1-alpha) p^gamma log(1-p)` on negatives.
pub fn focal_loss<const D: usize>(
    logits: Tensor<D>,
    targets: Tensor<D>,
    alpha: f32,
    gamma: f32,
) -> Tensor<1> {
    let p = sigmoid(logits.clone());
    let log_p = log_sigmoid(logits.clone());
    let log_not_p = log_sigmoid(logits.neg());
    let pos = (p.clone().neg() + 1.0).powf_scalar(gamma) * log_p * alpha;
    let neg = p.powf_scalar(gamma) * log_not_p * (1.0 - alpha);
    let per_frame = targets.clone() * pos + (targets.neg() + 1.0) * neg;
    per_frame.mean().neg()
}

/// Mean binary cross-entropy of `logits` against soft `targets` in 0..1 (same shape). Its
/// minimum is at `p = target`, so a student learns the teacher's probabilities as they are; the
/// focal loss would pull them towards 0.5 (for a target of 0.9 its minimum is at p = 0.69),
/// where the event thresholds sit.
pub fn soft_bce<const D: usize>(logits: Tensor<D>, targets: Tensor<D>) -> Tensor<1> {
    let per_frame = targets.clone() * log_sigmoid(logits.clone())
        + (targets.neg() + 1.0) * log_sigmoid(logits.neg());
    per_frame.mean().neg()
}

#[cfg(test)]
mod tests {
    use super::*;

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
