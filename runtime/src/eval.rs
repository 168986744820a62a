//! Event-level scoring: a predicted event matches a reference event when their IoU exceeds a
//! threshold; matches are a maximum bipartite matching per file; F = TP / (TP + (FP + FN) / 2).

/// Counts from matching predicted against reference events.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Matched pairs.
    pub tp: usize,
    /// Predictions left unmatched.
    pub fp: usize,
    /// References left unmatched.
    pub fn_: usize,
}

impl Counts {
    /// Precision, 1 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Recall, 1 when there was nothing to find.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// F1 = TP / (TP + (FP + FN) / 2); 1 when both sides are empty.
    pub fn f1(&self) -> f64 {
        let denom = self.tp as f64 + (self.fp + self.fn_) as f64 / 2.0;
        if denom == 0.0 {
            1.0
        } else {
            self.tp as f64 / denom
        }
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

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
    for r in 0..reference.len() {
        let mut seen = vec![false; predicted.len()];
        augment(r, &edges, &mut owner, &mut seen);
    }
    owner
        .iter()
        .enumerate()
        .filter_map(|(p, r)| r.map(|r| (r, p)))
        .collect()
}

fn augment(r: usize, edges: &[Vec<usize>], owner: &mut [Option<usize>], seen: &mut [bool]) -> bool {
    for &p in &edges[r] {
        if seen[p] {
            continue;
        }
        seen[p] = true;
        if owner[p].is_none_or(|other| augment(other, edges, owner, seen)) {
            owner[p] = Some(r);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
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
}
