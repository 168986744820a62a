//! Real time on a recorder: when each sample of a stream is due, and how far the detector runs
//! behind it. A board calls [`Pacer::lag`] after each chunk with `embassy_time::Instant::now()`;
//! a lag that grows means the model is too slow for the board, and samples will be lost.

use embassy_time::{Duration, Instant};

/// The clock of a stream that started at a known instant.
#[derive(Debug, Clone, Copy)]
pub struct Pacer {
    start: Instant,
    sample_rate: u32,
}

impl Pacer {
    /// A stream whose first sample arrived at `start`.
    pub fn new(start: Instant, sample_rate: u32) -> Self {
        Self { start, sample_rate }
    }

    /// When the stream has delivered `samples` samples.
    pub fn due(&self, samples: u64) -> Instant {
        self.start + Duration::from_micros(samples * 1_000_000 / self.sample_rate as u64)
    }

    /// How long after the `samples`-th sample arrived `now` is (zero if it is not due yet).
    pub fn lag(&self, samples: u64, now: Instant) -> Duration {
        now.checked_duration_since(self.due(samples))
            .unwrap_or(Duration::from_ticks(0))
    }
}
