//! Validation: a student's event counts against the annotations of held-out recordings, through
//! the runtime's event detector and matching.

use burn::prelude::*;
use hark::eval::score::{Counts, match_events};
use hark::stream::events::{EventRules, detect_all};

use crate::data::recordings::Recording;
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
        let predicted: Vec<(f64, f64)> = events
            .iter()
            .filter(|e| e.class == 0)
            .map(|e| (e.onset_s, e.offset_s))
            .collect();
        let reference: Vec<(f64, f64)> = r.events.iter().map(|e| (e.onset_s, e.offset_s)).collect();
        counts += match_events(&reference, &predicted, 0.3);
    }
    counts
}
