//! The one clip cutter: a [`ClipRecorder`] keeps a ring of recent audio, so an event reported
//! after it ended still gets its pre-roll, and writes each clip once its post-roll has arrived.
//! Live (`hark listen --clips`) it follows the stream; for a recording's events (`hark detect
//! --clips`) [`write_clips`] replays the source into one.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ringbuf::HeapRb;
use ringbuf::traits::Observer;

use super::wav::{Encoding, write_wav};
use crate::audio::decode::FileSource;
use crate::audio::source::Source;
use crate::stream::events::Event;

/// Audio kept around each clip, seconds before the onset and after the offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roll {
    pub pre_s: f64,
    pub post_s: f64,
}

/// The file name of event `index` (0-based) of a recording named `stem`.
pub fn clip_name(stem: &str, index: usize, class: &str, onset_s: f64) -> String {
    format!("{stem}_{:04}_{class}_{onset_s:.3}s.wav", index + 1)
}

/// Streams `source` once more through a [`ClipRecorder`] that knows all of `events` up front,
/// writing each event with `roll` around it as a mono 32-bit float WAV at the source's own rate
/// into `dir`, named in the events' order. Returns the paths written, sorted. Memory holds the
/// longest clip.
pub fn write_clips(
    source: &mut dyn Source,
    events: &[Event],
    classes: &[String],
    roll: Roll,
    dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>> {
    let rate = source.info().sample_rate;
    let recorder = ClipRecorder::for_events(dir, stem, rate, roll, events.iter(), classes)?;
    cut(vec![recorder], |out| source.read(out))
}

/// [`write_clips`] for every channel of a recording at once (`--each-channel`), in one pass
/// over the file: channel `c`'s clips hold that channel alone, cut for its own events, and are
/// named `<stem>_ch<c + 1>_...`.
pub fn write_channel_clips(
    source: &mut FileSource,
    events: &[Event],
    classes: &[String],
    roll: Roll,
    dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>> {
    let info = source.info();
    let recorders = (0..info.channels)
        .map(|c| {
            let own = events.iter().filter(|e| e.channel == c);
            let stem = format!("{stem}_ch{}", c + 1);
            ClipRecorder::for_events(dir, &stem, info.sample_rate, roll, own, classes)
        })
        .collect::<Result<_>>()?;
    cut(recorders, |out| source.read_frames(out))
}

/// Feeds `read`'s blocks (frames interleaved, one channel per recorder) to the recorders until
/// the stream ends; returns every clip written, sorted.
fn cut(
    mut recorders: Vec<ClipRecorder>,
    mut read: impl FnMut(&mut Vec<f32>) -> Result<bool>,
) -> Result<Vec<PathBuf>> {
    let channels = recorders.len();
    let (mut block, mut plane, mut written) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        block.clear();
        let more = read(&mut block)?;
        for (c, recorder) in recorders.iter_mut().enumerate() {
            plane.clear();
            plane.extend(block.iter().skip(c).step_by(channels));
            written.extend(recorder.push(&plane)?);
        }
        if !more {
            break;
        }
    }
    for recorder in &mut recorders {
        written.extend(recorder.finish()?);
    }
    written.sort();
    Ok(written)
}

/// Cuts clips out of a live stream: a history ring holds the last seconds of audio, so an event
/// reported after it ended still gets its pre-roll; each clip is written (atomically) once its
/// post-roll has arrived.
pub struct ClipRecorder {
    dir: PathBuf,
    stem: String,
    rate: u32,
    roll: Roll,
    history: HeapRb<f32>,
    /// Stream position just after the newest sample in the history.
    end: u64,
    waiting: Vec<Waiting>,
    count: usize,
}

struct Waiting {
    start: u64,
    end: u64,
    path: PathBuf,
}

impl ClipRecorder {
    /// A recorder for audio at `rate` Hz writing into `dir`, for events up to `longest_event_s`
    /// reported up to `delay_s` after they end.
    pub fn new(
        dir: &Path,
        stem: &str,
        rate: u32,
        roll: Roll,
        longest_event_s: f64,
        delay_s: f64,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let seconds = roll.pre_s + longest_event_s + delay_s + roll.post_s;
        Ok(Self {
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
            rate,
            roll,
            history: HeapRb::new(((seconds * rate as f64).ceil() as usize).max(1)),
            end: 0,
            waiting: Vec::new(),
            count: 0,
        })
    }

    /// A recorder for a recording's `events`, all known before its audio is replayed: named in
    /// their order, by their class in `classes`.
    pub fn for_events<'a>(
        dir: &Path,
        stem: &str,
        rate: u32,
        roll: Roll,
        events: impl Iterator<Item = &'a Event> + Clone,
        classes: &[String],
    ) -> Result<Self> {
        let longest_s = events
            .clone()
            .map(|e| e.offset_s - e.onset_s)
            .fold(0.0, f64::max);
        let mut recorder = Self::new(dir, stem, rate, roll, longest_s, 0.0)?;
        for e in events {
            let class = classes.get(e.class).map(String::as_str).unwrap_or("class");
            recorder.add(e, class);
        }
        Ok(recorder)
    }

    /// Takes the next samples (at stream position `self.end`); writes the clips they complete.
    pub fn push(&mut self, samples: &[f32]) -> Result<Vec<PathBuf>> {
        self.history.push_slice_overwrite(samples);
        self.end += samples.len() as u64;
        self.write_ready(false)
    }

    /// `len` samples were lost: the history goes on with silence, so positions stay true.
    pub fn gap(&mut self, len: u64) -> Result<Vec<PathBuf>> {
        let keep = (len as usize).min(self.history.capacity().get());
        for _ in 0..keep {
            self.history.push_overwrite(0.0);
        }
        self.end += len;
        self.write_ready(false)
    }

    /// An event (times in seconds from the stream's start) to cut once its post-roll is in.
    pub fn add(&mut self, event: &Event, class: &str) {
        let at = |s: f64| (s.max(0.0) * self.rate as f64).round() as u64;
        self.waiting.push(Waiting {
            start: at(event.onset_s - self.roll.pre_s),
            end: at(event.offset_s + self.roll.post_s).max(at(event.onset_s) + 1),
            path: self
                .dir
                .join(clip_name(&self.stem, self.count, class, event.onset_s)),
        });
        self.count += 1;
    }

    /// Writes every clip still waiting with the audio there is (the stream has ended).
    pub fn finish(&mut self) -> Result<Vec<PathBuf>> {
        self.write_ready(true)
    }

    fn write_ready(&mut self, all: bool) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        let oldest = self.end - self.history.occupied_len() as u64;
        let mut i = 0;
        while i < self.waiting.len() {
            if !all && self.waiting[i].end > self.end {
                i += 1;
                continue;
            }
            let clip = self.waiting.swap_remove(i);
            let from = clip.start.max(oldest);
            let to = clip.end.min(self.end).max(from);
            let samples: Vec<f32> = self
                .history
                .iter()
                .skip((from - oldest) as usize)
                .take((to - from) as usize)
                .copied()
                .collect();
            write_wav(&clip.path, &samples, self.rate, Encoding::Float32)?;
            written.push(clip.path);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::source::AudioInfo;

    fn read(p: &Path) -> Vec<f32> {
        hound::WavReader::open(p)
            .unwrap()
            .samples::<f32>()
            .map(Result::unwrap)
            .collect()
    }

    /// A ramp delivered in small blocks: sample i has value i.
    struct Ramp {
        next: usize,
        len: usize,
    }

    impl Source for Ramp {
        fn info(&self) -> AudioInfo {
            AudioInfo {
                sample_rate: 100,
                channels: 1,
            }
        }
        fn read(&mut self, out: &mut Vec<f32>) -> Result<bool> {
            let end = (self.next + 7).min(self.len);
            out.extend((self.next..end).map(|i| i as f32));
            self.next = end;
            Ok(self.next < self.len)
        }
        fn non_finite_samples(&self) -> u64 {
            0
        }
    }

    fn event(onset_s: f64, offset_s: f64) -> Event {
        Event {
            channel: 0,
            class: 0,
            onset_s,
            offset_s,
            peak: 1.0,
            mean: 1.0,
        }
    }

    #[test]
    fn clips_hold_the_event_and_its_roll() {
        let dir = tempfile::tempdir().unwrap();
        let events = [event(0.1, 0.2), event(0.15, 0.3), event(0.9, 1.0)];
        let roll = Roll {
            pre_s: 0.05,
            post_s: 0.05,
        };
        let mut ramp = Ramp { next: 0, len: 100 };
        let paths =
            write_clips(&mut ramp, &events, &["call".into()], roll, dir.path(), "r").unwrap();
        assert_eq!(paths.len(), 3);
        assert_eq!(paths[0].file_name().unwrap(), "r_0001_call_0.100s.wav");
        assert_eq!(
            read(&paths[0]),
            (5..25).map(|i| i as f32).collect::<Vec<_>>()
        );
        assert_eq!(
            read(&paths[1]),
            (10..35).map(|i| i as f32).collect::<Vec<_>>()
        );
        // The last clip's post-roll runs past the end of the audio and is cut there.
        assert_eq!(
            read(&paths[2]),
            (85..100).map(|i| i as f32).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_clip_is_written_once_its_post_roll_has_arrived() {
        let dir = tempfile::tempdir().unwrap();
        let roll = Roll {
            pre_s: 0.1,
            post_s: 0.1,
        };
        let mut rec = ClipRecorder::new(dir.path(), "live", 100, roll, 0.5, 0.2).unwrap();
        let ramp = |a: u64, b: u64| (a..b).map(|i| i as f32).collect::<Vec<_>>();
        assert!(rec.push(&ramp(0, 50)).unwrap().is_empty());
        let event = Event {
            channel: 0,
            class: 0,
            onset_s: 0.3,
            offset_s: 0.5,
            peak: 1.0,
            mean: 1.0,
        };
        rec.add(&event, "call");
        assert!(rec.push(&ramp(50, 55)).unwrap().is_empty());
        let written = rec.push(&ramp(55, 100)).unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].file_name().unwrap(), "live_0001_call_0.300s.wav");
        assert_eq!(read(&written[0]), ramp(20, 60));
        // After a gap the history holds silence where the audio was lost.
        rec.gap(10).unwrap();
        rec.add(
            &Event {
                channel: 0,
                onset_s: 1.05,
                offset_s: 1.1,
                ..event
            },
            "call",
        );
        let second = rec.push(&ramp(110, 120)).unwrap();
        let mut expect = ramp(95, 100);
        expect.extend([0.0; 10]);
        expect.extend(ramp(110, 120));
        assert_eq!(read(&second[0]), expect);
        // At the end of the stream a clip keeps what there is of its post-roll.
        rec.add(
            &Event {
                channel: 0,
                onset_s: 1.15,
                offset_s: 1.19,
                ..event
            },
            "call",
        );
        let last = rec.finish().unwrap();
        let mut expect = vec![0.0; 5];
        expect.extend(ramp(110, 120));
        assert_eq!(read(&last[0]), expect);
    }
}
