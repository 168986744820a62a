//! The models built into the binary, chosen by name (`--model finch`), each in f32 and, where
//! bundled, int8.

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
}

/// Every bundled model, the default first. Variants cost binary size (docs/performance.md,
/// "Binary size"), so only the default carries int8, and none an archive-mode variant (a model
/// file in archive mode runs as any other).
pub static BUNDLED: &[Bundled] = &[
    Bundled {
        name: "general",
        about: "any animal it can hear (class `call`), 32 kHz; trained on permissively licensed \
                audio only (docs/quality.md)",
        f32: crate::GENERAL_MODEL,
        int8: Some(crate::GENERAL_INT8_MODEL),
    },
    Bundled {
        name: "finch",
        about: "Bengalese finch song syllables, 16 kHz (docs/quality.md)",
        f32: crate::FINCH_MODEL,
        int8: None,
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

    /// The file to run at `precision`, and its name for messages.
    pub fn variant(&self, precision: Precision) -> anyhow::Result<(&'static [u8], String)> {
        match self.bytes(precision) {
            Some(bytes) => Ok((bytes, format!("bundled model {}, {precision}", self.name))),
            None => anyhow::bail!(
                "the bundled model {} comes in f32 only, not in {precision}",
                self.name
            ),
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
