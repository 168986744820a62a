//! Shared helpers for hark's end-to-end tests.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The recordings bundled with the repository (see tests/data/finch/README.md).
pub fn bundled_finch() -> PathBuf {
    workspace().join("tests/data/finch")
}

/// `../shared/data` beside the checkout, when it is there.
pub fn shared_data() -> Option<PathBuf> {
    let p = workspace().join("../shared/data");
    p.is_dir().then_some(p)
}
