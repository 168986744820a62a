//! `hark-train`: train and export streaming students. The binary is glue: it parses the command
//! line, runs the subcommand (`cli/`) and prints an error once.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match cli::run(cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hark-train: {e:#}");
            ExitCode::FAILURE
        }
    }
}
