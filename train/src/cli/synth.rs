//! `hark-train synth`: the flags of the field mixes, and a line saying what was written.

use std::path::PathBuf;

use anyhow::Result;
use hark_train::synth::{SynthConfig, synthesize};

use super::db_range::db_range;
use super::flags::SplitFlag;

#[derive(clap::Args)]
pub struct SynthArgs {
    /// Folder of annotated WAV/FLAC recordings the calls are cut from.
    #[arg(long)]
    calls: PathBuf,
    /// Annotation CSV instead of Raven tables next to the audio.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Which of its files, split by file as `train` splits them.
    #[arg(long, value_enum, default_value = "val")]
    split: SplitFlag,
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

/// `hark-train synth`.
pub fn run(a: SynthArgs) -> Result<()> {
    let cfg = SynthConfig {
        calls: a.calls,
        csv: a.csv,
        split: a.split.into(),
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
    Ok(())
}
