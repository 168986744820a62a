//! Quantization-aware fine-tuning (`hark-train quantize --qat RUN`), for when static
//! quantization loses too much.
//!
//! The run's student trains on with its weight matmuls fake-quantized at the calibrated input
//! steps (straight-through gradients, `student::fake_quant`), and is then converted with those
//! same steps.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::prelude::Device;
use hark::model::protobuf::ModelProto;
use prost::Message;

use super::rewrite::weight_matmuls;
use super::{Calibration, made_int8};
use crate::export::run::export_run;
use crate::training::{Progress, QatConfig, TrainConfig, load_best, train};

/// How to fine-tune.
#[derive(Debug, Clone)]
pub struct QatSettings {
    /// The training run the f32 model was exported from; its data and settings are reused.
    pub run: PathBuf,
    pub steps: u64,
    pub lr: f64,
    /// Run folder of the fine-tuning.
    pub out: PathBuf,
    pub show_progress: bool,
}

/// `[inputs, outputs]` of the matmuls static quantization makes int8 in this architecture
/// (per layer qkv, out, ffn_in, ffn_out; then the head), in graph order.
fn expected_shapes(run: &Path) -> Result<Vec<(usize, usize)>> {
    let (_, student) = load_best(run, &Device::flex())?;
    let c = student.config();
    let (d, f) = (c.d_model, c.ffn);
    let mut shapes = Vec::new();
    for _ in 0..c.layers {
        shapes.extend([(d, 3 * d), (d, d), (d, f), (f, d)]);
    }
    shapes.push((d, c.classes.len()));
    Ok(shapes)
}

fn shapes(c: &Calibration) -> Vec<(usize, usize)> {
    c.matmuls
        .iter()
        .map(|(m, _)| (m.inputs, m.outputs))
        .collect()
}

/// Fine-tunes `s.run`'s student at `calibration`'s steps (calibrated on the model exported from
/// that run) and returns the tuned f32 model, the same calibration bound to its graph, and
/// the fine-tuning's progress.
pub fn fine_tune(
    calibration: &Calibration,
    s: &QatSettings,
) -> Result<(ModelProto, Calibration, Progress)> {
    let config = s.run.join("config.json");
    let source: TrainConfig = serde_json::from_slice(
        &std::fs::read(&config).with_context(|| format!("reading {}", config.display()))?,
    )
    .with_context(|| format!("{} is not a training run's config", config.display()))?;
    anyhow::ensure!(
        shapes(calibration) == expected_shapes(&s.run)?,
        "the model is not the student of {} (its weight matmuls differ), or it was quantized \
         with --front: --qat covers the transformer and the head",
        s.run.display()
    );
    anyhow::ensure!(s.steps > 0, "--qat-steps must be at least 1");
    let cfg = TrainConfig {
        steps: s.steps,
        lr: s.lr,
        warmup: (s.steps / 10).max(1),
        eval_every: (s.steps / 4).max(1),
        qat: Some(QatConfig {
            from: s.run.clone(),
            steps: calibration.matmuls.iter().map(|&(_, step)| step).collect(),
        }),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        ..source
    };
    let progress = train(&cfg, &s.out, false, None, s.show_progress)?;
    let path = s.out.join("f32.onnx");
    export_run(&s.out, &path, false, 1)?;
    let tuned = ModelProto::decode(std::fs::read(&path)?.as_slice())
        .with_context(|| format!("reading back {}", path.display()))?;

    // The exporter writes the same graph for the tuned weights: the same matmuls, in order.
    let graph = tuned
        .graph
        .as_ref()
        .context("the tuned model holds no graph")?;
    let matmuls: Vec<_> = weight_matmuls(graph)
        .into_iter()
        .enumerate()
        .filter(|(i, m)| made_int8(*i, m, false))
        .map(|(_, m)| m)
        .zip(calibration.matmuls.iter().map(|&(_, step)| step))
        .collect();
    let bound = Calibration {
        matmuls,
        ..calibration.clone()
    };
    anyhow::ensure!(
        shapes(&bound) == shapes(calibration),
        "the tuned model's weight matmuls do not match the source's"
    );
    Ok((tuned, bound, progress))
}
