//! Running a teacher over whole recordings: what it says about each (a "track"), computed once
//! with tract and cached on disk, keyed by the teacher's bytes, its class selection and the file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::teacher::contract::{Output, Teacher};

/// The teacher's probability for the chosen classes (their maximum) along a recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Track {
    /// Seconds between successive values.
    pub hop_s: f64,
    /// Seconds of audio each value speaks for, from its start: the hop for a frame teacher,
    /// the whole window for a clip teacher.
    pub span_s: f64,
    pub probs: Vec<f32>,
    /// Frame features `[values, dim]`, for frame teachers that have them.
    #[serde(skip)]
    pub features: Option<(usize, Vec<f32>)>,
}

impl Track {
    /// The value whose span holds time `t`, for frame teachers (0 past the end).
    pub fn at(&self, t: f64) -> f32 {
        let i = (t / self.hop_s).floor();
        if i < 0.0 {
            return 0.0;
        }
        self.probs.get(i as usize).copied().unwrap_or(0.0)
    }

    /// For a clip teacher: the lowest probability among the windows that hold time `t` (0 where
    /// none does). An animal heard at `t` is in every window that holds `t`, so it can be there
    /// only where all of them hear one: windows at a fine hop place it to about that hop.
    pub fn heard_at(&self, t: f64) -> f32 {
        let last = (t / self.hop_s).floor();
        let first = ((t - self.span_s) / self.hop_s).floor() + 1.0;
        if last < 0.0 || self.probs.is_empty() {
            return 0.0;
        }
        let first = first.max(0.0) as usize;
        let last = (last as usize).min(self.probs.len() - 1);
        self.probs
            .get(first..=last)
            .and_then(|held| held.iter().copied().reduce(f32::min))
            .unwrap_or(0.0)
    }
}

/// A teacher with the classes it is asked about, and where its answers are kept.
pub struct TrackSource {
    pub teacher: Teacher,
    /// Indices of the chosen classes, pooled by their maximum.
    pub chosen: Vec<usize>,
    /// Seconds between clip-teacher windows.
    pub clip_hop_s: f64,
    cache: PathBuf,
    /// Identifies the teacher, the selection and the hop in cache keys.
    fingerprint: u64,
}

/// FNV-1a, a stable hash for cache keys.
pub fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

impl TrackSource {
    /// Loads the teacher and chooses its classes: those whose names contain one of `include`
    /// (all when empty) and none of `exclude`.
    pub fn new(
        onnx: &Path,
        sidecar: Option<&Path>,
        include: &[String],
        exclude: &[String],
        clip_hop_s: f64,
        cache: &Path,
    ) -> Result<Self> {
        let teacher = Teacher::load(onnx, sidecar)?;
        let chosen: Vec<usize> = teacher
            .spec
            .classes
            .iter()
            .enumerate()
            .filter(|(_, name)| {
                include.is_empty() || include.iter().any(|p| name.contains(p.as_str()))
            })
            .filter(|(_, name)| !exclude.iter().any(|p| name.contains(p.as_str())))
            .map(|(i, _)| i)
            .collect();
        anyhow::ensure!(
            !chosen.is_empty(),
            "no teacher class matches the chosen ones"
        );
        let bytes = std::fs::read(onnx).with_context(|| format!("reading {}", onnx.display()))?;
        let mut fingerprint = fnv(FNV_START, &bytes);
        fingerprint = fnv(
            fingerprint,
            serde_json::to_string(&teacher.spec)?.as_bytes(),
        );
        for i in &chosen {
            fingerprint = fnv(fingerprint, &i.to_le_bytes());
        }
        fingerprint = fnv(fingerprint, &clip_hop_s.to_le_bytes());
        std::fs::create_dir_all(cache)
            .with_context(|| format!("cannot create the cache {}", cache.display()))?;
        Ok(Self {
            teacher,
            chosen,
            clip_hop_s,
            cache: cache.to_path_buf(),
            fingerprint,
        })
    }

    /// The track of the audio file at `path`: from the cache, or computed and cached.
    pub fn track(&self, path: &Path) -> Result<Track> {
        let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
        let mut key = fnv(
            self.fingerprint,
            path.canonicalize()?.to_string_lossy().as_bytes(),
        );
        key = fnv(key, &meta.len().to_le_bytes());
        if let Ok(modified) = meta.modified()?.duration_since(std::time::UNIX_EPOCH) {
            key = fnv(key, &modified.as_nanos().to_le_bytes());
        }
        let (json, raw) = (
            self.cache.join(format!("{key:016x}.json")),
            self.cache.join(format!("{key:016x}.features")),
        );
        if let Ok(text) = std::fs::read(&json) {
            let mut track: Track = serde_json::from_slice(&text)?;
            if let Ok(bytes) = std::fs::read(&raw) {
                let values: Vec<f32> = bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                let dim = values.len() / track.probs.len().max(1);
                track.features = Some((dim, values));
            }
            return Ok(track);
        }
        let track = self
            .compute(path)
            .with_context(|| format!("running the teacher on {}", path.display()))?;
        if let Some((_, values)) = &track.features {
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            hark::sinks::write_atomic(&raw, &bytes)?;
        }
        hark::sinks::write_atomic(&json, serde_json::to_string(&track)?.as_bytes())?;
        Ok(track)
    }

    /// Runs the teacher over a whole recording: back-to-back windows for a frame teacher (the
    /// last one padded with silence), windows every `clip_hop_s` for a clip teacher.
    fn compute(&self, path: &Path) -> Result<Track> {
        let spec = &self.teacher.spec;
        let audio = hark::audio::load(path, spec.sample_rate)?;
        let window = spec.window_samples;
        let classes = spec.classes.len();
        let pool = |row: &[f32]| self.chosen.iter().map(|&c| row[c]).fold(0.0f32, f32::max);
        let excerpt = |start: usize| {
            let mut w = vec![0.0; window];
            let end = (start + window).min(audio.len());
            w[..end - start].copy_from_slice(&audio[start..end]);
            w
        };
        let rate = spec.sample_rate as f64;
        match spec.output {
            Output::Frame => {
                let hop = spec.hop_samples.unwrap_or(window);
                let frames = audio.len().div_ceil(hop);
                let (mut probs, mut features) = (Vec::new(), Vec::new());
                let mut dim = 0;
                for start in (0..audio.len().max(1)).step_by(window) {
                    let (p, f) = self.teacher.run(&excerpt(start))?;
                    probs.extend(p.chunks(classes).map(pool));
                    if let Some((d, values)) = f {
                        dim = d;
                        features.extend(values);
                    }
                }
                probs.truncate(frames);
                features.truncate(frames * dim);
                Ok(Track {
                    hop_s: hop as f64 / rate,
                    span_s: hop as f64 / rate,
                    probs,
                    features: (dim > 0).then_some((dim, features)),
                })
            }
            Output::Clip => {
                let hop = ((self.clip_hop_s * rate).round() as usize).max(1);
                // Windows at least half inside the recording (padded with silence, as the
                // student's crops are), and always the first.
                let mut probs = Vec::new();
                for start in (0..audio.len().max(1)).step_by(hop) {
                    if start > 0 && start + window / 2 > audio.len() {
                        break;
                    }
                    let (p, _) = self.teacher.run(&excerpt(start))?;
                    probs.push(pool(&p[..classes]));
                }
                Ok(Track {
                    hop_s: hop as f64 / rate,
                    span_s: window as f64 / rate,
                    probs,
                    features: None,
                })
            }
        }
    }
}

/// A progress bar for running the teacher over `files` files.
pub fn teacher_bar(files: usize, show: bool) -> ProgressBar {
    let bar = if show {
        ProgressBar::new(files as u64)
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) =
        ProgressStyle::with_template("teacher {bar:30} {pos}/{len} files (eta {eta}) {wide_msg}")
    {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::Track;

    #[test]
    fn a_call_is_placed_where_every_window_holding_it_hears_it() {
        // 3 s windows every 0.5 s; those starting at 1.5..=4.0 s hear a call (all hold 4.0-4.5 s).
        let probs = (0..14)
            .map(|i| if (3..=8).contains(&i) { 0.9 } else { 0.1 })
            .collect();
        let track = Track {
            hop_s: 0.5,
            span_s: 3.0,
            probs,
            features: None,
        };
        for (t, want) in [(4.2, 0.9), (3.9, 0.1), (4.6, 0.1), (0.2, 0.1), (-1.0, 0.0)] {
            assert_eq!(track.heard_at(t), want, "at {t} s");
        }
        assert_eq!(
            track.heard_at(9.4),
            0.1,
            "the last window alone holds 9.4 s"
        );
        assert_eq!(track.heard_at(9.6), 0.0, "no window holds 9.6 s");
    }
}
