//! hark-train: the host side of hark. Annotated audio in, streaming student models out.

pub mod data;
pub mod device;
pub mod distill;
pub mod export;
pub mod inference;
pub mod perturb;
pub mod progress;
pub mod quantize;
pub mod rules;
pub mod student;
pub mod synth;
pub mod teacher;
pub mod training;
