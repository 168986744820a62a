//! Distillation: a streaming student learns from what any contract-2 teacher (ours, or a public
//! model with a sidecar) says about labelled and unlabelled audio.
//!
//! The teacher runs once per file (`teacher::tracks`, cached on disk). The student learns its
//! frame probabilities as soft targets (mixed with the annotations where there are some), or for
//! clip teachers its pooled probability against the teacher's clip probability; optionally the
//! teacher's features through a projection.

pub mod agreement;
pub mod crops;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use crate::data::activity::sounding;
use crate::data::recordings::{Recording, audio_files, split_by_file};
use crate::teacher::contract::Output;
use crate::teacher::tracks::{Track, TrackSource, teacher_bar};
use crops::Item;

/// The distillation part of a training run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DistillConfig {
    /// The teacher's ONNX file (contract 2).
    pub teacher: PathBuf,
    /// TOML sidecar describing a teacher that has no `hark.teacher` metadata.
    pub teacher_config: Option<PathBuf>,
    /// Folders of unlabelled audio the teacher labels.
    pub audio: Vec<PathBuf>,
    /// Teacher classes pooled into the student's class: names containing one of these (all
    /// when empty)...
    pub teacher_classes: Vec<String>,
    /// ...and none of these.
    pub exclude_classes: Vec<String>,
    /// Weight of the annotations against the teacher's targets in labelled crops, 0..1.
    pub hard_weight: f32,
    /// Whether a labelled frame's target never falls below its label (the teacher then only
    /// raises the negatives).
    #[serde(default)]
    pub keep_positives: bool,
    /// Weight of the feature regression (0: off).
    pub feature_weight: f32,
    /// Seconds between the windows a clip teacher is run on.
    pub clip_hop_s: f64,
    /// Whether the student also learns, frame by frame, where something sounds inside the windows
    /// where a clip teacher hears an animal, so that it learns when, not only whether.
    #[serde(default)]
    pub localize: bool,
    /// Where teacher outputs are cached.
    pub cache: PathBuf,
}

impl DistillConfig {
    /// The teacher as the student's metadata names it.
    pub fn teacher_name(&self) -> String {
        let mut name = self.teacher.display().to_string();
        if !self.teacher_classes.is_empty() || !self.exclude_classes.is_empty() {
            name += &format!(
                " (classes: {}; excluded: {})",
                if self.teacher_classes.is_empty() {
                    "all".to_string()
                } else {
                    self.teacher_classes.join(", ")
                },
                self.exclude_classes.join(", ")
            );
        }
        name
    }

    /// Loads the teacher and chooses its classes.
    pub fn source(&self) -> Result<TrackSource> {
        TrackSource::new(
            &self.teacher,
            self.teacher_config.as_deref(),
            &self.teacher_classes,
            &self.exclude_classes,
            self.clip_hop_s,
            &self.cache,
        )
    }
}

/// The teacher's answers for a run: on its training recordings (annotated and not), and on
/// held-out unlabelled files for the agreement figures.
pub struct TeacherData {
    pub items: Vec<Item>,
    pub held_out: Vec<Item>,
    /// Whether the teacher gives one probability per window...
    pub clips: bool,
    /// ...of this many seconds.
    pub window_s: f64,
    /// Width of its features, if it gives them.
    pub feature_dim: Option<usize>,
}

impl TeacherData {
    /// Runs the teacher (or reads its cache) over the `annotated` training recordings (found
    /// under `data`) and the unlabelled audio at `rate` Hz, holding out the share `val_fraction`
    /// of the unlabelled files.
    pub fn load(
        d: &DistillConfig,
        data: Option<&Path>,
        val_fraction: f64,
        rate: u32,
        annotated: &[Recording],
        show_progress: bool,
    ) -> Result<Self> {
        let source = d.source()?;
        let clips = source.teacher.spec.output == Output::Clip;
        anyhow::ensure!(
            clips || !d.localize,
            "--localize places a clip teacher's windows in time, but {} gives frame outputs, \
             which already say when",
            d.teacher.display()
        );
        let ((train, train_paths), (held, held_paths)) = unlabelled(&d.audio, rate, val_fraction)?;
        let annotated_paths: Vec<PathBuf> = match data {
            Some(data) => annotated.iter().map(|r| data.join(&r.name)).collect(),
            None => Vec::new(),
        };
        let bar = teacher_bar(annotated.len() + train.len() + held.len(), show_progress);
        let mut items = with_tracks(&source, annotated.to_vec(), &annotated_paths, true, &bar)?;
        items.extend(with_tracks(&source, train, &train_paths, false, &bar)?);
        let held_out = with_tracks(&source, held, &held_paths, false, &bar)?;
        bar.finish_and_clear();
        if d.localize {
            for item in items.iter_mut().filter(|i| !i.labelled) {
                item.sounding = Some(sounding_track(&item.recording.audio, rate)?);
            }
        }
        let feature_dim = items
            .iter()
            .find_map(|i| i.track.features.as_ref().map(|f| f.0));
        Ok(Self {
            items,
            held_out,
            clips,
            window_s: source.teacher.spec.window_s(),
            feature_dim,
        })
    }
}

/// Where something sounds in `audio` (at `rate` Hz), as a track of 1 (sounding) and 0 per 10 ms.
pub fn sounding_track(audio: &[f32], rate: u32) -> Result<Track> {
    const HOP_S: f64 = 0.01;
    let frames = (audio.len() as f64 / rate as f64 / HOP_S).ceil() as usize;
    let mut probs = vec![0.0; frames];
    for e in sounding(audio, rate, 0.0)? {
        let (a, b) = (
            (e.onset_s / HOP_S).round() as usize,
            (e.offset_s / HOP_S).round() as usize,
        );
        if let Some(sounding) = probs.get_mut(a..b.min(frames)) {
            sounding.fill(1.0);
        }
    }
    Ok(Track {
        hop_s: HOP_S,
        span_s: HOP_S,
        probs,
        features: None,
    })
}

/// Runs the teacher (or reads its cache) for every recording; `paths[i]` is recording `i`'s file.
pub fn with_tracks(
    source: &TrackSource,
    recordings: Vec<Recording>,
    paths: &[PathBuf],
    labelled: bool,
    bar: &ProgressBar,
) -> Result<Vec<Item>> {
    recordings
        .into_iter()
        .zip(paths)
        .map(|(recording, path)| {
            bar.set_message(recording.name.clone());
            let track = source.track(path)?;
            bar.inc(1);
            Ok(Item {
                recording,
                labelled,
                track,
                sounding: None,
            })
        })
        .collect()
}

/// Recordings with the files they came from.
pub type WithPaths = (Vec<Recording>, Vec<PathBuf>);

/// The unlabelled recordings under `dirs` at `rate` Hz, split by file name like annotated
/// data: (training, held out), each with its file paths.
pub fn unlabelled(dirs: &[PathBuf], rate: u32, held_out: f64) -> Result<(WithPaths, WithPaths)> {
    let mut recordings = Vec::new();
    let mut paths = std::collections::BTreeMap::new();
    for dir in dirs {
        let files = audio_files(dir)?;
        anyhow::ensure!(
            !files.is_empty(),
            "no WAV or FLAC files under {}",
            dir.display()
        );
        for path in files {
            let audio =
                hark::audio::load(&path, rate).with_context(|| format!("{}", path.display()))?;
            // Named from the folder down, so the split is the same on every machine.
            let inside = path.strip_prefix(dir).unwrap_or(&path);
            let folder = dir
                .file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default();
            let name = format!("{folder}/{}", inside.display());
            recordings.push(Recording {
                name: name.clone(),
                audio,
                events: Vec::new(),
                unlabelled: Vec::new(),
            });
            paths.insert(name, path);
        }
    }
    let (train, held) = split_by_file(recordings, held_out);
    let with_paths = |set: Vec<Recording>| {
        let p = set.iter().map(|r| paths[&r.name].clone()).collect();
        (set, p)
    };
    Ok((with_paths(train), with_paths(held)))
}
