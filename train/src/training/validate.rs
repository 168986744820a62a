//! Validation: a student's event counts against the annotations of held-out recordings, through
//! the runtime's event detector and matching; unlabelled stretches count neither way.

use burn::prelude::*;
use hark::eval::annotations::Annotation;
use hark::eval::score::{Counts, matching};
use hark::stream::events::{EventRules, detect_all};

use crate::data::recordings::Recording;
use crate::inference::predict;
use crate::student::model::Student;

/// IoU above which a predicted event matches an annotated one.
const MIN_IOU: f64 = 0.3;

/// Event counts (class 0 against all annotations) of `model` on `recordings`.
pub fn validate(
    model: &Student,
    recordings: &[Recording],
    rules: &EventRules,
    device: &Device,
) -> Counts {
    let mut counts = Counts::default();
    for r in recordings {
        let probs = predict(model, &r.audio, device);
        counts += recording_counts(r, rules, &probs);
    }
    counts
}

/// The counts of the class-0 events `rules` find in frame probabilities `probs` against `r`'s
/// annotations: a prediction that matches no call and is centred in an unlabelled stretch is
/// neither right nor wrong (it may be an animal nobody boxed).
pub fn recording_counts(r: &Recording, rules: &EventRules, probs: &[f32]) -> Counts {
    let span = |e: &Annotation| (e.onset_s, e.offset_s);
    let reference: Vec<(f64, f64)> = r.events.iter().map(span).collect();
    let predicted: Vec<(f64, f64)> = detect_all(rules.clone(), probs)
        .iter()
        .filter(|e| e.class == 0)
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
        let c = recording_counts(&r, &rules, &probs);
        assert_eq!((c.tp, c.fp, c.fn_), (1, 1, 1));
    }
}
