//! hark-hardware: the boards hark runs on, as data, and whether a model fits one.
//!
//! [`tier`] names the hardware tiers that `hark-train`'s presets are sized for; [`board`] holds
//! the board profiles (`hardware/boards/*.toml`, every figure with its source), and [`fit`] sets
//! a model's cost against a board. Without the `std` feature, only the tiers and the fit
//! arithmetic remain, for `no_std` builds.
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
pub mod board;
pub mod fit;
pub mod tier;
