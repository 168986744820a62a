//! `hark detect`: vocalizations in recordings, as Raven selection tables.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use hark::decode::ChannelChoice;
use hark::events::EventRules;
use hark::pipeline::detect_file;
use hark::sinks::{raven_table, raven_table_name, write_atomic};

use super::load_model;

pub fn detect(file: &Path, model: Option<&Path>, out: Option<&Path>) -> Result<()> {
    let model = Arc::new(load_model(model)?);
    let rules = EventRules::from_contract(&model.contract);
    let result = detect_file(&model, file, ChannelChoice::MixDown, rules)
        .with_context(|| format!("{}", file.display()))?;
    if result.non_finite_samples > 0 {
        eprintln!(
            "hark: warning: {}: {} NaN/infinite samples replaced by silence",
            file.display(),
            result.non_finite_samples
        );
    }
    let nyquist = model.contract.sample_rate.min(result.info.sample_rate) as f64 / 2.0;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let table = raven_table(
        &result.events,
        &model.contract.classes,
        (0.0, nyquist),
        &name,
    );
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join(raven_table_name(file));
            write_atomic(&path, table.as_bytes())?;
            eprintln!(
                "{}: {} events in {:.1} s of audio -> {}",
                file.display(),
                result.events.len(),
                result.duration_s,
                path.display()
            );
        }
        None => print!("{table}"),
    }
    Ok(())
}
