//! Acoustic activity: the energy detector's score over a wide band, one value per 10 ms. It says
//! when something is loud against its background, not what: synthesis marks the soundscapes' own
//! loud stretches with it, and distillation from a clip teacher takes it as the "when" inside
//! the windows where the teacher hears an animal.

use anyhow::Result;
use hark::stream::energy::{EnergyConfig, EnergyDetector};

/// The band, Hz: from above mains hum to near the Nyquist frequency (capped), wider than the
/// energy engine's songbird band so that insects and low frogs count too.
const LOW_HZ: f32 = 300.0;
const HIGH_SHARE: f32 = 0.45;
const HIGH_HZ: f32 = 15_000.0;

/// The activity score of `audio` (at `rate` Hz) per frame, and the frame hop in seconds.
pub fn activity(audio: &[f32], rate: u32) -> Result<(Vec<f32>, f64)> {
    let config = EnergyConfig {
        low_hz: LOW_HZ,
        high_hz: (HIGH_SHARE * rate as f32).min(HIGH_HZ),
        ..EnergyConfig::default()
    };
    let hop_s = config.hop_samples(rate) as f64 / rate as f64;
    let mut detector = EnergyDetector::new(config, rate)?;
    let mut scores = Vec::new();
    detector.push(audio, &mut scores);
    detector.finish(&mut scores);
    Ok((scores, hop_s))
}
