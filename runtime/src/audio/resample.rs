//! Streaming sample-rate conversion with rubato; the filter's delay is trimmed so that output
//! sample `k` sits at time `k / rate_out`, like input sample `k` at `k / rate_in`.

use anyhow::Result;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler as _};

/// Input samples per resampler block: small, so live audio waits at most 256 samples (8 ms at
/// 32 kHz) for the resampler. rubato filters in sub-chunks of about this size whatever the block,
/// so files get the same filter (and the same events) as with larger blocks.
const BLOCK: usize = 256;

/// Converts mono audio between two fixed rates, block by block.
pub struct Resampler {
    fft: Option<Fft<f32>>,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    to_trim: usize,
    samples_in: u64,
    samples_out: u64,
    ratio: f64,
}

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz (a pass-through when they are equal).
    pub fn new(from: u32, to: u32) -> Result<Self> {
        let fft = if from == to {
            None
        } else {
            Some(Fft::<f32>::new(
                from as usize,
                to as usize,
                BLOCK,
                1,
                FixedSync::Input,
            )?)
        };
        let scratch = vec![0.0; fft.as_ref().map_or(0, |f| f.output_frames_max())];
        let to_trim = fft.as_ref().map_or(0, |f| f.output_delay());
        Ok(Self {
            fft,
            pending: Vec::new(),
            scratch,
            to_trim,
            samples_in: 0,
            samples_out: 0,
            ratio: to as f64 / from as f64,
        })
    }

    /// Converts `samples`, appending what is ready to `out`.
    pub fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) -> Result<()> {
        self.samples_in += samples.len() as u64;
        let Some(fft) = self.fft.as_mut() else {
            out.extend_from_slice(samples);
            return Ok(());
        };
        self.pending.extend_from_slice(samples);
        let mut pos = 0;
        while self.pending.len() - pos >= fft.input_frames_next() {
            let need = fft.input_frames_next();
            let n = step(fft, &mut self.scratch, &self.pending[pos..pos + need], None)?;
            pos += need;
            emit(
                &self.scratch[..n],
                &mut self.to_trim,
                &mut self.samples_out,
                out,
            );
        }
        self.pending.drain(..pos);
        Ok(())
    }

    /// Flushes the filter: after this, `out` holds exactly `ceil(samples in * ratio)` samples in all.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<()> {
        let Some(fft) = self.fft.as_mut() else {
            return Ok(());
        };
        let expected = (self.ratio * self.samples_in as f64).ceil() as u64;
        let (start, before) = (out.len(), self.samples_out);
        if !self.pending.is_empty() {
            let n = step(
                fft,
                &mut self.scratch,
                &self.pending,
                Some(self.pending.len()),
            )?;
            self.pending.clear();
            emit(
                &self.scratch[..n],
                &mut self.to_trim,
                &mut self.samples_out,
                out,
            );
        }
        while self.samples_out < expected {
            let n = step(fft, &mut self.scratch, &[], Some(0))?;
            emit(
                &self.scratch[..n],
                &mut self.to_trim,
                &mut self.samples_out,
                out,
            );
        }
        let keep = (expected.saturating_sub(before) as usize).min(out.len() - start);
        out.truncate(start + keep);
        self.samples_out = before + keep as u64;
        Ok(())
    }
}

fn step(
    fft: &mut Fft<f32>,
    scratch: &mut [f32],
    input: &[f32],
    partial: Option<usize>,
) -> Result<usize> {
    let input = InterleavedSlice::new(input, 1, input.len())?;
    let frames = scratch.len();
    let mut output = InterleavedSlice::new_mut(scratch, 1, frames)?;
    let indexing = partial.map(|p| Indexing::new().partial_len(p));
    let (_, produced) = fft.process_into_buffer(&input, &mut output, indexing.as_ref())?;
    Ok(produced)
}

fn emit(block: &[f32], to_trim: &mut usize, samples_out: &mut u64, out: &mut Vec<f32>) {
    let skip = (*to_trim).min(block.len());
    *to_trim -= skip;
    out.extend_from_slice(&block[skip..]);
    *samples_out += (block.len() - skip) as u64;
}

/// Resamples a whole signal.
pub fn resample_all(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    let mut r = Resampler::new(from, to)?;
    let mut out = Vec::with_capacity((samples.len() as f64 * to as f64 / from as f64) as usize + 1);
    r.push(samples, &mut out)?;
    r.finish(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn keeps_length_and_timing() {
        for from in [32_000, 44_100, 8_000] {
            let x = tone(from, 440.0, from as usize);
            let y = resample_all(&x, from, 16_000).unwrap();
            assert_eq!(y.len(), 16_000, "{from}");
            // The tone stays in phase: compare against the ideal 16 kHz tone away from the edges.
            let ideal = tone(16_000, 440.0, 16_000);
            let err = y[2000..14000]
                .iter()
                .zip(&ideal[2000..14000])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            // 0.05 of full scale at 440 Hz is a phase error of ~20 us: far below a frame.
            assert!(err < 0.05, "{from}: max error {err}");
        }
    }

    #[test]
    fn streaming_in_odd_blocks_equals_whole() {
        let x = tone(32_000, 1000.0, 50_000);
        let whole = resample_all(&x, 32_000, 16_000).unwrap();
        let mut r = Resampler::new(32_000, 16_000).unwrap();
        let mut out = Vec::new();
        for block in x.chunks(777) {
            r.push(block, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        assert_eq!(out, whole);
    }
}
