//! `hark-train rules`: the rules it picks are written into the model, and the runtime, reading
//! them back, finds exactly the events the tuning scored.

use std::sync::Arc;

use hark::eval::score::Counts;
use hark::model::Model;
use hark::model::protobuf::ModelProto;
use hark::stream::engine::EngineSpec;
use hark::stream::events::EventRules;
use hark_tests::{bundled_finch, counts_against_table};
use hark_train::export::student::CallShape;
use hark_train::export::variant::call_variant;
use hark_train::rules::{tune, write};
use prost::Message;

#[test]
fn tuned_rules_travel_with_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("default.onnx");
    std::fs::write(&source, hark::FINCH_MODEL).unwrap();
    let tuning = tune(&source, &bundled_finch(), None).unwrap();
    let candidates = &tuning.ranked;
    let best = &candidates[0];
    // The default's own rules lie on the grid, and score there what they score as its own.
    let own = &tuning.own;
    let on_grid = candidates
        .iter()
        .find(|c| (c.on, c.off, c.min_event_s) == (own.on, own.off, own.min_event_s))
        .unwrap();
    assert_eq!(on_grid.counts, own.counts);
    assert!(
        candidates
            .windows(2)
            .all(|w| w[0].counts.f1() >= w[1].counts.f1())
    );
    assert!(best.counts.f1() > 0.9, "{best:?}");

    let tuned = dir.path().join("tuned.onnx");
    write(&source, best, &bundled_finch(), &tuned).unwrap();
    let model = Arc::new(Model::load(&tuned).unwrap());
    let c = &model.contract;
    assert_eq!(
        (c.on_thresholds[0], c.off_thresholds[0]),
        (best.on, best.off)
    );
    assert_eq!(c.min_event_s, best.min_event_s);
    assert!(c.provenance["rules"].contains("tuned by hark-train rules"));
    // The metadata stays in the contract's order: a one-stream variant is the file itself.
    let bytes = std::fs::read(&tuned).unwrap();
    let proto = ModelProto::decode(bytes.as_slice()).unwrap();
    let same = call_variant(
        &proto,
        CallShape {
            chunks: 1,
            streams: 1,
        },
    )
    .unwrap();
    assert!(same.encode_to_vec() == bytes);

    // The runtime, streaming each file with the rules read back, finds what tuning counted.
    let spec = EngineSpec::Model(model.clone());
    let mut counts = Counts::default();
    for entry in std::fs::read_dir(bundled_finch()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wav") {
            continue;
        }
        counts += counts_against_table(&spec, EventRules::from_contract(&model.contract), &path);
    }
    assert_eq!(counts, best.counts);
}

#[test]
fn a_folder_without_annotations_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("default.onnx");
    std::fs::write(&source, hark::FINCH_MODEL).unwrap();
    let why = tune(&source, dir.path(), None).unwrap_err().to_string();
    assert!(why.contains("no annotated audio files under"), "{why}");
}
