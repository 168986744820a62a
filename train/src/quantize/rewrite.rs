//! Rewriting a contract-1 f32 graph so that its weight matmuls run in int8.
//!
//! Each `MatMul(x, W)` with a constant `W` becomes
//! `QuantizeLinear(x) -> MatMulInteger(x_q, W_q) -> Cast -> Mul(x_scale * w_scale[out])`, with the
//! same output name, so the bias `Add` after it and everything else stay as they were. tract
//! runs `MatMulInteger` as an i8 x i8 -> i32 matrix product; LayerNorm, GELU and Softmax stay
//! f32 (tract 0.23.9 folds a quantized Softmax wrongly, ../shared/STACK.md).

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use hark::model::protobuf::{
    AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, attribute_type, data_type,
};

use super::scales::quantize_columns;

/// A `MatMul` whose second operand is a constant `[inputs, outputs]` f32 matrix.
#[derive(Debug, Clone)]
pub struct WeightMatMul {
    /// Index of the node in the graph.
    pub node: usize,
    /// The activation operand.
    pub input: String,
    /// The weight initializer.
    pub weight: String,
    pub inputs: usize,
    pub outputs: usize,
    /// A layer of the conv front end, rather than of the transformer or the head.
    pub front: bool,
}

fn initializer<'a>(graph: &'a GraphProto, name: &str) -> Option<&'a TensorProto> {
    graph.initializer.iter().find(|t| t.name == name)
}

/// The weight matmuls of a graph, in graph order.
pub fn weight_matmuls(graph: &GraphProto) -> Vec<WeightMatMul> {
    let producer: HashMap<&str, &NodeProto> = graph
        .node
        .iter()
        .flat_map(|n| n.output.iter().map(move |o| (o.as_str(), n)))
        .collect();
    let op_of = |value: &str| producer.get(value).map(|n| (n.op_type.as_str(), n));
    // The exporter writes each conv layer as a Gather of sample windows, a Reshape and a MatMul.
    let is_conv_window = |value: &str| match op_of(value) {
        Some(("Reshape", n)) => matches!(op_of(&n.input[0]), Some(("Gather", _))),
        _ => false,
    };
    graph
        .node
        .iter()
        .enumerate()
        .filter(|(_, n)| n.op_type == "MatMul" && n.input.len() == 2)
        .filter_map(|(i, n)| {
            let w = initializer(graph, &n.input[1])?;
            (w.data_type == data_type::FLOAT && w.dims.len() == 2).then(|| WeightMatMul {
                node: i,
                input: n.input[0].clone(),
                weight: w.name.clone(),
                inputs: w.dims[0] as usize,
                outputs: w.dims[1] as usize,
                front: is_conv_window(&n.input[0]),
            })
        })
        .collect()
}

fn f32s(t: &TensorProto) -> Vec<f32> {
    t.raw_data
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn tensor(name: String, dims: &[usize], data_type: i32, raw_data: Vec<u8>) -> TensorProto {
    TensorProto {
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type,
        name,
        raw_data,
    }
}

fn node(op: &str, name: String, inputs: &[&str], output: String) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output],
        name,
        op_type: op.into(),
        attribute: vec![],
    }
}

/// What one rewritten matmul introduced, for reports and checks.
#[derive(Debug, Clone)]
pub struct QuantizedMatMul {
    pub weight: String,
    /// Activation step: `x ~ x_q * input_scale`.
    pub input_scale: f32,
    /// Largest |w - w_q * scale| over the matrix.
    pub weight_error: f32,
}

/// Rewrites `matmuls` (from [`weight_matmuls`] on this model's graph) with the activation
/// scale given for each; returns the new model and what each rewrite did.
pub fn to_int8(
    model: &ModelProto,
    matmuls: &[(WeightMatMul, f32)],
) -> Result<(ModelProto, Vec<QuantizedMatMul>)> {
    let mut model = model.clone();
    let graph = model.graph.as_mut().context("the model holds no graph")?;
    let mut replaced: HashMap<usize, Vec<NodeProto>> = HashMap::new();
    let mut quantized_inputs: HashMap<(String, u32), String> = HashMap::new();
    let mut new_initializers = Vec::new();
    let mut report = Vec::new();
    let zero_point = "int8_zero_point".to_string();
    new_initializers.push(tensor(zero_point.clone(), &[], data_type::INT8, vec![0]));

    for (m, input_scale) in matmuls {
        let original = &graph.node[m.node];
        if original.op_type != "MatMul" || original.input[1] != m.weight {
            bail!("node {} is not the weight matmul it was found as", m.node);
        }
        let output = original.output[0].clone();
        let stem = original.name.clone();
        let w = f32s(initializer(graph, &m.weight).context("weight initializer")?);
        let (q, w_scales) = quantize_columns(&w, m.inputs, m.outputs);
        let weight_error = w
            .iter()
            .zip(&q)
            .enumerate()
            .map(|(k, (v, q))| (v - *q as f32 * w_scales[k % m.outputs]).abs())
            .fold(0.0, f32::max);
        report.push(QuantizedMatMul {
            weight: m.weight.clone(),
            input_scale: *input_scale,
            weight_error,
        });

        let mut nodes = Vec::new();
        // Inputs shared by several matmuls (with the same scale) are quantized once.
        let key = (m.input.clone(), input_scale.to_bits());
        let x_q = match quantized_inputs.get(&key) {
            Some(x_q) => x_q.clone(),
            None => {
                let scale = format!("{stem}_x_scale");
                new_initializers.push(tensor(
                    scale.clone(),
                    &[],
                    data_type::FLOAT,
                    input_scale.to_le_bytes().to_vec(),
                ));
                let x_q = format!("{stem}_x_q");
                nodes.push(node(
                    "QuantizeLinear",
                    format!("{stem}_quantize"),
                    &[&m.input, &scale, &zero_point],
                    x_q.clone(),
                ));
                quantized_inputs.insert(key, x_q.clone());
                x_q
            }
        };
        let w_q = format!("{}_int8", m.weight);
        new_initializers.push(tensor(
            w_q.clone(),
            &[m.inputs, m.outputs],
            data_type::INT8,
            q.iter().map(|&v| v as u8).collect(),
        ));
        let dequant = format!("{stem}_dequant_scale");
        let combined: Vec<f32> = w_scales.iter().map(|s| s * input_scale).collect();
        new_initializers.push(tensor(
            dequant.clone(),
            &[m.outputs],
            data_type::FLOAT,
            combined.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ));
        let acc = format!("{stem}_acc");
        nodes.push(node(
            "MatMulInteger",
            format!("{stem}_int8"),
            &[&x_q, &w_q],
            acc.clone(),
        ));
        let mut cast = node(
            "Cast",
            format!("{stem}_cast"),
            &[&acc],
            format!("{stem}_accf"),
        );
        cast.attribute.push(AttributeProto {
            name: "to".into(),
            r#type: attribute_type::INT,
            i: Some(data_type::FLOAT as i64),
            ..Default::default()
        });
        let accf = cast.output[0].clone();
        nodes.push(cast);
        nodes.push(node(
            "Mul",
            format!("{stem}_dequant"),
            &[&accf, &dequant],
            output,
        ));
        replaced.insert(m.node, nodes);
    }

    let old = std::mem::take(&mut graph.node);
    for (i, n) in old.into_iter().enumerate() {
        match replaced.remove(&i) {
            Some(nodes) => graph.node.extend(nodes),
            None => graph.node.push(n),
        }
    }
    // Drop the f32 weights nothing reads any more.
    let used: std::collections::HashSet<String> = graph
        .node
        .iter()
        .flat_map(|n| n.input.iter().cloned())
        .collect();
    graph.initializer.retain(|t| used.contains(&t.name));
    graph.initializer.extend(new_initializers);
    Ok((model, report))
}
