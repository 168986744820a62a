//! `hark listen` end to end, without a sound card: a real recording captured through cpal and
//! ALSA's file plugin over the null device (which delivers the file as fast as it is read, not
//! paced), and a recording replayed at real-time pace for Ctrl-C.
//!
//! `HARK_LISTEN_RECORDING=FILE` runs the capture tests on another recording.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{bundled, hark, hark_command, text};
use serde_json::Value;

/// The one file in `dir` ending in `suffix`.
fn output(dir: &Path, suffix: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one *{suffix} in {}: {found:?}",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (class, onset, offset, peak) of each event line.
fn events(lines: &[Value]) -> Vec<(String, f64, f64, f64)> {
    let mut v: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l["class"].as_str().unwrap().to_string(),
                l["onset_s"].as_f64().unwrap(),
                l["offset_s"].as_f64().unwrap(),
                l["peak"].as_f64().unwrap(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1));
    v
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(output(dir, ".summary.json")).unwrap()).unwrap()
}

/// Runs `hark listen --replay` on a bundled recording with `args` into `dir`, and presses Ctrl-C
/// after `ms` milliseconds.
#[cfg(unix)]
fn replay_then_interrupt(dir: &Path, args: &[&str], ms: u64) -> std::process::Output {
    let wav = bundled("bird0_2.wav");
    let child = hark_command()
        .args(["listen", "--replay", wav.to_str().unwrap(), "--quiet"])
        .args(["--out", dir.to_str().unwrap()])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(ms));
    // SAFETY: signalling a child process this test started and still owns.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_capture_closes_open_events_and_flushes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let clips = dir.path().join("clips");
    let clips_arg = clips.to_str().unwrap();
    // Long enough to get past the first syllables (from 0.88 s), well short of the 12 s file.
    let out = replay_then_interrupt(
        dir.path(),
        &["--speed", "1", "--json", "--clips", clips_arg],
        3000,
    );
    assert!(out.status.success(), "{}", text(&out));
    let log = std::fs::read_to_string(output(dir.path(), ".log")).unwrap();
    assert!(log.contains("stopped by Ctrl-C"), "{log}");
    let s = summary(dir.path());
    let analysed = s["totals"]["samples_analysed"].as_u64().unwrap();
    assert!(
        analysed > 32_000 && analysed < 32_000 * 8,
        "about 3 s analysed, not {analysed}: {s}"
    );
    let printed = json_lines(&String::from_utf8_lossy(&out.stdout));
    assert!(!printed.is_empty(), "events before Ctrl-C");
    let table = std::fs::read_to_string(output(dir.path(), ".Table.1.selections.txt")).unwrap();
    assert_eq!(table.lines().count(), printed.len() + 1);
    let written = std::fs::read_dir(&clips).unwrap().count();
    assert_eq!(written, printed.len(), "one clip per event");
}

#[test]
fn bad_listen_arguments_are_refused_with_the_reason() {
    let missing = hark(&["listen", "--replay", "/no/such.wav", "--out", "/tmp"]);
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("/no/such.wav"),
        "{}",
        text(&missing)
    );
    let negative = hark(&["listen", "--replay", "x.wav", "--buffer=-1"]);
    assert!(
        text(&negative).contains("--buffer must be 0 or more"),
        "{}",
        text(&negative)
    );
}

#[cfg(unix)]
#[test]
fn an_input_that_goes_silent_is_reopened_with_backoff() {
    let dir = tempfile::tempdir().unwrap();
    // At 1 % of real time the replay delivers a block every 2 s: a device gone quiet.
    let out = replay_then_interrupt(dir.path(), &["--speed", "0.01", "--stall", "0.3"], 2500);
    assert!(out.status.success(), "{}", text(&out));
    let log = std::fs::read_to_string(output(dir.path(), ".log")).unwrap();
    assert!(
        log.contains("input lost: no audio for 0.3 s; reopening"),
        "{log}"
    );
    assert!(log.contains("input reopened after 1 attempt(s)"), "{log}");
    let captures = summary(dir.path())["totals"]["captures"].as_u64().unwrap();
    assert!(captures >= 2, "{captures} captures:\n{log}");
}

/// Capture through cpal and ALSA's file plugin (builds with sound card capture only).
#[cfg(feature = "listen")]
mod alsa {
    use super::*;
    use hark::audio::decode::{ChannelChoice, FileSource};
    use hark::audio::source::Source;
    use std::process::Output;

    /// The recording captured, and its audio as the file plugin will deliver it: mono f32 at
    /// its own rate (capture is bit-exact for a mono f32 stream at the rate the ALSA
    /// configuration names; a stereo stream goes through the plug's 16-bit channel route).
    fn recording() -> (PathBuf, Vec<f32>, u32) {
        let path = std::env::var_os("HARK_LISTEN_RECORDING")
            .map(PathBuf::from)
            .unwrap_or_else(|| bundled("bird0_2.wav"));
        let mut source = FileSource::open(&path, ChannelChoice::MixDown).unwrap();
        let mut samples = Vec::new();
        while source.read(&mut samples).unwrap() {}
        let rate = source.info().sample_rate;
        (path, samples, rate)
    }

    /// An ALSA configuration whose default capture device plays `samples` through the file plugin.
    fn alsa_config(dir: &Path, samples: &[f32], rate: u32) -> PathBuf {
        let raw = dir.join("in.raw");
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        std::fs::write(&raw, bytes).unwrap();
        let conf = dir.join("asound.conf");
        std::fs::write(
            &conf,
            format!(
                "</usr/share/alsa/alsa.conf>\n\
                 pcm.capfile {{ type file slave.pcm \"null\" file \"/dev/null\" infile \"{}\" format \"raw\" }}\n\
                 pcm.!default {{ type plug slave {{ pcm \"capfile\" format FLOAT_LE rate {rate} channels 1 }} }}\n",
                raw.display()
            ),
        )
        .unwrap();
        conf
    }

    /// Runs `hark listen` capturing from the file plugin at `rate`.
    fn listen_alsa(conf: &Path, rate: u32, args: &[&str]) -> Output {
        hark_command()
            .args(["listen", "--rate", &rate.to_string()])
            .args(args)
            .env("ALSA_CONFIG_PATH", conf)
            .output()
            .expect("the hark binary runs")
    }

    #[test]
    fn capture_through_alsa_gives_the_events_of_detect_and_drops_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (path, samples, rate) = recording();
        let conf = alsa_config(dir.path(), &samples, rate);
        let seconds = samples.len() as f64 / rate as f64;
        // The file plugin is not paced: the ring must hold the whole file for nothing to drop.
        let out = listen_alsa(
            &conf,
            rate,
            &[
                "--duration",
                &format!("{seconds:.9}"),
                "--buffer",
                &format!("{}", seconds.ceil() + 1.0),
                "--json",
                "--quiet",
                "--out",
                dir.path().to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        let detect = hark(&[
            "detect",
            path.to_str().unwrap(),
            "--format",
            "jsonl",
            "--quiet",
        ]);
        assert!(detect.status.success(), "{}", text(&detect));
        let expected = events(&json_lines(&String::from_utf8_lossy(&detect.stdout)));
        assert!(!expected.is_empty(), "the recording has events");

        // stdout and the event log say the same, and it is what `hark detect` says of the file.
        let printed = events(&json_lines(&String::from_utf8_lossy(&out.stdout)));
        let log = std::fs::read_to_string(output(dir.path(), ".events.jsonl")).unwrap();
        assert_eq!(events(&json_lines(&log)), printed);
        assert_eq!(printed, expected);

        let s = summary(dir.path());
        let t = &s["totals"];
        assert_eq!(t["samples_arrived"], samples.len() as u64, "{s}");
        assert_eq!(t["samples_analysed"], samples.len() as u64, "{s}");
        assert_eq!(t["samples_dropped"], 0, "{s}");
        assert_eq!(t["gaps"], 0, "{s}");
        assert_eq!(s["events"], expected.len() as u64);
        // The Raven table written at the end holds every event.
        let table = std::fs::read_to_string(output(dir.path(), ".Table.1.selections.txt")).unwrap();
        assert_eq!(table.lines().count(), expected.len() + 1);
    }

    #[test]
    fn a_starved_worker_drops_at_the_ring_counted_exactly_while_the_callback_never_waits() {
        let dir = tempfile::tempdir().unwrap();
        let (_, samples, rate) = recording();
        let conf = alsa_config(dir.path(), &samples, rate);
        let seconds = samples.len() as f64 / rate as f64;
        let starve_ms = 40;
        let out = listen_alsa(
            &conf,
            rate,
            &[
                "--duration",
                &format!("{seconds:.9}"),
                "--buffer",
                "0.5",
                "--starve-ms",
                &starve_ms.to_string(),
                "--quiet",
                "--out",
                dir.path().to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        let s = summary(dir.path());
        let t = &s["totals"];
        let n = |k: &str| t[k].as_u64().unwrap();
        assert_eq!(n("samples_arrived"), samples.len() as u64, "{s}");
        assert!(n("samples_dropped") > 0, "{s}");
        assert_eq!(
            n("samples_analysed") + n("samples_dropped"),
            n("samples_arrived"),
            "{s}"
        );
        assert!(n("ring_high_water") <= n("ring_capacity"), "{s}");
        // The callback went on at its own pace while the worker slept.
        let slowest = t["slowest_callback_ms"].as_f64().unwrap();
        assert!(
            slowest < starve_ms as f64 / 2.0,
            "the callback took {slowest} ms"
        );

        // Every gap is in the activity log with its size; together they are the drops.
        let log = std::fs::read_to_string(output(dir.path(), ".log")).unwrap();
        let gaps: Vec<u64> = log
            .lines()
            .filter_map(|l| l.split_once("gap: "))
            .map(|(_, rest)| rest.split_whitespace().next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(gaps.len() as u64, n("gaps"), "{log}");
        assert_eq!(gaps.iter().sum::<u64>(), n("samples_dropped"), "{log}");
        // And the summary on stderr says so.
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{} dropped", n("samples_dropped"))),
            "{stderr}"
        );
    }

    #[test]
    fn a_device_that_is_not_there_is_named_in_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let conf = alsa_config(dir.path(), &[0.0; 16], 16_000);
        let out = listen_alsa(
            &conf,
            16_000,
            &[
                "--device",
                "no-such-card",
                "--out",
                dir.path().to_str().unwrap(),
            ],
        );
        assert!(!out.status.success());
        let t = text(&out);
        assert!(
            t.contains("no input device \"no-such-card\"") && t.contains("--list-devices"),
            "{t}"
        );
        let list = hark_command()
            .args(["listen", "--list-devices"])
            .env("ALSA_CONFIG_PATH", &conf)
            .output()
            .unwrap();
        assert!(list.status.success(), "{}", text(&list));
        assert!(text(&list).contains("(default)"), "{}", text(&list));
    }
}

#[test]
fn an_ultrasonic_replay_is_heard_time_expanded_as_detect_hears_the_file() {
    // 2 s at 384 kHz: 5 ms sweeps from 70 down to 35 kHz every 150 ms over faint noise, which
    // both commands hear ten times slower (the default for 192 kHz and more).
    const RATE: u32 = 384_000;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("bats.wav");
    let mut state = 7u64;
    let mut audio: Vec<f32> = (0..RATE as usize * 2)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.0035
        })
        .collect();
    for call in 0..10 {
        let first = ((0.3 + 0.15 * call as f64) * RATE as f64) as usize;
        for i in 0..(0.005 * RATE as f64) as usize {
            let t = i as f64 / RATE as f64;
            let phase = std::f64::consts::TAU * (70_000.0 * t - 35_000.0 * t * t / 0.01);
            let ramp = (std::f64::consts::PI * t / 0.005).sin();
            audio[first + i] += (0.2 * ramp * phase.sin()) as f32;
        }
    }
    hark::sinks::write_wav(&wav, &audio, RATE, hark::sinks::Encoding::Float32).unwrap();
    let path = wav.to_str().unwrap();
    let out_dir = dir.path().join("listen");
    let listen = hark(&[
        "listen",
        "--replay",
        path,
        "--speed",
        "20",
        "--json",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(listen.status.success(), "{}", text(&listen));
    let detect = hark(&["detect", path, "--format", "jsonl", "--quiet"]);
    assert!(detect.status.success(), "{}", text(&detect));
    let expected = events(&json_lines(&String::from_utf8_lossy(&detect.stdout)));
    assert!(expected.len() >= 8, "the sweeps are heard: {expected:?}");
    assert!(
        expected.iter().all(|e| e.1 >= 0.29 && e.2 <= 1.72),
        "{expected:?}"
    );
    let heard = events(&json_lines(&String::from_utf8_lossy(&listen.stdout)));
    assert_eq!(heard, expected);
}
