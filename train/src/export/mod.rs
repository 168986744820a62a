//! Writing models with hark's own exporter: streaming students (contract 1), teachers (contract
//! 2) and firmware blobs (contract 3), and the `hark.*` metadata a model file carries.

pub mod firmware;
pub mod graph;
pub mod metadata;
pub mod run;
pub mod student;
pub mod teacher;
pub mod variant;
