//! `hark-train train` and `finetune`, and the training flags `distill` shares: the flags become
//! a `TrainConfig`, and the run's best F1 is printed at the end.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use hark_train::distill::DistillConfig;
use hark_train::student::presets::{BASE_RATE, DEFAULT_PRESET};
use hark_train::training::{TrainConfig, train as train_run};

use super::db_range::db_range;
use super::flags::DeviceFlag;

#[derive(clap::Args)]
pub struct FinetuneArgs {
    /// Pretraining run folder (`hark-train pretrain --out`) to start from.
    #[arg(long)]
    init: Option<PathBuf>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Folder of annotated WAV/FLAC recordings (searched recursively); optional for distill.
    #[arg(long, visible_alias = "labels")]
    data: Option<PathBuf>,
    /// Annotation CSV (`file,onset_s,offset_s,...`, files relative to the CSV); default: Raven tables next to each file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Run folder for the config, checkpoints, metrics and best weights.
    #[arg(long, short)]
    out: PathBuf,
    /// Architecture preset (see `hark-train presets`) [default: recorder; teacher-cpu for finetune].
    #[arg(long)]
    preset: Option<String>,
    /// Sample rate of the model, Hz: a multiple of the preset's hop step (16000, 32000 and
    /// 48000 are); the audio is resampled to it [default: 16000, or the pretrained encoder's].
    #[arg(long)]
    rate: Option<u32>,
    /// Name of the target class, which learns every annotation.
    #[arg(long, default_value = "vocalization")]
    class_name: String,
    /// Classes to learn from the tables' labels (Raven `Annotation`, CSV `label`), one output
    /// each: a file of names, one per line, or names separated by commas (`0,1,2`, species).
    /// Annotations with other labels are negatives for every class.
    #[arg(long, value_name = "FILE|NAMES", conflicts_with = "class_name")]
    classes: Option<String>,
    /// Random seed (weights, crops, augmentation).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Optimizer steps.
    #[arg(long, default_value_t = 3000)]
    steps: u64,
    /// Crops per step.
    #[arg(long, default_value_t = 8)]
    batch: usize,
    /// Crop length in chunks [default: 25; 1 (the teacher's window) for finetune].
    #[arg(long)]
    crop_chunks: Option<usize>,
    /// Peak learning rate [default: 2e-3; 5e-4 for finetune].
    #[arg(long)]
    lr: Option<f64>,
    /// Share of the training files whose labels are used (by file name, as the split).
    #[arg(long, default_value_t = 1.0)]
    label_fraction: f64,
    /// Linear warmup steps.
    #[arg(long, default_value_t = 200)]
    warmup: u64,
    /// AdamW decoupled weight decay.
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f32,
    /// Share of files held out for validation (chosen by file name, not by seed).
    #[arg(long, default_value_t = 0.2)]
    val_fraction: f64,
    /// Validate and checkpoint every N steps.
    #[arg(long, default_value_t = 250)]
    eval_every: u64,
    /// Focal loss alpha (weight of positives).
    #[arg(long, default_value_t = 0.5)]
    focal_alpha: f32,
    /// Focal loss gamma.
    #[arg(long, default_value_t = 2.0)]
    focal_gamma: f32,
    /// Probability that opens an event.
    #[arg(long, default_value_t = 0.5)]
    on_threshold: f32,
    /// Probability below which an event closes.
    #[arg(long, default_value_t = 0.4)]
    off_threshold: f32,
    /// Shortest event kept, seconds.
    #[arg(long, default_value_t = 0.02)]
    min_event: f32,
    /// Events closer than this are merged, seconds.
    #[arg(long, default_value_t = 0.0)]
    merge_gap: f32,
    /// Continue from the run folder's last checkpoint (give the same --noise folders).
    #[arg(long)]
    resume: bool,
    /// Background folder (WAV/FLAC, recursive; repeatable) mixed into half the crops as "no target".
    #[arg(long)]
    noise: Vec<PathBuf>,
    /// Range of the song's level over the background's, dB: LOW,HIGH (drawn uniformly per crop).
    #[arg(long, value_parser = db_range, default_value = "0,30", allow_hyphen_values = true)]
    noise_snr: (f32, f32),
    /// Train on the CPU, on a GPU through Vulkan (a build with `--features gpu`), or on an
    /// NVIDIA GPU through CUDA (`--features cuda`).
    #[arg(long, value_enum, default_value_t = DeviceFlag::Cpu)]
    device: DeviceFlag,
}

/// The names `--classes` gives: the class list in the file `list` names, or else `list`'s
/// comma-separated names.
fn class_names(list: &str) -> Result<Vec<String>> {
    let path = std::path::Path::new(list);
    if path.is_file() {
        return hark::model::class_list::read(path).context("--classes");
    }
    let names: Vec<String> = list.split(',').map(|n| n.trim().to_string()).collect();
    if let Some(i) = names.iter().position(|n| n.is_empty()) {
        bail!(
            "--classes: name {} of `{list}` is empty (and no such file exists)",
            i + 1
        );
    }
    if let Some(n) = names
        .iter()
        .find(|n| names.iter().filter(|m| m == n).count() > 1)
    {
        bail!("--classes: `{n}` is named twice");
    }
    Ok(names)
}

/// What a subcommand trains when its flags leave them out.
pub struct Defaults {
    pub preset: &'static str,
    pub crop_chunks: usize,
    pub lr: f64,
}

/// A student's: the recorder tier, 25-chunk crops.
pub const STUDENT: Defaults = Defaults {
    preset: DEFAULT_PRESET,
    crop_chunks: 25,
    lr: 2e-3,
};

/// `hark-train train`.
pub fn train(a: TrainArgs) -> Result<()> {
    run(a, None, None, STUDENT)
}

/// `hark-train finetune`: a teacher, one window per crop.
pub fn finetune(f: FinetuneArgs) -> Result<()> {
    let teacher = Defaults {
        preset: "teacher-cpu",
        crop_chunks: 1,
        lr: 5e-4,
    };
    run(f.train, f.init, None, teacher)
}

/// Trains from the flags `a`, a pretrained encoder `init` and a teacher `distill`, with the
/// subcommand's `defaults`.
pub fn run(
    a: TrainArgs,
    init: Option<PathBuf>,
    distill: Option<DistillConfig>,
    defaults: Defaults,
) -> Result<()> {
    anyhow::ensure!(
        a.data.is_some() || distill.is_some(),
        "give the annotated recordings with --data"
    );
    let pretrained = init
        .as_deref()
        .map(hark_train::teacher::pretrain::read_architecture)
        .transpose()?;
    let preset = a.preset.unwrap_or_else(|| match &pretrained {
        Some(arch) => arch.preset.clone(),
        None => defaults.preset.to_string(),
    });
    let rate = a.rate.unwrap_or(
        pretrained
            .as_ref()
            .map_or(BASE_RATE, |arch| arch.sample_rate),
    );
    let cfg = TrainConfig {
        data: a.data,
        csv: a.csv,
        noise: a.noise,
        noise_snr_db: a.noise_snr,
        preset,
        rate,
        init,
        label_fraction: a.label_fraction,
        class_name: a.class_name,
        classes: match &a.classes {
            Some(list) => class_names(list)?,
            None => vec![],
        },
        seed: a.seed,
        steps: a.steps,
        batch: a.batch,
        crop_chunks: a.crop_chunks.unwrap_or(defaults.crop_chunks),
        lr: a.lr.unwrap_or(defaults.lr),
        warmup: a.warmup,
        weight_decay: a.weight_decay,
        val_fraction: a.val_fraction,
        eval_every: a.eval_every.max(1),
        focal_alpha: a.focal_alpha,
        focal_gamma: a.focal_gamma,
        on_threshold: a.on_threshold,
        off_threshold: a.off_threshold,
        min_event_s: a.min_event,
        merge_gap_s: a.merge_gap,
        distill,
        qat: None,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        device: a.device.into(),
    };
    let progress = train_run(&cfg, &a.out, a.resume, None, true)?;
    println!(
        "best validation F1 {:.4} at step {}; weights in {}",
        progress.best_f1,
        progress.best_step,
        a.out.join("best.bpk").display()
    );
    Ok(())
}
