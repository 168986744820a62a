//! `hark-train perturb`: the flags of the "another bird, another lab" proxy, and one line per
//! file written.

use std::path::PathBuf;

use anyhow::Result;
use hark_train::perturb::{PerturbConfig, write_perturbed};

use super::db_range::db_range;

#[derive(clap::Args)]
pub struct PerturbArgs {
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

/// `hark-train perturb`.
pub fn run(a: PerturbArgs) -> Result<()> {
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
    Ok(())
}
