//! Audio in: the recordings a batch works on, decoding them (with the WAV guard and the
//! recorder's metadata), live capture from a sound card or a paced replay, ultrasonic recordings
//! heard time-expanded, and resampling to a model's rate.

pub mod capture;
pub mod decode;
pub mod recordings;
pub mod resample;
pub mod source;
pub mod time_expansion;

use std::path::Path;

use anyhow::Result;

/// A whole recording in memory, its channels mixed down to mono, at `rate` Hz: how training,
/// calibration and tests load audio, through the same decoder and resampler as a stream.
pub fn load(path: &Path, rate: u32) -> Result<Vec<f32>> {
    let (info, samples) = decode::read_all(path, decode::ChannelChoice::MixDown)?;
    resample::resample_all(&samples, info.sample_rate, rate)
}
