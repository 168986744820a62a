//! Static post-training quantization of a contract-1 student: calibrate activation ranges on
//! real audio, quantize the weight matmuls to int8, and measure what changed.

pub mod cache;
pub mod calibrate;
pub mod qat;
pub mod rewrite;
pub mod scales;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use hark::model::Model;
use hark::model::protobuf::ModelProto;
use hark::model::session::Session;
use prost::Message;

use crate::export::metadata::{contract_of, set_metadata};
use calibrate::ProbedModel;
use rewrite::{QuantizedMatMul, WeightMatMul, to_int8, weight_matmuls};
use scales::{ActivationScale, Histogram, activation_scale};

/// How to quantize.
#[derive(Debug, Clone)]
pub struct QuantizeConfig {
    /// Audio files or folders to calibrate on.
    pub calibration: Vec<PathBuf>,
    /// Seconds of calibration audio used at most (files in sorted order).
    pub calibration_seconds: f64,
    pub method: ActivationScale,
    /// Quantize the conv front end's matmuls too (the first layer, on raw audio, always stays f32).
    pub front: bool,
    /// Carry the key/value cache rounded to int8 per frame and head, as the firmware does.
    pub int8_cache: bool,
}

/// Recordings decoded and resampled to a model's rate, with the files that could not be read.
pub struct Audio {
    pub files: Vec<(PathBuf, Vec<f32>)>,
    pub failed: Vec<(PathBuf, String)>,
}

impl Audio {
    /// Reads the audio files found in `inputs` (sorted) until `max_seconds` are loaded.
    pub fn load(inputs: &[PathBuf], rate: u32, max_seconds: f64) -> Self {
        let found = hark::audio::recordings::discover(inputs);
        let mut audio = Audio {
            files: Vec::new(),
            failed: found
                .problems
                .into_iter()
                .map(|p| (p.path, p.reason))
                .collect(),
        };
        let mut samples = 0usize;
        for input in found.inputs {
            if samples as f64 >= max_seconds * rate as f64 {
                break;
            }
            match hark::audio::load(&input.path, rate) {
                Ok(s) => {
                    samples += s.len();
                    audio.files.push((input.path, s));
                }
                Err(e) => audio.failed.push((input.path, format!("{e:#}"))),
            }
        }
        audio
    }

    pub fn seconds(&self, rate: u32) -> f64 {
        self.files.iter().map(|(_, s)| s.len()).sum::<usize>() as f64 / rate as f64
    }
}

/// What quantization did.
#[derive(Debug)]
pub struct QuantizeReport {
    pub calibration_files: usize,
    pub calibration_seconds: f64,
    pub layers: Vec<QuantizedMatMul>,
    /// Weight matmuls left in f32, by weight name.
    pub kept_f32: Vec<String>,
}

fn model_rate(model: &ModelProto) -> Result<u32> {
    let contract = contract_of(model)?;
    anyhow::ensure!(
        contract.quantization == "f32",
        "the model is already quantized ({})",
        contract.quantization
    );
    Ok(contract.sample_rate)
}

/// Whether the `index`-th weight matmul of a graph becomes int8: all but the first conv layer's
/// (raw audio needs more than 8 bits), and the front end's only with `front`.
pub(crate) fn made_int8(index: usize, m: &WeightMatMul, front: bool) -> bool {
    index > 0 && (front || !m.front)
}

/// Activation steps calibrated for a model's weight matmuls.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// The matmuls made int8, in graph order, with their input steps.
    pub matmuls: Vec<(WeightMatMul, f32)>,
    /// Weight matmuls left in f32, by weight name.
    pub kept_f32: Vec<String>,
    pub files: usize,
    pub seconds: f64,
}

/// Quantizes `model` (a contract-1 f32 student) with activation scales calibrated on
/// `calibration` audio (at the model's rate).
pub fn quantize(
    model: &ModelProto,
    calibration: &Audio,
    cfg: &QuantizeConfig,
) -> Result<(ModelProto, QuantizeReport)> {
    convert(model, &calibrate(model, calibration, cfg)?, cfg)
}

/// Chooses the weight matmuls to make int8 and calibrates their input steps on `calibration`.
pub fn calibrate(
    model: &ModelProto,
    calibration: &Audio,
    cfg: &QuantizeConfig,
) -> Result<Calibration> {
    let rate = model_rate(model)?;
    anyhow::ensure!(
        !calibration.files.is_empty(),
        "no calibration audio could be read"
    );
    let graph = model.graph.as_ref().context("the model holds no graph")?;
    let all = weight_matmuls(graph);
    let (chosen, kept): (Vec<_>, Vec<_>) = all
        .into_iter()
        .enumerate()
        .partition(|(i, m)| made_int8(*i, m, cfg.front));
    let chosen: Vec<_> = chosen.into_iter().map(|(_, m)| m).collect();
    // Each quantized input is probed once, however many matmuls read it.
    let mut probes: Vec<String> = chosen.iter().map(|m| m.input.clone()).collect();
    probes.sort();
    probes.dedup();
    let probed = ProbedModel::new(model, &probes)?;

    // Two passes: the range of each probed value, then its histogram over that range.
    let mut max = vec![0.0f32; probes.len()];
    for (_, audio) in &calibration.files {
        probed.stream(audio, |values| {
            for (m, values) in max.iter_mut().zip(values) {
                *m = values.iter().fold(*m, |m, v| m.max(v.abs()));
            }
        })?;
    }
    let mut histograms: Vec<Histogram> = max.iter().map(|&m| Histogram::new(m)).collect();
    for (_, audio) in &calibration.files {
        probed.stream(audio, |values| {
            for (h, values) in histograms.iter_mut().zip(values) {
                h.add(values);
            }
        })?;
    }
    let scales: Vec<f32> = histograms
        .iter()
        .map(|h| activation_scale(h.clip(cfg.method)))
        .collect();
    let matmuls = chosen
        .into_iter()
        .map(|m| {
            let probe = probes
                .binary_search(&m.input)
                .expect("every input is probed");
            (m, scales[probe])
        })
        .collect();
    Ok(Calibration {
        matmuls,
        kept_f32: kept.into_iter().map(|(_, m)| m.weight).collect(),
        files: calibration.files.len(),
        seconds: calibration.seconds(rate),
    })
}

/// Rewrites `model`'s calibrated matmuls to int8 and records how in its metadata.
pub fn convert(
    model: &ModelProto,
    calibration: &Calibration,
    cfg: &QuantizeConfig,
) -> Result<(ModelProto, QuantizeReport)> {
    let (mut int8, layers) = to_int8(model, &calibration.matmuls)?;
    if cfg.int8_cache {
        cache::int8_cache(&mut int8)?;
    }

    set_metadata(&mut int8, "hark.quantization", "int8".into());
    let method = match cfg.method {
        ActivationScale::Percentile(p) => format!("the {p} percentile of |x|"),
        ActivationScale::Mse => "the clip of least squared error".into(),
    };
    set_metadata(
        &mut int8,
        "hark.provenance.quantization",
        format!(
            "static int8: {} weight matmuls with per-channel symmetric weights, per-tensor \
             activation scales at {method}, calibrated on {:.0} s of audio in {} files{}",
            layers.len(),
            calibration.seconds,
            calibration.files,
            if cfg.int8_cache {
                "; key/value cache carried in int8 per frame and head (the firmware's)"
            } else {
                ""
            }
        ),
    );
    Ok((
        int8,
        QuantizeReport {
            calibration_files: calibration.files,
            calibration_seconds: calibration.seconds,
            layers,
            kept_f32: calibration.kept_f32.clone(),
        },
    ))
}

/// How far two models' frame probabilities are apart over some recordings.
#[derive(Debug, Default, Clone, Copy)]
pub struct Agreement {
    pub frames: usize,
    pub max_delta: f32,
    pub mean_delta: f64,
}

/// Streams `audio` through both models with the runtime's sessions and compares their
/// probabilities frame by frame.
pub fn compare(a: &ModelProto, b: &ModelProto, audio: &Audio) -> Result<Agreement> {
    let load = |m: &ModelProto| -> Result<Arc<Model>> {
        Ok(Arc::new(Model::from_bytes(&m.encode_to_vec())?))
    };
    let (a, b) = (load(a)?, load(b)?);
    let probs = |model: &Arc<Model>, samples: &[f32]| -> Result<Vec<f32>> {
        let mut session = Session::new(model.clone())?;
        let mut probs = Vec::new();
        session.push(samples, &mut probs)?;
        session.finish(&mut probs)?;
        Ok(probs)
    };
    let mut agreement = Agreement::default();
    let mut sum = 0.0f64;
    for (_, samples) in &audio.files {
        let (pa, pb) = (probs(&a, samples)?, probs(&b, samples)?);
        for (x, y) in pa.iter().zip(&pb) {
            let d = (x - y).abs();
            agreement.max_delta = agreement.max_delta.max(d);
            sum += d as f64;
        }
        agreement.frames += pa.len();
    }
    agreement.mean_delta = sum / agreement.frames.max(1) as f64;
    Ok(agreement)
}
