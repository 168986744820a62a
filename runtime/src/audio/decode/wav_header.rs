//! A look at a WAV file's chunk headers before symphonia reads it, for what its reader gets
//! wrong: sizes a streaming writer left as placeholders (read as an empty file, or refused), and
//! channel counts and masks that overflow arithmetic inside it (a panic in debug builds, a wrong
//! channel layout in release). Where a fix is simple, symphonia is shown corrected header bytes;
//! where none is, the file is refused with a clear error.

use std::io::{self, Read, Seek, SeekFrom};

use anyhow::{Context, Result, bail};
use symphonia::core::io::MediaSource;

/// How many channels symphonia can place in a WAV file.
const MAX_CHANNELS: u16 = 26;

/// How many channels symphonia can place in a WAVE_FORMAT_EXTENSIBLE file: one per speaker
/// position a channel mask can name.
const MAX_EXTENSIBLE_CHANNELS: u16 = 18;

/// Chunks looked at for `fmt ` and `data` before leaving the file to symphonia as it is.
const MAX_CHUNKS: usize = 64;

/// The size a streaming writer puts where it cannot know the length yet (ffmpeg to a pipe).
const UNKNOWN_SIZE: [u8; 4] = u32::MAX.to_le_bytes();

/// Checks the header of a WAV `source` and returns what symphonia should read: the source itself,
/// or a view of it with header fields corrected. Other formats, and sources that cannot seek
/// back, pass through untouched.
pub fn prepare(mut source: Box<dyn MediaSource>) -> Result<Box<dyn MediaSource>> {
    if !source.is_seekable() {
        return Ok(source);
    }
    let len = source.byte_len();
    let patches = scan(&mut source, len);
    source
        .seek(SeekFrom::Start(0))
        .context("cannot read the file")?;
    let patches = patches?;
    if patches.is_empty() {
        return Ok(source);
    }
    Ok(Box::new(Patched {
        inner: source,
        patches,
        pos: 0,
    }))
}

/// A 4-byte header field to present as other bytes: (offset in the file, bytes).
type Patch = (u64, [u8; 4]);

/// Walks the RIFF chunks up to `data`, checking `fmt ` on the way; returns the fields to correct.
fn scan(src: &mut Box<dyn MediaSource>, len: Option<u64>) -> Result<Vec<Patch>> {
    let Some(start) = find_riff(src)? else {
        return Ok(Vec::new());
    };
    let mut head = [0u8; 8];
    read_at(src, start, &mut head)?;
    let riff_size = u32_at(&head, 4);
    let riff_end = start + 8 + u64::from(riff_size);
    let mut patches = Vec::new();
    let mut pos = start + 12;
    for _ in 0..MAX_CHUNKS {
        let mut chunk = [0u8; 8];
        if !read_at(src, pos, &mut chunk)? {
            break;
        }
        let size = u32_at(&chunk, 4);
        let body = pos + 8;
        if &chunk[0..4] == b"fmt " {
            patches.extend(check_fmt(src, body, size)?);
        } else if &chunk[0..4] == b"data" {
            let follows = len.is_some_and(|len| len > body);
            // An empty data chunk is a placeholder when audio follows it and the RIFF size does
            // not claim any chunk after it (it is a placeholder too, or ends right here).
            let riff_ends_here = riff_size == 0 || riff_size == u32::MAX || riff_end <= body;
            if size == u32::MAX || (size == 0 && follows && riff_ends_here) {
                patches.push((start + 4, UNKNOWN_SIZE));
                patches.push((pos + 4, UNKNOWN_SIZE));
            } else if riff_size < 4 {
                // The data size is real but the RIFF size was never written.
                patches.push((start + 4, UNKNOWN_SIZE));
            }
            break;
        }
        pos = body + u64::from(size) + u64::from(size & 1);
    }
    Ok(patches)
}

/// Where the WAV header symphonia would read starts: its probe skips up to 1 MiB of leading bytes
/// looking for a format marker, so the header need not be at the start; a FLAC marker first
/// means the file is FLAC (whose metadata may hold a copy of a WAV header, left alone).
fn find_riff(src: &mut Box<dyn MediaSource>) -> Result<Option<u64>> {
    const PROBE_DEPTH: usize = 1 << 20;
    const BLOCK: usize = 64 << 10;
    let mut head = [0u8; 12];
    if read_at(src, 0, &mut head)? && &head[..4] == b"RIFF" && &head[8..] == b"WAVE" {
        return Ok(Some(0));
    }
    src.seek(SeekFrom::Start(0))
        .context("cannot read the file")?;
    // `window` holds the bytes from offset `base`; searched block by block, so a WAV file is found
    // in its first block.
    let (mut window, mut base) = (Vec::new(), 0usize);
    while base < PROBE_DEPTH {
        let old = window.len();
        let got = src
            .by_ref()
            .take(BLOCK as u64)
            .read_to_end(&mut window)
            .context("cannot read the file")?;
        let from = old.saturating_sub(11);
        for (i, w) in window.windows(12).enumerate().skip(from) {
            if &w[..4] == b"fLaC" {
                return Ok(None);
            }
            if &w[..4] == b"RIFF" && &w[8..] == b"WAVE" {
                return Ok(Some((base + i) as u64));
            }
        }
        if got < BLOCK {
            break;
        }
        // Keep the last 11 bytes: a marker may straddle two blocks.
        let keep = window.len() - 11;
        window.drain(..keep);
        base += keep;
    }
    Ok(None)
}

/// Checks a `fmt ` chunk body at `at` of `size` bytes for channel counts symphonia cannot hold:
/// past them its WAV reader overflows a multiplication (any format) or a shift
/// (WAVE_FORMAT_EXTENSIBLE, which also needs a usable channel mask).
fn check_fmt(src: &mut Box<dyn MediaSource>, at: u64, size: u32) -> Result<Option<Patch>> {
    const EXTENSIBLE: u16 = 0xfffe;
    let mut fmt = [0u8; 24];
    let fmt = &mut fmt[..(size as usize).min(24)];
    // Shorter than the basic 16 bytes: symphonia refuses it by itself.
    if fmt.len() < 16 || !read_at(src, at, fmt)? {
        return Ok(None);
    }
    let (tag, channels) = (u16_at(fmt, 0), u16_at(fmt, 2));
    let most = if tag == EXTENSIBLE {
        MAX_EXTENSIBLE_CHANNELS
    } else {
        MAX_CHANNELS
    };
    if channels > most {
        bail!("the file announces {channels} channels; at most {most} are supported in its format");
    }
    if tag != EXTENSIBLE || fmt.len() < 24 {
        return Ok(None);
    }
    // Speaker positions do not matter here (channels are mixed or picked by number): an unusable
    // mask reads as "none given", which places the channels in order.
    let mask = u32_at(fmt, 20);
    Ok((mask >> MAX_EXTENSIBLE_CHANNELS != 0).then_some((at + 20, [0; 4])))
}

/// Fills `buf` from offset `at`; `false` when the file ends first.
fn read_at(src: &mut Box<dyn MediaSource>, at: u64, buf: &mut [u8]) -> Result<bool> {
    src.seek(SeekFrom::Start(at))
        .context("cannot read the file")?;
    match src.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e).context("cannot read the file"),
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// A source whose bytes at some offsets read as other values.
struct Patched {
    inner: Box<dyn MediaSource>,
    patches: Vec<Patch>,
    /// Offset of the next byte `read` returns.
    pos: u64,
}

impl Read for Patched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let range = self.pos..self.pos + n as u64;
        for (at, bytes) in &self.patches {
            for (offset, byte) in (*at..).zip(bytes) {
                if range.contains(&offset) {
                    buf[(offset - range.start) as usize] = *byte;
                }
            }
        }
        self.pos = range.end;
        Ok(n)
    }
}

impl Seek for Patched {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

impl MediaSource for Patched {
    fn is_seekable(&self) -> bool {
        self.inner.is_seekable()
    }

    fn byte_len(&self) -> Option<u64> {
        self.inner.byte_len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A mono 16-bit WAV header (fmt and data chunk headers) with the sizes given, then `data`.
    fn wav(riff_size: u32, data_size: u32, data: &[u8]) -> Vec<u8> {
        let mut v = b"RIFF".to_vec();
        v.extend(riff_size.to_le_bytes());
        v.extend(b"WAVEfmt ");
        v.extend(16u32.to_le_bytes());
        v.extend([1, 0, 1, 0]);
        v.extend(8000u32.to_le_bytes());
        v.extend(16000u32.to_le_bytes());
        v.extend([2, 0, 16, 0]);
        v.extend(b"data");
        v.extend(data_size.to_le_bytes());
        v.extend(data);
        v
    }

    fn read_through(bytes: Vec<u8>) -> Vec<u8> {
        let mut out = Vec::new();
        prepare(Box::new(Cursor::new(bytes)))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn placeholder_sizes_read_as_unknown() {
        let out = read_through(wav(0, 0, &[1, 2, 3, 4]));
        assert_eq!(out[4..8], UNKNOWN_SIZE);
        assert_eq!(out[40..44], UNKNOWN_SIZE);
        assert_eq!(out[44..], [1, 2, 3, 4]);
    }

    #[test]
    fn real_sizes_and_empty_files_are_left_alone() {
        let whole = wav(40, 4, &[1, 2, 3, 4]);
        assert_eq!(read_through(whole.clone()), whole);
        let empty = wav(36, 0, &[]);
        assert_eq!(read_through(empty.clone()), empty);
        // An empty data chunk the RIFF size says other chunks follow.
        let more = wav(36 + 12, 0, b"junk\x04\0\0\0abcd");
        assert_eq!(read_through(more.clone()), more);
    }

    #[test]
    fn the_header_is_found_after_leading_junk_as_symphonia_finds_it() {
        let mut bytes = b"junk before the header".to_vec();
        bytes.extend(wav(0, 0, &[1, 2, 3, 4]));
        let out = read_through(bytes);
        assert_eq!(out[22 + 40..22 + 44], UNKNOWN_SIZE);
        // Too many channels for symphonia's WAVE_FORMAT_EXTENSIBLE reader, behind junk.
        let mut bytes = b"fLa<".to_vec();
        let mut header = wav(36 + 24, 0, &[]);
        header[20..22].copy_from_slice(&0xfffe_u16.to_le_bytes());
        header[22..24].copy_from_slice(&40u16.to_le_bytes());
        header[16..20].copy_from_slice(&40u32.to_le_bytes());
        header.splice(36..36, [0u8; 24]);
        bytes.extend(header);
        let err = prepare(Box::new(Cursor::new(bytes))).err().unwrap();
        assert!(err.to_string().contains("40 channels"), "{err}");
    }

    #[test]
    fn a_missing_riff_size_alone_is_filled_in() {
        let out = read_through(wav(0, 4, &[1, 2, 3, 4]));
        assert_eq!(out[4..8], UNKNOWN_SIZE);
        assert_eq!(out[40..44], 4u32.to_le_bytes());
    }
}
