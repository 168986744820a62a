//! Annotated recordings: audio at the model's rate with their events, and the split by file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use hark::eval::annotations::{Annotation, UNLABELLED, read_csv, read_raven};
use hark::sinks::raven_table_name;

use super::level::power;

/// One annotated recording, resampled to the model's rate.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Path relative to its data folder (stable across machines; used for the split).
    pub name: String,
    /// Mono samples at the model's rate.
    pub audio: Vec<f32>,
    /// Annotated events, sorted by onset.
    pub events: Vec<Annotation>,
    /// Stretches nobody labelled (tables' events labelled [`UNLABELLED`]): neither calls nor
    /// background.
    pub unlabelled: Vec<Annotation>,
}

impl Recording {
    /// Mean power of the samples inside the events at `rate` Hz (of the whole recording when
    /// it has none): the level of the song.
    pub fn song_power(&self, rate: u32) -> f32 {
        let sample = |t: f64| ((t * rate as f64) as usize).min(self.audio.len());
        let (sum, n) = self.events.iter().fold((0.0f64, 0usize), |(sum, n), e| {
            let (a, b) = (sample(e.onset_s), sample(e.offset_s));
            let part = &self.audio[a..b.max(a)];
            let energy: f64 = part.iter().map(|v| (*v as f64).powi(2)).sum();
            (sum + energy, n + part.len())
        });
        if n == 0 {
            power(&self.audio)
        } else {
            (sum / n as f64) as f32
        }
    }
}

/// Audio files under `dir`, recursively, sorted.
pub fn audio_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "wav" | "flac"))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Loads every audio file under `dir` with its annotations: from `csv` (whose `file` column is
/// relative to the CSV's folder) when given, else from the Raven table next to each file. Files
/// without annotations are skipped with a warning; unreadable ones are errors.
pub fn load_dir(dir: &Path, csv: Option<&Path>, rate: u32) -> Result<Vec<Recording>> {
    let from_csv: Option<(PathBuf, BTreeMap<String, Vec<Annotation>>)> = match csv {
        Some(path) => Some((
            path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            read_csv(path)?,
        )),
        None => None,
    };
    let mut recordings = Vec::new();
    for path in audio_files(dir)? {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let events = match &from_csv {
            Some((root, table)) => {
                let key = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                table.get(&key).cloned()
            }
            None => {
                let table = path.with_file_name(raven_table_name(&path));
                table.exists().then(|| read_raven(&table)).transpose()?
            }
        };
        let Some(events) = events else {
            eprintln!("warning: {} has no annotations; skipped", path.display());
            continue;
        };
        let audio =
            hark::audio::load(&path, rate).with_context(|| format!("{}", path.display()))?;
        let (unlabelled, events) = events.into_iter().partition(|e| e.label == UNLABELLED);
        recordings.push(Recording {
            name,
            audio,
            events,
            unlabelled,
        });
    }
    if recordings.is_empty() {
        bail!("no annotated audio files under {}", dir.display());
    }
    Ok(recordings)
}

/// FNV-1a: a stable hash of a file name for the split.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Splits recordings by file: the `fraction` whose names hash lowest go to validation. The split
/// depends on names only, never on the seed or the order of loading.
pub fn split_by_file(
    recordings: Vec<Recording>,
    fraction: f64,
) -> (Vec<Recording>, Vec<Recording>) {
    let mut order: Vec<(u64, Recording)> = recordings
        .into_iter()
        .map(|r| (stable_hash(&r.name), r))
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let n_val =
        ((order.len() as f64 * fraction).round() as usize).min(order.len().saturating_sub(1));
    let mut val: Vec<Recording> = Vec::new();
    let mut train: Vec<Recording> = Vec::new();
    for (i, (_, r)) in order.into_iter().enumerate() {
        if i < n_val {
            val.push(r)
        } else {
            train.push(r)
        }
    }
    train.sort_by(|a, b| a.name.cmp(&b.name));
    val.sort_by(|a, b| a.name.cmp(&b.name));
    (train, val)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_by_name_and_sized() {
        let recs: Vec<Recording> = (0..10)
            .map(|i| Recording {
                name: format!("{i}.wav"),
                audio: vec![],
                events: vec![],
                unlabelled: vec![],
            })
            .collect();
        let (train, val) = split_by_file(recs.clone(), 0.2);
        assert_eq!((train.len(), val.len()), (8, 2));
        let mut reversed = recs;
        reversed.reverse();
        let (_, val2) = split_by_file(reversed, 0.2);
        let names = |v: &[Recording]| v.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&val), names(&val2));
    }

    #[test]
    fn song_power_is_measured_inside_events() {
        let rate = 1000;
        let audio: Vec<f32> = (0..4000)
            .map(|i| if (1000..1500).contains(&i) { 0.5 } else { 0.01 })
            .collect();
        let event = Annotation {
            onset_s: 1.0,
            offset_s: 1.5,
            label: String::new(),
            channel: None,
        };
        let mut rec = Recording {
            name: "a.wav".into(),
            audio,
            events: vec![event],
            unlabelled: vec![],
        };
        assert!((rec.song_power(rate) - 0.25).abs() < 1e-6);
        rec.events.clear();
        let whole = (500.0 * 0.25 + 3500.0 * 1e-4) / 4000.0;
        assert!((rec.song_power(rate) - whole).abs() < 1e-6);
    }
}
