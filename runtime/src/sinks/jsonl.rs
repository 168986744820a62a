//! The JSON-lines event table (`--format jsonl`) and the one-event line it shares with
//! `hark listen`'s event log, with UTC times where the recording's start is known.

use std::time::{Duration, SystemTime};

use crate::stream::events::Event;

/// One JSON object per line and event: file, class, onset_s, offset_s, low_hz, high_hz, peak,
/// mean, channel (from 1); and `utc`, the onset's time, when the recording's start is known.
pub fn events_jsonl(
    events: &[Event],
    classes: &[String],
    band_hz: (f64, f64),
    audio_file: &str,
    start: Option<SystemTime>,
) -> String {
    let mut out = String::new();
    for e in events {
        let utc = start.map(|t| {
            let onset = t + Duration::from_secs_f64(e.onset_s.max(0.0));
            humantime::format_rfc3339_millis(onset).to_string()
        });
        let live = utc.as_deref().map(|utc| Live {
            utc,
            latency_ms: None,
        });
        out.push_str(&event_json(e, classes, band_hz, audio_file, live));
        out.push('\n');
    }
    out
}

/// One event as one line of JSON (without the newline); `live` adds when it happened and how
/// long after its audio it was reported, for `hark listen`'s event log.
pub fn event_json(
    e: &Event,
    classes: &[String],
    band_hz: (f64, f64),
    audio_file: &str,
    live: Option<Live<'_>>,
) -> String {
    let row = Row {
        file: audio_file,
        class: classes.get(e.class).map(String::as_str).unwrap_or("?"),
        onset_s: round(e.onset_s, 1e6),
        offset_s: round(e.offset_s, 1e6),
        low_hz: round(band_hz.0, 10.0),
        high_hz: round(band_hz.1, 10.0),
        peak: round(e.peak as f64, 1e4),
        mean: round(e.mean as f64, 1e4),
        channel: e.channel + 1,
        live,
    };
    serde_json::to_string(&row).unwrap_or_default()
}

/// What a live event adds to its line (and, `utc` alone, an event of a recording whose start
/// is known).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Live<'a> {
    /// Wall-clock time of the onset, RFC 3339 UTC.
    pub utc: &'a str,
    /// From the arrival of the audio that decided the event to its report, milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
}

/// One line, its fields in this order.
#[derive(serde::Serialize)]
struct Row<'a> {
    file: &'a str,
    class: &'a str,
    onset_s: f64,
    offset_s: f64,
    low_hz: f64,
    high_hz: f64,
    peak: f64,
    mean: f64,
    channel: usize,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    live: Option<Live<'a>>,
}

/// The same precision as the text formats, so every format tells the same numbers.
fn round(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_one_event() {
        let e = Event {
            channel: 0,
            class: 1,
            onset_s: 0.1234567,
            offset_s: 0.5,
            peak: 0.87654,
            mean: 0.5,
        };
        let text = events_jsonl(
            &[e.clone(), e],
            &["a".into(), "b".into()],
            (0.0, 8e3),
            "x.wav",
            None,
        );
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["class"], "b");
        assert_eq!(lines[0]["onset_s"], 0.123457);
        assert_eq!(lines[0]["peak"], 0.8765);
        assert_eq!(lines[0]["file"], "x.wav");
        assert_eq!(lines[0]["channel"], 1);
        assert!(lines[0].get("utc").is_none());
    }

    #[test]
    fn a_known_start_times_each_onset() {
        let e = Event {
            channel: 0,
            class: 0,
            onset_s: 61.25,
            offset_s: 62.0,
            peak: 0.9,
            mean: 0.8,
        };
        let start = humantime::parse_rfc3339("2026-05-01T09:30:00Z").unwrap();
        let text = events_jsonl(&[e], &["a".into()], (0.0, 8e3), "x.wav", Some(start));
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["utc"], "2026-05-01T09:31:01.250Z");
        assert!(line.get("latency_ms").is_none());
    }
}
