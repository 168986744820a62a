//! `hark`: the field CLI.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hark::precision::Precision;

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
        /// Which embedded default model (default: the faster on this machine's architecture).
        #[arg(long, value_enum, conflicts_with = "model")]
        precision: Option<Precision>,
    },
    /// Detect vocalizations in recordings: one event table per recording (Raven by default).
    Detect(cli::detect::DetectArgs),
    /// Score predicted events against reference annotations: precision, recall, F1 and timing
    /// errors, per class and overall.
    Eval(cli::eval::EvalArgs),
    /// Measure streaming speed on one thread (use a release build), against the core's GEMM peak.
    Bench {
        /// Model file (default: the embedded default model).
        model: Option<PathBuf>,
        /// Which embedded default model (default: the faster on this machine's architecture).
        #[arg(long, value_enum, conflicts_with = "model")]
        precision: Option<Precision>,
        /// Seconds of audio to stream.
        #[arg(long, default_value_t = 600.0)]
        seconds: f64,
        /// Skip the GEMM peak (e.g. when counting instructions under an emulator).
        #[arg(long)]
        no_peak: bool,
        /// Also time each operator of the optimized graph and list the N slowest.
        #[arg(long, value_name = "N")]
        nodes: Option<usize>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Info { model, precision } => cli::info::info(model.as_deref(), *precision),
        Command::Detect(args) => cli::detect::detect(args),
        Command::Bench {
            model,
            precision,
            seconds,
            no_peak,
            nodes,
        } => cli::bench::bench(model.as_deref(), *precision, *seconds, !no_peak, *nodes),
        Command::Eval(args) => cli::eval::eval(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hark: {e:#}");
            ExitCode::FAILURE
        }
    }
}
