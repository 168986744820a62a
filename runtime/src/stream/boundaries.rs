//! Energy boundaries for a model's events: the model says which stretches hold a call, the energy
//! detector where each call starts and ends.
//!
//! A learned detector knows what an animal sounds like but draws soft edges, and may join a
//! song's syllables; the energy detector draws sharp edges around every sound, animal or wind.
//! Together: a model event whose stretch the energy events cover by half or more becomes those
//! energy events (the syllables, each with the edges of its sound); one they cover less stays as
//! the model drew it (a call in noise, or outside the energy band); energy events outside every
//! model event are dropped (wind, rain, a chorus the model does not take for calls).

use std::collections::VecDeque;

use anyhow::{Context, Result, bail};

use crate::stream::energy::{EnergyConfig, EnergyDetector};
use crate::stream::events::{Event, EventDetector, EventRules};

/// Redraws one stream's model events at the energy detector's boundaries.
pub struct EnergyBoundaries {
    energy: EnergyDetector,
    /// The energy events, by the energy engine's own rules.
    sounds: EventDetector,
    scores: Vec<f32>,
    closed: Vec<Event>,
    /// Energy events closed and not yet behind every model event still to come, in onset order.
    heard: VecDeque<Event>,
    /// Model events waiting for the energy events that overlap them to close.
    waiting: Vec<Event>,
    /// Per class, where the last energy event given out ends: one shared by two model events
    /// is given once.
    given_until: Vec<f64>,
}

impl EnergyBoundaries {
    /// For a stream at `sample_rate` Hz whose model scores `classes` classes every `hop_s`
    /// seconds; the energy detector's band must fit below the rate's Nyquist frequency.
    pub fn new(sample_rate: u32, hop_s: f64, classes: usize) -> Result<Self> {
        let config = EnergyConfig {
            hop_s: hop_s as f32,
            ..EnergyConfig::default()
        };
        let energy = EnergyDetector::new(config, sample_rate)
            .context("the energy detector cannot draw this model's event boundaries")?;
        if (energy.hop_seconds() - hop_s).abs() > 1e-9 {
            bail!(
                "energy boundaries need a frame hop of whole samples; {hop_s} s at {sample_rate} \
                 Hz is not"
            );
        }
        Ok(Self {
            sounds: EventDetector::new(EventRules::energy(energy.hop_seconds())),
            energy,
            scores: Vec::new(),
            closed: Vec::new(),
            heard: VecDeque::new(),
            waiting: Vec::new(),
            given_until: vec![f64::NEG_INFINITY; classes],
        })
    }

    /// Scores the stream's audio (the model's input, at its rate).
    pub fn audio(&mut self, samples: &[f32]) {
        self.scores.clear();
        self.energy.push(samples, &mut self.scores);
        self.listen();
    }

    /// Takes the model's closed events (`model_held_from_s`: where its detector may still open
    /// one) and appends to `out` every event whose boundaries are settled.
    pub fn refine(
        &mut self,
        model_events: impl IntoIterator<Item = Event>,
        model_held_from_s: f64,
        out: &mut Vec<Event>,
    ) {
        self.waiting.extend(model_events);
        // Settled once no energy event that starts before the model event's end is still open.
        let settled_before = self.sounds.held_from_s();
        let mut i = 0;
        while i < self.waiting.len() {
            if self.waiting[i].offset_s <= settled_before {
                let event = self.waiting.swap_remove(i);
                self.redraw(event, out);
            } else {
                i += 1;
            }
        }
        let horizon = (self.waiting.iter().map(|e| e.onset_s)).fold(model_held_from_s, f64::min);
        while self.heard.front().is_some_and(|s| s.offset_s <= horizon) {
            self.heard.pop_front();
        }
    }

    /// Ends the stream (after the last audio and the model's last events): gives out the rest.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        self.scores.clear();
        self.energy.finish(&mut self.scores);
        self.listen();
        self.sounds.finish(&mut self.closed);
        self.heard.extend(self.closed.drain(..));
        self.waiting.sort_by(Event::order);
        for event in std::mem::take(&mut self.waiting) {
            self.redraw(event, out);
        }
    }

    /// Energy scores into energy events.
    fn listen(&mut self) {
        for &score in &self.scores {
            self.sounds.push(&[score], &mut self.closed);
        }
        self.heard.extend(self.closed.drain(..));
    }

    /// One settled model event, at the energy events' boundaries where they cover half of it.
    fn redraw(&mut self, event: Event, out: &mut Vec<Event>) {
        let overlap = |s: &Event| s.offset_s.min(event.offset_s) - s.onset_s.max(event.onset_s);
        let covered: f64 = self.heard.iter().map(overlap).filter(|&o| o > 0.0).sum();
        if covered * 2.0 < event.offset_s - event.onset_s {
            out.push(event);
            return;
        }
        let given = &mut self.given_until[event.class];
        for sound in self.heard.iter().filter(|s| overlap(s) > 0.0) {
            if sound.onset_s >= *given {
                out.push(Event {
                    onset_s: sound.onset_s,
                    offset_s: sound.offset_s,
                    ..event.clone()
                });
                *given = sound.offset_s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 16_000;
    const HOP_S: f64 = 0.01;

    /// 3 kHz tone bursts with 5 ms ramps at `spans` (seconds) over a faint white floor.
    fn tones(seconds: f64, spans: &[(f64, f64)]) -> Vec<f32> {
        let n = (seconds * RATE as f64) as usize;
        let mut state = 1u32;
        let mut audio: Vec<f32> = (0..n)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state as f32 / u32::MAX as f32 - 0.5) * 6e-4
            })
            .collect();
        for &(start, end) in spans {
            let first = (start * RATE as f64) as usize;
            let burst = &mut audio[first..(end * RATE as f64) as usize];
            for (i, x) in burst.iter_mut().enumerate() {
                let t = (first + i) as f64 / RATE as f64;
                let ramp = ((t - start).min(end - t) / 0.005).min(1.0);
                *x += (0.1 * ramp * (std::f64::consts::TAU * 3000.0 * t).sin()) as f32;
            }
        }
        audio
    }

    fn model_event(onset_s: f64, offset_s: f64) -> Event {
        Event {
            channel: 0,
            class: 0,
            onset_s,
            offset_s,
            peak: 0.9,
            mean: 0.8,
        }
    }

    /// Runs `audio` in blocks of 1000 samples, the model's events given at the end.
    fn refined(audio: &[f32], model: Vec<Event>) -> Vec<(f64, f64)> {
        let mut b = EnergyBoundaries::new(RATE, HOP_S, 1).unwrap();
        let mut out = Vec::new();
        for block in audio.chunks(1000) {
            b.audio(block);
            b.refine([], 0.0, &mut out);
        }
        let end = audio.len() as f64 / RATE as f64;
        b.refine(model, end, &mut out);
        b.finish(&mut out);
        out.sort_by(Event::order);
        let round = |s: f64| (s * 100.0).round() / 100.0;
        out.iter()
            .map(|e| (round(e.onset_s), round(e.offset_s)))
            .collect()
    }

    fn near(got: &[(f64, f64)], want: &[(f64, f64)]) -> bool {
        got.len() == want.len()
            && got
                .iter()
                .zip(want)
                .all(|(g, w)| (g.0 - w.0).abs() <= 0.02 && (g.1 - w.1).abs() <= 0.02)
    }

    #[test]
    fn a_model_event_over_two_syllables_becomes_the_two() {
        let audio = tones(2.0, &[(1.0, 1.2), (1.25, 1.4)]);
        let got = refined(&audio, vec![model_event(0.97, 1.45)]);
        assert!(near(&got, &[(1.0, 1.2), (1.25, 1.4)]), "{got:?}");
    }

    #[test]
    fn sounds_outside_every_model_event_are_dropped() {
        let audio = tones(3.0, &[(1.0, 1.2), (2.0, 2.3)]);
        let got = refined(&audio, vec![model_event(1.03, 1.18)]);
        assert!(near(&got, &[(1.0, 1.2)]), "{got:?}");
    }

    #[test]
    fn a_model_event_the_energy_barely_covers_keeps_its_own_edges() {
        let audio = tones(3.0, &[(1.0, 1.1)]);
        let got = refined(&audio, vec![model_event(0.9, 1.9)]);
        assert_eq!(got, vec![(0.9, 1.9)]);
        let silent = tones(3.0, &[]);
        assert_eq!(
            refined(&silent, vec![model_event(0.9, 1.9)]),
            vec![(0.9, 1.9)]
        );
    }

    #[test]
    fn a_sound_shared_by_two_model_events_is_given_once() {
        let audio = tones(2.0, &[(1.0, 1.4)]);
        let got = refined(&audio, vec![model_event(1.0, 1.2), model_event(1.2, 1.4)]);
        assert!(near(&got, &[(1.0, 1.4)]), "{got:?}");
    }

    #[test]
    fn events_wait_for_the_sound_that_overlaps_them_to_end() {
        let audio = tones(2.0, &[(0.5, 1.5)]);
        let mut b = EnergyBoundaries::new(RATE, HOP_S, 1).unwrap();
        let mut out = Vec::new();
        b.audio(&audio[..RATE as usize]);
        b.refine([model_event(0.5, 0.9)], 0.9, &mut out);
        assert!(
            out.is_empty(),
            "given out while its sound still sounds: {out:?}"
        );
        b.audio(&audio[RATE as usize..]);
        b.refine([], 2.0, &mut out);
        assert_eq!(out.len(), 1);
        assert!((out[0].offset_s - 1.5).abs() <= 0.02, "{out:?}");
        assert_eq!(
            (out[0].peak, out[0].mean),
            (0.9, 0.8),
            "the model's confidence"
        );
    }

    #[test]
    fn a_rate_without_room_for_the_band_is_refused() {
        let err = EnergyBoundaries::new(8000, HOP_S, 1).err().unwrap();
        assert!(format!("{err:#}").contains("Nyquist"), "{err:#}");
    }
}
