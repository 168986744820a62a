//! `hark-train pretrain`: the flags of self-supervised teacher pretraining, and its final loss.

use std::path::PathBuf;

use anyhow::Result;
use hark_train::student::presets::BASE_RATE;
use hark_train::teacher::presets::{DEFAULT_WINDOW_S, teacher_preset};
use hark_train::teacher::pretrain::{PretrainConfig, pretrain};

use super::flags::DeviceFlag;

#[derive(clap::Args)]
pub struct PretrainArgs {
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
    /// Sample rate of the encoder, Hz: 16000, 32000, 48000, or another multiple of 3200; the
    /// audio is resampled to it.
    #[arg(long, default_value_t = BASE_RATE)]
    rate: u32,
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
    #[arg(long, value_enum, default_value_t = DeviceFlag::Cpu)]
    device: DeviceFlag,
}

/// `hark-train pretrain`.
pub fn run(a: PretrainArgs) -> Result<()> {
    anyhow::ensure!(a.tau.len() == 2, "--tau takes START,END");
    let layers = teacher_preset(&a.preset, a.rate, vec!["vocalization".into()], a.window)
        .map(|c| c.layers)
        .unwrap_or(1);
    let cfg = PretrainConfig {
        audio: a.audio,
        data: a.data,
        val_fraction: a.val_fraction,
        preset: a.preset,
        rate: a.rate,
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
        device: a.device.into(),
    };
    let loss = pretrain(&cfg, &a.out, true)?;
    println!(
        "pretrained {} for {} steps, final loss {loss:.4}: {}",
        cfg.preset,
        cfg.steps,
        a.out.display()
    );
    Ok(())
}
