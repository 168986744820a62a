//! The event detector: turns frame probabilities into timed events, per class, as they stream in.
//!
//! The rules (hysteresis, merge gap, maximum and minimum duration) are the firmware's
//! (`hark_firmware::events`), so a recorder and a host find the same events; durations are
//! converted to frames once, here.

use hark_firmware::events::{ClassRules, FrameEvent, Track};

use crate::model::contract::{Boundaries, Contract};

/// A detected vocalization.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Channel of the recording it was heard on, from 0 (always 0 for a mono stream).
    pub channel: usize,
    /// Class index into the model's class names.
    pub class: usize,
    /// Start, seconds from the start of the stream.
    pub onset_s: f64,
    /// End, seconds from the start of the stream.
    pub offset_s: f64,
    /// Highest frame probability inside the event.
    pub peak: f32,
    /// Mean frame probability over the event's active frames.
    pub mean: f32,
}

impl Event {
    /// The order events are listed in: by onset, then channel, then class.
    pub fn order(&self, other: &Self) -> std::cmp::Ordering {
        (self.onset_s.total_cmp(&other.onset_s))
            .then(self.channel.cmp(&other.channel))
            .then(self.class.cmp(&other.class))
    }
}

/// Event rules for every class, in frames.
#[derive(Debug, Clone)]
pub struct EventRules {
    /// Per-class opening probability.
    pub on: Vec<f32>,
    /// Per-class closing probability.
    pub off: Vec<f32>,
    /// Shortest event kept, in frames.
    pub min_frames: usize,
    /// Largest gap, in frames, across which two events are merged.
    pub merge_gap_frames: usize,
    /// Longest event, in frames: a longer one is cut into pieces of this length (0: no limit).
    pub max_frames: usize,
    /// Seconds per frame.
    pub hop_s: f64,
    /// Where events start and end. The detector itself draws the model's boundaries; the stream
    /// redraws them when this asks for the energy detector's (`stream/boundaries.rs`).
    pub boundaries: Boundaries,
    /// Per class, whether its events are reported (all, unless a site's list keeps fewer).
    pub kept: Vec<bool>,
}

impl EventRules {
    /// Rules with their durations given in seconds, each rounded to the nearest whole frame of
    /// `hop_s` seconds ([`EventRules::frames`]); a `max_event_s` of 0 sets no limit.
    pub fn from_seconds(
        on: Vec<f32>,
        off: Vec<f32>,
        hop_s: f64,
        min_event_s: f64,
        merge_gap_s: f64,
        max_event_s: f64,
    ) -> Self {
        Self {
            kept: vec![true; on.len()],
            on,
            off,
            min_frames: Self::frames(min_event_s, hop_s),
            merge_gap_frames: Self::frames(merge_gap_s, hop_s),
            max_frames: Self::frames(max_event_s, hop_s),
            hop_s,
            boundaries: Boundaries::Model,
        }
    }

    /// The energy engine's rules: an event opens at a score of 0.5 (the margin above the noise
    /// floor), closes below 0.4, and lasts 20 ms or more.
    pub fn energy(hop_s: f64) -> Self {
        Self::from_seconds(vec![0.5], vec![0.4], hop_s, 0.020, 0.0, DEFAULT_MAX_EVENT_S)
    }

    /// A duration in frames of `hop_s` seconds: the one place seconds become frames.
    pub fn frames(seconds: f64, hop_s: f64) -> usize {
        (seconds / hop_s).round() as usize
    }

    /// The rules a model's metadata asks for.
    pub fn from_contract(contract: &Contract) -> Self {
        Self {
            boundaries: contract.boundaries,
            ..Self::from_seconds(
                contract.on_thresholds.clone(),
                contract.off_thresholds.clone(),
                contract.hop_seconds(),
                contract.min_event_s as f64,
                contract.merge_gap_s as f64,
                DEFAULT_MAX_EVENT_S,
            )
        }
    }
}

/// Events are cut at this length unless asked otherwise: long enough for any single call or
/// syllable, short enough that a chorus does not become one hour-long event.
pub const DEFAULT_MAX_EVENT_S: f64 = 30.0;

/// Streaming event detector; feed it frames in order, collect events as they close.
#[derive(Debug, Clone)]
pub struct EventDetector {
    rules: EventRules,
    tracks: Vec<Track>,
    frame: usize,
}

impl EventDetector {
    /// A detector for `rules.on.len()` classes.
    pub fn new(rules: EventRules) -> Self {
        let tracks = vec![Track::default(); rules.on.len()];
        Self {
            rules,
            tracks,
            frame: 0,
        }
    }

    /// Frames consumed so far.
    pub fn frames(&self) -> usize {
        self.frame
    }

    /// Seconds from which events may still come: the start of the earliest one not yet given
    /// out (open, or held back for a merge), or else the end of the frames consumed.
    pub fn held_from_s(&self) -> f64 {
        let held = self.tracks.iter().filter_map(Track::held_since).min();
        held.unwrap_or(self.frame) as f64 * self.rules.hop_s
    }

    fn class_rules(&self, class: usize) -> ClassRules {
        ClassRules {
            on: self.rules.on[class],
            off: self.rules.off[class],
            min_frames: self.rules.min_frames,
            merge_gap_frames: self.rules.merge_gap_frames,
            max_frames: self.rules.max_frames,
        }
    }

    /// Consumes one frame of per-class probabilities; pushes every event that is now final.
    pub fn push(&mut self, probs: &[f32], out: &mut Vec<Event>) {
        for (class, &p) in probs.iter().enumerate().take(self.tracks.len()) {
            if !self.rules.kept[class] {
                continue;
            }
            let rules = self.class_rules(class);
            let mut sink = sink(class, self.rules.hop_s, out);
            self.tracks[class].push(self.frame, p, &rules, &mut sink);
        }
        self.frame += 1;
    }

    /// Ends the stream: closes open events and pushes everything still held back.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        for class in 0..self.tracks.len() {
            let rules = self.class_rules(class);
            let mut sink = sink(class, self.rules.hop_s, out);
            self.tracks[class].finish(self.frame, &rules, &mut sink);
        }
    }
}

/// Collects one class's events into `out`, in seconds.
fn sink(class: usize, hop_s: f64, out: &mut Vec<Event>) -> impl FnMut(FrameEvent) + '_ {
    move |e: FrameEvent| {
        out.push(Event {
            channel: 0,
            class,
            onset_s: e.start as f64 * hop_s,
            offset_s: e.end as f64 * hop_s,
            peak: e.peak,
            mean: e.mean,
        })
    }
}

/// Runs a detector over a whole `[frames, classes]` probability matrix.
pub fn detect_all(rules: EventRules, probs: &[f32]) -> Vec<Event> {
    let classes = rules.on.len();
    let mut detector = EventDetector::new(rules);
    let mut events = Vec::new();
    for frame in probs.chunks_exact(classes) {
        detector.push(frame, &mut events);
    }
    detector.finish(&mut events);
    events.sort_by(Event::order);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(min_frames: usize, merge_gap_frames: usize) -> EventRules {
        EventRules {
            on: vec![0.5],
            off: vec![0.3],
            min_frames,
            merge_gap_frames,
            max_frames: 0,
            hop_s: 0.01,
            boundaries: Boundaries::Model,
            kept: vec![true],
        }
    }

    fn spans(events: &[Event]) -> Vec<(usize, usize)> {
        events
            .iter()
            .map(|e| {
                (
                    (e.onset_s / 0.01).round() as usize,
                    (e.offset_s / 0.01).round() as usize,
                )
            })
            .collect()
    }

    #[test]
    fn hysteresis_keeps_an_event_open_between_thresholds() {
        let p = [0.1, 0.6, 0.4, 0.35, 0.2, 0.1];
        assert_eq!(spans(&detect_all(rules(1, 0), &p)), vec![(1, 4)]);
    }

    #[test]
    fn short_events_are_dropped_and_gaps_merged() {
        let p = [0.9, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.9, 0.9];
        assert_eq!(spans(&detect_all(rules(2, 0), &p)), vec![(2, 4), (7, 9)]);
        assert_eq!(spans(&detect_all(rules(1, 1), &p)), vec![(0, 4), (7, 9)]);
        assert_eq!(spans(&detect_all(rules(1, 3), &p)), vec![(0, 9)]);
    }

    #[test]
    fn peak_and_mean_cover_the_active_frames() {
        let e = detect_all(rules(1, 0), &[0.0, 0.6, 1.0, 0.8, 0.0]);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].peak, 1.0);
        assert!((e[0].mean - 0.8).abs() < 1e-6);
    }

    #[test]
    fn classes_are_independent() {
        let r = EventRules {
            on: vec![0.5, 0.5],
            off: vec![0.5, 0.5],
            min_frames: 1,
            merge_gap_frames: 0,
            max_frames: 0,
            hop_s: 0.01,
            boundaries: Boundaries::Model,
            kept: vec![true, true],
        };
        let frames = [0.9, 0.0, 0.9, 0.9, 0.0, 0.9];
        let e = detect_all(r.clone(), &frames);
        let classes: Vec<usize> = e.iter().map(|e| e.class).collect();
        assert_eq!(classes, vec![0, 1]);
        assert_eq!(spans(&e), vec![(0, 2), (1, 3)]);
        let only_second = EventRules {
            kept: vec![false, true],
            ..r
        };
        let e = detect_all(only_second, &frames);
        assert_eq!((e.len(), e[0].class), (1, 1), "{e:?}");
    }

    #[test]
    fn long_events_are_cut_into_pieces() {
        let r = EventRules {
            max_frames: 3,
            ..rules(1, 0)
        };
        let p = [0.9, 0.9, 0.9, 0.9, 0.35, 0.9, 0.9, 0.1, 0.0];
        assert_eq!(spans(&detect_all(r, &p)), vec![(0, 3), (3, 6), (6, 7)]);
    }

    #[test]
    fn a_cut_piece_is_not_merged_back() {
        let r = EventRules {
            max_frames: 2,
            ..rules(1, 5)
        };
        let e = detect_all(r, &[0.9, 0.9, 0.9, 0.9, 0.0]);
        assert_eq!(spans(&e), vec![(0, 2), (2, 4)]);
        assert!(
            e.iter()
                .all(|e| e.peak == 0.9 && (e.mean - 0.9).abs() < 1e-6)
        );
    }
}
