//! Random training crops with augmentation, as flat arrays ready for a tensor.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::recordings::Recording;
use super::targets::frame_targets;

/// A batch: `audio` is `[batch, crop_samples]`, `targets` is `[batch, crop_frames]`.
pub struct Batch {
    pub audio: Vec<f32>,
    pub targets: Vec<f32>,
    pub batch: usize,
}

/// Draws crops from recordings; the crops of step `s` depend only on the seed and `s`, so a
/// resumed run sees the same data as an uninterrupted one.
pub struct Cropper<'a> {
    recordings: &'a [Recording],
    /// Frame targets of each recording, computed once.
    targets: Vec<Vec<f32>>,
    hop: usize,
    crop_frames: usize,
    seed: u64,
}

impl<'a> Cropper<'a> {
    /// Crops of `crop_frames` frames of `hop` samples from recordings at `rate` Hz.
    pub fn new(
        recordings: &'a [Recording],
        rate: u32,
        hop: usize,
        crop_frames: usize,
        seed: u64,
    ) -> Self {
        let hop_s = hop as f64 / rate as f64;
        let targets = recordings
            .iter()
            .map(|r| frame_targets(&r.events, r.audio.len().div_ceil(hop), hop_s))
            .collect();
        Self {
            recordings,
            targets,
            hop,
            crop_frames,
            seed,
        }
    }

    /// The batch for training step `step`.
    pub fn batch(&self, step: u64, batch: usize) -> Batch {
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ step);
        let (frames, samples) = (self.crop_frames, self.crop_frames * self.hop);
        let mut audio = vec![0.0; batch * samples];
        let mut targets = vec![0.0; batch * frames];
        for b in 0..batch {
            let i = rng.random_range(0..self.recordings.len());
            let (rec, tgt) = (&self.recordings[i], &self.targets[i]);
            let start_frame = rng.random_range(0..tgt.len().saturating_sub(frames / 2).max(1));
            let start = start_frame * self.hop;
            let n = samples.min(rec.audio.len().saturating_sub(start));
            let out = &mut audio[b * samples..(b + 1) * samples];
            out[..n].copy_from_slice(&rec.audio[start..start + n]);
            let nf = frames.min(tgt.len() - start_frame);
            targets[b * frames..b * frames + nf]
                .copy_from_slice(&tgt[start_frame..start_frame + nf]);
            augment(out, &mut rng);
        }
        Batch {
            audio,
            targets,
            batch,
        }
    }
}

/// Random gain (-20..+6 dB), polarity, and on half the crops white noise 10..40 dB under the
/// crop's level: recorders differ in gain and self-noise.
fn augment(x: &mut [f32], rng: &mut StdRng) {
    let gain = 10f32.powf(rng.random_range(-20.0..6.0) / 20.0)
        * if rng.random_bool(0.5) { -1.0 } else { 1.0 };
    let rms = (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt();
    let noise = if rng.random_bool(0.5) {
        rms * 10f32.powf(-rng.random_range(10.0..40.0) / 20.0)
    } else {
        0.0
    };
    for v in x.iter_mut() {
        *v = (*v + noise * gaussian(rng)) * gain;
        *v = v.clamp(-1.0, 1.0);
    }
}

/// A standard normal sample (Box-Muller).
fn gaussian(rng: &mut StdRng) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}
