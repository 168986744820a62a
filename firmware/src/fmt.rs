//! Logging: defmt's macros with the `defmt` feature, nothing without it (so host builds and
//! tests need no global logger).

macro_rules! info {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::info!($($arg)*);
    }};
}
