//! Reading reference annotations: Raven selection tables and hark's annotation CSV.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// One annotated vocalization.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// Start, seconds from the file's start.
    pub onset_s: f64,
    /// End, seconds from the file's start.
    pub offset_s: f64,
    /// The annotator's label (may be empty).
    pub label: String,
}

/// Reads a Raven selection table. Raven writes one row per view (waveform and spectrogram) of a
/// selection; each selection is kept once.
pub fn read_raven(path: &Path) -> Result<Vec<Annotation>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_raven(&text)
        .with_context(|| format!("{} is not a readable Raven selection table", path.display()))
}

/// Parses the text of a Raven selection table.
pub fn parse_raven(text: &str) -> Result<Vec<Annotation>> {
    let mut lines = text
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
        });
    }
    out.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    Ok(out)
}

/// Reads an annotation CSV (`file,onset_s,offset_s,low_hz,high_hz,label`, with a header), grouped
/// by the `file` column.
pub fn read_csv(path: &Path) -> Result<BTreeMap<String, Vec<Annotation>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_csv(&text).with_context(|| format!("{} is not a readable annotation CSV", path.display()))
}

/// Parses the text of an annotation CSV.
pub fn parse_csv(text: &str) -> Result<BTreeMap<String, Vec<Annotation>>> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(BTreeMap::new());
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(file), Some(onset), Some(offset)) = (find("file"), find("onset_s"), find("offset_s"))
    else {
        bail!("the header must name `file`, `onset_s` and `offset_s` columns");
    };
    let label = find("label");
    let mut out: BTreeMap<String, Vec<Annotation>> = BTreeMap::new();
    for (number, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let (onset_s, offset_s) = span(&fields, onset, offset, number + 1)?;
        let name = fields.get(file).copied().unwrap_or("").to_string();
        let label = label.and_then(|i| fields.get(i)).unwrap_or(&"").to_string();
        out.entry(name).or_default().push(Annotation {
            onset_s,
            offset_s,
            label,
        });
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    }
    Ok(out)
}

/// The `(onset, offset)` in seconds from two columns of a row, checked to be times in order.
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
                label: "B".into()
            }
        );
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
}
