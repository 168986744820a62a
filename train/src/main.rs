//! `hark-train`: train and export streaming students.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use hark::model::protobuf::ModelProto;
use hark_train::device::Compute;
use hark_train::distill::DistillConfig;
use hark_train::distill::tracks::TrackSource;
use hark_train::export::firmware::export_firmware;
use hark_train::export::run::export_run;
use hark_train::export::student::CallShape;
use hark_train::export::variant::call_variant;
use hark_train::perturb::{PerturbConfig, write_perturbed};
use hark_train::student::presets::{DEFAULT_PRESET, PRESETS};
use hark_train::synth::{Split, SynthConfig, synthesize};
use hark_train::teacher::label::{LabelRules, label};
use hark_train::teacher::presets::{DEFAULT_WINDOW_S, TEACHER_PRESETS, teacher_preset};
use hark_train::teacher::pretrain::{PretrainConfig, pretrain};
use hark_train::training::{TrainConfig, train};
use prost::Message;

#[derive(Parser)]
#[command(
    name = "hark-train",
    version,
    about = "Train and export hark's streaming students"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a student on annotated recordings (Raven tables next to the audio, or a CSV).
    Train(TrainArgs),
    /// Fine-tune a teacher on annotated recordings: from a pretrained encoder (--init), or from
    /// scratch (--preset teacher-cpu) for comparison. Frame-level, sigmoid focal loss.
    Finetune(FinetuneArgs),
    /// Distill a streaming student from a teacher ONNX model (contract 2) over labelled and
    /// unlabelled audio; the teacher's outputs are cached, so reruns are cheap.
    Distill(DistillArgs),
    /// Export a run's best weights: a contract-1 streaming student, or with --teacher a
    /// contract-2 teacher; or with --firmware, an int8 student's firmware blob (.hmb).
    Export {
        /// The run folder written by `hark-train train`, `finetune` or `distill`.
        #[arg(long, required_unless_present = "firmware")]
        run: Option<PathBuf>,
        /// The model file to write.
        #[arg(long, short)]
        out: PathBuf,
        /// Export a fine-tuned teacher (one window in; frame logits and features out).
        #[arg(long, conflicts_with = "firmware")]
        teacher: bool,
        /// Write the firmware blob (contract 3) of the int8 student given by --model.
        #[arg(long, requires = "model", conflicts_with = "run")]
        firmware: bool,
        /// The int8 student (from `hark-train quantize --front`) whose blob --firmware writes.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Independent streams per call (a student's fixed batch: B channels or microphones
        /// through one model call per chunk, each with its own state).
        #[arg(long, default_value_t = 1, conflicts_with_all = ["teacher", "firmware"])]
        batch: usize,
    },
    /// Re-export a streaming student to run K chunks per call: archive mode, for files (the same
    /// probabilities from larger products, at K times the latency).
    Archive {
        /// The f32 streaming student (contract 1, from `hark-train export`).
        #[arg(long)]
        model: PathBuf,
        /// Chunks per call.
        #[arg(long, default_value_t = 8)]
        chunks: usize,
        /// The model file to write.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Re-export a streaming student to run B independent streams per call (channels of a
    /// multichannel recorder, many microphones; for `hark bench --streams B` and GPUs): each
    /// stream's probabilities are what it gives alone.
    Batch {
        /// The f32 streaming student (contract 1, from `hark-train export`).
        #[arg(long)]
        model: PathBuf,
        /// Streams per call.
        #[arg(long)]
        batch: usize,
        /// The model file to write.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Tune a student's event rules (opening and closing probability, shortest event) for the
    /// best event F1 on annotated recordings, and write them into a copy of the model. Tune on
    /// recordings kept out of training and out of every set whose numbers you report.
    Rules {
        /// The streaming student (contract 1).
        #[arg(long)]
        model: PathBuf,
        /// Annotated recordings to tune on (Raven tables next to the audio, or --csv).
        #[arg(long)]
        data: PathBuf,
        /// Annotation CSV instead of Raven tables next to the audio.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// The model file to write with the best rules (without it, only the table is printed).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Quantize an f32 student to int8 (static: activation ranges calibrated on audio; weight
    /// matmuls run as i8 x i8 -> i32 in tract; LayerNorm, GELU and Softmax stay f32).
    Quantize(hark_train::quantize::command::QuantizeArgs),
    /// List the architecture presets and their cost.
    Presets,
    /// Write a perturbed copy of the validation files (WAV + Raven tables): a proxy for another
    /// bird in another lab, to score with `hark detect` and `hark eval`. Never tune on it.
    Perturb(PerturbArgs),
    /// Lay annotated calls into real soundscapes at chosen SNRs and occupancy: field mixes
    /// (WAV + Raven tables + annotations.csv) for training and validation.
    Synth(SynthArgs),
    /// Pretrain a teacher self-supervised on unlabelled audio (data2vec 2.0 style).
    Pretrain(PretrainArgs),
    /// Write what a teacher hears as Raven tables (one per audio file), to score it with
    /// `hark eval` or look at it in Raven before distilling from it.
    Label(LabelArgs),
}

#[derive(clap::Args)]
struct LabelArgs {
    #[command(flatten)]
    teacher: TeacherArgs,
    /// Audio files or folders (WAV/FLAC, folders searched recursively).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Folder for the tables (`<stem>.Table.1.selections.txt`).
    #[arg(long, short)]
    out: PathBuf,
    /// Probability that opens an event.
    #[arg(long, default_value_t = 0.5)]
    on: f32,
    /// Probability below which an event closes.
    #[arg(long, default_value_t = 0.4)]
    off: f32,
    /// Shortest event kept (frame teachers), seconds.
    #[arg(long, default_value_t = 0.02)]
    min_event: f64,
}

#[derive(clap::Args)]
struct PretrainArgs {
    /// Folder of unlabelled WAV/FLAC audio (recursive; repeatable).
    #[arg(long)]
    audio: Vec<PathBuf>,
    /// Annotated folder (Raven tables) whose training files join the audio, labels unused; its
    /// validation files (split as `train` splits them) are left out.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Share of --data's files held out (as given to `train`).
    #[arg(long, default_value_t = 0.2)]
    val_fraction: f64,
    /// Run folder: config, encoder weights, loss log.
    #[arg(long, short)]
    out: PathBuf,
    /// Teacher preset.
    #[arg(long, default_value = "teacher-cpu")]
    preset: String,
    /// Seconds of audio per window.
    #[arg(long, default_value_t = DEFAULT_WINDOW_S)]
    window: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 2000)]
    steps: u64,
    #[arg(long, default_value_t = 8)]
    batch: usize,
    #[arg(long, default_value_t = 5e-4)]
    lr: f64,
    #[arg(long, default_value_t = 100)]
    warmup: u64,
    /// EMA rate at the first and the last step: START,END.
    #[arg(long, value_delimiter = ',', num_args = 1.., default_values_t = [0.99, 0.999])]
    tau: Vec<f64>,
    /// Layers averaged into the targets, from the top (default: two thirds of them).
    #[arg(long)]
    top_k: Option<usize>,
    /// Probability that a frame starts a masked span.
    #[arg(long, default_value_t = 0.065)]
    mask_prob: f64,
    /// Frames per masked span.
    #[arg(long, default_value_t = 10)]
    mask_len: usize,
    /// Train on the CPU, on a GPU through Vulkan (a build with `--features gpu`), or on an
    /// NVIDIA GPU through CUDA (`--features cuda`).
    #[arg(long, value_enum, default_value_t = Compute::Cpu)]
    device: Compute,
}

#[derive(clap::Args)]
struct SynthArgs {
    /// Folder of annotated WAV/FLAC recordings the calls are cut from.
    #[arg(long)]
    calls: PathBuf,
    /// Annotation CSV instead of Raven tables next to the audio.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Which of its files, split by file as `train` splits them.
    #[arg(long, value_enum, default_value = "val")]
    split: Split,
    /// Share of files held out for validation (as given to `train`).
    #[arg(long, default_value_t = 0.2)]
    val_fraction: f64,
    /// Soundscape folder (WAV/FLAC, recursive; repeatable). Its own sounds are distractors.
    #[arg(long, required = true)]
    backgrounds: Vec<PathBuf>,
    /// Output folder: wav/mix_NNNN.wav with Raven tables, and annotations.csv.
    #[arg(long, short)]
    out: PathBuf,
    /// Number of mixes.
    #[arg(long, default_value_t = 20)]
    files: usize,
    /// Seconds per mix.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// Range of the calls' level over the background under them, dB: LOW,HIGH.
    #[arg(long, value_parser = db_range, default_value = "-5,15", allow_hyphen_values = true)]
    snr_db: (f32, f32),
    /// Share of the time covered by calls.
    #[arg(long, default_value_t = 0.05)]
    occupancy: f64,
    /// Sample rate of the mixes.
    #[arg(long, default_value_t = 32000)]
    rate: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(clap::Args)]
struct PerturbArgs {
    /// Folder of annotated WAV/FLAC recordings, split as `train` splits it.
    #[arg(long)]
    data: PathBuf,
    /// Annotation CSV instead of Raven tables next to the audio.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Share of files held out for validation (as given to `train`).
    #[arg(long, default_value_t = 0.2)]
    val_fraction: f64,
    /// Folder for the perturbed WAVs and their Raven tables.
    #[arg(long, short)]
    out: PathBuf,
    /// Speed factors (pitch and tempo), given to the files in turn; default: outside training's 0.85..1.18.
    #[arg(long, value_delimiter = ',', default_value = "0.8,1.25")]
    speeds: Vec<f64>,
    /// Background folder (WAV/FLAC, recursive; repeatable); use ones that training never saw.
    #[arg(long)]
    noise: Vec<PathBuf>,
    /// Range of the song's level over the background's, dB: LOW,HIGH.
    #[arg(long, value_parser = db_range, default_value = "3,20", allow_hyphen_values = true)]
    snr_db: (f32, f32),
    /// Leave out the other-lab channel (low-pass, narrow resonance, steep high-pass).
    #[arg(long)]
    no_eq: bool,
    /// Sample rate of the written files.
    #[arg(long, default_value_t = 22050)]
    rate: u32,
    /// Seed of the per-file draws (SNR, channel settings, level).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(clap::Args)]
struct DistillArgs {
    #[command(flatten)]
    teacher: TeacherArgs,
    /// Folder of unlabelled WAV/FLAC audio for the teacher to label (recursive; repeatable).
    #[arg(long)]
    audio: Vec<PathBuf>,
    /// Weight of the annotations against the teacher in labelled crops (0..1); at 0.5 the
    /// teacher's doubts at syllable edges blurred the student's events (docs/quality.md).
    #[arg(long, default_value_t = 0.8)]
    hard_weight: f32,
    /// Annotated syllable frames keep their label as the target, so the teacher only softens the
    /// negatives: for a teacher that misses much of the song it is asked about (docs/quality.md).
    #[arg(long)]
    keep_positives: bool,
    /// Weight of regressing the teacher's features through a projection (0: off).
    #[arg(long, default_value_t = 0.0)]
    feature_weight: f32,
    #[command(flatten)]
    train: TrainArgs,
}

/// A teacher, the classes asked of it, and where its answers are kept.
#[derive(clap::Args)]
struct TeacherArgs {
    /// The teacher: an ONNX model with `hark.teacher` metadata, or any ONNX model with --teacher-config.
    #[arg(long)]
    teacher: PathBuf,
    /// TOML sidecar describing the teacher (rate, window, output kind, activation, classes).
    #[arg(long)]
    teacher_config: Option<PathBuf>,
    /// Teacher classes pooled into one: those whose names contain this (repeatable; default all).
    #[arg(long)]
    teacher_class: Vec<String>,
    /// Leave out teacher classes whose names contain this (repeatable).
    #[arg(long)]
    exclude_class: Vec<String>,
    /// Seconds between the windows a clip teacher is run on.
    #[arg(long, default_value_t = 1.5)]
    clip_hop: f64,
    /// Cache of teacher outputs [default: ~/.cache/hark/teachers].
    #[arg(long)]
    cache: Option<PathBuf>,
}

impl TeacherArgs {
    /// The cache folder: `--cache`, or `~/.cache/hark/teachers`.
    fn cache(&self) -> Result<PathBuf> {
        match &self.cache {
            Some(c) => Ok(c.clone()),
            None => Ok(std::env::var_os("HOME")
                .map(PathBuf::from)
                .context("no HOME for the default cache: give --cache")?
                .join(".cache/hark/teachers")),
        }
    }
}

#[derive(clap::Args)]
struct FinetuneArgs {
    /// Pretraining run folder (`hark-train pretrain --out`) to start from.
    #[arg(long)]
    init: Option<PathBuf>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(clap::Args)]
struct TrainArgs {
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
    /// Name of the target class.
    #[arg(long, default_value = "vocalization")]
    class_name: String,
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
    #[arg(long, value_enum, default_value_t = Compute::Cpu)]
    device: Compute,
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(a) => train_command(a, None, None, (DEFAULT_PRESET, 25, 2e-3))?,
        Command::Finetune(f) => train_command(f.train, f.init, None, ("teacher-cpu", 1, 5e-4))?,
        Command::Distill(d) => {
            anyhow::ensure!(
                (0.0..=1.0).contains(&d.hard_weight),
                "--hard-weight must be between 0 and 1"
            );
            let t = d.teacher;
            let distill = DistillConfig {
                cache: t.cache()?,
                teacher: t.teacher,
                teacher_config: t.teacher_config,
                audio: d.audio,
                teacher_classes: t.teacher_class,
                exclude_classes: t.exclude_class,
                hard_weight: d.hard_weight,
                keep_positives: d.keep_positives,
                feature_weight: d.feature_weight,
                clip_hop_s: t.clip_hop,
            };
            train_command(d.train, None, Some(distill), (DEFAULT_PRESET, 25, 2e-3))?
        }
        Command::Export {
            run,
            out,
            teacher,
            firmware,
            model,
            batch,
        } => {
            if firmware {
                let model = model.expect("clap requires --model with --firmware");
                let blob = export_firmware(&model, &out)?;
                println!(
                    "wrote {} ({} bytes, hash {:08x}; engine RAM {} bytes)",
                    out.display(),
                    blob.size,
                    blob.hash,
                    blob.ram_bytes
                );
                return Ok(());
            }
            let run = run.expect("clap requires --run without --firmware");
            let c = export_run(&run, &out, teacher, batch)?;
            println!(
                "wrote {} ({} parameters, {:.1} MMAC per audio second)",
                out.display(),
                c.parameters(),
                c.macs_per_second() as f64 / 1e6
            );
        }
        Command::Perturb(a) => {
            let cfg = PerturbConfig {
                data: a.data,
                csv: a.csv,
                val_fraction: a.val_fraction,
                out: a.out,
                speeds: a.speeds,
                noise: a.noise,
                snr_db: a.snr_db,
                eq: !a.no_eq,
                rate: a.rate,
                seed: a.seed,
            };
            for p in write_perturbed(&cfg)? {
                let snr = p.snr_db.map_or("none".into(), |s| format!("{s:.1} dB"));
                println!(
                    "{}: speed {}, background SNR {snr}, {} events",
                    p.file, p.speed, p.events
                );
            }
        }
        Command::Synth(a) => {
            let cfg = SynthConfig {
                calls: a.calls,
                csv: a.csv,
                split: a.split,
                val_fraction: a.val_fraction,
                backgrounds: a.backgrounds,
                out: a.out,
                files: a.files,
                seconds: a.seconds,
                snr_db: a.snr_db,
                occupancy: a.occupancy,
                rate: a.rate,
                seed: a.seed,
            };
            let s = synthesize(&cfg)?;
            println!(
                "wrote {} mixes ({:.1} min) with {} calls to {}",
                s.files,
                s.seconds / 60.0,
                s.calls,
                cfg.out.display()
            );
        }
        Command::Pretrain(a) => {
            anyhow::ensure!(a.tau.len() == 2, "--tau takes START,END");
            let layers = teacher_preset(&a.preset, vec!["vocalization".into()], a.window)
                .map(|c| c.layers)
                .unwrap_or(1);
            let cfg = PretrainConfig {
                audio: a.audio,
                data: a.data,
                val_fraction: a.val_fraction,
                preset: a.preset,
                window_s: a.window,
                seed: a.seed,
                steps: a.steps,
                batch: a.batch,
                lr: a.lr,
                warmup: a.warmup,
                tau: (a.tau[0], a.tau[1]),
                top_k: a.top_k.unwrap_or((2 * layers).div_ceil(3)),
                mask_prob: a.mask_prob,
                mask_len: a.mask_len,
                command: std::env::args().collect::<Vec<_>>().join(" "),
                device: a.device,
            };
            let loss = pretrain(&cfg, &a.out, true)?;
            println!(
                "pretrained {} for {} steps, final loss {loss:.4}: {}",
                cfg.preset,
                cfg.steps,
                a.out.display()
            );
        }
        Command::Label(a) => {
            let t = &a.teacher;
            let source = TrackSource::new(
                &t.teacher,
                t.teacher_config.as_deref(),
                &t.teacher_class,
                &t.exclude_class,
                t.clip_hop,
                &t.cache()?,
            )?;
            let rules = LabelRules {
                on: a.on,
                off: a.off,
                min_event_s: a.min_event,
            };
            let (files, events, failed) = label(&source, &a.inputs, &a.out, rules)?;
            println!(
                "labelled {files} files ({events} events) into {}",
                a.out.display()
            );
            anyhow::ensure!(
                failed.is_empty(),
                "{} files failed: {}",
                failed.len(),
                failed.join(", ")
            );
        }
        Command::Archive { model, chunks, out } => {
            write_variant(&model, CallShape { chunks, streams: 1 }, &out)?;
            println!("wrote {} ({chunks} chunks per call)", out.display());
        }
        Command::Batch { model, batch, out } => {
            let shape = CallShape {
                chunks: 1,
                streams: batch,
            };
            write_variant(&model, shape, &out)?;
            println!("wrote {} ({batch} streams per call)", out.display());
        }
        Command::Rules {
            model,
            data,
            csv,
            out,
        } => rules_command(&model, &data, csv.as_deref(), out.as_deref())?,
        Command::Quantize(a) => hark_train::quantize::command::run(a)?,
        Command::Presets => {
            for (name, tier) in PRESETS {
                let c = hark_train::student::presets::preset(name, vec!["vocalization".into()])?;
                println!(
                    "{name:10} {:>9} parameters {:>7.1} MMAC/s  {tier}",
                    c.parameters(),
                    c.macs_per_second() as f64 / 1e6
                );
            }
            for (name, what) in TEACHER_PRESETS {
                let c = teacher_preset(name, vec!["vocalization".into()], DEFAULT_WINDOW_S)?;
                println!(
                    "{name:10} {:>9} parameters {:>7.1} MMAC/s  teacher, {DEFAULT_WINDOW_S} s windows: {what}",
                    c.parameters(),
                    c.macs_per_second() as f64 / 1e6
                );
            }
        }
    }
    Ok(())
}

/// Re-exports the streaming student in `model` to run `shape` per call, into `out`.
fn write_variant(model: &std::path::Path, shape: CallShape, out: &std::path::Path) -> Result<()> {
    let bytes = std::fs::read(model).with_context(|| format!("cannot read {}", model.display()))?;
    let proto = ModelProto::decode(bytes.as_slice())
        .with_context(|| format!("{} is not an ONNX model", model.display()))?;
    let variant = call_variant(&proto, shape).with_context(|| format!("{}", model.display()))?;
    hark::sinks::write_atomic(out, &variant.encode_to_vec())
        .with_context(|| format!("writing {}", out.display()))
}

/// Runs `train` or `finetune`; `defaults` are the command's preset, crop chunks and learning rate.
fn train_command(
    a: TrainArgs,
    init: Option<PathBuf>,
    distill: Option<DistillConfig>,
    defaults: (&str, usize, f64),
) -> Result<()> {
    anyhow::ensure!(
        a.data.is_some() || distill.is_some(),
        "give the annotated recordings with --data"
    );
    let preset = match (&init, a.preset) {
        (_, Some(p)) => p,
        (Some(run), None) => hark_train::teacher::pretrain::read_architecture(run)?.preset,
        (None, None) => defaults.0.to_string(),
    };
    let cfg = TrainConfig {
        data: a.data,
        csv: a.csv,
        noise: a.noise,
        noise_snr_db: a.noise_snr,
        preset,
        init,
        label_fraction: a.label_fraction,
        class_name: a.class_name,
        seed: a.seed,
        steps: a.steps,
        batch: a.batch,
        crop_chunks: a.crop_chunks.unwrap_or(defaults.1),
        lr: a.lr.unwrap_or(defaults.2),
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
        device: a.device,
    };
    let progress = train(&cfg, &a.out, a.resume, None, true)?;
    println!(
        "best validation F1 {:.4} at step {}; weights in {}",
        progress.best_f1,
        progress.best_step,
        a.out.join("best.bpk").display()
    );
    Ok(())
}

/// `LOW,HIGH` in dB, LOW <= HIGH.
fn db_range(s: &str) -> Result<(f32, f32), String> {
    let bad = || format!("`{s}` is not a range in dB: write LOW,HIGH, e.g. -5,15");
    let (low, high) = s.split_once(',').ok_or_else(bad)?;
    let (low, high): (f32, f32) = (
        low.trim().parse().map_err(|_| bad())?,
        high.trim().parse().map_err(|_| bad())?,
    );
    if !(low.is_finite() && high.is_finite() && low <= high) {
        return Err(bad());
    }
    Ok((low, high))
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hark-train: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `hark-train rules`: the best settings as a table, the model's own for comparison.
fn rules_command(
    model: &std::path::Path,
    data: &std::path::Path,
    csv: Option<&std::path::Path>,
    out: Option<&std::path::Path>,
) -> Result<()> {
    let tuning = hark_train::rules::tune(model, data, csv)?;
    println!("   on   off  min ms  event F1     TP     FP     FN");
    let row = |c: &hark_train::rules::Candidate, note: &str| {
        println!(
            "{:5.2} {:5.2} {:7.0} {:9.4} {:6} {:6} {:6}  {note}",
            c.on,
            c.off,
            c.min_event_s * 1000.0,
            c.counts.f1(),
            c.counts.tp,
            c.counts.fp,
            c.counts.fn_
        )
    };
    for (i, c) in tuning.ranked.iter().take(10).enumerate() {
        row(c, if i == 0 { "best" } else { "" });
    }
    row(&tuning.own, "the model's own rules");
    if let Some(out) = out {
        hark_train::rules::write(model, &tuning.ranked[0], data, out)?;
        println!("wrote {} with the best rules", out.display());
    }
    Ok(())
}
