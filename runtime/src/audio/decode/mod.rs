//! Decoding audio files (WAV, FLAC) to mono f32 through symphonia, packet by packet: the file
//! [`Source`].

use std::fmt;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context, Result, anyhow, bail};
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
pub use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

pub use crate::audio::source::{AudioInfo, Source};

mod recorder_metadata;
mod wav_header;

/// Which channel of a multichannel file to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum ChannelChoice {
    /// Average all channels.
    #[default]
    MixDown,
    /// Keep one channel (0-based).
    Only(usize),
}

impl ChannelChoice {
    /// The mono sample of one interleaved frame. Files and live capture mix the same way, so
    /// a recording captured through a sound card scores exactly like the file.
    pub fn mono<T: Copy>(self, frame: &[T], to_f32: impl Fn(T) -> f32) -> f32 {
        match self {
            ChannelChoice::MixDown => {
                frame.iter().map(|&s| to_f32(s)).sum::<f32>() / frame.len() as f32
            }
            ChannelChoice::Only(c) => to_f32(frame[c]),
        }
    }
}

/// A stream that ended before the length its header announced: a recorder that lost power, a
/// copy that did not finish. What was there decoded normally; this says how much is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncation {
    /// Frames (samples per channel) the header announced.
    pub expected_frames: u64,
    /// Frames the stream actually held.
    pub decoded_frames: u64,
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the file ends after {} of the {} frames its header announces; it was probably cut \
             short",
            self.decoded_frames, self.expected_frames
        )
    }
}

/// An audio file read packet by packet, so memory stays bounded for multi-hour recordings. A file
/// that stops short of the length its header announces reads to where it stops; ask
/// [`FileSource::truncation`] afterwards.
pub struct FileSource {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    info: AudioInfo,
    choice: ChannelChoice,
    interleaved: Vec<f32>,
    non_finite: u64,
    /// Frames the header announces, when it does (a streaming writer's header does not).
    expected_frames: Option<u64>,
    /// Frames delivered so far.
    decoded_frames: u64,
    /// Whether the stream has ended (cleanly or cut short).
    ended: bool,
    /// When the recording started, where the recorder's metadata says ([`recorder_metadata`]).
    start: Option<SystemTime>,
    /// Where the next packet should start, in frames (the time base of WAV and FLAC tracks):
    /// a later start means audio in between was lost.
    next_pts: Option<i64>,
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
        mut source: Box<dyn MediaSource>,
        hint: Hint,
        choice: ChannelChoice,
    ) -> Result<Self> {
        if source.byte_len() == Some(0) {
            bail!("not a readable audio file (it is empty)");
        }
        let start = read_start(&mut source)?;
        let source = wav_header::prepare(source)?;
        let stream = MediaSourceStream::new(source, Default::default());
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                stream,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| match e {
                SymphoniaError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    anyhow!("not a readable audio file (it ends inside its header: cut short?)")
                }
                e => anyhow!("not a readable audio file ({e})"),
            })?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| anyhow!("the file has no audio track"))?;
        let track_id = track.id;
        let expected_frames = track.num_frames;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| anyhow!("the audio track has no codec parameters"))?
            .clone();
        let sample_rate = params
            .sample_rate
            .filter(|r| *r > 0)
            .ok_or_else(|| anyhow!("the header gives no sample rate (0 Hz)"))?;
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
            expected_frames,
            decoded_frames: 0,
            ended: false,
            start,
            next_pts: None,
        })
    }

    /// Once [`Source::read`] has returned `false`: whether the stream held fewer frames than its
    /// header announced. `None` while the stream is still being read, when it was complete, and
    /// when the header gave no length (WAV files from streaming writers).
    pub fn truncation(&self) -> Option<Truncation> {
        let expected_frames = self.expected_frames?;
        (self.ended && self.decoded_frames < expected_frames).then_some(Truncation {
            expected_frames,
            decoded_frames: self.decoded_frames,
        })
    }

    /// The UTC time of the first sample, where the recorder wrote it into the file.
    pub fn recording_start(&self) -> Option<SystemTime> {
        self.start
    }

    /// Appends the next block of every channel, interleaved (frame by frame), to `out`; `false`
    /// once the stream has ended. What [`Source::read`] reads before it mixes or picks.
    pub fn read_frames(&mut self, out: &mut Vec<f32>) -> Result<bool> {
        if !self.next_packet()? {
            return Ok(false);
        }
        out.extend_from_slice(&self.interleaved);
        Ok(true)
    }

    /// Decodes the next packet of the track into `interleaved`, NaN and infinite samples
    /// replaced by silence; `false` once the stream has ended.
    fn next_packet(&mut self) -> Result<bool> {
        let channels = self.info.channels;
        if self.ended {
            return Ok(false);
        }
        loop {
            let (frames, rate) = (self.decoded_frames, self.info.sample_rate);
            let at = move || position(frames, rate);
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(self.end()),
                // The data stops early: a truncated file. What came before stands; the shortfall
                // is reported by `truncation`, not as an error, so a cut recording still gets
                // analysed.
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return Ok(self.end());
                }
                Err(SymphoniaError::IoError(e)) => {
                    bail!("reading the file failed at {} ({e})", at())
                }
                Err(e) => bail!("the file is corrupt at {} ({e})", at()),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            // symphonia skips a FLAC frame that fails its checksum and goes on with the next;
            // carrying on would shift every later time, so the loss is an error.
            let missing = self
                .next_pts
                .map_or(0, |next| packet.pts.get().saturating_sub(next));
            if missing > 0 {
                bail!(
                    "the audio data is damaged at {}: {missing} frames are missing",
                    at()
                );
            }
            let audio = match self.decoder.decode(&packet) {
                Ok(audio) => audio,
                Err(e) => bail!("the audio data is corrupt at {} ({e})", at()),
            };
            audio.copy_to_vec_interleaved(&mut self.interleaved);
            let frames = self.interleaved.len() / channels;
            self.decoded_frames += frames as u64;
            self.next_pts = Some(packet.pts.get().saturating_add(frames as i64));
            for v in &mut self.interleaved {
                if !v.is_finite() {
                    self.non_finite += 1;
                    *v = 0.0;
                }
            }
            return Ok(true);
        }
    }

    /// Marks the end of the stream; what [`Source::read`] returns then.
    fn end(&mut self) -> bool {
        self.ended = true;
        false
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
        if !self.next_packet()? {
            return Ok(false);
        }
        let choice = self.choice;
        out.extend(
            self.interleaved
                .chunks_exact(self.info.channels)
                .map(|frame| choice.mono(frame, |s| s)),
        );
        Ok(true)
    }
}

/// The recorder's start time from the file's metadata, read where the source can seek back.
fn read_start(source: &mut Box<dyn MediaSource>) -> Result<Option<SystemTime>> {
    if !source.is_seekable() {
        return Ok(None);
    }
    let start = recorder_metadata::recording_start(source);
    source
        .seek(SeekFrom::Start(0))
        .context("cannot read the file")?;
    Ok(start)
}

/// Where in a stream `frames` frames in is, for messages about what went wrong there.
fn position(frames: u64, sample_rate: u32) -> String {
    let seconds = frames as f64 / f64::from(sample_rate);
    format!("{seconds:.3} s (frame {frames})")
}

/// Decodes a whole file into memory.
pub fn read_all(path: &Path, choice: ChannelChoice) -> Result<(AudioInfo, Vec<f32>)> {
    let mut source = FileSource::open(path, choice)?;
    let mut samples = Vec::new();
    while source.read(&mut samples)? {}
    Ok((source.info(), samples))
}

#[cfg(test)]
mod tests {
    use std::io::{self, Cursor, Read, Seek, SeekFrom};

    use super::*;

    /// A mono 16-bit WAV at 8 kHz holding `frames` frames, with the sizes its header gives
    /// overridden where asked (`None`: the true sizes).
    fn wav(frames: usize, riff_size: Option<u32>, data_size: Option<u32>) -> Vec<u8> {
        let data: Vec<u8> = (0..frames)
            .flat_map(|i| ((i % 200) as i16 * 100).to_le_bytes())
            .collect();
        let mut v = b"RIFF".to_vec();
        v.extend(riff_size.unwrap_or(36 + data.len() as u32).to_le_bytes());
        v.extend(b"WAVEfmt ");
        v.extend(16u32.to_le_bytes());
        v.extend([1, 0, 1, 0]); // PCM, one channel
        v.extend(8000u32.to_le_bytes());
        v.extend(16000u32.to_le_bytes());
        v.extend([2, 0, 16, 0]);
        v.extend(b"data");
        v.extend(data_size.unwrap_or(data.len() as u32).to_le_bytes());
        v.extend(data);
        v
    }

    fn open(bytes: Vec<u8>) -> FileSource {
        let hint = Hint::new();
        FileSource::from_stream(Box::new(Cursor::new(bytes)), hint, ChannelChoice::MixDown).unwrap()
    }

    /// Reads `source` to its end; the frames delivered.
    fn drain(source: &mut FileSource) -> usize {
        let mut out = Vec::new();
        while source.read(&mut out).unwrap() {}
        out.len()
    }

    #[test]
    fn a_complete_file_is_not_truncated() {
        let mut source = open(wav(3000, None, None));
        let mut out = Vec::new();
        assert!(source.read(&mut out).unwrap());
        assert_eq!(source.truncation(), None, "not known before the end");
        assert_eq!(drain(&mut source) + out.len(), 3000);
        assert_eq!(source.truncation(), None);
        assert!(!source.read(&mut out).unwrap(), "the end stays the end");
    }

    #[test]
    fn a_cut_file_decodes_what_is_there_and_reports_the_rest() {
        let mut bytes = wav(3000, None, None);
        bytes.truncate(44 + 2 * 1700 + 1); // inside frame 1701
        let mut source = open(bytes);
        assert_eq!(drain(&mut source), 1700);
        let truncation = source.truncation().unwrap();
        assert_eq!(
            truncation,
            Truncation {
                expected_frames: 3000,
                decoded_frames: 1700
            }
        );
        assert!(truncation.to_string().contains("1700 of the 3000"));
    }

    #[test]
    fn a_damaged_frame_in_the_middle_is_an_error_that_says_where() {
        // Four 256-frame FLAC frames, the second failing its checksum (make_seeds.py).
        let bytes = include_bytes!("../../../fuzz/corpus/decode/broken-flac-damaged-frame.flac");
        let mut source = open(bytes.to_vec());
        let mut out = Vec::new();
        assert!(source.read(&mut out).unwrap());
        let err = source.read(&mut out).unwrap_err().to_string();
        assert_eq!(
            err,
            "the audio data is damaged at 0.016 s (frame 256): 256 frames are missing"
        );
    }

    #[test]
    fn a_header_without_data_is_truncated_to_nothing() {
        let mut bytes = wav(100, None, None);
        bytes.truncate(44);
        let mut source = open(bytes);
        assert_eq!(drain(&mut source), 0);
        assert_eq!(source.truncation().map(|t| t.expected_frames), Some(100));
    }

    #[test]
    fn streaming_writer_sizes_mean_unknown_length() {
        for (riff, data) in [(u32::MAX, u32::MAX), (0, 0), (u32::MAX, 0)] {
            let mut source = open(wav(1500, Some(riff), Some(data)));
            assert_eq!(drain(&mut source), 1500, "sizes {riff:#x} {data:#x}");
            assert_eq!(source.truncation(), None);
        }
    }

    /// A byte source that fails (not with end-of-file) once reading passes `fail_at`.
    struct Failing {
        inner: Cursor<Vec<u8>>,
        fail_at: u64,
    }

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.inner.position() >= self.fail_at {
                return Err(io::Error::other("disk went away"));
            }
            let room = (self.fail_at - self.inner.position()) as usize;
            let n = buf.len().min(room);
            self.inner.read(&mut buf[..n])
        }
    }

    impl Seek for Failing {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.inner.seek(to)
        }
    }

    impl MediaSource for Failing {
        fn is_seekable(&self) -> bool {
            true
        }

        fn byte_len(&self) -> Option<u64> {
            Some(self.inner.get_ref().len() as u64)
        }
    }

    #[test]
    fn a_read_error_mid_file_says_where() {
        let failing = Failing {
            inner: Cursor::new(wav(8000, None, None)),
            fail_at: 44 + 2 * 3000,
        };
        let mut source =
            FileSource::from_stream(Box::new(failing), Hint::new(), ChannelChoice::MixDown)
                .unwrap();
        let mut out = Vec::new();
        let err = loop {
            match source.read(&mut out) {
                Ok(true) => continue,
                Ok(false) => panic!("a failing read ended the stream quietly"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(
            err.starts_with("reading the file failed at") && err.contains("disk went away"),
            "{err}"
        );
        assert!(err.contains(&format!("(frame {})", out.len())), "{err}");
        assert_eq!(source.truncation(), None, "an error is not a truncation");
    }
}
