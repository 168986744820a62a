//! `hark listen`'s event log: JSON lines appended and flushed one by one as events close, and
//! read back (torn last line skipped) for the table and summary written at the end.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::stream::events::Event;

/// An append-only file of JSON lines, flushed line by line, so that a crash or a power cut
/// loses at most the line being written.
pub struct EventLog {
    path: PathBuf,
    file: File,
}

impl EventLog {
    /// Opens `path` for appending (creating it).
    pub fn open(path: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open {} for appending", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one line and flushes it to the file.
    pub fn append(&mut self, line: &str) -> Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.flush())
            .with_context(|| format!("writing {}", self.path.display()))
    }

    /// Where it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The events of an event log written by [`EventLog`] with [`super::event_json`] lines; class
/// names are looked up in `classes`. Lines that are not events (a torn last line) are skipped.
pub fn read_event_log(path: &Path, classes: &[String]) -> Result<Vec<Event>> {
    let file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<Logged>(&line).ok())
        .map(|l| Event {
            channel: 0,
            class: classes.iter().position(|c| *c == l.class).unwrap_or(0),
            onset_s: l.onset_s,
            offset_s: l.offset_s,
            peak: l.peak,
            mean: l.mean,
        })
        .collect())
}

#[derive(serde::Deserialize)]
struct Logged {
    class: String,
    onset_s: f64,
    offset_s: f64,
    peak: f32,
    mean: f32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::event_json;

    #[test]
    fn appended_events_read_back_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.events.jsonl");
        let classes = ["a".to_string(), "b".to_string()];
        let e = Event {
            channel: 0,
            class: 1,
            onset_s: 1.25,
            offset_s: 1.5,
            peak: 0.75,
            mean: 0.5,
        };
        for _ in 0..2 {
            let mut log = EventLog::open(&path).unwrap();
            log.append(&event_json(&e, &classes, (0.0, 8e3), "x", None))
                .unwrap();
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"class\": \"b\", \"ons")
            .unwrap();
        assert_eq!(read_event_log(&path, &classes).unwrap(), [e.clone(), e]);
    }
}
