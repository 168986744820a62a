//! The teacher path on the bundled recordings: a pretrained encoder is where fine-tuning starts;
//! an exported contract-2 teacher gives in tract what it gives in burn; a student distilled from
//! it names it and its outputs are cached; BirdNET, through its sidecar, hears the wood thrush
//! (skipped, and saying so, when ../shared is absent).

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use hark::eval::annotations::read_raven;
use hark_tests::{bundled_finch, shared_data, short_run, workspace};
use hark_train::distill::DistillConfig;
use hark_train::export::run::export_run;
use hark_train::export::teacher::teacher_model;
use hark_train::teacher::contract::Teacher;
use hark_train::teacher::label::{LabelRules, label, track_events};
use hark_train::teacher::presets::teacher_preset;
use hark_train::teacher::pretrain::{PretrainConfig, PretrainFiles, pretrain};
use hark_train::teacher::tracks::TrackSource;
use hark_train::training::{TrainConfig, train};
use prost::Message;

fn config(data: Option<PathBuf>) -> TrainConfig {
    TrainConfig {
        data,
        seed: 5,
        steps: 2,
        batch: 2,
        crop_chunks: 4,
        lr: 1e-3,
        warmup: 1,
        eval_every: 2,
        ..short_run("distill test")
    }
}

/// The first `seconds` of the first bundled recording at `rate` Hz.
fn finch_audio(rate: u32, samples: usize) -> Vec<f32> {
    hark::audio::load(&bundled_finch().join("bird0_2.wav"), rate).unwrap()[..samples].to_vec()
}

#[test]
fn fine_tuning_starts_from_the_pretrained_encoder() {
    let dir = tempfile::tempdir().unwrap();
    let pretrained = dir.path().join("pretrain");
    let pre = PretrainConfig {
        audio: vec![],
        data: Some(bundled_finch()),
        val_fraction: 0.2,
        preset: "teacher-cpu".into(),
        rate: 16_000,
        window_s: 0.5,
        seed: 1,
        steps: 2,
        batch: 2,
        lr: 1e-3,
        warmup: 1,
        tau: (0.99, 0.999),
        top_k: 2,
        mask_prob: 0.065,
        mask_len: 10,
        command: "distill test".into(),
        device: hark_train::device::Compute::Cpu,
    };
    pretrain(&pre, &pretrained, false).unwrap();

    // A learning rate too small to move the weights: the fine-tuned model is the encoder.
    let mut cfg = config(Some(bundled_finch()));
    cfg.init = Some(pretrained.clone());
    cfg.preset = "teacher-cpu".into();
    cfg.crop_chunks = 1;
    cfg.lr = 1e-12;
    cfg.steps = 1;
    cfg.eval_every = 1;
    cfg.label_fraction = 0.5;
    let run = dir.path().join("finetune");
    train(&cfg, &run, false, None, false).unwrap();
    let device = Device::flex();
    let (_, tuned) = hark_train::training::load_best(&run, &device).unwrap();
    let arch = hark_train::teacher::pretrain::read_architecture(&pretrained).unwrap();
    let encoder = arch
        .init(&device)
        .try_load_file(PretrainFiles(pretrained).encoder())
        .unwrap();
    let (a, b) = (tuned.weights(), encoder.weights());
    assert_eq!(
        tuned.config().chunk_frames,
        50,
        "the pretrained 0.5 s window"
    );
    let diff = a.layers[0]
        .qkv
        .w
        .iter()
        .zip(&b.layers[0].qkv.w)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(
        diff < 1e-6,
        "fine-tuning moved away from the encoder by {diff}"
    );

    // Half of the 5 training files keep their labels (by name), the 6th validates.
    let split: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("split.json")).unwrap()).unwrap();
    let sizes = (
        split["train"].as_array().unwrap().len(),
        split["validation"].as_array().unwrap().len(),
    );
    assert_eq!(sizes, (2, 1));
}

#[test]
fn an_exported_teacher_runs_in_tract_and_a_student_distils_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    device.seed(3);
    let arch = teacher_preset("teacher-cpu", 16_000, vec!["syllable".into()], 0.5).unwrap();
    let model = arch.init(&device);
    let onnx = dir.path().join("teacher.onnx");
    let proto = teacher_model(
        &arch,
        &model.weights(),
        vec![("data".into(), "test".into())],
    );
    std::fs::write(&onnx, proto.encode_to_vec()).unwrap();

    // tract and burn agree on a real window.
    let window = finch_audio(arch.sample_rate, arch.chunk_samples());
    let teacher = Teacher::load(&onnx, None).unwrap();
    assert_eq!(teacher.spec.window_samples, arch.chunk_samples());
    let (probs, features) = teacher.run(&window).unwrap();
    let x = Tensor::<2>::from_data(TensorData::new(window.clone(), [1, window.len()]), &device);
    let want: Vec<f32> = sigmoid(model.forward(x)).try_into_vec_as::<f32>().unwrap();
    assert_eq!(probs.len(), want.len());
    let diff = probs
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-4, "tract and burn differ by {diff}");
    let (dim, values) = features.unwrap();
    assert_eq!(
        (dim, values.len()),
        (arch.d_model, arch.chunk_frames * arch.d_model)
    );

    // A short distillation over the bundled recordings (labelled) and the same folder as
    // unlabelled audio, with feature regression.
    let cache = dir.path().join("cache");
    let mut cfg = config(Some(bundled_finch()));
    cfg.distill = Some(DistillConfig {
        teacher: onnx.clone(),
        teacher_config: None,
        audio: vec![bundled_finch()],
        teacher_classes: vec![],
        exclude_classes: vec![],
        hard_weight: 0.5,
        keep_positives: true,
        feature_weight: 0.1,
        clip_hop_s: 1.5,
        localize: false,
        cache: cache.clone(),
    });
    // Localizing is for clip teachers: a frame teacher already says when.
    let mut localizing = cfg.clone();
    if let Some(d) = localizing.distill.as_mut() {
        d.localize = true;
    }
    let refused = train(&localizing, &dir.path().join("refused"), false, None, false).unwrap_err();
    assert!(
        format!("{refused:#}").contains("gives frame outputs"),
        "{refused:#}"
    );
    let run = dir.path().join("student");
    train(&cfg, &run, false, None, false).unwrap();
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert!(metrics.contains("agreement_auc"), "{metrics}");
    let student = dir.path().join("student.onnx");
    export_run(&run, &student, false, 1).unwrap();
    let model = hark::model::Model::load(&student).unwrap();
    assert_eq!(
        model.contract.provenance.get("teacher").map(String::as_str),
        Some(onnx.display().to_string().as_str())
    );

    // Every recording's track is cached, and a cached track equals a fresh one.
    let cached = std::fs::read_dir(&cache).unwrap().count();
    assert!(
        cached >= 2 * 6,
        "{cached} cache files for 6 recordings with features"
    );
    let recording = bundled_finch().join("bird0_34.wav");
    let from_cache = TrackSource::new(&onnx, None, &[], &[], 1.5, &cache)
        .unwrap()
        .track(&recording)
        .unwrap();
    let fresh = TrackSource::new(&onnx, None, &[], &[], 1.5, &dir.path().join("empty"))
        .unwrap()
        .track(&recording)
        .unwrap();
    assert_eq!(from_cache.probs, fresh.probs);
    assert_eq!(from_cache.features, fresh.features);

    // What the teacher hears, as Raven tables: one per recording, the events of its track.
    let tables = dir.path().join("tables");
    let rules = LabelRules {
        on: 0.5,
        off: 0.4,
        min_event_s: 0.02,
    };
    let source = TrackSource::new(&onnx, None, &[], &[], 1.5, &cache).unwrap();
    let (files, _, failed) = label(&source, &[bundled_finch()], &tables, rules).unwrap();
    assert_eq!((files, failed.len()), (6, 0));
    let table = read_raven(&tables.join("bird0_34.Table.1.selections.txt")).unwrap();
    let want = track_events(&source.track(&recording).unwrap(), rules);
    assert_eq!(table.len(), want.len());
    if let (Some(got), Some(want)) = (table.first(), want.first()) {
        assert!((got.onset_s - want.onset_s).abs() < 1e-5);
    }
}

#[test]
fn birdnet_through_its_sidecar_hears_the_wood_thrush() {
    let Some(shared) = shared_data() else {
        eprintln!("SKIPPED: ../shared/data is absent, so BirdNET and its soundscapes are too");
        return;
    };
    let model_dir = shared.join("../models/birdnet");
    let onnx = model_dir.join("BirdNET_V2.4_FP32_tract_b1.onnx");
    if !onnx.exists() {
        eprintln!("SKIPPED: {} is absent", onnx.display());
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let sidecar: &Path = &workspace().join("train/teachers/birdnet.toml");
    let source = TrackSource::new(
        &onnx,
        Some(sidecar),
        &["Wood Thrush".into()],
        &[],
        3.0,
        cache.path(),
    )
    .unwrap();
    assert_eq!(source.chosen.len(), 1);
    let track = source
        .track(&shared.join("unlabeled/opensoundscape/1min.wav"))
        .unwrap();
    assert_eq!(track.probs.len(), 20, "3 s windows over a minute");
    let sure = track.probs.iter().filter(|&&p| p > 0.9).count();
    assert!(
        sure > 10,
        "Wood Thrush above 0.9 in {sure} of 20 windows: {:?}",
        track.probs
    );
}
