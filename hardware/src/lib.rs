//! hark-hardware: board profiles (compute, memory, power) and whether a model fits.
//!
//! The profiles and the fit check arrive with issue 6; the hardware tiers are already named by
//! `hark-train`'s presets.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]
