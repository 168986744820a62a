//! `hark-train rules`: the rules it picks are written into the model, and the runtime, reading
//! them back, finds exactly the events the tuning scored.

use std::sync::Arc;

use hark::audio::decode::ChannelChoice;
use hark::eval::annotations::read_raven;
use hark::eval::score::{Counts, match_events};
use hark::model::Model;
use hark::model::protobuf::ModelProto;
use hark::sinks::raven_table_name;
use hark::stream::engine::EngineSpec;
use hark::stream::events::EventRules;
use hark::stream::pipeline::detect_file;
use hark_tests::bundled_finch;
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
        let rules = EventRules::from_contract(&model.contract);
        let found = detect_file(&spec, &path, ChannelChoice::MixDown, rules).unwrap();
        let predicted: Vec<_> = found
            .events
            .iter()
            .map(|e| (e.onset_s, e.offset_s))
            .collect();
        let table = path.with_file_name(raven_table_name(&path));
        let reference: Vec<_> = read_raven(&table)
            .unwrap()
            .iter()
            .map(|a| (a.onset_s, a.offset_s))
            .collect();
        counts += match_events(&reference, &predicted, 0.3);
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
