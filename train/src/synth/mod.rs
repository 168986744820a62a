//! Field mixes: annotated calls laid into real soundscapes at chosen SNRs and occupancy, written
//! as WAV + Raven tables + one CSV, to train on and to validate with.
//!
//! The soundscapes' own sounds (other birds, insects, wind) are distractors: only the laid-in
//! calls are annotated.

mod mix;
mod phrase;

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use hark::sinks::write_atomic;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::data::noise::NoiseBank;
use crate::data::recordings::{load_dir, split_by_file};
use crate::perturb::files::raven_selections;
use hark::sinks::{Encoding, write_wav};
pub use mix::BACKGROUND_DBFS;

/// Which of the annotated files the calls come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The files `hark-train train` trains on.
    Train,
    /// The files it validates on.
    Val,
    /// All of them.
    All,
}

/// What to mix.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Annotated recordings the calls are cut from.
    pub calls: PathBuf,
    pub csv: Option<PathBuf>,
    pub split: Split,
    pub val_fraction: f64,
    /// Soundscape folders.
    pub backgrounds: Vec<PathBuf>,
    pub out: PathBuf,
    /// Mixes to write, and seconds each.
    pub files: usize,
    pub seconds: f64,
    /// Range of the calls' level over the background under them, dB.
    pub snr_db: (f32, f32),
    /// Share of the time covered by calls.
    pub occupancy: f64,
    /// Sample rate of the mixes.
    pub rate: u32,
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct SynthSummary {
    pub files: usize,
    pub calls: usize,
    pub seconds: f64,
}

/// Writes `cfg.files` mixes `wav/mix_NNNN.wav` with their Raven tables, and `annotations.csv`
/// (`file,onset_s,offset_s,low_hz,high_hz,label,snr_db`) for all of them, laid out like the
/// annotated sets in ../shared/data. The same config gives the same files.
pub fn synthesize(cfg: &SynthConfig) -> Result<SynthSummary> {
    ensure!(
        cfg.files > 0 && cfg.seconds > 0.0,
        "nothing to write: --files and --seconds must be above 0"
    );
    ensure!(
        (0.0..0.5).contains(&cfg.occupancy),
        "--occupancy is a share of the time below 0.5, not {}",
        cfg.occupancy
    );
    ensure!(
        cfg.snr_db.0 <= cfg.snr_db.1,
        "the SNR range must run upwards"
    );
    let recordings = load_dir(&cfg.calls, cfg.csv.as_deref(), cfg.rate)?;
    let (train, val) = split_by_file(recordings, cfg.val_fraction);
    let sources = match cfg.split {
        Split::Train => train,
        Split::Val => val,
        Split::All => train.into_iter().chain(val).collect(),
    };
    ensure!(
        sources.iter().any(|r| !r.events.is_empty()),
        "no annotated calls in the chosen split of {}",
        cfg.calls.display()
    );
    let bank = NoiseBank::load(&cfg.backgrounds, cfg.rate)?;
    ensure!(!bank.is_empty(), "the background folders hold no audio");
    let wav_dir = cfg.out.join("wav");
    std::fs::create_dir_all(&wav_dir)
        .with_context(|| format!("cannot create {}", wav_dir.display()))?;

    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let len = (cfg.seconds * cfg.rate as f64).round() as usize;
    let nyquist = cfg.rate as f64 / 2.0;
    let mut csv = String::from("file,onset_s,offset_s,low_hz,high_hz,label,snr_db\n");
    let mut summary = SynthSummary::default();
    for i in 0..cfg.files {
        let name = format!("mix_{:04}", i + 1);
        let background = bank.excerpt(&mut rng, len);
        let (audio, placed) = mix::mix(
            background,
            cfg.rate,
            cfg.occupancy,
            cfg.snr_db,
            &mut rng,
            |rng| {
                let r = &sources[rng.random_range(0..sources.len())];
                phrase::random_phrase(r, cfg.rate, rng)
            },
        );
        write_wav(
            &wav_dir.join(format!("{name}.wav")),
            &audio,
            cfg.rate,
            Encoding::Int16,
        )?;
        let events: Vec<_> = placed.iter().map(|p| p.event.clone()).collect();
        write_atomic(
            &wav_dir.join(format!("{name}.Table.1.selections.txt")),
            raven_selections(&events, nyquist).as_bytes(),
        )?;
        for p in &placed {
            let e = &p.event;
            let _ = writeln!(
                csv,
                "wav/{name}.wav,{:.6},{:.6},,,{},{:.1}",
                e.onset_s, e.offset_s, e.label, p.snr_db
            );
        }
        summary.files += 1;
        summary.calls += placed.len();
        summary.seconds += cfg.seconds;
    }
    write_atomic(&cfg.out.join("annotations.csv"), csv.as_bytes())?;
    Ok(summary)
}
