//! The energy baseline on real audio: the bundled finch recordings, decoded and resampled to
//! 16 kHz, scored by the energy detector with its default settings, turned into events with the
//! default model's event rules, and matched against the annotations at IoU 0.3 (docs/quality.md).

mod common;

use std::path::{Path, PathBuf};

use hark::eval::annotations::read_raven;
use hark::eval::score::{Counts, match_events};
use hark::stream::energy::{EnergyConfig, EnergyDetector};
use hark::stream::events::{EventRules, detect_all};

/// The rate hark's streams run at.
const RATE: u32 = 16_000;
/// Pooled F1 the baseline must keep on the bundled files (measured 0.961, see docs/quality.md).
const F1_FLOOR: f64 = 0.93;

/// Recordings with a Raven table next to them, in name order.
fn annotated_wavs(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .filter_map(|wav| {
            let stem = wav.file_stem()?.to_string_lossy().to_string();
            let table = wav.with_file_name(format!("{stem}.Table.1.selections.txt"));
            table.exists().then_some((wav, table))
        })
        .collect();
    out.sort();
    out
}

/// A whole file at 16 kHz, as the pipeline would feed it.
fn audio_16k(wav: &Path) -> Vec<f32> {
    hark::audio::load(wav, RATE).unwrap()
}

/// Frame scores of the default energy detector, streamed in 160 ms blocks like a live stream.
fn scores(audio: &[f32]) -> (Vec<f32>, f64) {
    let mut detector = EnergyDetector::new(EnergyConfig::default(), RATE).unwrap();
    let hop_s = detector.hop_seconds();
    let mut scores = Vec::new();
    for block in audio.chunks(2560) {
        detector.push(block, &mut scores);
    }
    detector.finish(&mut scores);
    (scores, hop_s)
}

/// Detects and matches one recording against its table.
fn evaluate(wav: &Path, table: &Path) -> Counts {
    let (scores, hop_s) = scores(&audio_16k(wav));
    let predicted: Vec<(f64, f64)> = detect_all(EventRules::energy(hop_s), &scores)
        .iter()
        .map(|e| (e.onset_s, e.offset_s))
        .collect();
    let reference: Vec<(f64, f64)> = read_raven(table)
        .unwrap()
        .iter()
        .map(|a| (a.onset_s, a.offset_s))
        .collect();
    match_events(&reference, &predicted, 0.3)
}

/// Evaluates every file, prints a line per file and the pooled counts, returns the pooled counts.
fn evaluate_all(files: &[(PathBuf, PathBuf)]) -> Counts {
    let mut pooled = Counts::default();
    for (wav, table) in files {
        let c = evaluate(wav, table);
        println!(
            "{:<24} F1 {:.3}  TP {:>4}  FP {:>4}  FN {:>4}",
            wav.file_name().unwrap().to_string_lossy(),
            c.f1(),
            c.tp,
            c.fp,
            c.fn_
        );
        pooled += c;
    }
    println!(
        "pooled over {} files: F1 {:.3}  P {:.3}  R {:.3}  (TP {}, FP {}, FN {})",
        files.len(),
        pooled.f1(),
        pooled.precision(),
        pooled.recall(),
        pooled.tp,
        pooled.fp,
        pooled.fn_
    );
    pooled
}

#[test]
fn energy_baseline_on_bundled_finch_recordings() {
    let dir = common::finch();
    let files = annotated_wavs(&dir);
    assert_eq!(
        files.len(),
        6,
        "the six bundled recordings with their tables"
    );
    let pooled = evaluate_all(&files);
    assert!(
        pooled.f1() >= F1_FLOOR,
        "energy baseline F1 {:.3} fell below {F1_FLOOR}",
        pooled.f1()
    );
}
