//! One stream through the whole data flow: source (→ time expansion) → resample → chunker →
//! engine (a model session or the energy baseline) → event detector (→ energy boundaries, where
//! the model asks for them). Sinks take the result.

use std::path::Path;
use std::time::SystemTime;

use anyhow::Result;

use crate::audio::decode::{ChannelChoice, FileSource, Truncation};
use crate::audio::resample::Resampler;
use crate::audio::source::{AudioInfo, Source};
use crate::audio::time_expansion::TimeExpansion;
use crate::model::contract::Boundaries;
use crate::stream::boundaries::EnergyBoundaries;
use crate::stream::engine::{Engine, EngineSpec};
use crate::stream::events::{Event, EventDetector, EventRules};

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
    /// When the recording started, where its metadata says (files only).
    pub recording_start: Option<SystemTime>,
    /// How many times slower than recorded the engine heard it (1: as recorded); times are the
    /// recording's own.
    pub time_expansion: u32,
}

/// The pipeline after the source, for one stream: resample → engine → event detector (→ energy
/// boundaries). Audio goes in block by block; events come out as they close, each with the time
/// (seconds into the stream) of the frame that decided it. `hark detect` and `hark listen` both
/// run it.
pub struct Stream<E: Engine> {
    resampler: Resampler,
    engine: E,
    detector: EventDetector,
    boundaries: Option<EnergyBoundaries>,
    classes: usize,
    hop_s: f64,
    resampled: Vec<f32>,
    scores: Vec<f32>,
    closed: Vec<Event>,
    redrawn: Vec<Event>,
}

impl<E: Engine> Stream<E> {
    /// A stream of audio at `input_rate` Hz into `engine`, which runs at `rate` Hz and scores
    /// `classes` classes per frame; events by `rules`.
    pub fn new(
        engine: E,
        input_rate: u32,
        rate: u32,
        classes: usize,
        rules: EventRules,
    ) -> Result<Self> {
        Ok(Self {
            resampler: Resampler::new(input_rate, rate)?,
            engine,
            hop_s: rules.hop_s,
            boundaries: energy_boundaries(&rules, rate, classes)?,
            detector: EventDetector::new(rules),
            classes,
            resampled: Vec::new(),
            scores: Vec::new(),
            closed: Vec::new(),
            redrawn: Vec::new(),
        })
    }

    /// Takes the next block; calls `emit(event, decided_at_s)` for every event it closes.
    pub fn push(&mut self, block: &[f32], emit: impl FnMut(Event, f64)) -> Result<()> {
        self.resampled.clear();
        self.resampler.push(block, &mut self.resampled)?;
        if let Some(b) = &mut self.boundaries {
            b.audio(&self.resampled);
        }
        self.scores.clear();
        self.engine.push(&self.resampled, &mut self.scores)?;
        self.detect(emit);
        Ok(())
    }

    /// Ends the stream: flushes the resampler and the engine and closes open events.
    pub fn finish(mut self, mut emit: impl FnMut(Event, f64)) -> Result<f64> {
        self.resampled.clear();
        self.resampler.finish(&mut self.resampled)?;
        if let Some(b) = &mut self.boundaries {
            b.audio(&self.resampled);
        }
        self.scores.clear();
        self.engine.push(&self.resampled, &mut self.scores)?;
        self.engine.finish(&mut self.scores)?;
        self.detect(&mut emit);
        self.detector.finish(&mut self.closed);
        if let Some(b) = &mut self.boundaries {
            b.refine(self.closed.drain(..), f64::INFINITY, &mut self.redrawn);
            b.finish(&mut self.closed);
        }
        let end_s = self.seconds();
        for e in self.closed.drain(..).chain(self.redrawn.drain(..)) {
            emit(e, end_s);
        }
        Ok(end_s)
    }

    /// Seconds of audio scored so far.
    pub fn seconds(&self) -> f64 {
        self.detector.frames() as f64 * self.hop_s
    }

    fn detect(&mut self, mut emit: impl FnMut(Event, f64)) {
        for frame in self.scores.chunks_exact(self.classes) {
            self.detector.push(frame, &mut self.closed);
            let decided_at_s = self.detector.frames() as f64 * self.hop_s;
            if let Some(b) = &mut self.boundaries {
                let held_from_s = self.detector.held_from_s();
                b.refine(self.closed.drain(..), held_from_s, &mut self.redrawn);
            }
            for e in self.closed.drain(..).chain(self.redrawn.drain(..)) {
                emit(e, decided_at_s);
            }
        }
    }
}

/// The energy boundaries a stream at `rate` Hz redraws its events with, if `rules` ask for them.
pub fn energy_boundaries(
    rules: &EventRules,
    rate: u32,
    classes: usize,
) -> Result<Option<EnergyBoundaries>> {
    Ok(match rules.boundaries {
        Boundaries::Model => None,
        Boundaries::Energy => Some(EnergyBoundaries::new(rate, rules.hop_s, classes)?),
    })
}

/// Streams `source` through `engine`, which runs at `rate` Hz with `classes` scores per frame,
/// time-expanded by `expansion` and resampled on the way, and detects events with `rules`.
/// Memory stays bounded.
pub fn detect(
    source: &mut dyn Source,
    engine: &mut dyn Engine,
    rate: u32,
    classes: usize,
    rules: EventRules,
    expansion: TimeExpansion,
) -> Result<Detection> {
    let info = source.info();
    let heard_rate = expansion.heard_rate(info.sample_rate);
    let mut stream = Stream::new(engine, heard_rate, rate, classes, rules)?;
    let (mut block, mut events) = (Vec::new(), Vec::new());
    loop {
        block.clear();
        let more = source.read(&mut block)?;
        stream.push(&block, |e, _| events.push(e))?;
        if !more {
            break;
        }
    }
    let duration_s = stream.finish(|e, _| events.push(e))?;
    events.sort_by(Event::order);
    let scale = in_recording_time(&mut events, heard_rate, info.sample_rate);
    Ok(Detection {
        info,
        duration_s: duration_s * scale,
        events,
        non_finite_samples: source.non_finite_samples(),
        truncation: None,
        recording_start: None,
        time_expansion: expansion.factor(info.sample_rate),
    })
}

/// Brings `events` heard at `heard_rate` back to the time of the recording at `sample_rate`;
/// returns the factor that does it (exactly 1 without time expansion).
pub fn in_recording_time(events: &mut [Event], heard_rate: u32, sample_rate: u32) -> f64 {
    let scale = heard_rate as f64 / sample_rate as f64;
    for e in events {
        e.onset_s *= scale;
        e.offset_s *= scale;
    }
    scale
}

/// Streams a file through an engine started from `spec`, time-expanded by `expansion`, and
/// detects events with `rules`.
pub fn detect_file(
    spec: &EngineSpec,
    path: &Path,
    channel: ChannelChoice,
    rules: EventRules,
    expansion: TimeExpansion,
) -> Result<Detection> {
    let mut source = FileSource::open(path, channel)?;
    let mut engine = spec.start()?;
    let detection = detect(
        &mut source,
        engine.as_mut(),
        spec.sample_rate(),
        spec.classes().len(),
        rules,
        expansion,
    )?;
    Ok(Detection {
        truncation: source.truncation(),
        recording_start: source.recording_start(),
        ..detection
    })
}
