//! `hark bench`: streaming speed on one thread, against the core's GEMM peak.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use hark::precision::Precision;

use super::load_model;

pub fn bench(
    path: Option<&Path>,
    precision: Option<Precision>,
    seconds: f64,
    peak: bool,
    nodes: Option<usize>,
) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "hark: warning: this is a debug build; measure with `cargo run --release -p hark -- bench`"
        );
    }
    let (model, name) = load_model(path, precision)?;
    let model = Arc::new(model);
    println!("model                {name}");
    let macs = model.contract.macs_per_second as f64;
    // An int8 model is held against tract's int8 product, an f32 one against its f32 product.
    let int8 = model.int8_matmuls() > 0;
    let precision = if int8 { "int8" } else { "f32" };
    // Alternate model and GEMM runs so both see the same machine state.
    let (mut best_rtf, mut best_gemm) = (f64::INFINITY, 0.0f64);
    let mut report = None;
    for _ in 0..3 {
        let r = hark::bench::stream(&model, seconds / 3.0)?;
        if peak {
            best_gemm = best_gemm.max(hark::bench::gemm(512, 512, 512, int8, 5)?);
        }
        if r.rtf() < best_rtf {
            best_rtf = r.rtf();
            report = Some(r);
        }
    }
    let r = report.context("no runs")?;
    let achieved = macs / r.rtf();
    println!(
        "audio streamed       {:.0} s in {:.2} s (best of 3 runs)",
        r.audio_s, r.wall_s
    );
    println!(
        "real-time factor     {:.5} ({:.0}x real time)",
        r.rtf(),
        1.0 / r.rtf()
    );
    println!(
        "chunk latency        p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        r.chunk_ms.0, r.chunk_ms.1, r.chunk_ms.2
    );
    println!(
        "model cost           {:.1} MMAC per audio second",
        macs / 1e6
    );
    println!("achieved             {:.2} GMAC/s", achieved / 1e9);
    if peak {
        println!(
            "{precision:<4} GEMM peak       {:.2} GMAC/s (512x512x512 in tract, one thread)",
            best_gemm / 1e9
        );
        println!(
            "efficiency           {:.1} % of peak",
            100.0 * achieved / best_gemm
        );
    }
    if let Some(n) = nodes {
        let chunks = (seconds * model.contract.sample_rate as f64
            / model.contract.chunk_samples as f64)
            .ceil() as usize;
        let profile = hark::bench::node_profile(&model, chunks.max(1))?;
        let total: f64 = profile.iter().map(|p| p.micros_per_chunk).sum();
        println!(
            "\noperators            {} nodes, {total:.0} us per chunk (timed one by one); slowest {n}:",
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
    }
    Ok(())
}
