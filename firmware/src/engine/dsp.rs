//! The int8 dot product on the Cortex-M4/M7 DSP extension (feature `dsp`, thumbv7em targets):
//! four bytes per load, sign-extended in pairs (SXTB16) and multiplied-accumulated in pairs
//! (SMLAD), where the portable loop needs two byte loads and a multiply per product. Stable Rust
//! has no intrinsics for these, hence inline assembly; the result is the same exact integer.
#![allow(unsafe_code)]

use core::arch::asm;

/// Bytes 0 and 2 of `v`, sign-extended into the low and high halfwords.
#[inline(always)]
fn even_bytes(v: u32) -> u32 {
    let r;
    // SAFETY: a register-only instruction.
    unsafe {
        asm!("sxtb16 {r}, {v}", r = lateout(reg) r, v = in(reg) v, options(pure, nomem, nostack))
    };
    r
}

/// Bytes 1 and 3 of `v`, sign-extended into the low and high halfwords.
#[inline(always)]
fn odd_bytes(v: u32) -> u32 {
    let r;
    // SAFETY: a register-only instruction.
    unsafe {
        asm!("sxtb16 {r}, {v}, ror #8", r = lateout(reg) r, v = in(reg) v, options(pure, nomem, nostack))
    };
    r
}

/// `acc` plus the products of the low and of the high halfwords of `a` and `b`.
#[inline(always)]
fn smlad(a: u32, b: u32, acc: i32) -> i32 {
    let r;
    // SAFETY: a register-only instruction.
    unsafe {
        asm!("smlad {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b,
            acc = in(reg) acc, options(pure, nomem, nostack))
    };
    r
}

/// The int32 dot product of an int8 row with an int8 weight row (as bytes); `x` and `w` have
/// the same length.
#[inline]
pub fn dot_i8(x: &[i8], w: &[u8]) -> i32 {
    let (xs, ws) = (x.chunks_exact(4), w.chunks_exact(4));
    let tail = super::ops::dot_i8_portable(xs.remainder(), ws.remainder());
    let mut acc = [0i32; 2];
    for (a, b) in xs.zip(ws) {
        let a = u32::from_le_bytes([a[0] as u8, a[1] as u8, a[2] as u8, a[3] as u8]);
        let b = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        acc[0] = smlad(even_bytes(a), even_bytes(b), acc[0]);
        acc[1] = smlad(odd_bytes(a), odd_bytes(b), acc[1]);
    }
    acc[0] + acc[1] + tail
}
