//! The firmware engine on the host against tract on the same int8 student: probabilities within
//! one int8 step (1/255) and the same events, on the six bundled finch recordings (72 s), for the
//! int8 default and the committed MCU model (which must be its blob). Damaged blobs are refused,
//! and models the firmware cannot run are not exported.

use std::path::PathBuf;

use hark::model::contract::Contract;
use hark::model::protobuf::ModelProto;
use hark::stream::events::{EventRules, detect_all};
use hark_firmware::{Blob, BlobError, Detector, Engine, Event, EventSink};
use hark_tests::{bundled_finch, tract_probs};
use hark_train::export::firmware::firmware_blob;
use hark_train::quantize::scales::ActivationScale;
use hark_train::quantize::{Audio, QuantizeConfig, quantize};
use prost::Message;

/// Samples per chunk of every preset (16 frames of 10 ms at 16 kHz).
const CHUNK: usize = 2560;
/// One int8 step of a probability.
const STEP: f32 = 1.0 / 255.0;

fn recordings() -> Vec<Vec<f32>> {
    let files: Vec<PathBuf> = ["2", "8", "9", "34", "51", "54"]
        .iter()
        .map(|n| bundled_finch().join(format!("bird0_{n}.wav")))
        .collect();
    let audio = Audio::load(&files, 16_000, 1e9);
    assert!(audio.failed.is_empty(), "{:?}", audio.failed);
    assert!(audio.seconds(16_000) >= 60.0);
    audio.files.into_iter().map(|(_, s)| s).collect()
}

fn engine_probs(blob: &Blob, audio: &[f32]) -> Vec<f32> {
    let sizes = blob.arena();
    let (mut f, mut q) = (vec![0.0; sizes.f32s], vec![0; sizes.i8s]);
    let mut engine = Engine::new(blob.clone(), &mut f, &mut q).unwrap();
    let per_chunk = blob.dims.chunk_frames * blob.dims.classes;
    let mut probs = Vec::new();
    let mut out = vec![0.0; per_chunk];
    for chunk in audio.chunks(CHUNK) {
        let mut padded = chunk.to_vec();
        padded.resize(CHUNK, 0.0);
        engine.run_chunk(&padded, &mut out).unwrap();
        probs.extend_from_slice(&out);
    }
    let frames = audio.len().div_ceil(CHUNK / blob.dims.chunk_frames);
    probs.truncate(frames * blob.dims.classes);
    probs
}

struct Collect(Vec<Event>);

impl EventSink for Collect {
    fn event(&mut self, event: Event) {
        self.0.push(event);
    }
}

fn detector_events(blob: &Blob, audio: &[f32]) -> Vec<(usize, usize, usize)> {
    let sizes = blob.arena();
    let (mut f, mut q) = (vec![0.0; sizes.f32s], vec![0; sizes.i8s]);
    let engine = Engine::new(blob.clone(), &mut f, &mut q).unwrap();
    let mut detector = Detector::<f32, CHUNK>::new(engine).unwrap();
    let mut sink = Collect(Vec::new());
    // In uneven pieces, as a recorder's DMA delivers them.
    for piece in audio.chunks(1000) {
        detector.push(piece, &mut sink);
    }
    detector.finish(&mut sink);
    let mut events: Vec<_> = sink
        .0
        .iter()
        .map(|e| (e.class, e.frames.0, e.frames.1))
        .collect();
    events.sort_by_key(|&(class, start, _)| (start, class));
    events
}

/// Checks the engine against tract on `int8` (an ONNX int8 student) and its `blob`: the same
/// events, and frame probabilities within one int8 step but for a rare frame (at most one in a
/// thousand, within three steps); returns the largest difference and the number of events.
fn check_parity(int8: &[u8], blob: &[u8]) -> (f32, usize) {
    let blob = Blob::parse(blob).unwrap();
    let model = ModelProto::decode(int8).unwrap();
    let contract = Contract::from_metadata(
        model
            .metadata_props
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str())),
    )
    .unwrap();
    let rules = EventRules::from_contract(&contract);
    let hop = rules.hop_s;
    let (mut max_delta, mut events, mut frames, mut over_a_step) = (0.0f32, 0, 0, 0);
    for audio in recordings() {
        let (expected, got) = (tract_probs(int8, &audio), engine_probs(&blob, &audio));
        assert_eq!(expected.len(), got.len());
        for (a, b) in expected.iter().zip(&got) {
            max_delta = max_delta.max((a - b).abs());
        }
        frames += expected.len();
        over_a_step += expected
            .iter()
            .zip(&got)
            .filter(|(a, b)| (*a - *b).abs() > STEP)
            .count();
        let tract_events: Vec<_> = detect_all(rules.clone(), &expected)
            .iter()
            .map(|e| {
                let frame = |s: f64| (s / hop).round() as usize;
                (e.class, frame(e.onset_s), frame(e.offset_s))
            })
            .collect();
        assert_eq!(detector_events(&blob, &audio), tract_events);
        events += tract_events.len();
    }
    // Both sides round the f32 steps (norms, softmax) to int8 in their own order: an
    // intermediate value on a rounding boundary may land one step apart and carry to the output.
    assert!(
        over_a_step * 1000 <= frames && max_delta <= 3.0 * STEP,
        "{over_a_step} of {frames} frames more than one int8 step apart, max |delta prob| \
         {max_delta}"
    );
    (max_delta, events)
}

/// The embedded default quantized as the firmware runs it (calibrated on one bundled file), and
/// its blob.
fn firmware_default() -> (ModelProto, Vec<u8>) {
    let f32_model = ModelProto::decode(hark::FINCH_MODEL).unwrap();
    let calibration = Audio::load(&[bundled_finch().join("bird0_2.wav")], 16_000, 60.0);
    let cfg = QuantizeConfig {
        calibration: vec![],
        calibration_seconds: 60.0,
        method: ActivationScale::Mse,
        front: true,
        int8_cache: true,
    };
    let (int8, _) = quantize(&f32_model, &calibration, &cfg).unwrap();
    let blob = firmware_blob(&int8).unwrap();
    (int8, blob)
}

#[test]
fn engine_matches_tract_on_the_int8_default_with_its_front_end_quantized() {
    let (int8, blob) = firmware_default();
    let (max_delta, events) = check_parity(&int8.encode_to_vec(), &blob);
    eprintln!("max |delta prob| {max_delta:.2e} over {events} events");
    assert!(events > 100, "{events} events");
}

#[test]
fn damaged_blobs_are_refused_and_models_the_firmware_cannot_run_are_not_exported() {
    let (_, blob) = firmware_default();
    assert!(Blob::parse(&blob).is_ok());
    let mut flipped = blob.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(Blob::parse(&flipped).unwrap_err(), BlobError::Hash);
    assert_eq!(
        Blob::parse(&blob[..blob.len() - 4]).unwrap_err(),
        BlobError::Truncated
    );
    let mut renamed = blob.clone();
    renamed[0] = b'X';
    assert_eq!(Blob::parse(&renamed).unwrap_err(), BlobError::NotABlob);

    // f32, and int8 without the front end: clear errors, no blob.
    let f32_model = ModelProto::decode(hark::FINCH_MODEL).unwrap();
    let err = firmware_blob(&f32_model).unwrap_err().to_string();
    assert!(err.contains("quantize it first"), "{err}");
    let int8 = ModelProto::decode(hark::FINCH_INT8_MODEL).unwrap();
    let err = format!("{:#}", firmware_blob(&int8).unwrap_err());
    assert!(err.contains("--firmware"), "{err}");
}

#[test]
fn committed_mcu_model_is_its_blob_and_the_engine_matches_tract_on_it() {
    let dir = hark_tests::workspace().join("firmware/models");
    let int8 = std::fs::read(dir.join("mcu-int8.onnx")).unwrap();
    let blob = std::fs::read(dir.join("mcu.hmb")).unwrap();
    let model = ModelProto::decode(int8.as_slice()).unwrap();
    assert!(
        firmware_blob(&model).unwrap() == blob,
        "firmware/models/mcu.hmb is not `hark-train export --firmware` of mcu-int8.onnx"
    );
    let (max_delta, events) = check_parity(&int8, &blob);
    eprintln!("mcu: max |delta prob| {max_delta:.2e} over {events} events");
    assert!(events > 100, "{events} events");
}
