//! `hark-train presets`: the student tiers and the teacher sizes, with their parameters and cost.

use anyhow::Result;
use hark_train::student::presets::{PRESETS, preset};
use hark_train::teacher::presets::{DEFAULT_WINDOW_S, TEACHER_PRESETS, teacher_preset};

/// `hark-train presets`.
pub fn run() -> Result<()> {
    for (name, tier) in PRESETS {
        let c = preset(name, vec!["vocalization".into()])?;
        println!(
            "{name:10} {:>9} parameters {:>7.1} MMAC/s  {tier}",
            c.parameters(),
            c.macs_per_second() as f64 / 1e6
        );
    }
    for (name, what) in TEACHER_PRESETS {
        let c = teacher_preset(name, vec!["vocalization".into()], DEFAULT_WINDOW_S)?;
        println!(
            "{name:10} {:>9} parameters {:>7.1} MMAC/s  teacher, {DEFAULT_WINDOW_S} s windows: {what}",
            c.parameters(),
            c.macs_per_second() as f64 / 1e6
        );
    }
    Ok(())
}
