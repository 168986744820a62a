//! Rewrites made to a contract-1 graph as it loads for the CPU, so that tract runs the same
//! arithmetic on its faster paths. The file stays as written (the firmware export, onnxruntime and the
//! training tools read it as is); only the graph handed to tract changes, and its probabilities
//! agree with the file's to float rounding (about 1e-6 for f32 models).
//!
//! - `value_cache`: one attention product per value cache instead of one per part of its
//!   concatenation.
//! - `centered_norm`: a layer norm straight after a dense layer as an RMS norm of its centered
//!   outputs.
//! - `folded_affine`: a layer norm's scale and shift folded into the dense layer after it.
//! - `centered_stream`: the residual stream kept at mean zero, so that the layer norms reading
//!   it are RMS norms.

mod centered_norm;
mod centered_stream;
mod folded_affine;
mod value_cache;

use std::collections::{HashMap, HashSet};

use crate::model::protobuf::{
    AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, attribute_type, data_type,
};

/// What [`rewrite`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rewrites {
    /// Value caches whose attention product now reads one gathered operand.
    pub value_caches: usize,
    /// Layer norms after a dense layer, now RMS norms of its centered outputs.
    pub centered_norms: usize,
    /// Layer norms whose scale and shift went into the dense layer after them.
    pub folded_affines: usize,
    /// Layer norms reading a residual stream kept at mean zero, now RMS norms.
    pub stream_norms: usize,
}

impl Rewrites {
    pub fn total(&self) -> usize {
        self.value_caches + self.centered_norms + self.folded_affines + self.stream_norms
    }
}

/// Rewrites `model` for tract. `frames_per_call` is how many frames one call appends to each
/// key/value cache.
pub fn rewrite(model: &mut ModelProto, frames_per_call: usize) -> Rewrites {
    let opset = model
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty())
        .map_or(17, |o| o.version);
    let Some(graph) = model.graph.as_mut() else {
        return Rewrites::default();
    };
    let rewrites = Rewrites {
        value_caches: value_cache::rewrite(graph, frames_per_call),
        centered_norms: centered_norm::rewrite(graph, opset),
        folded_affines: folded_affine::rewrite(graph),
        stream_norms: centered_stream::rewrite(graph, opset),
    };
    let used: HashSet<String> = graph.node.iter().flat_map(|n| n.input.clone()).collect();
    graph.initializer.retain(|t| used.contains(&t.name));
    rewrites
}

fn node(op: &str, name: String, inputs: &[&str], output: &str) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.to_string()],
        name,
        op_type: op.into(),
        attribute: vec![],
    }
}

fn int_attr(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: attribute_type::INT,
        i: Some(value),
        ..Default::default()
    }
}

/// A layer norm over the last axis (ONNX's default), which every rewrite here assumes.
fn is_last_axis_norm(n: &NodeProto) -> bool {
    let axis = n.attribute.iter().find(|a| a.name == "axis");
    n.op_type == "LayerNormalization" && axis.is_none_or(|a| a.i == Some(-1))
}

/// `output = ReduceMean(input)` over the last axis, keeping it: its axes an attribute before
/// opset 18, an input (a new constant) from it.
fn mean_over_last_axis(graph: &mut GraphProto, input: &str, output: &str, opset: i64) -> NodeProto {
    let mut mean = node("ReduceMean", output.to_string(), &[input], output);
    mean.attribute.push(int_attr("keepdims", 1));
    if opset >= 18 {
        let axes = format!("{output}_axes");
        graph
            .initializer
            .push(int64_tensor(axes.clone(), vec![1], &[-1]));
        mean.input.push(axes);
    } else {
        mean.attribute.push(AttributeProto {
            name: "axes".into(),
            r#type: attribute_type::INTS,
            ints: vec![-1],
            ..Default::default()
        });
    }
    mean
}

fn tensor(name: String, dims: Vec<i64>, data_type: i32, raw_data: Vec<u8>) -> TensorProto {
    TensorProto {
        dims,
        data_type,
        name,
        raw_data,
    }
}

fn int64_tensor(name: String, dims: Vec<i64>, values: &[i64]) -> TensorProto {
    let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    tensor(name, dims, data_type::INT64, raw)
}

fn f32_tensor(name: String, dims: Vec<i64>, values: &[f32]) -> TensorProto {
    let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    tensor(name, dims, data_type::FLOAT, raw)
}

/// The values of an f32 constant of the graph.
fn f32_constant(graph: &GraphProto, name: &str) -> Option<(Vec<i64>, Vec<f32>)> {
    let t = graph.initializer.iter().find(|t| t.name == name)?;
    let values =
        (t.data_type == data_type::FLOAT && t.raw_data.len().is_multiple_of(4)).then(|| {
            t.raw_data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })?;
    Some((t.dims.clone(), values))
}

/// The one node that reads `value` (no other node, nor the graph's outputs).
fn only_reader(graph: &GraphProto, value: &str) -> Option<usize> {
    if graph.output.iter().any(|o| o.name == value) {
        return None;
    }
    let mut readers = graph
        .node
        .iter()
        .enumerate()
        .filter(|(_, n)| n.input.iter().any(|i| i == value));
    match (readers.next(), readers.next()) {
        (Some((i, n)), None) if n.input.iter().filter(|i| *i == value).count() == 1 => Some(i),
        _ => None,
    }
}

/// Where each value is computed.
fn producers(graph: &GraphProto) -> HashMap<String, usize> {
    let outputs = graph.node.iter().enumerate();
    outputs
        .flat_map(|(i, n)| n.output.iter().map(move |o| (o.clone(), i)))
        .collect()
}

/// A dense layer after `value`: `MatMul(value, W) -> Add(b)`, with W `[inputs, outputs]` and b
/// constant, each result read once. Its nodes (product, bias) and constants (W, b).
struct Dense {
    product: usize,
    bias: usize,
    w: (Vec<i64>, Vec<f32>),
    b: (Vec<i64>, Vec<f32>),
}

impl Dense {
    fn reading(graph: &GraphProto, value: &str) -> Option<Self> {
        let product = only_reader(graph, value)?;
        Self::at(graph, product).filter(|d| graph.node[d.product].input[0] == value)
    }

    fn at(graph: &GraphProto, product: usize) -> Option<Self> {
        let mm = &graph.node[product];
        (mm.op_type == "MatMul" && mm.input.len() == 2).then_some(())?;
        let bias = only_reader(graph, &mm.output[0])?;
        let add = &graph.node[bias];
        (add.op_type == "Add" && add.input[0] == mm.output[0]).then_some(())?;
        let w = f32_constant(graph, &mm.input[1])?;
        let b = f32_constant(graph, &add.input[1])?;
        let outputs = b.1.len();
        let fits = w.0.len() == 2 && w.0[1] as usize == outputs && outputs > 0;
        fits.then_some(Self {
            product,
            bias,
            w,
            b,
        })
    }

    fn outputs(&self) -> usize {
        self.b.1.len()
    }

    /// Replaces the layer's weights and bias with new constants named after the old ones.
    fn set(self, graph: &mut GraphProto, suffix: &str, w: Vec<f32>, b: Vec<f32>) {
        for ((node, dims), values) in [(self.product, self.w.0), (self.bias, self.b.0)]
            .into_iter()
            .zip([w, b])
        {
            let name = format!("{}_{suffix}", graph.node[node].input[1]);
            graph
                .initializer
                .push(f32_tensor(name.clone(), dims, &values));
            graph.node[node].input[1] = name;
        }
    }
}
