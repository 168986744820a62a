//! Field mixes: annotated calls (cut from recordings, or synthetic) laid into real soundscapes at
//! chosen SNRs and occupancy, written as WAV + Raven tables + one CSV, to train on and to
//! validate with.
//!
//! The soundscapes' own sounds (other birds, insects, wind) and the nuisance sounds laid in
//! (wind, rain, traffic, thumps, aircraft) are distractors: only the laid-in calls are annotated.

mod calls;
mod dsp;
mod mix;
mod nuisance;
mod phrase;
mod unlabelled;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use hark::sinks::write_atomic;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::data::noise::NoiseBank;
use crate::data::recordings::{Recording, load_dir, split_by_file};
use crate::perturb::files::raven_selections;
pub use calls::LABEL as SYNTHETIC_LABEL;
use hark::sinks::{Encoding, write_wav};
pub use mix::{BACKGROUND_DBFS, NUISANCE_DB};

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
    /// Annotated recordings the calls are cut from; needed unless every call is synthetic.
    pub calls: Option<PathBuf>,
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
    /// Share (0..=1) of the phrases drawn from the synthetic call generator instead of `calls`.
    pub synthetic_calls: f64,
    /// Mean number of unannotated nuisance sounds laid in per minute of mix.
    pub nuisance_per_min: f64,
    /// A white noise floor under each soundscape at this range of levels relative to it, dB
    /// (`None`: none), for mixes at a higher rate than their soundscapes.
    pub floor_db: Option<(f32, f32)>,
    /// Whether the soundscape's own loud sounds are written as `?` stretches (unlabelled: no
    /// loss counts them) instead of being left as background.
    pub mark_unlabelled: bool,
    /// Share (0..=1) of the mixes laid over steady noise instead of a soundscape.
    pub steady_backgrounds: f64,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct SynthSummary {
    pub files: usize,
    pub calls: usize,
    /// Nuisance sounds laid in.
    pub nuisances: usize,
    pub seconds: f64,
}

/// Writes `cfg.files` mixes `wav/mix_NNNN.wav` with their Raven tables, and `annotations.csv`
/// (`file,onset_s,offset_s,low_hz,high_hz,label,snr_db`) for all of them, laid out like the
/// annotated sets in ../shared/data; with nuisances, also `nuisances.csv`
/// (`file,onset_s,offset_s,kind,level_db`), which no evaluation reads as calls. The same config
/// gives the same files.
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
    let share = cfg.synthetic_calls;
    ensure!(
        (0.0..=1.0).contains(&share),
        "--synthetic-calls is a share from 0 to 1, not {share}"
    );
    ensure!(
        (0.0..=1.0).contains(&cfg.steady_backgrounds),
        "--steady-backgrounds is a share from 0 to 1, not {}",
        cfg.steady_backgrounds
    );
    ensure!(
        cfg.nuisance_per_min.is_finite() && cfg.nuisance_per_min >= 0.0,
        "--nuisance is a number of sounds per minute, 0 or more, not {}",
        cfg.nuisance_per_min
    );
    ensure!(
        cfg.rate >= 8000 || (share == 0.0 && cfg.nuisance_per_min == 0.0),
        "synthetic calls and nuisances need --rate of 8000 Hz or more, not {}",
        cfg.rate
    );
    // All-synthetic mixes read no recordings.
    let sources = match &cfg.calls {
        _ if share >= 1.0 => Vec::new(),
        Some(dir) => load_sources(cfg, dir)?,
        None => bail!(
            "no --calls folder: give annotated recordings, or --synthetic-calls 1 for synthetic \
             calls only"
        ),
    };
    let bank = NoiseBank::load(&cfg.backgrounds, cfg.rate)?;
    ensure!(!bank.is_empty(), "the background folders hold no audio");
    let wav_dir = cfg.out.join("wav");
    std::fs::create_dir_all(&wav_dir)
        .with_context(|| format!("cannot create {}", wav_dir.display()))?;

    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let len = (cfg.seconds * cfg.rate as f64).round() as usize;
    let nyquist = cfg.rate as f64 / 2.0;
    let mut csv = String::from("file,onset_s,offset_s,low_hz,high_hz,label,snr_db\n");
    let mut nuisance_csv = String::from("file,onset_s,offset_s,kind,level_db\n");
    let mut summary = SynthSummary::default();
    for i in 0..cfg.files {
        let name = format!("mix_{:04}", i + 1);
        // No draw at a share of 0: the recipes from before steady backgrounds keep their files.
        let steady = cfg.steady_backgrounds > 0.0 && rng.random_bool(cfg.steady_backgrounds);
        let mut background = match steady {
            true => mix::steady_noise(cfg.rate, &mut rng, len),
            false => bank.excerpt(&mut rng, len),
        };
        let unlabelled = match cfg.mark_unlabelled {
            true => unlabelled::loud_stretches(&background, cfg.rate)?,
            false => Vec::new(),
        };
        if let Some(db) = cfg.floor_db {
            mix::add_floor(&mut background, db, &mut rng);
        }
        let mixed = mix::mix(
            background,
            cfg.rate,
            cfg.occupancy,
            cfg.snr_db,
            cfg.nuisance_per_min,
            &mut rng,
            |rng| {
                // No draw at a share of 0 or 1: the recipes from before synthetic calls keep
                // their files.
                if share > 0.0 && (share >= 1.0 || rng.random_bool(share)) {
                    calls::synthetic_phrase(cfg.rate, rng)
                } else {
                    let r = &sources[rng.random_range(0..sources.len())];
                    phrase::random_phrase(r, cfg.rate, rng)
                }
            },
        );
        write_wav(
            &wav_dir.join(format!("{name}.wav")),
            &mixed.audio,
            cfg.rate,
            Encoding::Int16,
        )?;
        let placed = &mixed.calls;
        let mut events: Vec<_> = placed.iter().map(|p| p.event.clone()).collect();
        events.extend(unlabelled.iter().cloned());
        events.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
        write_atomic(
            &wav_dir.join(format!("{name}.Table.1.selections.txt")),
            raven_selections(&events, nyquist).as_bytes(),
        )?;
        for p in placed {
            let e = &p.event;
            let _ = writeln!(
                csv,
                "wav/{name}.wav,{:.6},{:.6},,,{},{:.1}",
                e.onset_s, e.offset_s, e.label, p.snr_db
            );
        }
        for u in &unlabelled {
            let _ = writeln!(
                csv,
                "wav/{name}.wav,{:.6},{:.6},,,{},",
                u.onset_s, u.offset_s, u.label
            );
        }
        for n in &mixed.nuisances {
            let _ = writeln!(
                nuisance_csv,
                "wav/{name}.wav,{:.6},{:.6},{},{:.1}",
                n.onset_s,
                n.offset_s,
                n.kind.name(),
                n.level_db
            );
        }
        summary.files += 1;
        summary.calls += placed.len();
        summary.nuisances += mixed.nuisances.len();
        summary.seconds += cfg.seconds;
    }
    write_atomic(&cfg.out.join("annotations.csv"), csv.as_bytes())?;
    if cfg.nuisance_per_min > 0.0 {
        write_atomic(&cfg.out.join("nuisances.csv"), nuisance_csv.as_bytes())?;
    }
    Ok(summary)
}

/// The recordings of `cfg.split` in `dir`, holding at least one annotated call.
fn load_sources(cfg: &SynthConfig, dir: &Path) -> Result<Vec<Recording>> {
    let recordings = load_dir(dir, cfg.csv.as_deref(), cfg.rate)?;
    let (train, val) = split_by_file(recordings, cfg.val_fraction);
    let sources: Vec<Recording> = match cfg.split {
        Split::Train => train,
        Split::Val => val,
        Split::All => train.into_iter().chain(val).collect(),
    };
    ensure!(
        sources.iter().any(|r| !r.events.is_empty()),
        "no annotated calls in the chosen split of {}",
        dir.display()
    );
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark::eval::annotations::read_raven;

    /// A config of two 10 s all-synthetic mixes at 16 kHz over the soundscapes in `dir`.
    fn config(dir: &Path, out: &str, nuisance_per_min: f64) -> SynthConfig {
        SynthConfig {
            calls: None,
            csv: None,
            split: Split::Val,
            val_fraction: 0.2,
            backgrounds: vec![dir.join("bg")],
            out: dir.join(out),
            files: 2,
            seconds: 10.0,
            snr_db: (0.0, 10.0),
            occupancy: 0.1,
            rate: 16000,
            seed: 5,
            synthetic_calls: 1.0,
            nuisance_per_min,
            floor_db: None,
            mark_unlabelled: false,
            steady_backgrounds: 0.0,
        }
    }

    /// A folder `bg` holding one constant soundscape: its level sets the calls' gain, and once
    /// its constant is taken away the mixes hold only what was laid in.
    fn flat_background(dir: &Path) {
        let bg = dir.join("bg");
        std::fs::create_dir_all(&bg).unwrap();
        write_wav(
            &bg.join("flat.wav"),
            &[0.01; 16000 * 3],
            16000,
            Encoding::Int16,
        )
        .unwrap();
    }

    #[test]
    fn synthetic_mixes_without_recordings_annotate_every_call() {
        let dir = tempfile::tempdir().unwrap();
        flat_background(dir.path());
        let cfg = config(dir.path(), "a", 0.0);
        let summary = synthesize(&cfg).unwrap();
        assert_eq!(summary.files, 2);
        assert!(summary.calls >= 4, "{} calls", summary.calls);
        let mut events = 0;
        for i in 1..=2 {
            let wav = cfg.out.join(format!("wav/mix_{i:04}.wav"));
            let mut audio = hark::audio::load(&wav, 16000).unwrap();
            // The first 0.3 s never hold a call: what is there is the background's constant.
            let flat = audio[0];
            audio.iter_mut().for_each(|v| *v -= flat);
            let table = read_raven(&wav.with_extension("Table.1.selections.txt")).unwrap();
            events += table.len();
            let inside = |t: f64| {
                table
                    .iter()
                    .any(|e| t >= e.onset_s - 1e-4 && t <= e.offset_s + 1e-4)
            };
            let (mut sound_in, mut sound_out) = (0.0f64, 0.0f64);
            for (j, v) in audio.iter().enumerate() {
                let e = (*v as f64).powi(2);
                if inside(j as f64 / 16000.0) {
                    sound_in += e;
                } else {
                    sound_out += e;
                }
            }
            assert!(sound_in > 0.0, "no calls in mix {i}");
            // Only 16-bit rounding is left outside the events.
            assert!(
                sound_out < 1e-6 * sound_in,
                "mix {i}: {sound_out:.3e} outside the events, {sound_in:.3e} inside"
            );
            for e in &table {
                assert_eq!(e.label, SYNTHETIC_LABEL);
                let (a, b) = (
                    (e.onset_s * 16000.0) as usize,
                    (e.offset_s * 16000.0) as usize,
                );
                assert!(audio[a..b].iter().any(|v| v.abs() > 1e-3), "an empty event");
            }
        }
        let csv = std::fs::read_to_string(cfg.out.join("annotations.csv")).unwrap();
        assert_eq!(csv.lines().count() - 1, events);
        assert_eq!(events, summary.calls);
        assert!(!cfg.out.join("nuisances.csv").exists());
    }

    #[test]
    fn the_same_seed_writes_the_same_mixes_with_nuisances() {
        let dir = tempfile::tempdir().unwrap();
        flat_background(dir.path());
        let (a, b) = (config(dir.path(), "a", 12.0), config(dir.path(), "b", 12.0));
        let summary = synthesize(&a).unwrap();
        synthesize(&b).unwrap();
        assert!(summary.nuisances > 0, "no nuisances at 12 a minute");
        for file in [
            "wav/mix_0001.wav",
            "wav/mix_0002.wav",
            "annotations.csv",
            "nuisances.csv",
        ] {
            let (x, y) = (
                std::fs::read(a.out.join(file)).unwrap(),
                std::fs::read(b.out.join(file)).unwrap(),
            );
            assert!(x == y, "{file} differs between two runs of one seed");
        }
        let nuisances = std::fs::read_to_string(a.out.join("nuisances.csv")).unwrap();
        assert_eq!(nuisances.lines().count() - 1, summary.nuisances);
    }

    #[test]
    fn recordings_are_needed_unless_every_call_is_synthetic() {
        let dir = tempfile::tempdir().unwrap();
        flat_background(dir.path());
        let cfg = SynthConfig {
            synthetic_calls: 0.5,
            ..config(dir.path(), "a", 0.0)
        };
        let err = synthesize(&cfg).unwrap_err().to_string();
        assert!(err.contains("--calls"), "{err}");
        let cfg = SynthConfig {
            synthetic_calls: 1.5,
            ..config(dir.path(), "a", 0.0)
        };
        assert!(synthesize(&cfg).is_err());
    }
}
