//! What a teacher hears, as event tables: its track over each recording, through the runtime's
//! event detector, into Raven selection tables.
//!
//! This is how a teacher is scored with `hark eval` beside the students, and how a lab looks at
//! what a public model says before distilling from it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use hark::model::contract::Boundaries;
use hark::sinks::{raven_table, raven_table_name, write_atomic};
use hark::stream::events::{Event, EventRules, detect_all};

use super::tracks::{Track, TrackSource, teacher_bar};
use crate::data::recordings::audio_files;

/// The event rules of a teacher's tables.
#[derive(Debug, Clone, Copy)]
pub struct LabelRules {
    pub on: f32,
    pub off: f32,
    pub min_event_s: f64,
}

/// Events of one track: frame tracks through the hysteresis detector; for clip tracks each run
/// of windows above `on` becomes one event spanning them.
pub fn track_events(track: &Track, rules: LabelRules) -> Vec<Event> {
    let clip_tail = (track.span_s - track.hop_s).max(0.0);
    let min_frames = if clip_tail > 0.0 {
        1
    } else {
        EventRules::frames(rules.min_event_s, track.hop_s)
    };
    let mut events = detect_all(
        EventRules {
            on: vec![rules.on],
            off: vec![rules.off],
            min_frames,
            merge_gap_frames: 0,
            max_frames: 0,
            hop_s: track.hop_s,
            boundaries: Boundaries::Model,
            kept: vec![true],
        },
        &track.probs,
    );
    for e in &mut events {
        e.offset_s += clip_tail;
    }
    events
}

/// Writes one Raven table per audio file under `inputs` (files or folders) into `out`, named
/// after the file; returns (files labelled, events, failures). A file that fails is named on
/// stderr and the others go on.
pub fn label(
    source: &TrackSource,
    inputs: &[PathBuf],
    out: &Path,
    rules: LabelRules,
) -> Result<(usize, usize, Vec<String>)> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            files.extend(audio_files(input)?);
        } else {
            files.push(input.clone());
        }
    }
    anyhow::ensure!(!files.is_empty(), "no WAV or FLAC files to label");
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let classes = vec!["teacher".to_string()];
    let band = (0.0, source.teacher.spec.sample_rate as f64 / 2.0);
    let bar = teacher_bar(files.len(), true);
    let (mut done, mut events, mut failed) = (0, 0, Vec::new());
    for file in &files {
        bar.set_message(file.display().to_string());
        let result = source.track(file).and_then(|track| {
            let found = track_events(&track, rules);
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let table = raven_table(&found, &classes, band, &name);
            write_atomic(&out.join(raven_table_name(file)), table.as_bytes())?;
            Ok(found.len())
        });
        match result {
            Ok(n) => {
                done += 1;
                events += n;
            }
            Err(e) => {
                bar.suspend(|| eprintln!("hark-train: {}: {e:#}", file.display()));
                failed.push(file.display().to_string());
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok((done, events, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: LabelRules = LabelRules {
        on: 0.5,
        off: 0.4,
        min_event_s: 0.02,
    };

    #[test]
    fn frame_tracks_use_hysteresis_and_the_shortest_event() {
        let track = Track {
            hop_s: 0.01,
            span_s: 0.01,
            probs: vec![0.1, 0.6, 0.45, 0.7, 0.2, 0.9, 0.1],
            features: None,
        };
        let events = track_events(&track, RULES);
        assert_eq!(events.len(), 1, "{events:?}");
        assert!((events[0].onset_s - 0.01).abs() < 1e-9);
        assert!((events[0].offset_s - 0.04).abs() < 1e-9);
    }

    #[test]
    fn clip_tracks_span_their_windows() {
        let track = Track {
            hop_s: 1.5,
            span_s: 3.0,
            probs: vec![0.9, 0.8, 0.1, 0.1, 0.7],
            features: None,
        };
        let spans: Vec<(f64, f64)> = track_events(&track, RULES)
            .iter()
            .map(|e| (e.onset_s, e.offset_s))
            .collect();
        assert_eq!(spans, vec![(0.0, 4.5), (6.0, 9.0)]);
    }
}
