//! Where a file's audio comes from for the pipeline: a [`Source`] delivers mono blocks, pulled
//! the same way from any decoder. (Live audio reaches the pipeline through the capture ring.)

use anyhow::Result;

/// The format of the audio a source delivers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioInfo {
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels in the recording (the source delivers them mixed or picked down to one).
    pub channels: usize,
}

/// A stream of mono f32 blocks.
pub trait Source {
    /// The stream's format.
    fn info(&self) -> AudioInfo;

    /// Appends the next block to `out`; `false` once the stream has ended.
    fn read(&mut self, out: &mut Vec<f32>) -> Result<bool>;

    /// NaN or infinite samples replaced by silence so far.
    fn non_finite_samples(&self) -> u64;
}
