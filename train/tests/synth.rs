//! `hark-train synth` on the bundled finch recordings over a stationary noise background.
//!
//! The mixes hold the asked share of calls at the asked SNR, their tables and CSV agree, and the
//! same command writes the same bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

use hark::audio::decode::{ChannelChoice, read_all};
use hark::eval::annotations::{read_csv, read_raven};
use hark::sinks::{Encoding, write_wav};

const RATE: u32 = 16000;

fn synth(background: &Path, out: &Path) {
    let calls = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/finch");
    let status = Command::new(env!("CARGO_BIN_EXE_hark-train"))
        .args(["synth", "--split", "all", "--files", "3", "--seconds", "20"])
        .args(["--snr-db", "10,10", "--occupancy", "0.1", "--rate", "16000"])
        .arg("--calls")
        .arg(&calls)
        .arg("--backgrounds")
        .arg(background)
        .arg("--out")
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn mixes_hold_the_asked_calls_at_the_asked_snr() {
    let dir = tempfile::tempdir().unwrap();
    let background = dir.path().join("bg");
    std::fs::create_dir_all(&background).unwrap();
    let mut state = 1u64;
    let hiss: Vec<f32> = (0..RATE * 30)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        })
        .map(|x| 0.05 * x)
        .collect();
    write_wav(&background.join("hiss.wav"), &hiss, RATE, Encoding::Int16).unwrap();

    let out = dir.path().join("mix");
    synth(&background, &out);
    let csv = read_csv(&out.join("annotations.csv")).unwrap();
    assert_eq!(csv.len(), 3);
    let (mut inside, mut outside) = ((0.0, 0usize), (0.0, 0usize));
    for i in 1..=3 {
        let wav: PathBuf = out.join(format!("wav/mix_{i:04}.wav"));
        let table =
            read_raven(&wav.with_file_name(format!("mix_{i:04}.Table.1.selections.txt"))).unwrap();
        assert_eq!(table.len(), csv[&format!("wav/mix_{i:04}.wav")].len());
        let covered: f64 = table.iter().map(|a| a.offset_s - a.onset_s).sum();
        assert!(
            (2.0..3.0).contains(&covered),
            "calls cover {covered:.2} s of 20"
        );
        let (info, audio) = read_all(&wav, ChannelChoice::MixDown).unwrap();
        assert_eq!((info.sample_rate, audio.len()), (RATE, 20 * RATE as usize));
        for (n, x) in audio.iter().enumerate() {
            let t = n as f64 / RATE as f64;
            let near = table
                .iter()
                .any(|a| t > a.onset_s - 0.06 && t < a.offset_s + 0.06);
            let within = table.iter().any(|a| t >= a.onset_s && t < a.offset_s);
            let x2 = (*x as f64).powi(2);
            if within {
                inside = (inside.0 + x2, inside.1 + 1);
            } else if !near {
                outside = (outside.0 + x2, outside.1 + 1);
            }
        }
    }
    // Calls at 10 dB over a stationary background: inside them, 10 * log10(1 + 10) = 10.4 dB more.
    let gain_db = 10.0 * ((inside.0 / inside.1 as f64) / (outside.0 / outside.1 as f64)).log10();
    assert!(
        (8.5..12.5).contains(&gain_db),
        "calls are {gain_db:.1} dB over the rest"
    );

    let again = dir.path().join("again");
    synth(&background, &again);
    for name in ["annotations.csv", "wav/mix_0002.wav"] {
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            std::fs::read(again.join(name)).unwrap(),
            "{name} differs between two runs of the same command"
        );
    }
}
