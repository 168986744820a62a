//! A fine-tuned teacher as a contract-2 ONNX model: one window of audio in, frame logits and
//! features out, described by its `hark.teacher` metadata.

use hark::model::protobuf::ModelProto;

use super::graph::GraphBuilder;
use super::student::{CallShape, encoder, model_proto};
use crate::student::config::StudentConfig;
use crate::student::weights::StudentWeights;
use crate::teacher::contract::{Activation, Output, SPEC_KEY, TeacherSpec};

/// The spec a bidirectional model `c` is exported with.
pub fn teacher_spec(c: &StudentConfig) -> TeacherSpec {
    TeacherSpec {
        sample_rate: c.sample_rate,
        window_samples: c.chunk_samples(),
        output: Output::Frame,
        hop_samples: Some(c.hop_samples()),
        activation: Activation::Sigmoid,
        classes: c.classes.clone(),
        labels_file: None,
        input: "audio".into(),
        logits: "logits".into(),
        features: Some("features".into()),
    }
}

/// Builds the contract-2 model; `provenance` goes under `hark.provenance.*`.
pub fn teacher_model(
    c: &StudentConfig,
    w: &StudentWeights,
    provenance: Vec<(String, String)>,
) -> ModelProto {
    let spec = teacher_spec(c);
    let mut g = GraphBuilder::default();
    let audio = g.input("audio", &[1, spec.window_samples]);
    let (features, _) = encoder(&mut g, c, w, &audio, None, CallShape::STREAMING);
    let logits = g.dense(&features, &w.head.w, &w.head.b, c.d_model, c.classes.len());
    g.output(&logits, "logits", &[1, c.chunk_frames, c.classes.len()]);
    g.output(&features, "features", &[1, c.chunk_frames, c.d_model]);
    let mut metadata = vec![(
        SPEC_KEY.to_string(),
        serde_json::to_string(&spec).expect("a spec serializes"),
    )];
    metadata.extend(
        provenance
            .into_iter()
            .map(|(k, v)| (format!("hark.provenance.{k}"), v)),
    );
    model_proto(
        g.finish("hark_teacher"),
        "hark teacher (contract 2)",
        metadata,
    )
}
