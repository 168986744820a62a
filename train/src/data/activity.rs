//! Acoustic activity: where something is loud against its background, by the energy detector over
//! a wide band and its events. It says when, not what: synthesis marks the soundscapes' own loud
//! stretches with it, and distillation from a clip teacher takes it as the "when" inside the
//! windows where the teacher hears an animal.

use anyhow::Result;
use hark::stream::energy::{EnergyConfig, EnergyDetector};
use hark::stream::events::{DEFAULT_MAX_EVENT_S, Event, EventRules, detect_all};

/// The band, Hz: from above mains hum to near the Nyquist frequency (capped), wider than the
/// energy engine's songbird band so that insects and low frogs count too.
const LOW_HZ: f32 = 300.0;
const HIGH_SHARE: f32 = 0.45;
const HIGH_HZ: f32 = 15_000.0;
/// The hysteresis and shortest stretch of the runtime's a-priori event rules.
const ON: f32 = 0.5;
const OFF: f32 = 0.4;
const MIN_S: f64 = 0.02;

/// The stretches of `audio` (at `rate` Hz) where something sounds, stretches less than
/// `merge_gap_s` apart joined.
pub fn sounding(audio: &[f32], rate: u32, merge_gap_s: f64) -> Result<Vec<Event>> {
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
    let rules = EventRules::from_seconds(
        vec![ON],
        vec![OFF],
        hop_s,
        MIN_S,
        merge_gap_s,
        DEFAULT_MAX_EVENT_S,
    );
    Ok(detect_all(rules, &scores))
}
