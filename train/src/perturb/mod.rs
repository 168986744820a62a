//! A perturbed copy of the validation files, a proxy for "another bird, another lab", written as
//! WAV + Raven tables so `hark detect` and `hark eval` score it like any recording.
//!
//! Each file is played at a speed outside the training range, through a channel that training's
//! EQ never draws, over backgrounds that training never mixed in, at another sample rate and
//! level.

pub mod channel;
pub mod files;

use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use hark::eval::annotations::Annotation;
use hark::sinks::write_atomic;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::data::noise::{NoiseBank, mix_at_snr};
use crate::data::recordings::{load_dir, split_by_file};
use crate::data::stretch::stretch;
use channel::other_lab;
use files::raven_selections;
use hark::sinks::{Encoding, write_wav};

/// Peak level range of the written files, dBFS: quiet to healthy recorder settings.
const PEAK_DBFS: (f32, f32) = (-30.0, -6.0);

/// What to perturb and how.
#[derive(Debug, Clone)]
pub struct PerturbConfig {
    /// Annotated recordings, split as `hark-train train` splits them.
    pub data: PathBuf,
    pub csv: Option<PathBuf>,
    pub val_fraction: f64,
    /// Where the WAVs and tables go.
    pub out: PathBuf,
    /// Speed factors, given to the files in turn (1 leaves pitch and tempo alone).
    pub speeds: Vec<f64>,
    /// Background folders (none: no background).
    pub noise: Vec<PathBuf>,
    /// Range of the song-over-background ratio, dB.
    pub snr_db: (f32, f32),
    /// Pass the audio through [`channel::other_lab`].
    pub eq: bool,
    /// Sample rate of the written files.
    pub rate: u32,
    pub seed: u64,
}

/// What was done to one file.
#[derive(Debug, Clone)]
pub struct Perturbed {
    /// The written WAV's name.
    pub file: String,
    pub speed: f64,
    /// The background's SNR, when one was mixed in.
    pub snr_db: Option<f32>,
    pub events: usize,
}

/// Writes the perturbed validation files into `cfg.out`, the same for the same config.
pub fn write_perturbed(cfg: &PerturbConfig) -> Result<Vec<Perturbed>> {
    ensure!(!cfg.speeds.is_empty(), "no speed factors given");
    ensure!(
        cfg.speeds.iter().all(|s| s.is_finite() && *s > 0.0),
        "speed factors must be positive"
    );
    ensure!(cfg.snr_db.0 <= cfg.snr_db.1, "the SNR range is reversed");
    let recordings = load_dir(&cfg.data, cfg.csv.as_deref(), cfg.rate)?;
    let (_, validation) = split_by_file(recordings, cfg.val_fraction);
    let noise = NoiseBank::load(&cfg.noise, cfg.rate)?;
    std::fs::create_dir_all(&cfg.out)
        .with_context(|| format!("cannot create {}", cfg.out.display()))?;
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut done = Vec::new();
    for (i, rec) in validation.iter().enumerate() {
        let speed = cfg.speeds[i % cfg.speeds.len()];
        let mut audio = vec![0.0; (rec.audio.len() as f64 / speed) as usize];
        stretch(&rec.audio, 0.0, speed, &mut audio);
        let snr_db = (!noise.is_empty()).then(|| {
            let snr = rng.random_range(cfg.snr_db.0..=cfg.snr_db.1);
            let excerpt = noise.excerpt(&mut rng, audio.len());
            mix_at_snr(&mut audio, &excerpt, rec.song_power(cfg.rate), snr);
            snr
        });
        if cfg.eq {
            for mut section in other_lab(&mut rng, cfg.rate as f64) {
                section.run(&mut audio);
            }
        }
        let peak = audio.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let level = 10f32.powf(rng.random_range(PEAK_DBFS.0..PEAK_DBFS.1) / 20.0);
        let gain = if peak > 0.0 { level / peak } else { 1.0 };
        audio.iter_mut().for_each(|v| *v *= gain);
        let events: Vec<Annotation> = rec
            .events
            .iter()
            .map(|e| Annotation {
                onset_s: e.onset_s / speed,
                offset_s: e.offset_s / speed,
                label: e.label.clone(),
                channel: e.channel,
            })
            .collect();
        let stem = rec
            .name
            .rsplit_once('.')
            .map_or(rec.name.as_str(), |(s, _)| s)
            .replace('/', "_");
        let wav = cfg.out.join(format!("{stem}.wav"));
        write_wav(&wav, &audio, cfg.rate, Encoding::Int16)?;
        write_atomic(
            &cfg.out.join(format!("{stem}.Table.1.selections.txt")),
            raven_selections(&events, cfg.rate as f64 / 2.0).as_bytes(),
        )?;
        done.push(Perturbed {
            file: format!("{stem}.wav"),
            speed,
            snr_db,
            events: events.len(),
        });
    }
    Ok(done)
}
