//! Event-level scoring: a predicted event matches a reference event when their IoU exceeds a
//! threshold; matches are a maximum bipartite matching per file; F = TP / (TP + (FP + FN) / 2).
//! A [`Report`] pools the counts of all recordings, per class and overall, at the IoU thresholds
//! of [`THRESHOLDS`], and beside them the [`segments`](crate::eval::segments) counts.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::eval::annotations::{Annotation, UNLABELLED};
pub use crate::eval::counts::Counts;
use crate::eval::segments::count_segments;

/// The IoU thresholds a [`Report`] scores at: 0.3 is the DCASE bioacoustics rule; 0.5 shows how
/// much of that depends on loose boundaries. Timing errors are taken at the first.
pub const THRESHOLDS: [f64; 2] = [0.3, 0.5];

/// Intersection over union of two time intervals.
pub fn iou(a: (f64, f64), b: (f64, f64)) -> f64 {
    let inter = (a.1.min(b.1) - a.0.max(b.0)).max(0.0);
    let union = a.1.max(b.1) - a.0.min(b.0);
    if union <= 0.0 { 0.0 } else { inter / union }
}

/// Matches one file's predictions against its references; `(onset, offset)` pairs in seconds.
pub fn match_events(reference: &[(f64, f64)], predicted: &[(f64, f64)], min_iou: f64) -> Counts {
    let pairs = matching(reference, predicted, min_iou);
    Counts {
        tp: pairs.len(),
        fp: predicted.len() - pairs.len(),
        fn_: reference.len() - pairs.len(),
    }
}

/// A maximum bipartite matching (Kuhn's augmenting paths) between reference and predicted events
/// whose IoU exceeds `min_iou`; returns `(reference index, predicted index)` pairs.
pub fn matching(
    reference: &[(f64, f64)],
    predicted: &[(f64, f64)],
    min_iou: f64,
) -> Vec<(usize, usize)> {
    // Candidate edges: events are short, so only overlapping ones can match; sort to find them fast.
    let mut order: Vec<usize> = (0..predicted.len()).collect();
    order.sort_by(|&a, &b| predicted[a].0.total_cmp(&predicted[b].0));
    let longest = predicted.iter().map(|p| p.1 - p.0).fold(0.0, f64::max);
    let edges: Vec<Vec<usize>> = reference
        .iter()
        .map(|&r| {
            let first = order.partition_point(|&i| predicted[i].0 < r.0 - longest);
            order[first..]
                .iter()
                .take_while(|&&i| predicted[i].0 < r.1)
                .copied()
                .filter(|&i| iou(r, predicted[i]) > min_iou)
                .collect()
        })
        .collect();

    let mut owner: Vec<Option<usize>> = vec![None; predicted.len()];
    // `visited[p] == r + 1` marks p as tried during reference r's search: one array serves all
    // searches, so a long recording costs time in its edges, not references x predictions.
    let mut visited = vec![0; predicted.len()];
    for r in 0..reference.len() {
        augment(r, r + 1, &edges, &mut owner, &mut visited);
    }
    owner
        .iter()
        .enumerate()
        .filter_map(|(p, r)| r.map(|r| (r, p)))
        .collect()
}

/// Finds an augmenting path from reference `r` (Kuhn); `search` stamps the predictions it tried.
fn augment(
    r: usize,
    search: usize,
    edges: &[Vec<usize>],
    owner: &mut [Option<usize>],
    visited: &mut [usize],
) -> bool {
    // A free prediction ends the path at once; taking those first keeps paths (and recursion)
    // short on ordinary data, where most events overlap one other event at most.
    if let Some(&p) = edges[r].iter().find(|&&p| owner[p].is_none()) {
        owner[p] = Some(r);
        return true;
    }
    for &p in &edges[r] {
        if visited[p] == search {
            continue;
        }
        visited[p] = search;
        if owner[p].is_none_or(|other| augment(other, search, edges, owner, visited)) {
            owner[p] = Some(r);
            return true;
        }
    }
    false
}

/// Scores pooled over recordings for one class (or all): counts at each of [`THRESHOLDS`], the
/// timing errors of the pairs matched at the first, and the segment counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// Counts at each threshold of [`THRESHOLDS`], in that order.
    pub counts: [Counts; THRESHOLDS.len()],
    /// Segment-based counts ([`count_segments`]): TP, FP, FN are segments, not events.
    pub segments: Counts,
    /// |predicted onset - reference onset| in ms, one per pair matched at IoU > `THRESHOLDS[0]`.
    pub onset_errors_ms: Vec<f64>,
    /// |predicted offset - reference offset| in ms, for the same pairs.
    pub offset_errors_ms: Vec<f64>,
}

impl Score {
    /// Adds one recording's events (of one class); `(onset, offset)` pairs in seconds.
    pub fn add(&mut self, reference: &[(f64, f64)], predicted: &[(f64, f64)]) {
        for (counts, &min_iou) in self.counts.iter_mut().zip(&THRESHOLDS) {
            *counts += match_events(reference, predicted, min_iou);
        }
        for (r, p) in matching(reference, predicted, THRESHOLDS[0]) {
            let (r, p) = (reference[r], predicted[p]);
            self.onset_errors_ms.push((p.0 - r.0).abs() * 1e3);
            self.offset_errors_ms.push((p.1 - r.1).abs() * 1e3);
        }
    }

    /// Adds one recording's segment counts (of one class) for segments of `segment_s` seconds.
    pub fn add_segments(
        &mut self,
        reference: &[(f64, f64)],
        predicted: &[(f64, f64)],
        segment_s: f64,
    ) {
        self.segments += count_segments(reference, predicted, segment_s);
    }

    /// Pools another score into this one.
    pub fn merge(&mut self, other: &Score) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += *theirs;
        }
        self.segments += other.segments;
        self.onset_errors_ms.extend(&other.onset_errors_ms);
        self.offset_errors_ms.extend(&other.offset_errors_ms);
    }

    /// Median onset error in ms; `None` when nothing matched.
    pub fn median_onset_error_ms(&self) -> Option<f64> {
        median(&self.onset_errors_ms)
    }

    /// Median offset error in ms; `None` when nothing matched.
    pub fn median_offset_error_ms(&self) -> Option<f64> {
        median(&self.offset_errors_ms)
    }
}

/// The median (the mean of the middle two for an even count); `None` for no values.
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Scores of a set of recordings, pooled over recordings: per class name and overall.
#[derive(Debug, Clone)]
pub struct Report {
    /// Per class name; empty when class-agnostic.
    pub classes: BTreeMap<String, Score>,
    /// All classes together: the sum of the classes' counts (a prediction of the wrong class is
    /// a false positive of its class and leaves a false negative in the reference's class).
    pub all: Score,
    /// Whether class names were ignored, any prediction matching any reference event.
    pub class_agnostic: bool,
    /// The length of the segments of the segment-based counts, in seconds.
    pub segment_s: f64,
}

impl Report {
    /// An empty report; `class_agnostic` ignores class names; `segment_s` is the segment length
    /// in seconds, as [`check_segment_s`](crate::eval::segments::check_segment_s) passes it.
    pub fn new(class_agnostic: bool, segment_s: f64) -> Self {
        Report {
            classes: BTreeMap::new(),
            all: Score::default(),
            class_agnostic,
            segment_s,
        }
    }

    /// Scores one recording. Class by class, events match only events of the same label, and a
    /// segment is positive for a class where an event of that class overlaps it; class-agnostic,
    /// any with any.
    ///
    /// Stretches labelled [`UNLABELLED`] are no reference events, and a prediction centred in one
    /// that overlaps no reference event counts neither way.
    pub fn add_recording(&mut self, reference: &[Annotation], predicted: &[Annotation]) {
        let (unlabelled, reference): (Vec<Annotation>, Vec<Annotation>) = reference
            .iter()
            .cloned()
            .partition(|a| a.label == UNLABELLED);
        let stray = |p: &Annotation| {
            let centre = (p.onset_s + p.offset_s) / 2.0;
            unlabelled
                .iter()
                .any(|u| (u.onset_s..u.offset_s).contains(&centre))
                && !reference
                    .iter()
                    .any(|r| r.onset_s < p.offset_s && p.onset_s < r.offset_s)
        };
        let predicted: Vec<Annotation> = predicted.iter().filter(|p| !stray(p)).cloned().collect();
        let (reference, predicted) = (reference.as_slice(), predicted.as_slice());
        if self.class_agnostic {
            let score = self.score(&spans(reference, None), &spans(predicted, None));
            self.all.merge(&score);
            return;
        }
        let mut labels: Vec<&str> = reference
            .iter()
            .chain(predicted)
            .map(|a| a.label.as_str())
            .collect();
        labels.sort_unstable();
        labels.dedup();
        for label in labels {
            let score = self.score(
                &spans(reference, Some(label)),
                &spans(predicted, Some(label)),
            );
            self.all.merge(&score);
            self.classes
                .entry(label.to_string())
                .or_default()
                .merge(&score);
        }
    }

    /// One recording's score (of one class): events and segments.
    fn score(&self, reference: &[(f64, f64)], predicted: &[(f64, f64)]) -> Score {
        let mut score = Score::default();
        score.add(reference, predicted);
        score.add_segments(reference, predicted, self.segment_s);
        score
    }

    /// The macro F1 at each of [`THRESHOLDS`]: the mean of the F1 of the classes the reference
    /// holds events of (a call-type or species model's figure, which a rare class weighs as much
    /// as a common one), with their number; `None` with fewer than two such classes.
    pub fn macro_f1(&self) -> Option<([f64; THRESHOLDS.len()], usize)> {
        let present: Vec<&Score> = (self.classes.values())
            .filter(|s| s.counts[0].tp + s.counts[0].fn_ > 0)
            .collect();
        (present.len() >= 2).then(|| {
            let n = present.len();
            let mean = |i: usize| present.iter().map(|s| s.counts[i].f1()).sum::<f64>() / n as f64;
            (std::array::from_fn(mean), n)
        })
    }

    /// The class names in reading order: numbers by value (syllable types `2` before `10`), then
    /// other names alphabetically.
    pub fn class_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.classes.keys().map(String::as_str).collect();
        names.sort_by(|a, b| natural_order(a, b));
        names
    }
}

/// The `(onset, offset)` spans of the events with `label` (all events for `None`).
fn spans(events: &[Annotation], label: Option<&str>) -> Vec<(f64, f64)> {
    events
        .iter()
        .filter(|a| label.is_none_or(|l| a.label == l))
        .map(|a| (a.onset_s, a.offset_s))
        .collect()
}

/// Numbers by value before other names, which go alphabetically.
fn natural_order(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => Ordering::Equal,
    }
    .then_with(|| a.cmp(b))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn iou_of_overlapping_intervals() {
        assert!((iou((0.0, 1.0), (0.5, 1.5)) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(iou((0.0, 1.0), (2.0, 3.0)), 0.0);
    }

    #[test]
    fn matching_is_maximum_not_greedy() {
        // Greedy in time order would give prediction 0 to reference 0 and leave reference 1 unmatched.
        let reference = [(0.0, 1.0), (0.9, 1.6)];
        let predicted = [(0.4, 1.5), (0.5, 1.0)];
        let counts = match_events(&reference, &predicted, 0.3);
        assert_eq!(
            counts,
            Counts {
                tp: 2,
                fp: 0,
                fn_: 0
            }
        );
    }

    #[test]
    fn counts_and_f1() {
        let reference = [(0.0, 0.1), (1.0, 1.1), (2.0, 2.1)];
        let predicted = [(0.0, 0.1), (1.02, 1.12), (5.0, 5.1)];
        let c = match_events(&reference, &predicted, 0.3);
        assert_eq!(
            c,
            Counts {
                tp: 2,
                fp: 1,
                fn_: 1
            }
        );
        assert!((c.f1() - 2.0 / 3.0).abs() < 1e-12);
    }

    pub(crate) fn counts(tp: usize, fp: usize, fn_: usize) -> Counts {
        Counts { tp, fp, fn_ }
    }

    pub(crate) fn event(label: &str, onset_s: f64, offset_s: f64) -> Annotation {
        Annotation {
            onset_s,
            offset_s,
            label: label.into(),
            channel: None,
        }
    }

    #[test]
    fn unlabelled_stretches_are_no_references_and_strays_in_them_count_neither_way() {
        let reference = [
            event(UNLABELLED, 1.0, 3.0),
            event("call", 1.5, 1.7),
            event("call", 5.0, 5.2),
        ];
        let predicted = [
            event("call", 1.5, 1.7), // a call inside the stretch: found
            event("call", 2.4, 2.6), // a stray inside it: neither way
            event("call", 4.0, 4.1), // outside: a false alarm
        ];
        for agnostic in [true, false] {
            let mut report = Report::new(agnostic, 1.0);
            report.add_recording(&reference, &predicted);
            assert_eq!(report.all.counts[0], counts(1, 1, 1), "{agnostic}");
            assert!(!report.classes.contains_key(UNLABELLED));
        }
    }

    #[test]
    fn score_counts_at_both_thresholds_and_times_the_loose_pairs() {
        let reference = [(0.0, 0.1), (1.0, 1.1), (2.0, 2.1)];
        // IoU 0.75 (onset 10 ms late, offset 20 ms late), 1 (exact), 1/3 (50 ms late), 0 (spurious).
        let predicted = [(0.01, 0.12), (1.0, 1.1), (2.05, 2.15), (3.0, 3.1)];
        let mut score = Score::default();
        score.add(&reference, &predicted);
        assert_eq!(score.counts, [counts(3, 1, 0), counts(2, 2, 1)]);
        let onset = score.median_onset_error_ms().unwrap();
        let offset = score.median_offset_error_ms().unwrap();
        assert!((onset - 10.0).abs() < 1e-9, "{onset}");
        assert!((offset - 20.0).abs() < 1e-9, "{offset}");
        assert!((score.counts[0].f1() - 3.0 / 3.5).abs() < 1e-12);
        assert!((score.counts[1].f1() - 2.0 / 3.5).abs() < 1e-12);
    }

    #[test]
    fn medians_of_odd_even_and_no_values() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(Score::default().median_onset_error_ms(), None);
    }

    #[test]
    fn a_prediction_of_the_wrong_class_is_a_false_positive_and_a_miss() {
        let reference = [event("A", 0.0, 0.1), event("B", 1.0, 1.1)];
        let predicted = [event("A", 0.0, 0.1), event("A", 1.0, 1.1)];
        let mut report = Report::new(false, 1.0);
        report.add_recording(&reference, &predicted);
        // A second recording, pooled: one more A, missed.
        report.add_recording(&[event("A", 5.0, 5.2)], &[]);
        assert_eq!(report.classes["A"].counts[0], counts(1, 1, 1));
        assert_eq!(report.classes["B"].counts[0], counts(0, 0, 1));
        assert_eq!(report.all.counts[0], counts(1, 1, 2));
        assert!((report.all.counts[0].f1() - 1.0 / 2.5).abs() < 1e-12);

        let mut agnostic = Report::new(true, 1.0);
        agnostic.add_recording(&reference, &predicted);
        agnostic.add_recording(&[event("A", 5.0, 5.2)], &[]);
        assert!(agnostic.classes.is_empty());
        assert_eq!(agnostic.all.counts, [counts(2, 0, 1), counts(2, 0, 1)]);
        assert_eq!(agnostic.all.median_onset_error_ms(), Some(0.0));

        // Macro F1: A's 0.5 (1 TP, 1 FP, 1 FN) and B's 0, each class weighing the same.
        let (f1, n) = report.macro_f1().unwrap();
        assert_eq!(n, 2);
        assert!((f1[0] - 0.25).abs() < 1e-12, "{f1:?}");
        assert_eq!(agnostic.macro_f1(), None);
        let mut one = Report::new(false, 1.0);
        one.add_recording(&[event("A", 0.0, 0.1)], &[event("C", 0.0, 0.1)]);
        assert_eq!(one.macro_f1(), None, "C holds no reference event");
    }

    #[test]
    fn class_names_read_in_numeric_order() {
        let mut report = Report::new(false, 1.0);
        let events: Vec<Annotation> = ["10", "syllable", "2", "0", "call"]
            .iter()
            .map(|l| event(l, 0.0, 0.1))
            .collect();
        report.add_recording(&events, &[]);
        assert_eq!(report.class_names(), ["0", "2", "10", "call", "syllable"]);
    }

    #[test]
    fn many_identical_events_match_one_to_one() {
        let events = vec![(1.0, 1.1); 2000];
        assert_eq!(match_events(&events, &events, 0.3), counts(2000, 0, 0));
        assert_eq!(match_events(&events, &events[..5], 0.3), counts(5, 0, 1995));
    }
}
