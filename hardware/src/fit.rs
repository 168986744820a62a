//! Does a model fit a board: its cost (weights, RAM, multiply-accumulates per audio second)
//! against the board's budget, with a predicted real-time factor and a verdict.

/// What running a model costs, read off its file by the runtime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelCost {
    /// Trainable parameters.
    pub parameters: u64,
    /// Bytes of weights as the model stores them (int8 or f32).
    pub weight_bytes: u64,
    /// Bytes of streaming state carried from chunk to chunk (conv tails, key/value cache).
    pub state_bytes: u64,
    /// Bytes of activations live at once while a chunk runs (the largest operator's inputs and
    /// output).
    pub activation_bytes: u64,
    /// Multiply-accumulates per second of audio.
    pub macs_per_second: u64,
}

/// What a board offers a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Sustained int8 multiply-accumulates per second (one core, or the GPU).
    pub macs_per_second: f64,
    /// RAM for state and activations.
    pub ram_bytes: u64,
    /// Storage for the weights where it is scarce (an MCU's flash); `None` where it is not.
    pub weight_bytes: Option<u64>,
}

/// A model set against a board.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Predicted real-time factor: compute time per audio time (below 1 keeps up).
    pub rtf: f64,
    /// Share of the board's RAM the model needs.
    pub ram_share: f64,
    /// Share of the board's weight storage the model needs (0 where storage is not scarce).
    pub weight_share: f64,
}

/// The verdict on a [`Fit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Real time with at least 2x headroom, and within 80 % of RAM and weight storage.
    Fits,
    /// It fits, but with less headroom than that.
    Tight,
    /// Too slow for real time, or too big for the RAM or the weight storage.
    DoesNotFit,
}

/// The real-time factor up to which a model fits comfortably (2x headroom: recording, storage
/// and the operating system need the rest).
const COMFORTABLE: f64 = 0.5;
/// The share of RAM or weight storage up to which a model fits comfortably.
const FULL: f64 = 0.8;

/// Sets `cost` against `budget`.
pub fn fit(cost: &ModelCost, budget: &Budget) -> Fit {
    Fit {
        rtf: cost.macs_per_second as f64 / budget.macs_per_second,
        ram_share: (cost.state_bytes + cost.activation_bytes) as f64 / budget.ram_bytes as f64,
        weight_share: budget
            .weight_bytes
            .map_or(0.0, |w| cost.weight_bytes as f64 / w as f64),
    }
}

impl Fit {
    /// Real-time headroom: audio time per compute time.
    pub fn headroom(&self) -> f64 {
        1.0 / self.rtf
    }

    /// Fits, tight, or does not fit.
    pub fn verdict(&self) -> Verdict {
        if self.rtf > 1.0 || self.ram_share > 1.0 || self.weight_share > 1.0 {
            Verdict::DoesNotFit
        } else if self.rtf > COMFORTABLE || self.ram_share > FULL || self.weight_share > FULL {
            Verdict::Tight
        } else {
            Verdict::Fits
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COST: ModelCost = ModelCost {
        parameters: 50_000,
        weight_bytes: 50_000,
        state_bytes: 20_000,
        activation_bytes: 10_000,
        macs_per_second: 8_000_000,
    };

    fn budget(macs: f64, ram: u64, weights: Option<u64>) -> Budget {
        Budget {
            macs_per_second: macs,
            ram_bytes: ram,
            weight_bytes: weights,
        }
    }

    #[test]
    fn verdicts_follow_headroom_and_memory() {
        let roomy = fit(&COST, &budget(48e6, 256 * 1024, Some(256 * 1024)));
        assert_eq!(roomy.verdict(), Verdict::Fits);
        assert!((roomy.headroom() - 6.0).abs() < 1e-9);
        let slow = fit(&COST, &budget(12e6, 256 * 1024, None));
        assert_eq!(slow.verdict(), Verdict::Tight);
        let too_slow = fit(&COST, &budget(6e6, 256 * 1024, None));
        assert_eq!(too_slow.verdict(), Verdict::DoesNotFit);
        let small_ram = fit(&COST, &budget(48e6, 16 * 1024, None));
        assert_eq!(small_ram.verdict(), Verdict::DoesNotFit);
        let small_flash = fit(&COST, &budget(48e6, 256 * 1024, Some(32 * 1024)));
        assert_eq!(small_flash.verdict(), Verdict::DoesNotFit);
    }
}
