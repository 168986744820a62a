//! The models built into the binary, chosen by name (`--model finch`), each with the variants
//! made of it: int8, and f32 in archive mode (several chunks per call, for files).

use super::precision::Precision;

/// A model built into the binary.
#[derive(Debug)]
pub struct Bundled {
    /// The name `--model` takes.
    pub name: &'static str,
    /// What it listens for, for `hark info`.
    pub about: &'static str,
    f32: &'static [u8],
    int8: &'static [u8],
    archive: Option<&'static [u8]>,
}

/// Every bundled model, the default first.
pub static BUNDLED: &[Bundled] = &[Bundled {
    name: "finch",
    about: "Bengalese finch song syllables, 16 kHz (docs/quality.md)",
    f32: crate::DEFAULT_MODEL,
    int8: crate::DEFAULT_INT8_MODEL,
    archive: Some(crate::DEFAULT_ARCHIVE_MODEL),
}];

/// The name that always means the default model.
pub const DEFAULT_NAME: &str = "default";

impl Bundled {
    /// The model run when none is named.
    pub fn default_model() -> &'static Bundled {
        &BUNDLED[0]
    }

    /// The bundled model called `name` (or `default`).
    pub fn named(name: &str) -> Option<&'static Bundled> {
        match name {
            DEFAULT_NAME => Some(Self::default_model()),
            _ => BUNDLED.iter().find(|b| b.name == name),
        }
    }

    /// The names `--model` takes, for messages.
    pub fn names() -> String {
        let mut names: Vec<&str> = vec![DEFAULT_NAME];
        names.extend(BUNDLED.iter().map(|b| b.name));
        names.join(", ")
    }

    /// The model file at `precision`.
    pub fn bytes(&self, precision: Precision) -> &'static [u8] {
        match precision {
            Precision::F32 => self.f32,
            Precision::Int8 => self.int8,
        }
    }

    /// The file in archive mode at `precision`, where there is one.
    pub fn archive(&self, precision: Precision) -> Option<&'static [u8]> {
        match precision {
            Precision::F32 => self.archive,
            Precision::Int8 => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    #[test]
    fn every_bundled_model_loads_at_each_precision_and_names_resolve() {
        for b in BUNDLED {
            for p in [Precision::F32, Precision::Int8] {
                let model = Model::from_bytes(b.bytes(p)).unwrap();
                assert_eq!(model.contract.quantization, p.to_string(), "{}", b.name);
                if let Some(archive) = b.archive(p) {
                    let archive = Model::from_bytes(archive).unwrap();
                    assert_eq!(archive.contract.quantization, p.to_string());
                    assert!(archive.contract.frames_per_chunk > model.contract.frames_per_chunk);
                }
            }
            assert!(std::ptr::eq(Bundled::named(b.name).unwrap(), b));
        }
        assert!(std::ptr::eq(
            Bundled::named(DEFAULT_NAME).unwrap(),
            Bundled::default_model()
        ));
        assert!(Bundled::named("heron").is_none());
        assert!(Bundled::names().contains("finch"));
    }
}
