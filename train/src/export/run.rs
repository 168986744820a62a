//! Exporting a trained run as a contract-1 model file.

use std::path::Path;

use anyhow::{Context, Result};
use burn::prelude::*;
use hark::contract::Contract;
use prost::Message;

use super::student::student_model;
use crate::student::model::Student;
use crate::training::{Progress, TrainConfig, load_best};

/// Event rules written into an exported model.
#[derive(Debug, Clone, Copy)]
pub struct EventDefaults {
    pub on: f32,
    pub off: f32,
    pub min_event_s: f32,
    pub merge_gap_s: f32,
}

impl TrainConfig {
    /// The event rules this run validates with and exports.
    pub fn event_defaults(&self) -> EventDefaults {
        EventDefaults {
            on: self.on_threshold,
            off: self.off_threshold,
            min_event_s: self.min_event_s,
            merge_gap_s: self.merge_gap_s,
        }
    }
}

/// The contract a student is exported with.
pub fn contract_for(
    model: &Student,
    rules: &EventDefaults,
    provenance: Vec<(&str, String)>,
) -> Contract {
    let c = model.config();
    Contract {
        sample_rate: c.sample_rate,
        chunk_samples: c.chunk_samples(),
        frames_per_chunk: c.chunk_frames,
        hop_samples: c.hop_samples(),
        latency_samples: c.chunk_samples(),
        classes: c.classes.clone(),
        on_thresholds: vec![rules.on; c.classes.len()],
        off_thresholds: vec![rules.off; c.classes.len()],
        min_event_s: rules.min_event_s,
        merge_gap_s: rules.merge_gap_s,
        quantization: "f32".into(),
        preset: c.preset.clone(),
        parameters: c.parameters(),
        macs_per_second: c.macs_per_second(),
        provenance: provenance
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

/// The ONNX bytes of a student with its contract.
pub fn student_onnx(model: &Student, contract: &Contract) -> Vec<u8> {
    student_model(model.config(), &model.weights(), contract).encode_to_vec()
}

/// The git revision of the working tree, if any.
pub fn git_revision() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Exports the best weights of the run in `dir` to `out`.
pub fn export_run(dir: &Path, out: &Path) -> Result<Contract> {
    let device = Device::flex();
    let (cfg, model) = load_best(dir, &device)?;
    let progress: Progress = std::fs::read(dir.join("checkpoint/progress.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let contract = contract_for(
        &model,
        &cfg.event_defaults(),
        vec![
            ("teacher", "none (supervised on annotations)".into()),
            (
                "data",
                format!(
                    "{} (validation: {:.0} % of files, split by file name hash)",
                    cfg.data.display(),
                    cfg.val_fraction * 100.0
                ),
            ),
            ("command", cfg.command.clone()),
            ("git_revision", git_revision()),
            ("seed", cfg.seed.to_string()),
            (
                "validation_f1",
                format!("{:.4} at step {}", progress.best_f1, progress.best_step),
            ),
        ],
    );
    hark::sinks::write_atomic(out, &student_onnx(&model, &contract))
        .with_context(|| format!("exporting to {}", out.display()))?;
    Ok(contract)
}
