//! Mono WAV writing (16-bit PCM or 32-bit float) for clips and hark-train's generated audio,
//! through a temporary name and a rename like every other sink.

use std::path::Path;

use anyhow::{Context, Result};

/// How samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 16-bit integer PCM, what most recorders write; louder than full scale clips.
    Int16,
    /// 32-bit float: lossless for hark's samples.
    Float32,
}

/// Writes mono `samples` (full scale 1.0) as a WAV file, through a temporary name and a rename
/// like every other sink.
pub fn write_wav(path: &Path, samples: &[f32], rate: u32, encoding: Encoding) -> Result<()> {
    let tmp = path.with_extension(format!("wav.tmp{}", std::process::id()));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: match encoding {
            Encoding::Int16 => 16,
            Encoding::Float32 => 32,
        },
        sample_format: match encoding {
            Encoding::Int16 => hound::SampleFormat::Int,
            Encoding::Float32 => hound::SampleFormat::Float,
        },
    };
    let write = || -> hound::Result<()> {
        let mut writer = hound::WavWriter::create(&tmp, spec)?;
        for &s in samples {
            match encoding {
                Encoding::Int16 => {
                    writer.write_sample((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)?
                }
                Encoding::Float32 => writer.write_sample(s)?,
            }
        }
        writer.finalize()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    };
    write()
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_encodings_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let x = [0.0, 0.5, -0.25, 2.0];
        let path = dir.path().join("a.wav");
        write_wav(&path, &x, 8000, Encoding::Int16).unwrap();
        let r = hound::WavReader::open(&path).unwrap();
        assert_eq!(r.spec().sample_rate, 8000);
        let back: Vec<i16> = r.into_samples().map(Result::unwrap).collect();
        assert_eq!(back, [0, 16384, -8192, 32767]);
        write_wav(&path, &x, 8000, Encoding::Float32).unwrap();
        let back: Vec<f32> = hound::WavReader::open(&path)
            .unwrap()
            .into_samples()
            .map(Result::unwrap)
            .collect();
        assert_eq!(back, x);
    }
}
