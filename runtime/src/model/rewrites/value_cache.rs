//! One product per value cache. The attention's weighted sum reads the cached values and the
//! chunk's as one concatenation; tract splits a product over a concatenation along its inner
//! axis into one product per part, each packed and summed. A `Gather` of all the concatenated
//! frames hands it one operand, so one product. (The keys reach their product through a
//! transpose, which tract does not split; archive-mode graphs gather windows already.)

use super::{int_attr, int64_tensor, node};
use crate::model::protobuf::GraphProto;

/// The frames a hark student's key or value cache holds: input `state_in_k<N>` or
/// `state_in_v<N>`, `[streams, heads, frames, dim]`.
fn cached_frames(graph: &GraphProto, input: &str) -> Option<usize> {
    let layer = input
        .strip_prefix("state_in_k")
        .or_else(|| input.strip_prefix("state_in_v"))?;
    layer.parse::<u32>().ok()?;
    let info = graph.input.iter().find(|v| v.name == input)?;
    let tensor = info.r#type.as_ref()?.tensor_type.as_ref()?;
    let dims = &tensor.shape.as_ref()?.dim;
    (dims.len() == 4).then_some(())?;
    dims[2].dim_value.map(|d| d as usize)
}

/// Routes the products reading a cache's concatenation with the call's `frames_per_call`
/// frames through a `Gather` of all of them; the slice kept as the next state still reads the
/// concatenation. Returns how many caches it rerouted.
pub fn rewrite(graph: &mut GraphProto, frames_per_call: usize) -> usize {
    let concats: Vec<(String, usize)> = graph
        .node
        .iter()
        .filter(|n| n.op_type == "Concat" && n.input.len() == 2)
        .filter(|n| {
            n.attribute
                .iter()
                .any(|a| a.name == "axis" && a.i == Some(2))
        })
        .filter_map(|n| {
            let frames = cached_frames(graph, &n.input[0])? + frames_per_call;
            Some((n.output[0].clone(), frames))
        })
        .collect();
    let mut rerouted = 0;
    for (concat, frames) in concats {
        let gathered = format!("{concat}_gathered");
        let products = graph.node.iter_mut().filter(|n| n.op_type == "MatMul");
        let inputs = products.flat_map(|n| n.input.iter_mut().filter(|i| **i == concat));
        let readers = inputs.map(|input| *input = gathered.clone()).count();
        if readers == 0 {
            continue;
        }
        let all = format!("{concat}_all_frames");
        let index: Vec<i64> = (0..frames as i64).collect();
        let dims = vec![frames as i64];
        graph
            .initializer
            .push(int64_tensor(all.clone(), dims, &index));
        let mut gather = node("Gather", gathered.clone(), &[&concat, &all], &gathered);
        gather.attribute.push(int_attr("axis", 2));
        let after = graph.node.iter().position(|n| n.output[0] == concat);
        graph.node.insert(after.map_or(0, |p| p + 1), gather);
        rerouted += 1;
    }
    rerouted
}
