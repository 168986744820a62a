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
    int8: Option<&'static [u8]>,
    archive: Option<&'static [u8]>,
}

/// Every bundled model, the default first. Variants cost binary size (docs/performance.md,
/// "Binary size"), so only the default carries int8.
pub static BUNDLED: &[Bundled] = &[
    Bundled {
        name: "general",
        about: "any animal it can hear (class `call`), 32 kHz; trained on permissively licensed \
                audio only (docs/quality.md)",
        f32: crate::GENERAL_MODEL,
        int8: Some(crate::GENERAL_INT8_MODEL),
        archive: None,
    },
    Bundled {
        name: "finch",
        about: "Bengalese finch song syllables, 16 kHz (docs/quality.md)",
        f32: crate::FINCH_MODEL,
        int8: None,
        archive: None,
    },
];

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

    /// The model file at `precision`, where there is one.
    pub fn bytes(&self, precision: Precision) -> Option<&'static [u8]> {
        match precision {
            Precision::F32 => Some(self.f32),
            Precision::Int8 => self.int8,
        }
    }

    /// The file to run at `precision`, in archive mode for `files` where there is one, and its
    /// name for messages.
    pub fn variant(
        &self,
        precision: Precision,
        files: bool,
    ) -> anyhow::Result<(&'static [u8], String)> {
        let name = format!("bundled model {}, {precision}", self.name);
        match (
            self.archive(precision).filter(|_| files),
            self.bytes(precision),
        ) {
            (Some(archive), _) => Ok((archive, format!("{name}, archive mode"))),
            (None, Some(bytes)) => Ok((bytes, name)),
            (None, None) => anyhow::bail!(
                "the bundled model {} comes in f32 only, not in {precision}",
                self.name
            ),
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
                let Some(bytes) = b.bytes(p) else { continue };
                let model = Model::from_bytes(bytes).unwrap();
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
        assert!(Bundled::default_model().bytes(Precision::Int8).is_some());
    }
}
