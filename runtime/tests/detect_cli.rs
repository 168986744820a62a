//! `hark detect` as a batch tool: folders and formats, mirrored outputs, clips, channels and
//! rates, resume and shards, and a corpus of broken files that must each be named while the good
//! ones are processed. All on the bundled recordings, copied or altered in temporary folders.

mod common;

use std::path::{Path, PathBuf};

use common::{bundled, hark, text};
use hark::audio::decode::{ChannelChoice, read_all};
use hark::audio::resample::resample_all;
use hark::eval::annotations::{parse_csv, read_raven};
use hark::eval::score::match_events;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Reference spans of a bundled recording.
fn reference(stem: &str) -> Vec<(f64, f64)> {
    spans(&bundled(&format!("{stem}.Table.1.selections.txt")))
}

fn spans(table: &Path) -> Vec<(f64, f64)> {
    read_raven(table)
        .unwrap_or_else(|e| panic!("{}: {e:#}", table.display()))
        .iter()
        .map(|a| (a.onset_s, a.offset_s))
        .collect()
}

/// Writes mono or multichannel audio (frame-major) as a WAV of the given sample format.
fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[f32], bits: u16, float: bool) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let full = ((1i64 << (bits - 1)) - 1) as f32;
    for &x in samples {
        if float {
            w.write_sample(x).unwrap();
        } else {
            w.write_sample((x.clamp(-1.0, 1.0) * full) as i32).unwrap();
        }
    }
    w.finalize().unwrap();
}

#[test]
fn a_folder_is_mirrored_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card");
    std::fs::create_dir_all(card.join("night")).unwrap();
    std::fs::copy(bundled("bird0_9.wav"), card.join("bird0_9.wav")).unwrap();
    std::fs::copy(bundled("bird0_2.wav"), card.join("night/bird0_2.WAV")).unwrap();

    let out = dir.path().join("raven");
    let o = hark(&[
        "detect",
        "--model",
        "finch",
        s(&card),
        "--out",
        s(&out),
        "--jobs",
        "2",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("2 files: 2 done, 0 skipped, 0 failed"),
        "{}",
        text(&o)
    );
    for (table, stem) in [
        (out.join("bird0_9.Table.1.selections.txt"), "bird0_9"),
        (out.join("night/bird0_2.Table.1.selections.txt"), "bird0_2"),
    ] {
        let f1 = match_events(&reference(stem), &spans(&table), 0.3).f1();
        assert!(f1 >= 0.9, "{stem}: F1 {f1:.3}");
    }

    let csv_out = dir.path().join("csv");
    let o = hark(&[
        "detect",
        "--model",
        "finch",
        s(&card),
        "--out",
        s(&csv_out),
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(csv_out.join("night/bird0_2.events.csv")).unwrap();
    let rows = &parse_csv(&csv).unwrap()["night/bird0_2.WAV"];
    assert_eq!(
        rows.len(),
        spans(&out.join("night/bird0_2.Table.1.selections.txt")).len()
    );

    let jsonl_out = dir.path().join("jsonl");
    let o = hark(&[
        "detect",
        "--model",
        "finch",
        s(&card),
        "--out",
        s(&jsonl_out),
        "--format",
        "jsonl",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let jsonl = std::fs::read_to_string(jsonl_out.join("bird0_9.events.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    for key in ["file", "class", "onset_s", "offset_s", "peak", "mean"] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
    assert_eq!(first["class"], "syllable");
    assert_eq!(first["high_hz"], 8000.0);
}

/// A RIFF chunk: id, size, body, pad byte.
fn riff_chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend((body.len() as u32).to_le_bytes());
    c.extend(body);
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// `wav` with `chunk` put at byte `at` (after the header, or at the end), its RIFF size grown.
fn with_chunk(mut wav: Vec<u8>, at: usize, chunk: Vec<u8>) -> Vec<u8> {
    let riff = u32::from_le_bytes(wav[4..8].try_into().unwrap()) + chunk.len() as u32;
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    wav.splice(at..at, chunk);
    wav
}

#[test]
fn recorder_start_times_time_json_events() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card");
    std::fs::create_dir_all(&card).unwrap();
    let wav = std::fs::read(bundled("bird0_9.wav")).unwrap();
    // GUANO after the audio, as bat and bird recorders write it.
    let guano = b"GUANO|Version: 1.0\nMake: hark test\nTimestamp: 2026-05-01T05:30:00-04:00\n";
    let end = wav.len();
    let bytes = with_chunk(wav.clone(), end, riff_chunk(b"guan", guano));
    std::fs::write(card.join("guano.wav"), bytes).unwrap();
    // AudioMoth's comment in a LIST/INFO chunk ahead of the audio.
    let comment = b"Recorded at 23:59:30 04/12/2026 (UTC+1) by AudioMoth 24F319055FDF2C3B at \
        medium gain while battery was 4.1V and temperature was 12.3C.";
    let mut info = b"INFO".to_vec();
    info.extend(riff_chunk(b"ICMT", comment));
    let bytes = with_chunk(wav.clone(), 12, riff_chunk(b"LIST", &info));
    std::fs::write(card.join("audiomoth.wav"), bytes).unwrap();
    std::fs::write(card.join("plain.wav"), wav).unwrap();

    let out = dir.path().join("out");
    let o = hark(&["detect", s(&card), "--out", s(&out), "--format", "jsonl"]);
    assert!(o.status.success(), "{}", text(&o));
    let first_events = |stem: &str| {
        let jsonl = std::fs::read_to_string(out.join(format!("{stem}.events.jsonl"))).unwrap();
        let lines: Vec<serde_json::Value> = jsonl
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(lines.len() > 10, "{stem}: {} events", lines.len());
        lines
    };
    for (stem, start) in [
        ("guano", "2026-05-01T09:30:00Z"),
        ("audiomoth", "2026-12-04T22:59:30Z"),
    ] {
        let start = humantime::parse_rfc3339(start).unwrap();
        for e in first_events(stem) {
            let onset = std::time::Duration::from_secs_f64(e["onset_s"].as_f64().unwrap());
            let utc = humantime::parse_rfc3339(e["utc"].as_str().unwrap()).unwrap();
            let off = utc.duration_since(start).unwrap().as_secs_f64() - onset.as_secs_f64();
            assert!(off.abs() < 1e-3, "{stem}: {e}");
        }
    }
    assert!(first_events("plain").iter().all(|e| e.get("utc").is_none()));
}

#[test]
fn resume_skips_finished_recordings_and_shards_split_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card");
    std::fs::create_dir_all(&card).unwrap();
    for stem in ["bird0_2", "bird0_8", "bird0_9"] {
        std::fs::copy(
            bundled(&format!("{stem}.wav")),
            card.join(format!("{stem}.wav")),
        )
        .unwrap();
    }
    let out = dir.path().join("out");
    let mut written = Vec::new();
    for shard in ["0/2", "1/2"] {
        let o = hark(&["detect", s(&card), "--out", s(&out), "--shard", shard]);
        assert!(o.status.success(), "{}", text(&o));
        let mut now: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        now.sort();
        written.push(now);
    }
    assert_eq!(
        written[0].len(),
        2,
        "shard 0/2 of 3 files: {:?}",
        written[0]
    );
    assert_eq!(
        written[1].len(),
        3,
        "both shards together: {:?}",
        written[1]
    );

    let o = hark(&["detect", s(&card), "--out", s(&out), "--resume"]);
    assert!(
        text(&o).contains("3 files: 0 done, 3 skipped"),
        "{}",
        text(&o)
    );
    // A recording newer than its table is done again.
    let wav = card.join("bird0_8.wav");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&wav)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let o = hark(&["detect", s(&card), "--out", s(&out), "--resume"]);
    assert!(
        text(&o).contains("3 files: 1 done, 2 skipped"),
        "{}",
        text(&o)
    );
}

#[test]
fn clips_hold_each_event_with_its_roll() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let wav = bundled("bird0_2.wav");
    let o = hark(&[
        "detect",
        s(&wav),
        "--out",
        s(&out),
        "--clips",
        "--pre-roll",
        "0.2",
        "--post-roll",
        "0.1",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let events = spans(&out.join("bird0_2.Table.1.selections.txt"));
    let mut clips: Vec<PathBuf> = std::fs::read_dir(out.join("bird0_2_clips"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    clips.sort();
    assert_eq!(clips.len(), events.len());
    let reader = hound::WavReader::open(&clips[1]).unwrap();
    assert_eq!(
        reader.spec().sample_rate,
        32_000,
        "clips keep the recording's rate"
    );
    let seconds = reader.duration() as f64 / 32_000.0;
    let (onset, offset) = events[1];
    let expected = offset - onset + 0.3;
    assert!(
        (seconds - expected).abs() < 1e-3,
        "{seconds} s, expected {expected} s"
    );
}

#[test]
fn any_rate_depth_and_channel() {
    let dir = tempfile::tempdir().unwrap();
    let (info, mono) = read_all(&bundled("bird0_9.wav"), ChannelChoice::MixDown).unwrap();
    // 96 kHz, 24-bit, stereo: the song on channel 2, silence on channel 1.
    let hi = resample_all(&mono, info.sample_rate, 96_000).unwrap();
    let stereo: Vec<f32> = hi.iter().flat_map(|&x| [0.0, x]).collect();
    let wav = dir.path().join("stereo96k.wav");
    write_wav(&wav, 96_000, 2, &stereo, 24, false);
    let o = hark(&["detect", "--model", "finch", s(&wav), "--channel", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    // Six times the model's rate: what it cannot hear is named.
    let warning = String::from_utf8_lossy(&o.stderr);
    assert!(
        warning.contains("recorded at 96 kHz for sounds up to 48 kHz")
            && warning.contains("hears only up to 8 kHz"),
        "{warning}"
    );
    let table = dir.path().join("t.txt");
    std::fs::write(&table, &o.stdout).unwrap();
    let f1 = match_events(&reference("bird0_9"), &spans(&table), 0.3).f1();
    assert!(f1 >= 0.9, "F1 {f1:.3} on channel 2 at 96 kHz");

    let o = hark(&["detect", "--model", "finch", s(&wav), "--channel", "1"]);
    std::fs::write(&table, &o.stdout).unwrap();
    assert!(spans(&table).is_empty(), "the silent channel has no events");

    let o = hark(&["detect", "--model", "finch", s(&wav), "--channel", "3"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("has 2 channel(s)"), "{}", text(&o));

    // 8 kHz, 8-bit: the model hears only up to 4 kHz, and the table says so.
    let lo = resample_all(&mono, info.sample_rate, 8_000).unwrap();
    let wav8 = dir.path().join("low.wav");
    write_wav(&wav8, 8_000, 1, &lo, 8, false);
    let o = hark(&["detect", "--model", "finch", s(&wav8)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\t0.0\t4000.0\t"));
    assert!(!text(&o).contains("hark: warning"), "{}", text(&o));

    // 2 kHz, a hydrophone's rate: upsampled to the model's rate, nothing unheard.
    let hydrophone = resample_all(&mono, info.sample_rate, 2_000).unwrap();
    let wav2 = dir.path().join("hydrophone.wav");
    write_wav(&wav2, 2_000, 1, &hydrophone, 16, false);
    let o = hark(&["detect", "--model", "finch", s(&wav2)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("hark: warning"), "{}", text(&o));
}

#[test]
fn each_channel_is_its_own_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (info, a) = read_all(&bundled("bird0_2.wav"), ChannelChoice::MixDown).unwrap();
    let (_, b) = read_all(&bundled("bird0_9.wav"), ChannelChoice::MixDown).unwrap();
    // Two birds on channels 1 and 3, silence between them.
    let n = a.len().min(b.len());
    let frames: Vec<f32> = (0..n).flat_map(|i| [a[i], 0.0, b[i]]).collect();
    let wav = dir.path().join("three.wav");
    write_wav(&wav, info.sample_rate, 3, &frames, 16, false);
    let o = hark(&["detect", s(&wav), "--each-channel", "--clips"]);
    assert!(o.status.success(), "{}", text(&o));
    let table = String::from_utf8_lossy(&o.stdout).to_string();
    let rows = |channel: &str| -> Vec<String> {
        table
            .lines()
            .skip(1)
            .filter(|l| l.split('\t').nth(2) == Some(channel))
            .map(|l| l.split('\t').skip(3).take(6).collect::<Vec<_>>().join("\t"))
            .collect()
    };
    assert!(rows("2").is_empty(), "the silent channel has no events");
    for channel in ["1", "3"] {
        let alone = hark(&["detect", s(&wav), "--channel", channel]);
        let alone: Vec<String> = String::from_utf8_lossy(&alone.stdout)
            .lines()
            .skip(1)
            .map(|l| l.split('\t').skip(3).take(6).collect::<Vec<_>>().join("\t"))
            .collect();
        assert!(!alone.is_empty());
        assert_eq!(
            rows(channel),
            alone,
            "channel {channel} gives what it gives alone"
        );
    }
    // Each channel's clips come from that channel.
    let clips = std::fs::read_dir(dir.path().join("three_clips"))
        .unwrap()
        .count();
    assert_eq!(clips, rows("1").len() + rows("3").len());
    assert!(dir.path().join("three_clips").read_dir().unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("three_ch3_")
    }));

    let o = hark(&["detect", s(&wav), "--each-channel", "--channel", "1"]);
    assert!(!o.status.success(), "one channel or each, not both");
}

#[test]
fn annotations_beside_the_audio_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("bird0_2.Table.1.selections.txt");
    std::fs::copy(bundled("bird0_2.wav"), dir.path().join("bird0_2.wav")).unwrap();
    std::fs::copy(bundled("bird0_2.Table.1.selections.txt"), &table).unwrap();
    let before = std::fs::read(&table).unwrap();
    let o = hark(&["detect", s(dir.path())]);
    assert!(!o.status.success());
    assert!(text(&o).contains("was not written by hark"), "{}", text(&o));
    assert_eq!(std::fs::read(&table).unwrap(), before);
}

#[test]
fn the_energy_baseline_runs_as_an_engine() {
    let o = hark(&["detect", s(&bundled("bird0_9.wav")), "--engine", "energy"]);
    assert!(o.status.success(), "{}", text(&o));
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.txt");
    std::fs::write(&table, &o.stdout).unwrap();
    let f1 = match_events(&reference("bird0_9"), &spans(&table), 0.3).f1();
    assert!(f1 >= 0.85, "energy F1 {f1:.3}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("\t1000.0\t7000.0\tvocalization\t"));
}

#[test]
fn event_flags_change_the_events() {
    let wav = bundled("bird0_9.wav");
    let count = |extra: &[&str]| {
        let mut args = vec!["detect", "--model", "finch", s(&wav)];
        args.extend_from_slice(extra);
        let o = hark(&args);
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).lines().count() - 1
    };
    let default = count(&[]);
    assert!(count(&["--merge-gap", "0.5"]) < default / 2);
    assert!(count(&["--min-event", "0.3"]) < default / 2);
    assert!(
        count(&[
            "--on",
            "syllable=0.6",
            "--off",
            "0.4",
            "--min-event",
            "0.01",
            "--max-event",
            "0.02"
        ]) > default
    );
    let o = hark(&["detect", "--model", "finch", s(&wav), "--on", "bark=0.5"]);
    assert!(!o.status.success() && text(&o).contains("no class `bark`"));
}
