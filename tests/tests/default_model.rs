//! The embedded default model on the finch validation files (held out by file, never trained on),
//! through the same streaming pipeline as `hark detect`. Needs ../shared/data; skips without it.

use std::sync::Arc;

use hark::annotations::read_raven;
use hark::decode::ChannelChoice;
use hark::engine::EngineSpec;
use hark::eval::{Counts, match_events};
use hark::events::EventRules;
use hark::model::Model;
use hark::pipeline::detect_file;
use hark::sinks::raven_table_name;
use hark_tests::shared_data;
use hark_train::data::recordings::{Recording, audio_files, split_by_file};

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
        })
        .collect();
    let (_, validation) = split_by_file(names, 0.2);
    assert_eq!(validation.len(), 12);

    let model = Arc::new(Model::from_bytes(hark::DEFAULT_MODEL).unwrap());
    let mut counts = Counts::default();
    for r in &validation {
        let wav = dir.join(&r.name);
        let result = detect_file(
            &EngineSpec::Model(model.clone()),
            &wav,
            ChannelChoice::MixDown,
            EventRules::from_contract(&model.contract),
        )
        .unwrap();
        let predicted: Vec<(f64, f64)> = result
            .events
            .iter()
            .map(|e| (e.onset_s, e.offset_s))
            .collect();
        let reference: Vec<(f64, f64)> = read_raven(&wav.with_file_name(raven_table_name(&wav)))
            .unwrap()
            .iter()
            .map(|a| (a.onset_s, a.offset_s))
            .collect();
        counts += match_events(&reference, &predicted, 0.3);
    }
    eprintln!(
        "validation: F1 {:.4}, precision {:.4}, recall {:.4} ({counts:?})",
        counts.f1(),
        counts.precision(),
        counts.recall()
    );
    assert!(counts.f1() >= 0.95, "F1 {:.4}", counts.f1());
}
