//! Decoding audio files (WAV, FLAC) to mono f32 through symphonia, packet by packet.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// Which channel of a multichannel file to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum ChannelChoice {
    /// Average all channels.
    #[default]
    MixDown,
    /// Keep one channel (0-based).
    Only(usize),
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioInfo {
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels in the file.
    pub channels: usize,
}

/// Decodes `path`, handing mono blocks of samples to `sink` as they are decoded, so memory stays
/// bounded for long files. Non-finite samples are replaced by zero and counted; the count is returned.
pub fn decode(
    path: &Path,
    choice: ChannelChoice,
    mut sink: impl FnMut(&AudioInfo, &[f32]) -> Result<()>,
) -> Result<(AudioInfo, u64)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
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
    let info = AudioInfo {
        sample_rate,
        channels,
    };
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| anyhow!("unsupported audio encoding ({e})"))?;

    let (mut interleaved, mut mono) = (Vec::new(), Vec::new());
    let mut non_finite = 0u64;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(e) => bail!("the file is corrupt ({e})"),
        };
        if packet.track_id != track_id {
            continue;
        }
        let audio = decoder
            .decode(&packet)
            .map_err(|e| anyhow!("the audio data is corrupt ({e})"))?;
        audio.copy_to_vec_interleaved(&mut interleaved);
        mono.clear();
        mono.extend(interleaved.chunks_exact(channels).map(|frame| {
            let v = match choice {
                ChannelChoice::MixDown => frame.iter().sum::<f32>() / channels as f32,
                ChannelChoice::Only(c) => frame[c],
            };
            if v.is_finite() {
                v
            } else {
                non_finite += 1;
                0.0
            }
        }));
        sink(&info, &mono)?;
    }
    Ok((info, non_finite))
}

/// Decodes a whole file into memory.
pub fn read_all(path: &Path, choice: ChannelChoice) -> Result<(AudioInfo, Vec<f32>)> {
    let mut samples = Vec::new();
    let (info, _) = decode(path, choice, |_, block| {
        samples.extend_from_slice(block);
        Ok(())
    })?;
    Ok((info, samples))
}
