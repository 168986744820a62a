//! `hark-train quantize` on the embedded default model: calibrated on three bundled finch
//! recordings, checked on the other three. Its weight matmuls run as real int8 in tract, its
//! probabilities stay close to the f32 source's, and onnxruntime agrees with tract on it.

use std::path::PathBuf;

use hark::model::Model;
use hark::model::protobuf::ModelProto;
use hark_tests::{bundled_finch, onnxruntime_agrees, tract_probs as probs};
use hark_train::quantize::scales::ActivationScale;
use hark_train::quantize::{Audio, QuantizeConfig, compare, quantize};
use prost::Message;

fn files(names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|n| bundled_finch().join(format!("bird0_{n}.wav")))
        .collect()
}

#[test]
fn int8_default_runs_int8_matmuls_and_tracks_its_f32_source() {
    let f32_model = ModelProto::decode(hark::FINCH_MODEL).unwrap();
    let cfg = QuantizeConfig {
        calibration: files(&["2", "34", "51"]),
        calibration_seconds: 60.0,
        method: ActivationScale::Mse,
        front: false,
        int8_cache: false,
    };
    let calibration = Audio::load(&cfg.calibration, 16_000, cfg.calibration_seconds);
    assert_eq!(calibration.files.len(), 3);
    let (int8, report) = quantize(&f32_model, &calibration, &cfg).unwrap();
    // Two transformer layers of four projections, and the head.
    assert_eq!(report.layers.len(), 9);
    assert_eq!(report.kept_f32.len(), 4, "the conv front end stays f32");

    let bytes = int8.encode_to_vec();
    let model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(model.contract.quantization, "int8");
    assert_eq!(
        model.int8_matmuls(),
        9,
        "every weight matmul is i8 x i8 -> i32"
    );
    assert_eq!(
        Model::from_bytes(hark::FINCH_MODEL).unwrap().int8_matmuls(),
        0
    );

    let check = Audio::load(&files(&["54", "8", "9"]), 16_000, 60.0);
    let agreement = compare(&f32_model, &int8, &check).unwrap();
    eprintln!("int8 vs f32 on held-out song: {agreement:?}");
    assert!(agreement.frames > 2000);
    assert!(agreement.max_delta < 0.1, "{agreement:?}");
    assert!(agreement.mean_delta < 0.003, "{agreement:?}");

    let audio: Vec<f32> = check.files[0].1.iter().take(10 * 16_000).copied().collect();
    // Within one int8 step of a probability: both runtimes requantize between the int8
    // matmuls, and a value on a rounding boundary may land a step apart.
    onnxruntime_agrees(&bytes, &audio, &probs(&bytes, &audio), 1.0 / 255.0);
}

#[test]
fn committed_int8_default_is_int8_and_hears_what_the_f32_default_hears() {
    let bytes =
        std::fs::read(hark_tests::workspace().join("runtime/models/finch-int8.onnx")).unwrap();
    let model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(model.contract.quantization, "int8");
    assert_eq!(model.int8_matmuls(), 9);
    let on = model.contract.on_thresholds[0];

    let audio = &Audio::load(&files(&["9"]), 16_000, 60.0).files[0].1;
    let (int8, f32) = (probs(&bytes, audio), probs(hark::FINCH_MODEL, audio));
    let max_delta = int8
        .iter()
        .zip(&f32)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    let flipped = int8
        .iter()
        .zip(&f32)
        .filter(|(a, b)| (**a >= on) != (**b >= on))
        .count();
    assert!(max_delta < 0.1, "max |delta prob| {max_delta}");
    assert!(
        flipped * 200 < f32.len(),
        "{flipped} of {} frames change side of the threshold",
        f32.len()
    );
}
