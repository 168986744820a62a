//! Fake quantization for quantization-aware fine-tuning: int8 rounding forward, gradients
//! straight through backward.
//!
//! The forward pass rounds a weight matmul's input and weights to the int8 grids `hark-train
//! quantize` gives them; the backward pass lets gradients through as if nothing were rounded
//! (the straight-through estimator).

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::module::linear;

/// `q` in the forward pass, with `x`'s gradient.
fn straight_through<const D: usize>(x: Tensor<D>, q: Tensor<D>) -> Tensor<D> {
    x.clone() + (q - x).detach()
}

/// An activation on the int8 grid of step `step` (per tensor, zero point 0, saturating), as
/// ONNX `QuantizeLinear` then `DequantizeLinear` give it.
pub fn activation<const D: usize>(x: Tensor<D>, step: f32) -> Tensor<D> {
    let q = x
        .clone()
        .div_scalar(step)
        .round()
        .clamp(-128.0, 127.0)
        .mul_scalar(step);
    straight_through(x, q)
}

/// Weights `[inputs, outputs]` on per-output-channel symmetric int8 grids (step: the column's
/// largest magnitude over 127), as `quantize::scales::quantize_columns` rounds them.
pub fn weights(w: Tensor<2>) -> Tensor<2> {
    let step = w
        .clone()
        .abs()
        .max_dim(0)
        .div_scalar(127.0)
        .clamp_min(1e-12)
        .detach(); // [1, outputs]
    let q = (w.clone() / step.clone()).round().clamp(-127.0, 127.0) * step;
    straight_through(w, q)
}

/// `dense` on `x`, with input and weights fake-quantized when `step` is given.
pub fn dense<const D: usize>(dense: &Linear, x: Tensor<D>, step: Option<f32>) -> Tensor<D> {
    match step {
        None => dense.forward(x),
        Some(step) => linear(
            activation(x, step),
            weights(dense.weight.val()),
            dense.bias.as_ref().map(|b| b.val()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_forward_and_passes_gradients_straight_through() {
        let device = Device::flex().autodiff();
        let x = Tensor::<1>::from_floats([0.26, -0.74, 300.0], &device).require_grad();
        let y = activation(x.clone(), 0.5);
        let got: Vec<f32> = y.clone().try_into_vec_as::<f32>().unwrap();
        assert_eq!(got, [0.5, -0.5, 63.5]);
        let grads = (y * Tensor::from_floats([1.0, 2.0, 3.0], &device))
            .sum()
            .backward();
        let g: Vec<f32> = x.grad(&grads).unwrap().try_into_vec_as::<f32>().unwrap();
        assert_eq!(g, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn weight_columns_get_their_own_steps() {
        let device = Device::flex();
        // Columns with largest magnitudes 127 and 1.27: steps 1 and 0.01.
        let w = Tensor::<2>::from_floats([[127.0, 0.014], [-3.4, -1.27]], &device);
        let got: Vec<f32> = weights(w).try_into_vec_as::<f32>().unwrap();
        let want = [127.0, 0.01, -3.0, -1.27];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{got:?}");
        }
    }
}
