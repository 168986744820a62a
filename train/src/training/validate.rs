//! Validation: a student's event counts against the annotations of held-out recordings, through
//! the runtime's event detector and matching; unlabelled stretches count neither way.

use burn::prelude::*;
use hark::eval::score::{Counts, match_events};
use hark::stream::events::{EventRules, detect_all};

use crate::data::recordings::Recording;
use crate::data::targets::UNKNOWN_LABEL;
use crate::inference::predict;
use crate::student::model::Student;

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
        let events = detect_all(rules.clone(), &probs);
        let (unknown, reference): (Vec<_>, Vec<_>) = r
            .events
            .iter()
            .map(|e| (e.label == UNKNOWN_LABEL, (e.onset_s, e.offset_s)))
            .partition(|(unknown, _)| *unknown);
        // An event centred in an unlabelled stretch is neither right nor wrong.
        let unlabelled = |t: f64| {
            unknown
                .iter()
                .any(|(_, (on, off))| (*on..*off).contains(&t))
        };
        let predicted: Vec<(f64, f64)> = events
            .iter()
            .filter(|e| e.class == 0 && !unlabelled((e.onset_s + e.offset_s) / 2.0))
            .map(|e| (e.onset_s, e.offset_s))
            .collect();
        let reference: Vec<(f64, f64)> = reference.into_iter().map(|(_, span)| span).collect();
        counts += match_events(&reference, &predicted, 0.3);
    }
    counts
}
