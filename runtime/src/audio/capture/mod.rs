//! Live audio: a sound card through cpal (feature `listen`), or a recording replayed at a
//! chosen pace, delivered through a lock-free [`ring`](mod@ring) to the worker that runs the pipeline.

#[cfg(feature = "listen")]
pub mod device;
pub mod replay;
pub mod ring;

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::audio::decode::ChannelChoice;
use replay::{Pace, Replay};
use ring::{RingReader, ring};

/// Which input to capture, and how.
#[derive(Debug, Clone)]
pub enum Input {
    /// A sound card.
    Device(Request),
    /// A recording replayed as if live.
    Replay {
        path: PathBuf,
        pace: Pace,
        repeat: bool,
    },
}

/// What the user asked of the sound card.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Audio host (default: the platform's default, ALSA on Linux).
    pub host: Option<String>,
    /// Device id or name (default: the host's default input).
    pub device: Option<String>,
    /// Sample rate (default: the device's default rate).
    pub rate: Option<u32>,
    /// The channel kept, 0-based (default: all mixed down).
    pub channel: Option<usize>,
    /// Frames per callback asked of the device.
    pub period: u32,
}

/// The format a capture runs at.
#[derive(Debug, Clone)]
pub struct Format {
    pub sample_rate: u32,
    /// Channels delivered by the device (mixed or picked down to one in the callback).
    pub channels: usize,
    /// The device's sample format, for messages.
    pub sample_format: String,
    /// Frames per callback, where the device lets hark choose.
    pub period: Option<u32>,
    #[cfg(feature = "listen")]
    cpal_format: cpal::SampleFormat,
}

/// A capture in progress: its format and the worker's end of the ring. Dropping it stops the
/// source; what is already in the ring can still be read.
pub struct Running {
    pub format: Format,
    pub reader: RingReader,
    source: Started,
}

enum Started {
    #[cfg(feature = "listen")]
    Device(device::DeviceStream),
    Replay(Replay),
}

impl Running {
    /// Stops the source; returns the reader so that what the ring holds can be drained.
    pub fn stop(self) -> RingReader {
        drop(self.source);
        self.reader
    }

    /// An error that ended the source (a disconnected device, an unreadable file), if one came.
    pub fn lost(&self) -> Option<String> {
        match &self.source {
            #[cfg(feature = "listen")]
            Started::Device(d) => d.fatal.try_recv().ok(),
            Started::Replay(r) => r.fatal.try_recv().ok(),
        }
    }
}

/// Starts `input` with a ring of `ring_seconds` and, when `limit_seconds` is given, ends the
/// stream after that much audio.
pub fn start(
    input: &Input,
    channel: ChannelChoice,
    ring_seconds: f64,
    limit_seconds: Option<f64>,
) -> Result<Running> {
    let samples = |rate: u32, s: f64| (s * rate as f64).round() as u64;
    match input {
        Input::Replay { path, pace, repeat } => {
            let rate = replay::probe(path, channel)?;
            let limit = limit_seconds.map_or(u64::MAX, |s| samples(rate, s));
            let (writer, reader) = ring(
                samples(rate, ring_seconds) as usize,
                ChannelChoice::MixDown,
                1,
                limit,
            );
            let period = (rate / 50).max(1) as usize;
            let replay = replay::start(path, channel, *pace, period, *repeat, writer)?;
            Ok(Running {
                format: Format {
                    sample_rate: rate,
                    channels: 1,
                    sample_format: "f32 (replayed file)".into(),
                    period: Some(period as u32),
                    #[cfg(feature = "listen")]
                    cpal_format: cpal::SampleFormat::F32,
                },
                reader,
                source: Started::Replay(replay),
            })
        }
        #[cfg(feature = "listen")]
        Input::Device(request) => {
            let (dev, format) = device::negotiate(request)?;
            if let ChannelChoice::Only(c) = channel
                && c >= format.channels
            {
                bail!(
                    "--channel {} but {dev} delivers {} channel(s)",
                    c + 1,
                    format.channels
                );
            }
            let rate = format.sample_rate;
            let limit = limit_seconds.map_or(u64::MAX, |s| samples(rate, s));
            let (writer, reader) = ring(
                samples(rate, ring_seconds) as usize,
                channel,
                format.channels,
                limit,
            );
            let stream = device::start(&dev, &format, writer)?;
            Ok(Running {
                format,
                reader,
                source: Started::Device(stream),
            })
        }
        #[cfg(not(feature = "listen"))]
        Input::Device(_) => bail!(
            "this hark was built without sound card capture (cargo feature `listen`); \
             --replay FILE still works"
        ),
    }
}
