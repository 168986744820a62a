//! Reading annotations: Raven selection tables, Audacity label tracks and hark's annotation CSV,
//! one file at a time or a folder of per-recording files, each recording named so that reference
//! and predictions can be paired ([`recording_key`]).
//!
//! Each format has a `parse_*` function that takes text (what a fuzz target calls) and a `read_*`
//! function that reads a file and names it in errors.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The label of a stretch nobody labelled (a soundscape's own sounds under laid-in calls): not a
/// reference event, and what falls in it is neither right nor wrong (`hark-train synth
/// --mark-unlabelled` writes them; training leaves them out of the loss).
pub const UNLABELLED: &str = "?";

/// One annotated vocalization.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// Start, seconds from the file's start.
    pub onset_s: f64,
    /// End, seconds from the file's start.
    pub offset_s: f64,
    /// The annotator's label (may be empty).
    pub label: String,
    /// The recording's channel it was marked on, from 1 (Raven's `Channel` column, a CSV's
    /// `channel`); `None` where the format does not say.
    pub channel: Option<u32>,
}

/// Reads a Raven selection table. Raven writes one row per view (waveform and spectrogram) of a
/// selection; each selection is kept once.
pub fn read_raven(path: &Path) -> Result<Vec<Annotation>> {
    parse_raven(&read_text(path)?)
        .with_context(|| format!("{} is not a readable Raven selection table", path.display()))
}

/// Parses the text of a Raven selection table.
pub fn parse_raven(text: &str) -> Result<Vec<Annotation>> {
    let mut lines = without_bom(text)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    let find = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
    let (Some(begin), Some(end)) = (find("Begin Time (s)"), find("End Time (s)")) else {
        bail!("the header lacks `Begin Time (s)` and `End Time (s)` columns");
    };
    let selection = find("Selection");
    let label = find("Annotation");
    let channel = find("Channel");
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (number, line) in lines {
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if let Some(id) = selection.and_then(|i| fields.get(i))
            && !seen.insert(id.to_string())
        {
            continue;
        }
        let (onset_s, offset_s) = span(&fields, begin, end, number + 1)?;
        let label = label.and_then(|i| fields.get(i)).unwrap_or(&"").to_string();
        out.push(Annotation {
            onset_s,
            offset_s,
            label,
            channel: channel_at(&fields, channel, number + 1)?,
        });
    }
    out.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    Ok(out)
}

/// Reads an annotation CSV (`file,onset_s,offset_s,low_hz,high_hz,label`, with a header), grouped
/// by the `file` column. The label column may also be called `class`, as in hark's event CSV.
pub fn read_csv(path: &Path) -> Result<BTreeMap<String, Vec<Annotation>>> {
    parse_csv(&read_text(path)?)
        .with_context(|| format!("{} is not a readable annotation CSV", path.display()))
}

/// Parses the text of an annotation CSV.
pub fn parse_csv(text: &str) -> Result<BTreeMap<String, Vec<Annotation>>> {
    let mut lines = without_bom(text)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(BTreeMap::new());
    };
    let columns = csv_fields(header);
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let find = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(file), Some(onset), Some(offset)) = (find("file"), find("onset_s"), find("offset_s"))
    else {
        bail!("the header must name `file`, `onset_s` and `offset_s` columns");
    };
    let label = find("label").or_else(|| find("class"));
    let channel = find("channel");
    let mut out: BTreeMap<String, Vec<Annotation>> = BTreeMap::new();
    for (number, line) in lines {
        let fields = csv_fields(line);
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let (onset_s, offset_s) = span(&fields, onset, offset, number + 1)?;
        let name = fields.get(file).copied().unwrap_or("").to_string();
        if name.is_empty() {
            bail!("line {}: the `file` column is empty", number + 1);
        }
        let label = label.and_then(|i| fields.get(i)).unwrap_or(&"").to_string();
        out.entry(name).or_default().push(Annotation {
            onset_s,
            offset_s,
            label,
            channel: channel_at(&fields, channel, number + 1)?,
        });
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    }
    Ok(out)
}

/// Reads an Audacity label track (exported labels: `start<TAB>end<TAB>label` per line).
pub fn read_audacity(path: &Path) -> Result<Vec<Annotation>> {
    parse_audacity(&read_text(path)?)
        .with_context(|| format!("{} is not a readable Audacity label track", path.display()))
}

/// Parses the text of an Audacity label track. Audacity writes a label's frequency range, when it
/// has one, on a following line that starts with `\`; events here are time spans, so those lines
/// are skipped. The label is optional (a missing one reads as empty).
pub fn parse_audacity(text: &str) -> Result<Vec<Annotation>> {
    let mut out = Vec::new();
    for (number, line) in without_bom(text).lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('\\') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if fields.len() < 2 {
            bail!(
                "line {}: expected `start<TAB>end<TAB>label`, found `{}`",
                number + 1,
                line.trim()
            );
        }
        let (onset_s, offset_s) = span(&fields, 0, 1, number + 1)?;
        let label = fields.get(2).copied().unwrap_or("").to_string();
        out.push(Annotation {
            onset_s,
            offset_s,
            label,
            channel: None,
        });
    }
    out.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    Ok(out)
}

/// One recording's annotations as some file gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The recording's name as the file gives it: a table's file name, or a CSV row's `file`.
    /// [`recording_key`] turns it into the name that pairs reference and predictions.
    pub name: String,
    /// Where it came from, for messages: the file, and the `file` value when a CSV holds many.
    pub source: String,
    /// The annotations, sorted by onset.
    pub annotations: Vec<Annotation>,
}

/// The file formats [`read_recordings`] knows. Adding one (JSON lines) means a variant here, its
/// extension in [`is_annotation_file`] and [`Format::of`], and a parser in [`read_file`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// A Raven selection table: one recording per file.
    Raven,
    /// An Audacity label track: one recording per file.
    Audacity,
    /// A CSV with a `file` column: many recordings per file.
    Csv,
}

impl Format {
    /// The format of an annotation file, from its extension and, for `.txt`, its text: Raven
    /// tables and Audacity label tracks share the extension, but only a Raven table starts with a
    /// header (that names `Begin Time (s)`).
    fn of(path: &Path, text: &str) -> Format {
        if extension(path).as_deref() == Some("csv") {
            return Format::Csv;
        }
        let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if first_line.to_ascii_lowercase().contains("begin time (s)") {
            Format::Raven
        } else {
            Format::Audacity
        }
    }
}

/// Whether a file's extension says it holds annotations, so that a folder scan skips the audio
/// and notes that often sit beside the tables.
fn is_annotation_file(path: &Path) -> bool {
    matches!(extension(path).as_deref(), Some("txt" | "csv"))
}

/// A file's extension in lower case.
fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// Reads the annotations of every recording at `path`: one file (a Raven table or Audacity label
/// track `.txt`, or a `.csv`), or a folder of them (not searched recursively; other files, such as
/// the audio, are skipped). The recordings come in file-name order.
pub fn read_recordings(path: &Path) -> Result<Vec<Recording>> {
    if !path.is_dir() {
        if !path.exists() {
            bail!("{} does not exist", path.display());
        }
        if !is_annotation_file(path) {
            bail!(
                "{}: unknown annotation format; expected a Raven selection table or Audacity \
                 labels (.txt), or a CSV (.csv)",
                path.display()
            );
        }
        return read_file(path);
    }
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(path).with_context(|| format!("cannot list {}", path.display()))?
    {
        let entry = entry.with_context(|| format!("cannot list {}", path.display()))?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let file = entry.path();
        if !hidden && file.is_file() && is_annotation_file(&file) {
            files.push(file);
        }
    }
    if files.is_empty() {
        bail!(
            "{} holds no annotation files (Raven selection tables or Audacity labels .txt, \
             or .csv)",
            path.display()
        );
    }
    files.sort();
    let mut out = Vec::new();
    for file in &files {
        out.extend(read_file(file)?);
    }
    Ok(out)
}

/// The recordings in one annotation file, with errors that name the file.
fn read_file(path: &Path) -> Result<Vec<Recording>> {
    let text = read_text(path)?;
    let format = Format::of(path, &text);
    let one = |annotations| {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        vec![Recording {
            name: name.to_string(),
            source: path.display().to_string(),
            annotations,
        }]
    };
    Ok(match format {
        Format::Raven => one(parse_raven(&text).with_context(|| {
            format!("{} is not a readable Raven selection table", path.display())
        })?),
        Format::Audacity => one(parse_audacity(&text).with_context(|| {
            format!("{} is not a readable Audacity label track", path.display())
        })?),
        Format::Csv => parse_csv(&text)
            .with_context(|| format!("{} is not a readable annotation CSV", path.display()))?
            .into_iter()
            .map(|(name, annotations)| Recording {
                source: format!("{} (file `{name}`)", path.display()),
                name,
                annotations,
            })
            .collect(),
    })
}

/// The text of a file (the parsers drop a byte-order mark).
fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// `text` without the byte-order mark some Windows tools put first, which would otherwise stick
/// to the first column name or time.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Audio extensions stripped from recording names: a CSV row names `rec.wav` where a table is
/// `rec.Table.1.selections.txt`, and both mean recording `rec`. Only known audio extensions go,
/// because names such as `2024.05.01` hold dots of their own.
const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "flac", "mp3", "ogg", "opus", "aif", "aiff", "m4a", "w64", "wv", "caf",
];

/// The name that pairs a recording's reference with its predictions: the name without the
/// annotation suffix (`.Table.N.selections.txt`, `.selections.txt`, `.txt`) and without an audio
/// extension; without folders unless `with_folders` (for sets where two folders hold a
/// recording of the same name). Backslashes count as folder separators.
pub fn recording_key(name: &str, with_folders: bool) -> String {
    let name = name.replace('\\', "/");
    let name = name.trim_start_matches("./");
    let name = if with_folders {
        name
    } else {
        name.rsplit('/').next().unwrap_or(name)
    };
    let name = strip_table_suffix(name);
    match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && AUDIO_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) =>
        {
            stem.to_string()
        }
        _ => name.to_string(),
    }
}

/// `name` without the suffix Raven (`.Table.N.selections.txt`, `.selections.txt`) or a label
/// file (`.txt`) adds to a recording's name.
fn strip_table_suffix(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".selections.txt") {
        let rest = &name[..name.len() - ".selections.txt".len()];
        // `.Table.<digits>`: Raven numbers the tables of one recording.
        if let Some((stem, number)) = rest.rsplit_once('.')
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && stem.to_ascii_lowercase().ends_with(".table")
        {
            return &stem[..stem.len() - ".table".len()];
        }
        return rest;
    }
    if lower.ends_with(".txt") {
        return &name[..name.len() - ".txt".len()];
    }
    name
}

/// The `(onset, offset)` in seconds from two columns of a row, checked to be times in order.
/// The fields of one CSV line, trimmed; a field in double quotes may hold commas, and `""`
/// inside it stands for one quote (RFC 4180, as hark's event CSV writes names with commas).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field).trim().to_string()),
            c => field.push(c),
        }
    }
    fields.push(field.trim().to_string());
    fields
}

fn span(fields: &[&str], onset: usize, offset: usize, line: usize) -> Result<(f64, f64)> {
    let time = |i: usize| -> Result<f64> {
        let raw = fields.get(i).copied().unwrap_or("");
        raw.parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .with_context(|| format!("line {line}: `{raw}` is not a time in seconds"))
    };
    let (start, end) = (time(onset)?, time(offset)?);
    if end < start {
        bail!("line {line}: the event ends before it begins");
    }
    Ok((start, end))
}

/// The channel in column `column` of a line, if the table has one and the field is not empty.
fn channel_at(fields: &[&str], column: Option<usize>, line: usize) -> Result<Option<u32>> {
    let raw = column.and_then(|i| fields.get(i)).copied().unwrap_or("");
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<u32>() {
        Ok(channel) if channel >= 1 => Ok(Some(channel)),
        _ => bail!("line {line}: `{raw}` is not a channel number (channels count from 1)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raven_keeps_one_row_per_selection() {
        let text = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tAnnotation\n\
                    1\tWaveform 1\t1\t1.0\t1.5\tA\n\
                    1\tSpectrogram 1\t1\t1.0\t1.5\tA\n\
                    2\tSpectrogram 1\t1\t0.2\t0.4\tB\n";
        let a = parse_raven(text).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(
            a[0],
            Annotation {
                onset_s: 0.2,
                offset_s: 0.4,
                label: "B".into(),
                channel: Some(1),
            }
        );
    }

    #[test]
    fn channels_come_from_raven_and_csv_columns() {
        let text = "Selection\tChannel\tBegin Time (s)\tEnd Time (s)\n1\t2\t0\t1\n2\t\t1\t2\n";
        let channels: Vec<_> = parse_raven(text)
            .unwrap()
            .iter()
            .map(|a| a.channel)
            .collect();
        assert_eq!(channels, [Some(2), None]);
        let a = parse_csv("file,onset_s,offset_s,channel\na.wav,0,1,3\n").unwrap();
        assert_eq!(a["a.wav"][0].channel, Some(3));
        assert_eq!(
            parse_csv("file,onset_s,offset_s\na.wav,0,1\n").unwrap()["a.wav"][0].channel,
            None
        );
        let err = parse_raven("Channel\tBegin Time (s)\tEnd Time (s)\n0\t0\t1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("channel"), "{err}");
    }

    #[test]
    fn raven_errors_name_the_line() {
        let text = "Selection\tBegin Time (s)\tEnd Time (s)\n1\t0.5\tsoon\n";
        let err = parse_raven(text).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("soon"), "{err}");
    }

    #[test]
    fn csv_groups_by_file() {
        let text = "file,onset_s,offset_s,low_hz,high_hz,label\nb.wav,2,3,,,x\na.wav,1,1.5,,,y\nb.wav,0.5,1,,,z\n";
        let a = parse_csv(text).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a["b.wav"][0].onset_s, 0.5);
        assert!(parse_csv("file,onset_s,offset_s\na.wav,2,1\n").is_err());
    }

    #[test]
    fn csv_reads_hark_event_columns_and_rejects_rows_without_a_file() {
        let a =
            parse_csv("file,onset_s,offset_s,class,peak,mean\nx/a.wav,1,1.2,syllable,0.9,0.7\n")
                .unwrap();
        assert_eq!(a["x/a.wav"][0].label, "syllable");
        let err = parse_csv("file,onset_s,offset_s\n,1,2\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("`file`"), "{err}");
    }

    #[test]
    fn audacity_skips_frequency_lines() {
        let text = "1.5\t1.75\tA\n\\\t200.0\t8000.0\n0.25\t0.5\t\n\n2\t2.5\r\n";
        let a = parse_audacity(text).unwrap();
        let spans: Vec<_> = a
            .iter()
            .map(|e| (e.onset_s, e.offset_s, e.label.as_str()))
            .collect();
        assert_eq!(spans, [(0.25, 0.5, ""), (1.5, 1.75, "A"), (2.0, 2.5, "")]);
    }

    #[test]
    fn audacity_errors_name_the_line() {
        let err = parse_audacity("0.1\t0.2\tA\n0.3 0.4 B\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("0.3 0.4 B"), "{err}");
        let err = parse_audacity("0.1\t0.2\tA\n\n0.5\t0.4\tB\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("ends before"),
            "{err}"
        );
        let err = parse_audacity("0.1\tNaN\tA\n").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("NaN"), "{err}");
    }

    #[test]
    fn txt_files_are_raven_tables_when_they_start_with_a_raven_header() {
        let raven = "\u{feff}Selection\tBegin Time (s)\tEnd Time (s)\n1\t0\t1\n";
        assert_eq!(Format::of(Path::new("a.txt"), raven), Format::Raven);
        assert_eq!(
            Format::of(Path::new("a.txt"), "0\t1\tA\n"),
            Format::Audacity
        );
        assert_eq!(Format::of(Path::new("a.CSV"), raven), Format::Csv);
        assert!(!is_annotation_file(Path::new("a.wav")));
    }

    #[test]
    fn recording_keys_drop_suffixes_extensions_and_folders() {
        for (name, key) in [
            ("bird0_2.Table.1.selections.txt", "bird0_2"),
            ("bird0_2.Table.12.selections.txt", "bird0_2"),
            ("bird0_2.selections.txt", "bird0_2"),
            ("bird0_2.txt", "bird0_2"),
            ("bird0_2.wav.txt", "bird0_2"),
            ("audio/site 1/bird0_2.WAV", "bird0_2"),
            ("audio\\bird0_2.flac", "bird0_2"),
            ("2024.05.01_0600", "2024.05.01_0600"),
            (".wav", ".wav"),
            ("", ""),
        ] {
            assert_eq!(recording_key(name, false), key, "{name}");
        }
        assert_eq!(recording_key("./a/b/rec.wav", true), "a/b/rec");
        assert_eq!(recording_key("rec.Table.1.selections.txt", true), "rec");
    }
}
