//! Every channel of a recording as its own stream (`hark detect --each-channel`): one decoding
//! pass, then each channel resampled, scored and turned into events on its own, so a channel's
//! events are the ones it gives alone. A model exported for as many streams as the file has
//! channels (`hark-train batch --batch B`) scores all of them in one call per chunk; any other
//! engine runs one session per channel.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Result, bail};

use crate::audio::decode::{ChannelChoice, FileSource};
use crate::audio::resample::Resampler;
use crate::audio::source::Source;
use crate::audio::time_expansion::TimeExpansion;
use crate::model::Model;
use crate::model::multi_session::MultiSession;
use crate::stream::engine::{Engine, EngineSpec};
use crate::stream::events::{Event, EventDetector, EventRules};
use crate::stream::pipeline::{Detection, energy_boundaries, in_recording_time};

/// What scores the channels: one engine each, or one many-stream model call for all.
enum Scorer {
    Each(Vec<Box<dyn Engine>>),
    Together(Box<MultiSession>),
}

impl Scorer {
    fn new(spec: &EngineSpec, channels: usize) -> Result<Self> {
        match spec {
            EngineSpec::Model(m) if m.contract.streams != 1 => together(m, channels),
            _ => Ok(Scorer::Each(
                (0..channels).map(|_| spec.start()).collect::<Result<_>>()?,
            )),
        }
    }

    /// Scores one block per channel (all of the same length); appends to each channel's scores.
    fn push(&mut self, blocks: &[Vec<f32>], scores: &mut [Vec<f32>]) -> Result<()> {
        match self {
            Scorer::Each(engines) => {
                for ((engine, block), out) in engines.iter_mut().zip(blocks).zip(scores) {
                    engine.push(block, out)?;
                }
            }
            Scorer::Together(session) => {
                session.push(blocks, scores)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, scores: &mut [Vec<f32>]) -> Result<()> {
        match self {
            Scorer::Each(engines) => {
                for (engine, out) in engines.iter_mut().zip(scores) {
                    engine.finish(out)?;
                }
            }
            Scorer::Together(session) => session.finish(scores)?,
        }
        Ok(())
    }
}

/// A many-stream model for a file of `channels` channels: the numbers must agree.
fn together(model: &Arc<Model>, channels: usize) -> Result<Scorer> {
    let streams = model.contract.streams;
    if streams != channels {
        bail!(
            "the model runs {streams} streams per call but the file has {channels} channel(s): \
             export one for {channels} (hark-train batch --batch {channels}), or use its \
             one-stream source"
        );
    }
    let session = MultiSession::new(model.clone())?;
    Ok(Scorer::Together(Box::new(session)))
}

/// Streams every channel of the file at `path` through engines started from `spec`,
/// time-expanded by `expansion`; events by `rules`, each carrying its channel, in onset order.
pub fn detect_each_channel(
    spec: &EngineSpec,
    path: &Path,
    rules: EventRules,
    expansion: TimeExpansion,
) -> Result<Detection> {
    let mut source = FileSource::open(path, ChannelChoice::MixDown)?;
    let info = source.info();
    let channels = info.channels;
    let heard_rate = expansion.heard_rate(info.sample_rate);
    let mut scorer = Scorer::new(spec, channels)?;
    let mut resamplers = (0..channels)
        .map(|_| Resampler::new(heard_rate, spec.sample_rate()))
        .collect::<Result<Vec<_>>>()?;
    let mut detectors: Vec<_> = (0..channels)
        .map(|_| EventDetector::new(rules.clone()))
        .collect();
    let classes = spec.classes().len();
    let mut boundaries = (0..channels)
        .map(|_| energy_boundaries(&rules, spec.sample_rate(), classes))
        .collect::<Result<Vec<_>>>()?;
    let (mut frames, mut events) = (Vec::new(), Vec::new());
    let mut planar = vec![Vec::new(); channels];
    let mut resampled = vec![Vec::new(); channels];
    let mut scores = vec![Vec::new(); channels];
    loop {
        frames.clear();
        let more = source.read_frames(&mut frames)?;
        for (c, (plane, out)) in planar.iter_mut().zip(&mut resampled).enumerate() {
            plane.clear();
            plane.extend(frames.iter().skip(c).step_by(channels));
            out.clear();
            resamplers[c].push(plane, out)?;
        }
        if !more {
            for (resampler, out) in resamplers.iter_mut().zip(&mut resampled) {
                resampler.finish(out)?;
            }
        }
        for (b, out) in boundaries.iter_mut().zip(&resampled) {
            if let Some(b) = b {
                b.audio(out);
            }
        }
        scores.iter_mut().for_each(Vec::clear);
        scorer.push(&resampled, &mut scores)?;
        if !more {
            scorer.finish(&mut scores)?;
        }
        for (c, (detector, scores)) in detectors.iter_mut().zip(&scores).enumerate() {
            let from = events.len();
            for frame in scores.chunks_exact(classes) {
                detector.push(frame, &mut events);
            }
            if !more {
                detector.finish(&mut events);
            }
            if let Some(b) = &mut boundaries[c] {
                let fresh = events.split_off(from);
                let held_from_s = if more {
                    detector.held_from_s()
                } else {
                    f64::INFINITY
                };
                b.refine(fresh, held_from_s, &mut events);
                if !more {
                    b.finish(&mut events);
                }
            }
            events[from..]
                .iter_mut()
                .for_each(|e: &mut Event| e.channel = c);
        }
        if !more {
            break;
        }
    }
    events.sort_by(Event::order);
    let scale = in_recording_time(&mut events, heard_rate, info.sample_rate);
    Ok(Detection {
        info,
        duration_s: detectors[0].frames() as f64 * rules.hop_s * scale,
        events,
        non_finite_samples: source.non_finite_samples(),
        truncation: source.truncation(),
        recording_start: source.recording_start(),
        time_expansion: expansion.factor(info.sample_rate),
    })
}
