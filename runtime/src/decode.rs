//! Decoding audio files (WAV, FLAC) to mono f32 through symphonia, packet by packet: the file
//! [`Source`].

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
pub use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

pub use crate::source::{AudioInfo, Source};

/// Which channel of a multichannel file to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum ChannelChoice {
    /// Average all channels.
    #[default]
    MixDown,
    /// Keep one channel (0-based).
    Only(usize),
}

/// An audio file read packet by packet, so memory stays bounded for multi-hour recordings.
pub struct FileSource {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    info: AudioInfo,
    choice: ChannelChoice,
    interleaved: Vec<f32>,
    non_finite: u64,
}

impl FileSource {
    /// Opens and probes `path`; fails with the reason if it is not audio this build can decode.
    pub fn open(path: &Path, choice: ChannelChoice) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        Self::from_stream(Box::new(file), hint, choice)
    }

    /// Reads audio from any byte source (a file, or bytes in memory); `hint` may name the format.
    pub fn from_stream(
        source: Box<dyn MediaSource>,
        hint: Hint,
        choice: ChannelChoice,
    ) -> Result<Self> {
        let stream = MediaSourceStream::new(source, Default::default());
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                stream,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| anyhow!("not a readable audio file ({e})"))?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| anyhow!("the file has no audio track"))?;
        let track_id = track.id;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| anyhow!("the audio track has no codec parameters"))?
            .clone();
        let sample_rate = params
            .sample_rate
            .filter(|r| *r > 0)
            .ok_or_else(|| anyhow!("the sample rate is unknown"))?;
        let channels = params
            .channels
            .as_ref()
            .map(|c| c.count())
            .filter(|c| *c > 0)
            .ok_or_else(|| anyhow!("the channel count is unknown"))?;
        if let ChannelChoice::Only(c) = choice
            && c >= channels
        {
            bail!(
                "channel {} was asked for, but the file has {channels} channel(s)",
                c + 1
            );
        }
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| anyhow!("unsupported audio encoding ({e})"))?;
        Ok(Self {
            format,
            decoder,
            track_id,
            info: AudioInfo {
                sample_rate,
                channels,
            },
            choice,
            interleaved: Vec::new(),
            non_finite: 0,
        })
    }
}

impl Source for FileSource {
    fn info(&self) -> AudioInfo {
        self.info
    }

    fn non_finite_samples(&self) -> u64 {
        self.non_finite
    }

    fn read(&mut self, out: &mut Vec<f32>) -> Result<bool> {
        let channels = self.info.channels;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(false),
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return Ok(false);
                }
                Err(e) => bail!("the file is corrupt ({e})"),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let audio = self
                .decoder
                .decode(&packet)
                .map_err(|e| anyhow!("the audio data is corrupt ({e})"))?;
            audio.copy_to_vec_interleaved(&mut self.interleaved);
            let (choice, non_finite) = (self.choice, &mut self.non_finite);
            out.extend(self.interleaved.chunks_exact(channels).map(|frame| {
                let v = match choice {
                    ChannelChoice::MixDown => frame.iter().sum::<f32>() / channels as f32,
                    ChannelChoice::Only(c) => frame[c],
                };
                if v.is_finite() {
                    v
                } else {
                    *non_finite += 1;
                    0.0
                }
            }));
            return Ok(true);
        }
    }
}

/// Decodes a whole file into memory.
pub fn read_all(path: &Path, choice: ChannelChoice) -> Result<(AudioInfo, Vec<f32>)> {
    let mut source = FileSource::open(path, choice)?;
    let mut samples = Vec::new();
    while source.read(&mut samples)? {}
    Ok((source.info(), samples))
}
