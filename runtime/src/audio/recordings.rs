//! Which files a batch works on: files, folders (recursive) and glob patterns, each file with the
//! relative path its outputs mirror; and the deterministic split of a batch across machines.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// One audio file of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Where to read it.
    pub path: PathBuf,
    /// Its path below the folder (or glob base) it was found in; outputs mirror it.
    pub rel: PathBuf,
}

/// A path that could not be taken into the batch, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: PathBuf,
    pub reason: String,
}

/// What the command line's inputs expand to.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files to process, sorted by relative path, each once.
    pub inputs: Vec<Input>,
    /// Paths that are missing, unreadable or dangling; they count as failures.
    pub problems: Vec<Problem>,
}

/// Extensions picked up inside folders; a file named explicitly is always tried.
const AUDIO_EXTENSIONS: [&str; 3] = ["wav", "wave", "flac"];

/// True when `path` has an audio file extension.
pub fn is_audio(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Expands `args`: a file stands for itself; a folder for every audio file below it; a pattern
/// with `*`, `?` or `[` for what it matches (folders among the matches are walked too).
pub fn discover(args: &[PathBuf]) -> Discovery {
    let mut found = Discovery::default();
    for arg in args {
        let text = arg.to_string_lossy();
        if !arg.exists() && text.contains(['*', '?', '[']) {
            expand_glob(&text, &mut found);
        } else {
            add_path(arg, base_of_named(arg), &mut found);
        }
    }
    let mut seen = BTreeSet::new();
    found.inputs.retain(|i| seen.insert(canonical(&i.path)));
    found
        .inputs
        .sort_by(|a, b| a.rel.cmp(&b.rel).then_with(|| a.path.cmp(&b.path)));
    // Two files with the same relative path would write the same outputs: keep the first.
    let mut rels = BTreeSet::new();
    let mut clashes = Vec::new();
    found.inputs.retain(|i| {
        let fresh = rels.insert(i.rel.clone());
        if !fresh {
            clashes.push(Problem {
                path: i.path.clone(),
                reason: format!(
                    "another input has the same relative path {} and would write the same \
                     outputs; run the folders separately or with different --out",
                    i.rel.display()
                ),
            });
        }
        fresh
    });
    found.problems.extend(clashes);
    found
}

/// The folder a named file or folder's outputs are relative to: a folder is its own base, a
/// file's base is its parent.
fn base_of_named(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

fn expand_glob(pattern: &str, found: &mut Discovery) {
    let problem = |reason: String| Problem {
        path: PathBuf::from(pattern),
        reason,
    };
    let paths = match glob::glob(pattern) {
        Ok(paths) => paths,
        Err(e) => {
            found
                .problems
                .push(problem(format!("not a valid pattern ({e})")));
            return;
        }
    };
    // Outputs mirror the tree below the pattern's first component with a wildcard.
    let base: PathBuf = Path::new(pattern)
        .components()
        .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
        .collect();
    let before = found.inputs.len() + found.problems.len();
    for entry in paths {
        match entry {
            Ok(path) if path.is_dir() => add_path(&path, base.clone(), found),
            Ok(path) if is_audio(&path) => add_path(&path, base.clone(), found),
            Ok(_) => {}
            Err(e) => found.problems.push(Problem {
                path: e.path().to_path_buf(),
                reason: format!("cannot be read ({})", e.error()),
            }),
        }
    }
    if found.inputs.len() + found.problems.len() == before {
        found
            .problems
            .push(problem("matches no audio files".to_string()));
    }
}

/// Adds a file, or walks a folder; `base` is what relative paths start from.
fn add_path(path: &Path, base: PathBuf, found: &mut Discovery) {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => walk(path, &base, found),
        Ok(_) => found.inputs.push(Input {
            path: path.to_path_buf(),
            rel: relative(path, &base),
        }),
        Err(e) => found.problems.push(Problem {
            path: path.to_path_buf(),
            reason: unreadable(path, &e),
        }),
    }
}

/// Every audio file below `dir`; symbolic links to folders are not followed (they could loop).
fn walk(dir: &Path, base: &Path, found: &mut Discovery) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            found.problems.push(Problem {
                path: dir.to_path_buf(),
                reason: format!("folder cannot be listed ({e})"),
            });
            return;
        }
    };
    // Hidden entries are skipped: `._rec.wav` files that macOS leaves on recorder cards are not
    // audio, and hark's own temporary files start with a dot.
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for path in &paths {
        let path = path.clone();
        let Ok(link) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if link.is_dir() {
            if !holds_clips(&path, &paths) {
                walk(&path, base, found);
            }
        } else if is_audio(&path) {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => found.inputs.push(Input {
                    rel: relative(&path, base),
                    path,
                }),
                Err(e) => found.problems.push(Problem {
                    reason: unreadable(&path, &e),
                    path,
                }),
            }
        }
    }
}

/// Whether `dir` is the `<stem>_clips` folder that `hark detect --clips` wrote beside the
/// recording `<stem>` (one of `siblings`): its clips are outputs, not recordings.
fn holds_clips(dir: &Path, siblings: &[PathBuf]) -> bool {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    name.strip_suffix("_clips").is_some_and(|stem| {
        siblings
            .iter()
            .any(|s| is_audio(s) && s.file_stem().is_some_and(|f| f.to_string_lossy() == stem))
    })
}

/// Why a path cannot be opened, in words.
fn unreadable(path: &Path, e: &std::io::Error) -> String {
    let dangling = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if dangling {
        format!("dangling symbolic link ({e})")
    } else if e.kind() == std::io::ErrorKind::NotFound {
        "no such file or folder".to_string()
    } else {
        format!("cannot be read ({e})")
    }
}

/// `path` below `base`, without `..` or root components, so outputs stay inside `--out`.
fn relative(path: &Path, base: &Path) -> PathBuf {
    let below = path.strip_prefix(base).unwrap_or(path);
    let clean: PathBuf = below
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    if clean.as_os_str().is_empty() {
        path.file_name().map(PathBuf::from).unwrap_or_default()
    } else {
        clean
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A slice `index` of `count` of a batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `i/n` with `0 <= i < n`, as Slurm array and Kubernetes indexed-job indices count.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a shard: write i/n with 0 <= i < n, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl Shard {
    /// Every `count`-th input of the sorted batch, starting at `index`: the shards of one archive
    /// are disjoint, cover it, and differ in size by at most one file, on any machine that sees
    /// the same files.
    pub fn select(&self, inputs: Vec<Input>) -> Vec<Input> {
        inputs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % self.count == self.index)
            .map(|(_, input)| input)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }

    fn rels(found: &Discovery) -> Vec<String> {
        found
            .inputs
            .iter()
            .map(|i| i.rel.to_string_lossy().replace('\\', "/"))
            .collect()
    }

    #[test]
    fn folders_are_walked_and_mirrored() {
        let dir = tempfile::tempdir().unwrap();
        let card = dir.path().join("card");
        for name in [
            "b.WAV",
            "a.flac",
            "sub/c.wav",
            "notes.txt",
            "sub/t.selections.txt",
            "._b.WAV",
            "b_clips/b_0001_call_1.000s.wav",
            "other_clips/kept.wav",
        ] {
            touch(&card.join(name));
        }
        let found = discover(std::slice::from_ref(&card));
        assert_eq!(
            rels(&found),
            ["a.flac", "b.WAV", "other_clips/kept.wav", "sub/c.wav"]
        );
        assert!(found.problems.is_empty());
        let single = discover(&[card.join("notes.txt")]);
        assert_eq!(rels(&single), ["notes.txt"], "a named file is always tried");
    }

    #[test]
    fn globs_mirror_below_their_fixed_part() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["x/d1/a.wav", "x/d2/b.wav", "x/d2/c.flac"] {
            touch(&dir.path().join(name));
        }
        let pattern = dir.path().join("x/*/*.wav");
        assert_eq!(rels(&discover(&[pattern])), ["d1/a.wav", "d2/b.wav"]);
        let none = discover(&[dir.path().join("x/*.mp3")]);
        assert!(none.inputs.is_empty());
        assert!(none.problems[0].reason.contains("matches no audio files"));
    }

    #[test]
    fn missing_and_dangling_paths_are_problems() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("ok.wav"));
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("gone.wav"), dir.path().join("link.wav"))
            .unwrap();
        let found = discover(&[dir.path().to_path_buf(), dir.path().join("nope.wav")]);
        assert_eq!(rels(&found), ["ok.wav"]);
        let reasons: Vec<&str> = found.problems.iter().map(|p| p.reason.as_str()).collect();
        assert!(reasons.iter().any(|r| r.contains("no such file")));
        #[cfg(unix)]
        assert!(reasons.iter().any(|r| r.contains("dangling")));
    }

    #[test]
    fn the_same_file_twice_is_processed_once_and_clashes_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        touch(&a.join("r.wav"));
        touch(&b.join("r.wav"));
        let found = discover(&[a.clone(), a.join("r.wav")]);
        assert_eq!(found.inputs.len(), 1);
        let clash = discover(&[a, b]);
        assert_eq!(clash.inputs.len(), 1);
        assert!(clash.problems[0].reason.contains("same relative path"));
    }

    #[test]
    fn shards_partition_the_batch() {
        let inputs: Vec<Input> = (0..10)
            .map(|i| Input {
                path: format!("{i}.wav").into(),
                rel: format!("{i}.wav").into(),
            })
            .collect();
        let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        let mut all: Vec<PathBuf> = shards
            .iter()
            .flat_map(|s| s.select(inputs.clone()))
            .map(|i| i.path)
            .collect();
        all.sort();
        let mut expected: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
        expected.sort();
        assert_eq!(all, expected);
        assert_eq!(shards[0].select(inputs.clone()).len(), 4);
        for bad in ["3/3", "1/0", "a/2", "2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
