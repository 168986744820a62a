//! What the runtime's integration tests share: the bundled recordings, and the `hark` binary.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The bundled finch recordings and their Raven tables (tests/data/finch).
pub fn finch() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/finch")
}

/// One bundled finch file.
pub fn bundled(name: &str) -> PathBuf {
    finch().join(name)
}

/// The `hark` binary, ready for arguments. Cross-built tests run under an emulator named by
/// cargo's runner variable (tests/run-all.sh sets it for aarch64 under qemu); the binary they
/// spawn goes through the same runner.
pub fn hark_command() -> Command {
    let bin = env!("CARGO_BIN_EXE_hark");
    let runner = if cfg!(target_arch = "aarch64") {
        std::env::var("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER").unwrap_or_default()
    } else {
        String::new()
    };
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(emulator) => {
            let mut c = Command::new(emulator);
            c.args(words).arg(bin);
            c
        }
        None => Command::new(bin),
    }
}

/// Runs `hark` with `args` to completion.
pub fn hark(args: &[&str]) -> Output {
    hark_command()
        .args(args)
        .output()
        .expect("the hark binary runs")
}

/// stdout and stderr together, for assertion messages.
pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}
