//! The reference table of a written recording: a Raven selection table of its annotations.

use hark::eval::annotations::Annotation;
use std::fmt::Write;

/// A Raven selection table of `events` over the band 0..`nyquist_hz`, labels in `Annotation`, all on
/// channel 1: the recordings written are mono.
pub fn raven_selections(events: &[Annotation], nyquist_hz: f64) -> String {
    let mut out = String::from(
        "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\n",
    );
    for (i, e) in events.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}\tSpectrogram 1\t1\t{:.6}\t{:.6}\t0.0\t{nyquist_hz:.1}\t{}",
            i + 1,
            e.onset_s,
            e.offset_s,
            e.label
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark::eval::annotations::parse_raven;

    #[test]
    fn selections_read_back() {
        let events = vec![
            Annotation {
                onset_s: 0.25,
                offset_s: 0.5,
                label: "3".into(),
                channel: Some(1),
            },
            Annotation {
                onset_s: 1.0,
                offset_s: 1.125,
                label: "b".into(),
                channel: Some(1),
            },
        ];
        assert_eq!(
            parse_raven(&raven_selections(&events, 11025.0)).unwrap(),
            events
        );
    }
}
