//! `hark fit`: a model against a board profile, with a verdict a script can act on.

mod common;

use common::{hark, text};

#[test]
fn the_default_model_fits_a_pi_4_with_its_cost_named() {
    let out = hark(&["fit", "--board", "pi4"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    for needle in [
        "Raspberry Pi 4",
        "parameters     151233",
        "MMAC per audio second",
        "RAM ",
        "predicted      RTF 0.0",
        "verdict        FITS, with at least 2x headroom",
    ] {
        assert!(t.contains(needle), "`{needle}` missing from:\n{t}");
    }
}

/// A board profile of the user's own: a small Cortex-M0+-class part.
const TINY_BOARD: &str = r#"
name = "tiny"
title = "A tiny test board"
kind = "mcu"
processor = "Arm Cortex-M0+"
cores = 1
clock_hz = 16_000_000

[int8]
macs_per_second = 4e6
derivation = "a quarter MAC per cycle"

[memory]
ram_bytes = 16_384
flash_bytes = 65_536
storage = "none"

[[sources]]
what = "made up for a test"
url = "https://example.org/tiny"
"#;

#[test]
fn a_model_too_large_for_a_board_of_ones_own_fails_with_every_reason() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("tiny.toml");
    std::fs::write(&profile, TINY_BOARD).unwrap();
    let out = hark(&["fit", "--board", profile.to_str().unwrap()]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    for needle in [
        "A tiny test board",
        "DOES NOT FIT: too slow for real time (RTF 6.66)",
        "state and activations exceed the RAM",
        "the weights exceed the flash",
        "does not fit tiny",
    ] {
        assert!(t.contains(needle), "`{needle}` missing from:\n{t}");
    }
}

#[test]
fn boards_are_listed_and_an_unknown_one_is_named() {
    let out = hark(&["fit", "--list"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    for board in [
        "audiomoth",
        "stm32h743",
        "pi-zero-2w",
        "pi4",
        "pi5",
        "jetson-orin-nano",
    ] {
        assert!(t.contains(board), "`{board}` missing from:\n{t}");
    }
    let out = hark(&["fit", "--board", "pi9"]);
    let t = text(&out);
    assert!(!out.status.success());
    assert!(
        t.contains("no board `pi9`") && t.contains("audiomoth"),
        "{t}"
    );
}
