//! Board profiles: `hardware/boards/*.toml`, embedded, every figure with its source; or a
//! profile file of the user's own in the same format.

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::fit::Budget;

/// A board hark runs on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// Short name, the profile file's stem (`--board NAME`).
    pub name: String,
    /// Full name.
    pub title: String,
    /// What runs the model.
    pub kind: Kind,
    /// The processor, in words.
    pub processor: String,
    /// CPU cores.
    pub cores: u32,
    /// CPU clock, Hz.
    pub clock_hz: u64,
    /// What int8 arithmetic it sustains.
    pub int8: Int8,
    /// Its memory.
    pub memory: Memory,
    /// Its power draw, where known.
    #[serde(default)]
    pub power: Option<Power>,
    /// Where the figures come from.
    pub sources: Vec<Source>,
}

/// What runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A microcontroller: the firmware's int8 engine, weights in flash.
    Mcu,
    /// A single-board computer running Linux: the `hark` binary on one core.
    Sbc,
    /// A GPU board.
    Gpu,
}

/// Sustained int8 throughput.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Int8 {
    /// Multiply-accumulates per second a small streaming model can expect: one CPU core, or
    /// the GPU.
    pub macs_per_second: f64,
    /// How the figure follows from the sources.
    pub derivation: String,
}

/// Memory and storage.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    /// RAM for the model's state and activations (on-chip SRAM on an MCU; the smallest
    /// variant's system RAM otherwise).
    pub ram_bytes: u64,
    /// Flash for program and weights on an MCU; 0 where weights live in storage.
    pub flash_bytes: u64,
    /// Where recordings and models live.
    pub storage: String,
}

/// Power draw, watts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Power {
    /// Typical while recording and processing.
    pub active_w: Option<f64>,
    /// Sleeping or idle.
    pub idle_w: Option<f64>,
}

/// Where figures come from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Which figures.
    pub what: String,
    /// The document.
    pub url: String,
}

/// Why a board profile could not be had.
#[derive(Debug)]
pub enum BoardError {
    /// No embedded profile of that name, and no such file.
    Unknown(String),
    /// The file could not be read.
    Io(String, std::io::Error),
    /// The profile does not parse.
    Parse(String, String),
}

impl fmt::Display for BoardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoardError::Unknown(name) => {
                let known: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
                write!(
                    f,
                    "no board `{name}`: choose one of {}, or give a profile file (.toml)",
                    known.join(", ")
                )
            }
            BoardError::Io(path, e) => write!(f, "{path}: {e}"),
            BoardError::Parse(what, e) => write!(f, "{what}: not a board profile: {e}"),
        }
    }
}

impl std::error::Error for BoardError {}

/// The profiles shipped with hark.
const EMBEDDED: &[(&str, &str)] = &[
    ("audiomoth", include_str!("../boards/audiomoth.toml")),
    ("stm32h743", include_str!("../boards/stm32h743.toml")),
    ("pi-zero-2w", include_str!("../boards/pi-zero-2w.toml")),
    ("pi4", include_str!("../boards/pi4.toml")),
    ("pi5", include_str!("../boards/pi5.toml")),
    (
        "jetson-orin-nano",
        include_str!("../boards/jetson-orin-nano.toml"),
    ),
];

impl Board {
    /// Parses a profile; `what` names it in errors.
    pub fn parse(text: &str, what: &str) -> Result<Board, BoardError> {
        toml::from_str(text).map_err(|e| BoardError::Parse(what.to_string(), e.to_string()))
    }

    /// An embedded profile by name, or a profile file by path (anything ending in `.toml`).
    pub fn named(name: &str) -> Result<Board, BoardError> {
        if let Some((_, text)) = EMBEDDED.iter().find(|(n, _)| *n == name) {
            return Board::parse(text, name);
        }
        if name.ends_with(".toml") {
            let text = std::fs::read_to_string(Path::new(name))
                .map_err(|e| BoardError::Io(name.to_string(), e))?;
            return Board::parse(&text, name);
        }
        Err(BoardError::Unknown(name.to_string()))
    }

    /// Every embedded profile.
    pub fn all() -> Vec<Board> {
        EMBEDDED
            .iter()
            .map(|(name, text)| Board::parse(text, name).expect("embedded profiles parse"))
            .collect()
    }

    /// What the board offers a model.
    pub fn budget(&self) -> Budget {
        Budget {
            macs_per_second: self.int8.macs_per_second,
            ram_bytes: self.memory.ram_bytes,
            weight_bytes: (self.kind == Kind::Mcu).then_some(self.memory.flash_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tier::TIERS;

    #[test]
    fn every_embedded_profile_parses_and_cites_its_sources() {
        for (name, text) in EMBEDDED {
            let board = Board::parse(text, name).unwrap();
            assert_eq!(board.name, *name);
            assert!(
                board.int8.macs_per_second > 0.0 && board.memory.ram_bytes > 0,
                "{name}"
            );
            assert!(!board.int8.derivation.is_empty(), "{name}");
            assert!(
                !board.sources.is_empty()
                    && board.sources.iter().all(|s| s.url.starts_with("http")),
                "{name}: every profile cites where its figures come from"
            );
            assert_eq!(
                board.kind == Kind::Mcu,
                board.memory.flash_bytes > 0,
                "{name}"
            );
        }
    }

    #[test]
    fn each_tiers_budget_runs_on_its_boards_with_headroom() {
        for tier in TIERS {
            for name in tier.boards {
                let board = Board::named(name).unwrap();
                let budget = board.budget();
                let rtf = tier.max_macs_per_second as f64 / budget.macs_per_second;
                assert!(rtf <= 0.5, "tier {} on {name}: RTF {rtf:.2}", tier.name);
                if let Some(ram) = tier.max_ram_bytes {
                    assert!(ram <= budget.ram_bytes, "tier {} on {name}: RAM", tier.name);
                }
                if let (Some(w), Some(flash)) = (tier.max_weight_bytes, budget.weight_bytes) {
                    assert!(w <= flash, "tier {} on {name}: weights", tier.name);
                }
            }
        }
    }

    #[test]
    fn unknown_boards_are_named_with_the_choices() {
        let why = Board::named("pi9").unwrap_err().to_string();
        assert!(why.contains("pi9") && why.contains("audiomoth"), "{why}");
        let why = Board::named("/nonexistent/board.toml")
            .unwrap_err()
            .to_string();
        assert!(why.contains("/nonexistent/board.toml"), "{why}");
    }
}
