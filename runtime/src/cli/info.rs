//! `hark info`: print a model's contract, and the models bundled in the binary.

use std::path::Path;

use anyhow::Result;
use hark::model::bundled::BUNDLED;

use super::model_flags::ModelFlags;

pub fn info(path: Option<&Path>, flags: &ModelFlags) -> Result<()> {
    let (model, name) = flags.load(path)?;
    let c = &model.contract;
    println!("model            {name} ({} bytes)", model.file_bytes);
    println!(
        "contract         1, {} weights, preset {}",
        c.quantization, c.preset
    );
    println!(
        "int8 matmuls     {} (i8 x i8 -> i32 in tract's plan)",
        model.int8_matmuls()
    );
    println!("sample rate      {} Hz", c.sample_rate);
    println!(
        "chunk            {} samples ({:.0} ms), {} frames",
        c.chunk_samples,
        c.chunk_seconds() * 1e3,
        c.frames_per_chunk
    );
    if c.streams != 1 {
        println!(
            "streams          {} per call, each with its own state",
            c.streams
        );
    }
    println!(
        "frame hop        {} samples ({:.1} ms)",
        c.hop_samples,
        c.hop_seconds() * 1e3
    );
    println!(
        "latency          {} samples ({:.0} ms)",
        c.latency_samples,
        1e3 * c.latency_samples as f64 / c.sample_rate as f64
    );
    println!("classes          {}", c.classes.join(", "));
    println!(
        "thresholds       on {:?}, off {:?}",
        c.on_thresholds, c.off_thresholds
    );
    println!(
        "events           min {:.3} s, merge gap {:.3} s, boundaries: {}",
        c.min_event_s,
        c.merge_gap_s,
        c.boundaries.name()
    );
    println!("parameters       {}", c.parameters);
    println!(
        "cost             {:.1} MMAC per audio second",
        c.macs_per_second as f64 / 1e6
    );
    let states: Vec<String> = model
        .states
        .iter()
        .map(|s| format!("{}{:?}", s.name, s.shape))
        .collect();
    println!("state            {}", states.join(" "));
    for (k, v) in &c.provenance {
        println!("provenance       {k}: {v}");
    }
    for (i, b) in BUNDLED.iter().enumerate() {
        let default = if i == 0 { " (default)" } else { "" };
        println!("bundled model    {}{default}: {}", b.name, b.about);
    }
    Ok(())
}
