//! Architecture presets, one per hardware tier. See docs/presets.md for their costs.

use super::config::{ConvSpec, StudentConfig};

/// The preset used when none is named: the small field-recorder tier.
pub const DEFAULT_PRESET: &str = "recorder";

/// Every preset name with the hardware it is sized for. Each is named after its hardware tier
/// (`hark_hardware::tier`) and kept within that tier's budget (tests/tests/presets.rs).
pub const PRESETS: &[(&str, &str)] = &[
    (
        "mcu",
        "tiny: Cortex-M recorders (AudioMoth, STM32H7), <= 10 MMAC per audio second, <= 64 KB int8 weights, <= 48 KB RAM",
    ),
    (
        "recorder",
        "small: Raspberry Pi Zero 2 W / Pi 4 field recorders, <= 50 MMAC per audio second",
    ),
    ("pi5", "medium: Raspberry Pi 5 and laptops"),
    ("jetson", "large: Jetson Orin-class GPUs"),
];

/// A conv layer of the front end, written compactly in preset tables.
pub(crate) const fn conv(kernel: usize, stride: usize, channels: usize) -> ConvSpec {
    ConvSpec {
        kernel,
        stride,
        channels,
    }
}

/// The architecture of a named preset, for the given class names.
pub fn preset(name: &str, classes: Vec<String>) -> anyhow::Result<StudentConfig> {
    let (front, d_model, heads, layers, ffn) = match name {
        // Most of an MCU's budget goes to attention: narrow layers, two heads.
        "mcu" => (
            vec![
                conv(20, 10, 16),
                conv(8, 4, 32),
                conv(4, 2, 32),
                conv(4, 2, 40),
            ],
            40,
            2,
            2,
            96,
        ),
        "recorder" => (
            vec![
                conv(20, 10, 32),
                conv(8, 4, 64),
                conv(4, 2, 64),
                conv(4, 2, 64),
            ],
            64,
            4,
            2,
            256,
        ),
        "pi5" => (
            vec![
                conv(10, 5, 48),
                conv(8, 4, 64),
                conv(4, 2, 96),
                conv(4, 2, 96),
                conv(2, 2, 96),
            ],
            96,
            4,
            3,
            384,
        ),
        "jetson" => (
            vec![
                conv(10, 5, 64),
                conv(8, 4, 128),
                conv(4, 2, 128),
                conv(4, 2, 192),
                conv(2, 2, 192),
            ],
            192,
            6,
            4,
            768,
        ),
        other => {
            let known: Vec<&str> = PRESETS.iter().map(|p| p.0).collect();
            anyhow::bail!(
                "unknown preset `{other}`; choose one of: {}",
                known.join(", ")
            )
        }
    };
    let config = StudentConfig {
        preset: name.to_string(),
        sample_rate: 16_000,
        conv: front,
        d_model,
        heads,
        layers,
        ffn,
        chunk_frames: 16,
        past_chunks: 7,
        classes,
    };
    config.check()?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_meet_the_streaming_contract() {
        for (name, _) in PRESETS {
            let c = preset(name, vec!["syllable".into()]).unwrap();
            let hop_ms = 1000.0 * c.hop_samples() as f64 / c.sample_rate as f64;
            let chunk_ms = hop_ms * c.chunk_frames as f64;
            let context_s = c.cache_frames() as f64 * hop_ms / 1000.0;
            assert!(
                hop_ms <= 10.0 && chunk_ms <= 160.0 && context_s >= 1.0,
                "{name}"
            );
        }
    }

    #[test]
    fn default_preset_is_within_budget() {
        let c = preset(DEFAULT_PRESET, vec!["syllable".into()]).unwrap();
        assert!(c.macs_per_second() <= 50_000_000, "{}", c.macs_per_second());
    }
}
