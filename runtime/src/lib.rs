//! hark: a streaming runtime that listens for animal vocalizations in raw audio.
//!
//! Data flow: [`inputs`] → [`decode`] → [`resample`] → [`chunker`] → [`engine`] (a
//! [`session`] of a [`model`], or the [`energy`] baseline) → [`events`] → [`sinks`], driven by
//! [`pipeline`]. A [`multi_session`] runs many streams through one model call per chunk.
//! [`eval`] scores events against [`annotations`].

pub mod annotations;
pub mod backend;
pub mod bench;
pub mod capture;
pub mod chunker;
pub mod contract;
pub mod decode;
pub mod each_channel;
pub mod energy;
pub mod engine;
pub mod eval;
pub mod events;
pub mod fast_paths;
pub mod fit;
pub mod inputs;
pub mod model;
pub mod multi_session;
pub mod onnx_proto;
pub mod pipeline;
pub mod precision;
pub mod resample;
pub mod session;
pub mod sinks;
pub mod source;

/// The default model, embedded in the binary: see docs/quality.md for how it was trained.
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../models/default.onnx");

/// The default model quantized to int8 (`train/recipes/default-int8.sh`), also embedded:
/// [`precision`] says which of the two a target runs.
pub const DEFAULT_INT8_MODEL: &[u8] = include_bytes!("../models/default-int8.onnx");

/// The f32 default model re-exported to run 8 chunks per call (`hark-train archive`): the same
/// probabilities from larger products, for `hark detect` on files (docs/performance.md).
pub const DEFAULT_ARCHIVE_MODEL: &[u8] = include_bytes!("../models/default-archive.onnx");
