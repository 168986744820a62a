//! What a run keeps in its folder: the file names, the progress a checkpoint remembers, one
//! line of the metrics log, and reading the best weights back.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::module::Module;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use crate::student::config::StudentConfig;
use crate::student::model::Student;

/// What a checkpoint remembers besides weights and optimizer state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    pub step: u64,
    pub best_f1: f64,
    pub best_step: u64,
}

/// One line of `metrics.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    pub step: u64,
    pub loss: f64,
    pub f1: f64,
    pub precision: f64,
    pub recall: f64,
    /// Agreement with the teacher on held-out unlabelled files, when distilling.
    #[serde(default)]
    pub agreement_auc: Option<f64>,
    #[serde(default)]
    pub agreement_f1: Option<f64>,
    /// Training speed since the previous evaluation, in audio hours per hour (the evaluation
    /// itself not counted).
    #[serde(default)]
    pub audio_hours_per_hour: Option<f64>,
}

/// The files a run writes into its folder.
pub struct RunFiles {
    pub dir: PathBuf,
}

impl RunFiles {
    pub fn config(&self) -> PathBuf {
        self.dir.join("config.json")
    }
    pub fn student(&self) -> PathBuf {
        self.dir.join("student.json")
    }
    pub fn checkpoint(&self) -> PathBuf {
        self.dir.join("checkpoint")
    }
    /// Best weights by validation F1 (burn adds `.bpk`).
    pub fn best(&self) -> PathBuf {
        self.dir.join("best")
    }
    pub fn metrics(&self) -> PathBuf {
        self.dir.join("metrics.jsonl")
    }
}

/// Loads a run's best weights for inference.
pub fn load_best(dir: &Path, device: &Device) -> Result<(TrainConfig, Student)> {
    let files = RunFiles {
        dir: dir.to_path_buf(),
    };
    let read = |p: PathBuf| std::fs::read(&p).with_context(|| format!("reading {}", p.display()));
    let cfg: TrainConfig = serde_json::from_slice(&read(files.config())?)?;
    let student_cfg: StudentConfig = serde_json::from_slice(&read(files.student())?)?;
    let model = student_cfg
        .init(device)
        .try_load_file(files.best())
        .with_context(|| format!("loading {}.bpk", files.best().display()))?;
    Ok((cfg, model))
}
