//! A short training run on the bundled recordings: the loss falls, and an interrupted run that
//! resumes from its checkpoint ends with exactly the weights of an uninterrupted one.

use std::path::Path;

use hark_tests::short_run;
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
