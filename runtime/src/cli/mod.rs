//! The subcommands of the `hark` binary, one module each.

pub mod bench;
pub mod detect;
pub mod eval;
pub mod fit;
pub mod info;
pub mod listen;

use std::path::Path;

use anyhow::{Context, Result};
use hark::model::Model;
use hark::model::backend::Backend;
use hark::model::precision::Precision;

/// The model at `path`, or the embedded default model of `precision` (default: the faster on
/// this target), in archive mode for `files` where there is one, to run on `backend` (or the
/// CPU, saying why, where that cannot be used); with its name for messages.
pub fn load_model(
    path: Option<&Path>,
    precision: Option<Precision>,
    files: bool,
    backend: Backend,
) -> Result<(Model, String)> {
    let backend = usable(backend);
    match path {
        Some(p) => Ok((
            Model::load_on(p, backend).with_context(|| format!("{}", p.display()))?,
            p.display().to_string(),
        )),
        None => {
            let (precision, why) = Precision::choose(precision);
            let (bytes, name) = match precision.archive_model().filter(|_| files) {
                Some(archive) => (
                    archive,
                    format!("embedded default model, {precision} ({why}), archive mode"),
                ),
                None => (
                    precision.default_model(),
                    format!("embedded default model, {precision} ({why})"),
                ),
            };
            let model = Model::from_bytes_on(bytes, backend).context(name.clone())?;
            Ok((model, name))
        }
    }
}

/// `requested`, or the CPU with a message saying why the GPU cannot be used.
pub fn usable(requested: Backend) -> Backend {
    let (backend, why_not) = requested.usable();
    if let Some(why) = why_not {
        eprintln!("hark: cannot run on the GPU: {why}; running on the CPU");
    }
    backend
}
