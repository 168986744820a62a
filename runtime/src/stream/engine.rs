//! An engine turns audio into frame scores: the [`Engine`] trait and both of its implementations
//! side by side, a learned model's [`Session`] and the classical [`EnergyDetector`]. The pipeline
//! and the event detector work the same with either; an [`EngineSpec`] starts one per stream.

use std::sync::Arc;

use anyhow::Result;

use crate::audio::time_expansion::TimeExpansion;
use crate::model::Model;
use crate::model::session::Session;
use crate::stream::energy::{EnergyConfig, EnergyDetector};
use crate::stream::events::EventRules;

/// Streams audio at the engine's sample rate into per-frame scores in `[0, 1]`.
pub trait Engine: Send {
    /// Accepts samples; appends the scores of every completed frame to `scores`
    /// (frame-major, one value per class).
    fn push(&mut self, samples: &[f32], scores: &mut Vec<f32>) -> Result<()>;

    /// Ends the stream: appends the scores of the frames that start inside the audio pushed.
    fn finish(&mut self, scores: &mut Vec<f32>) -> Result<()>;
}

impl<T: Engine + ?Sized> Engine for &mut T {
    fn push(&mut self, samples: &[f32], scores: &mut Vec<f32>) -> Result<()> {
        (**self).push(samples, scores)
    }

    fn finish(&mut self, scores: &mut Vec<f32>) -> Result<()> {
        (**self).finish(scores)
    }
}

impl<T: Engine + ?Sized> Engine for Box<T> {
    fn push(&mut self, samples: &[f32], scores: &mut Vec<f32>) -> Result<()> {
        (**self).push(samples, scores)
    }

    fn finish(&mut self, scores: &mut Vec<f32>) -> Result<()> {
        (**self).finish(scores)
    }
}

/// A learned model: its scores are the probabilities of its classes.
impl Engine for Session {
    fn push(&mut self, samples: &[f32], scores: &mut Vec<f32>) -> Result<()> {
        Session::push(self, samples, scores)
    }

    fn finish(&mut self, scores: &mut Vec<f32>) -> Result<()> {
        Session::finish(self, scores)
    }
}

/// The classical trigger: one score per frame, how far its band energy stands above the noise
/// floor.
impl Engine for EnergyDetector {
    fn push(&mut self, samples: &[f32], scores: &mut Vec<f32>) -> Result<()> {
        EnergyDetector::push(self, samples, scores);
        Ok(())
    }

    fn finish(&mut self, scores: &mut Vec<f32>) -> Result<()> {
        EnergyDetector::finish(self, scores);
        Ok(())
    }
}

/// What scores a stream: a contract-1 model, or the energy baseline. Shared by every worker of a
/// batch; each stream starts its own engine from it.
#[derive(Clone)]
pub enum EngineSpec {
    Model(Arc<Model>),
    Energy(EnergyConfig),
}

/// The rate the energy baseline runs at: the same as the default model's, so both see the same
/// resampled audio.
pub const ENERGY_RATE: u32 = 16_000;

/// A file recorded at this many times an engine's rate or more was made for a band the engine
/// cannot hear (ultrasound, for 16-48 kHz models): worth a warning. Not a refusal: the audible
/// part of the band may hold what the user wants, and a batch goes on.
const UNHEARD_RATE_RATIO: u32 = 4;

impl EngineSpec {
    /// Samples per second the engine expects.
    pub fn sample_rate(&self) -> u32 {
        match self {
            EngineSpec::Model(m) => m.contract.sample_rate,
            EngineSpec::Energy(_) => ENERGY_RATE,
        }
    }

    /// The classes it scores, in frame order.
    pub fn classes(&self) -> Vec<String> {
        match self {
            EngineSpec::Model(m) => m.contract.classes.clone(),
            EngineSpec::Energy(_) => vec!["vocalization".to_string()],
        }
    }

    /// The event rules it comes with: the model's metadata, or the energy baseline's own.
    pub fn default_rules(&self) -> Result<EventRules> {
        Ok(match self {
            EngineSpec::Model(m) => EventRules::from_contract(&m.contract),
            EngineSpec::Energy(config) => {
                EventRules::energy(config.hop_samples(ENERGY_RATE) as f64 / ENERGY_RATE as f64)
            }
        })
    }

    /// The frequency band its events are reported in, for a recording at `file_rate` heard
    /// `expansion` times slower than recorded: the energy detector's band, or for a model
    /// everything up to the Nyquist frequency it hears, in the recording's own Hz.
    pub fn band_hz(&self, file_rate: u32, expansion: u32) -> (f64, f64) {
        let heard_rate = TimeExpansion::Factor(expansion).heard_rate(file_rate);
        let (low, high) = match self {
            EngineSpec::Model(m) => (0.0, m.contract.sample_rate.min(heard_rate) as f64 / 2.0),
            EngineSpec::Energy(c) => (c.low_hz as f64, c.high_hz as f64),
        };
        (low * expansion as f64, high * expansion as f64)
    }

    /// A warning when a recording at `file_rate`, heard `expansion` times slower than recorded,
    /// holds a band far above what the engine hears: it is low-passed to the engine's rate, so
    /// calls above that band cannot be found.
    pub fn unheard_band(&self, file_rate: u32, expansion: u32) -> Option<String> {
        let heard_rate = TimeExpansion::Factor(expansion).heard_rate(file_rate);
        (heard_rate >= UNHEARD_RATE_RATIO.saturating_mul(self.sample_rate())).then(|| {
            format!(
                "recorded at {} kHz for sounds up to {} kHz, but the {} hears only up to {} kHz: \
                 calls above that (bats, ultrasonic insects) are filtered out before it; hear it \
                 time-expanded (--time-expansion 10), or use a model made at the recording's \
                 rate (hark-train --rate)",
                file_rate as f64 / 1000.0,
                file_rate as f64 / 2000.0,
                match self {
                    EngineSpec::Model(_) => "model",
                    EngineSpec::Energy(_) => "energy engine",
                },
                self.band_hz(file_rate, expansion).1 / 1000.0,
            )
        })
    }

    /// A fresh engine for one stream.
    pub fn start(&self) -> Result<Box<dyn Engine>> {
        Ok(match self {
            EngineSpec::Model(m) => Box::new(Session::new(m.clone())?),
            EngineSpec::Energy(c) => Box::new(EnergyDetector::new(c.clone(), ENERGY_RATE)?),
        })
    }
}
