//! `hark-train synth`: the flags of the field mixes, and a line saying what was written.

use std::path::PathBuf;

use anyhow::Result;
use hark_train::synth::{SynthConfig, synthesize};

use super::db_range::db_range;
use super::flags::SplitFlag;

#[derive(clap::Args)]
pub struct SynthArgs {
    /// Folder of annotated WAV/FLAC recordings the calls are cut from (not needed, and not read,
    /// with `--synthetic-calls 1`).
    #[arg(long)]
    calls: Option<PathBuf>,
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
    /// Share (0..1) of the laid-in phrases drawn from the synthetic call generator (FM sweeps,
    /// harmonic stacks, trills, pulse trains, buzzes; labelled `synthetic`) instead of `--calls`.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    synthetic_calls: f64,
    /// Mean number of unannotated nuisance sounds (wind, rain, traffic, handling thumps, distant
    /// aircraft) laid in per minute of mix, 0 to 25 dB over the background; listed in
    /// nuisances.csv.
    #[arg(long = "nuisance", value_name = "PER_MINUTE", default_value_t = 0.0)]
    nuisance_per_min: f64,
    /// A white noise floor under each soundscape at LOW,HIGH dB relative to its level (drawn per
    /// mix): for mixes at a higher rate than their soundscapes, which are silent above their own
    /// band (a student would learn that anything there is a call).
    #[arg(long, value_parser = db_range, allow_hyphen_values = true)]
    floor_db: Option<(f32, f32)>,
    /// Write the soundscapes' own loud sounds (found by band energy, 300 Hz to 15 kHz) as
    /// stretches labelled `?`: training counts them as neither calls nor background, for mixes
    /// that train a general detector (which must not learn to ignore the animals in them).
    #[arg(long)]
    mark_unlabelled: bool,
    /// Share (0..1) of the mixes laid over steady noise (white, or a random band, at a constant
    /// level: a recorder's self-noise, a distant stream) instead of a soundscape, so that a
    /// student learns that steady hiss on a quiet night is no call.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    steady_backgrounds: f64,
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
        synthetic_calls: a.synthetic_calls,
        nuisance_per_min: a.nuisance_per_min,
        floor_db: a.floor_db,
        mark_unlabelled: a.mark_unlabelled,
        steady_backgrounds: a.steady_backgrounds,
    };
    let s = synthesize(&cfg)?;
    println!(
        "wrote {} mixes ({:.1} min) with {} calls and {} nuisance sounds to {}",
        s.files,
        s.seconds / 60.0,
        s.calls,
        s.nuisances,
        cfg.out.display()
    );
    Ok(())
}
