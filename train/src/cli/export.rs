//! `hark-train export`: a run's best weights as a contract-1 student or a contract-2 teacher, or
//! an int8 student as the firmware's blob.

use std::path::PathBuf;

use anyhow::Result;
use hark::model::contract::Boundaries;
use hark_train::export::firmware::export_firmware;
use hark_train::export::metadata::edit_contract;
use hark_train::export::run::export_run;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The run folder written by `hark-train train`, `finetune` or `distill`.
    #[arg(long, required_unless_present = "firmware")]
    run: Option<PathBuf>,
    /// The model file to write.
    #[arg(long, short)]
    out: PathBuf,
    /// Export a fine-tuned teacher (one window in; frame logits and features out).
    #[arg(long, conflicts_with = "firmware")]
    teacher: bool,
    /// Write the firmware blob (contract 3) of the int8 student given by --model.
    #[arg(long, requires = "model", conflicts_with = "run")]
    firmware: bool,
    /// The int8 student (from `hark-train quantize --front`) whose blob --firmware writes.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Independent streams per call (a student's fixed batch: B channels or microphones
    /// through one model call per chunk, each with its own state).
    #[arg(long, default_value_t = 1, conflicts_with_all = ["teacher", "firmware"])]
    batch: usize,
    /// A provenance entry to add, KEY=TEXT (repeatable): what the run cannot record itself,
    /// such as the licences of the audio it learned from.
    #[arg(long, value_parser = key_value, conflicts_with_all = ["teacher", "firmware"])]
    provenance: Vec<(String, String)>,
    /// Where the student's events start and end: `model`, where its probabilities cross its
    /// thresholds, or `energy`: the student says which stretches hold a call, the energy
    /// detector where each starts and ends (docs/model.md).
    #[arg(long, default_value = "model", conflicts_with_all = ["teacher", "firmware"])]
    boundaries: Boundaries,
}

/// `KEY=TEXT`, the key a plain name.
fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v))
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Ok((k.to_string(), v.to_string()))
        }
        _ => Err(format!(
            "`{s}` is not KEY=TEXT with a plain key (letters, digits, _)"
        )),
    }
}

/// `hark-train export`.
pub fn run(a: ExportArgs) -> Result<()> {
    let out = a.out;
    if a.firmware {
        let model = a.model.expect("clap requires --model with --firmware");
        let blob = export_firmware(&model, &out)?;
        println!(
            "wrote {} ({} bytes, hash {:08x}; engine RAM {} bytes)",
            out.display(),
            blob.size,
            blob.hash,
            blob.ram_bytes
        );
        return Ok(());
    }
    let run = a.run.expect("clap requires --run without --firmware");
    let c = export_run(&run, &out, a.teacher, a.batch)?;
    if !a.provenance.is_empty() || a.boundaries != Boundaries::Model {
        edit_contract(&out, |c| {
            c.provenance.extend(a.provenance);
            c.boundaries = a.boundaries;
        })?;
    }
    println!(
        "wrote {} ({} parameters, {:.1} MMAC per audio second)",
        out.display(),
        c.parameters(),
        c.macs_per_second() as f64 / 1e6
    );
    Ok(())
}
