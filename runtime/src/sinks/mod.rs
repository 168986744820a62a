//! Sinks: where events go. One table per recording in the chosen format, and optional clips;
//! for live monitoring, an event log appended as events close and clips cut from a history ring.

mod atomic;
mod clips;
mod csv;
mod event_log;
mod jsonl;
mod raven;
mod wav;

use std::path::Path;
use std::time::SystemTime;

pub use atomic::{write_atomic, write_atomic_with};
pub use clips::{ClipRecorder, Roll, clip_name, write_channel_clips, write_clips};
pub use csv::{CSV_HEADER, CSV_HEADER_MONO, events_csv};
pub use event_log::{EventLog, read_event_log};
pub use jsonl::{Live, event_json, events_jsonl};
pub use raven::{RAVEN_HEADER, raven_table, raven_table_name, write_raven_table};
pub use wav::{Encoding, write_wav};

use crate::stream::events::Event;

/// The format of the per-recording event tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Raven selection table (`<stem>.Table.1.selections.txt`), opens next to the audio in Raven.
    #[default]
    Raven,
    /// Comma-separated values (`<stem>.events.csv`).
    Csv,
    /// One JSON object per event and line (`<stem>.events.jsonl`).
    Jsonl,
}

impl Format {
    /// The table's file name for `audio`.
    pub fn table_name(self, audio: &Path) -> String {
        let stem = audio
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        match self {
            Format::Raven => raven_table_name(audio),
            Format::Csv => format!("{stem}.events.csv"),
            Format::Jsonl => format!("{stem}.events.jsonl"),
        }
    }

    /// The table for one recording's events; `band_hz` fills the frequency columns, and JSON
    /// lines time each onset from `start`, the recording's start, where it is known.
    pub fn render(
        self,
        events: &[Event],
        classes: &[String],
        band_hz: (f64, f64),
        audio_file: &str,
        start: Option<SystemTime>,
    ) -> String {
        match self {
            Format::Raven => raven_table(events, classes, band_hz, audio_file),
            Format::Csv => events_csv(events, classes, band_hz, audio_file),
            Format::Jsonl => events_jsonl(events, classes, band_hz, audio_file, start),
        }
    }

    /// Whether `existing` (a file's text) was written by hark in this format, and so may be
    /// replaced; anything else (a person's annotations, above all) is never overwritten.
    pub fn wrote(self, existing: &str) -> bool {
        let first = existing.lines().next().unwrap_or("");
        match self {
            Format::Raven => first == RAVEN_HEADER,
            Format::Csv => first == CSV_HEADER || first == CSV_HEADER_MONO,
            Format::Jsonl => {
                first.is_empty()
                    || serde_json::from_str::<serde_json::Value>(first)
                        .is_ok_and(|v| v.get("onset_s").is_some() && v.get("peak").is_some())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_recognizes_only_its_own_tables() {
        let events = [Event {
            channel: 0,
            class: 0,
            onset_s: 1.0,
            offset_s: 2.0,
            peak: 0.9,
            mean: 0.8,
        }];
        let classes = ["call".to_string()];
        for format in [Format::Raven, Format::Csv, Format::Jsonl] {
            let ours = format.render(&events, &classes, (0.0, 8000.0), "a.wav", None);
            assert!(format.wrote(&ours), "{format:?}");
        }
        let human = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\n";
        assert!(!Format::Raven.wrote(human));
        assert!(!Format::Csv.wrote("file,onset_s,offset_s,label\n"));
        assert!(!Format::Jsonl.wrote("{\"note\": 1}\n"));
        assert_eq!(
            Format::Csv.table_name(Path::new("d/r.flac")),
            "r.events.csv"
        );
    }
}
