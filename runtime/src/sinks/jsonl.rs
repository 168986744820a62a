use crate::events::Event;

/// One JSON object per line and event: file, class, onset_s, offset_s, low_hz, high_hz, peak,
/// mean, channel (from 1).
pub fn events_jsonl(
    events: &[Event],
    classes: &[String],
    band_hz: (f64, f64),
    audio_file: &str,
) -> String {
    let mut out = String::new();
    for e in events {
        out.push_str(&event_json(e, classes, band_hz, audio_file, None));
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

/// What a live event adds to its line.
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
    }
}
