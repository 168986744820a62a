//! The sigmoid focal loss (Lin et al. 2017), as animal2vec fine-tunes with.

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

#[cfg(test)]
mod tests {
    use super::*;

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
