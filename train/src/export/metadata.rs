//! A model file's `hark.*` metadata: the contract it describes, and setting one entry or all of
//! them. Shared by the exporters and by every command that rewrites a model (quantize, rules).

use std::path::Path;

use anyhow::{Context, Result};
use hark::model::contract::Contract;
use hark::model::protobuf::{ModelProto, StringStringEntryProto};
use prost::Message;

/// The contract a model's metadata describes.
pub fn contract_of(model: &ModelProto) -> Result<Contract> {
    Ok(Contract::from_metadata(
        model
            .metadata_props
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str())),
    )?)
}

/// Sets (or adds) a metadata entry.
pub fn set_metadata(model: &mut ModelProto, key: &str, value: String) {
    match model.metadata_props.iter_mut().find(|e| e.key == key) {
        Some(e) => e.value = value,
        None => model.metadata_props.push(StringStringEntryProto {
            key: key.into(),
            value,
        }),
    }
}

/// Replaces `model`'s `hark.*` metadata with `contract`'s, in the contract's order, so a rewrite
/// that changes nothing gives back the same bytes.
pub fn set_contract(model: &mut ModelProto, contract: &Contract) {
    model.metadata_props.retain(|e| !e.key.starts_with("hark."));
    for (key, value) in contract.to_metadata() {
        set_metadata(model, &key, value);
    }
}

/// Changes the contract of the model file at `path` in place with `change`: what a run's own
/// record cannot say, such as the licences of the audio it was trained on.
pub fn edit_contract(path: &Path, change: impl FnOnce(&mut Contract)) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut model = ModelProto::decode(bytes.as_slice())
        .with_context(|| format!("{} is not an ONNX model", path.display()))?;
    let mut contract = contract_of(&model)?;
    change(&mut contract);
    set_contract(&mut model, &contract);
    std::fs::write(path, model.encode_to_vec())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_reads_back_and_the_rest_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.onnx");
        std::fs::write(&path, hark::FINCH_MODEL).unwrap();
        let entry = ("audio".to_string(), "CC BY 4.0 song".to_string());
        edit_contract(&path, |c| c.provenance.extend([entry.clone()])).unwrap();
        let read = |bytes: &[u8]| contract_of(&ModelProto::decode(bytes).unwrap()).unwrap();
        let (before, after) = (
            read(hark::FINCH_MODEL),
            read(&std::fs::read(&path).unwrap()),
        );
        assert_eq!(after.provenance.get("audio"), Some(&entry.1));
        let mut expected = before.clone();
        expected.provenance.insert(entry.0, entry.1);
        assert_eq!(after, expected);
    }
}
