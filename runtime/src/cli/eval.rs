//! `hark eval`: score predicted events against reference annotations.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use hark::eval::annotations::{Annotation, read_recordings};
use hark::eval::pairing::{Pairing, pair_recordings};
use hark::eval::score::{Counts, Report, Score, THRESHOLDS};
use hark::eval::segments::{DEFAULT_SEGMENT_S, check_segment_s};
use serde_json::{Value, json};

/// The flags of `hark eval`; the matching rules go in the long help, where users look for them.
#[derive(Args)]
#[command(after_long_help = "\
Matching: a predicted event matches a reference event of the same recording and class when \
their intersection over union (IoU) exceeds 0.3 (and, for the F1@0.5 column, 0.5); each event \
matches at most one other (a maximum bipartite matching per recording). Counts are pooled over \
recordings; F1 = TP / (TP + (FP + FN) / 2). Onset and offset errors are the medians of \
|predicted - reference| over the pairs matched at IoU > 0.3.

Segments: beside the events, each recording is cut into segments of --segment seconds (1 by \
default) from its start; a segment is positive on a side when an event of that side (and class) \
overlaps it by more than an instant, so an event ending on a boundary stays out of the next \
segment. Segments positive on both sides are TPs, on the predicted side only FPs, on the \
reference side only FNs, pooled over recordings (and classes, for `all`) like the events; the \
second table (JSON `segment`) gives their P, R, F1. This forgives the boundary errors that IoU \
punishes, and compares with models that score fixed windows.

Recordings: reference and prediction files are paired by recording name: the file name without \
folders, without `.Table.1.selections.txt`, `.selections.txt` or `.txt`, and without an audio \
extension (a CSV's `bird1.wav` pairs with `bird1.Table.1.selections.txt`). When two recordings of \
one set share a name in different folders, names keep their folders. A reference recording with no \
predictions counts all its events as missed; predictions for a recording without reference are \
ignored. Both are listed on stderr.

Classes: by default events match only events with the same class name (Raven `Annotation` \
column, CSV `label` or `class` column, Audacity label), and each class gets a row. When the \
reference labels are finer than the model's classes (syllable types 0..8 against one class \
`syllable`), use --class-agnostic.

Channels: by default an event may match an annotation on any channel of its recording. With \
--by-channel each channel is scored on its own (Raven `Channel` column, CSV `channel` column; an \
event without one is on channel 1): use it for the tables of `hark detect --each-channel`.

Formats: a Raven selection table or an Audacity label track (.txt, one recording per file, told \
apart by Raven's header), a CSV with a header naming `file`, `onset_s`, `offset_s` and optionally \
`label` or `class`, or a folder of such files (audio and other files in it are skipped).

Exit status: 0 when scored; 1 on an error (an unreadable file or line, a recording annotated \
twice, no recording with both a reference and predictions, a --segment that is not above 0).")]
pub struct EvalArgs {
    /// Reference annotations: a folder of Raven selection tables or Audacity label files
    /// (`<recording>.txt`), one such file, or a CSV (`file,onset_s,offset_s,...,label`).
    #[arg(long = "ref", value_name = "PATH")]
    pub reference: PathBuf,
    /// Predicted events, in the same formats: the folder `hark detect --out` wrote, one table, or
    /// a CSV.
    #[arg(long, value_name = "PATH")]
    pub pred: PathBuf,
    /// Ignore class names: any predicted event may match any reference event, and only the
    /// overall row is printed.
    #[arg(long)]
    pub class_agnostic: bool,
    /// Score each channel of a recording on its own: an event matches only annotations on its
    /// channel (for the tables of `hark detect --each-channel`).
    #[arg(long)]
    pub by_channel: bool,
    /// Segment length in seconds for the segment-based scores: each recording is cut into
    /// segments of this length, positive where an event overlaps them.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_SEGMENT_S)]
    pub segment: f64,
    /// Print one JSON object (on one line) instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Reads both sets, pairs their recordings, scores them and prints the table or the JSON.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let segment_s = check_segment_s(args.segment).context("--segment")?;
    let reference = read_recordings(&args.reference).context("reading the reference (--ref)")?;
    let predicted = read_recordings(&args.pred).context("reading the predictions (--pred)")?;
    let pairing = pair_recordings(reference, predicted)?;
    check_names_meet(&pairing)?;
    report_unpaired(&pairing);
    let mut report = Report::new(args.class_agnostic, segment_s);
    for paired in &pairing.recordings {
        let reference = &paired.reference.annotations[..];
        let predicted = paired
            .predicted
            .as_ref()
            .map_or(&[][..], |p| &p.annotations[..]);
        if !args.by_channel {
            report.add_recording(reference, predicted);
            continue;
        }
        let channels: BTreeSet<u32> = reference.iter().chain(predicted).map(channel).collect();
        for c in channels {
            let on = |events: &[Annotation]| -> Vec<Annotation> {
                events.iter().filter(|a| channel(a) == c).cloned().collect()
            };
            report.add_recording(&on(reference), &on(predicted));
        }
    }
    if !args.by_channel {
        suggest_by_channel(&pairing);
    }
    if !args.class_agnostic {
        warn_if_no_class_is_shared(&pairing);
    }
    if args.json {
        println!("{}", to_json(args, &pairing, &report));
    } else {
        print_tables(&report, pairing.recordings.len());
    }
    Ok(())
}

/// Prints the event table and the segment table, each with a line that says what it counts.
fn print_tables(report: &Report, recordings: usize) {
    print!("{}", table(report));
    println!(
        "{recordings} recording{}; TP, FP, FN, P, R, F1 at IoU > {}; onset/offset: median |error| \
         of the pairs matched at IoU > {}",
        if recordings == 1 { "" } else { "s" },
        THRESHOLDS[0],
        THRESHOLDS[0]
    );
    if let Some((f1, n)) = report.macro_f1() {
        let at: Vec<String> = (THRESHOLDS.iter().zip(f1))
            .map(|(t, f)| format!("{f:.3} at IoU > {t}"))
            .collect();
        println!(
            "macro F1 over the {n} classes of the reference: {}",
            at.join(", ")
        );
    }
    println!();
    print!("{}", segment_table(report));
    println!(
        "segment-based, {} s segments: a segment is positive where an event overlaps it; seg TP, \
         FP, FN count segments, pooled over recordings",
        report.segment_s
    );
}

/// Fails when both sides name recordings but none in common: a wrong folder or a naming scheme
/// the pairing does not see through, which a table of zeros would only hide.
fn check_names_meet(pairing: &Pairing) -> Result<()> {
    let paired = pairing.recordings.iter().any(|p| p.predicted.is_some());
    if paired || pairing.recordings.is_empty() || pairing.unreferenced.is_empty() {
        return Ok(());
    }
    let list = |names: Vec<&str>| {
        let more = names.len().saturating_sub(3);
        let shown = names.into_iter().take(3).collect::<Vec<_>>().join(", ");
        if more > 0 {
            format!("{shown} and {more} more")
        } else {
            shown
        }
    };
    bail!(
        "no recording has both a reference and predictions (reference: {}; predictions: {})",
        list(pairing.recordings.iter().map(|p| p.key.as_str()).collect()),
        list(
            pairing
                .unreferenced
                .iter()
                .map(|r| r.source.as_str())
                .collect()
        )
    );
}

/// Says on stderr which recordings were scored without predictions, and which predictions were
/// ignored, so that nothing leaves the score silently.
fn report_unpaired(pairing: &Pairing) {
    if pairing.with_folders {
        eprintln!(
            "hark: note: two recordings of one set share a name, so recordings are paired by \
             path (folders included)"
        );
    }
    for paired in pairing.without_predictions() {
        eprintln!(
            "hark: warning: no predictions for recording `{}` ({}): its {} events count as missed",
            paired.key,
            paired.reference.source,
            paired.reference.annotations.len()
        );
    }
    for recording in &pairing.unreferenced {
        eprintln!(
            "hark: warning: {}: no reference for this recording; its {} predicted events are ignored",
            recording.source,
            recording.annotations.len()
        );
    }
}

/// An event's channel; one without is on channel 1, the only channel of a mono recording.
fn channel(a: &Annotation) -> u32 {
    a.channel.unwrap_or(1)
}

/// Says when predictions of one recording lie on several channels (`hark detect
/// --each-channel`) but are scored across channels, which --by-channel would keep apart.
fn suggest_by_channel(pairing: &Pairing) {
    let multichannel = pairing.recordings.iter().find(|p| {
        let events = p.predicted.iter().flat_map(|r| &r.annotations);
        events.map(channel).collect::<BTreeSet<_>>().len() > 1
    });
    if let Some(p) = multichannel {
        eprintln!(
            "hark: note: the predictions for `{}` lie on several channels, and each may match an \
             annotation on any channel; to score each channel on its own, add --by-channel",
            p.key
        );
    }
}

/// Warns when reference and predictions share no class name: then every event is a miss or a
/// false alarm, which almost always means --class-agnostic was wanted.
fn warn_if_no_class_is_shared(pairing: &Pairing) {
    let labels = |events: &mut dyn Iterator<Item = &Annotation>| {
        events.map(|a| a.label.clone()).collect::<BTreeSet<_>>()
    };
    let reference = labels(
        &mut pairing
            .recordings
            .iter()
            .flat_map(|p| &p.reference.annotations),
    );
    let predicted = labels(
        &mut pairing
            .recordings
            .iter()
            .filter_map(|p| p.predicted.as_ref())
            .flat_map(|p| &p.annotations),
    );
    if reference.is_empty() || predicted.is_empty() || !reference.is_disjoint(&predicted) {
        return;
    }
    let names = |set: &BTreeSet<String>| {
        set.iter()
            .map(|l| class_display(l))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "hark: warning: reference and predictions share no class name (reference: {}; \
         predictions: {}); to score detections whatever their class, add --class-agnostic",
        names(&reference),
        names(&predicted)
    );
}

/// A class name as the table shows it: an empty label would be an invisible row.
fn class_display(label: &str) -> &str {
    if label.is_empty() { "(none)" } else { label }
}

/// The rows of the tables: a row per class, then "all".
fn rows(report: &Report) -> Vec<(&str, &Score)> {
    let mut rows: Vec<(&str, &Score)> = report
        .class_names()
        .into_iter()
        .map(|name| (class_display(name), &report.classes[name]))
        .collect();
    rows.push(("all", &report.all));
    rows
}

/// The width of the tables' first column.
fn name_width(rows: &[(&str, &Score)]) -> usize {
    let width = rows.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    width.max("class".len())
}

/// A rate as the tables print it: `-` where it is undefined.
fn rate(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.3}"))
}

/// The aligned plain-text table of the event scores: a row per class, then "all".
fn table(report: &Report) -> String {
    let rows = rows(report);
    let width = name_width(&rows);
    let mut out = format!(
        "{:<width$} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>9} {:>9}\n",
        "class", "TP", "FP", "FN", "P", "R", "F1", "F1@0.5", "onset ms", "offset ms"
    );
    for (name, score) in rows {
        let c = score.counts[0];
        let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
        out += &format!(
            "{name:<width$} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6.3} {:>7.3} {:>9} {:>9}\n",
            c.tp,
            c.fp,
            c.fn_,
            rate(precision(&c)),
            rate(recall(&c)),
            c.f1(),
            score.counts[1].f1(),
            ms(score.median_onset_error_ms()),
            ms(score.median_offset_error_ms()),
        );
    }
    out
}

/// The aligned plain-text table of the segment scores, rows as in [`table`]; its columns say
/// `seg` so that no line reads as an event count.
fn segment_table(report: &Report) -> String {
    let rows = rows(report);
    let width = name_width(&rows);
    let mut out = format!(
        "{:<width$} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n",
        "class", "seg TP", "seg FP", "seg FN", "seg P", "seg R", "seg F1"
    );
    for (name, score) in rows {
        let c = score.segments;
        out += &format!(
            "{name:<width$} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6.3}\n",
            c.tp,
            c.fp,
            c.fn_,
            rate(precision(&c)),
            rate(recall(&c)),
            c.f1(),
        );
    }
    out
}

/// Precision, or `None` when nothing was predicted: a class the model never reports has no
/// precision, and printing 1 for it would read as a perfect score.
fn precision(c: &Counts) -> Option<f64> {
    (c.tp + c.fp > 0).then(|| c.precision())
}

/// Recall, or `None` when the reference holds no event to find.
fn recall(c: &Counts) -> Option<f64> {
    (c.tp + c.fn_ > 0).then(|| c.recall())
}

/// Milliseconds rounded to microseconds, the resolution of the tables' times, so that float
/// noise (3.0000000000001137) stays out of the JSON.
fn round_ms(v: Option<f64>) -> Option<f64> {
    v.map(|v| (v * 1e3).round() / 1e3)
}

/// The whole result as one JSON object.
fn to_json(args: &EvalArgs, pairing: &Pairing, report: &Report) -> Value {
    let classes: Vec<Value> = report
        .class_names()
        .into_iter()
        .map(|name| {
            let mut row = score_json(&report.classes[name]);
            row["class"] = json!(name);
            row
        })
        .collect();
    json!({
        "reference": args.reference.display().to_string(),
        "predictions": args.pred.display().to_string(),
        "class_agnostic": report.class_agnostic,
        "by_channel": args.by_channel,
        "iou_thresholds": THRESHOLDS,
        "segment_s": report.segment_s,
        "recordings": pairing.recordings.len(),
        "recordings_without_predictions":
            pairing.without_predictions().map(|p| p.key.as_str()).collect::<Vec<_>>(),
        "ignored_predictions":
            pairing.unreferenced.iter().map(|r| r.source.as_str()).collect::<Vec<_>>(),
        "classes": classes,
        "all": score_json(&report.all),
        "macro": report.macro_f1().map(|(f1, n)| {
            let mut out = json!({ "classes": n });
            for (threshold, f) in THRESHOLDS.iter().zip(f1) {
                out[format!("iou_{threshold}_f1")] = json!(f);
            }
            out
        }),
    })
}

/// One score: counts and rates at each threshold (keys `iou_0.3`, `iou_0.5`), median errors,
/// and the segment counts and rates (key `segment`); `null` for a rate or error that is
/// undefined (nothing predicted, nothing matched).
fn score_json(score: &Score) -> Value {
    let mut out = json!({
        "median_onset_error_ms": round_ms(score.median_onset_error_ms()),
        "median_offset_error_ms": round_ms(score.median_offset_error_ms()),
        "segment": counts_json(&score.segments),
    });
    for (counts, threshold) in score.counts.iter().zip(THRESHOLDS) {
        out[format!("iou_{threshold}")] = counts_json(counts);
    }
    out
}

/// Counts with their rates.
fn counts_json(counts: &Counts) -> Value {
    json!({
        "tp": counts.tp,
        "fp": counts.fp,
        "fn": counts.fn_,
        "precision": precision(counts),
        "recall": recall(counts),
        "f1": counts.f1(),
    })
}
