//! Quantization-aware fine-tuning (`hark-train quantize --qat`) on a short run over the bundled
//! recordings: the fake-quantized student computes what its int8 ONNX computes in tract (much
//! closer than the same weights in plain f32 do), and the converted model is real int8.

use hark::model::Model;
use hark::model::protobuf::ModelProto;
use hark_tests::{bundled_finch, short_run, tract_probs};
use hark_train::export::run::export_run;
use hark_train::inference::predict;
use hark_train::quantize::qat::{QatSettings, fine_tune};
use hark_train::quantize::scales::ActivationScale;
use hark_train::quantize::{Audio, QuantizeConfig, calibrate, convert};
use hark_train::training::{TrainConfig, load_best, train};
use prost::Message;

fn mean_delta(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() as f64)
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn fake_quantized_student_computes_what_its_int8_model_computes() {
    let runs = tempfile::tempdir().unwrap();
    let (run, tuned_run) = (runs.path().join("run"), runs.path().join("run-qat"));
    let cfg = TrainConfig {
        seed: 5,
        steps: 30,
        eval_every: 30,
        ..short_run("qat test")
    };
    train(&cfg, &run, false, None, false).unwrap();
    let source = run.join("f32.onnx");
    export_run(&run, &source, false, 1).unwrap();
    let f32_model = ModelProto::decode(std::fs::read(&source).unwrap().as_slice()).unwrap();

    let file = |n: &str| bundled_finch().join(format!("bird0_{n}.wav"));
    let qcfg = QuantizeConfig {
        calibration: vec![file("2"), file("34")],
        calibration_seconds: 30.0,
        method: ActivationScale::Mse,
        front: false,
        int8_cache: false,
    };
    let calibration = Audio::load(&qcfg.calibration, 16_000, qcfg.calibration_seconds);
    let calibrated = calibrate(&f32_model, &calibration, &qcfg).unwrap();
    let settings = QatSettings {
        run: run.clone(),
        steps: 8,
        lr: 1e-4,
        out: tuned_run.clone(),
        show_progress: false,
    };
    let (tuned, bound, progress) = fine_tune(&calibrated, &settings).unwrap();
    assert_eq!(progress.step, 8);
    let steps: Vec<f32> = bound.matmuls.iter().map(|&(_, s)| s).collect();
    assert_eq!(
        steps,
        calibrated
            .matmuls
            .iter()
            .map(|&(_, s)| s)
            .collect::<Vec<_>>()
    );
    let (int8, report) = convert(&tuned, &bound, &qcfg).unwrap();
    assert_eq!(report.layers.len(), 9);
    let bytes = int8.encode_to_vec();
    assert_eq!(Model::from_bytes(&bytes).unwrap().int8_matmuls(), 9);

    // Held-out song: the tuned student offline, plain and fake-quantized, against the int8
    // model streamed by tract.
    let audio = &Audio::load(&[file("9")], 16_000, 10.0).files[0].1;
    let device = burn::prelude::Device::flex();
    let (_, student) = load_best(&tuned_run, &device).unwrap();
    let plain = predict(&student, audio, &device);
    let fake = predict(
        &student.with_fake_quant(Some(steps)).unwrap(),
        audio,
        &device,
    );
    let int8_probs = tract_probs(&bytes, audio);
    let (fake_delta, plain_delta) = (
        mean_delta(&fake, &int8_probs),
        mean_delta(&plain, &int8_probs),
    );
    eprintln!(
        "mean |delta prob| against int8: fake-quantized {fake_delta:.2e}, f32 {plain_delta:.2e}"
    );
    assert!(
        fake_delta < 0.2 * plain_delta,
        "fake quantization does not track int8: {fake_delta:.2e} against {plain_delta:.2e} in f32"
    );
}
