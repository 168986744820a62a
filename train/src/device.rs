//! Where training runs: burn's CPU backend, a GPU through burn's Vulkan backend (cargo feature
//! `gpu`), or an NVIDIA GPU through burn's CUDA backend (cargo feature `cuda`).

use anyhow::Result;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// The kind of device a run trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Compute {
    /// burn's pure-Rust CPU backend.
    #[default]
    Cpu,
    /// The first GPU with a Vulkan driver (needs a build with `--features gpu`).
    Gpu,
    /// The first NVIDIA GPU, through CUDA (needs a build with `--features cuda`).
    Cuda,
}

impl Compute {
    /// The device to train on (plain: add `.autodiff()` for gradients).
    pub fn device(self) -> Result<Device> {
        match self {
            Compute::Cpu => Ok(Device::flex()),
            Compute::Gpu => gpu(),
            Compute::Cuda => cuda(),
        }
    }
}

#[cfg(feature = "gpu")]
fn gpu() -> Result<Device> {
    use anyhow::Context;
    Device::enumerate(burn::tensor::DeviceType::Vulkan)
        .into_iter()
        .next()
        .context("no GPU with a Vulkan driver found (is the driver's Vulkan ICD installed?)")
}

#[cfg(not(feature = "gpu"))]
fn gpu() -> Result<Device> {
    anyhow::bail!(
        "this hark-train was built without GPU support: cargo build --release -p hark-train --features gpu"
    )
}

#[cfg(feature = "cuda")]
fn cuda() -> Result<Device> {
    use anyhow::Context;
    Device::enumerate(burn::tensor::DeviceType::Cuda)
        .into_iter()
        .next()
        .context("no NVIDIA GPU found (is the driver's libcuda.so.1 on the library path?)")
}

#[cfg(not(feature = "cuda"))]
fn cuda() -> Result<Device> {
    anyhow::bail!(
        "this hark-train was built without CUDA support: cargo build --release -p hark-train --features cuda"
    )
}
