//! The `hark` binary as a user runs it.

mod common;

use common::{bundled, hark, text};
use hark::eval::annotations::read_raven;
use hark::eval::score::match_events;

#[test]
fn info_prints_the_default_models_contract() {
    let out = hark(&["info"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    for needle in [
        "32000 Hz",
        "5120 samples (160 ms), 16 frames",
        "320 samples (10.0 ms)",
        "classes          call",
        "MMAC per audio second",
        "provenance       command: ",
    ] {
        assert!(t.contains(needle), "`{needle}` missing from:\n{t}");
    }
}

#[test]
fn detect_finds_the_annotated_syllables_of_a_held_out_recording() {
    // The general detector finds most syllables of a bird it was not trained on as its own;
    // the finch model, made for this bird, nearly all.
    for (model, least_f1) in [("default", 0.85), ("finch", 0.95)] {
        let dir = tempfile::tempdir().unwrap();
        let wav = bundled("bird0_9.wav");
        let out = hark(&[
            "detect",
            wav.to_str().unwrap(),
            "--model",
            model,
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let table = dir.path().join("bird0_9.Table.1.selections.txt");
        let predicted: Vec<(f64, f64)> = read_raven(&table)
            .unwrap()
            .iter()
            .map(|a| (a.onset_s, a.offset_s))
            .collect();
        let reference: Vec<(f64, f64)> = read_raven(&bundled("bird0_9.Table.1.selections.txt"))
            .unwrap()
            .iter()
            .map(|a| (a.onset_s, a.offset_s))
            .collect();
        let counts = match_events(&reference, &predicted, 0.3);
        let f1 = counts.f1();
        assert!(f1 >= least_f1, "{model}: F1 {f1:.3} ({counts:?})");
    }
}

#[test]
fn detect_names_a_file_that_is_not_audio() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("notes.wav");
    std::fs::write(&bogus, b"field notes, not a recording").unwrap();
    let out = hark(&["detect", bogus.to_str().unwrap()]);
    let t = text(&out);
    assert!(!out.status.success());
    assert!(
        t.contains("notes.wav") && t.contains("not a readable audio file"),
        "{t}"
    );
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn info_rejects_a_model_that_is_not_contract_1() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("other.onnx");
    std::fs::write(&model, b"\x08\x07").unwrap(); // a valid protobuf: ir_version 7, no graph
    let t = text(&hark(&["info", model.to_str().unwrap()]));
    assert!(
        t.contains("other.onnx") && t.contains("holds no graph"),
        "{t}"
    );
    std::fs::write(&model, b"garbage that is not protobuf at all \xff\xff").unwrap();
    let t = text(&hark(&["info", model.to_str().unwrap()]));
    assert!(
        t.contains("other.onnx") && t.contains("not an ONNX model"),
        "{t}"
    );
}

#[test]
fn bundled_models_are_listed_chosen_by_name_and_their_precision_can_be_chosen() {
    let native = hark::model::precision::Precision::NATIVE;
    let t = text(&hark(&["info"]));
    let named = format!(
        "bundled model general, {native} (the faster on {})",
        std::env::consts::ARCH
    );
    assert!(t.contains(&named), "`{named}` missing from:\n{t}");
    assert!(t.contains("bundled model    general (default): "), "{t}");
    assert!(t.contains("bundled model    finch: "), "{t}");
    let t = text(&hark(&["info", "--precision", "int8"]));
    assert!(t.contains("bundled model general, int8 (as asked)"), "{t}");
    assert!(t.contains("1, int8 weights"), "{t}");
    let t = text(&hark(&["info", "finch"]));
    assert!(t.contains("16000 Hz") && t.contains("syllable"), "{t}");
    let o = hark(&["info", "finch", "--precision", "int8"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("finch comes in f32 only"), "{}", text(&o));
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/models/finch.onnx");
    let o = hark(&["info", file, "--precision", "f32"]);
    assert!(
        !o.status.success(),
        "--precision picks a bundled model's variant"
    );
    assert!(text(&o).contains("--precision"), "{}", text(&o));
    let o = hark(&["info", "heron"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("heron: no such model file, and no bundled model of that name"),
        "{}",
        text(&o)
    );

    // A bundled model by name gives the default's table when it is the default.
    let wav = bundled("bird0_9.wav");
    let by_name = hark(&["detect", wav.to_str().unwrap(), "--model", "general"]);
    let default = hark(&["detect", wav.to_str().unwrap()]);
    assert!(by_name.status.success(), "{}", text(&by_name));
    assert_eq!(by_name.stdout, default.stdout);
}
