//! The worker: pops audio from the ring and runs the same pipeline as `hark detect` on it. A gap
//! (samples dropped at the ring) ends the stream there and starts a fresh one where the audio
//! resumes, so every event keeps its true time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::Result;
use hark::audio::capture::ring::{Piece, RingReader};
use hark::audio::time_expansion::TimeExpansion;
use hark::sinks::ClipRecorder;
use hark::stream::engine::{Engine, EngineSpec};
use hark::stream::events::{Event, EventRules};
use hark::stream::pipeline::{Stream, in_recording_time};

use super::report::Report;

/// Samples taken from the ring per step.
const STEP: usize = 4096;

/// The worker's state for one capture (one connection to the device).
pub struct Worker<'a> {
    spec: &'a EngineSpec,
    rules: EventRules,
    classes: Vec<String>,
    rate: u32,
    /// The rate the engine takes the capture to have (`rate`, unless time-expanded).
    heard_rate: u32,
    /// Seconds since listening started at which this capture's position 0 lies.
    base_s: f64,
    stream: Option<Stream<Box<dyn Engine>>>,
    /// Capture position where the current stream started.
    segment_start: u64,
    /// (end position, arrival time) of recent blocks, to time events.
    arrivals: VecDeque<(u64, u64)>,
    keep_arrivals: u64,
    clips: Option<&'a mut ClipRecorder>,
    starve: Duration,
    buf: Vec<f32>,
    closed: Vec<(Event, f64)>,
    tally: Tally,
    /// When the newest analysed block arrived (ring clock, ns).
    pub last_arrival_ns: u64,
}

/// What a worker did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub analysed: u64,
    pub gaps: u64,
    pub non_finite: u64,
}

impl<'a> Worker<'a> {
    pub fn new(
        spec: &'a EngineSpec,
        rules: EventRules,
        rate: u32,
        expansion: TimeExpansion,
        base_s: f64,
        clips: Option<&'a mut ClipRecorder>,
        starve: Duration,
    ) -> Result<Self> {
        let chunk_s = match spec {
            EngineSpec::Model(m) => m.contract.chunk_seconds(),
            EngineSpec::Energy(_) => 0.1,
        };
        let mut worker = Self {
            spec,
            classes: spec.classes(),
            rules,
            rate,
            heard_rate: expansion.heard_rate(rate),
            base_s,
            stream: None,
            segment_start: 0,
            arrivals: VecDeque::new(),
            keep_arrivals: ((chunk_s + 2.0) * rate as f64) as u64,
            clips,
            starve,
            buf: Vec::with_capacity(STEP),
            closed: Vec::new(),
            tally: Tally::default(),
            last_arrival_ns: 0,
        };
        worker.restart(0)?;
        Ok(worker)
    }

    fn restart(&mut self, at: u64) -> Result<()> {
        let engine = self.spec.start()?;
        self.stream = Some(Stream::new(
            engine,
            self.heard_rate,
            self.spec.sample_rate(),
            self.classes.len(),
            self.rules.clone(),
        )?);
        self.segment_start = at;
        Ok(())
    }

    /// Takes what the ring holds next; `false` when it held nothing.
    pub fn step(&mut self, reader: &mut RingReader, report: &mut Report) -> Result<bool> {
        self.buf.clear();
        let Some(piece) = reader.next(&mut self.buf, STEP) else {
            return Ok(false);
        };
        match piece {
            Piece::Audio { start, arrived_ns } => {
                if !self.starve.is_zero() {
                    std::thread::sleep(self.starve);
                }
                let began = Instant::now();
                for s in &mut self.buf {
                    if !s.is_finite() {
                        *s = 0.0;
                        self.tally.non_finite += 1;
                    }
                }
                let end = start + self.buf.len() as u64;
                self.arrivals.push_back((end, arrived_ns));
                while self.arrivals.len() > 1 && self.arrivals[0].0 + self.keep_arrivals < end {
                    self.arrivals.pop_front();
                }
                report.audio(&self.buf);
                let closed = &mut self.closed;
                self.stream
                    .as_mut()
                    .expect("a stream is always open")
                    .push(&self.buf, |e, at| closed.push((e, at)))?;
                self.tally.analysed += self.buf.len() as u64;
                self.last_arrival_ns = arrived_ns;
                if let Some(clips) = self.clips.as_deref_mut() {
                    clips.push(&self.buf)?;
                }
                report.busy(began.elapsed());
                self.report_closed(reader.now_ns(), true, report)?;
            }
            Piece::Gap { start, len } => {
                self.tally.gaps += 1;
                self.end_stream(report)?;
                report.note(
                    false,
                    &format!(
                        "gap: {len} samples ({:.3} s) dropped at {:.3} s; the model restarts after it",
                        len as f64 / self.rate as f64,
                        self.base_s + start as f64 / self.rate as f64,
                    ),
                )?;
                if let Some(clips) = self.clips.as_deref_mut() {
                    clips.gap(len)?;
                }
                self.restart(start + len)?;
            }
        }
        Ok(true)
    }

    /// Ends the capture: closes open events.
    pub fn finish(mut self, report: &mut Report) -> Result<Tally> {
        self.end_stream(report)?;
        if let Some(clips) = self.clips.as_deref_mut() {
            clips.finish()?;
        }
        Ok(self.tally)
    }

    fn end_stream(&mut self, report: &mut Report) -> Result<()> {
        if let Some(stream) = self.stream.take() {
            let closed = &mut self.closed;
            stream.finish(|e, at| closed.push((e, at)))?;
            self.report_closed(0, false, report)?;
        }
        Ok(())
    }

    /// Reports the events the stream closed; `timed`: they closed on live audio (not because
    /// the stream ended), so their latency means something.
    fn report_closed(&mut self, now_ns: u64, timed: bool, report: &mut Report) -> Result<()> {
        let offset_s = self.base_s + self.segment_start as f64 / self.rate as f64;
        for (mut e, decided_at_s) in std::mem::take(&mut self.closed) {
            // The times the stream heard, time-expanded or not, in the capture's own.
            let scale = in_recording_time(std::slice::from_mut(&mut e), self.heard_rate, self.rate);
            let decided_at_s = decided_at_s * scale;
            // The last sample of the frame that decided the event, and when it arrived.
            let decided = self.segment_start
                + ((decided_at_s * self.rate as f64).round() as u64).saturating_sub(1);
            let latency_ms = timed
                .then(|| self.arrivals.iter().find(|(end, _)| *end > decided))
                .flatten()
                .map(|&(_, arrived)| now_ns.saturating_sub(arrived) as f64 / 1e6);
            e.onset_s += offset_s;
            e.offset_s += offset_s;
            if let Some(clips) = self.clips.as_deref_mut() {
                let class = self.classes.get(e.class).map_or("?", String::as_str);
                clips.add(
                    &Event {
                        channel: 0,
                        onset_s: e.onset_s - self.base_s,
                        offset_s: e.offset_s - self.base_s,
                        ..e.clone()
                    },
                    class,
                );
            }
            report.event(&e, latency_ms)?;
        }
        Ok(())
    }
}
