//! The streaming student as a contract-1 ONNX graph: one chunk of audio and the state in,
//! frame probabilities and the next state out.

use hark::model::contract::Contract;
use hark::model::protobuf::{GraphProto, ModelProto, OperatorSetIdProto, StringStringEntryProto};

use super::graph::{Attr, GraphBuilder};
use crate::student::config::StudentConfig;
use crate::student::weights::{NORM_EPS, StudentWeights};

/// ONNX IR version written (onnxruntime 1.31 reads up to 13).
pub const IR_VERSION: i64 = 10;
/// Default-domain opset written.
pub const OPSET: i64 = 17;

/// What one call of an exported student runs: `chunks` consecutive chunks (1 to stream; more in
/// archive mode, see [`super::variant`]) of each of `streams` independent streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallShape {
    pub chunks: usize,
    pub streams: usize,
}

impl CallShape {
    /// One chunk of one stream: the contract-1 streaming model.
    pub const STREAMING: Self = Self {
        chunks: 1,
        streams: 1,
    };
}

/// A streaming state tensor: name stem and shape.
pub struct StateSpec {
    pub name: String,
    pub shape: Vec<usize>,
}

/// The state tensors of a student running `streams` streams per call, in graph order
/// (`state_in_<name>` / `state_out_<name>`).
pub fn state_specs(c: &StudentConfig, streams: usize) -> Vec<StateSpec> {
    let mut specs = Vec::new();
    for (i, conv) in c.conv.iter().enumerate() {
        if conv.tail() > 0 {
            specs.push(StateSpec {
                name: format!("conv{i}"),
                shape: vec![streams, conv.tail(), c.conv_in(i)],
            });
        }
    }
    specs.push(StateSpec {
        name: "valid".into(),
        shape: vec![streams, c.cache_frames()],
    });
    for l in 0..c.layers {
        for kv in ["k", "v"] {
            specs.push(StateSpec {
                name: format!("{kv}{l}"),
                shape: vec![streams, c.heads, c.cache_frames(), c.head_dim()],
            });
        }
    }
    specs
}

/// The ALiBi bias between one chunk's queries and the cache-plus-chunk keys, `[heads, chunk, keys]`:
/// `-slope * |query position - key position|`.
pub fn streaming_alibi(c: &StudentConfig) -> Vec<f32> {
    let (q_len, k_len, past) = (
        c.chunk_frames,
        c.cache_frames() + c.chunk_frames,
        c.cache_frames(),
    );
    let mut bias = Vec::with_capacity(c.heads * q_len * k_len);
    for slope in c.alibi_slopes() {
        for q in 0..q_len {
            for k in 0..k_len {
                bias.push(-slope * (past + q).abs_diff(k) as f32);
            }
        }
    }
    bias
}

/// Conv weights `[out, in, kernel]` as a dense `[kernel * in, out]` matrix over a window of
/// samples laid out time-major (`kernel` rows of `in` channels).
fn conv_as_dense(w: &[f32], outputs: usize, inputs: usize, kernel: usize) -> Vec<f32> {
    let mut dense = vec![0.0; w.len()];
    for o in 0..outputs {
        for i in 0..inputs {
            for k in 0..kernel {
                dense[(k * inputs + i) * outputs + o] = w[(o * inputs + i) * kernel + k];
            }
        }
    }
    dense
}
/// Builds the contract-1 model, each call running `shape`; `contract` must say so.
pub fn student_model(
    c: &StudentConfig,
    w: &StudentWeights,
    contract: &Contract,
    shape: CallShape,
) -> ModelProto {
    let mut g = GraphBuilder::default();
    let CallShape { chunks, streams } = shape;
    let specs = state_specs(c, streams);
    let audio = g.input("audio", &[streams, chunks * c.chunk_samples()]);
    let states: Vec<(String, String)> = specs
        .iter()
        .map(|s| {
            let input = g.input(&format!("state_in_{}", s.name), &s.shape);
            (s.name.clone(), input)
        })
        .collect();
    let (x, next_states) = encoder(&mut g, c, w, &audio, Some(&states), shape);
    let logits = g.dense(&x, &w.head.w, &w.head.b, c.d_model, c.classes.len());
    let probs = g.node("Sigmoid", &[&logits], vec![]);
    g.output(
        &probs,
        "probs",
        &[streams, chunks * c.chunk_frames, c.classes.len()],
    );
    for spec in &specs {
        let value = &next_states
            .iter()
            .find(|(n, _)| *n == spec.name)
            .expect("every state is updated")
            .1;
        g.output(value, &format!("state_out_{}", spec.name), &spec.shape);
    }
    model_proto(
        g.finish("hark_student"),
        "hark streaming student (contract 1)",
        contract.to_metadata(),
    )
}

/// The ONNX model around a finished graph.
pub fn model_proto(graph: GraphProto, doc: &str, metadata: Vec<(String, String)>) -> ModelProto {
    ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
        producer_name: "hark-train".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: doc.into(),
        graph: Some(graph),
        metadata_props: metadata
            .into_iter()
            .map(|(key, value)| StringStringEntryProto { key, value })
            .collect(),
    }
}

/// The network from `audio` (`shape.streams` rows of `shape.chunks` chunks) to the final-normed
/// frame features `[streams, frames, d]`. With `states` (name, input value) it streams: conv
/// tails and the key/value cache come from the state inputs, and their next values are returned.
/// Without, it runs one window on its own: it starts from silence and its frames attend to each
/// other only (a teacher).
pub fn encoder(
    g: &mut GraphBuilder,
    c: &StudentConfig,
    w: &StudentWeights,
    audio: &str,
    states: Option<&[(String, String)]>,
    shape: CallShape,
) -> (String, Vec<(String, String)>) {
    let CallShape { chunks, streams } = shape;
    let b = streams as i64;
    let (t, d, h, dh) = (chunks * c.chunk_frames, c.d_model, c.heads, c.head_dim());
    let keys = c.cache_frames() + t;
    let state = |name: &str| {
        states.map(|s| {
            s.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .expect("state declared")
        })
    };
    let mut next_states: Vec<(String, String)> = Vec::new();

    // Front end, time-major [streams, time, channels] like the transformer after it, so the layer
    // norms run over contiguous rows. Each conv layer prepends its saved tail, so it is causal.
    let mut len = chunks * c.chunk_samples();
    let mut x = g.reshape(audio, &[b, len as i64, 1]);
    for (i, (spec, cw)) in c.conv.iter().zip(&w.conv).enumerate() {
        let cin = c.conv_in(i);
        if spec.tail() > 0 {
            let name = format!("conv{i}");
            let joined = match state(&name) {
                Some(past) => {
                    let joined = g.node("Concat", &[&past, &x], vec![("axis", Attr::Int(1))]);
                    let total = (len + spec.tail()) as i64;
                    let kept = g.slice(&joined, 1, total - spec.tail() as i64, total);
                    next_states.push((name, kept));
                    joined
                }
                None => {
                    let zeros = vec![0.0; streams * spec.tail() * cin];
                    let silence = g.constant("silence", &[streams, spec.tail(), cin], &zeros);
                    g.node("Concat", &[&silence, &x], vec![("axis", Attr::Int(1))])
                }
            };
            x = joined;
        }
        // Each output frame's window is `span` consecutive blocks of `stride` steps, gathered as
        // one row so the whole layer is one matmul.
        let (frames, span) = (len / spec.stride, spec.kernel / spec.stride);
        let block = (spec.stride * cin) as i64;
        let blocks = g.reshape(&x, &[b, ((len + spec.tail()) / spec.stride) as i64, block]);
        let window: Vec<i64> = (0..frames)
            .flat_map(|f| (f..f + span).map(|b| b as i64))
            .collect();
        let window = g.ints_shaped("window", &[frames, span], &window);
        let windows = g.node("Gather", &[&blocks, &window], vec![("axis", Attr::Int(1))]);
        let windows = g.reshape(&windows, &[b, frames as i64, span as i64 * block]);
        let weight = conv_as_dense(&cw.w, spec.channels, cin, spec.kernel);
        x = g.dense(&windows, &weight, &cw.b, spec.kernel * cin, spec.channels);
        x = g.layer_norm(
            &x,
            [streams, frames],
            &cw.norm.gamma,
            &cw.norm.beta,
            NORM_EPS,
        );
        x = g.gelu(&x);
        len = frames;
    }

    // With several chunks per call (archive mode) each chunk attends to its own window of keys
    // (its cached past and itself, `span` frames), gathered from the call's keys, so it sees
    // exactly what it sees when streamed, at the streaming cost.
    let (cf, span) = (c.chunk_frames, c.cache_frames() + c.chunk_frames);
    let banded = chunks > 1 && states.is_some();
    let windows = banded.then(|| {
        let index: Vec<i64> = (0..chunks)
            .flat_map(|j| (j * cf..j * cf + span).map(|k| k as i64))
            .collect();
        g.ints_shaped("windows", &[chunks, span], &index)
    });
    let alibi_shape: &[usize] = match banded {
        true => &[1, h, 1, cf, span],
        false => &[1, h, t, keys],
    };
    let alibi = g.constant("alibi", alibi_shape, &streaming_alibi(c));
    let attn_bias = match state("valid") {
        // Which cached keys hold real frames: zeros at the start of a stream.
        Some(past_valid) => {
            let ones = g.constant("ones", &[streams, t], &vec![1.0; streams * t]);
            let valid = g.node(
                "Concat",
                &[&past_valid, &ones],
                vec![("axis", Attr::Int(1))],
            );
            let kept = g.slice(&valid, 1, t as i64, keys as i64);
            next_states.push(("valid".into(), kept));
            let one = g.constant("one", &[], &[1.0]);
            let big = g.constant("big", &[], &[1e9]);
            let invalid = g.node("Sub", &[&valid, &one], vec![]);
            let mask = g.node("Mul", &[&invalid, &big], vec![]);
            let mask = match &windows {
                Some(windows) => {
                    let mask = g.node("Gather", &[&mask, windows], vec![("axis", Attr::Int(1))]);
                    g.reshape(&mask, &[b, 1, chunks as i64, 1, span as i64])
                }
                None => g.reshape(&mask, &[b, 1, 1, keys as i64]),
            };
            g.node("Add", &[&alibi, &mask], vec![]) // [b, h, t, keys] or [b, h, chunks, cf, span]
        }
        None => alibi,
    };
    let scale = g.constant("scale", &[], &[1.0 / (dh as f32).sqrt()]);

    for (l, lw) in w.layers.iter().enumerate() {
        let a = g.layer_norm(
            &x,
            [streams, t],
            &lw.attn_norm.gamma,
            &lw.attn_norm.beta,
            NORM_EPS,
        );
        let qkv = g.dense(&a, &lw.qkv.w, &lw.qkv.b, d, 3 * d); // [b, t, 3d]
        let qkv = g.reshape(&qkv, &[b, t as i64, 3 * h as i64, dh as i64]);
        let qkv = g.transpose(&qkv, &[0, 2, 1, 3]); // [b, 3h, t, dh]
        let split = g.ints("split", &[h as i64; 3]);
        let parts = g.node_n("Split", &[&qkv, &split], vec![("axis", Attr::Int(1))], 3);
        let q = g.node("Mul", &[&parts[0], &scale], vec![]);
        let mut kv = Vec::new();
        for (name, part) in [("k", &parts[1]), ("v", &parts[2])] {
            let name = format!("{name}{l}");
            match state(&name) {
                Some(past) => {
                    let full = g.node("Concat", &[&past, part], vec![("axis", Attr::Int(2))]);
                    let kept = g.slice(&full, 2, t as i64, keys as i64);
                    next_states.push((name, kept));
                    kv.push(full); // [b, h, keys, dh]
                }
                None => kv.push(part.clone()),
            }
        }
        let (q, k, v) = match &windows {
            Some(windows) => {
                let gather = |g: &mut GraphBuilder, x: &str| {
                    g.node("Gather", &[x, windows], vec![("axis", Attr::Int(2))])
                };
                let q = g.reshape(&q, &[b, h as i64, chunks as i64, cf as i64, dh as i64]);
                (q, gather(g, &kv[0]), gather(g, &kv[1])) // [b, h, chunks, span, dh]
            }
            None => (q, kv[0].clone(), kv[1].clone()),
        };
        let last_two = |rank: usize| -> Vec<i64> {
            let mut perm: Vec<i64> = (0..rank as i64).collect();
            perm.swap(rank - 2, rank - 1);
            perm
        };
        let kt = g.transpose(&k, &last_two(if banded { 5 } else { 4 }));
        let scores = g.node("MatMul", &[&q, &kt], vec![]); // [b, h, t, keys]
        let scores = g.node("Add", &[&scores, &attn_bias], vec![]);
        let p = g.node("Softmax", &[&scores], vec![("axis", Attr::Int(-1))]);
        let o = g.node("MatMul", &[&p, &v], vec![]); // [b, h, t, dh]
        let o = match banded {
            true => g.reshape(&o, &[b, h as i64, t as i64, dh as i64]),
            false => o,
        };
        let o = g.transpose(&o, &[0, 2, 1, 3]);
        let o = g.reshape(&o, &[b, t as i64, d as i64]);
        let o = g.dense(&o, &lw.out.w, &lw.out.b, d, d);
        x = g.node("Add", &[&x, &o], vec![]);

        let f = g.layer_norm(
            &x,
            [streams, t],
            &lw.ffn_norm.gamma,
            &lw.ffn_norm.beta,
            NORM_EPS,
        );
        let f = g.dense(&f, &lw.ffn_in.w, &lw.ffn_in.b, d, c.ffn);
        let f = g.gelu(&f);
        let f = g.dense(&f, &lw.ffn_out.w, &lw.ffn_out.b, c.ffn, d);
        x = g.node("Add", &[&x, &f], vec![]);
    }
    let x = g.layer_norm(
        &x,
        [streams, t],
        &w.final_norm.gamma,
        &w.final_norm.beta,
        NORM_EPS,
    );
    (x, next_states)
}
