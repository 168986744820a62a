//! Class lists: a file of class names, one per line, `#` starting a comment. A site's species
//! list (`hark detect --classes`), or the classes a student learns (`hark-train train --classes`).

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The names in the class list at `path`, in its order; an error names the file when it cannot
/// be read, names no class, or names one twice.
pub fn read(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the class list {}", path.display()))?;
    let mut names: Vec<String> = Vec::new();
    for name in text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
    {
        if name.is_empty() {
            continue;
        }
        if names.iter().any(|n| n == name) {
            bail!("the class list {} names `{name}` twice", path.display());
        }
        names.push(name.to_string());
    }
    if names.is_empty() {
        bail!("the class list {} names no class", path.display());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_in_order_without_comments_and_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.txt");
        let read_text = |text: &str| {
            std::fs::write(&path, text).unwrap();
            read(&path).map_err(|e| format!("{e:#}"))
        };
        let names = read_text("# site 4\nwarbler\n\n  ovenbird  # dawn only\n").unwrap();
        assert_eq!(names, ["warbler", "ovenbird"]);
        assert!(read_text("a\nb\na\n").unwrap_err().contains("`a` twice"));
        assert!(
            read_text("# none\n")
                .unwrap_err()
                .contains("names no class")
        );
        let err = format!("{:#}", read(&dir.path().join("absent.txt")).unwrap_err());
        assert!(err.contains("absent.txt"), "{err}");
    }
}
