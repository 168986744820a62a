//! Supervised training: focal loss on random crops, AdamW with warmup and cosine decay,
//! validation event F1 on held-out files, checkpoints to resume from.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use hark::eval::score::{Counts, match_events};
use hark::stream::events::{EventRules, detect_all};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::data::batch::Cropper;
use crate::data::noise::NoiseBank;
use crate::data::recordings::{Recording, load_dir, split_by_file};
use crate::device::Compute;
use crate::distill::agreement::agreement;
use crate::distill::crops::{DistillBatch, DistillCropper};
use crate::distill::{DistillConfig, TeacherData};
use crate::inference::predict;
use crate::loss::{focal_loss, soft_bce};
use crate::student::config::StudentConfig;
use crate::student::model::Student;
use crate::student::presets::preset;
use crate::teacher::presets::{DEFAULT_WINDOW_S, is_teacher, teacher_preset};
use crate::teacher::pretrain::{PretrainFiles, read_architecture};

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
    /// A pretraining run whose encoder (architecture and weights) the model starts from.
    #[serde(default)]
    pub init: Option<PathBuf>,
    /// Share of the training files whose labels are used (chosen by file name, not by seed).
    #[serde(default = "all_labels")]
    pub label_fraction: f64,
    /// Name of class 0 (annotations are pooled into it).
    pub class_name: String,
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
    let classes = vec![cfg.class_name.clone()];
    if let Some(init) = &cfg.init {
        let mut arch = read_architecture(init)?;
        arch.classes = classes;
        return Ok(arch);
    }
    if is_teacher(&cfg.preset) {
        return teacher_preset(&cfg.preset, classes, DEFAULT_WINDOW_S);
    }
    preset(&cfg.preset, classes)
}

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

/// What is trained: the student, and a projection of its features onto the teacher's when
/// distilling features.
#[derive(Module, Debug)]
pub struct Trainee {
    pub student: Student,
    pub projection: Option<Linear>,
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
    EventRules {
        on: vec![cfg.on_threshold; student.classes.len()],
        off: vec![cfg.off_threshold; student.classes.len()],
        min_frames: (cfg.min_event_s as f64 / hop_s).round() as usize,
        merge_gap_frames: (cfg.merge_gap_s as f64 / hop_s).round() as usize,
        max_frames: (hark::stream::events::DEFAULT_MAX_EVENT_S / hop_s).round() as usize,
        hop_s,
    }
}

/// Event counts (class 0 against all annotations) of `model` on `recordings`.
pub fn validate(
    model: &Student,
    recordings: &[Recording],
    rules: &EventRules,
    device: &Device,
) -> Counts {
    let mut counts = Counts::default();
    for r in recordings {
        let probs = predict(model, &r.audio, device);
        let events = detect_all(rules.clone(), &probs);
        let predicted: Vec<(f64, f64)> = events
            .iter()
            .filter(|e| e.class == 0)
            .map(|e| (e.onset_s, e.offset_s))
            .collect();
        let reference: Vec<(f64, f64)> = r.events.iter().map(|e| (e.onset_s, e.offset_s)).collect();
        counts += match_events(&reference, &predicted, 0.3);
    }
    counts
}

/// Trains (or resumes) the run in `dir` up to `cfg.steps`, or stops early after step `stop_at`
/// (with a checkpoint, as if interrupted); returns the progress.
pub fn train(
    cfg: &TrainConfig,
    dir: &Path,
    resume: bool,
    stop_at: Option<u64>,
    show_progress: bool,
) -> Result<Progress> {
    let files = RunFiles {
        dir: dir.to_path_buf(),
    };
    let student_cfg = architecture(cfg)?;
    let plain = cfg.device.device()?;
    let device = plain.clone().autodiff();
    device.seed(cfg.seed);

    anyhow::ensure!(
        cfg.label_fraction > 0.0 && cfg.label_fraction <= 1.0,
        "the label fraction must be in (0, 1]"
    );
    let (train_set, val_set) = match &cfg.data {
        Some(data) => {
            let recordings = load_dir(data, cfg.csv.as_deref(), student_cfg.sample_rate)?;
            let (train_set, val_set) = split_by_file(recordings, cfg.val_fraction);
            // The files left out take the validation files' place in a second split by name.
            (
                split_by_file(train_set, 1.0 - cfg.label_fraction).0,
                val_set,
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let noise = NoiseBank::load(&cfg.noise, student_cfg.sample_rate)?.at_snr(cfg.noise_snr_db);
    if !noise.is_empty() {
        eprintln!(
            "backgrounds: {:.0} s of audio",
            noise.seconds(student_cfg.sample_rate)
        );
    }
    let teacher = match &cfg.distill {
        Some(d) => Some(TeacherData::load(
            cfg,
            d,
            &student_cfg,
            &train_set,
            show_progress,
        )?),
        None => None,
    };
    let (held_out, clips) = match &teacher {
        Some(t) => (t.held_out.as_slice(), t.clips),
        None => (&[][..], false),
    };
    anyhow::ensure!(
        !train_set.is_empty() || teacher.is_some(),
        "no training files left after the validation split"
    );
    anyhow::ensure!(
        !val_set.is_empty() || !held_out.is_empty(),
        "nothing to validate on: give annotated data, or enough unlabelled files to hold some out"
    );

    device.seed(cfg.seed);
    let projection = match (&teacher, &cfg.distill) {
        (Some(t), Some(d)) if d.feature_weight > 0.0 => {
            let dim = t
                .feature_dim
                .context("the teacher gives no features to regress")?;
            Some(LinearConfig::new(student_cfg.d_model, dim).init(&device))
        }
        _ => None,
    };
    let mut model = Trainee {
        student: student_cfg.init(&device),
        projection,
    };
    if let Some(init) = &cfg.init {
        let weights = PretrainFiles(init.clone()).encoder();
        model.student = model
            .student
            .try_load_file(&weights)
            .with_context(|| format!("loading the pretrained encoder {}.bpk", weights.display()))?;
    }
    if let Some(qat) = &cfg.qat {
        let weights = RunFiles {
            dir: qat.from.clone(),
        }
        .best();
        model.student = model
            .student
            .try_load_file(&weights)
            .with_context(|| format!("loading {}.bpk to fine-tune", weights.display()))?
            .with_fake_quant(Some(qat.steps.clone()))
            .map_err(anyhow::Error::msg)?;
    }
    let mut optim = AdamWConfig::new()
        .with_weight_decay(cfg.weight_decay)
        .with_epsilon(1e-8)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
        .init();
    let mut progress = Progress::default();
    if resume && files.checkpoint().join("progress.json").exists() {
        let ck = files.checkpoint();
        model = model
            .try_load_file(ck.join("model"))
            .context("loading the checkpoint's weights")?;
        optim = optim
            .load(ck.join("optim"))
            .context("loading the checkpoint's optimizer state")?;
        progress = serde_json::from_slice(&std::fs::read(ck.join("progress.json"))?)?;
        // The run's settings are now this command's; its provenance keeps every command it took.
        let first: TrainConfig = serde_json::from_slice(&std::fs::read(files.config())?)?;
        let resumed = TrainConfig {
            command: format!("{} && {}", first.command, cfg.command),
            ..cfg.clone()
        };
        std::fs::write(files.config(), serde_json::to_string_pretty(&resumed)?)?;
        eprintln!(
            "resuming at step {} (best {:.4} at step {})",
            progress.step, progress.best_f1, progress.best_step
        );
    } else {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let _ = std::fs::remove_file(files.metrics());
        std::fs::write(files.config(), serde_json::to_string_pretty(cfg)?)?;
        std::fs::write(files.student(), serde_json::to_string_pretty(&student_cfg)?)?;
        let names = |v: &[Recording]| v.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
        let split = serde_json::json!({
            "train": names(&train_set),
            "validation": names(&val_set),
            "unlabelled_held_out": held_out.iter().map(|i| &i.recording.name).collect::<Vec<_>>(),
        });
        std::fs::write(
            dir.join("split.json"),
            serde_json::to_string_pretty(&split)?,
        )?;
    }

    let (rate, hop) = (student_cfg.sample_rate, student_cfg.hop_samples());
    let crop_frames = match &teacher {
        // A clip teacher's window, in whole chunks.
        Some(t) if clips => {
            let frames = (t.window_s * rate as f64 / hop as f64).ceil() as usize;
            frames.div_ceil(student_cfg.chunk_frames) * student_cfg.chunk_frames
        }
        _ => cfg.crop_chunks * student_cfg.chunk_frames,
    };
    let crops = match &teacher {
        Some(t) => Crops::Teacher(DistillCropper {
            items: &t.items,
            noise: &noise,
            hard_weight: cfg.distill.as_ref().map_or(0.0, |d| d.hard_weight),
            keep_positives: cfg.distill.as_ref().is_some_and(|d| d.keep_positives),
            rate,
            hop,
            crop_frames,
            seed: cfg.seed,
            clips,
            features: model.projection.is_some(),
        }),
        None => Crops::Labels(Cropper::new(
            &train_set,
            &noise,
            rate,
            hop,
            crop_frames,
            cfg.seed,
        )),
    };
    let rules = event_rules(cfg, &student_cfg);
    let bar = if show_progress {
        ProgressBar::new(cfg.steps)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{elapsed_precise} [{bar:30}] {pos}/{len} steps, {msg} (eta {eta})",
    )?);
    bar.set_position(progress.step);
    let mut loss_sum = 0.0;
    let mut loss_n = 0u64;
    let mut last_f1 = f64::NAN;
    let crop_samples = crop_frames * hop;
    let mut stretch = Instant::now();
    let last = stop_at.unwrap_or(cfg.steps).min(cfg.steps);
    let feature_weight = cfg.distill.as_ref().map_or(0.0, |d| d.feature_weight);
    while progress.step < last {
        let step = progress.step;
        let batch = crops.batch(step, cfg.batch);
        let loss = step_loss(&model, batch, cfg, clips, feature_weight, &device);
        let loss_value: f32 = loss.clone().into_scalar::<f32>();
        anyhow::ensure!(
            loss_value.is_finite(),
            "the loss became {loss_value} at step {step}"
        );
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(learning_rate(cfg, step), model, grads);
        loss_sum += loss_value as f64;
        loss_n += 1;
        progress.step += 1;
        bar.inc(1);
        bar.set_message(format!(
            "loss {:.4}, validation {last_f1:.3}",
            loss_sum / loss_n as f64
        ));

        if progress.step % cfg.eval_every == 0 || progress.step == last {
            // Each step read its loss, so the device has finished it.
            let audio_s = (loss_n as usize * cfg.batch * crop_samples) as f64
                / student_cfg.sample_rate as f64;
            let speed = audio_s / stretch.elapsed().as_secs_f64();
            let eval_model = model.student.valid();
            let counts = validate(&eval_model, &val_set, &rules, &plain);
            let agreement =
                (!held_out.is_empty()).then(|| agreement(&eval_model, held_out, &plain));
            last_f1 = match agreement {
                Some(a) if val_set.is_empty() => a.f1,
                _ => counts.f1(),
            };
            let record = Evaluation {
                step: progress.step,
                loss: loss_sum / loss_n as f64,
                f1: last_f1,
                precision: counts.precision(),
                recall: counts.recall(),
                agreement_auc: agreement.map(|a| a.auc),
                agreement_f1: agreement.map(|a| a.f1),
                audio_hours_per_hour: Some(speed),
            };
            (loss_sum, loss_n) = (0.0, 0);
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(files.metrics())?;
            writeln!(log, "{}", serde_json::to_string(&record)?)?;
            if last_f1 > progress.best_f1 || progress.best_step == 0 {
                progress.best_f1 = last_f1;
                progress.best_step = progress.step;
                eval_model
                    .save_file(files.best())
                    .context("saving the best weights")?;
            }
            let ck = files.checkpoint();
            std::fs::create_dir_all(&ck)?;
            model
                .clone()
                .save_file(ck.join("model"))
                .context("saving the checkpoint")?;
            optim
                .save(ck.join("optim"))
                .context("saving the optimizer state")?;
            hark::sinks::write_atomic(
                &ck.join("progress.json"),
                serde_json::to_string(&progress)?.as_bytes(),
            )?;
            let mut line = format!("step {}: loss {:.4}", record.step, record.loss);
            if !val_set.is_empty() {
                line += &format!(
                    ", validation F1 {:.4} (P {:.3}, R {:.3})",
                    counts.f1(),
                    record.precision,
                    record.recall
                );
            }
            if let Some(a) = agreement {
                line += &format!(
                    ", teacher agreement AUC {:.4} F1 {:.4} ({} values, {} positive)",
                    a.auc, a.f1, a.values, a.positives
                );
            }
            // Logs keep the validation history when the bar is not drawn (no terminal).
            if bar.is_hidden() {
                eprintln!("{line}")
            } else {
                bar.println(line)
            }
            stretch = Instant::now();
        }
    }
    bar.finish();
    Ok(progress)
}

/// Where crops come from: annotations alone, or a teacher's tracks.
enum Crops<'a> {
    Labels(Cropper<'a>),
    Teacher(DistillCropper<'a>),
}

impl Crops<'_> {
    fn batch(&self, step: u64, batch: usize) -> DistillBatch {
        match self {
            Crops::Teacher(c) => c.batch(step, batch),
            Crops::Labels(c) => {
                let b = c.batch(step, batch);
                DistillBatch {
                    audio: b.audio,
                    targets: b.targets,
                    features: None,
                    clip: Vec::new(),
                    window: Vec::new(),
                }
            }
        }
    }
}

/// The loss of one batch: the focal loss on frame targets (annotations, teacher probabilities
/// or a mix), or for a clip teacher the cross-entropy between the student's pooled window
/// probability and the teacher's; plus the feature regression when it is on.
fn step_loss(
    model: &Trainee,
    batch: DistillBatch,
    cfg: &TrainConfig,
    clips: bool,
    feature_weight: f32,
    device: &Device,
) -> Tensor<1> {
    let b = cfg.batch;
    let (samples, frames) = (batch.audio.len() / b, batch.targets.len() / b);
    let audio = Tensor::<2>::from_data(TensorData::new(batch.audio, [b, samples]), device);
    let hidden = model
        .student
        .encode(model.student.front(audio))
        .pop()
        .expect("at least one layer");
    let logits = model.student.classify(hidden.clone()); // [b, t, classes]
    let logits = logits.narrow(2, 0, 1).reshape([b, frames]);
    let mut loss = if clips {
        let window = Tensor::<2>::from_data(TensorData::new(batch.window, [b, frames]), device);
        let clip = Tensor::<1>::from_data(TensorData::new(batch.clip, [b]), device);
        let p = sigmoid(logits) * window;
        let pooled: Tensor<1> = (p.clone().powf_scalar(2.0).sum_dim(1) / (p.sum_dim(1) + 1e-6))
            .reshape([b])
            .clamp(1e-6, 1.0 - 1e-6);
        let bce =
            clip.clone() * pooled.clone().log() + (clip.neg() + 1.0) * (pooled.neg() + 1.0).log();
        bce.mean().neg()
    } else {
        let targets = Tensor::<2>::from_data(TensorData::new(batch.targets, [b, frames]), device);
        match cfg.distill {
            Some(_) => soft_bce(logits, targets),
            None => focal_loss(logits, targets, cfg.focal_alpha, cfg.focal_gamma),
        }
    };
    if let (Some(projection), Some((dim, values))) = (&model.projection, batch.features) {
        let teacher = Tensor::<3>::from_data(TensorData::new(values, [b, frames, dim]), device);
        let error = (projection.forward(hidden) - teacher)
            .powf_scalar(2.0)
            .mean();
        loss = loss + error * feature_weight;
    }
    loss
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
