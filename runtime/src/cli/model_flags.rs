//! The flags that choose a model and where it runs, one set shared by `detect`, `listen`,
//! `bench` and `info`, mapped here onto the library's types (which know nothing of clap).

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use hark::model::Model;
use hark::model::backend::Backend;
use hark::model::bundled::Bundled;
use hark::model::precision::Precision;

/// Which variant of a bundled model, and where the model runs. Each command names its own model
/// argument (a file, or a bundled model's name).
#[derive(Debug, Clone, Args)]
pub struct ModelFlags {
    /// Which variant of a bundled model (default: the faster on this machine's architecture).
    #[arg(long, value_enum)]
    pub precision: Option<PrecisionFlag>,
    /// Where the model runs: the CPU, or an NVIDIA GPU (a build with `--features cuda`; without
    /// a usable GPU, the CPU, saying why).
    #[arg(long, value_enum, default_value_t = RuntimeFlag::Cpu)]
    pub runtime: RuntimeFlag,
}

impl ModelFlags {
    /// The embedded default model asked for, if any.
    pub fn precision(&self) -> Option<Precision> {
        self.precision.map(Precision::from)
    }

    /// Where the model should run, or the CPU (saying why) where that cannot be used.
    pub fn backend(&self) -> Backend {
        usable(self.runtime.into())
    }

    /// The model file at `path`, or the bundled model it names (`finch`, `default`), or the
    /// default one; a bundled model at the chosen precision (default: the faster on this
    /// target). With its name for messages.
    pub fn load(&self, path: Option<&Path>) -> Result<(Model, String)> {
        let backend = self.backend();
        let bundled = match path {
            None => Bundled::default_model(),
            Some(p) => match bundled_name(p) {
                Some(b) => b,
                None => {
                    self.refuse_precision_for(p)?;
                    let model =
                        Model::load_on(p, backend).with_context(|| p.display().to_string())?;
                    return Ok((model, p.display().to_string()));
                }
            },
        };
        let (precision, why) = Precision::choose(self.precision());
        let (bytes, name) = bundled.variant(precision)?;
        let name = format!("{name} ({why})");
        let model = Model::from_bytes_on(bytes, backend).context(name.clone())?;
        Ok((model, name))
    }
}

impl ModelFlags {
    /// `path` must be a model file (not a bundled model's name), and `--precision`, which picks
    /// a bundled model's variant, must not be given with it.
    pub fn refuse_precision_for(&self, path: &Path) -> Result<()> {
        anyhow::ensure!(
            path.exists(),
            "{}: no such model file, and no bundled model of that name (bundled models: {})",
            path.display(),
            Bundled::names()
        );
        anyhow::ensure!(
            self.precision.is_none(),
            "--precision chooses a variant of a bundled model ({}), and {} is a model file",
            Bundled::names(),
            path.display()
        );
        Ok(())
    }
}

/// The bundled model `path` names, when no file of that name exists.
pub fn bundled_name(path: &Path) -> Option<&'static Bundled> {
    match path.exists() {
        true => None,
        false => Bundled::named(path.to_str()?),
    }
}

/// `--precision`: [`Precision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionFlag {
    /// 32-bit floats throughout.
    F32,
    /// int8 weight products (i8 x i8 -> i32), f32 elsewhere.
    Int8,
}

impl From<PrecisionFlag> for Precision {
    fn from(flag: PrecisionFlag) -> Self {
        match flag {
            PrecisionFlag::F32 => Precision::F32,
            PrecisionFlag::Int8 => Precision::Int8,
        }
    }
}

/// `--runtime`: [`Backend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuntimeFlag {
    Cpu,
    Cuda,
}

impl From<RuntimeFlag> for Backend {
    fn from(flag: RuntimeFlag) -> Self {
        match flag {
            RuntimeFlag::Cpu => Backend::Cpu,
            RuntimeFlag::Cuda => Backend::Cuda,
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
