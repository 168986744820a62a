//! `hark-train label`: what a teacher hears, as one Raven table per audio file; files that fail
//! are named and the command fails after the others are written.

use std::path::PathBuf;

use anyhow::Result;
use hark_train::teacher::label::{LabelRules, label};
use hark_train::teacher::tracks::TrackSource;

use super::teacher::TeacherArgs;

#[derive(clap::Args)]
pub struct LabelArgs {
    #[command(flatten)]
    teacher: TeacherArgs,
    /// Audio files or folders (WAV/FLAC, folders searched recursively).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Folder for the tables (`<stem>.Table.1.selections.txt`).
    #[arg(long, short)]
    out: PathBuf,
    /// Probability that opens an event.
    #[arg(long, default_value_t = 0.5)]
    on: f32,
    /// Probability below which an event closes.
    #[arg(long, default_value_t = 0.4)]
    off: f32,
    /// Shortest event kept (frame teachers), seconds.
    #[arg(long, default_value_t = 0.02)]
    min_event: f64,
}

/// `hark-train label`.
pub fn run(a: LabelArgs) -> Result<()> {
    let t = &a.teacher;
    let source = TrackSource::new(
        &t.teacher,
        t.teacher_config.as_deref(),
        &t.teacher_class,
        &t.exclude_class,
        t.clip_hop,
        &t.cache()?,
    )?;
    let rules = LabelRules {
        on: a.on,
        off: a.off,
        min_event_s: a.min_event,
    };
    let (files, events, failed) = label(&source, &a.inputs, &a.out, rules)?;
    println!(
        "labelled {files} files ({events} events) into {}",
        a.out.display()
    );
    anyhow::ensure!(
        failed.is_empty(),
        "{} files failed: {}",
        failed.len(),
        failed.join(", ")
    );
    Ok(())
}
