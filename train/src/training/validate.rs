//! Validation: a student's event counts against the annotations of held-out recordings, through
//! the runtime's event detector and matching; unlabelled stretches count neither way.

use burn::prelude::*;
use hark::eval::annotations::Annotation;
use hark::eval::score::{Counts, matching};
use hark::stream::events::{Event, EventRules, detect_all};

use crate::data::recordings::Recording;
use crate::inference::predict;
use crate::student::model::Student;

/// IoU above which a predicted event matches an annotated one.
const MIN_IOU: f64 = 0.3;

/// Event counts of `model` on `recordings`, pooled over the classes `labels` names (empty: class
/// 0 against every annotation).
pub fn validate(
    model: &Student,
    recordings: &[Recording],
    rules: &EventRules,
    labels: &[String],
    device: &Device,
) -> Counts {
    let mut counts = Counts::default();
    for r in recordings {
        let probs = predict(model, &r.audio, device);
        counts += recording_counts(r, rules, &probs, labels);
    }
    counts
}

/// The counts of the events `rules` find in frame probabilities `probs` against `r`'s
/// annotations, pooled over the classes `labels` names (each against the annotations with its
/// label; empty: class 0 against all of them). A prediction that matches no call and is centred
/// in an unlabelled stretch is neither right nor wrong (it may be an animal nobody boxed).
pub fn recording_counts(
    r: &Recording,
    rules: &EventRules,
    probs: &[f32],
    labels: &[String],
) -> Counts {
    let events = detect_all(rules.clone(), probs);
    if labels.is_empty() {
        return class_counts(r, &events, 0, |_| true);
    }
    let mut counts = Counts::default();
    for (class, label) in labels.iter().enumerate() {
        counts += class_counts(r, &events, class, |e| &e.label == label);
    }
    counts
}

/// The counts of `class`'s events among `events` against `r`'s annotations that `is_class`.
fn class_counts(
    r: &Recording,
    events: &[Event],
    class: usize,
    is_class: impl Fn(&Annotation) -> bool,
) -> Counts {
    let span = |e: &Annotation| (e.onset_s, e.offset_s);
    let reference: Vec<(f64, f64)> = r.events.iter().filter(|e| is_class(e)).map(span).collect();
    let predicted: Vec<(f64, f64)> = events
        .iter()
        .filter(|e| e.class == class)
        .map(|e| (e.onset_s, e.offset_s))
        .collect();
    let pairs = matching(&reference, &predicted, MIN_IOU);
    let mut matched = vec![false; predicted.len()];
    pairs.iter().for_each(|&(_, p)| matched[p] = true);
    let unlabelled = |(on, off): (f64, f64)| {
        let centre = (on + off) / 2.0;
        r.unlabelled
            .iter()
            .any(|u| (u.onset_s..u.offset_s).contains(&centre))
    };
    let ignored = predicted
        .iter()
        .zip(&matched)
        .filter(|&(&p, &m)| !m && unlabelled(p))
        .count();
    Counts {
        tp: pairs.len(),
        fp: predicted.len() - pairs.len() - ignored,
        fn_: reference.len() - pairs.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::targets::tests::ev;

    #[test]
    fn calls_inside_unlabelled_stretches_count_and_stray_events_there_do_not() {
        let r = Recording {
            name: "r".into(),
            audio: vec![],
            events: vec![ev(0.10, 0.20), ev(1.10, 1.20)],
            unlabelled: vec![ev(1.0, 2.0)],
        };
        // Frames of 10 ms: the call at 1.1 s found (inside the stretch), a stray event at 1.5 s
        // (inside: ignored), one at 3.0 s (outside: a false alarm), the call at 0.1 s missed.
        let mut probs = vec![0.0f32; 400];
        for range in [110..120, 150..160, 300..310] {
            probs[range].fill(0.9);
        }
        let rules = EventRules::from_seconds(vec![0.5], vec![0.4], 0.01, 0.0, 0.0, 30.0);
        let c = recording_counts(&r, &rules, &probs, &[]);
        assert_eq!((c.tp, c.fp, c.fn_), (1, 1, 1));
    }

    #[test]
    fn each_class_is_matched_only_with_its_own_label() {
        let labelled = |onset_s, offset_s, label: &str| Annotation {
            label: label.into(),
            ..ev(onset_s, offset_s)
        };
        let r = Recording {
            name: "r".into(),
            audio: vec![],
            events: vec![labelled(0.10, 0.20, "a"), labelled(0.50, 0.60, "b")],
            unlabelled: vec![],
        };
        // Class a (frame-major column 0) finds its call; class b fires on a's call, not on its own.
        let mut probs = vec![0.0f32; 2 * 100];
        for f in 10..20 {
            probs[2 * f] = 0.9;
            probs[2 * f + 1] = 0.9;
        }
        let rules = EventRules::from_seconds(vec![0.5; 2], vec![0.4; 2], 0.01, 0.0, 0.0, 30.0);
        let labels = ["a".to_string(), "b".to_string()];
        let c = recording_counts(&r, &rules, &probs, &labels);
        assert_eq!((c.tp, c.fp, c.fn_), (1, 1, 1));
    }
}
