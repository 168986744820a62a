//! Flags whose values are library enums: `--device` and `--split`, mapped here onto
//! [`Compute`] and [`Split`], which know nothing of clap.

use clap::ValueEnum;
use hark_train::device::Compute;
use hark_train::synth::Split;

/// `--device`: [`Compute`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceFlag {
    /// burn's pure-Rust CPU backend.
    Cpu,
    /// The first GPU with a Vulkan driver (needs a build with `--features gpu`).
    Gpu,
    /// The first NVIDIA GPU, through CUDA (needs a build with `--features cuda`).
    Cuda,
}

impl From<DeviceFlag> for Compute {
    fn from(flag: DeviceFlag) -> Self {
        match flag {
            DeviceFlag::Cpu => Compute::Cpu,
            DeviceFlag::Gpu => Compute::Gpu,
            DeviceFlag::Cuda => Compute::Cuda,
        }
    }
}

/// `--split`: [`Split`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitFlag {
    /// The files `hark-train train` trains on.
    Train,
    /// The files it validates on.
    Val,
    /// All of them.
    All,
}

impl From<SplitFlag> for Split {
    fn from(flag: SplitFlag) -> Self {
        match flag {
            SplitFlag::Train => Split::Train,
            SplitFlag::Val => Split::Val,
            SplitFlag::All => Split::All,
        }
    }
}
