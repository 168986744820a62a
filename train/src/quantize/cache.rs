//! An int8 key/value cache as the firmware keeps it, written into the graph, so the int8 ONNX
//! file computes what the firmware's engine computes.
//!
//! Each chunk's keys and values enter the cache quantized, with one scale per frame and head
//! (their largest magnitude over 127). The chunk itself still attends to its own keys and values
//! as computed; only what is carried to later chunks is rounded.
//!
//! Each `state_out_k*` / `state_out_v*` is `Slice(Concat(past, new), t..)`; it becomes
//! `Concat(Slice(past, t..), dequantize(quantize(new)))`.

use anyhow::{Context, Result, ensure};
use hark::model::protobuf::{
    AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, attribute_type, data_type,
};
use hark_firmware::engine::RING_MIN_MAGNITUDE;

use crate::export::firmware::CACHE_ROUND;

fn producer<'a>(g: &'a GraphProto, value: &str) -> Option<&'a NodeProto> {
    g.node.iter().find(|n| n.output.iter().any(|o| o == value))
}

fn node(op: &str, name: String, inputs: &[&str], attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![format!("{name}_out")],
        name,
        op_type: op.into(),
        attribute,
    }
}

fn scalar(name: &str, v: f32) -> TensorProto {
    TensorProto {
        dims: vec![],
        data_type: data_type::FLOAT,
        name: name.into(),
        raw_data: v.to_le_bytes().to_vec(),
    }
}

/// Rewrites `model`'s key/value state outputs to carry int8-rounded values; returns how many.
pub fn int8_cache(model: &mut ModelProto) -> Result<usize> {
    let g = model.graph.as_mut().context("the model holds no graph")?;
    let caches: Vec<String> = g
        .output
        .iter()
        .map(|o| o.name.clone())
        .filter(|n| {
            let layer = n
                .strip_prefix("state_out_k")
                .or(n.strip_prefix("state_out_v"));
            layer.is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    let (floor, qmax) = ("cache_min_magnitude", "cache_qmax");
    g.initializer.push(scalar(floor, RING_MIN_MAGNITUDE));
    g.initializer.push(scalar(qmax, 127.0));
    for out in &caches {
        let not_ours = || format!("`{out}` is not the cache update hark-train's exporter writes");
        let identity = producer(g, out).with_context(not_ours)?.clone();
        let slice = producer(g, &identity.input[0])
            .with_context(not_ours)?
            .clone();
        let concat = producer(g, &slice.input[0]).with_context(not_ours)?.clone();
        ensure!(
            identity.op_type == "Identity"
                && slice.op_type == "Slice"
                && concat.op_type == "Concat",
            not_ours()
        );
        let (past, new) = (&concat.input[0], &concat.input[1]);
        let stem = out.trim_start_matches("state_out_");
        let int = |name: &str, i: i64| AttributeProto {
            name: name.into(),
            r#type: attribute_type::INT,
            i: Some(i),
            ..Default::default()
        };
        let ints = |name: &str, v: Vec<i64>| AttributeProto {
            name: name.into(),
            r#type: attribute_type::INTS,
            ints: v,
            ..Default::default()
        };
        // Slice clamps its end, so the same bounds cut the past's first t frames off.
        let mut kept = slice.clone();
        kept.name = format!("{stem}_cache_kept");
        kept.input[0] = past.clone();
        kept.output = vec![format!("{stem}_cache_kept_out")];
        let abs = node("Abs", format!("{stem}_cache_abs"), &[new], vec![]);
        let max = node(
            "ReduceMax",
            format!("{stem}_cache_absmax"),
            &[&abs.output[0]],
            vec![ints("axes", vec![-1]), int("keepdims", 1)],
        );
        let floored = node(
            "Max",
            format!("{stem}_cache_floor"),
            &[&max.output[0], floor],
            vec![],
        );
        let scale = node(
            "Div",
            format!("{stem}_cache_scale"),
            &[&floored.output[0], qmax],
            vec![],
        );
        let ratio = node(
            "Div",
            format!("{stem}_cache_ratio"),
            &[new, &scale.output[0]],
            vec![],
        );
        let round = node(
            "Round",
            format!("{stem}{CACHE_ROUND}"),
            &[&ratio.output[0]],
            vec![],
        );
        let dequant = node(
            "Mul",
            format!("{stem}_cache_dequant"),
            &[&round.output[0], &scale.output[0]],
            vec![],
        );
        let joined = node(
            "Concat",
            format!("{stem}_cache_next"),
            &[&kept.output[0], &dequant.output[0]],
            vec![int("axis", 2)],
        );
        let at = g
            .node
            .iter()
            .position(|n| n.name == identity.name)
            .expect("found above");
        g.node[at].input[0] = joined.output[0].clone();
        let new_nodes = [
            kept, abs, max, floored, scale, ratio, round, dequant, joined,
        ];
        g.node.splice(at..at, new_nodes);
    }
    // The old slices feed nothing now.
    let used: std::collections::HashSet<String> = g
        .node
        .iter()
        .flat_map(|n| n.input.iter().cloned())
        .collect();
    let outputs: std::collections::HashSet<String> =
        g.output.iter().map(|o| o.name.clone()).collect();
    g.node.retain(|n| {
        n.output
            .iter()
            .any(|o| used.contains(o) || outputs.contains(o))
    });
    Ok(caches.len())
}
