//! Archive mode: a streaming student re-exported to run K chunks per call. Each chunk attends to
//! exactly what it attends to when streamed (the chunked mask of [`attention_bias`]), so the
//! probabilities are the same, but every product is K times taller: more throughput on files,
//! at K times the latency, so not for live audio.
//!
//! Works from the exported file itself, so any contract-1 student written by this exporter can
//! be re-chunked without its training run: the graph is rebuilt for K chunks from placeholder
//! weights, and every constant that does not depend on K (all the weights) is taken from the file.
//!
//! [`attention_bias`]: super::student::attention_bias

use std::collections::HashMap;

use anyhow::{Context, Result, bail, ensure};
use burn::prelude::*;
use hark::contract::Contract;
use hark::onnx_proto::{ModelProto, TensorProto};

use super::student::student_model;
use crate::student::config::StudentConfig;
use crate::student::presets::preset;

/// The student `model` (f32, one chunk per call) re-exported to run `chunks` chunks per call.
pub fn archive_variant(model: &ModelProto, chunks: usize) -> Result<ModelProto> {
    ensure!(chunks >= 1, "chunks per call must be at least 1");
    let graph = model.graph.as_ref().context("the file holds no graph")?;
    let contract = Contract::from_metadata(
        model
            .metadata_props
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str())),
    )?;
    ensure!(
        contract.quantization == "f32",
        "the model is {}: re-chunk its f32 source, then quantize that",
        contract.quantization
    );
    if contract.provenance.contains_key(CHUNKS_PER_CALL) {
        bail!("the model already runs several chunks per call: re-chunk its streaming source");
    }
    let config = config_of(model, &contract)?;
    let placeholder = config.init(&Device::flex()).weights();

    // The file must be exactly what this exporter writes for the architecture, weights aside.
    let one = student_model(&config, &placeholder, &contract, 1);
    let layout = |m: &ModelProto| {
        let g = m.graph.as_ref().expect("built with a graph");
        let nodes: Vec<_> = g.node.iter().map(|n| (&n.op_type, &n.input)).collect();
        let constants: Vec<_> = g
            .initializer
            .iter()
            .map(|t| (&t.name, &t.dims, t.data_type))
            .collect();
        format!("{nodes:?}{constants:?}")
    };
    ensure!(
        layout(&one) == layout(model),
        "the graph is not what hark-train's exporter writes for preset `{}`: re-export it from its run",
        config.preset
    );

    let mut archive_contract = contract.clone();
    archive_contract.chunk_samples *= chunks;
    archive_contract.frames_per_chunk *= chunks;
    archive_contract.latency_samples *= chunks;
    archive_contract
        .provenance
        .insert(CHUNKS_PER_CALL.into(), chunks.to_string());
    let mut archive = student_model(&config, &placeholder, &archive_contract, chunks);
    // The same operators in the same order, so the constants' generated names correspond.
    let ops = |m: &ModelProto| -> Vec<String> {
        m.graph
            .iter()
            .flat_map(|g| &g.node)
            .map(|n| n.op_type.clone())
            .collect()
    };
    ensure!(
        ops(&one) == ops(&archive),
        "preset `{}` builds a different graph for {chunks} chunks per call; try another count",
        config.preset
    );

    // A constant the same in the one- and the K-chunk graph (each weight, built from the same
    // placeholder) comes from the file; the ones that depend on K (masks, shapes) stay.
    let unchanged: HashMap<&str, &TensorProto> = one
        .graph
        .iter()
        .flat_map(|g| &g.initializer)
        .map(|t| (t.name.as_str(), t))
        .collect();
    let trained: HashMap<&str, &TensorProto> = graph
        .initializer
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    for t in archive.graph.iter_mut().flat_map(|g| &mut g.initializer) {
        if unchanged.get(t.name.as_str()).is_some_and(|u| **u == *t) {
            *t = (*trained[t.name.as_str()]).clone();
        }
    }
    Ok(archive)
}

/// The provenance key naming the chunks per call of an archive-mode model.
pub const CHUNKS_PER_CALL: &str = "chunks_per_call";

/// The architecture of a student file, from its preset, contract and cache shape.
fn config_of(model: &ModelProto, contract: &Contract) -> Result<StudentConfig> {
    let mut config = preset(&contract.preset, contract.classes.clone())?;
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
