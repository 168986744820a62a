use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::wav::{Encoding, write_wav};
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

/// Streams `source` once more and writes each event, with `roll` around it, as a mono 32-bit
/// float WAV at the source's own rate into `dir`. Returns the paths written. Memory holds only
/// the clips that overlap the block being read.
pub fn write_clips(
    source: &mut dyn Source,
    events: &[Event],
    classes: &[String],
    roll: Roll,
    dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>> {
    let rate = source.info().sample_rate;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pending: Vec<Clip> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let class = classes.get(e.class).map(String::as_str).unwrap_or("class");
            Clip {
                start: ((e.onset_s - roll.pre_s).max(0.0) * rate as f64).floor() as u64,
                end: ((e.offset_s + roll.post_s) * rate as f64).ceil() as u64,
                path: dir.join(clip_name(stem, i, class, e.onset_s)),
                samples: Vec::new(),
            }
        })
        .collect();
    pending.sort_by_key(|c| std::cmp::Reverse(c.start));
    let mut open: Vec<Clip> = Vec::new();
    let mut written = Vec::new();
    let (mut block, mut pos) = (Vec::new(), 0u64);
    loop {
        block.clear();
        let more = source.read(&mut block)?;
        let end = pos + block.len() as u64;
        while pending.last().is_some_and(|c| c.start < end) {
            open.extend(pending.pop());
        }
        for clip in &mut open {
            let from = clip.start.max(pos) - pos;
            let to = clip.end.min(end).max(pos) - pos;
            if from < to {
                clip.samples.extend(&block[from as usize..to as usize]);
            }
        }
        let (done, still): (Vec<Clip>, Vec<Clip>) =
            open.into_iter().partition(|c| c.end <= end || !more);
        open = still;
        for clip in done {
            write_wav(&clip.path, &clip.samples, rate, Encoding::Float32)?;
            written.push(clip.path);
        }
        pos = end;
        if !more {
            break;
        }
    }
    // Events past the end of the audio (none in practice) still get a file, however short.
    for clip in pending {
        write_wav(&clip.path, &[], rate, Encoding::Float32)?;
        written.push(clip.path);
    }
    written.sort();
    Ok(written)
}

struct Clip {
    start: u64,
    end: u64,
    path: PathBuf,
    samples: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::source::AudioInfo;

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
        let read = |p: &Path| -> Vec<f32> {
            hound::WavReader::open(p)
                .unwrap()
                .samples::<f32>()
                .map(Result::unwrap)
                .collect()
        };
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
}
