//! hark-firmware: the int8 engine and streaming detector for Cortex-M recorders.
//!
//! `#![no_std]`, allocation-free and without unsafe code but for the DSP instructions of the
//! `dsp` feature (inline assembly, `engine::dsp`). The engine reads the `.hmb` blob
//! (contract 3, [`blob`]) in place from flash and runs in RAM its caller lends it
//! ([`engine::Engine`]); the [`detector::Detector`] chunks a sample stream through it and
//! reports [`events`] through a small trait; [`pacing`] tells how far it runs behind real time.
//! Logging goes through defmt with the `defmt` feature and compiles to nothing without it
//! ([`fmt`]).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
pub mod fmt;

pub mod blob;
pub mod detector;
pub mod engine;
pub mod events;
pub mod pacing;

pub use blob::{Blob, BlobError};
pub use detector::{Detector, Event, EventSink};
pub use engine::{ArenaSizes, Engine, EngineError};
