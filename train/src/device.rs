//! Where training runs: burn's CPU backend, a GPU through burn's Vulkan backend (cargo feature
//! `gpu`), or an NVIDIA GPU through burn's CUDA backend (cargo feature `cuda`).

use anyhow::Result;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// The kind of device a run trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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
        pin_default_device(self);
        match self {
            Compute::Cpu => Ok(Device::flex()),
            Compute::Gpu => gpu(),
            Compute::Cuda => cuda(),
        }
    }
}

/// burn puts optimizer state it loads (a resumed run's) on its default device, which a build
/// with GPU backends picks among them, CUDA first, whatever the run trains on: on a machine
/// without that GPU, resuming a CPU run would fail. `BURN_DEVICE` pins the default to the
/// run's device.
#[cfg(any(feature = "gpu", feature = "cuda"))]
fn pin_default_device(compute: Compute) {
    let name = match compute {
        Compute::Cpu => "flex",
        Compute::Gpu => "vulkan",
        Compute::Cuda => "cuda",
    };
    if std::env::var("BURN_DEVICE").as_deref() != Ok(name) {
        // SAFETY: hark-train asks for its device before it starts any thread, so nothing
        // reads the environment meanwhile.
        unsafe { std::env::set_var("BURN_DEVICE", name) };
    }
}

/// Without GPU backends burn's default device is the CPU's already.
#[cfg(not(any(feature = "gpu", feature = "cuda")))]
fn pin_default_device(_: Compute) {}

#[cfg(feature = "gpu")]
fn gpu() -> Result<Device> {
    first(
        burn::tensor::DeviceType::Vulkan,
        "no GPU with a Vulkan driver found (is the driver's Vulkan ICD installed?)",
    )
}

#[cfg(not(feature = "gpu"))]
fn gpu() -> Result<Device> {
    built_without("GPU", "gpu")
}

#[cfg(feature = "cuda")]
fn cuda() -> Result<Device> {
    first(
        burn::tensor::DeviceType::Cuda,
        "no NVIDIA GPU found (is the driver's libcuda.so.1 on the library path?)",
    )
}

#[cfg(not(feature = "cuda"))]
fn cuda() -> Result<Device> {
    built_without("CUDA", "cuda")
}

/// The first device of `kind`, or `missing` as the error.
#[cfg(any(feature = "gpu", feature = "cuda"))]
fn first(kind: burn::tensor::DeviceType, missing: &str) -> Result<Device> {
    use anyhow::Context;
    Device::enumerate(kind)
        .into_iter()
        .next()
        .context(missing.to_string())
}

/// The error of a build without the cargo `feature` that `what` needs.
#[cfg(not(all(feature = "gpu", feature = "cuda")))]
fn built_without(what: &str, feature: &str) -> Result<Device> {
    anyhow::bail!(
        "this hark-train was built without {what} support: cargo build --release -p hark-train --features {feature}"
    )
}
