//! Atomic file writes (a temporary file in the same folder, then a rename) for the tables,
//! summaries and models hark writes, so a reader or a power cut never sees half a file.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
/// reader (or a power cut) never sees half a file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(contents))
}

/// Like [`write_atomic`], for contents written piece by piece by `write` (a table too large to
/// build in memory first).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let attempt = || -> std::io::Result<()> {
        let mut file = BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut file)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    attempt()
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("writing {}", path.display()))
}
