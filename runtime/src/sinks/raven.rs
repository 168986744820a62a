//! The Raven selection table (`--format raven`, the default): Raven's columns plus scores and
//! file, named so that it opens next to its audio in Raven.

use std::io::Write;
use std::path::Path;

use crate::stream::events::Event;

/// The name Raven gives the selection table of an audio file: `<stem>.Table.1.selections.txt`.
pub fn raven_table_name(audio: &Path) -> String {
    let stem = audio
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    format!("{stem}.Table.1.selections.txt")
}

/// The header line of hark's selection tables: Raven's columns, then the scores and the file.
pub const RAVEN_HEADER: &str = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\t\
    Low Freq (Hz)\tHigh Freq (Hz)\tAnnotation\tScore\tMean Score\tBegin File";

/// A Raven selection table for one audio file's events; the band spans `band_hz`.
pub fn raven_table(
    events: &[Event],
    classes: &[String],
    band_hz: (f64, f64),
    audio_file: &str,
) -> String {
    let mut out = Vec::new();
    write_raven_table(&mut out, events, classes, band_hz, audio_file)
        .expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the table is UTF-8")
}

/// [`raven_table`], written row by row into `out`.
pub fn write_raven_table(
    out: &mut dyn Write,
    events: &[Event],
    classes: &[String],
    band_hz: (f64, f64),
    audio_file: &str,
) -> std::io::Result<()> {
    writeln!(out, "{RAVEN_HEADER}")?;
    for (i, e) in events.iter().enumerate() {
        let class = classes.get(e.class).map(String::as_str).unwrap_or("?");
        writeln!(
            out,
            "{}\tSpectrogram 1\t{}\t{:.6}\t{:.6}\t{:.1}\t{:.1}\t{class}\t{:.4}\t{:.4}\t{audio_file}",
            i + 1,
            e.channel + 1,
            e.onset_s,
            e.offset_s,
            band_hz.0,
            band_hz.1,
            e.peak,
            e.mean,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::annotations::parse_raven;

    #[test]
    fn table_reads_back() {
        let events = vec![
            Event {
                channel: 0,
                class: 0,
                onset_s: 0.5,
                offset_s: 0.62,
                peak: 0.9,
                mean: 0.7,
            },
            Event {
                channel: 0,
                class: 0,
                onset_s: 1.0,
                offset_s: 1.1,
                peak: 0.8,
                mean: 0.6,
            },
        ];
        let table = raven_table(&events, &["syllable".into()], (0.0, 8000.0), "a.wav");
        let back = parse_raven(&table).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(
            (back[1].onset_s, back[1].offset_s, back[1].label.as_str()),
            (1.0, 1.1, "syllable")
        );
        assert_eq!(
            raven_table_name(Path::new("x/rec 1.wav")),
            "rec 1.Table.1.selections.txt"
        );
    }
}
