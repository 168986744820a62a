//! Shared helpers for hark's end-to-end tests: the workspace and its bundled recordings,
//! `../shared/data` when present, a model's probabilities through the runtime's session, an
//! engine's events scored against a recording's table, the onnxruntime cross-check, and a short
//! training run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The recordings bundled with the repository (see tests/data/finch/README.md).
pub fn bundled_finch() -> PathBuf {
    workspace().join("tests/data/finch")
}

/// `audio` streamed through `model` (ONNX bytes) by the runtime's session: its frame probabilities.
pub fn tract_probs(model: &[u8], audio: &[f32]) -> Vec<f32> {
    let model = hark::model::Model::from_bytes(model).unwrap();
    let mut session = hark::model::session::Session::new(std::sync::Arc::new(model)).unwrap();
    let mut probs = Vec::new();
    session.push(audio, &mut probs).unwrap();
    session.finish(&mut probs).unwrap();
    probs
}

/// Event counts (IoU > 0.3) of `spec` with `rules` on the recording `wav`, streamed like `hark
/// detect` streams it, against the Raven table beside it.
pub fn counts_against_table(
    spec: &hark::stream::engine::EngineSpec,
    rules: hark::stream::events::EventRules,
    wav: &Path,
) -> hark::eval::score::Counts {
    use hark::audio::{decode::ChannelChoice, time_expansion::TimeExpansion};
    let detection = hark::stream::pipeline::detect_file(
        spec,
        wav,
        ChannelChoice::MixDown,
        rules,
        TimeExpansion::Auto,
    )
    .unwrap();
    let predicted: Vec<_> = detection
        .events
        .iter()
        .map(|e| (e.onset_s, e.offset_s))
        .collect();
    let table = wav.with_file_name(hark::sinks::raven_table_name(wav));
    let reference: Vec<_> = hark::eval::annotations::read_raven(&table)
        .unwrap()
        .iter()
        .map(|a| (a.onset_s, a.offset_s))
        .collect();
    hark::eval::score::match_events(&reference, &predicted, 0.3)
}

/// `../shared/data` beside the checkout, when it is there.
pub fn shared_data() -> Option<PathBuf> {
    let p = workspace().join("../shared/data");
    p.is_dir().then_some(p)
}

/// The Python interpreter of the venv the test command prepares (`.venv`, with onnx and onnxruntime).
fn python() -> Option<PathBuf> {
    let p = std::env::var_os("HARK_PYTHON")
        .map(Into::into)
        .unwrap_or_else(|| workspace().join(".venv/bin/python"));
    let ok = Command::new(&p)
        .args(["-c", "import onnx, onnxruntime"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(p)
}

fn write_f32(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// Runs onnx's full checker on a contract-1 model and streams `audio` through onnxruntime;
/// panics unless its probabilities are within `tolerance` of `tract_probs`. Skips (saying so)
/// when no Python with onnx and onnxruntime is found, unless HARK_REQUIRE_ONNXRUNTIME is set.
pub fn onnxruntime_agrees(model: &[u8], audio: &[f32], tract_probs: &[f32], tolerance: f64) {
    let Some(python) = python() else {
        assert!(
            std::env::var_os("HARK_REQUIRE_ONNXRUNTIME").is_none(),
            "HARK_REQUIRE_ONNXRUNTIME is set but no Python with onnx and onnxruntime was found"
        );
        eprintln!(
            "SKIPPED: no .venv with onnx + onnxruntime (the README's test command creates it)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (onnx, input, expected) = (
        dir.path().join("m.onnx"),
        dir.path().join("audio.f32"),
        dir.path().join("probs.f32"),
    );
    std::fs::write(&onnx, model).unwrap();
    write_f32(&input, audio);
    write_f32(&expected, tract_probs);
    let out = Command::new(python)
        .arg(workspace().join("tests/python/check_onnx.py"))
        .args([&onnx, &input, &expected])
        .arg(tolerance.to_string())
        .output()
        .unwrap();
    let report =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    eprintln!("{report}");
    assert!(out.status.success(), "onnx check failed:\n{report}");
}

/// A short supervised run of the `recorder` student on the bundled recordings: 40 steps of 4
/// crops of 8 chunks; tests change what they need.
pub fn short_run(command: &str) -> hark_train::training::TrainConfig {
    hark_train::training::TrainConfig {
        data: Some(bundled_finch()),
        csv: None,
        noise: vec![],
        noise_snr_db: hark_train::data::noise::SNR_DB,
        preset: "recorder".into(),
        rate: 16_000,
        init: None,
        label_fraction: 1.0,
        class_name: "syllable".into(),
        classes: vec![],
        seed: 3,
        steps: 40,
        batch: 4,
        crop_chunks: 8,
        lr: 3e-3,
        warmup: 5,
        weight_decay: 0.01,
        val_fraction: 0.2,
        eval_every: 20,
        focal_alpha: 0.5,
        focal_gamma: 2.0,
        on_threshold: 0.5,
        off_threshold: 0.4,
        min_event_s: 0.02,
        merge_gap_s: 0.0,
        distill: None,
        qat: None,
        command: command.into(),
        device: hark_train::device::Compute::Cpu,
    }
}
