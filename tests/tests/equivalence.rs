//! The exported streaming model, run chunk by chunk in tract, equals the student's offline
//! forward pass in burn (same chunked mask), and onnxruntime agrees with tract. Archive mode
//! (several chunks per call) gives the streamed probabilities, and the committed archive
//! default is the default re-chunked.

use std::sync::Arc;

use burn::prelude::*;
use hark::model::Model;
use hark::model::protobuf::ModelProto;
use hark::model::session::Session;
use hark_tests::{bundled_finch, onnxruntime_agrees};
use hark_train::export::run::{EventDefaults, contract_for, student_onnx};
use hark_train::export::student::CallShape;
use hark_train::export::variant::call_variant;
use hark_train::inference::predict;
use hark_train::student::model::Student;
use hark_train::student::presets::{DEFAULT_PRESET, preset};
use prost::Message;

/// At least 60 s of real finch song at 16 kHz, from the bundled recordings.
fn real_audio() -> Vec<f32> {
    let mut audio = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(bundled_finch())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
    {
        audio.extend(hark::audio::load(f, 16_000).unwrap());
    }
    assert!(
        audio.len() >= 60 * 16_000,
        "only {} s of bundled audio",
        audio.len() / 16_000
    );
    audio
}

fn student(seed: u64) -> Student {
    let device = Device::flex();
    device.seed(seed);
    preset(DEFAULT_PRESET, 16_000, vec!["syllable".into()])
        .unwrap()
        .init(&device)
}

fn exported(model: &Student) -> Vec<u8> {
    let rules = EventDefaults {
        on: 0.5,
        off: 0.4,
        min_event_s: 0.02,
        merge_gap_s: 0.0,
    };
    student_onnx(
        model,
        &contract_for(model, &rules, vec![("command", "equivalence test".into())]),
    )
}

/// Archive mode: `chunks` chunks of one stream per call.
fn chunks_per_call(chunks: usize) -> CallShape {
    CallShape { chunks, streams: 1 }
}

/// Streams `audio` through the tract session in uneven blocks, as a live source would deliver it.
fn stream(model: Arc<Model>, audio: &[f32]) -> Vec<f32> {
    let mut session = Session::new(model).unwrap();
    let mut probs = Vec::new();
    for block in audio.chunks(1237) {
        session.push(block, &mut probs).unwrap();
    }
    session.finish(&mut probs).unwrap();
    probs
}

#[test]
fn streaming_tract_equals_offline_burn_on_a_minute_of_song() {
    let audio = real_audio();
    let model = student(7);
    let offline = predict(&model, &audio, &Device::flex());
    let tract = stream(
        Arc::new(Model::from_bytes(&exported(&model)).unwrap()),
        &audio,
    );
    assert_eq!(offline.len(), tract.len());
    assert_eq!(offline.len(), audio.len().div_ceil(160));
    let max_delta = offline
        .iter()
        .zip(&tract)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    let mean = offline.iter().sum::<f32>() / offline.len() as f32;
    let spread =
        (offline.iter().map(|p| (p - mean).powi(2)).sum::<f32>() / offline.len() as f32).sqrt();
    eprintln!(
        "{} frames, max |delta prob| {max_delta:.2e}, prob spread {spread:.3}",
        offline.len()
    );
    assert!(
        spread > 1e-3,
        "the probabilities barely vary ({spread}); the comparison would be weak"
    );
    assert!(max_delta <= 1e-4, "max |delta prob| {max_delta}");
}

#[test]
fn onnx_checker_and_onnxruntime_agree_with_tract() {
    let model = student(11);
    let bytes = exported(&model);
    let audio: Vec<f32> = real_audio()[..20 * 16_000].to_vec();
    let tract = stream(Arc::new(Model::from_bytes(&bytes).unwrap()), &audio);
    onnxruntime_agrees(&bytes, &audio, &tract, 1e-5);
}

#[test]
fn archive_mode_gives_the_streamed_probabilities() {
    let bytes = exported(&student(5));
    let archive = call_variant(
        &ModelProto::decode(bytes.as_slice()).unwrap(),
        chunks_per_call(4),
    )
    .unwrap();
    let archive = archive.encode_to_vec();
    let (streamed, archived) = (
        Arc::new(Model::from_bytes(&bytes).unwrap()),
        Arc::new(Model::from_bytes(&archive).unwrap()),
    );
    let c = &archived.contract;
    assert_eq!(c.chunk_samples, 4 * streamed.contract.chunk_samples);
    assert_eq!(c.frames_per_chunk, 4 * streamed.contract.frames_per_chunk);
    assert_eq!(c.provenance["chunks_per_call"], "4");

    // 20.1 s: the last call is partly padding, whose frames are dropped.
    let audio: Vec<f32> = real_audio()[..20 * 16_000 + 1_600].to_vec();
    let (a, b) = (stream(streamed, &audio), stream(archived, &audio));
    assert_eq!(a.len(), b.len());
    let max_delta = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    eprintln!("{} frames, max |delta prob| {max_delta:.2e}", a.len());
    assert!(max_delta <= 1e-5, "max |delta prob| {max_delta}");
    onnxruntime_agrees(&archive, &audio, &b, 1e-5);

    let again = call_variant(
        &ModelProto::decode(archive.as_slice()).unwrap(),
        chunks_per_call(2),
    );
    let why = format!("{:#}", again.unwrap_err());
    assert!(why.contains("already runs several chunks"), "{why}");
}

#[test]
fn committed_archive_default_is_the_default_re_chunked() {
    let default = ModelProto::decode(hark::FINCH_MODEL).unwrap();
    let archive = call_variant(&default, chunks_per_call(8))
        .unwrap()
        .encode_to_vec();
    assert!(
        archive == hark::FINCH_ARCHIVE_MODEL,
        "runtime/models/finch-archive.onnx is stale: rerun train/recipes/finch-archive.sh"
    );
}
