//! Segment-based scoring: each recording's time axis cut into fixed segments, a segment positive
//! on a side where one of its events overlaps it; TP, FP, FN count segments (DCASE's metric).

use anyhow::{Result, bail};

use crate::eval::counts::Counts;

/// The default segment length in seconds, DCASE's.
pub const DEFAULT_SEGMENT_S: f64 = 1.0;

/// Segment indices stop here: beyond 2^53 an f64 no longer tells neighbouring integers apart, and
/// the cap keeps an absurd time (1e300 s) from overflowing the counts.
const MAX_INDEX: f64 = 9_007_199_254_740_992.0;

/// How far (in segments) a time may lie from a boundary and still count as on it: times come
/// from decimal text, and 0.3 / 0.1 is 2.9999999999999996, which must not reach into segment 2.
const SNAP: f64 = 1e-9;

/// Checks a segment length: a finite number of seconds above 0.
pub fn check_segment_s(seconds: f64) -> Result<f64> {
    if !(seconds.is_finite() && seconds > 0.0) {
        bail!("the segment length must be a number of seconds above 0, not {seconds}");
    }
    Ok(seconds)
}

/// Counts the segments of one recording (of one class): a segment positive on both sides is a TP,
/// on the predicted side only a FP, on the reference side only a FN. Segments positive on neither
/// side are true negatives, which F1 ignores, so the recording's length is not needed.
/// `(onset, offset)` spans in seconds; `segment_s` as [`check_segment_s`] passes it.
pub fn count_segments(
    reference: &[(f64, f64)],
    predicted: &[(f64, f64)],
    segment_s: f64,
) -> Counts {
    let reference = covered(reference, segment_s);
    let predicted = covered(predicted, segment_s);
    let tp = common(&reference, &predicted);
    Counts {
        tp,
        fp: total(&predicted) - tp,
        fn_: total(&reference) - tp,
    }
}

/// The segments that events cover, as sorted, disjoint half-open index ranges: several events in
/// one segment make it positive once.
fn covered(spans: &[(f64, f64)], segment_s: f64) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = spans
        .iter()
        .filter_map(|&span| segment_range(span, segment_s))
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The half-open range of segments that a span overlaps by a positive length: an event ending
/// on a boundary stays out of the next segment. `None` for an event of no length, which
/// overlaps nothing (and matches nothing at event level either).
fn segment_range((onset, offset): (f64, f64), segment_s: f64) -> Option<(usize, usize)> {
    if offset <= onset {
        return None;
    }
    let start = in_segments(onset, segment_s).floor();
    let end = in_segments(offset, segment_s).ceil();
    // The casts saturate, and MAX_INDEX bounds both ends.
    (start < end).then_some((start as usize, end as usize))
}

/// A time in segments from the recording's start, snapped onto a boundary it lies within
/// [`SNAP`] of, and held within 0..=[`MAX_INDEX`].
fn in_segments(seconds: f64, segment_s: f64) -> f64 {
    let q = seconds / segment_s;
    let nearest = q.round();
    let q = if (q - nearest).abs() < SNAP {
        nearest
    } else {
        q
    };
    // A NaN (which the parsers never pass) stays NaN, and [`segment_range`] gives it no range.
    q.clamp(0.0, MAX_INDEX)
}

/// The number of segments in sorted, disjoint ranges.
fn total(ranges: &[(usize, usize)]) -> usize {
    ranges.iter().map(|(start, end)| end - start).sum()
}

/// The number of segments two lists of sorted, disjoint ranges share.
fn common(a: &[(usize, usize)], b: &[(usize, usize)]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        shared += end.saturating_sub(start);
        // The range that ends first can share nothing with the other list's later ranges.
        if a[i].1 <= b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::score::Report;
    use crate::eval::score::tests::{counts, event};

    #[test]
    fn an_event_ending_on_a_boundary_stays_out_of_the_next_segment() {
        // Reference in segment 0 only; a prediction starting on 1.0 is in segment 1 only.
        assert_eq!(
            count_segments(&[(0.2, 1.0)], &[(1.0, 1.5)], 1.0),
            counts(0, 1, 1)
        );
        assert_eq!(
            count_segments(&[(0.2, 1.0)], &[(0.9, 1.0)], 1.0),
            counts(1, 0, 0)
        );
        // Decimal times on boundaries of 0.1 s segments, where plain division lands a hair off.
        assert_eq!(segment_range((0.3, 0.7), 0.1), Some((3, 7)));
        assert_eq!(
            count_segments(&[(0.1, 0.3)], &[(0.3, 0.6)], 0.1),
            counts(0, 3, 2)
        );
    }

    #[test]
    fn an_event_spanning_several_segments_makes_each_positive() {
        // 0.5..3.2 touches segments 0, 1, 2 and 3; the prediction finds one of them.
        assert_eq!(segment_range((0.5, 3.2), 1.0), Some((0, 4)));
        assert_eq!(
            count_segments(&[(0.5, 3.2)], &[(2.5, 2.6)], 1.0),
            counts(1, 0, 3)
        );
        // One prediction across two references: it shares segments 1 and 5 with them.
        assert_eq!(
            count_segments(&[(0.0, 2.0), (5.5, 6.5)], &[(1.5, 5.9)], 1.0),
            counts(2, 3, 2)
        );
        // Half-second segments: the same event covers 0.5..3.5, segments 1 to 6.
        assert_eq!(
            count_segments(&[(0.5, 3.2)], &[(0.0, 4.0)], 0.5),
            counts(6, 2, 0)
        );
    }

    #[test]
    fn two_events_in_one_segment_count_once() {
        let reference = [(0.1, 0.2), (0.6, 0.7)];
        assert_eq!(
            count_segments(&reference, &[(0.15, 0.25)], 1.0),
            counts(1, 0, 0)
        );
        // Two false alarms in one segment are one false positive; overlapping ranges merge.
        assert_eq!(
            count_segments(&reference, &[(5.1, 5.2), (5.3, 5.4), (4.5, 5.5)], 1.0),
            counts(0, 2, 1)
        );
    }

    #[test]
    fn predictions_without_references_are_false_positives_and_the_reverse_misses() {
        assert_eq!(
            count_segments(&[], &[(0.5, 2.5), (7.0, 7.1)], 1.0),
            counts(0, 4, 0)
        );
        assert_eq!(
            count_segments(&[(0.5, 2.5), (7.0, 7.1)], &[], 1.0),
            counts(0, 0, 4)
        );
        assert_eq!(count_segments(&[], &[], 1.0), counts(0, 0, 0));
        assert_eq!(counts(0, 0, 0).f1(), 1.0);
    }

    #[test]
    fn events_of_no_length_touch_no_segment_and_huge_times_stay_bounded() {
        assert_eq!(segment_range((2.0, 2.0), 1.0), None);
        assert_eq!(segment_range((2.5, 2.5), 1.0), None);
        assert_eq!(segment_range((f64::NAN, 2.5), 1.0), None);
        assert_eq!(
            count_segments(&[(1e300, f64::MAX)], &[(1e300, f64::MAX)], 1.0),
            counts(0, 0, 0)
        );
        let c = count_segments(&[(0.0, 1e300)], &[(0.0, 1.0)], 1.0);
        assert_eq!((c.tp, c.fp), (1, 0));
        assert_eq!(c.fn_, MAX_INDEX as usize - 1);
        // A segment so short that every time lies past the cap.
        assert_eq!(
            segment_range((0.0, 1.0), 1e-300),
            Some((0, MAX_INDEX as usize))
        );
    }

    #[test]
    fn segment_lengths_must_be_positive_and_finite() {
        assert_eq!(check_segment_s(0.25).ok(), Some(0.25));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = check_segment_s(bad).unwrap_err().to_string();
            assert!(err.contains("segment length"), "{err}");
        }
    }

    #[test]
    fn reports_pool_segments_per_class_and_over_recordings() {
        let reference = [event("A", 0.2, 0.4), event("B", 1.2, 1.4)];
        // A right; the second prediction has B's segment but class A.
        let predicted = [event("A", 0.5, 0.6), event("A", 1.5, 1.6)];
        let mut report = Report::new(false, 1.0);
        report.add_recording(&reference, &predicted);
        // A second recording: predictions where there is no reference.
        report.add_recording(&[], &[event("B", 3.0, 4.5)]);
        assert_eq!(report.classes["A"].segments, counts(1, 1, 0));
        assert_eq!(report.classes["B"].segments, counts(0, 2, 1));
        assert_eq!(report.all.segments, counts(1, 3, 1));

        let mut agnostic = Report::new(true, 1.0);
        agnostic.add_recording(&reference, &predicted);
        agnostic.add_recording(&[], &[event("B", 3.0, 4.5)]);
        assert_eq!(agnostic.all.segments, counts(2, 2, 0));
        // Event-level counts are what they were: segments are scored beside them.
        assert_eq!(agnostic.all.counts[0], counts(0, 3, 2));
    }
}
