//! `hark-train presets`: the student tiers and the teacher sizes, with their parameters and cost
//! at each rate students are made at (only the first conv layer grows with the rate).

use anyhow::Result;
use hark_train::student::presets::{BASE_RATE, PRESETS, STUDENT_RATES, preset};
use hark_train::teacher::presets::{DEFAULT_WINDOW_S, TEACHER_PRESETS, teacher_preset};

/// `hark-train presets`.
pub fn run() -> Result<()> {
    let rates: Vec<String> = STUDENT_RATES
        .iter()
        .map(|r| format!("{} kHz", r / 1000))
        .collect();
    println!(
        "{:18} {:>10}  MMAC per audio second at {}",
        "preset",
        "parameters",
        rates.join(" / ")
    );
    for (name, tier) in PRESETS {
        let mut costs = Vec::new();
        for &rate in STUDENT_RATES {
            let c = preset(name, rate, vec!["vocalization".into()])?;
            costs.push(format!("{:.1}", c.macs_per_second() as f64 / 1e6));
        }
        let c = preset(name, BASE_RATE, vec!["vocalization".into()])?;
        println!(
            "{name:18} {:>10}  {:22}  {tier}",
            c.parameters(),
            costs.join(" / ")
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
            "{name:18} {:>10}  {:22}  teacher, {DEFAULT_WINDOW_S} s windows at 16 kHz: {what}",
            c.parameters(),
            format!("{:.1}", c.macs_per_second() as f64 / 1e6)
        );
    }
    Ok(())
}
