//! `hark`: the field CLI.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
        /// Model: an ONNX file, or a bundled model's name (`hark info` lists them) [default: default].
        model: Option<PathBuf>,
        #[command(flatten)]
        flags: cli::model_flags::ModelFlags,
    },
    /// Detect vocalizations in recordings: one event table per recording (Raven by default).
    Detect(cli::detect::DetectArgs),
    /// Listen live: a sound card (or a replayed recording) through the streaming model, events
    /// reported as they happen, to stdout, an event log, a Raven table and optional clips.
    Listen(cli::listen::ListenArgs),
    /// Score predicted events against reference annotations: precision, recall, F1 and timing
    /// errors, per class and overall.
    Eval(cli::eval::EvalArgs),
    /// Measure streaming speed on one thread (use a release build): the models through tract,
    /// a sliding-window baseline, onnxruntime, and the core's GEMM peak, side by side.
    Bench(cli::bench::BenchArgs),
    /// Does a model fit a board? Its parameters, weight bytes, state and activation RAM and MACs
    /// per audio second against the board's profile, a predicted real-time factor, and a verdict.
    Fit {
        /// Model: an ONNX file, or a bundled model's name (`hark info` lists them) [default: default].
        model: Option<PathBuf>,
        /// Board: a profile name (`--list` shows them) or a profile file of your own (.toml).
        #[arg(long, required_unless_present = "list")]
        board: Option<String>,
        /// Which variant of a bundled model (default: the faster on this machine's architecture).
        #[arg(long, value_enum)]
        precision: Option<cli::model_flags::PrecisionFlag>,
        /// List the board profiles.
        #[arg(long)]
        list: bool,
    },
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing to a reader that has gone (`| head`) would panic; the
    // default action ends the process quietly, as other command-line tools do.
    #[cfg(unix)]
    // SAFETY: called first, before any thread starts; SIG_DFL is a valid action for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Info { model, flags } => cli::info::info(model.as_deref(), flags),
        Command::Detect(args) => cli::detect::detect(args),
        Command::Listen(args) => cli::listen::listen(args),
        Command::Bench(args) => cli::bench::bench(args),
        Command::Fit {
            model,
            board: Some(board),
            precision,
            list: false,
        } => cli::fit::fit_model(board, model.as_deref(), *precision),
        Command::Fit { .. } => {
            cli::fit::list();
            Ok(())
        }
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
