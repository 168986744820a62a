//! The subcommands of the `hark` binary, one module each.

pub mod bench;
pub mod detect;
pub mod eval;
pub mod info;

use std::path::Path;

use anyhow::{Context, Result};
use hark::model::Model;
use hark::precision::Precision;

/// The model at `path`, or the embedded default model of `precision` (default: the faster on
/// this target); with its name for messages.
pub fn load_model(path: Option<&Path>, precision: Option<Precision>) -> Result<(Model, String)> {
    match path {
        Some(p) => Ok((
            Model::load(p).with_context(|| format!("{}", p.display()))?,
            p.display().to_string(),
        )),
        None => {
            let (precision, why) = Precision::choose(precision);
            let name = format!("embedded default model, {precision} ({why})");
            let model = Model::from_bytes(precision.default_model()).context(name.clone())?;
            Ok((model, name))
        }
    }
}
