//! The engine's kernels on one row: int8 and f32 denses, layer norm, GELU.
//!
//! Rounding and operator order follow the int8 ONNX the blob is exported with, so the two
//! agree to well within one int8 step (tests/tests/firmware_parity.rs).

use crate::blob::{Dense, Norm};

/// `x` as int8 with step `scale`: round half to even, saturate (ONNX `QuantizeLinear`).
pub fn quantize(x: &[f32], scale: f32, out: &mut [i8]) {
    for (q, &v) in out.iter_mut().zip(x) {
        *q = libm::rintf(v / scale).clamp(-128.0, 127.0) as i8;
    }
}

/// Int32 dot product of an int8 row with an int8 weight row (i8 bytes).
#[inline]
fn dot_i8(x: &[i8], w: &[u8]) -> i32 {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    return super::dsp::dot_i8(x, w);
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    dot_i8_portable(x, w)
}

/// [`dot_i8`] four at a time: the accumulators stay in registers (Cortex-M4: `ldrsb` and
/// `smlabb` pairs).
#[inline]
pub(super) fn dot_i8_portable(x: &[i8], w: &[u8]) -> i32 {
    let (xs, ws) = (x.chunks_exact(4), w.chunks_exact(4));
    let tail: i32 = xs
        .remainder()
        .iter()
        .zip(ws.remainder())
        .map(|(&a, &b)| a as i32 * b as i8 as i32)
        .sum();
    let mut acc = [0i32; 4];
    for (a, b) in xs.zip(ws) {
        for k in 0..4 {
            acc[k] += a[k] as i32 * b[k] as i8 as i32;
        }
    }
    acc.iter().sum::<i32>() + tail
}

/// `(acc * multiplier) >> shift`, rounded to nearest (exact in i64: |acc| < 2^31, multiplier
/// < 2^31).
#[inline]
pub fn requantize(acc: i32, multiplier: i32, shift: i32) -> i64 {
    let product = acc as i64 * multiplier as i64;
    (product + (1i64 << (shift - 1))) >> shift
}

/// Where a dense's input comes from: already quantized for an int8 dense, or f32.
pub enum Input<'x> {
    /// f32 values; quantized here (into `scratch`) for an int8 dense.
    F32(&'x [f32]),
    /// Already int8 at the dense's input step.
    Int8(&'x [i8]),
}

/// `out = x W + b` for one row. `scratch` holds the quantized row for an int8 dense fed f32.
pub fn dense(d: &Dense, input: Input, scratch: &mut [i8], frac_bits: u32, out: &mut [f32]) {
    match (d, input) {
        (Dense::F32 { inputs, w, b }, Input::F32(x)) => {
            for (o, y) in out.iter_mut().enumerate() {
                let row = o * inputs;
                let mut acc = 0.0f32;
                for (i, &v) in x.iter().enumerate() {
                    acc += v * w.get(row + i);
                }
                *y = acc + b.get(o);
            }
        }
        (Dense::F32 { .. }, Input::Int8(_)) => unreachable!("an f32 dense is fed f32"),
        (
            Dense::Int8 {
                inputs,
                w,
                x_scale,
                bias,
                multiplier,
                shift,
            },
            input,
        ) => {
            let x: &[i8] = match input {
                Input::Int8(x) => x,
                Input::F32(x) => {
                    quantize(x, *x_scale, &mut scratch[..*inputs]);
                    &scratch[..*inputs]
                }
            };
            let unit = 1.0 / (1u32 << frac_bits) as f32;
            let mask = (1i64 << frac_bits) - 1;
            for (o, y) in out.iter_mut().enumerate() {
                let acc = dot_i8(x, &w[o * inputs..(o + 1) * inputs]);
                let fixed = requantize(acc, multiplier.get(o), shift.get(o)) + bias.get(o) as i64;
                // Integer and fraction parts converted apart (i64 to f32 is a library call on a
                // Cortex-M): both exact, so the sum rounds once, as `fixed as f32 * unit` does.
                let (whole, fraction) = ((fixed >> frac_bits) as i32, (fixed & mask) as i32);
                *y = whole as f32 + fraction as f32 * unit;
            }
        }
    }
}

/// Layer normalization of one row, in place.
pub fn layer_norm(x: &mut [f32], norm: &Norm, eps: f32) {
    let n = x.len() as f32;
    let mean = x.iter().sum::<f32>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let inv = 1.0 / libm::sqrtf(var + eps);
    for (i, v) in x.iter_mut().enumerate() {
        *v = (*v - mean) * inv * norm.gamma.get(i) + norm.beta.get(i);
    }
}

/// The error function by Abramowitz and Stegun 7.1.28 (|error| <= 3e-7): a polynomial and a
/// 16th power, no exponential, so cheap on a Cortex-M4F; tract evaluates the same formula, so
/// GELU outputs (which are quantized next) round alike.
pub fn erf(x: f32) -> f32 {
    const A: [f32; 6] = [
        0.070_523_08,
        0.042_282_01,
        0.009_270_527,
        0.000_152_014_3,
        0.000_276_567_2,
        0.000_043_063_8,
    ];
    let a = x.abs();
    let mut p = A[5] * a;
    for &c in A[..5].iter().rev() {
        p = (c + p) * a;
    }
    let s2 = (p + 1.0) * (p + 1.0);
    let s4 = s2 * s2;
    let s8 = s4 * s4;
    (1.0 - 1.0 / (s8 * s8)).copysign(x)
}

/// GELU (the erf form), in place.
pub fn gelu(x: &mut [f32]) {
    for v in x {
        *v = 0.5 * *v * (1.0 + erf(*v * core::f32::consts::FRAC_1_SQRT_2));
    }
}

/// The logistic function.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_half_to_even_and_saturates() {
        let mut q = [0i8; 5];
        quantize(&[0.5, 1.5, -2.5, 300.0, -300.0], 1.0, &mut q);
        assert_eq!(q, [0, 2, -2, 127, -128]);
    }

    #[test]
    fn requantize_rounds_to_nearest() {
        // 0.75 in Q31 times 10 is 7.5: rounds up to 8; times -10 is -7.5: rounds up to -7.
        let m = (0.75 * (1u64 << 31) as f64) as i32;
        assert_eq!(requantize(10, m, 31), 8);
        assert_eq!(requantize(-10, m, 31), -7);
        assert_eq!(requantize(1 << 20, m, 31 + 4), 3 << 14);
    }

    #[test]
    fn erf_is_within_its_bound() {
        // erf(0.5), erf(1), erf(2) to 7 places.
        for (x, want) in [(0.5, 0.5204999), (1.0, 0.8427008), (2.0, 0.9953223)] {
            assert!(
                (erf(x) - want).abs() < 4e-7 && (erf(-x) + want).abs() < 4e-7,
                "{x}"
            );
        }
    }
}
