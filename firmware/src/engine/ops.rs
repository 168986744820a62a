//! The engine's kernels on one row: int8 and f32 denses, layer norm, GELU.
//!
//! Rounding and operator order follow the int8 ONNX the blob is exported with, so the two
//! agree to well within one int8 step (tests/tests/firmware_parity.rs).

use crate::blob::{Dense, Norm};

/// `x` as int8 with step `scale`: round half to even, saturate (ONNX `QuantizeLinear`).
pub fn quantize(x: &[f32], scale: f32, out: &mut [i8]) {
    for (q, &v) in out.iter_mut().zip(x) {
        *q = round_to_i8(v / scale);
    }
}

/// `v` rounded half to even and saturated to int8. Below 2^22 in magnitude, adding and taking
/// away 1.5 * 2^23 rounds half to even in the FPU's default mode (a Cortex-M4F has no rounding
/// instruction, and `rintf` is a library call); anything larger stays beyond the int8 range
/// and saturates in the integer clamp (one SSAT), as do infinities; NaN becomes 0, as before.
#[inline]
fn round_to_i8(v: f32) -> i8 {
    const ROUND: f32 = 12_582_912.0;
    (((v + ROUND) - ROUND) as i32).clamp(-128, 127) as i8
}

/// Int32 dot product of an int8 row with an int8 weight row (i8 bytes).
#[inline]
fn dot_i8(x: &[i8], w: &[u8]) -> i32 {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    return super::dsp::dot_i8(x, w);
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    dot_i8_portable(x, w)
}

/// [`dot_i8`] of one row with two weight rows.
#[inline]
fn dot2_i8(x: &[i8], w0: &[u8], w1: &[u8]) -> [i32; 2] {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    return super::dsp::dot2_i8(x, w0, w1);
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    [dot_i8_portable(x, w0), dot_i8_portable(x, w1)]
}

/// [`dot_i8`] four at a time: the accumulators stay in registers (Cortex-M4: `ldrsb` and
/// `smlabb` pairs).
#[cfg(not(all(feature = "dsp", target_arch = "arm")))]
#[inline]
fn dot_i8_portable(x: &[i8], w: &[u8]) -> i32 {
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

/// [`requantize`] for the usual case, a shift below 32 and a result that fits in an i32, on
/// the 32-bit halves of the product (a 32-bit core has no 64-bit shifts).
#[inline(always)]
fn requantize_i32(acc: i32, multiplier: i32, shift: i32) -> Option<i32> {
    if !(1..32).contains(&shift) {
        return None;
    }
    let s = shift as u32;
    let rounded = acc as i64 * multiplier as i64 + (1u32 << (s - 1)) as i64;
    let (high, low) = ((rounded >> 32) as i32, rounded as u32);
    let result = ((low >> s) | ((high as u32) << (32 - s))) as i32;
    // It fits when the shifted high half is the result's sign.
    (high >> s == result >> 31).then_some(result)
}

/// A fixed-point value with `frac_bits` fraction bits as f32. Its integer and fraction parts
/// are converted apart (i64 to f32 is a library call on a Cortex-M): both exact, so the sum
/// rounds once, as `fixed as f32 * 2^-frac_bits` does.
#[inline(never)]
fn to_f32_wide(fixed: i64, frac_bits: u32) -> f32 {
    let mask = (1i64 << frac_bits) - 1;
    let (whole, fraction) = ((fixed >> frac_bits) as i32, (fixed & mask) as i32);
    whole as f32 + fraction as f32 / (1u32 << frac_bits) as f32
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
                let mut acc = 0.0f32;
                for (&v, w) in x.iter().zip(w.iter(o * inputs, *inputs)) {
                    acc += v * w;
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
            let finish = |o: usize, acc: i32| {
                let (m, s, b) = (multiplier.get(o), shift.get(o), bias.get(o));
                match requantize_i32(acc, m, s).and_then(|r| r.checked_add(b)) {
                    // Exact in i32, converted once: the nearest f32, as `to_f32_wide` gives.
                    Some(fixed) => fixed as f32 * unit,
                    None => to_f32_wide(requantize(acc, m, s) + b as i64, frac_bits),
                }
            };
            let row = |o: usize| &w[o * inputs..(o + 1) * inputs];
            let out_len = out.len();
            // Outputs in pairs, which share the loads of the input row.
            let mut pairs = out.chunks_exact_mut(2);
            for (pair, y) in (&mut pairs).enumerate() {
                let o = 2 * pair;
                let [a0, a1] = dot2_i8(x, row(o), row(o + 1));
                (y[0], y[1]) = (finish(o, a0), finish(o + 1, a1));
            }
            if let [y] = pairs.into_remainder() {
                let o = out_len - 1;
                *y = finish(o, dot_i8(x, row(o)));
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
    let n = x.len();
    let affine = norm.gamma.iter(0, n).zip(norm.beta.iter(0, n));
    for (v, (gamma, beta)) in x.iter_mut().zip(affine) {
        *v = (*v - mean) * inv * gamma + beta;
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
    fn rounding_to_int8_matches_rintf() {
        let want = |v: f32| libm::rintf(v).clamp(-128.0, 127.0) as i8;
        let mut v = -300.0f32;
        while v <= 300.0 {
            assert_eq!(round_to_i8(v), want(v), "{v}");
            v += 0.125;
        }
        let edges = [
            0.5, -0.5, 1.5, 2.5, 126.5, 127.5, -127.5, -128.5, 4194303.5, 8388609.0,
        ];
        let specials = [1e30, -1e30, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        for v in edges.into_iter().chain(specials) {
            assert_eq!(round_to_i8(v), want(v), "{v}");
        }
        // Every exponent and sign: random bit patterns.
        let mut bits = 0x9e37_79b9u32;
        for _ in 0..200_000 {
            bits ^= bits << 13;
            bits ^= bits >> 17;
            bits ^= bits << 5;
            let v = f32::from_bits(bits);
            assert_eq!(round_to_i8(v), want(v), "{v}");
        }
    }

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
    fn the_i32_requantization_agrees_where_it_applies() {
        let mut seed = 1u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let mut applied = 0;
        for _ in 0..100_000 {
            let acc = next() as i32 >> (next() % 24);
            let m = (next() >> 1) as i32;
            let shift = (next() % 40) as i32 + 1;
            if let Some(r) = requantize_i32(acc, m, shift) {
                assert_eq!(r as i64, requantize(acc, m, shift), "{acc} {m} {shift}");
                applied += 1;
            }
        }
        assert!(applied > 10_000, "{applied}");
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
