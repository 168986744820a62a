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

/// The default model, embedded in the binary: see docs/quality.md for how it was trained.
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../models/default.onnx");

/// The default model quantized to int8 (`train/recipes/default-int8.sh`), also embedded:
/// [`model::precision`] says which of the two a target runs.
pub const DEFAULT_INT8_MODEL: &[u8] = include_bytes!("../models/default-int8.onnx");

/// The f32 default model re-exported to run 8 chunks per call (`hark-train archive`): the same
/// probabilities from larger products, for `hark detect` on files (docs/performance.md).
pub const DEFAULT_ARCHIVE_MODEL: &[u8] = include_bytes!("../models/default-archive.onnx");
