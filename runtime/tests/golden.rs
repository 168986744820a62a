//! The bundled models (and the finch's int8 and archive variants) give the same probabilities and
//! events on every target. What they give here on a bundled recording is compared with what they
//! gave on x86_64, recorded in
//! tests/data/golden/; tests/run-all.sh runs this under qemu-aarch64 too. After changing a bundled
//! model, `HARK_BLESS=1 cargo test -p hark --test golden` rewrites the records (on x86_64). The
//! archive-mode finch model (8 chunks per call) must give what the streamed f32 one recorded.

mod common;

use std::sync::Arc;

use anyhow::Result;
use hark::audio::decode::{ChannelChoice, FileSource};
use hark::audio::time_expansion::TimeExpansion;
use hark::model::Model;
use hark::stream::engine::{Engine, EngineSpec};
use hark::stream::events::Event;
use hark::stream::pipeline;
use serde_json::{Value, json};

const RECORDING: &str = "bird0_54.wav";

/// The largest probability difference allowed between targets: f32 kernels differ in summation
/// order only; an int8 model requantizes between layers, and a value on a rounding boundary may
/// land one step apart on another target's kernels (the events must still be the same).
const TOLERANCE: f64 = 1e-3;
const INT8_TOLERANCE: f64 = 1e-2;

/// Passes the scores through, keeping a copy.
struct Recording {
    inner: Box<dyn Engine>,
    probs: Vec<f32>,
}

impl Engine for Recording {
    fn push(&mut self, samples: &[f32], scores: &mut Vec<f32>) -> Result<()> {
        let from = scores.len();
        self.inner.push(samples, scores)?;
        self.probs.extend_from_slice(&scores[from..]);
        Ok(())
    }

    fn finish(&mut self, scores: &mut Vec<f32>) -> Result<()> {
        let from = scores.len();
        self.inner.finish(scores)?;
        self.probs.extend_from_slice(&scores[from..]);
        Ok(())
    }
}

/// The model's frame probabilities and events on the recording, through the whole pipeline.
fn run(model: &[u8]) -> (Vec<f32>, Vec<Event>) {
    let spec = EngineSpec::Model(Arc::new(Model::from_bytes(model).unwrap()));
    let mut source = FileSource::open(&common::bundled(RECORDING), ChannelChoice::MixDown).unwrap();
    let mut engine = Recording {
        inner: spec.start().unwrap(),
        probs: Vec::new(),
    };
    let rules = spec.default_rules().unwrap();
    let detection = pipeline::detect(
        &mut source,
        &mut engine,
        spec.sample_rate(),
        spec.classes().len(),
        rules,
        TimeExpansion::Auto,
    )
    .unwrap();
    (engine.probs, detection.events)
}

fn record(probs: &[f32], events: &[Event]) -> Value {
    json!({
        "recording": RECORDING,
        "target": std::env::consts::ARCH,
        "probs": probs.iter().map(|&p| (p as f64 * 1e6).round() / 1e6).collect::<Vec<_>>(),
        "events": events
            .iter()
            .map(|e| json!({"class": e.class, "onset_s": e.onset_s, "offset_s": e.offset_s}))
            .collect::<Vec<_>>(),
    })
}

/// Compares `model` with the record `name` (written from it with HARK_BLESS, unless `derived`:
/// a model that must give what another model recorded).
fn check(name: &str, model: &[u8], derived: bool) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/golden")
        .join(format!("{name}.json"));
    let (probs, events) = run(model);
    let here = record(&probs, &events);
    if std::env::var_os("HARK_BLESS").is_some() && !derived {
        std::fs::write(&path, serde_json::to_string_pretty(&here).unwrap() + "\n").unwrap();
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let golden: Value = serde_json::from_str(&text).unwrap();
    let (want, got) = (
        golden["probs"].as_array().unwrap(),
        here["probs"].as_array().unwrap(),
    );
    assert_eq!(got.len(), want.len(), "{name}: frame count");
    assert!(got.len() > 500, "{name}: a recording of some length");
    let max_delta = want
        .iter()
        .zip(got)
        .map(|(w, g)| (w.as_f64().unwrap() - g.as_f64().unwrap()).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "{name} on {}: max |delta prob| {max_delta:.2e} against {} over {} frames",
        std::env::consts::ARCH,
        golden["target"],
        got.len()
    );
    assert!(!events.is_empty(), "{name}: the recording has song");
    assert_eq!(here["events"], golden["events"], "{name}: the same events");
    let int8 = Model::from_bytes(model).unwrap().contract.quantization == "int8";
    let tolerance = if int8 { INT8_TOLERANCE } else { TOLERANCE };
    assert!(
        max_delta <= tolerance,
        "{name}: max |delta prob| {max_delta}"
    );
}

#[test]
fn f32_general_matches_its_x86_record() {
    check("general", hark::GENERAL_MODEL, false);
}

#[test]
fn int8_general_matches_its_x86_record() {
    check("general-int8", hark::GENERAL_INT8_MODEL, false);
}

#[test]
fn f32_finch_matches_its_x86_record() {
    check("finch", hark::FINCH_MODEL, false);
}

#[test]
fn int8_finch_matches_its_x86_record() {
    check("finch-int8", hark::FINCH_INT8_MODEL, false);
}

#[test]
fn archive_finch_gives_what_the_streamed_finch_recorded() {
    check("finch", hark::FINCH_ARCHIVE_MODEL, true);
}
