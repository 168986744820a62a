//! Training a student (or fine-tuning a teacher): the run's settings (`config`), its losses
//! (`losses`), and the loop that trains, validates and checkpoints (`run`).

pub mod config;
mod crops;
pub mod losses;
pub mod run;
pub mod run_files;
pub mod trainee;
pub mod validate;

pub use config::{QatConfig, TrainConfig, architecture, event_rules, learning_rate};
pub use run::train;
pub use run_files::{Evaluation, Progress, RunFiles, load_best};
pub use trainee::Trainee;
pub use validate::validate;
