//! `hark`: the field CLI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use hark::decode::ChannelChoice;
use hark::events::EventRules;
use hark::model::Model;
use hark::pipeline::detect_file;
use hark::sinks::{raven_table, raven_table_name, write_atomic};

#[derive(Parser)]
#[command(
    name = "hark",
    version,
    about = "Listen for animal vocalizations in raw audio"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a model's contract: rate, chunk, hop, latency, classes, thresholds, cost, provenance.
    Info {
        /// Model file (default: the embedded default model).
        model: Option<PathBuf>,
    },
    /// Detect vocalizations in an audio file and write a Raven selection table.
    Detect {
        /// WAV or FLAC file.
        file: PathBuf,
        /// Model file (default: the embedded default model).
        #[arg(long, short)]
        model: Option<PathBuf>,
        /// Folder for the selection table (default: print it to stdout).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Measure streaming speed on one thread (use a release build), against the core's GEMM peak.
    Bench {
        /// Model file (default: the embedded default model).
        model: Option<PathBuf>,
        /// Seconds of audio to stream.
        #[arg(long, default_value_t = 600.0)]
        seconds: f64,
        /// Also time each operator of the optimized graph and list the N slowest.
        #[arg(long, value_name = "N")]
        nodes: Option<usize>,
    },
}

fn load_model(path: Option<&Path>) -> Result<Model> {
    match path {
        Some(p) => Model::load(p).with_context(|| format!("{}", p.display())),
        None => Model::from_bytes(hark::DEFAULT_MODEL).context("the embedded default model"),
    }
}

fn info(path: Option<&Path>) -> Result<()> {
    let model = load_model(path)?;
    let c = &model.contract;
    let name = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "embedded default model".into());
    println!("model            {name} ({} bytes)", model.file_bytes);
    println!(
        "contract         1, {} weights, preset {}",
        c.quantization, c.preset
    );
    println!("sample rate      {} Hz", c.sample_rate);
    println!(
        "chunk            {} samples ({:.0} ms), {} frames",
        c.chunk_samples,
        c.chunk_seconds() * 1e3,
        c.frames_per_chunk
    );
    println!(
        "frame hop        {} samples ({:.1} ms)",
        c.hop_samples,
        c.hop_seconds() * 1e3
    );
    println!(
        "latency          {} samples ({:.0} ms)",
        c.latency_samples,
        1e3 * c.latency_samples as f64 / c.sample_rate as f64
    );
    println!("classes          {}", c.classes.join(", "));
    println!(
        "thresholds       on {:?}, off {:?}",
        c.on_thresholds, c.off_thresholds
    );
    println!(
        "events           min {:.3} s, merge gap {:.3} s",
        c.min_event_s, c.merge_gap_s
    );
    println!("parameters       {}", c.parameters);
    println!(
        "cost             {:.1} MMAC per audio second",
        c.macs_per_second as f64 / 1e6
    );
    let states: Vec<String> = model
        .states
        .iter()
        .map(|s| format!("{}{:?}", s.name, s.shape))
        .collect();
    println!("state            {}", states.join(" "));
    for (k, v) in &c.provenance {
        println!("provenance       {k}: {v}");
    }
    Ok(())
}

fn detect(file: &Path, model: Option<&Path>, out: Option<&Path>) -> Result<()> {
    let model = Arc::new(load_model(model)?);
    let rules = EventRules::from_contract(&model.contract);
    let result = detect_file(&model, file, ChannelChoice::MixDown, rules)
        .with_context(|| format!("{}", file.display()))?;
    if result.non_finite_samples > 0 {
        eprintln!(
            "hark: warning: {}: {} NaN/infinite samples replaced by silence",
            file.display(),
            result.non_finite_samples
        );
    }
    let nyquist = model.contract.sample_rate.min(result.info.sample_rate) as f64 / 2.0;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let table = raven_table(
        &result.events,
        &model.contract.classes,
        (0.0, nyquist),
        &name,
    );
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join(raven_table_name(file));
            write_atomic(&path, table.as_bytes())?;
            eprintln!(
                "{}: {} events in {:.1} s of audio -> {}",
                file.display(),
                result.events.len(),
                result.duration_s,
                path.display()
            );
        }
        None => print!("{table}"),
    }
    Ok(())
}

fn bench(path: Option<&Path>, seconds: f64, nodes: Option<usize>) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "hark: warning: this is a debug build; measure with `cargo run --release -p hark -- bench`"
        );
    }
    let model = Arc::new(load_model(path)?);
    let macs = model.contract.macs_per_second as f64;
    // Alternate model and GEMM runs so both see the same machine state.
    let (mut best_rtf, mut best_gemm) = (f64::INFINITY, 0.0f64);
    let mut report = None;
    for _ in 0..3 {
        let r = hark::bench::stream(&model, seconds / 3.0)?;
        best_gemm = best_gemm.max(hark::bench::gemm_peak(512, 5)?);
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
    println!(
        "f32 GEMM peak        {:.2} GMAC/s (512x512x512 in tract, one thread)",
        best_gemm / 1e9
    );
    println!(
        "efficiency           {:.1} % of peak",
        100.0 * achieved / best_gemm
    );
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Info { model } => info(model.as_deref()),
        Command::Detect { file, model, out } => detect(file, model.as_deref(), out.as_deref()),
        Command::Bench {
            model,
            seconds,
            nodes,
        } => bench(model.as_deref(), *seconds, *nodes),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hark: {e:#}");
            ExitCode::FAILURE
        }
    }
}
