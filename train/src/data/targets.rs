//! Frame targets from annotated events: 1 for a call, 0 for none, and [`UNKNOWN`] for a
//! stretch nobody labelled (tables' `?` events, `Recording::unlabelled`), which the losses leave
//! out: a general detector must not learn to ignore what it cannot be told about.

use hark::eval::annotations::Annotation;

/// The target of a frame that no loss may count.
pub const UNKNOWN: f32 = -1.0;

/// Per-frame targets for `frames` frames of `hop_s` seconds: 1 where an annotated event covers at
/// least half the frame. Where two events touch (annotators often split a call sequence inside a
/// short silence), the frame holding the boundary is 0, so the detector learns to separate them.
/// Frames an `unlabelled` stretch overlaps at all, and no call covers, are [`UNKNOWN`].
pub fn frame_targets(
    events: &[Annotation],
    unlabelled: &[Annotation],
    frames: usize,
    hop_s: f64,
) -> Vec<f32> {
    let mut targets = vec![0.0f32; frames];
    let frame_of = |t: f64| (t / hop_s).floor().max(0.0) as usize;
    for e in unlabelled {
        let last = frame_of(e.offset_s).min(frames.saturating_sub(1));
        let first = frame_of(e.onset_s);
        for (f, target) in targets.iter_mut().enumerate().take(last + 1).skip(first) {
            if e.offset_s > f as f64 * hop_s {
                *target = UNKNOWN;
            }
        }
    }
    for e in events {
        let first = frame_of(e.onset_s);
        let last = frame_of(e.offset_s).min(frames.saturating_sub(1));
        for (f, target) in targets.iter_mut().enumerate().take(last + 1).skip(first) {
            let start = f as f64 * hop_s;
            let overlap = (e.offset_s.min(start + hop_s) - e.onset_s.max(start)).max(0.0);
            if overlap >= hop_s / 2.0 {
                *target = 1.0;
            }
        }
    }
    for pair in events.windows(2) {
        let gap = pair[1].onset_s - pair[0].offset_s;
        if (0.0..hop_s).contains(&gap) {
            let f = frame_of((pair[0].offset_s + pair[1].onset_s) / 2.0);
            if let Some(target) = targets.get_mut(f) {
                *target = 0.0;
            }
        }
    }
    targets
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An unlabelled annotation from `onset_s` to `offset_s` (shared with other tests).
    pub(crate) fn ev(onset_s: f64, offset_s: f64) -> Annotation {
        Annotation {
            onset_s,
            offset_s,
            label: String::new(),
            channel: None,
        }
    }

    #[test]
    fn frames_covered_by_half_are_positive() {
        let t = frame_targets(&[ev(0.014, 0.036)], &[], 5, 0.01);
        assert_eq!(t, vec![0.0, 1.0, 1.0, 1.0, 0.0]);
    }

    #[test]
    fn unknown_stretches_are_left_out_but_calls_inside_them_count() {
        let t = frame_targets(&[ev(0.02, 0.04)], &[ev(0.005, 0.052)], 7, 0.01);
        let u = UNKNOWN;
        assert_eq!(t, vec![u, u, 1.0, 1.0, u, u, 0.0]);
    }

    #[test]
    fn touching_events_are_split() {
        let t = frame_targets(&[ev(0.0, 0.0505), ev(0.0515, 0.1)], &[], 10, 0.01);
        assert_eq!(t, vec![1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
    }
}
