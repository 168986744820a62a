//! Hardware tiers: the budgets a student preset of each tier must keep (per audio second of
//! streaming, weights, and RAM for state and activations), and the boards each tier is for.

/// A class of boards and the model budget that runs on all of them in real time with headroom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tier {
    /// The tier's name, which is also its `hark-train` preset's name.
    pub name: &'static str,
    /// The boards (profile names) the tier is for.
    pub boards: &'static [&'static str],
    /// Multiply-accumulates per second of audio, at most.
    pub max_macs_per_second: u64,
    /// Weight bytes at int8, at most (`None`: bounded by the boards' storage, not by the tier).
    pub max_weight_bytes: Option<u64>,
    /// RAM for the streaming state and one chunk's activations, at most.
    pub max_ram_bytes: Option<u64>,
    /// Input sample rates the tier's models may use, Hz.
    pub sample_rates: &'static [u32],
}

/// Cortex-M recorders: the firmware's int8 engine, no operating system.
pub const MCU: Tier = Tier {
    name: "mcu",
    boards: &["audiomoth", "stm32h743"],
    max_macs_per_second: 10_000_000,
    max_weight_bytes: Some(64 * 1024),
    max_ram_bytes: Some(48 * 1024),
    sample_rates: &[8_000, 16_000],
};

/// Small Linux field recorders: Raspberry Pi Zero 2 W and Pi 4, one core.
pub const RECORDER: Tier = Tier {
    name: "recorder",
    boards: &["pi-zero-2w", "pi4"],
    max_macs_per_second: 50_000_000,
    max_weight_bytes: None,
    max_ram_bytes: None,
    sample_rates: &[16_000, 32_000, 48_000],
};

/// Raspberry Pi 5 and laptops.
pub const PI5: Tier = Tier {
    name: "pi5",
    boards: &["pi5"],
    max_macs_per_second: 250_000_000,
    max_weight_bytes: None,
    max_ram_bytes: None,
    sample_rates: &[16_000, 32_000, 48_000],
};

/// Jetson Orin-class GPUs.
pub const JETSON: Tier = Tier {
    name: "jetson",
    boards: &["jetson-orin-nano"],
    max_macs_per_second: 2_000_000_000,
    max_weight_bytes: None,
    max_ram_bytes: None,
    sample_rates: &[16_000, 32_000, 48_000],
};

/// Every tier, smallest first.
pub const TIERS: &[Tier] = &[MCU, RECORDER, PI5, JETSON];

/// The tier of this name.
pub fn tier(name: &str) -> Option<&'static Tier> {
    TIERS.iter().find(|t| t.name == name)
}
