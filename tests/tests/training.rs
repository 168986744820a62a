//! A short training run on the bundled recordings: the loss falls, and an interrupted run that
//! resumes from its checkpoint ends with exactly the weights of an uninterrupted one; a student
//! made at another rate learns there and runs from files at any rate; a student of several
//! classes learns them from the tables' labels.

use std::path::Path;
use std::sync::Arc;

use hark::audio::decode::ChannelChoice;
use hark::audio::time_expansion::TimeExpansion;
use hark::model::Model;
use hark::sinks::{Encoding, write_wav};
use hark::stream::engine::EngineSpec;
use hark::stream::pipeline::detect_file;
use hark_tests::{bundled_finch, short_run};
use hark_train::export::run::export_run;
use hark_train::training::{Evaluation, TrainConfig, train};
use prost::Message;

fn config() -> TrainConfig {
    short_run("training test")
}

fn metrics(dir: &Path) -> Vec<Evaluation> {
    std::fs::read_to_string(dir.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn loss_falls_and_resuming_reproduces_the_uninterrupted_run() {
    let cfg = config();
    let whole = tempfile::tempdir().unwrap();
    train(&cfg, whole.path(), false, None, false).unwrap();
    let m = metrics(whole.path());
    assert_eq!(m.iter().map(|e| e.step).collect::<Vec<_>>(), vec![20, 40]);
    assert!(
        m[1].loss < 0.7 * m[0].loss,
        "loss {:.4} -> {:.4}",
        m[0].loss,
        m[1].loss
    );
    // Each evaluation logs the training speed since the one before.
    assert!(
        m.iter()
            .all(|e| e.audio_hours_per_hour.is_some_and(|v| v > 0.0)),
        "{:?}",
        m.iter().map(|e| e.audio_hours_per_hour).collect::<Vec<_>>()
    );

    let parts = tempfile::tempdir().unwrap();
    train(&cfg, parts.path(), false, Some(20), false).unwrap();
    train(&cfg, parts.path(), true, None, false).unwrap();

    let (a, b) = (whole.path().join("a.onnx"), parts.path().join("b.onnx"));
    export_run(whole.path(), &a, false, 1).unwrap();
    export_run(parts.path(), &b, false, 1).unwrap();
    let weights = |p: &Path| {
        let model = hark::model::protobuf::ModelProto::decode(std::fs::read(p).unwrap().as_slice())
            .unwrap();
        model.graph.unwrap().initializer
    };
    assert!(
        weights(&a) == weights(&b),
        "resumed weights differ from the uninterrupted run's"
    );
}

#[test]
fn a_student_made_at_48_khz_learns_and_runs_from_other_rates() {
    let cfg = TrainConfig {
        rate: 48_000,
        steps: 20,
        eval_every: 10,
        ..config()
    };
    let run = tempfile::tempdir().unwrap();
    train(&cfg, run.path(), false, None, false).unwrap();
    let m = metrics(run.path());
    assert!(m[1].loss < m[0].loss, "{} -> {}", m[0].loss, m[1].loss);

    let path = run.path().join("student.onnx");
    export_run(run.path(), &path, false, 1).unwrap();
    let model = Arc::new(Model::load(&path).unwrap());
    assert_eq!(model.contract.sample_rate, 48_000);
    assert_eq!(model.contract.hop_seconds(), 0.01);

    // The bundled recording at its own 32 kHz, and the same audio written at 22.05 kHz: the
    // model hears both at its 48 kHz, and each covers the recording's length.
    let wav = bundled_finch().join("bird0_2.wav");
    let low = run.path().join("bird0_2-22k.wav");
    let audio = hark::audio::load(&wav, 22_050).unwrap();
    write_wav(&low, &audio, 22_050, Encoding::Float32).unwrap();
    let seconds = audio.len() as f64 / 22_050.0;
    let spec = EngineSpec::Model(model);
    for file in [&wav, &low] {
        let rules = spec.default_rules().unwrap();
        let d = detect_file(
            &spec,
            file,
            ChannelChoice::MixDown,
            rules,
            TimeExpansion::Auto,
        )
        .unwrap();
        assert!((d.duration_s - seconds).abs() < 0.02, "{} s", d.duration_s);
    }
}

#[test]
fn a_student_learns_classes_from_the_tables_labels() {
    // Finch syllable types 0 and 5, the two commonest on the bundled files.
    let cfg = TrainConfig {
        classes: vec!["0".into(), "5".into()],
        steps: 160,
        eval_every: 40,
        ..config()
    };
    let run = tempfile::tempdir().unwrap();
    train(&cfg, run.path(), false, None, false).unwrap();
    // Each class is scored against its own label's syllables on the held-out file.
    let m = metrics(run.path());
    let best = m.iter().map(|e| e.f1).fold(0.0, f64::max);
    assert!(best >= 0.6, "validation F1 {best:.3} over types 0 and 5");
    assert!(
        m[3].loss < 0.5 * m[0].loss,
        "{} -> {}",
        m[0].loss,
        m[3].loss
    );

    let path = run.path().join("types.onnx");
    export_run(run.path(), &path, false, 1).unwrap();
    let model = Arc::new(Model::load(&path).unwrap());
    assert_eq!(model.contract.classes, ["0", "5"]);
    assert_eq!(model.contract.on_thresholds.len(), 2);
    let spec = EngineSpec::Model(model);
    let rules = spec.default_rules().unwrap();
    let wav = bundled_finch().join("bird0_2.wav");
    let found = detect_file(
        &spec,
        &wav,
        ChannelChoice::MixDown,
        rules,
        TimeExpansion::Auto,
    );
    assert!(found.unwrap().events.iter().all(|e| e.class < 2));

    let unknown = TrainConfig {
        classes: vec!["0".into(), "nightingale".into()],
        ..config()
    };
    let err = train(&unknown, run.path(), false, None, false).unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.contains("`nightingale`") && err.contains("\"5\""),
        "{err}"
    );
}
