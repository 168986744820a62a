//! Exporting a trained run as a contract-1 model file.

use std::path::Path;

use anyhow::{Context, Result};
use burn::prelude::*;
use hark::model::contract::{Boundaries, Contract};
use prost::Message;

use super::student::{CallShape, student_model};
use super::teacher::teacher_model;
use crate::student::config::StudentConfig;
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
        boundaries: Boundaries::Model,
        quantization: "f32".into(),
        preset: c.preset.clone(),
        parameters: c.parameters(),
        macs_per_second: c.macs_per_second(),
        streams: 1,
        provenance: provenance
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

/// The ONNX bytes of a student with its contract (one chunk of `contract.streams` streams per call).
pub fn student_onnx(model: &Student, contract: &Contract) -> Vec<u8> {
    let shape = CallShape {
        chunks: 1,
        streams: contract.streams,
    };
    student_model(model.config(), &model.weights(), contract, shape).encode_to_vec()
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

/// What a run's model was trained from, for its provenance metadata.
fn provenance(cfg: &TrainConfig, progress: &Progress) -> Vec<(&'static str, String)> {
    let teacher = match (&cfg.distill, &cfg.init) {
        (Some(d), _) => d.teacher_name(),
        (None, Some(init)) => format!(
            "none (fine-tuned from the pretrained encoder {})",
            init.display()
        ),
        (None, None) => "none (supervised on annotations)".into(),
    };
    let data = match &cfg.data {
        Some(data) => format!(
            "{} (validation: {:.0} % of files, split by file name hash; labels used: {:.0} % of training files)",
            data.display(),
            cfg.val_fraction * 100.0,
            cfg.label_fraction * 100.0,
        ),
        None => "no annotations".into(),
    };
    vec![
        ("teacher", teacher),
        ("data", data),
        ("command", cfg.command.clone()),
        ("git_revision", git_revision()),
        ("seed", cfg.seed.to_string()),
        (
            "validation",
            format!(
                "{} {:.4} at step {}",
                cfg.validation_metric(),
                progress.best_f1,
                progress.best_step
            ),
        ),
    ]
}

/// Exports the best weights of the run in `dir` to `out`: a streaming student (contract 1), or
/// with `teacher` a bidirectional teacher (contract 2). A student runs `streams` independent
/// streams per call. Returns the architecture.
pub fn export_run(dir: &Path, out: &Path, teacher: bool, streams: usize) -> Result<StudentConfig> {
    anyhow::ensure!(streams >= 1, "a model runs at least one stream");
    let device = Device::flex();
    let (cfg, model) = load_best(dir, &device)?;
    let progress: Progress = std::fs::read(dir.join("checkpoint/progress.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let arch = model.config().clone();
    let bidirectional = arch.past_chunks == 0;
    let bytes = if teacher {
        anyhow::ensure!(
            bidirectional,
            "{} holds a streaming student; export it without --teacher",
            dir.display()
        );
        let provenance = provenance(&cfg, &progress)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        teacher_model(&arch, &model.weights(), provenance).encode_to_vec()
    } else {
        anyhow::ensure!(
            !bidirectional,
            "{} holds a teacher (one bidirectional window); export it with --teacher",
            dir.display()
        );
        let mut contract = contract_for(&model, &cfg.event_defaults(), provenance(&cfg, &progress));
        contract.streams = streams;
        student_onnx(&model, &contract)
    };
    hark::sinks::write_atomic(out, &bytes)
        .with_context(|| format!("exporting to {}", out.display()))?;
    Ok(arch)
}
