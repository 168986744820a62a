//! The teacher flags `distill` and `label` share: the model, the classes asked of it, and where
//! its answers are cached.

use std::path::PathBuf;

use anyhow::{Context, Result};

/// A teacher, the classes asked of it, and where its answers are kept.
#[derive(clap::Args)]
pub struct TeacherArgs {
    /// The teacher: an ONNX model with `hark.teacher` metadata, or any ONNX model with --teacher-config.
    #[arg(long)]
    pub teacher: PathBuf,
    /// TOML sidecar describing the teacher (rate, window, output kind, activation, classes).
    #[arg(long)]
    pub teacher_config: Option<PathBuf>,
    /// Teacher classes pooled into one: those whose names contain this (repeatable; default all).
    #[arg(long)]
    pub teacher_class: Vec<String>,
    /// Leave out teacher classes whose names contain this (repeatable).
    #[arg(long)]
    pub exclude_class: Vec<String>,
    /// Seconds between the windows a clip teacher is run on.
    #[arg(long, default_value_t = 1.5)]
    pub clip_hop: f64,
    /// Cache of teacher outputs [default: ~/.cache/hark/teachers].
    #[arg(long)]
    pub cache: Option<PathBuf>,
}

impl TeacherArgs {
    /// The cache folder: `--cache`, or `~/.cache/hark/teachers`.
    pub fn cache(&self) -> Result<PathBuf> {
        match &self.cache {
            Some(c) => Ok(c.clone()),
            None => Ok(std::env::var_os("HOME")
                .map(PathBuf::from)
                .context("no HOME for the default cache: give --cache")?
                .join(".cache/hark/teachers")),
        }
    }
}
