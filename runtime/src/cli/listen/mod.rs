//! `hark listen`: live monitoring. A sound card (or a replayed recording) through the capture
//! ring into the same pipeline as `hark detect`; events reported as they close.

mod report;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hark::audio::capture::replay::Pace;
use hark::audio::capture::ring::RingReader;
use hark::audio::capture::{self, Input, Request, Running};
use hark::audio::decode::ChannelChoice;
use hark::audio::time_expansion::TimeExpansion;
use hark::sinks::{
    ClipRecorder, Roll, read_event_log, write_atomic, write_atomic_with, write_raven_table,
};
use hark::stream::engine::EngineSpec;
use hark::stream::events::{DEFAULT_MAX_EVENT_S, Event};

use super::detect::rules::RuleFlags;
use super::model_flags::ModelFlags;
use report::Report;
use worker::Worker;

#[derive(Debug, clap::Args)]
pub struct ListenArgs {
    /// Input device: an id or a name from --list-devices (default: the system's default input).
    #[arg(long, short, conflicts_with = "replay")]
    device: Option<String>,
    /// List the input devices and their default formats, and exit.
    #[arg(long)]
    list_devices: bool,
    /// Audio host: alsa, or jack / pipewire where hark was built with those features.
    #[arg(long, conflicts_with = "replay")]
    host: Option<String>,
    /// Replay a recording as if it came from a sound card, instead of capturing (to try a
    /// setup without a microphone; the latency and endurance benchmarks use it).
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// Replay pace in multiples of real time; 0: as fast as the worker analyses, nothing dropped.
    #[arg(long, value_name = "X", default_value_t = 1.0, requires = "replay")]
    speed: f64,
    /// Replay the recording over and over.
    #[arg(long = "loop", requires = "replay")]
    repeat: bool,
    /// Capture sample rate, Hz (default: the device's default rate).
    #[arg(long, value_name = "HZ", conflicts_with = "replay")]
    rate: Option<u32>,
    /// Channel to analyse, counting from 1 (default: all channels mixed down).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    channel: Option<u16>,
    /// Frames per audio callback asked of the device (a power of two avoids xruns on PipeWire).
    #[arg(long, value_name = "FRAMES", default_value_t = 1024)]
    period: u32,
    /// Seconds of audio the ring between callback and worker holds; when the worker falls
    /// further behind, samples are dropped (and counted).
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    buffer: f64,
    /// Stop after this many seconds of audio (default: until Ctrl-C).
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Model: an ONNX file, or a bundled model's name (`hark info` lists them) [default: default].
    #[arg(long, short)]
    model: Option<PathBuf>,
    #[command(flatten)]
    model_flags: ModelFlags,
    /// Folder for the event log, the activity log and the Raven table written at the end.
    #[arg(long, short, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Events on stdout as JSON lines (the event log's lines) instead of one line of text each.
    #[arg(long)]
    json: bool,
    /// Also write each event as a WAV clip into DIR.
    #[arg(long, value_name = "DIR")]
    clips: Option<PathBuf>,
    /// Seconds of audio kept before each clip's event.
    #[arg(long, value_name = "S", default_value_t = 0.5)]
    pre_roll: f64,
    /// Seconds of audio kept after each clip's event.
    #[arg(long, value_name = "S", default_value_t = 0.5)]
    post_roll: f64,
    /// A device that delivers nothing for this long is treated as lost and reopened.
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    stall: f64,
    /// No status line.
    #[arg(long, short)]
    quiet: bool,
    /// Hear the capture K times slower than recorded, like a bat detector's time-expansion
    /// output; events keep the capture's time. `auto`: 10 at 192 kHz or more, else 1.
    #[arg(long, value_name = "K", default_value = "auto")]
    time_expansion: TimeExpansion,
    /// Testing aid: the worker sleeps this long before each block, to starve it.
    #[arg(long, value_name = "MS", hide = true, default_value_t = 0)]
    starve_ms: u64,
    #[command(flatten)]
    rules: RuleFlags,
}

/// Reopening a lost device waits this long, doubling up to the last value.
const BACKOFF_S: [f64; 6] = [0.5, 1.0, 2.0, 4.0, 8.0, 15.0];

/// How one capture ended.
enum End {
    /// The stream delivered everything (`--duration` reached, a replay ended).
    Complete,
    /// Ctrl-C.
    Stopped,
    /// The device went away.
    Lost(String),
}

pub fn listen(args: &ListenArgs) -> Result<()> {
    if args.list_devices {
        return list_devices(args.host.as_deref());
    }
    for (flag, v) in [
        ("--buffer", args.buffer),
        ("--pre-roll", args.pre_roll),
        ("--post-roll", args.post_roll),
        ("--stall", args.stall),
        ("--speed", args.speed),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            bail!("{flag} must be 0 or more, not {v}");
        }
    }
    if args.duration.is_some_and(|d| !(d.is_finite() && d > 0.0)) {
        bail!("--duration must be more than 0 seconds");
    }
    let (model, name) = args.model_flags.load(args.model.as_deref())?;
    let spec = EngineSpec::Model(Arc::new(model));
    let rules = args.rules.over(spec.default_rules()?, &spec.classes())?;
    let channel = args.channel.map_or(ChannelChoice::MixDown, |c| {
        ChannelChoice::Only(c as usize - 1)
    });
    let input = match &args.replay {
        Some(path) => Input::Replay {
            path: path.clone(),
            pace: if args.speed == 0.0 {
                Pace::Unpaced
            } else {
                Pace::Speed(args.speed)
            },
            repeat: args.repeat,
        },
        None => Input::Device(Request {
            host: args.host.clone(),
            device: args.device.clone(),
            rate: args.rate,
            channel: args.channel.map(|c| c as usize - 1),
            period: args.period,
        }),
    };

    let interrupts = Arc::new(AtomicUsize::new(0));
    let flag = interrupts.clone();
    ctrlc::set_handler(move || {
        flag.fetch_add(1, Relaxed);
    })
    .context("cannot install the Ctrl-C handler")?;

    // The first start fails loudly (a wrong --device, no sound card); later ones are retried.
    let mut running = capture::start(&input, channel, args.buffer, args.duration)?;
    let capture_rate = running.format.sample_rate;
    let band_hz = spec.band_hz(capture_rate, args.time_expansion.factor(capture_rate));
    let mut report = Report::open(&args.out, spec.classes(), band_hz, args.json, args.quiet)?;
    report.note(!args.quiet, &format!("model: {name}"))?;
    let mut totals = Totals::default();
    let mut connection = 0;
    let end = loop {
        let f = &running.format;
        report.note(
            !args.quiet,
            &format!(
                "capturing {}: {} Hz, {} channel(s), {}, {} frames per callback, ring {:.1} s",
                match &args.replay {
                    Some(p) => format!("{} (replayed)", p.display()),
                    None => args
                        .device
                        .clone()
                        .unwrap_or_else(|| "the default input".into()),
                },
                f.sample_rate,
                f.channels,
                f.sample_format,
                f.period.map_or("device-chosen".into(), |p| p.to_string()),
                running.reader.capacity() as f64 / f.sample_rate as f64,
            ),
        )?;
        let mut clips = match &args.clips {
            Some(dir) => Some(ClipRecorder::new(
                dir,
                &match connection {
                    0 => report.stem.clone(),
                    n => format!("{}-r{n}", report.stem),
                },
                f.sample_rate,
                Roll {
                    pre_s: args.pre_roll,
                    post_s: args.post_roll,
                },
                match rules.max_frames {
                    0 => DEFAULT_MAX_EVENT_S,
                    n => n as f64 * rules.hop_s,
                },
                rules.merge_gap_frames as f64 * rules.hop_s + 2.0,
            )?),
            None => None,
        };
        let base_s = if connection == 0 {
            0.0
        } else {
            report.elapsed_s()
        };
        let worker = Worker::new(
            &spec,
            rules.clone(),
            f.sample_rate,
            args.time_expansion,
            base_s,
            clips.as_mut(),
            Duration::from_millis(args.starve_ms),
        )?;
        let (end, reader) = capture_until_end(
            running,
            worker,
            &mut report,
            &interrupts,
            args.stall,
            &mut totals,
        )?;
        totals.add(&reader);
        match end {
            End::Lost(why) => {
                report.note(true, &format!("input lost: {why}; reopening"))?;
                match reopen(&input, channel, args, &interrupts, &mut report)? {
                    Some(r) => {
                        running = r;
                        connection += 1;
                    }
                    None => break End::Stopped,
                }
            }
            other => break other,
        }
    };
    match end {
        End::Stopped => report.note(true, "stopped by Ctrl-C")?,
        _ => report.note(false, "the input is complete")?,
    }
    finish(&report, &spec.classes(), band_hz, &args.out, &totals)
}

/// The source of one capture: still running, or stopped with its ring being drained.
enum Source {
    Capturing(Running),
    Draining(RingReader),
}

impl Source {
    fn reader(&mut self) -> &mut RingReader {
        match self {
            Source::Capturing(r) => &mut r.reader,
            Source::Draining(r) => r,
        }
    }
}

/// Runs one capture until it ends; on Ctrl-C stops the source and drains the ring (a second
/// Ctrl-C abandons what is left).
fn capture_until_end(
    running: Running,
    mut worker: Worker,
    report: &mut Report,
    interrupts: &AtomicUsize,
    stall_s: f64,
    totals: &mut Totals,
) -> Result<(End, RingReader)> {
    let rate = running.format.sample_rate as f64;
    let mut source = Source::Capturing(running);
    let (mut last_arrived, mut last_progress) = (0u64, Instant::now());
    let end = loop {
        let reader = source.reader();
        let worked = worker.step(reader, report)?;
        let counters = reader.counters().clone();
        let lag_ms = reader.now_ns().saturating_sub(worker.last_arrival_ns) as f64 / 1e6;
        let audio_s = reader.position() as f64 / rate;
        report.tick(
            &counters,
            reader.backlog(),
            reader.capacity(),
            lag_ms,
            audio_s,
        )?;
        let interrupted = interrupts.load(Relaxed);
        if let Source::Draining(reader) = &source
            && interrupted > 1
        {
            totals.abandoned += reader.backlog() as u64;
            break End::Stopped;
        }
        source = match source {
            Source::Capturing(running) if interrupted > 0 => Source::Draining(running.stop()),
            other => other,
        };
        if worked {
            continue;
        }
        match &source {
            Source::Draining(_) => break End::Stopped,
            Source::Capturing(_) if counters.ended.load(Relaxed) => break End::Complete,
            Source::Capturing(running) => {
                if let Some(why) = running.lost() {
                    break End::Lost(why);
                }
            }
        }
        let arrived = counters.arrived.load(Relaxed);
        if arrived != last_arrived {
            (last_arrived, last_progress) = (arrived, Instant::now());
        } else if stall_s > 0.0 && last_progress.elapsed().as_secs_f64() > stall_s {
            break End::Lost(format!("no audio for {stall_s} s"));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    totals.add_worker(worker.finish(report)?);
    let reader = match source {
        Source::Capturing(running) => running.stop(),
        Source::Draining(reader) => reader,
    };
    Ok((end, reader))
}

/// Reopens the input with backoff; `None` when Ctrl-C came first.
fn reopen(
    input: &Input,
    channel: ChannelChoice,
    args: &ListenArgs,
    interrupts: &AtomicUsize,
    report: &mut Report,
) -> Result<Option<Running>> {
    for attempt in 0.. {
        let wait = BACKOFF_S[attempt.min(BACKOFF_S.len() - 1)];
        let until = Instant::now() + Duration::from_secs_f64(wait);
        while Instant::now() < until {
            if interrupts.load(Relaxed) > 0 {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let remaining = args.duration.map(|d| (d - report.elapsed_s()).max(0.001));
        match capture::start(input, channel, args.buffer, remaining) {
            Ok(r) => {
                report.note(
                    true,
                    &format!("input reopened after {} attempt(s)", attempt + 1),
                )?;
                return Ok(Some(r));
            }
            Err(e) => report.note(
                true,
                &format!(
                    "reopening failed ({e:#}); retrying in {} s",
                    BACKOFF_S[(attempt + 1).min(BACKOFF_S.len() - 1)]
                ),
            )?,
        }
    }
    unreachable!("the retry loop only ends by returning")
}

/// Counts over every capture of the run.
#[derive(Debug, Default, serde::Serialize)]
struct Totals {
    samples_arrived: u64,
    samples_dropped: u64,
    samples_analysed: u64,
    /// Left in the ring at a second Ctrl-C.
    samples_abandoned: u64,
    gaps: u64,
    non_finite_samples: u64,
    xruns: u64,
    ring_high_water: usize,
    ring_capacity: usize,
    slowest_callback_ms: f64,
    captures: u32,
    #[serde(skip)]
    abandoned: u64,
}

impl Totals {
    fn add(&mut self, reader: &RingReader) {
        let c = reader.counters();
        self.samples_arrived += c.arrived.load(Relaxed);
        self.samples_dropped += c.dropped.load(Relaxed);
        self.xruns += c.xruns.load(Relaxed);
        self.ring_high_water = self.ring_high_water.max(c.high_water.load(Relaxed));
        self.ring_capacity = reader.capacity();
        self.slowest_callback_ms = self
            .slowest_callback_ms
            .max(c.slowest_callback_ns.load(Relaxed) as f64 / 1e6);
        self.samples_abandoned += std::mem::take(&mut self.abandoned);
        self.captures += 1;
    }

    fn add_worker(&mut self, w: worker::Tally) {
        self.samples_analysed += w.analysed;
        self.gaps += w.gaps;
        self.non_finite_samples += w.non_finite;
    }
}

/// Writes the Raven table (from the event log, so memory stays flat however long the run) and
/// the summary, and says what happened.
fn finish(
    report: &Report,
    classes: &[String],
    band_hz: (f64, f64),
    out: &std::path::Path,
    totals: &Totals,
) -> Result<()> {
    report.done();
    let events_path = report.events_path();
    let mut events = read_event_log(&events_path, classes)?;
    events.sort_by(Event::order);
    let table = out.join(format!("{}.Table.1.selections.txt", report.stem));
    write_atomic_with(&table, |w| {
        write_raven_table(w, &events, classes, band_hz, &report.stem)
    })?;
    let latency = |q: f64| {
        report
            .latency
            .quantile(q)
            .map(|ms| (ms * 10.0).round() / 10.0)
    };
    let summary = serde_json::json!({
        "seconds": (report.elapsed_s() * 1000.0).round() / 1000.0,
        "events": report.event_count,
        "latency_ms": { "p50": latency(0.5), "p99": latency(0.99), "max": latency(1.0) },
        "load": (report.load() * 1e4).round() / 1e4,
        "peak_rss_bytes": hark::bench::memory::peak_rss_bytes(),
        "totals": totals,
    });
    let summary_path = out.join(format!("{}.summary.json", report.stem));
    write_atomic(&summary_path, format!("{summary:#}\n").as_bytes())?;
    let dropped = totals.samples_dropped;
    eprintln!(
        "hark: {} events; {} samples analysed, {dropped} dropped ({:.3} %), {} xruns; \
         latency p50 {} ms, p99 {} ms; {}, {} and {}",
        report.event_count,
        totals.samples_analysed,
        100.0 * dropped as f64 / totals.samples_arrived.max(1) as f64,
        totals.xruns,
        latency(0.5).map_or("-".into(), |v| v.to_string()),
        latency(0.99).map_or("-".into(), |v| v.to_string()),
        events_path.display(),
        table.display(),
        summary_path.display(),
    );
    Ok(())
}

fn list_devices(host: Option<&str>) -> Result<()> {
    #[cfg(feature = "listen")]
    {
        let devices = capture::device::list_devices(host)?;
        if devices.is_empty() {
            println!("no input devices");
        }
        for d in devices {
            let mark = if d.is_default { " (default)" } else { "" };
            println!("{}{mark}\n    {} | {}", d.id, d.name, d.default_format);
        }
        Ok(())
    }
    #[cfg(not(feature = "listen"))]
    {
        let _ = host;
        bail!("this hark was built without sound card capture (cargo feature `listen`)")
    }
}
