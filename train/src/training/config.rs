//! Everything that defines a training run (`TrainConfig`, saved as `config.json` before it
//! starts), and what follows from it: the architecture, the learning rate, the event rules.

use std::path::PathBuf;

use anyhow::Result;
use hark::stream::events::{DEFAULT_MAX_EVENT_S, EventRules};
use serde::{Deserialize, Serialize};

use crate::device::Compute;
use crate::distill::DistillConfig;
use crate::student::config::StudentConfig;
use crate::student::presets::preset;
use crate::teacher::presets::{DEFAULT_WINDOW_S, is_teacher, teacher_preset};
use crate::teacher::pretrain::read_architecture;

/// Everything that defines a training run; saved as `config.json` before training starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Folder of annotated audio (optional when distilling).
    pub data: Option<PathBuf>,
    /// Annotation CSV instead of Raven tables next to the audio.
    pub csv: Option<PathBuf>,
    /// Background folders mixed into crops as "no target" (`data::augment`).
    #[serde(default)]
    pub noise: Vec<PathBuf>,
    /// Range of the song's level over the backgrounds', dB.
    #[serde(default = "default_noise_snr")]
    pub noise_snr_db: (f32, f32),
    /// Architecture preset (a student tier, or a teacher preset for fine-tuning from scratch).
    pub preset: String,
    /// Sample rate of the model, Hz (audio is resampled to it; a pretrained encoder keeps its own).
    #[serde(default = "crate::student::presets::base_rate")]
    pub rate: u32,
    /// A pretraining run whose encoder (architecture and weights) the model starts from.
    #[serde(default)]
    pub init: Option<PathBuf>,
    /// Share of the training files whose labels are used (chosen by file name, not by seed).
    #[serde(default = "all_labels")]
    pub label_fraction: f64,
    /// Name of class 0 (annotations are pooled into it) when `classes` is empty.
    pub class_name: String,
    /// One output per name, each learning the annotations labelled with it (species, call
    /// types); annotations with other labels are negatives for every class. Empty: one output,
    /// `class_name`, for every annotation.
    #[serde(default)]
    pub classes: Vec<String>,
    pub seed: u64,
    pub steps: u64,
    pub batch: usize,
    /// Crop length in chunks.
    pub crop_chunks: usize,
    pub lr: f64,
    pub warmup: u64,
    pub weight_decay: f32,
    /// Share of files held out for validation.
    pub val_fraction: f64,
    pub eval_every: u64,
    pub focal_alpha: f32,
    pub focal_gamma: f32,
    /// Event rules written into the exported model and used for validation F1.
    pub on_threshold: f32,
    pub off_threshold: f32,
    pub min_event_s: f32,
    pub merge_gap_s: f32,
    /// Distillation from a teacher, when set.
    #[serde(default)]
    pub distill: Option<DistillConfig>,
    /// Quantization-aware fine-tuning of another run's student, when set.
    #[serde(default)]
    pub qat: Option<QatConfig>,
    /// The command line that started the run.
    pub command: String,
    /// What it trains on.
    #[serde(default)]
    pub device: Compute,
}

impl TrainConfig {
    /// The names of the outputs, in order.
    pub fn class_names(&self) -> Vec<String> {
        if self.classes.is_empty() {
            vec![self.class_name.clone()]
        } else {
            self.classes.clone()
        }
    }

    /// What the validation figure is.
    pub fn validation_metric(&self) -> &'static str {
        if self.data.is_some() {
            "event F1"
        } else {
            "teacher agreement F1"
        }
    }
}

/// Quantization-aware fine-tuning (`hark-train quantize --qat`): start from a run's best
/// weights and train with its weight matmuls fake-quantized at calibrated input steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QatConfig {
    /// The run whose best weights are fine-tuned.
    pub from: PathBuf,
    /// Input steps of the weight matmuls (`Student::with_fake_quant`).
    pub steps: Vec<f32>,
}

fn all_labels() -> f64 {
    1.0
}

fn default_noise_snr() -> (f32, f32) {
    crate::data::noise::SNR_DB
}

/// The architecture a run trains: the pretrained encoder's, a teacher preset's, or a student tier's.
pub fn architecture(cfg: &TrainConfig) -> Result<StudentConfig> {
    let classes = cfg.class_names();
    if let Some(init) = &cfg.init {
        let mut arch = read_architecture(init)?;
        anyhow::ensure!(
            arch.sample_rate == cfg.rate,
            "the pretrained encoder in {} runs at {} Hz, not at the {} Hz asked for",
            init.display(),
            arch.sample_rate,
            cfg.rate
        );
        arch.classes = classes;
        return Ok(arch);
    }
    if is_teacher(&cfg.preset) {
        return teacher_preset(&cfg.preset, cfg.rate, classes, DEFAULT_WINDOW_S);
    }
    preset(&cfg.preset, cfg.rate, classes)
}

/// Learning rate at `step`: linear warmup, then cosine decay to zero.
pub fn learning_rate(cfg: &TrainConfig, step: u64) -> f64 {
    if step < cfg.warmup {
        return cfg.lr * (step + 1) as f64 / cfg.warmup as f64;
    }
    let t = (step - cfg.warmup) as f64 / (cfg.steps - cfg.warmup).max(1) as f64;
    cfg.lr * 0.5 * (1.0 + (std::f64::consts::PI * t.min(1.0)).cos())
}

/// The event rules a run validates with and exports.
pub fn event_rules(cfg: &TrainConfig, student: &StudentConfig) -> EventRules {
    let hop_s = student.hop_samples() as f64 / student.sample_rate as f64;
    let classes = student.classes.len();
    EventRules::from_seconds(
        vec![cfg.on_threshold; classes],
        vec![cfg.off_threshold; classes],
        hop_s,
        cfg.min_event_s as f64,
        cfg.merge_gap_s as f64,
        DEFAULT_MAX_EVENT_S,
    )
}
