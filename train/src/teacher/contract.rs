//! Contract 2: a teacher as an offline ONNX model, and running one window of it in tract.
//!
//! Input `audio` `[1, WINDOW]` at the teacher's rate; output frame logits `[1, T, C]` or clip
//! logits `[1, C]`, optionally features `[1, T, D]`. What the teacher is (rate, window, output
//! kind, activation, classes) is a [`TeacherSpec`]: JSON under the metadata key `hark.teacher` in
//! our own exports, or a TOML sidecar with the same fields for a public model that has no such
//! metadata.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use hark::model::protobuf::ModelProto;
use prost::Message;
use serde::{Deserialize, Serialize};
use tract_onnx::prelude::*;

/// A teacher's features for one window: the dimension, then `[frames, dim]` values.
pub type Features = (usize, Vec<f32>);

/// The metadata key that holds a teacher's spec.
pub const SPEC_KEY: &str = "hark.teacher";

/// What a teacher's logits describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    /// One row of logits per frame of `hop_samples`.
    Frame,
    /// One row of logits for the whole window.
    Clip,
}

/// How logits become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Sigmoid,
    /// The outputs are probabilities already.
    None,
}

/// Everything the distiller needs to know about a teacher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherSpec {
    /// Input sample rate, Hz.
    pub sample_rate: u32,
    /// Samples per window (the input's fixed length).
    pub window_samples: usize,
    pub output: Output,
    /// Samples per frame, for frame teachers.
    #[serde(default)]
    pub hop_samples: Option<usize>,
    pub activation: Activation,
    /// Class names in output order...
    #[serde(default)]
    pub classes: Vec<String>,
    /// ...or a file with one per line (relative to the model's folder: labels ship with it).
    #[serde(default)]
    pub labels_file: Option<PathBuf>,
    /// Name of the audio input.
    #[serde(default = "default_input")]
    pub input: String,
    /// Name of the logits output.
    #[serde(default = "default_logits")]
    pub logits: String,
    /// Name of the frame features output `[1, T, D]`, if any.
    #[serde(default)]
    pub features: Option<String>,
}

fn default_input() -> String {
    "audio".into()
}

fn default_logits() -> String {
    "logits".into()
}

impl TeacherSpec {
    /// Seconds per window.
    pub fn window_s(&self) -> f64 {
        self.window_samples as f64 / self.sample_rate as f64
    }

    /// Reads a TOML sidecar; a relative `labels_file` is read from `model_dir`.
    pub fn from_sidecar(path: &Path, model_dir: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut spec: Self = toml::from_str(&text)
            .with_context(|| format!("{} is not a teacher sidecar", path.display()))?;
        if let Some(labels) = spec.labels_file.take() {
            let labels = model_dir.join(labels);
            let text = std::fs::read_to_string(&labels)
                .with_context(|| format!("reading the labels file {}", labels.display()))?;
            spec.classes = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
        }
        spec.check()
            .with_context(|| format!("in {}", path.display()))?;
        Ok(spec)
    }

    /// Checks the fields fit together.
    pub fn check(&self) -> Result<()> {
        ensure!(
            self.sample_rate > 0 && self.window_samples > 0,
            "the rate and window must be above 0"
        );
        ensure!(
            !self.classes.is_empty(),
            "the teacher names no classes (give `classes` or `labels_file`)"
        );
        if self.output == Output::Frame {
            let hop = self.hop_samples.unwrap_or(0);
            ensure!(
                hop > 0 && self.window_samples.is_multiple_of(hop),
                "a frame teacher needs a hop that divides its window"
            );
        }
        Ok(())
    }
}

/// A teacher loaded into tract.
pub struct Teacher {
    pub spec: TeacherSpec,
    plan: std::sync::Arc<TypedSimplePlan>,
}

impl Teacher {
    /// Loads `onnx`, described by its own metadata or, when given, by the `sidecar` TOML.
    pub fn load(onnx: &Path, sidecar: Option<&Path>) -> Result<Self> {
        let bytes = std::fs::read(onnx).with_context(|| format!("reading {}", onnx.display()))?;
        let spec = match sidecar {
            Some(path) => TeacherSpec::from_sidecar(path, onnx.parent().unwrap_or(Path::new(".")))?,
            None => {
                let proto = ModelProto::decode(bytes.as_slice())
                    .with_context(|| format!("{} is not an ONNX model", onnx.display()))?;
                let Some(entry) = proto.metadata_props.iter().find(|e| e.key == SPEC_KEY) else {
                    bail!(
                        "{} has no `{SPEC_KEY}` metadata: describe it with --teacher-config T.toml",
                        onnx.display()
                    );
                };
                let spec: TeacherSpec = serde_json::from_str(&entry.value)
                    .with_context(|| format!("{}: bad `{SPEC_KEY}` metadata", onnx.display()))?;
                spec.check()?;
                spec
            }
        };
        let mut outputs = vec![spec.logits.as_str()];
        outputs.extend(spec.features.as_deref());
        let plan = tract_onnx::onnx()
            .model_for_read(&mut bytes.as_slice())
            .and_then(|m| m.with_input_names([spec.input.as_str()]))
            .and_then(|m| m.with_outputs_by_name(outputs))
            .and_then(|m| m.with_input_fact(0, f32::fact([1, spec.window_samples]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .with_context(|| format!("tract cannot run the teacher {}", onnx.display()))?;
        Ok(Self { spec, plan })
    }

    /// Runs one window (`window_samples` at the teacher's rate): probabilities `[rows, classes]`
    /// (one row for a clip teacher, one per frame otherwise) and features `[frames, dim]`.
    pub fn run(&self, window: &[f32]) -> Result<(Vec<f32>, Option<Features>)> {
        ensure!(
            window.len() == self.spec.window_samples,
            "a teacher window has the wrong length"
        );
        let input = Tensor::from_shape(&[1, window.len()], window)?.into_tvalue();
        let outputs = self.plan.run(tvec!(input))?;
        let logits = outputs[0].try_as_plain_ram()?.as_slice::<f32>()?;
        ensure!(
            logits.len() % self.spec.classes.len() == 0,
            "the teacher gave {} logits for {} classes",
            logits.len(),
            self.spec.classes.len()
        );
        let probs = logits
            .iter()
            .map(|&z| match self.spec.activation {
                Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
                Activation::None => z,
            })
            .collect();
        let features = match outputs.get(1) {
            Some(f) => {
                let dim = *f.shape().last().unwrap_or(&1);
                Some((dim, f.try_as_plain_ram()?.as_slice::<f32>()?.to_vec()))
            }
            None => None,
        };
        Ok((probs, features))
    }
}
