//! Background sounds mixed into training crops at a chosen signal-to-noise ratio.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use rand::Rng;
use rand::rngs::StdRng;

use super::level::power;
use super::recordings::audio_files;

/// Share of crops that get a background: the rest keep the lab's quiet, so clean song stays
/// well represented.
pub const NOISE_PROBABILITY: f64 = 0.5;
/// Default SNR range, dB, of the song's level over the background's: from a bird barely above
/// a dawn chorus to a quiet room.
pub const SNR_DB: (f32, f32) = (0.0, 30.0);

/// Unlabelled background audio at the model's rate; everything in it counts as "no target".
#[derive(Debug, Clone)]
pub struct NoiseBank {
    clips: Vec<Vec<f32>>,
    /// Samples in all clips.
    total: usize,
    /// SNR range, dB, the clips are mixed in at.
    snr_db: (f32, f32),
}

impl Default for NoiseBank {
    fn default() -> Self {
        Self::from_clips(Vec::new())
    }
}

impl NoiseBank {
    /// Every WAV/FLAC file under each of `dirs` (recursively), mixed to mono at `rate` Hz.
    pub fn load(dirs: &[PathBuf], rate: u32) -> Result<Self> {
        let mut clips = Vec::new();
        for dir in dirs {
            let files = audio_files(dir)?;
            if files.is_empty() {
                bail!(
                    "no WAV or FLAC files under the noise folder {}",
                    dir.display()
                );
            }
            for path in files {
                clips.push(
                    hark::audio::load(&path, rate)
                        .with_context(|| format!("{}", path.display()))?,
                );
            }
        }
        Ok(Self::from_clips(clips))
    }

    /// A bank of the given clips (empty ones are dropped).
    pub fn from_clips(clips: Vec<Vec<f32>>) -> Self {
        let clips: Vec<Vec<f32>> = clips.into_iter().filter(|c| !c.is_empty()).collect();
        let total = clips.iter().map(Vec::len).sum();
        Self {
            clips,
            total,
            snr_db: SNR_DB,
        }
    }

    /// This bank mixed in at SNRs drawn uniformly from `snr_db` (LOW, HIGH) instead.
    pub fn at_snr(self, snr_db: (f32, f32)) -> Self {
        Self { snr_db, ..self }
    }

    /// An SNR from the bank's range, dB.
    pub fn draw_snr(&self, rng: &mut StdRng) -> f32 {
        let (low, high) = self.snr_db;
        if low < high {
            rng.random_range(low..high)
        } else {
            low
        }
    }

    /// This bank with more clips added.
    pub fn with(mut self, more: Vec<Vec<f32>>) -> Self {
        self.clips.extend(more);
        Self::from_clips(self.clips).at_snr(self.snr_db)
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Seconds of audio at `rate` Hz.
    pub fn seconds(&self, rate: u32) -> f64 {
        self.total as f64 / rate as f64
    }

    /// `len` samples from a random place, every sample of the bank equally likely as the start
    /// (so long files are drawn more often); a clip shorter than `len` repeats.
    pub fn excerpt(&self, rng: &mut StdRng, len: usize) -> Vec<f32> {
        let mut at = rng.random_range(0..self.total);
        let clip = self
            .clips
            .iter()
            .find(|c| {
                let inside = at < c.len();
                if !inside {
                    at -= c.len();
                }
                inside
            })
            .expect("a start inside the bank");
        clip.iter().cycle().skip(at).take(len).copied().collect()
    }
}

/// Adds `noise` to `x`, scaled so that `signal_power` over the added noise's power is `snr_db`.
/// Silent noise adds nothing.
pub fn mix_at_snr(x: &mut [f32], noise: &[f32], signal_power: f32, snr_db: f32) {
    let noise_power = power(noise);
    if noise_power <= 0.0 {
        return;
    }
    let scale = (signal_power / noise_power / 10f32.powf(snr_db / 10.0)).sqrt();
    for (v, n) in x.iter_mut().zip(noise) {
        *v += scale * n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mixing_hits_the_asked_snr() {
        let signal: Vec<f32> = (0..16000).map(|i| (i as f32 * 0.3).sin() * 0.2).collect();
        let noise: Vec<f32> = (0..16000)
            .map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0)
            .collect();
        for snr in [-5.0, 0.0, 12.5, 30.0] {
            let mut mixed = signal.clone();
            mix_at_snr(&mut mixed, &noise, power(&signal), snr);
            let added: Vec<f32> = mixed.iter().zip(&signal).map(|(m, s)| m - s).collect();
            let got = 10.0 * (power(&signal) / power(&added)).log10();
            assert!((got - snr).abs() < 0.01, "asked {snr} dB, got {got:.4}");
        }
    }

    #[test]
    fn excerpts_come_from_the_bank_and_short_clips_repeat() {
        let bank = NoiseBank::from_clips(vec![vec![1.0, 2.0, 3.0], vec![], vec![10.0; 5]]);
        assert_eq!(bank.seconds(1), 8.0);
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen_short = false;
        for _ in 0..50 {
            let e = bank.excerpt(&mut rng, 7);
            assert_eq!(e.len(), 7);
            if e[0] < 10.0 {
                seen_short = true;
                // A start inside [1, 2, 3] walks on through the repeated clip.
                let first = e[0] as usize;
                let expected: Vec<f32> = (0..7).map(|k| ((first - 1 + k) % 3 + 1) as f32).collect();
                assert_eq!(e, expected);
            } else {
                assert_eq!(e, vec![10.0; 7]);
            }
        }
        assert!(seen_short);
    }

    #[test]
    fn snrs_come_from_the_asked_range() {
        let mut rng = StdRng::seed_from_u64(2);
        let bank = NoiseBank::from_clips(vec![vec![1.0; 10]]);
        let default: Vec<f32> = (0..200).map(|_| bank.draw_snr(&mut rng)).collect();
        assert!(default.iter().all(|s| (SNR_DB.0..SNR_DB.1).contains(s)));
        let field = bank.at_snr((-5.0, 15.0)).with(vec![vec![2.0; 4]]);
        let drawn: Vec<f32> = (0..200).map(|_| field.draw_snr(&mut rng)).collect();
        assert!(drawn.iter().all(|s| (-5.0..15.0).contains(s)));
        assert!(
            drawn.iter().any(|&s| s < 0.0),
            "the range's low end is drawn"
        );
        assert_eq!(field.at_snr((6.0, 6.0)).draw_snr(&mut rng), 6.0);
    }
}
