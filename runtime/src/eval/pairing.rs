//! Pairing prediction files with reference files by recording name, so that each recording's
//! events are scored against its own annotations.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use crate::eval::annotations::{Recording, recording_key};

/// One reference recording and the predictions for it.
#[derive(Debug, Clone)]
pub struct Paired {
    /// The name that paired them ([`recording_key`]).
    pub key: String,
    /// The reference annotations.
    pub reference: Recording,
    /// The predictions; `None` when no prediction file names this recording.
    pub predicted: Option<Recording>,
}

/// Reference and prediction files paired by recording.
#[derive(Debug, Clone)]
pub struct Pairing {
    /// Every reference recording, in name order.
    pub recordings: Vec<Paired>,
    /// Predictions for recordings that have no reference (not scored).
    pub unreferenced: Vec<Recording>,
    /// Whether names kept their folders, because without them two recordings of one set would
    /// share a name (`site1/rec.wav`, `site2/rec.wav`).
    pub with_folders: bool,
}

impl Pairing {
    /// The reference recordings that no prediction file names.
    pub fn without_predictions(&self) -> impl Iterator<Item = &Paired> {
        self.recordings.iter().filter(|p| p.predicted.is_none())
    }
}

/// Pairs reference and predicted recordings by name ([`recording_key`]): without folders, unless
/// that makes two recordings of one set collide; then with folders on both sides. A recording
/// named twice within one set even with its folders is an error, naming both sources.
pub fn pair_recordings(reference: Vec<Recording>, predicted: Vec<Recording>) -> Result<Pairing> {
    let with_folders = names_collide(&reference) || names_collide(&predicted);
    let reference = by_key(reference, with_folders, "reference")?;
    let mut predicted = by_key(predicted, with_folders, "predictions")?;
    let recordings = reference
        .into_iter()
        .map(|(key, reference)| Paired {
            predicted: predicted.remove(&key),
            key,
            reference,
        })
        .collect();
    Ok(Pairing {
        recordings,
        unreferenced: predicted.into_values().collect(),
        with_folders,
    })
}

/// Whether two recordings of a set share a name once folders are dropped.
fn names_collide(set: &[Recording]) -> bool {
    let mut keys: Vec<String> = set.iter().map(|r| recording_key(&r.name, false)).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

/// A set keyed by recording name; `what` names the set in the error for a recording named twice.
fn by_key(
    set: Vec<Recording>,
    with_folders: bool,
    what: &str,
) -> Result<BTreeMap<String, Recording>> {
    let mut out: BTreeMap<String, Recording> = BTreeMap::new();
    for recording in set {
        let key = recording_key(&recording.name, with_folders);
        if let Some(earlier) = out.get(&key) {
            bail!(
                "{what}: recording `{key}` is annotated twice, in {} and in {}; keep one",
                earlier.source,
                recording.source
            );
        }
        out.insert(key, recording);
    }
    Ok(out)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::annotations::Annotation;

    fn event(label: &str, onset_s: f64, offset_s: f64) -> Annotation {
        Annotation {
            onset_s,
            offset_s,
            label: label.into(),
            channel: None,
        }
    }

    fn recording(name: &str, source: &str) -> Recording {
        Recording {
            name: name.into(),
            source: source.into(),
            annotations: vec![event("A", 0.0, 0.1)],
        }
    }

    #[test]
    fn recordings_pair_by_name_without_folders_or_extensions() {
        let reference = vec![
            recording(
                "bird0_2.Table.1.selections.txt",
                "ref/bird0_2.Table.1.selections.txt",
            ),
            recording(
                "bird0_9.Table.1.selections.txt",
                "ref/bird0_9.Table.1.selections.txt",
            ),
        ];
        let predicted = vec![
            recording("audio/bird0_2.wav", "pred.csv (file `audio/bird0_2.wav`)"),
            recording("other.wav", "pred.csv (file `other.wav`)"),
        ];
        let pairing = pair_recordings(reference, predicted).unwrap();
        assert!(!pairing.with_folders);
        let keys: Vec<_> = pairing.recordings.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["bird0_2", "bird0_9"]);
        assert!(pairing.recordings[0].predicted.is_some());
        let missing: Vec<_> = pairing.without_predictions().map(|p| &p.key).collect();
        assert_eq!(missing, ["bird0_9"]);
        assert_eq!(pairing.unreferenced.len(), 1);
        assert_eq!(pairing.unreferenced[0].name, "other.wav");
    }

    #[test]
    fn recordings_of_the_same_name_in_two_folders_pair_by_path() {
        let reference = vec![
            recording("site1/rec.wav", "ref.csv"),
            recording("site2/rec.wav", "ref.csv"),
        ];
        let predicted = vec![
            recording("site2/rec.flac", "pred.csv"),
            recording("./site1/rec.wav", "pred.csv"),
        ];
        let pairing = pair_recordings(reference, predicted).unwrap();
        assert!(pairing.with_folders);
        for paired in &pairing.recordings {
            let predicted = paired.predicted.as_ref().unwrap();
            assert_eq!(
                recording_key(&predicted.name, true),
                recording_key(&paired.reference.name, true)
            );
        }
        assert!(pairing.unreferenced.is_empty());
    }

    #[test]
    fn a_recording_annotated_twice_is_an_error_naming_both_files() {
        let reference = vec![
            recording(
                "rec.Table.1.selections.txt",
                "ref/rec.Table.1.selections.txt",
            ),
            recording("rec.txt", "ref/rec.txt"),
        ];
        let err = pair_recordings(reference, vec![]).unwrap_err().to_string();
        assert!(
            err.contains("ref/rec.Table.1.selections.txt") && err.contains("ref/rec.txt"),
            "{err}"
        );
    }
}
