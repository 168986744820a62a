//! f32 or int8: which variant of a bundled model runs. Each target runs the one it executes
//! faster (measurements in docs/performance.md) unless the user asks for the other.

use std::fmt;

/// The number format of a default model's weights and matrix products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// 32-bit floats throughout.
    F32,
    /// int8 weight products (i8 x i8 -> i32), f32 elsewhere.
    Int8,
}

impl Precision {
    /// The faster precision on the targets measured (docs/performance.md): f32 on x86_64, where
    /// tract's AVX2 int8 kernel runs far below its f32 one, and f32 on aarch64 too, where the int8
    /// model executes more instructions per audio second than the f32 one (its quantize, pack and
    /// scale steps cost more than its int8 products save). Make this per target (`cfg!`) when a
    /// target measures the other way.
    pub const NATIVE: Precision = Precision::F32;

    /// `requested`, or the native precision; with a phrase saying why, for messages.
    pub fn choose(requested: Option<Precision>) -> (Precision, String) {
        match requested {
            Some(p) => (p, "as asked".into()),
            None => (
                Self::NATIVE,
                format!("the faster on {}", std::env::consts::ARCH),
            ),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_wins_over_the_native_precision() {
        assert_eq!(Precision::choose(Some(Precision::Int8)).0, Precision::Int8);
        assert_eq!(Precision::choose(None).0, Precision::NATIVE);
    }
}
