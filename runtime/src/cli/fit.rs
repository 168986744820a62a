//! `hark fit`: does a model fit a board? Its parameters, weight bytes, state and activation RAM
//! and MACs per audio second against the board's profile, a predicted real-time factor, and a
//! verdict (exit status 1 when it does not fit).

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use hark_hardware::board::Board;
use hark_hardware::fit::{Verdict, fit};

use super::model_flags::{ModelFlags, PrecisionFlag, RuntimeFlag};

/// Every embedded board profile, one line each.
pub fn list() {
    for b in Board::all() {
        println!(
            "{:<18} {:<4} {} ({}), {:.0} MMAC/s int8",
            b.name,
            format!("{:?}", b.kind).to_lowercase(),
            b.title,
            b.processor,
            b.int8.macs_per_second / 1e6
        );
    }
}

fn kb(bytes: u64) -> String {
    match bytes as f64 / 1024.0 {
        kb if kb >= 1024.0 * 1024.0 => format!("{:.1} GB", kb / 1024.0 / 1024.0),
        kb if kb >= 1024.0 => format!("{:.1} MB", kb / 1024.0),
        kb => format!("{kb:.1} KB"),
    }
}

pub fn fit_model(board: &str, path: Option<&Path>, precision: Option<PrecisionFlag>) -> Result<()> {
    let board = Board::named(board).map_err(|e| anyhow!("{e}"))?;
    let (model, name) = ModelFlags {
        precision,
        runtime: RuntimeFlag::Cpu,
    }
    .load(path)?;
    let c = &model.contract;
    let (cost, how) = hark::model::cost::model_cost(&model, board.kind);
    let budget = board.budget();
    let f = fit(&cost, &budget);

    println!(
        "board          {} ({}; {})",
        board.title, board.processor, board.name
    );
    println!("model          {name}");
    println!("parameters     {}", c.parameters);
    let weights = match budget.weight_bytes {
        Some(flash) => format!(
            "{} ({how}) of {} flash ({:.0} %)",
            kb(cost.weight_bytes),
            kb(flash),
            100.0 * f.weight_share
        ),
        None => format!(
            "{} ({how}), in {}",
            kb(cost.weight_bytes),
            board.memory.storage
        ),
    };
    println!("weights        {weights}");
    println!("state          {}", kb(cost.state_bytes));
    println!(
        "activations    {} (the largest operator's inputs and output)",
        kb(cost.activation_bytes)
    );
    println!(
        "RAM            {} of {} ({:.1} %)",
        kb(cost.state_bytes + cost.activation_bytes),
        kb(budget.ram_bytes),
        100.0 * f.ram_share
    );
    println!(
        "compute        {:.1} MMAC per audio second",
        c.macs_per_second as f64 / 1e6
    );
    println!(
        "board int8     {:.0} MMAC/s sustained: {}",
        budget.macs_per_second / 1e6,
        board.int8.derivation
    );
    println!(
        "predicted      RTF {:.3}, {:.1}x real time",
        f.rtf,
        f.headroom()
    );
    let mut why = Vec::new();
    if f.rtf > 1.0 {
        why.push(format!("too slow for real time (RTF {:.2})", f.rtf));
    }
    if f.ram_share > 1.0 {
        why.push("state and activations exceed the RAM".to_string());
    }
    if f.weight_share > 1.0 {
        why.push("the weights exceed the flash".to_string());
    }
    match f.verdict() {
        Verdict::Fits => println!("verdict        FITS, with at least 2x headroom"),
        Verdict::Tight => println!(
            "verdict        FITS, TIGHT: under 2x real-time headroom or over 80 % of memory"
        ),
        Verdict::DoesNotFit => {
            println!("verdict        DOES NOT FIT: {}", why.join("; "));
            bail!("{name} does not fit {}", board.name);
        }
    }
    Ok(())
}
