//! The subcommands of the `hark` binary, one module each.

pub mod bench;
pub mod detect;
pub mod eval;
pub mod info;

use std::path::Path;

use anyhow::{Context, Result};
use hark::model::Model;

/// The model at `path`, or the embedded default model.
pub fn load_model(path: Option<&Path>) -> Result<Model> {
    match path {
        Some(p) => Model::load(p).with_context(|| format!("{}", p.display())),
        None => Model::from_bytes(hark::DEFAULT_MODEL).context("the embedded default model"),
    }
}
