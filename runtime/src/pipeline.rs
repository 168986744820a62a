//! One stream through the whole data flow: source → resample → chunker → engine (a model
//! session or the energy baseline) → event detector. Sinks take the result.

use std::path::Path;

use anyhow::Result;

use crate::decode::{ChannelChoice, FileSource, Truncation};
use crate::engine::{Engine, EngineSpec};
use crate::events::{Event, EventDetector, EventRules};
use crate::resample::Resampler;
use crate::source::{AudioInfo, Source};

/// What came out of one stream.
#[derive(Debug, Clone)]
pub struct Detection {
    /// The source's own format.
    pub info: AudioInfo,
    /// Seconds of audio processed.
    pub duration_s: f64,
    /// Events in onset order.
    pub events: Vec<Event>,
    /// NaN or infinite samples replaced by silence.
    pub non_finite_samples: u64,
    /// Set when a file ended before the length its header announced.
    pub truncation: Option<Truncation>,
}

/// Streams `source` through `engine`, which runs at `rate` Hz with `classes` scores per frame,
/// resampling on the way, and detects events with `rules`. Memory stays bounded.
pub fn detect(
    source: &mut dyn Source,
    engine: &mut dyn Engine,
    rate: u32,
    classes: usize,
    rules: EventRules,
) -> Result<Detection> {
    let info = source.info();
    let hop_s = rules.hop_s;
    let mut resampler = Resampler::new(info.sample_rate, rate)?;
    let mut detector = EventDetector::new(rules);
    let (mut block, mut resampled, mut scores, mut events) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut more = true;
    while more {
        block.clear();
        more = source.read(&mut block)?;
        resampled.clear();
        if more {
            resampler.push(&block, &mut resampled)?;
        } else {
            resampler.finish(&mut resampled)?;
        }
        scores.clear();
        engine.push(&resampled, &mut scores)?;
        if !more {
            engine.finish(&mut scores)?;
        }
        for frame in scores.chunks_exact(classes) {
            detector.push(frame, &mut events);
        }
    }
    detector.finish(&mut events);
    events.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s).then(a.class.cmp(&b.class)));
    Ok(Detection {
        info,
        duration_s: detector.frames() as f64 * hop_s,
        events,
        non_finite_samples: source.non_finite_samples(),
        truncation: None,
    })
}

/// Streams a file through an engine started from `spec` and detects events with `rules`.
pub fn detect_file(
    spec: &EngineSpec,
    path: &Path,
    channel: ChannelChoice,
    rules: EventRules,
) -> Result<Detection> {
    let mut source = FileSource::open(path, channel)?;
    let mut engine = spec.start()?;
    let detection = detect(
        &mut source,
        engine.as_mut(),
        spec.sample_rate(),
        spec.classes().len(),
        rules,
    )?;
    Ok(Detection {
        truncation: source.truncation(),
        ..detection
    })
}
