//! `hark-train perturb` on synthetic recordings whose truth is known (tone bursts at annotated
//! times).
//!
//! The written tables must still mark the bursts after the speed change, the background must be
//! there at a plausible SNR, and the same command must write the same bytes.

use std::path::Path;
use std::process::Command;

use hark::audio::decode::{ChannelChoice, read_all};
use hark::eval::annotations::{Annotation, read_raven};
use hark::sinks::{Encoding, write_wav};
use hark_train::perturb::files::raven_selections;

const RATE: u32 = 32000;

/// Five 3 s recordings, each with ten 80 ms bursts of 3 kHz over faint hiss, and a 5 s noise file.
fn write_inputs(data: &Path, noise: &Path) {
    std::fs::create_dir_all(data).unwrap();
    std::fs::create_dir_all(noise).unwrap();
    for r in 0..5 {
        let events: Vec<Annotation> = (0..10)
            .map(|k| Annotation {
                onset_s: 0.2 + 0.27 * k as f64 + 0.01 * r as f64,
                offset_s: 0.28 + 0.27 * k as f64 + 0.01 * r as f64,
                label: format!("{k}"),
                channel: None,
            })
            .collect();
        let audio: Vec<f32> = (0..3 * RATE as usize)
            .map(|i| {
                let t = i as f64 / RATE as f64;
                let hiss = ((i * 7919 % 997) as f32 / 997.0 - 0.5) * 1e-3;
                let on = events.iter().any(|e| (e.onset_s..e.offset_s).contains(&t));
                let tone = (std::f64::consts::TAU * 3000.0 * t).sin() as f32 * 0.5;
                hiss + if on { tone } else { 0.0 }
            })
            .collect();
        write_wav(
            &data.join(format!("r{r}.wav")),
            &audio,
            RATE,
            Encoding::Int16,
        )
        .unwrap();
        std::fs::write(
            data.join(format!("r{r}.Table.1.selections.txt")),
            raven_selections(&events, 16000.0),
        )
        .unwrap();
    }
    let hum: Vec<f32> = (0..5 * 44100)
        .map(|i| ((i as u64 * 104729 % 1009) as f32 / 1009.0 - 0.5) * 0.3)
        .collect();
    write_wav(&noise.join("field.wav"), &hum, 44100, Encoding::Int16).unwrap();
}

fn perturb(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hark-train"))
        .arg("perturb")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Mean power inside the table's events (their middle 80 %) over the power outside them, in dB.
fn in_over_out_db(wav: &Path) -> f64 {
    let (info, audio) = read_all(wav, ChannelChoice::MixDown).unwrap();
    assert_eq!(info.sample_rate, 22050);
    let table = wav.with_file_name(format!(
        "{}.Table.1.selections.txt",
        wav.file_stem().unwrap().to_string_lossy()
    ));
    let events = read_raven(&table).unwrap();
    assert_eq!(events.len(), 10);
    let rate = info.sample_rate as f64;
    let (mut inside, mut outside) = ((0.0, 0usize), (0.0, 0usize));
    for (i, v) in audio.iter().enumerate() {
        let t = i as f64 / rate;
        let core = events.iter().any(|e| {
            let pad = 0.1 * (e.offset_s - e.onset_s);
            (e.onset_s + pad..e.offset_s - pad).contains(&t)
        });
        let near = events
            .iter()
            .any(|e| (e.onset_s - 0.005..e.offset_s + 0.005).contains(&t));
        let p = (*v as f64).powi(2);
        if core {
            inside = (inside.0 + p, inside.1 + 1);
        } else if !near {
            outside = (outside.0 + p, outside.1 + 1);
        }
    }
    10.0 * ((inside.0 / inside.1 as f64) / (outside.0 / outside.1 as f64)).log10()
}

#[test]
fn perturbed_tables_follow_the_stretched_audio() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, noise) = (tmp.path().join("data"), tmp.path().join("noise"));
    write_inputs(&data, &noise);
    let d = data.to_str().unwrap();

    let clean = tmp.path().join("speed");
    let log = perturb(&[
        "--data",
        d,
        "--val-fraction",
        "0.4",
        "--out",
        clean.to_str().unwrap(),
        "--no-eq",
    ]);
    assert!(log.contains("speed 0.8, background SNR none"), "{log}");
    assert!(log.contains("speed 1.25, background SNR none"), "{log}");
    let mut wavs: Vec<_> = std::fs::read_dir(&clean)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    wavs.sort();
    assert_eq!(wavs.len(), 2);
    for wav in &wavs {
        let (_, audio) = read_all(wav, ChannelChoice::MixDown).unwrap();
        let seconds = audio.len() as f64 / 22050.0;
        assert!(
            (seconds - 3.0 / 0.8).abs() < 1e-3 || (seconds - 3.0 / 1.25).abs() < 1e-3,
            "{seconds} s"
        );
        let db = in_over_out_db(wav);
        assert!(
            db > 40.0,
            "{}: bursts only {db:.1} dB over the rest",
            wav.display()
        );
    }

    let args = |out: &Path| {
        vec![
            "--data".to_string(),
            d.into(),
            "--val-fraction".into(),
            "0.4".into(),
            "--noise".into(),
            noise.to_str().unwrap().into(),
            "--out".into(),
            out.to_str().unwrap().into(),
        ]
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let log = perturb(&args(&a).iter().map(String::as_str).collect::<Vec<_>>());
    perturb(&args(&b).iter().map(String::as_str).collect::<Vec<_>>());
    for wav in &wavs {
        let name = wav.file_name().unwrap();
        let bytes = |dir: &Path| std::fs::read(dir.join(name)).unwrap();
        assert!(bytes(&a) == bytes(&b), "the same command wrote other audio");
        // Song 3..20 dB over the background, give or take what the channel does to the tone and
        // the noise (its resonance adds up to 10 dB): far from the clean 40+ dB.
        let db = in_over_out_db(&a.join(name));
        assert!((0.0..35.0).contains(&db), "{db:.1} dB with a background");
    }
    for line in log.lines() {
        let snr: f32 = line
            .split("SNR ")
            .nth(1)
            .and_then(|s| s.split(" dB").next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no SNR in {line:?}"));
        assert!((3.0..=20.0).contains(&snr), "{line}");
    }
}
