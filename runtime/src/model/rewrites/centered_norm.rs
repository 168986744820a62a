//! Centered dense before a layer norm. A layer norm straight after a dense layer subtracts each
//! row's mean over the layer's outputs, which is linear in the layer's input: subtracting the
//! mean over outputs from each weight row and from the bias does it inside the product. What is
//! left is an RMS norm, which tract runs as one fused operator instead of a mean, a subtraction
//! and an RMS norm.

use std::collections::HashMap;

use super::{Dense, f32_constant, f32_tensor, is_last_axis_norm, mean_over_last_axis, node};
use super::{only_reader, producers};
use crate::model::protobuf::{GraphProto, NodeProto};

/// Rewrites every `MatMul(x, W) -> Add(b) -> LayerNormalization` over the last axis (each
/// result read once, W and b constant); returns how many.
pub fn rewrite(graph: &mut GraphProto, opset: i64) -> usize {
    let producer = producers(graph);
    let mut found = Vec::new();
    for (i, norm) in graph.node.iter().enumerate() {
        if !is_last_axis_norm(norm) {
            continue;
        }
        let Some(&bias) = producer.get(&norm.input[0]) else {
            continue;
        };
        let add = &graph.node[bias];
        let product = add.input.first().and_then(|x| producer.get(x));
        let dense = product.and_then(|&p| Dense::at(graph, p));
        if let Some(dense) = dense.filter(|d| d.bias == bias)
            && only_reader(graph, &norm.input[0]) == Some(i)
        {
            found.push((i, dense));
        }
    }
    let count = found.len();
    let mut replaced: HashMap<usize, Vec<NodeProto>> = HashMap::new();
    for (i, dense) in found {
        let outputs = dense.outputs();
        let w = center(&dense.w.1, outputs);
        let b = center(&dense.b.1, outputs);
        dense.set(graph, "centered", w, b);
        let norm = graph.node[i].clone();
        replaced.insert(i, rms_norm(graph, &norm, opset));
    }
    let nodes = std::mem::take(&mut graph.node);
    for (i, n) in nodes.into_iter().enumerate() {
        match replaced.remove(&i) {
            Some(nodes) => graph.node.extend(nodes),
            None => graph.node.push(n),
        }
    }
    count
}

/// Each row of `values` (rows of `width`) minus its mean.
pub(super) fn center(values: &[f32], width: usize) -> Vec<f32> {
    values
        .chunks_exact(width)
        .flat_map(|row| {
            let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / width as f64;
            row.iter().map(move |&v| v - mean as f32)
        })
        .collect()
}

/// `x / sqrt(mean(x^2) + eps)`, then the norm's scale (unless all ones) and shift, writing the
/// norm's output: in that form tract fuses it into one RMS norm.
pub(super) fn rms_norm(graph: &mut GraphProto, norm: &NodeProto, opset: i64) -> Vec<NodeProto> {
    let x = norm.input[0].as_str();
    let value = |suffix: &str| format!("{}_{suffix}", norm.name);
    let eps = norm.attribute.iter().find(|a| a.name == "epsilon");
    let eps = eps.and_then(|a| a.f).unwrap_or(1e-5);
    graph
        .initializer
        .push(f32_tensor(value("eps"), vec![], &[eps]));
    let mean = mean_over_last_axis(graph, &value("sq"), &value("mean"), opset);
    let mut nodes = vec![
        node("Mul", value("sq"), &[x, x], &value("sq")),
        mean,
        node(
            "Add",
            value("var"),
            &[&value("mean"), &value("eps")],
            &value("var"),
        ),
        node("Sqrt", value("rms"), &[&value("var")], &value("rms")),
        node("Reciprocal", value("inv"), &[&value("rms")], &value("inv")),
        node(
            "Mul",
            value("normed"),
            &[x, &value("inv")],
            &value("normed"),
        ),
    ];
    let given = |k: usize| norm.input.get(k).filter(|s| !s.is_empty());
    let all_ones = |name: &&String| {
        f32_constant(graph, name).is_some_and(|(_, v)| v.iter().all(|&v| v == 1.0))
    };
    let mut y = value("normed");
    if let Some(scale) = given(1).filter(|s| !all_ones(s)) {
        nodes.push(node("Mul", value("scaled"), &[&y, scale], &value("scaled")));
        y = value("scaled");
    }
    if let Some(shift) = given(2) {
        nodes.push(node(
            "Add",
            value("shifted"),
            &[&y, shift],
            &value("shifted"),
        ));
    }
    if let Some(last) = nodes.last_mut() {
        last.output[0] = norm.output[0].clone();
    }
    nodes
}
