//! One file through the whole data flow: decode → resample → session → event detector.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Result, anyhow};

use crate::decode::{AudioInfo, ChannelChoice, decode};
use crate::events::{Event, EventDetector, EventRules};
use crate::model::Model;
use crate::resample::Resampler;
use crate::session::Session;

/// What came out of one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The file's own format.
    pub info: AudioInfo,
    /// Seconds of audio processed.
    pub duration_s: f64,
    /// Events in onset order.
    pub events: Vec<Event>,
    /// NaN or infinite samples replaced by silence.
    pub non_finite_samples: u64,
}

/// Streams a file through `model`, in bounded memory, and detects events with `rules`.
pub fn detect_file(
    model: &Arc<Model>,
    path: &Path,
    channel: ChannelChoice,
    rules: EventRules,
) -> Result<FileResult> {
    let rate = model.contract.sample_rate;
    let classes = model.contract.classes.len();
    let mut session = Session::new(model.clone()).map_err(|e| anyhow!("{e:#}"))?;
    let mut detector = EventDetector::new(rules);
    let mut resampler: Option<Resampler> = None;
    let (mut resampled, mut probs, mut events) = (Vec::new(), Vec::new(), Vec::new());
    let mut consume = |session: &mut Session,
                       samples: &[f32],
                       probs: &mut Vec<f32>,
                       events: &mut Vec<Event>|
     -> Result<()> {
        probs.clear();
        session.push(samples, probs).map_err(|e| anyhow!("{e:#}"))?;
        probs
            .chunks_exact(classes)
            .for_each(|frame| detector.push(frame, events));
        Ok(())
    };
    let (info, non_finite_samples) = decode(path, channel, |info, block| {
        let r = match resampler.as_mut() {
            Some(r) => r,
            None => resampler.insert(Resampler::new(info.sample_rate, rate)?),
        };
        resampled.clear();
        r.push(block, &mut resampled)?;
        consume(&mut session, &resampled, &mut probs, &mut events)
    })?;
    resampled.clear();
    if let Some(r) = resampler.as_mut() {
        r.finish(&mut resampled)?;
    }
    consume(&mut session, &resampled, &mut probs, &mut events)?;
    probs.clear();
    session.finish(&mut probs).map_err(|e| anyhow!("{e:#}"))?;
    probs
        .chunks_exact(classes)
        .for_each(|frame| detector.push(frame, &mut events));
    detector.finish(&mut events);
    events.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s).then(a.class.cmp(&b.class)));
    let duration_s = detector.frames() as f64 * model.contract.hop_seconds();
    Ok(FileResult {
        info,
        duration_s,
        events,
        non_finite_samples,
    })
}
