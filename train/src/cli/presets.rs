//! `hark-train presets`: the student tiers and the teacher sizes, with their parameters and cost
//! at each rate students are made at (only the first conv layer grows with the rate).

use anyhow::Result;
use hark_train::student::presets::{BASE_RATE, PRESETS, preset, rates};
use hark_train::teacher::presets::{DEFAULT_WINDOW_S, TEACHER_PRESETS, teacher_preset};

/// `hark-train presets`.
pub fn run() -> Result<()> {
    println!(
        "{:18} {:>10}  {:38}  tier",
        "preset", "parameters", "MMAC per audio second at each rate"
    );
    for (name, tier) in PRESETS {
        let mut costs = Vec::new();
        for &rate in rates(name) {
            let c = preset(name, rate, vec!["vocalization".into()])?;
            let mmac = c.macs_per_second() as f64 / 1e6;
            costs.push(format!("{} kHz {mmac:.1}", rate / 1000));
        }
        let c = preset(name, BASE_RATE, vec!["vocalization".into()])?;
        println!(
            "{name:18} {:>10}  {:38}  {tier}",
            c.parameters(),
            costs.join(", ")
        );
    }
    for (name, what) in TEACHER_PRESETS {
        let c = teacher_preset(
            name,
            BASE_RATE,
            vec!["vocalization".into()],
            DEFAULT_WINDOW_S,
        )?;
        println!(
            "{name:18} {:>10}  {:38}  teacher, {DEFAULT_WINDOW_S} s windows: {what}",
            c.parameters(),
            format!("16 kHz {:.1}", c.macs_per_second() as f64 / 1e6)
        );
    }
    Ok(())
}
