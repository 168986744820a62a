//! What `hark listen` tells: events on stdout and in the event log, an activity log, the live
//! status line, and the summary at the end.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use hark::audio::capture::ring::Counters;
use hark::sinks::{EventLog, Live, event_json};
use hark::stream::events::Event;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Latencies kept in 0.5 ms bins up to 10 s: percentiles in fixed memory, however long it runs.
const BIN_MS: f64 = 0.5;
const BINS: usize = 20_000;

/// A fixed-size histogram of milliseconds.
pub struct Histogram {
    counts: Vec<u32>,
    total: u64,
    max_ms: f64,
}

impl Histogram {
    fn new() -> Self {
        Self {
            counts: vec![0; BINS],
            total: 0,
            max_ms: 0.0,
        }
    }

    fn add(&mut self, ms: f64) {
        let bin = ((ms / BIN_MS) as usize).min(BINS - 1);
        self.counts[bin] += 1;
        self.total += 1;
        self.max_ms = self.max_ms.max(ms);
    }

    /// The `q`-quantile (upper edge of its bin), or `None` before the first value.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let rank = ((q * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bin, &n) in self.counts.iter().enumerate() {
            seen += n as u64;
            if seen >= rank {
                return Some(((bin + 1) as f64 * BIN_MS).min(self.max_ms));
            }
        }
        None
    }
}

/// Where the outputs go and what they have said so far.
pub struct Report {
    pub stem: String,
    classes: Vec<String>,
    band_hz: (f64, f64),
    json: bool,
    events: EventLog,
    journal: EventLog,
    bar: ProgressBar,
    started: Instant,
    started_utc: SystemTime,
    pub latency: Histogram,
    pub event_count: u64,
    recent: VecDeque<Instant>,
    level: (f64, u64),
    busy: Duration,
    window: (Instant, Duration),
    last_status: Instant,
    last_journal: Instant,
    last_drops: u64,
    last_xruns: u64,
}

impl Report {
    /// Opens `<dir>/<stem>.events.jsonl` (appended) and `<dir>/<stem>.log`.
    pub fn open(
        dir: &Path,
        classes: Vec<String>,
        band_hz: (f64, f64),
        json: bool,
        quiet: bool,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        let started_utc = SystemTime::now();
        let stamp: String = humantime::format_rfc3339_seconds(started_utc)
            .to_string()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let stem = format!("hark-listen-{stamp}");
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4))
        };
        bar.set_style(ProgressStyle::with_template("{msg}").expect("a valid template"));
        let now = Instant::now();
        Ok(Self {
            events: EventLog::open(&dir.join(format!("{stem}.events.jsonl")))?,
            journal: EventLog::open(&dir.join(format!("{stem}.log")))?,
            stem,
            classes,
            band_hz,
            json,
            bar,
            started: now,
            started_utc,
            latency: Histogram::new(),
            event_count: 0,
            recent: VecDeque::new(),
            level: (0.0, 0),
            busy: Duration::ZERO,
            window: (now, Duration::ZERO),
            last_status: now,
            last_journal: now,
            last_drops: 0,
            last_xruns: 0,
        })
    }

    /// The event log's path.
    pub fn events_path(&self) -> PathBuf {
        self.events.path().to_path_buf()
    }

    /// One line in the activity log (and on stderr, above the status line, when `loud`).
    pub fn note(&mut self, loud: bool, message: &str) -> Result<()> {
        let utc = humantime::format_rfc3339_millis(SystemTime::now());
        if loud {
            self.bar.suspend(|| eprintln!("hark: {message}"));
        }
        self.journal.append(&format!("{utc} {message}"))
    }

    /// Reports one event (times in seconds since listening started).
    pub fn event(&mut self, e: &Event, latency_ms: Option<f64>) -> Result<()> {
        let utc = humantime::format_rfc3339_millis(
            self.started_utc + Duration::from_secs_f64(e.onset_s.max(0.0)),
        )
        .to_string();
        let line = event_json(
            e,
            &self.classes,
            self.band_hz,
            &self.stem,
            Some(Live {
                utc: &utc,
                latency_ms: latency_ms.map(|ms| (ms * 100.0).round() / 100.0),
            }),
        );
        self.events.append(&line)?;
        let class = self.classes.get(e.class).map_or("?", String::as_str);
        let human = format!(
            "{utc}  {class}  {:.3}-{:.3} s  peak {:.2}",
            e.onset_s, e.offset_s, e.peak
        );
        let json = self.json;
        self.bar
            .suspend(|| println!("{}", if json { &line } else { &human }));
        if let Some(ms) = latency_ms {
            self.latency.add(ms);
        }
        self.event_count += 1;
        self.recent.push_back(Instant::now());
        Ok(())
    }

    /// Audio the worker has taken, for the level meter.
    pub fn audio(&mut self, samples: &[f32]) {
        self.level.0 += samples
            .iter()
            .map(|&s| (s as f64) * (s as f64))
            .sum::<f64>();
        self.level.1 += samples.len() as u64;
    }

    /// Time the worker spent analysing, for the load figure.
    pub fn busy(&mut self, d: Duration) {
        self.busy += d;
        self.window.1 += d;
    }

    /// Refreshes the status line (4 times a second) and writes a status line to the activity
    /// log every minute; reports new drops and xruns as they happen.
    pub fn tick(
        &mut self,
        counters: &Counters,
        backlog: usize,
        capacity: usize,
        lag_ms: f64,
        audio_s: f64,
    ) -> Result<()> {
        let now = Instant::now();
        if now - self.last_status < Duration::from_millis(250) {
            return Ok(());
        }
        let dropped = counters.dropped.load(Relaxed);
        let xruns = counters.xruns.load(Relaxed);
        if dropped > self.last_drops {
            let new = dropped - self.last_drops;
            self.note(
                false,
                &format!("dropped {new} samples (ring full; {dropped} in all)"),
            )?;
        }
        if xruns > self.last_xruns {
            self.note(
                false,
                &format!(
                    "{} xrun(s) reported by the audio backend ({xruns} in all)",
                    xruns - self.last_xruns
                ),
            )?;
        }
        (self.last_drops, self.last_xruns) = (dropped, xruns);
        while self
            .recent
            .front()
            .is_some_and(|t| now - *t > Duration::from_secs(60))
        {
            self.recent.pop_front();
        }
        let db = if self.level.1 > 0 {
            10.0 * (self.level.0 / self.level.1 as f64).max(1e-12).log10()
        } else {
            -120.0
        };
        self.level = (0.0, 0);
        let load = self.window.1.as_secs_f64() / (now - self.window.0).as_secs_f64().max(1e-9);
        self.window = (now, Duration::ZERO);
        let meter: String = (0..10)
            .map(|i| {
                if db > -60.0 + 6.0 * i as f64 {
                    '#'
                } else {
                    '.'
                }
            })
            .collect();
        let per_min =
            self.recent.len() as f64 * 60.0 / (now - self.started).as_secs_f64().clamp(1.0, 60.0);
        let hw = counters.high_water.load(Relaxed);
        let status = format!(
            "{} (audio {}) | {db:5.1} dBFS [{meter}] | {} events ({per_min:.1}/min) | \
             dropped {dropped} | ring {:.0}% (peak {:.0}%) | xruns {xruns} | lag {lag_ms:.0} ms | \
             load {:.0}%",
            clock(now - self.started),
            clock(Duration::from_secs_f64(audio_s.max(0.0))),
            self.event_count,
            100.0 * backlog as f64 / capacity as f64,
            100.0 * hw as f64 / capacity as f64,
            100.0 * load,
        );
        self.bar.set_message(status.clone());
        self.last_status = now;
        if now - self.last_journal >= Duration::from_secs(60) {
            let rss = hark::bench::memory::rss_bytes().map_or(String::new(), |b| {
                format!(" | rss {:.1} MB", b as f64 / 1e6)
            });
            self.note(false, &format!("status {status}{rss}"))?;
            self.last_journal = now;
        }
        Ok(())
    }

    /// Seconds since listening started.
    pub fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Share of the wall time spent analysing, since the start.
    pub fn load(&self) -> f64 {
        self.busy.as_secs_f64() / self.elapsed_s().max(1e-9)
    }

    /// Clears the status line.
    pub fn done(&self) {
        self.bar.finish_and_clear();
    }
}

/// hh:mm:ss.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}
