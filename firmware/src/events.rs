//! Hysteresis events on one class's frame probabilities, as they stream in: the rules every hark
//! detector applies, on a recorder and on a host alike (the runtime's detector is built on this).
//!
//! An event opens when the probability reaches the on threshold and closes when it drops below
//! the off threshold. Events closer than the merge gap are joined, events longer than the
//! maximum are cut into pieces, and events shorter than the minimum duration are dropped.

/// One class's rules, in frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassRules {
    /// Opening probability.
    pub on: f32,
    /// Closing probability.
    pub off: f32,
    /// Shortest event kept.
    pub min_frames: usize,
    /// Largest gap across which two events are merged.
    pub merge_gap_frames: usize,
    /// Longest event; a longer one is cut into pieces of this length (0: no limit).
    pub max_frames: usize,
}

/// A finished event, in frames from the start of the stream.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FrameEvent {
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    /// Highest frame probability inside the event.
    pub peak: f32,
    /// Mean frame probability over the event's active frames.
    pub mean: f32,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    peak: f32,
    sum: f64,
    active: usize,
}

impl Run {
    fn empty(start: usize) -> Self {
        Self {
            start,
            end: start,
            peak: 0.0,
            sum: 0.0,
            active: 0,
        }
    }

    fn add(&mut self, p: f32) {
        self.peak = self.peak.max(p);
        self.sum += p as f64;
        self.active += 1;
    }
}

/// One class's detector state.
#[derive(Debug, Default, Clone, Copy)]
pub struct Track {
    open: Option<Run>,
    /// Closed, but held back while a merge could still extend it.
    closed: Option<Run>,
}

fn emit(rules: &ClassRules, run: Run, out: &mut impl FnMut(FrameEvent)) {
    if run.end - run.start < rules.min_frames.max(1) {
        return;
    }
    out(FrameEvent {
        start: run.start,
        end: run.end,
        peak: run.peak,
        mean: (run.sum / run.active.max(1) as f64) as f32,
    });
}

impl Track {
    /// The first frame of the event not yet emitted (open, or held back for a merge), if any:
    /// no event this track emits later starts before it.
    pub fn held_since(&self) -> Option<usize> {
        self.closed.or(self.open).map(|run| run.start)
    }

    /// Consumes frame `f`'s probability `p`; calls `out` with every event now final.
    pub fn push(&mut self, f: usize, p: f32, rules: &ClassRules, out: &mut impl FnMut(FrameEvent)) {
        if let Some(run) = self.open.as_mut() {
            if p < rules.off {
                run.end = f;
                self.closed = self.open.take();
            } else {
                run.add(p);
                if rules.max_frames > 0 && f + 1 - run.start >= rules.max_frames {
                    // Cut here; the event goes on in a fresh piece from the next frame.
                    run.end = f + 1;
                    emit(rules, *run, out);
                    *run = Run::empty(f + 1);
                }
            }
        } else if p >= rules.on {
            let mut run = match self.closed.take() {
                Some(prev) if f - prev.end <= rules.merge_gap_frames => prev,
                prev => {
                    if let Some(prev) = prev {
                        emit(rules, prev, out);
                    }
                    Run::empty(f)
                }
            };
            run.add(p);
            self.open = Some(run);
        } else if let Some(prev) = self.closed
            && f - prev.end >= rules.merge_gap_frames
        {
            emit(rules, prev, out);
            self.closed = None;
        }
    }

    /// Ends the stream after `frames` frames: closes an open event, emits what is held back.
    pub fn finish(&mut self, frames: usize, rules: &ClassRules, out: &mut impl FnMut(FrameEvent)) {
        if let Some(prev) = self.closed.take() {
            emit(rules, prev, out);
        }
        if let Some(mut run) = self.open.take() {
            run.end = frames;
            emit(rules, run, out);
        }
    }
}
