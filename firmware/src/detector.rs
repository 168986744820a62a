//! The streaming detector: samples in, chunked through the engine, events out through a small
//! trait as they close. `CHUNK` is the model's chunk, in samples (a recorder knows its model at
//! build time, so its buffers are sized then); samples are f32 or 16-bit PCM ([`Sample`]).

use embassy_time::Duration;
use heapless::Vec;

use crate::blob::MAX_CLASSES;
use crate::engine::{Engine, EngineError, Sample};
use crate::events::{ClassRules, FrameEvent, Track};

/// Frame probabilities one chunk may hold (frames times classes).
pub const MAX_CHUNK_PROBS: usize = 128;

/// A detected vocalization.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Event {
    /// Class index (0 is the target).
    pub class: usize,
    /// Start, from the start of the stream.
    pub onset: Duration,
    /// End, from the start of the stream.
    pub offset: Duration,
    /// Frames from the start of the stream: first, and one past the last.
    pub frames: (usize, usize),
    /// Highest frame probability inside the event.
    pub peak: f32,
    /// Mean frame probability over the event's active frames.
    pub mean: f32,
}

/// Where events go: a log file, a radio, a LED.
pub trait EventSink {
    /// Called once per event, when it is final.
    fn event(&mut self, event: Event);
}

/// An engine on a stream of samples, with one event track per class.
pub struct Detector<'b, 'a, S: Sample, const CHUNK: usize> {
    engine: Engine<'b, 'a>,
    chunk: Vec<S, CHUNK>,
    probs: [f32; MAX_CHUNK_PROBS],
    tracks: Vec<Track, MAX_CLASSES>,
    frame: usize,
    hop_samples: u64,
}

impl<'b, 'a, S: Sample + Default, const CHUNK: usize> Detector<'b, 'a, S, CHUNK> {
    /// A detector on a new stream.
    pub fn new(engine: Engine<'b, 'a>) -> Result<Self, EngineError> {
        let blob = engine.blob();
        let d = blob.dims;
        if blob.chunk_samples() != CHUNK || d.chunk_frames * d.classes > MAX_CHUNK_PROBS {
            return Err(EngineError::Length);
        }
        let mut tracks = Vec::new();
        for _ in 0..d.classes {
            let _ = tracks.push(Track::default());
        }
        let hop_samples = (CHUNK / d.chunk_frames) as u64;
        info!(
            "hark detector: {} classes, {} frames of {} samples per chunk",
            d.classes, d.chunk_frames, hop_samples
        );
        Ok(Self {
            engine,
            chunk: Vec::new(),
            probs: [0.0; MAX_CHUNK_PROBS],
            tracks,
            frame: 0,
            hop_samples,
        })
    }

    /// Frames run so far.
    pub fn frames(&self) -> usize {
        self.frame
    }

    fn rules(&self, class: usize) -> ClassRules {
        let r = &self.engine.blob().rules;
        ClassRules {
            on: r.on[class],
            off: r.off[class],
            min_frames: r.min_frames,
            merge_gap_frames: r.merge_gap_frames,
            max_frames: r.max_frames,
        }
    }

    fn time(&self, frame: usize) -> Duration {
        let rate = self.engine.blob().dims.sample_rate as u64;
        Duration::from_micros(frame as u64 * self.hop_samples * 1_000_000 / rate)
    }

    fn report(&self, class: usize, sink: &mut impl EventSink) -> impl FnMut(FrameEvent) {
        move |e: FrameEvent| {
            sink.event(Event {
                class,
                onset: self.time(e.start),
                offset: self.time(e.end),
                frames: (e.start, e.end),
                peak: e.peak,
                mean: e.mean,
            })
        }
    }

    /// Takes samples (mono, at the model's rate); runs every chunk they complete.
    pub fn push(&mut self, samples: &[S], sink: &mut impl EventSink) {
        for &s in samples {
            let _ = self.chunk.push(s);
            if self.chunk.is_full() {
                self.run_chunk(self.engine.blob().dims.chunk_frames, sink);
            }
        }
    }

    /// Runs the full chunk buffer; its first `frames` frames go to the event tracks.
    fn run_chunk(&mut self, frames: usize, sink: &mut impl EventSink) {
        let d = self.engine.blob().dims;
        let probs = &mut self.probs[..d.chunk_frames * d.classes];
        self.engine
            .run_chunk(&self.chunk, probs)
            .expect("chunk and probabilities sized in new");
        self.chunk.clear();
        for f in 0..frames {
            for class in 0..d.classes {
                let rules = self.rules(class);
                let p = self.probs[f * d.classes + class];
                let mut track = self.tracks[class];
                track.push(self.frame, p, &rules, &mut self.report(class, sink));
                self.tracks[class] = track;
            }
            self.frame += 1;
        }
    }

    /// Ends the stream: a last partial chunk is padded with silence and only the frames that
    /// hold audio are kept (as the runtime does at a file's end); open events close, held-back
    /// ones are reported.
    pub fn finish(&mut self, sink: &mut impl EventSink) {
        if !self.chunk.is_empty() {
            let frames = (self.chunk.len() as u64).div_ceil(self.hop_samples) as usize;
            while !self.chunk.is_full() {
                let _ = self.chunk.push(S::default());
            }
            self.run_chunk(frames, sink);
        }
        for class in 0..self.tracks.len() {
            let rules = self.rules(class);
            let mut track = self.tracks[class];
            track.finish(self.frame, &rules, &mut self.report(class, sink));
            self.tracks[class] = track;
        }
    }
}
