//! `hark-train quantize`: an f32 student in, its int8 twin out, with a report of what changed.

use std::path::PathBuf;

use anyhow::{Context, Result};
use hark::model::protobuf::ModelProto;
use hark_train::export::metadata::set_metadata;
use hark_train::quantize::qat::{QatSettings, fine_tune};
use hark_train::quantize::scales::ActivationScale;
use hark_train::quantize::{Audio, QuantizeConfig, calibrate, compare, convert};
use prost::Message;

#[derive(clap::Args)]
pub struct QuantizeArgs {
    /// The f32 contract-1 student (from `hark-train export`).
    #[arg(long)]
    pub model: PathBuf,
    /// Calibration audio: files or folders (recursive; repeatable). Use training audio, never the
    /// recordings you report on.
    #[arg(long, required = true)]
    pub calib: Vec<PathBuf>,
    /// Seconds of calibration audio used at most.
    #[arg(long, default_value_t = 300.0)]
    pub calib_seconds: f64,
    /// How activation ranges are chosen: `mse` (least squared error) or `percentile`.
    #[arg(long, default_value = "mse", value_parser = ["mse", "percentile"])]
    pub method: String,
    /// The percentile of |x| that `--method percentile` clips at.
    #[arg(long, default_value_t = 99.99)]
    pub percentile: f64,
    /// Quantize the conv front end too (its first layer, on raw audio, always stays f32).
    #[arg(long)]
    pub front: bool,
    /// Quantize as the firmware runs it: the front end too, and the key/value cache carried in
    /// int8 per frame and head (then `hark-train export --firmware` writes its blob).
    #[arg(long)]
    pub firmware: bool,
    /// Quantization-aware fine-tuning first, for when static quantization loses too much: RUN is
    /// the training run --model was exported from (its data and settings are reused); its
    /// student trains on with the weight matmuls fake-quantized at the calibrated steps.
    #[arg(long, value_name = "RUN")]
    pub qat: Option<PathBuf>,
    /// Optimizer steps of --qat.
    #[arg(long, default_value_t = 300)]
    pub qat_steps: u64,
    /// Peak learning rate of --qat (warmup over a tenth of the steps, then cosine decay).
    #[arg(long, default_value_t = 1e-4)]
    pub qat_lr: f64,
    /// Run folder of --qat (checkpoints, metrics, the tuned f32 model) [default: RUN-qat].
    #[arg(long)]
    pub qat_out: Option<PathBuf>,
    /// Held-out audio to compare the f32 and int8 probabilities on (files or folders).
    #[arg(long)]
    pub check: Vec<PathBuf>,
    /// Seconds of --check audio used at most.
    #[arg(long, default_value_t = 300.0)]
    pub check_seconds: f64,
    /// The int8 model to write.
    #[arg(long, short)]
    pub out: PathBuf,
}

fn warn_failed(audio: &Audio, what: &str) {
    for (path, why) in &audio.failed {
        eprintln!("hark-train: skipped {what} file {}: {why}", path.display());
    }
}

/// `hark-train quantize`.
pub fn run(a: QuantizeArgs) -> Result<()> {
    let bytes =
        std::fs::read(&a.model).with_context(|| format!("cannot read {}", a.model.display()))?;
    let model = ModelProto::decode(bytes.as_slice())
        .with_context(|| format!("{} is not an ONNX model", a.model.display()))?;
    let contract = hark::model::Model::from_bytes(&bytes)
        .with_context(|| format!("{} is not a runnable hark model", a.model.display()))?
        .contract;
    anyhow::ensure!(
        a.percentile > 50.0 && a.percentile <= 100.0,
        "--percentile must be in (50, 100]"
    );
    let cfg = QuantizeConfig {
        calibration: a.calib.clone(),
        calibration_seconds: a.calib_seconds,
        method: match a.method.as_str() {
            "percentile" => ActivationScale::Percentile(a.percentile),
            _ => ActivationScale::Mse,
        },
        front: a.front || a.firmware,
        int8_cache: a.firmware,
    };
    anyhow::ensure!(
        a.qat.is_none() || !cfg.front,
        "--qat fine-tunes the transformer's and head's matmuls: leave out --front and --firmware"
    );
    let rate = contract.sample_rate;
    let calibration = Audio::load(&cfg.calibration, rate, cfg.calibration_seconds);
    warn_failed(&calibration, "calibration");
    let calibrated = calibrate(&model, &calibration, &cfg)
        .with_context(|| format!("calibrating {}", a.model.display()))?;
    let (mut int8, report) = match &a.qat {
        None => convert(&model, &calibrated, &cfg),
        Some(run) => {
            let settings = QatSettings {
                run: run.clone(),
                steps: a.qat_steps,
                lr: a.qat_lr,
                out: a.qat_out.clone().unwrap_or_else(|| {
                    let mut name = run.file_name().unwrap_or_default().to_os_string();
                    name.push("-qat");
                    run.with_file_name(name)
                }),
                show_progress: true,
            };
            let (tuned, calibrated, progress) = fine_tune(&calibrated, &settings)?;
            let (mut int8, report) = convert(&tuned, &calibrated, &cfg)?;
            set_metadata(
                &mut int8,
                "hark.provenance.qat",
                format!(
                    "fine-tuned {} steps with fake quantization from {} (run {}, best validation \
                     F1 {:.4} at step {})",
                    a.qat_steps,
                    run.display(),
                    settings.out.display(),
                    progress.best_f1,
                    progress.best_step
                ),
            );
            Ok((int8, report))
        }
    }
    .with_context(|| format!("quantizing {}", a.model.display()))?;
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    set_metadata(&mut int8, "hark.provenance.quantize_command", command);
    let out = int8.encode_to_vec();
    // The runtime must accept what we write.
    hark::model::Model::from_bytes(&out).context("the int8 model does not load in the runtime")?;
    hark::sinks::write_atomic(&a.out, &out)
        .with_context(|| format!("writing {}", a.out.display()))?;
    println!(
        "calibrated on {:.0} s of audio in {} files",
        report.calibration_seconds, report.calibration_files
    );
    for l in &report.layers {
        println!(
            "  int8 {:<12} activation step {:.3e}, weight error <= {:.2e}",
            l.weight, l.input_scale, l.weight_error
        );
    }
    for w in &report.kept_f32 {
        println!("  f32  {w}");
    }
    println!(
        "wrote {} ({} bytes; f32 source {} bytes)",
        a.out.display(),
        out.len(),
        bytes.len()
    );
    if !a.check.is_empty() {
        let check = Audio::load(&a.check, rate, a.check_seconds);
        warn_failed(&check, "check");
        let agreement = compare(&model, &int8, &check)?;
        println!(
            "int8 vs f32 on {:.0} s of held-out audio ({} frames): max |delta prob| {:.4}, mean {:.5}",
            check.seconds(rate),
            agreement.frames,
            agreement.max_delta,
            agreement.mean_delta
        );
    }
    Ok(())
}
