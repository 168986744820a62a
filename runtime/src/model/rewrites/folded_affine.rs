//! A layer norm's scale and shift folded into the dense layer after it: `(n * g + s) W + b` is
//! `n (g W) + (s W + b)`. The rows of `W` scaled and the bias shifted save tract an operator.

use super::{Dense, f32_constant, f32_tensor, is_last_axis_norm};
use crate::model::protobuf::GraphProto;

/// Rewrites every `LayerNormalization(x, g, s) -> MatMul(W) -> Add(b)` (each result read once,
/// all constant); returns how many.
pub fn rewrite(graph: &mut GraphProto) -> usize {
    let mut found = Vec::new();
    for (i, norm) in graph.node.iter().enumerate() {
        if !is_last_axis_norm(norm) || norm.input.len() != 3 {
            continue;
        }
        let scale = f32_constant(graph, &norm.input[1]);
        let shift = f32_constant(graph, &norm.input[2]);
        let dense = Dense::reading(graph, &norm.output[0]);
        if let (Some((_, g)), Some((_, s)), Some(dense)) = (scale, shift, dense)
            && g.len() == s.len()
            && dense.w.1.len() == g.len() * dense.outputs()
        {
            found.push((i, g, s, dense));
        }
    }
    let count = found.len();
    for (i, g, s, dense) in found {
        let (w, b, outputs) = (&dense.w.1, &dense.b.1, dense.outputs());
        let scaled: Vec<f32> = w
            .iter()
            .enumerate()
            .map(|(k, v)| v * g[k / outputs])
            .collect();
        let shifted: Vec<f32> = (0..outputs)
            .map(|o| b[o] + (0..g.len()).map(|k| s[k] * w[k * outputs + o]).sum::<f32>())
            .collect();
        dense.set(graph, "folded", scaled, shifted);
        let ones = format!("{}_ones", graph.node[i].name);
        let channels = g.len();
        graph.initializer.push(f32_tensor(
            ones.clone(),
            vec![channels as i64],
            &vec![1.0; channels],
        ));
        graph.node[i].input = vec![graph.node[i].input[0].clone(), ones];
    }
    count
}
