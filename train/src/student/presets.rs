//! Architecture presets, one per hardware tier. See docs/presets.md for their costs.

use super::config::{ConvSpec, StudentConfig};

/// The preset used when none is named: the small field-recorder tier.
pub const DEFAULT_PRESET: &str = "recorder";

/// The sample rate the preset tables are written for; [`at_rate`] moves a front end to others.
pub const BASE_RATE: u32 = 16_000;

/// Runs saved before models had a rate of their own were all at the base rate.
pub fn base_rate() -> u32 {
    BASE_RATE
}

/// The sample rates a preset's students are made at: its hardware tier's.
pub fn rates(name: &str) -> &'static [u32] {
    hark_hardware::tier::tier(name).map_or(&[], |t| t.sample_rates)
}

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

/// The conv front end `front`, written for [`BASE_RATE`], moved to `rate` Hz with the same hop
/// in time (10 ms): its first layer's stride and taps scale with the rate, so the layers above
/// see the same frames and cost the same at every rate.
pub(crate) fn at_rate(
    mut front: Vec<ConvSpec>,
    rate: u32,
    name: &str,
) -> anyhow::Result<Vec<ConvSpec>> {
    let first = &mut front[0];
    let scaled = first.stride as u64 * rate as u64;
    let step = BASE_RATE as u64 / gcd(BASE_RATE as u64, first.stride as u64);
    anyhow::ensure!(
        rate > 0 && scaled.is_multiple_of(BASE_RATE as u64),
        "preset `{name}` cannot keep its 10 ms hop at {rate} Hz: give a rate that is a \
         multiple of {step} Hz (16000, 32000 and 48000 are)"
    );
    let ratio = first.kernel / first.stride;
    first.stride = (scaled / BASE_RATE as u64) as usize;
    first.kernel = first.stride * ratio;
    Ok(front)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The architecture of a named preset at `rate` Hz, for the given class names.
pub fn preset(name: &str, rate: u32, classes: Vec<String>) -> anyhow::Result<StudentConfig> {
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
    anyhow::ensure!(
        rates(name).contains(&rate),
        "preset `{name}` is made at {} Hz (its hardware tier's rates), not at {rate} Hz",
        rates(name)
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let config = StudentConfig {
        preset: name.to_string(),
        sample_rate: rate,
        conv: at_rate(front, rate, name)?,
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
    fn presets_meet_the_streaming_contract_at_every_rate() {
        for (name, _) in PRESETS {
            for &rate in rates(name) {
                let c = preset(name, rate, vec!["syllable".into()]).unwrap();
                let hop_ms = 1000.0 * c.hop_samples() as f64 / c.sample_rate as f64;
                let chunk_ms = hop_ms * c.chunk_frames as f64;
                let context_s = c.cache_frames() as f64 * hop_ms / 1000.0;
                assert!(
                    hop_ms == 10.0 && chunk_ms <= 160.0 && context_s >= 1.0,
                    "{name} at {rate} Hz"
                );
            }
        }
    }

    #[test]
    fn only_the_first_layer_grows_with_the_rate() {
        let low = preset(DEFAULT_PRESET, 16_000, vec!["a".into()]).unwrap();
        let high = preset(DEFAULT_PRESET, 48_000, vec!["a".into()]).unwrap();
        assert_eq!(high.conv[0].stride, 3 * low.conv[0].stride);
        assert_eq!(high.conv[0].kernel, 3 * low.conv[0].kernel);
        assert_eq!(high.conv[1..], low.conv[1..]);
        let first_layer = |c: &StudentConfig| {
            let k = c.conv[0];
            (c.sample_rate as usize / k.stride * k.channels * k.kernel) as u64
        };
        assert_eq!(
            high.macs_per_second() - low.macs_per_second(),
            first_layer(&high) - first_layer(&low)
        );
    }

    #[test]
    fn rates_outside_the_tier_or_without_a_whole_hop_are_refused_by_name() {
        let err = preset("recorder", 22_050, vec!["a".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("22050 Hz") && err.contains("16000, 32000, 48000"),
            "{err}"
        );
        assert!(preset("mcu", 48_000, vec!["a".into()]).is_err());
        assert!(preset("mcu", 8_000, vec!["a".into()]).is_ok());
        let err = crate::teacher::presets::teacher_preset("teacher-cpu", 22_050, vec![], 2.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("multiple of 3200 Hz"), "{err}");
    }

    #[test]
    fn default_preset_is_within_budget() {
        let c = preset(DEFAULT_PRESET, BASE_RATE, vec!["syllable".into()]).unwrap();
        assert!(c.macs_per_second() <= 50_000_000, "{}", c.macs_per_second());
    }
}
