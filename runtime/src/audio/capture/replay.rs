//! Replays a recording into the ring as if a sound card delivered it, at real-time pace or a
//! multiple of it: for trying a monitoring setup without a microphone, and for the latency and
//! endurance benchmarks, which need a paced source (ALSA's file plugin is not paced).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::ring::RingWriter;
use crate::audio::decode::{ChannelChoice, FileSource};
use crate::audio::source::Source;
use anyhow::{Context, Result};

/// How fast a replay runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// This many times real time (1.0: as a sound card would deliver it).
    Speed(f64),
    /// As fast as the worker takes it: waits for room in the ring, so nothing is dropped.
    Unpaced,
}

/// A recording being replayed on its own thread. Dropping it stops the replay.
pub struct Replay {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// A decoding error that ended the replay.
    pub fatal: mpsc::Receiver<String>,
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The rate of `path` (probing it, so a bad file fails here with its name).
pub fn probe(path: &Path, channel: ChannelChoice) -> Result<u32> {
    let source = FileSource::open(path, channel).with_context(|| path.display().to_string())?;
    Ok(source.info().sample_rate)
}

/// Starts replaying `path` (mixed or picked to mono by `channel`) into `writer` in blocks of
/// `period` samples; `repeat` starts it over at the end, for endurance runs.
pub fn start(
    path: &Path,
    channel: ChannelChoice,
    pace: Pace,
    period: usize,
    repeat: bool,
    mut writer: RingWriter,
) -> Result<Replay> {
    let mut source = FileSource::open(path, channel).with_context(|| path.display().to_string())?;
    let rate = source.info().sample_rate as f64;
    let stop = Arc::new(AtomicBool::new(false));
    let (fatal_tx, fatal) = mpsc::channel();
    let path: PathBuf = path.to_path_buf();
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("hark-replay".into())
        .spawn(move || {
            let started = Instant::now();
            let (mut pending, mut sent) = (Vec::new(), 0u64);
            let mut block = Vec::with_capacity(period);
            while !flag.load(Relaxed) && !writer.counters().ended.load(Relaxed) {
                while pending.len() < period {
                    match source.read(&mut pending) {
                        Ok(true) => {}
                        Ok(false) if repeat => match FileSource::open(&path, channel) {
                            Ok(s) => source = s,
                            Err(e) => {
                                return drop(fatal_tx.send(format!("{}: {e:#}", path.display())));
                            }
                        },
                        Ok(false) => break,
                        Err(e) => return drop(fatal_tx.send(format!("{}: {e:#}", path.display()))),
                    }
                }
                if pending.is_empty() {
                    while !writer.end() && !flag.load(Relaxed) {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    return;
                }
                let n = period.min(pending.len());
                block.clear();
                block.extend(pending.drain(..n));
                match pace {
                    Pace::Speed(speed) => {
                        // In short naps, so that stopping never waits for a slow pace.
                        let due = Duration::from_secs_f64(sent as f64 / rate / speed);
                        while let Some(wait) = due.checked_sub(started.elapsed())
                            && !flag.load(Relaxed)
                        {
                            std::thread::sleep(wait.min(Duration::from_millis(10)));
                        }
                    }
                    Pace::Unpaced => {
                        while writer.vacant() < n && !flag.load(Relaxed) {
                            std::thread::sleep(Duration::from_micros(200));
                        }
                    }
                }
                writer.write(&block, |s| s);
                sent += n as u64;
            }
        })
        .context("cannot start the replay thread")?;
    Ok(Replay {
        stop,
        thread: Some(thread),
        fatal,
    })
}
