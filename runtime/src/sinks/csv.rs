//! The CSV event table (`--format csv`): one row per event, fields quoted as RFC 4180 asks.

use std::fmt::Write;

use crate::stream::events::Event;

/// The header of hark's event CSV; `annotations::parse_csv` reads it back.
pub const CSV_HEADER: &str = "file,class,onset_s,offset_s,low_hz,high_hz,peak,mean,channel";

/// The header hark wrote before events carried their channel: such tables are hark's too.
pub const CSV_HEADER_MONO: &str = "file,class,onset_s,offset_s,low_hz,high_hz,peak,mean";

/// One CSV row per event: `audio_file`, class name, times (s), band (Hz), peak and mean score,
/// channel (from 1).
pub fn events_csv(
    events: &[Event],
    classes: &[String],
    band_hz: (f64, f64),
    audio_file: &str,
) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    let file = quoted(audio_file);
    for e in events {
        let class = quoted(classes.get(e.class).map(String::as_str).unwrap_or("?"));
        let _ = writeln!(
            out,
            "{file},{class},{:.6},{:.6},{:.1},{:.1},{:.4},{:.4},{}",
            e.onset_s,
            e.offset_s,
            band_hz.0,
            band_hz.1,
            e.peak,
            e.mean,
            e.channel + 1
        );
    }
    out
}

/// A CSV field, quoted when it holds a separator, quote or line break (RFC 4180).
fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::annotations::parse_csv;

    #[test]
    fn csv_reads_back_as_annotations() {
        let events = [Event {
            channel: 0,
            class: 0,
            onset_s: 1.25,
            offset_s: 1.5,
            peak: 0.9,
            mean: 0.7,
        }];
        let text = events_csv(&events, &["call".into()], (0.0, 8000.0), "site 1/r.wav");
        let back = parse_csv(&text).unwrap();
        let rows = &back["site 1/r.wav"];
        assert_eq!((rows[0].onset_s, rows[0].offset_s), (1.25, 1.5));
        assert_eq!(rows[0].label, "call");
        assert_eq!(quoted("a,b"), "\"a,b\"");
        let odd = events_csv(&events, &["call".into()], (0.0, 8000.0), "a,\"b\".wav");
        assert!(parse_csv(&odd).unwrap().contains_key("a,\"b\".wav"));
    }
}
