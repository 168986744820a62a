//! `hark-train rules`: the best event rules on a tuning set as a table, the model's own for
//! comparison, and optionally a copy of the model with the best.

use std::path::PathBuf;

use anyhow::Result;
use hark_train::rules::{Candidate, tune, write};

#[derive(clap::Args)]
pub struct RulesArgs {
    /// The streaming student (contract 1).
    #[arg(long)]
    model: PathBuf,
    /// Annotated recordings to tune on (Raven tables next to the audio, or --csv).
    #[arg(long)]
    data: PathBuf,
    /// Annotation CSV instead of Raven tables next to the audio.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// The model file to write with the best rules (without it, only the table is printed).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// `hark-train rules`.
pub fn run(a: RulesArgs) -> Result<()> {
    let tuning = tune(&a.model, &a.data, a.csv.as_deref())?;
    println!("   on   off  min ms  event F1     TP     FP     FN");
    let row = |c: &Candidate, note: &str| {
        println!(
            "{:5.2} {:5.2} {:7.0} {:9.4} {:6} {:6} {:6}  {note}",
            c.on,
            c.off,
            c.min_event_s * 1000.0,
            c.counts.f1(),
            c.counts.tp,
            c.counts.fp,
            c.counts.fn_
        )
    };
    for (i, c) in tuning.ranked.iter().take(10).enumerate() {
        row(c, if i == 0 { "best" } else { "" });
    }
    row(&tuning.own, "the model's own rules");
    if let Some(out) = &a.out {
        write(&a.model, &tuning.ranked[0], &a.data, out)?;
        println!("wrote {} with the best rules", out.display());
    }
    Ok(())
}
