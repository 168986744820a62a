//! The embedded default model on the finch validation files (held out by file, never trained on)
//! and on the dev field mixes (their song laid into the `jura` soundscapes, which no training step
//! uses), through the same streaming pipeline as `hark detect`. Needs ../shared/data; skips
//! without it.

use std::path::PathBuf;
use std::sync::Arc;

use hark::eval::score::Counts;
use hark::model::Model;
use hark::stream::engine::EngineSpec;
use hark::stream::events::EventRules;
use hark_tests::{counts_against_table, shared_data};
use hark_train::data::recordings::{Recording, audio_files, split_by_file};
use hark_train::synth::{Split, SynthConfig, synthesize};

#[test]
fn default_model_reaches_the_f1_bar_on_held_out_finch_files() {
    let Some(data) = shared_data() else {
        eprintln!("SKIPPED: ../shared/data is absent; this test needs the finch-bird0 recordings");
        return;
    };
    let dir = data.join("finch-bird0");
    let names: Vec<Recording> = audio_files(&dir)
        .unwrap()
        .iter()
        .map(|p| Recording {
            name: p.strip_prefix(&dir).unwrap().to_string_lossy().into(),
            audio: vec![],
            events: vec![],
            unlabelled: vec![],
        })
        .collect();
    let (_, validation) = split_by_file(names, 0.2);
    assert_eq!(validation.len(), 12);

    let wavs: Vec<_> = validation.iter().map(|r| dir.join(&r.name)).collect();
    let counts = counts_on(&wavs);
    eprintln!(
        "validation: F1 {:.4}, precision {:.4}, recall {:.4} ({counts:?})",
        counts.f1(),
        counts.precision(),
        counts.recall()
    );
    assert!(counts.f1() >= 0.95, "F1 {:.4}", counts.f1());
}

#[test]
fn default_model_is_distilled_and_finds_song_in_field_mixes() {
    let model = Model::from_bytes(hark::FINCH_MODEL).unwrap();
    let teacher = model
        .contract
        .provenance
        .get("teacher")
        .map_or("none", String::as_str);
    assert!(
        !teacher.starts_with("none"),
        "not distilled from a teacher: {teacher}"
    );
    let Some(data) = shared_data() else {
        eprintln!("SKIPPED: ../shared/data is absent; this test needs finch-bird0 and jura");
        return;
    };
    // The dev field-mix set of docs/quality.md.
    let out = tempfile::tempdir().unwrap();
    let cfg = SynthConfig {
        calls: Some(data.join("finch-bird0")),
        csv: None,
        split: Split::Val,
        val_fraction: 0.2,
        backgrounds: vec![data.join("unlabeled/jura")],
        out: out.path().to_path_buf(),
        files: 20,
        seconds: 30.0,
        snr_db: (-5.0, 15.0),
        occupancy: 0.05,
        rate: 32000,
        seed: 7,
        synthetic_calls: 0.0,
        nuisance_per_min: 0.0,
        floor_db: None,
        mark_unlabelled: false,
        steady_backgrounds: 0.0,
    };
    synthesize(&cfg).unwrap();
    let counts = counts_on(&audio_files(&out.path().join("wav")).unwrap());
    eprintln!(
        "dev field mixes: F1 {:.4}, precision {:.4}, recall {:.4} ({counts:?})",
        counts.f1(),
        counts.precision(),
        counts.recall()
    );
    assert!(counts.f1() >= 0.90, "F1 {:.4}", counts.f1());
}

/// Event counts (IoU > 0.3) of the default model on `wavs`, against the Raven tables beside them.
fn counts_on(wavs: &[PathBuf]) -> Counts {
    let model = Arc::new(Model::from_bytes(hark::FINCH_MODEL).unwrap());
    let spec = EngineSpec::Model(model.clone());
    let mut counts = Counts::default();
    for wav in wavs {
        counts += counts_against_table(&spec, EventRules::from_contract(&model.contract), wav);
    }
    counts
}
