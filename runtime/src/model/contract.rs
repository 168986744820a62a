//! Contract 1: what a streaming student model says about itself in its `hark.*` metadata.

use std::collections::BTreeMap;

/// The contract version this runtime reads and the exporter writes.
pub const CONTRACT_VERSION: u32 = 1;

/// Everything the runtime needs to know about a streaming model, read from its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    /// Input sample rate in Hz.
    pub sample_rate: u32,
    /// Samples per `audio` chunk.
    pub chunk_samples: usize,
    /// Frames of `probs` per chunk.
    pub frames_per_chunk: usize,
    /// Samples between frame starts.
    pub hop_samples: usize,
    /// Samples between a sample's arrival and its frame's probability coming out.
    pub latency_samples: usize,
    /// Class names; class 0 is the target ("any vocalization").
    pub classes: Vec<String>,
    /// Per-class probability at which an event opens.
    pub on_thresholds: Vec<f32>,
    /// Per-class probability below which an open event closes.
    pub off_thresholds: Vec<f32>,
    /// Shortest event kept, seconds.
    pub min_event_s: f32,
    /// Events closer than this are merged, seconds.
    pub merge_gap_s: f32,
    /// Where events start and end: at the model's own frames, or at the energy detector's
    /// (`hark.boundaries`, absent for the model's own).
    pub boundaries: Boundaries,
    /// `f32` or `int8`.
    pub quantization: String,
    /// The architecture preset the model was built from.
    pub preset: String,
    /// Trainable parameters.
    pub parameters: u64,
    /// Multiply-accumulates per second of audio.
    pub macs_per_second: u64,
    /// Independent streams one call runs (the first axis of `audio`, `probs` and every state):
    /// 1 unless the model was re-exported for many streams (`hark.streams`).
    pub streams: usize,
    /// Where the model came from: teacher, data, command, git revision...
    pub provenance: BTreeMap<String, String>,
}

/// Where a model's events start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Boundaries {
    /// Where the model's probabilities cross its thresholds.
    #[default]
    Model,
    /// The model says which stretches hold a call, the energy detector where each starts and
    /// ends (`stream/boundaries.rs`).
    Energy,
}

impl Boundaries {
    /// The name in metadata and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Boundaries::Model => "model",
            Boundaries::Energy => "energy",
        }
    }
}

impl std::str::FromStr for Boundaries {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "model" => Ok(Boundaries::Model),
            "energy" => Ok(Boundaries::Energy),
            other => Err(format!("`{other}` is neither `model` nor `energy`")),
        }
    }
}

/// Why a model's metadata does not describe a usable contract-1 model.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ContractError {
    /// A required key is absent.
    #[error("metadata key `{0}` is missing (is this a hark contract-1 model?)")]
    Missing(String),
    /// A key is present but its value does not parse.
    #[error("metadata key `{key}` has an unreadable value `{value}`")]
    Unreadable { key: String, value: String },
    /// The values parse but contradict each other.
    #[error("{0}")]
    Inconsistent(String),
}

const PREFIX: &str = "hark.";
const PROVENANCE: &str = "hark.provenance.";

impl Contract {
    /// Seconds of audio per frame hop.
    pub fn hop_seconds(&self) -> f64 {
        self.hop_samples as f64 / self.sample_rate as f64
    }

    /// Seconds of audio per chunk.
    pub fn chunk_seconds(&self) -> f64 {
        self.chunk_samples as f64 / self.sample_rate as f64
    }

    /// The metadata entries that describe this contract, keys prefixed `hark.`.
    pub fn to_metadata(&self) -> Vec<(String, String)> {
        fn json(v: &impl serde::Serialize) -> String {
            serde_json::to_string(v).unwrap_or_default()
        }
        let mut entries = vec![
            ("contract", CONTRACT_VERSION.to_string()),
            ("sample_rate", self.sample_rate.to_string()),
            ("chunk_samples", self.chunk_samples.to_string()),
            ("frames_per_chunk", self.frames_per_chunk.to_string()),
            ("hop_samples", self.hop_samples.to_string()),
            ("latency_samples", self.latency_samples.to_string()),
            ("classes", json(&self.classes)),
            ("on_thresholds", json(&self.on_thresholds)),
            ("off_thresholds", json(&self.off_thresholds)),
            ("min_event_s", self.min_event_s.to_string()),
            ("merge_gap_s", self.merge_gap_s.to_string()),
            ("quantization", self.quantization.clone()),
            ("preset", self.preset.clone()),
            ("parameters", self.parameters.to_string()),
            ("macs_per_second", self.macs_per_second.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("{PREFIX}{k}"), v))
        .collect::<Vec<_>>();
        // Written only where they say something, so other models keep their bytes.
        if self.streams != 1 {
            entries.push((format!("{PREFIX}streams"), self.streams.to_string()));
        }
        if self.boundaries != Boundaries::Model {
            entries.push((format!("{PREFIX}boundaries"), self.boundaries.name().into()));
        }
        entries.extend(
            self.provenance
                .iter()
                .map(|(k, v)| (format!("{PROVENANCE}{k}"), v.clone())),
        );
        entries
    }

    /// Reads and checks a contract from metadata entries.
    pub fn from_metadata<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ContractError> {
        let map: BTreeMap<&str, &str> = entries.into_iter().collect();
        let get = |key: &str| -> Result<&str, ContractError> {
            map.get(format!("{PREFIX}{key}").as_str())
                .copied()
                .ok_or_else(|| ContractError::Missing(format!("{PREFIX}{key}")))
        };
        fn parse<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, ContractError> {
            value.trim().parse().map_err(|_| ContractError::Unreadable {
                key: format!("{PREFIX}{key}"),
                value: value.to_string(),
            })
        }
        fn parse_json<T: serde::de::DeserializeOwned>(
            key: &str,
            value: &str,
        ) -> Result<T, ContractError> {
            serde_json::from_str(value).map_err(|_| ContractError::Unreadable {
                key: format!("{PREFIX}{key}"),
                value: value.to_string(),
            })
        }
        let version: u32 = parse("contract", get("contract")?)?;
        if version != CONTRACT_VERSION {
            return Err(ContractError::Inconsistent(format!(
                "contract version {version} is not supported (this hark reads version {CONTRACT_VERSION})"
            )));
        }
        let contract = Contract {
            sample_rate: parse("sample_rate", get("sample_rate")?)?,
            chunk_samples: parse("chunk_samples", get("chunk_samples")?)?,
            frames_per_chunk: parse("frames_per_chunk", get("frames_per_chunk")?)?,
            hop_samples: parse("hop_samples", get("hop_samples")?)?,
            latency_samples: parse("latency_samples", get("latency_samples")?)?,
            classes: parse_json("classes", get("classes")?)?,
            on_thresholds: parse_json("on_thresholds", get("on_thresholds")?)?,
            off_thresholds: parse_json("off_thresholds", get("off_thresholds")?)?,
            min_event_s: parse("min_event_s", get("min_event_s")?)?,
            merge_gap_s: parse("merge_gap_s", get("merge_gap_s")?)?,
            boundaries: match map.get("hark.boundaries") {
                Some(v) => parse("boundaries", v)?,
                None => Boundaries::Model,
            },
            quantization: get("quantization")?.to_string(),
            preset: map.get("hark.preset").unwrap_or(&"").to_string(),
            parameters: map
                .get("hark.parameters")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            macs_per_second: map
                .get("hark.macs_per_second")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            streams: match map.get("hark.streams") {
                Some(v) => parse("streams", v)?,
                None => 1,
            },
            provenance: map
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix(PROVENANCE)
                        .map(|k| (k.to_string(), v.to_string()))
                })
                .collect(),
        };
        contract.check()?;
        Ok(contract)
    }

    /// Checks that the numbers agree with each other.
    pub fn check(&self) -> Result<(), ContractError> {
        let fail = |msg: String| Err(ContractError::Inconsistent(msg));
        if self.sample_rate == 0 || self.hop_samples == 0 || self.frames_per_chunk == 0 {
            return fail("sample rate, hop and frames per chunk must be positive".into());
        }
        if self.chunk_samples != self.frames_per_chunk * self.hop_samples {
            return fail(format!(
                "chunk of {} samples is not {} frames of {} samples",
                self.chunk_samples, self.frames_per_chunk, self.hop_samples
            ));
        }
        if self.streams == 0 {
            return fail("a model runs at least one stream".into());
        }
        if self.classes.is_empty() {
            return fail("the model names no classes".into());
        }
        for (name, list) in [("on", &self.on_thresholds), ("off", &self.off_thresholds)] {
            if list.len() != self.classes.len() {
                return fail(format!(
                    "{} {name} thresholds for {} classes",
                    list.len(),
                    self.classes.len()
                ));
            }
            if list.iter().any(|t| !(0.0..=1.0).contains(t)) {
                return fail(format!("{name} thresholds must lie in [0, 1]"));
            }
        }
        if self
            .on_thresholds
            .iter()
            .zip(&self.off_thresholds)
            .any(|(on, off)| off > on)
        {
            return fail("an off threshold is above its on threshold".into());
        }
        if !(self.min_event_s >= 0.0 && self.merge_gap_s >= 0.0) {
            return fail("min event and merge gap durations must be non-negative".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn example() -> Contract {
        Contract {
            sample_rate: 16_000,
            chunk_samples: 2560,
            frames_per_chunk: 16,
            hop_samples: 160,
            latency_samples: 2560,
            classes: vec!["syllable".into()],
            on_thresholds: vec![0.5],
            off_thresholds: vec![0.35],
            min_event_s: 0.02,
            merge_gap_s: 0.0,
            boundaries: Boundaries::Model,
            quantization: "f32".into(),
            preset: "small".into(),
            parameters: 1000,
            macs_per_second: 1_000_000,
            streams: 1,
            provenance: [("command".to_string(), "hark-train train".to_string())].into(),
        }
    }

    #[test]
    fn metadata_round_trips() {
        let c = example();
        let meta = c.to_metadata();
        let back =
            Contract::from_metadata(meta.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn streams_round_trip_and_default_to_one() {
        let mut c = example();
        let meta = c.to_metadata();
        assert!(meta.iter().all(|(k, _)| k != "hark.streams"));
        c.streams = 64;
        let meta = c.to_metadata();
        let back =
            Contract::from_metadata(meta.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back.streams, 64);
    }

    #[test]
    fn inconsistent_chunk_is_rejected() {
        let mut c = example();
        c.chunk_samples = 2000;
        let meta = c.to_metadata();
        let err = Contract::from_metadata(meta.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .unwrap_err();
        assert!(err.to_string().contains("not 16 frames"), "{err}");
    }

    #[test]
    fn missing_key_is_named() {
        let err = Contract::from_metadata([("hark.contract", "1")]).unwrap_err();
        assert_eq!(err, ContractError::Missing("hark.sample_rate".into()));
    }
}
