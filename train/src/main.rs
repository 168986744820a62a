//! `hark-train`: train and export streaming students.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use hark_train::export::run::export_run;
use hark_train::student::presets::{DEFAULT_PRESET, PRESETS};
use hark_train::training::{TrainConfig, train};

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
    /// Export a run's best weights as a contract-1 streaming ONNX model.
    Export {
        /// The run folder written by `hark-train train`.
        #[arg(long)]
        run: PathBuf,
        /// The model file to write.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// List the architecture presets and their cost.
    Presets,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Folder of WAV/FLAC recordings (searched recursively).
    #[arg(long)]
    data: PathBuf,
    /// Annotation CSV (`file,onset_s,offset_s,...`, files relative to the CSV); default: Raven tables next to each file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Run folder for the config, checkpoints, metrics and best weights.
    #[arg(long, short)]
    out: PathBuf,
    /// Architecture preset (see `hark-train presets`).
    #[arg(long, default_value = DEFAULT_PRESET)]
    preset: String,
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
    /// Crop length in chunks.
    #[arg(long, default_value_t = 25)]
    crop_chunks: usize,
    /// Peak learning rate.
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
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
    /// Continue from the run folder's last checkpoint.
    #[arg(long)]
    resume: bool,
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(a) => {
            let command = std::env::args().collect::<Vec<_>>().join(" ");
            let cfg = TrainConfig {
                data: a.data,
                csv: a.csv,
                preset: a.preset,
                class_name: a.class_name,
                seed: a.seed,
                steps: a.steps,
                batch: a.batch,
                crop_chunks: a.crop_chunks,
                lr: a.lr,
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
                command,
            };
            let progress = train(&cfg, &a.out, a.resume, None, true)?;
            println!(
                "best validation F1 {:.4} at step {}; weights in {}",
                progress.best_f1,
                progress.best_step,
                a.out.join("best.bpk").display()
            );
        }
        Command::Export { run, out } => {
            let c = export_run(&run, &out)?;
            println!(
                "wrote {} ({} parameters, {:.1} MMAC per audio second)",
                out.display(),
                c.parameters,
                c.macs_per_second as f64 / 1e6
            );
        }
        Command::Presets => {
            for (name, tier) in PRESETS {
                let c = hark_train::student::presets::preset(name, vec!["vocalization".into()])?;
                println!(
                    "{name:10} {:>9} parameters {:>7.1} MMAC/s  {tier}",
                    c.parameters(),
                    c.macs_per_second() as f64 / 1e6
                );
            }
        }
    }
    Ok(())
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
