//! Writing contract-1 ONNX models with hark's own exporter.

pub mod graph;
pub mod run;
pub mod student;
