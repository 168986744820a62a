//! True and false positives and misses, and the rates that follow from them: what event and
//! segment scoring both count.

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
