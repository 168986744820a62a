//! `hark bench`: streaming speed on one thread, side by side: each model through tract with its
//! cache, the sliding-window baseline without one, onnxruntime on the same file, and the core's
//! GEMM peak. Runs alternate, three rounds, best of each, so all see the same machine state.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use hark::bench::{self, StreamReport};
use hark::model::Model;
use hark::model::backend::{Backend, gpu};
use hark::model::bundled::Bundled;
use hark::model::precision::Precision;

use super::model_flags::{ModelFlags, bundled_name};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Model files or bundled models' names (default: the bundled default model); a bundled
    /// model runs in each of its variants (f32, int8) unless --precision picks one.
    #[arg(id = "model", value_name = "MODELS")]
    models: Vec<PathBuf>,
    #[command(flatten)]
    model_flags: ModelFlags,
    /// Seconds of audio to stream through each model (over three rounds).
    #[arg(long, default_value_t = 600.0)]
    seconds: f64,
    /// Skip the GEMM peak (e.g. when counting instructions under an emulator).
    #[arg(long)]
    no_peak: bool,
    /// Skip the sliding-window baseline.
    #[arg(long)]
    no_baseline: bool,
    /// Also stream each model through onnxruntime (needs a build with `--features onnxruntime`;
    /// the library comes from ORT_DYLIB_PATH or the onnxruntime wheel in .venv).
    #[arg(long)]
    onnxruntime: bool,
    /// Also stream each model as its file is written, without hark's load-time rewrites for
    /// tract's fast paths (tract's own optimizations only), to measure what they change.
    #[arg(long)]
    as_written: bool,
    /// Also time each operator of the optimized graph and list the N slowest.
    #[arg(long, value_name = "N")]
    nodes: Option<usize>,
    /// Many streams per call: each model must run B streams (`hark-train batch --batch B`).
    /// Reports the aggregate real-time factor, chunk latency, and whether B streams keep up in
    /// real time with p99 chunk latency <= 50 ms.
    #[arg(long, value_name = "B", conflicts_with_all = ["onnxruntime", "nodes", "precision", "as_written"])]
    streams: Option<usize>,
}

/// One line of the table: what runs, and its best round.
struct Row {
    model: usize,
    runner: Runner,
    best: Option<StreamReport>,
}

#[derive(Clone, Copy, PartialEq)]
enum Runner {
    Streaming,
    AsWritten,
    SlidingWindow,
    Onnxruntime,
}

struct Loaded {
    name: String,
    bytes: Vec<u8>,
    model: Arc<Model>,
    /// The same file without the load-time rewrites, with `--as-written`.
    as_written: Option<Arc<Model>>,
}

fn load(args: &BenchArgs, backend: Backend) -> Result<Vec<Loaded>> {
    let loaded = |name: String, bytes: Vec<u8>| -> Result<Loaded> {
        let model = Model::from_bytes_on(&bytes, backend).with_context(|| name.clone())?;
        let as_written = match args.as_written {
            true => Some(Arc::new(
                Model::from_bytes_as_written(&bytes, backend).with_context(|| name.clone())?,
            )),
            false => None,
        };
        Ok(Loaded {
            name,
            bytes,
            model: Arc::new(model),
            as_written,
        })
    };
    let variants = |bundled: &Bundled| -> Result<Vec<Loaded>> {
        let asked = args.model_flags.precision();
        let mut out = Vec::new();
        for p in asked.map_or(vec![Precision::F32, Precision::Int8], |p| vec![p]) {
            match bundled.variant(p) {
                Ok((bytes, name)) => out.push(loaded(name, bytes.to_vec())?),
                // Without --precision, the variants the model has.
                Err(e) if asked.is_some() => return Err(e),
                Err(_) => {}
            }
        }
        Ok(out)
    };
    if args.models.is_empty() {
        return variants(Bundled::default_model());
    }
    let mut all = Vec::new();
    for path in &args.models {
        match bundled_name(path) {
            Some(bundled) => all.extend(variants(bundled)?),
            None => {
                args.model_flags.refuse_precision_for(path)?;
                let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
                all.push(loaded(path.display().to_string(), bytes)?);
            }
        }
    }
    Ok(all)
}

fn run(row: &Row, model: &Loaded, seconds: f64) -> Result<StreamReport> {
    match row.runner {
        Runner::Streaming => bench::stream(&model.model, seconds),
        Runner::AsWritten => {
            bench::stream(model.as_written.as_ref().context("not loaded")?, seconds)
        }
        Runner::SlidingWindow => bench::sliding_window(&model.model, seconds),
        Runner::Onnxruntime => onnxruntime(model, seconds),
    }
}

#[cfg(feature = "onnxruntime")]
fn onnxruntime(model: &Loaded, seconds: f64) -> Result<StreamReport> {
    bench::onnxruntime::stream(&model.bytes, &model.model, seconds)
}

#[cfg(not(feature = "onnxruntime"))]
fn onnxruntime(_: &Loaded, _: f64) -> Result<StreamReport> {
    bail!(NO_ONNXRUNTIME)
}

const NO_ONNXRUNTIME: &str =
    "this hark was built without onnxruntime: cargo build --release -p hark --features onnxruntime";

pub fn bench(args: &BenchArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "hark: warning: this is a debug build; measure with `cargo run --release -p hark -- bench`"
        );
    }
    if args.onnxruntime && !cfg!(feature = "onnxruntime") {
        bail!(NO_ONNXRUNTIME);
    }
    let backend = args.model_flags.backend();
    if let Some(streams) = args.streams {
        return bench_streams(args, backend, streams);
    }
    let models = load(args, backend)?;
    let mut rows = Vec::new();
    for m in 0..models.len() {
        rows.push(Row {
            model: m,
            runner: Runner::Streaming,
            best: None,
        });
        if args.as_written {
            rows.push(Row {
                model: m,
                runner: Runner::AsWritten,
                best: None,
            });
        }
        if m == 0 && !args.no_baseline {
            rows.push(Row {
                model: m,
                runner: Runner::SlidingWindow,
                best: None,
            });
        }
        if args.onnxruntime {
            rows.push(Row {
                model: m,
                runner: Runner::Onnxruntime,
                best: None,
            });
        }
    }
    // An int8 model is held against tract's int8 product, an f32 one against its f32 product.
    let int8 = |m: &Loaded| m.model.int8_matmuls() > 0;
    let mut peaks: Vec<(bool, f64)> = [false, true]
        .into_iter()
        .filter(|&kind| !args.no_peak && models.iter().any(|m| int8(m) == kind))
        .map(|kind| (kind, 0.0))
        .collect();

    let round_s = args.seconds / 3.0;
    let (mut rss_tract, mut ort_loaded) = (None, false);
    for _ in 0..3 {
        for row in rows.iter_mut() {
            let model = &models[row.model];
            let window = bench::receptive_field_chunks(&model.model) as f64;
            // The baseline runs its window once per chunk: as much wall time on less audio.
            let seconds = match row.runner {
                Runner::SlidingWindow => round_s / window,
                _ => round_s,
            };
            let r = run(row, model, seconds).with_context(|| model.name.clone())?;
            if row.best.as_ref().is_none_or(|b| r.rtf() < b.rtf()) {
                row.best = Some(r);
            }
            // The high-water mark only rises: read it until onnxruntime's library comes in.
            if row.runner == Runner::Onnxruntime {
                ort_loaded = true;
            } else if !ort_loaded {
                rss_tract = bench::memory::peak_rss_bytes();
            }
        }
        for (kind, best) in peaks.iter_mut() {
            *best = best.max(bench::gemm(512, 512, 512, *kind, 5)?);
        }
    }

    for (i, m) in models.iter().enumerate() {
        let c = &m.model.contract;
        println!(
            "model {}   {} ({}, {:.1} MMAC per audio second, {:.0} ms per call)",
            i + 1,
            m.name,
            if int8(m) { "int8" } else { "f32" },
            c.macs_per_second as f64 / 1e6,
            c.chunk_seconds() * 1e3
        );
    }
    println!(
        "\n{:<34} {:>11} {:>8}  {:>24}  {:>7} {:>8}",
        "run (best of 3)", "x real time", "RTF", "chunk ms p50 / p99 / max", "GMAC/s", "of peak"
    );
    for row in &rows {
        let (m, r) = (&models[row.model], row.best.as_ref().context("no runs")?);
        let what = match row.runner {
            Runner::Streaming => "tract, streaming".to_string(),
            Runner::AsWritten => "tract, streaming, as written".to_string(),
            Runner::SlidingWindow => format!(
                "tract, sliding window of {} chunks",
                bench::receptive_field_chunks(&m.model)
            ),
            Runner::Onnxruntime => "onnxruntime, streaming".to_string(),
        };
        let achieved = m.model.contract.macs_per_second as f64 / r.rtf();
        let share = peaks
            .iter()
            .find(|p| p.0 == int8(m))
            .map(|p| format!("{:.1} %", 100.0 * achieved / p.1))
            .unwrap_or_default();
        println!(
            "{:<34} {:>10.0}x {:>8.5}  {:>24}  {:>7.2} {:>8}",
            format!("{} {what}", row.model + 1),
            1.0 / r.rtf(),
            r.rtf(),
            format!(
                "{:.3} / {:.3} / {:.3}",
                r.chunk_ms.0, r.chunk_ms.1, r.chunk_ms.2
            ),
            achieved / 1e9,
            share
        );
    }
    println!();
    for (kind, best) in &peaks {
        let kind = if *kind { "int8" } else { "f32" };
        println!(
            "{kind:<4} GEMM peak       {:.2} GMAC/s (512x512x512 in tract, one thread)",
            best / 1e9
        );
    }
    let rtf = |model: usize, runner: Runner| {
        rows.iter()
            .find(|r| r.model == model && r.runner == runner)
            .and_then(|r| r.best.as_ref())
            .map(StreamReport::rtf)
    };
    if let (Some(s), Some(w)) = (rtf(0, Runner::Streaming), rtf(0, Runner::SlidingWindow)) {
        println!(
            "streaming            {:.1}x faster than the sliding window",
            w / s
        );
    }
    // Each model's speed against the first, in tract: the ratios the targets are stated in.
    for i in 1..models.len() {
        if let (Some(first), Some(this)) = (rtf(0, Runner::Streaming), rtf(i, Runner::Streaming)) {
            println!(
                "model {} / model 1    {:.2}x the speed (tract)",
                i + 1,
                first / this
            );
        }
    }
    for (i, _) in models.iter().enumerate() {
        if let (Some(fast), Some(written)) = (rtf(i, Runner::Streaming), rtf(i, Runner::AsWritten))
        {
            println!(
                "fast paths           {:.2}x the speed of the file as written, model {}",
                written / fast,
                i + 1
            );
        }
    }
    for (i, _) in models.iter().enumerate() {
        if let (Some(t), Some(o)) = (rtf(i, Runner::Streaming), rtf(i, Runner::Onnxruntime)) {
            println!(
                "tract / onnxruntime  {:.2}x the time, model {}",
                t / o,
                i + 1
            );
        }
    }
    if let Some(rss) = rss_tract {
        println!(
            "peak RSS             {:.1} MB (this process, tract runs{})",
            rss as f64 / 1e6,
            if args.onnxruntime {
                ", before onnxruntime loads"
            } else {
                ""
            }
        );
    }

    if let Some(n) = args.nodes {
        for (i, m) in models.iter().enumerate() {
            nodes(i, m, args.seconds, n)?;
        }
    }
    Ok(())
}

fn nodes(i: usize, m: &Loaded, seconds: f64, n: usize) -> Result<()> {
    let c = &m.model.contract;
    let chunks = (seconds * c.sample_rate as f64 / c.chunk_samples as f64).ceil() as usize;
    let profile = bench::node_profile(&m.model, chunks.max(1))?;
    let total: f64 = profile.iter().map(|p| p.micros_per_chunk).sum();
    println!(
        "\nmodel {} operators   {} nodes, {total:.0} us per chunk (timed one by one); slowest {n}:",
        i + 1,
        profile.len()
    );
    for p in profile.iter().take(n) {
        println!(
            "{:>9.1} us {:>5.1} %  {:<22} {}",
            p.micros_per_chunk,
            100.0 * p.micros_per_chunk / total,
            p.op,
            p.name
        );
    }
    Ok(())
}

/// The chunk latency up to which many streams count as live.
const LIVE_P99_MS: f64 = 50.0;

/// Chunks of every stream a GPU's probabilities are checked against the CPU's before timing,
/// and the largest difference allowed.
const CHECK_CHUNKS: usize = 3;
const MAX_DELTA_VS_CPU: f32 = 1e-4;

/// `hark bench --streams B`: each model runs B streams per call; best of three rounds.
fn bench_streams(args: &BenchArgs, backend: Backend, streams: usize) -> Result<()> {
    if args.models.is_empty() {
        bail!(
            "--streams {streams} needs a model exported for {streams} streams: \
             hark-train batch --model MODEL.onnx --batch {streams} --out MODEL-b{streams}.onnx"
        );
    }
    let models = load(args, backend)?;
    for m in &models {
        let have = m.model.contract.streams;
        if have != streams {
            bail!(
                "{} is exported for {have} stream(s) per call, not {streams}: \
                 re-export its one-stream source with hark-train batch --batch {streams}",
                m.name
            );
        }
    }
    let place = match backend {
        Backend::Cuda => gpu().map(|g| g.name).unwrap_or_else(|e| e),
        Backend::Cpu => "CPU, one thread".into(),
    };
    if backend == Backend::Cuda {
        for m in &models {
            let delta = bench::max_delta_vs_cpu(&m.model, &m.bytes, CHECK_CHUNKS)?;
            eprintln!(
                "{}: on {backend} within {delta:.1e} of the CPU ({CHECK_CHUNKS} chunks of every stream)",
                m.name
            );
            if delta > MAX_DELTA_VS_CPU {
                bail!(
                    "{}: {backend} differs from the CPU by {delta} (> {MAX_DELTA_VS_CPU})",
                    m.name
                );
            }
        }
    }
    let round_s = args.seconds / 3.0;
    println!(
        "{:<44} {:>7} {:>13} {:>11}  {:>24}  {:>9}",
        "model (best of 3)",
        "streams",
        "x real time",
        "per stream",
        "chunk ms p50 / p99 / max",
        "live"
    );
    for m in &models {
        let mut best: Option<StreamReport> = None;
        for _ in 0..3 {
            let r = bench::streams(&m.model, round_s).with_context(|| m.name.clone())?;
            if best.as_ref().is_none_or(|b| r.rtf() < b.rtf()) {
                best = Some(r);
            }
        }
        let r = best.context("no runs")?;
        // Live: every stream keeps up (calls take less time than the audio they hold) and a
        // call rarely takes longer than LIVE_P99_MS.
        let live = r.rtf() <= 1.0 && r.chunk_ms.1 <= LIVE_P99_MS;
        println!(
            "{:<44} {:>7} {:>12.0}x {:>10.1}x  {:>24}  {:>9}",
            m.name,
            streams,
            streams as f64 / r.rtf(),
            1.0 / r.rtf(),
            format!(
                "{:.3} / {:.3} / {:.3}",
                r.chunk_ms.0, r.chunk_ms.1, r.chunk_ms.2
            ),
            if live { "yes" } else { "no" }
        );
    }
    println!("\non {backend}: {place}");
    if backend == Backend::Cuda
        && let Ok(g) = gpu()
    {
        println!(
            "GPU memory in use {:.2} GB of {:.1} GB (the whole device, models still loaded)",
            g.memory_used_bytes as f64 / 1e9,
            g.memory_total_bytes as f64 / 1e9
        );
    }
    if let Some(rss) = bench::memory::peak_rss_bytes() {
        println!("peak RSS {:.1} MB", rss as f64 / 1e6);
    }
    Ok(())
}
