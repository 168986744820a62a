//! hark: a streaming runtime that listens for animal vocalizations in raw audio.
//!
//! Data flow, one folder a stage (ARCHITECTURE.md draws it):
//! [`audio`] (recordings, decode, capture, resample) → [`model`] (chunker, session) or the
//! energy detector → [`stream`] (engine, events) → [`sinks`]. [`eval`] scores events against
//! annotations; [`bench`](mod@bench) measures how fast a model streams.

pub mod audio;
pub mod bench;
pub mod eval;
pub mod model;
pub mod sinks;
pub mod stream;

/// The general detector ("any animal", class `call`, 32 kHz), the bundled default
/// (`train/recipes/general-model.sh`, docs/quality.md): f32, and quantized to int8.
pub const GENERAL_MODEL: &[u8] = include_bytes!("../models/general.onnx");
pub const GENERAL_INT8_MODEL: &[u8] = include_bytes!("../models/general-int8.onnx");

/// The Bengalese finch syllable detector (16 kHz, `train/recipes/finch-model.sh`), bundled in
/// f32. Its int8 and archive-mode variants (`finch-int8.sh`, `finch-archive.sh`) are kept for
/// the tests and benchmarks, not built into the binary: a constant takes space only where used.
pub const FINCH_MODEL: &[u8] = include_bytes!("../models/finch.onnx");
pub const FINCH_INT8_MODEL: &[u8] = include_bytes!("../models/finch-int8.onnx");
pub const FINCH_ARCHIVE_MODEL: &[u8] = include_bytes!("../models/finch-archive.onnx");
