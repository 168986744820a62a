//! A centered residual stream. A layer norm does not see a constant added to every channel of a
//! row, so the transformer's residual stream may be shifted row by row at will: with every write
//! into it centered over channels (the dense layers that add to it, through their weights and
//! bias; its first value, through one subtraction of its mean), every row has mean zero and
//! each layer norm reading the stream is an RMS norm, one fused operator in tract instead of a
//! mean, a subtraction and an RMS norm.

use std::collections::{HashMap, HashSet};

use super::centered_norm::{center, rms_norm};
use super::{Dense, is_last_axis_norm, mean_over_last_axis, node, producers};
use crate::model::protobuf::{GraphProto, NodeProto};

/// `Add(stream, dense output)` where a dense layer writes into the stream.
struct Write {
    add: usize,
    dense: Dense,
}

/// The write that produced `value`, if a dense layer's output was added to a stream there.
fn write_at(graph: &GraphProto, producer: &HashMap<String, usize>, value: &str) -> Option<Write> {
    let &add = producer.get(value)?;
    let n = &graph.node[add];
    (n.op_type == "Add" && n.input.len() == 2).then_some(())?;
    let &bias = producer.get(&n.input[1])?;
    let &product = producer.get(graph.node[bias].input.first()?)?;
    let dense = Dense::at(graph, product).filter(|d| d.bias == bias)?;
    let only_here = super::only_reader(graph, &n.input[1]) == Some(add);
    only_here.then_some(Write { add, dense })
}

/// Rewrites the stream read by the graph's layer norms, when every value of it is read only by
/// layer norms and the stream's next write; returns how many layer norms became RMS norms.
pub fn rewrite(graph: &mut GraphProto, opset: i64) -> usize {
    let producer = producers(graph);
    let norms: Vec<usize> = (0..graph.node.len())
        .filter(|&i| graph.node[i].op_type == "LayerNormalization")
        .collect();
    if !norms.iter().all(|&i| is_last_axis_norm(&graph.node[i])) {
        return 0; // a norm over another axis would see the shifts
    }
    // Walk back from each norm's input through the writes into the stream.
    let mut writes: Vec<Write> = Vec::new();
    for &i in &norms {
        let mut value = graph.node[i].input[0].clone();
        while let Some(write) = write_at(graph, &producer, &value) {
            if writes.iter().any(|w| w.add == write.add) {
                break;
            }
            value = graph.node[write.add].input[0].clone();
            writes.push(write);
        }
    }
    let written: HashSet<&String> = writes
        .iter()
        .map(|w| &graph.node[w.add].output[0])
        .collect();
    let starts: HashSet<&String> = writes
        .iter()
        .map(|w| &graph.node[w.add].input[0])
        .filter(|v| !written.contains(v))
        .collect();
    let [start] = starts.into_iter().collect::<Vec<_>>()[..] else {
        return 0; // no stream, or several
    };
    let start = start.clone();
    let mut stream: HashSet<String> = written.into_iter().cloned().collect();
    stream.insert(start.clone());
    // Every value of the stream goes only to layer norms and the stream's next write.
    let fits = stream.iter().all(|value| {
        !graph.output.iter().any(|o| &o.name == value)
            && graph.node.iter().enumerate().all(|(i, n)| {
                !n.input.contains(value)
                    || n.op_type == "LayerNormalization"
                    || writes.iter().any(|w| w.add == i && n.input[0] == *value)
            })
    });
    if !fits {
        return 0;
    }
    let stream_norms: Vec<usize> = norms
        .into_iter()
        .filter(|&i| stream.contains(&graph.node[i].input[0]))
        .collect();

    for write in writes {
        let outputs = write.dense.outputs();
        let w = center(&write.dense.w.1, outputs);
        let b = center(&write.dense.b.1, outputs);
        write.dense.set(graph, "centered", w, b);
    }
    let centered = format!("{start}_centered");
    for n in graph.node.iter_mut() {
        for input in n.input.iter_mut().filter(|i| **i == start) {
            *input = centered.clone();
        }
    }
    let mut replaced: HashMap<usize, Vec<NodeProto>> = HashMap::new();
    for &i in &stream_norms {
        let norm = graph.node[i].clone();
        replaced.insert(i, rms_norm(graph, &norm, opset));
    }
    let centering = centering(graph, &start, &centered, opset);
    let after = producer.get(&start).copied();
    let nodes = std::mem::take(&mut graph.node);
    if after.is_none() {
        graph.node.extend(centering.iter().cloned());
    }
    for (i, n) in nodes.into_iter().enumerate() {
        match replaced.remove(&i) {
            Some(nodes) => graph.node.extend(nodes),
            None => graph.node.push(n),
        }
        if Some(i) == after {
            graph.node.extend(centering.iter().cloned());
        }
    }
    stream_norms.len()
}

/// `centered = x - mean(x)` over the last axis.
fn centering(graph: &mut GraphProto, x: &str, centered: &str, opset: i64) -> Vec<NodeProto> {
    let mean = format!("{centered}_mean");
    let reduce = mean_over_last_axis(graph, x, &mean, opset);
    let sub = node("Sub", centered.to_string(), &[x, &mean], centered);
    vec![reduce, sub]
}
