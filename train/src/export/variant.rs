//! Variants of an exported streaming student that run more per call, rebuilt from the file.
//!
//! - Archive mode (`chunks` > 1): K chunks per call. Each chunk of a call attends to its own
//!   window of keys (its cached past and itself), gathered from the call's keys, so the
//!   probabilities are the streamed ones; the projections, feed-forward blocks and conv layers
//!   run on K-times taller matrices, and each operator's fixed cost is paid once per K chunks. At
//!   K times the latency: for files, not live audio.
//! - Many streams (`streams` > 1): B independent streams per call (channels of a multichannel
//!   recorder, many microphones), each with its own rows of every state tensor: one call per
//!   chunk for all of them, which is what a GPU needs to be busy.
//!
//! Works from the exported file itself, so any contract-1 student written by this exporter can
//! be re-shaped without its training run: both graphs are built from placeholder weights whose
//! every value is distinct, so each constant made from a weight is recognised by its bytes and
//! replaced by the file's trained values.

use std::collections::HashMap;

use anyhow::{Context, Result, bail, ensure};
use burn::prelude::*;
use hark::model::contract::Contract;
use hark::model::protobuf::{ModelProto, TensorProto};

use super::student::{CallShape, student_model};
use crate::student::config::StudentConfig;
use crate::student::presets::preset;
use crate::student::weights::StudentWeights;

/// The provenance key naming the chunks per call of an archive-mode model.
pub const CHUNKS_PER_CALL: &str = "chunks_per_call";

/// The streaming student `model` (f32, one chunk of one stream per call) re-exported to run
/// `shape` per call.
pub fn call_variant(model: &ModelProto, shape: CallShape) -> Result<ModelProto> {
    let CallShape { chunks, streams } = shape;
    ensure!(
        chunks >= 1 && streams >= 1,
        "chunks per call and streams must be at least 1"
    );
    let contract = Contract::from_metadata(
        model
            .metadata_props
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str())),
    )?;
    ensure!(
        contract.quantization == "f32",
        "the model is {}: re-shape its f32 source, then quantize that",
        contract.quantization
    );
    if contract.provenance.contains_key(CHUNKS_PER_CALL) || contract.streams != 1 {
        bail!(
            "the model already runs several chunks or streams per call: re-shape its streaming source"
        );
    }
    let config = config_of(model, &contract)?;
    let mut variant_contract = contract.clone();
    variant_contract.chunk_samples *= chunks;
    variant_contract.frames_per_chunk *= chunks;
    variant_contract.latency_samples *= chunks;
    variant_contract.streams = streams;
    if chunks > 1 {
        variant_contract
            .provenance
            .insert(CHUNKS_PER_CALL.into(), chunks.to_string());
    }

    // Built twice from different placeholders: a constant that still differs between the two is
    // made from a weight in a way the one-chunk graph does not show, and cannot be transplanted.
    let [a, b] = [1u32, 2].map(|seed| {
        let placeholder = placeholder(&config, seed);
        let one = student_model(&config, &placeholder, &contract, CallShape::STREAMING);
        let many = student_model(&config, &placeholder, &variant_contract, shape);
        (one, many)
    });
    ensure!(
        layout(&a.0) == layout(model),
        "the graph is not what hark-train's exporter writes for preset `{}`: re-export it from its run",
        config.preset
    );
    let (variant, check) = (transplant(model, &a.0, a.1), transplant(model, &b.0, b.1));
    ensure!(
        variant == check,
        "preset `{}` derives a constant from its weights differently for {chunks} chunks of {streams} streams per call",
        config.preset
    );
    Ok(variant)
}

/// The nodes and the constants' names, shapes and types of a graph: what must match for the
/// file's constants to line up with a rebuilt graph's.
fn layout(m: &ModelProto) -> String {
    let Some(g) = m.graph.as_ref() else {
        return String::new();
    };
    let nodes: Vec<_> = g.node.iter().map(|n| (&n.op_type, &n.input)).collect();
    let constants: Vec<_> = g
        .initializer
        .iter()
        .map(|t| (&t.name, &t.dims, t.data_type))
        .collect();
    format!("{nodes:?}{constants:?}")
}

/// `many` with every constant that `one` (built from the same placeholder) holds in the same
/// bytes replaced by what `trained` holds under `one`'s name for it.
fn transplant(trained: &ModelProto, one: &ModelProto, mut many: ModelProto) -> ModelProto {
    let by_name: HashMap<&str, &TensorProto> = trained
        .graph
        .iter()
        .flat_map(|g| &g.initializer)
        .map(|t| (t.name.as_str(), t))
        .collect();
    let by_bytes: HashMap<&[u8], &TensorProto> = one
        .graph
        .iter()
        .flat_map(|g| &g.initializer)
        .map(|t| (t.raw_data.as_slice(), by_name[t.name.as_str()]))
        .collect();
    for t in many.graph.iter_mut().flat_map(|g| &mut g.initializer) {
        if let Some(weights) = by_bytes.get(t.raw_data.as_slice()) {
            t.raw_data.clone_from(&weights.raw_data);
        }
    }
    many
}

/// Weights of `config`'s shapes whose values all differ from each other and from any constant
/// the exporter writes itself (all are at least 10^4).
pub(crate) fn placeholder(config: &StudentConfig, seed: u32) -> StudentWeights {
    let mut w = config.init(&Device::flex()).weights();
    let mut arrays: Vec<&mut Vec<f32>> = Vec::new();
    for conv in &mut w.conv {
        arrays.extend([&mut conv.w, &mut conv.b]);
        arrays.extend([&mut conv.norm.gamma, &mut conv.norm.beta]);
    }
    for l in &mut w.layers {
        for norm in [&mut l.attn_norm, &mut l.ffn_norm] {
            arrays.extend([&mut norm.gamma, &mut norm.beta]);
        }
        for dense in [&mut l.qkv, &mut l.out, &mut l.ffn_in, &mut l.ffn_out] {
            arrays.extend([&mut dense.w, &mut dense.b]);
        }
    }
    arrays.extend([&mut w.final_norm.gamma, &mut w.final_norm.beta]);
    arrays.extend([&mut w.head.w, &mut w.head.b]);
    let mut next = seed as f32 * 1e4;
    for x in arrays.into_iter().flatten() {
        next += 1.0;
        *x = next;
    }
    w
}

/// The architecture of a student file, from its preset, contract and cache shape.
pub(crate) fn config_of(model: &ModelProto, contract: &Contract) -> Result<StudentConfig> {
    let mut config = preset(
        &contract.preset,
        contract.sample_rate,
        contract.classes.clone(),
    )?;
    let cache = model
        .graph
        .iter()
        .flat_map(|g| &g.input)
        .find(|v| v.name == "state_in_valid")
        .and_then(|v| v.r#type.as_ref()?.tensor_type.as_ref()?.shape.as_ref())
        .and_then(|s| s.dim.last()?.dim_value)
        .context("no `state_in_valid` input: not a streaming student from hark-train")?;
    config.chunk_frames = contract.frames_per_chunk;
    config.past_chunks = cache as usize / contract.frames_per_chunk;
    Ok(config)
}
