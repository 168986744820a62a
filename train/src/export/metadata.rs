//! A model file's `hark.*` metadata: the contract it describes, and setting one entry. Shared by
//! the exporters and by every command that rewrites a model (quantize, rules).

use anyhow::Result;
use hark::model::contract::Contract;
use hark::model::protobuf::{ModelProto, StringStringEntryProto};

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
