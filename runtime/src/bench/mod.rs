//! `hark bench`: how fast a model streams on one thread (with its cache, or re-running its
//! whole receptive field per chunk as a runtime without one must; through tract, or onnxruntime with
//! the `onnxruntime` feature), and the core's matrix-multiply peak measured the same way.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use prost::Message;
use tract_onnx::prelude::*;

use crate::model::Model;
use crate::model::multi_session::MultiSession;
use crate::model::protobuf::{
    GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, ValueInfoProto, data_type,
};
use crate::model::session::Session;

pub mod memory;
#[cfg(feature = "onnxruntime")]
pub mod onnxruntime;

/// What one streaming run measured.
#[derive(Debug, Clone)]
pub struct StreamReport {
    /// Seconds of audio streamed.
    pub audio_s: f64,
    /// Wall seconds spent in the model.
    pub wall_s: f64,
    /// Per-chunk latency percentiles, milliseconds: p50, p99, max.
    pub chunk_ms: (f64, f64, f64),
}

impl StreamReport {
    /// Real-time factor: wall time per audio time (lower is faster).
    pub fn rtf(&self) -> f64 {
        self.wall_s / self.audio_s
    }
}

/// Deterministic test audio: faint noise with a tone switched on and off every quarter second.
struct TestSignal {
    state: u32,
    t: usize,
}

impl TestSignal {
    fn new() -> Self {
        Self::seeded(0)
    }

    /// Another stream's signal: other noise, the tone at another phase.
    fn seeded(seed: u32) -> Self {
        Self {
            state: 0x2545_f491 ^ seed.wrapping_mul(0x9e37_79b9),
            t: seed as usize * 1_009,
        }
    }

    fn fill(&mut self, chunk: &mut [f32]) {
        for v in chunk.iter_mut() {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 17;
            self.state ^= self.state << 5;
            let noise = (self.state as f32 / u32::MAX as f32 - 0.5) * 0.02;
            let t = self.t;
            *v = noise + 0.1 * (t as f32 * 0.55).sin() * ((t / 4000) % 2) as f32;
            self.t += 1;
        }
    }
}

/// Feeds `seconds` of test audio, one chunk of `chunk_samples` at a time, to `step`, timing
/// each call.
pub fn timed_chunks(
    chunk_samples: usize,
    sample_rate: u32,
    seconds: f64,
    mut step: impl FnMut(&[f32]) -> Result<()>,
) -> Result<StreamReport> {
    let chunks = (seconds * sample_rate as f64 / chunk_samples as f64).ceil() as usize;
    let mut signal = TestSignal::new();
    let mut times = Vec::with_capacity(chunks);
    let mut chunk = vec![0.0f32; chunk_samples];
    for _ in 0..chunks.max(1) {
        signal.fill(&mut chunk);
        let start = Instant::now();
        step(&chunk)?;
        times.push(start.elapsed().as_secs_f64());
    }
    let wall_s = times.iter().sum();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| 1e3 * times[((times.len() - 1) as f64 * p).round() as usize];
    Ok(StreamReport {
        audio_s: (times.len() * chunk_samples) as f64 / sample_rate as f64,
        wall_s,
        chunk_ms: (pct(0.5), pct(0.99), pct(1.0)),
    })
}

/// Streams `seconds` of test audio through `model`, one chunk per call, carrying the state.
pub fn stream(model: &Arc<Model>, seconds: f64) -> Result<StreamReport> {
    let c = &model.contract;
    let mut session = Session::new(model.clone())?;
    let mut probs = Vec::new();
    timed_chunks(c.chunk_samples, c.sample_rate, seconds, |chunk| {
        probs.clear();
        session.push(chunk, &mut probs)
    })
}

/// Streams `seconds` of test audio through every stream of a many-stream `model` at once, one
/// call per chunk for all of them; the report's audio is one stream's. The first chunks run
/// untimed: a GPU compiles its kernels and sizes its memory on the first calls.
pub fn streams(model: &Arc<Model>, seconds: f64) -> Result<StreamReport> {
    let c = &model.contract;
    let mut session = MultiSession::new(model.clone())?;
    let mut probs = vec![Vec::new(); c.streams];
    let mut step = |chunk: &[f32]| {
        probs.iter_mut().for_each(Vec::clear);
        let blocks = vec![chunk; c.streams];
        session.push(&blocks, &mut probs)
    };
    timed_chunks(
        c.chunk_samples,
        c.sample_rate,
        3.0 * c.chunk_seconds(),
        &mut step,
    )?;
    timed_chunks(c.chunk_samples, c.sample_rate, seconds, step)
}

/// The largest difference between `model`'s probabilities (a many-stream model on any backend)
/// and those of the same file on the CPU, over `chunks` chunks of a different test signal per
/// stream: a GPU's plan checked against tract's CPU kernels before it is timed.
pub fn max_delta_vs_cpu(model: &Arc<Model>, bytes: &[u8], chunks: usize) -> Result<f32> {
    let c = &model.contract;
    let cpu = Arc::new(Model::from_bytes(bytes)?);
    let start = |m: Arc<Model>| MultiSession::new(m);
    let mut sessions = [start(model.clone())?, start(cpu)?];
    let mut signals: Vec<TestSignal> = (0..c.streams as u32).map(TestSignal::seeded).collect();
    let mut audio = vec![vec![0.0f32; c.chunk_samples]; c.streams];
    let mut worst = 0.0f32;
    for _ in 0..chunks {
        for (signal, stream) in signals.iter_mut().zip(&mut audio) {
            signal.fill(stream);
        }
        let blocks: Vec<&[f32]> = audio.iter().map(Vec::as_slice).collect();
        let mut probs = [vec![Vec::new(); c.streams], vec![Vec::new(); c.streams]];
        for (session, probs) in sessions.iter_mut().zip(&mut probs) {
            session.push(&blocks, probs)?;
        }
        let [here, on_cpu] = &probs;
        for (a, b) in here.iter().flatten().zip(on_cpu.iter().flatten()) {
            worst = worst.max((a - b).abs());
        }
    }
    Ok(worst)
}

/// Chunks a runtime without a cache must run again, from a fresh state, for every new chunk to
/// give the probabilities the cache gives: each attention layer reaches its cached chunks further
/// back (a hark student's key caches are the states `k0`, `k1`, ...; one layer where none is
/// named so), and the conv front end needs the samples before the first of them (one chunk).
pub fn receptive_field_chunks(model: &Model) -> usize {
    let is_key_cache = |name: &str| {
        name.strip_prefix('k')
            .is_some_and(|l| l.parse::<u32>().is_ok())
    };
    let layers = model
        .states
        .iter()
        .filter(|s| is_key_cache(&s.name))
        .count();
    let cached = model.states.iter().find(|s| s.name == "valid");
    let cached = cached.and_then(|s| s.shape.last()).copied().unwrap_or(0);
    let past = cached.div_ceil(model.contract.frames_per_chunk);
    let front = model.states.iter().any(|s| s.name.starts_with("conv"));
    layers.max(1) * past + 1 + front as usize
}

/// The baseline a runtime without a cache gives: for every new chunk, the last `window` chunks
/// run again from a fresh state, and the last one's probabilities are kept.
pub struct SlidingWindow {
    model: Arc<Model>,
    window: usize,
    recent: std::collections::VecDeque<Vec<f32>>,
    scratch: Vec<f32>,
}

impl SlidingWindow {
    pub fn new(model: Arc<Model>, window: usize) -> Self {
        Self {
            model,
            window,
            recent: Default::default(),
            scratch: Vec::new(),
        }
    }

    /// One new chunk in; the frame probabilities of that chunk appended to `probs`.
    pub fn push(&mut self, chunk: &[f32], probs: &mut Vec<f32>) -> Result<()> {
        if self.recent.len() == self.window {
            self.recent.pop_front();
        }
        self.recent.push_back(chunk.to_vec());
        let mut session = Session::new(self.model.clone())?;
        let newest = self.recent.len() - 1;
        for (i, chunk) in self.recent.iter().enumerate() {
            // Only the newest chunk's probabilities are the baseline's output.
            let out = match i == newest {
                true => &mut *probs,
                false => {
                    self.scratch.clear();
                    &mut self.scratch
                }
            };
            session.push(chunk, out)?;
        }
        Ok(())
    }
}

/// Streams `seconds` of test audio through the [`SlidingWindow`] baseline over the model's
/// [`receptive_field_chunks`].
pub fn sliding_window(model: &Arc<Model>, seconds: f64) -> Result<StreamReport> {
    let c = &model.contract;
    let window = receptive_field_chunks(model);
    let mut baseline = SlidingWindow::new(model.clone(), window);
    let mut probs = Vec::new();
    let mut step = |chunk: &[f32]| {
        probs.clear();
        baseline.push(chunk, &mut probs)
    };
    // Untimed, the chunks that fill the window: every timed chunk re-runs all of it.
    let filling = (window - 1) as f64 * c.chunk_seconds();
    timed_chunks(c.chunk_samples, c.sample_rate, filling, &mut step)?;
    timed_chunks(c.chunk_samples, c.sample_rate, seconds, step)
}

/// Time spent in one operator of the optimized graph, per chunk.
#[derive(Debug, Clone)]
pub struct NodeTime {
    /// tract's operator, e.g. `OptMatMul`.
    pub op: String,
    /// The node's name, derived from the ONNX node it came from.
    pub name: String,
    pub micros_per_chunk: f64,
}

/// Runs `chunks` chunks of test audio and times every operator; slowest first. Shows where a
/// model's time goes, which the MAC count alone does not.
pub fn node_profile(model: &Model, chunks: usize) -> Result<Vec<NodeTime>> {
    let c = &model.contract;
    let mut runner = model.plan.spawn()?;
    let mut state: Vec<TValue> = model
        .states
        .iter()
        .map(|s| Tensor::zero::<f32>(&s.shape).map(|t| t.into_tvalue()))
        .collect::<TractResult<_>>()?;
    let mut signal = TestSignal::new();
    let mut chunk = vec![0.0f32; c.chunk_samples];
    let mut totals: Vec<(f64, String, String)> = Vec::new();
    let warmup = chunks / 10;
    for i in 0..chunks + warmup {
        signal.fill(&mut chunk);
        let mut inputs = tvec![Tensor::from_shape(&[1, chunk.len()], &chunk)?.into_tvalue()];
        inputs.extend(state.drain(..));
        let mut outputs = runner.run_plan_with_eval(inputs, |ctx, op_state, node, input| {
            let start = Instant::now();
            let out = tract_onnx::tract_core::plan::eval(ctx, op_state, node, input);
            if i >= warmup {
                if totals.len() <= node.id {
                    totals.resize(node.id + 1, (0.0, String::new(), String::new()));
                }
                let entry = &mut totals[node.id];
                if entry.1.is_empty() {
                    (entry.1, entry.2) = (node.op().name().to_string(), node.name.clone());
                }
                entry.0 += start.elapsed().as_secs_f64();
            }
            out
        })?;
        state.extend(outputs.drain(1..));
    }
    let mut nodes: Vec<NodeTime> = totals
        .into_iter()
        .filter(|(_, op, _)| !op.is_empty())
        .map(|(t, op, name)| NodeTime {
            op,
            name,
            micros_per_chunk: t * 1e6 / chunks as f64,
        })
        .collect();
    nodes.sort_by(|a, b| b.micros_per_chunk.total_cmp(&a.micros_per_chunk));
    Ok(nodes)
}

fn value(name: &str, elem_type: i32, shape: &[usize]) -> ValueInfoProto {
    let mut v = ValueInfoProto::f32_tensor(name, shape);
    if let Some(t) = v.r#type.as_mut().and_then(|t| t.tensor_type.as_mut()) {
        t.elem_type = elem_type;
    }
    v
}

/// Multiply-accumulates per second of `[m, k] x [k, n]` with constant weights in tract, one
/// thread, best of `reps`: f32 `MatMul`, or with `int8` an i8 x i8 -> i32 `MatMulInteger`.
pub fn gemm(m: usize, k: usize, n: usize, int8: bool, reps: usize) -> Result<f64> {
    let (op, dt, out_dt, weight) = if int8 {
        let w: Vec<u8> = (0..k * n).map(|i| (i % 7) as u8).collect();
        ("MatMulInteger", data_type::INT8, data_type::INT32, w)
    } else {
        let w = (0..k * n)
            .flat_map(|i| (i as f32 * 1e-3).to_le_bytes())
            .collect();
        ("MatMul", data_type::FLOAT, data_type::FLOAT, w)
    };
    let graph = GraphProto {
        node: vec![NodeProto {
            input: vec!["a".into(), "w".into()],
            output: vec!["c".into()],
            name: "product".into(),
            op_type: op.into(),
            attribute: vec![],
        }],
        name: "gemm".into(),
        initializer: vec![TensorProto {
            dims: vec![k as i64, n as i64],
            data_type: dt,
            name: "w".into(),
            raw_data: weight,
        }],
        input: vec![value("a", dt, &[m, k])],
        output: vec![value("c", out_dt, &[m, n])],
    };
    let proto = ModelProto {
        ir_version: 10,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: 17,
        }],
        graph: Some(graph),
        ..Default::default()
    };
    let plan = tract_onnx::onnx()
        .model_for_read(&mut proto.encode_to_vec().as_slice())?
        .into_optimized()?
        .into_runnable()?;
    let a = if int8 {
        Tensor::from_shape(&[m, k], &vec![3i8; m * k])?
    } else {
        Tensor::from_shape(&[m, k], &vec![0.5f32; m * k])?
    }
    .into_tvalue();
    // Enough products per timing to dwarf the clock's resolution.
    let calls = (2e7 / (m * k * n) as f64).ceil() as usize;
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let start = Instant::now();
        for _ in 0..calls {
            plan.run(tvec![a.clone()])?;
        }
        best = best.min(start.elapsed().as_secs_f64() / calls as f64);
    }
    Ok((m * k * n) as f64 / best)
}
