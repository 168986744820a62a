//! The model: a contract-1 ONNX file loaded into a tract plan, and the sessions that stream
//! audio through it chunk by chunk, carrying its state.
//!
//! [`load`] reads the file ([`protobuf`]), checks its [`contract`] and, for the CPU, applies the
//! [`rewrites`] before tract plans it on a [`backend`]. A [`session`] runs one stream, a
//! [`multi_session`] many per call, both fed by the [`chunker`]. [`bundled`] holds the models
//! built into the binary and [`precision`] picks which variant runs; [`cost`] says what a model
//! costs on a board; [`class_list`] reads a file of class names.

pub mod backend;
pub mod bundled;
pub mod chunker;
pub mod class_list;
pub mod contract;
pub mod cost;
pub mod load;
pub mod multi_session;
pub mod precision;
pub mod protobuf;
pub mod rewrites;
pub mod session;

pub use load::{Model, ModelError, StateShape};
