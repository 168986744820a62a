//! Writing ONNX models with hark's own exporter: streaming students (contract 1) and teachers
//! (contract 2).

pub mod firmware;
pub mod graph;
pub mod run;
pub mod student;
pub mod teacher;
pub mod variant;
