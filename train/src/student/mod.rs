//! The streaming student: architecture, presets, burn model, plain weights.

pub mod config;
pub mod fake_quant;
pub mod model;
pub mod presets;
pub mod weights;
