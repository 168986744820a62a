//! `hark eval` as a user runs it, on the bundled finch annotations.

mod common;

use std::fmt::Write;
use std::path::PathBuf;
use std::process::Output;

use common::{finch, hark};
use hark::eval::annotations::{Annotation, read_raven};
use serde_json::Value;

fn table_path(recording: &str) -> PathBuf {
    finch().join(format!("{recording}.Table.1.selections.txt"))
}

fn reference(recording: &str) -> Vec<Annotation> {
    read_raven(&table_path(recording)).unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Runs `hark eval ... --json` and parses its one JSON object.
fn eval_json(args: &[&str]) -> (Value, String) {
    let out = hark(&[&["eval", "--json"], args].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let json =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (json, stderr(&out))
}

/// The TP, FP, FN of a score at one IoU threshold (`"0.3"` or `"0.5"`).
fn counts(score: &Value, threshold: &str) -> (u64, u64, u64) {
    let c = &score[format!("iou_{threshold}")];
    let n = |k: &str| c[k].as_u64().unwrap_or_else(|| panic!("{k} in {c}"));
    (n("tp"), n("fp"), n("fn"))
}

/// A Raven selection table as `hark detect` writes one, every event of class `class`.
fn raven_table(events: &[(f64, f64)], class: &str) -> String {
    let mut out = String::from(
        "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\tScore\n",
    );
    for (i, (on, off)) in events.iter().enumerate() {
        writeln!(
            out,
            "{}\tSpectrogram 1\t1\t{on:.6}\t{off:.6}\t0.0\t8000.0\t{class}\t0.9000",
            i + 1
        )
        .unwrap();
    }
    out
}

fn spans(events: &[Annotation]) -> Vec<(f64, f64)> {
    events.iter().map(|a| (a.onset_s, a.offset_s)).collect()
}

#[test]
fn the_reference_scored_against_itself_is_perfect() {
    let dir = finch();
    let dir = dir.to_str().unwrap();
    let (json, _) = eval_json(&["--ref", dir, "--pred", dir]);
    let all = &json["all"];
    assert_eq!(counts(all, "0.3"), (395, 0, 0));
    assert_eq!(counts(all, "0.5"), (395, 0, 0));
    assert_eq!(all["iou_0.3"]["f1"].as_f64(), Some(1.0));
    assert_eq!(all["median_onset_error_ms"].as_f64(), Some(0.0));
    assert_eq!(all["median_offset_error_ms"].as_f64(), Some(0.0));
    assert_eq!(json["recordings"].as_u64(), Some(6));
    // Syllable types 0..8, each its own row, in numeric order.
    let classes: Vec<&str> = json["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["class"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["0", "1", "2", "3", "4", "5", "6", "7", "8"]);
    assert_eq!(counts(&json["classes"][0], "0.3"), (108, 0, 0));

    let out = hark(&["eval", "--ref", dir, "--pred", dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let last_row = table.lines().find(|l| l.starts_with("all")).unwrap();
    let cells: Vec<&str> = last_row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "all", "395", "0", "0", "1.000", "1.000", "1.000", "1.000", "0.0", "0.0"
        ],
        "{table}"
    );
}

/// Predictions with known changes: bird0_2 loses its first 3 syllables, the rest come 4 ms late
/// and end 10 ms late (IoU >= 0.70); bird0_9 likewise, but its syllable 10 is shifted by 40 % of
/// its length (IoU 0.43: a match at 0.3, not at 0.5) and 2 spurious events follow; bird0_34, 51,
/// 54 and 8 (266 syllables) have no predictions; bird9_99 has no reference.
#[test]
fn known_deletions_shifts_and_false_alarms_give_exact_counts() {
    let pred = tempfile::tempdir().unwrap();
    let late = |(on, off): (f64, f64)| (on + 0.004, off + 0.010);

    let bird0_2: Vec<(f64, f64)> = spans(&reference("bird0_2"))[3..]
        .iter()
        .map(|&s| late(s))
        .collect();
    let mut bird0_9: Vec<(f64, f64)> = spans(&reference("bird0_9")).into_iter().map(late).collect();
    let (on, off) = spans(&reference("bird0_9"))[10];
    let shift = 0.4 * (off - on);
    bird0_9[10] = (on + shift, off + shift);
    bird0_9.extend([(100.0, 100.05), (101.0, 101.05)]);
    for (name, events) in [
        ("bird0_2", &bird0_2),
        ("bird0_9", &bird0_9),
        ("bird9_99", &vec![(1.0, 1.1)]),
    ] {
        let path = pred.path().join(format!("{name}.Table.1.selections.txt"));
        std::fs::write(path, raven_table(events, "syllable")).unwrap();
    }

    let refs = finch();
    let args = [
        "--ref",
        refs.to_str().unwrap(),
        "--pred",
        pred.path().to_str().unwrap(),
    ];
    let (json, notes) = eval_json(&[&args[..], &["--class-agnostic"]].concat());
    let all = &json["all"];
    assert_eq!(counts(all, "0.3"), (68 + 58, 2, 3 + 266));
    assert_eq!(counts(all, "0.5"), (68 + 57, 3, 3 + 266 + 1));
    let f1 = all["iou_0.3"]["f1"].as_f64().unwrap();
    assert!((f1 - 126.0 / (126.0 + 271.0 / 2.0)).abs() < 1e-12, "{f1}");
    let onset = all["median_onset_error_ms"].as_f64().unwrap();
    let offset = all["median_offset_error_ms"].as_f64().unwrap();
    assert!(
        (onset - 4.0).abs() < 1e-6 && (offset - 10.0).abs() < 1e-6,
        "{all}"
    );
    assert_eq!(json["classes"].as_array().map(Vec::len), Some(0));
    let missing = json["recordings_without_predictions"].to_string();
    assert_eq!(missing, r#"["bird0_34","bird0_51","bird0_54","bird0_8"]"#);
    for name in ["bird0_34", "bird0_51", "bird0_54", "bird0_8", "bird9_99"] {
        assert!(
            notes.contains(name),
            "`{name}` missing from stderr:\n{notes}"
        );
    }

    // By class, the model's one class `syllable` meets none of the syllable types 0..8: nothing
    // matches, and stderr points at --class-agnostic.
    let (json, notes) = eval_json(&args);
    assert_eq!(counts(&json["all"], "0.3"), (0, 128, 395));
    assert!(notes.contains("--class-agnostic"), "{notes}");
}

/// An Audacity label track as reference (with frequency lines) and hark's event CSV as
/// predictions, its `file` column a path to the audio: they pair, and the classes agree.
#[test]
fn audacity_reference_and_csv_predictions_pair_by_recording() {
    let dir = tempfile::tempdir().unwrap();
    let events = reference("bird0_2");
    let mut labels = String::new();
    let mut csv = String::from("file,onset_s,offset_s,class,peak,mean\n");
    for e in &events {
        let (on, off, label) = (e.onset_s, e.offset_s, &e.label);
        writeln!(labels, "{on:.6}\t{off:.6}\t{label}\n\\\t0.0\t16000.0").unwrap();
        writeln!(csv, "field/bird0_2.wav,{on:.6},{off:.6},{label},0.9,0.8").unwrap();
    }
    let labels_path = dir.path().join("bird0_2.txt");
    let csv_path = dir.path().join("pred.csv");
    std::fs::write(&labels_path, labels).unwrap();
    std::fs::write(&csv_path, csv).unwrap();
    let (json, notes) = eval_json(&[
        "--ref",
        labels_path.to_str().unwrap(),
        "--pred",
        csv_path.to_str().unwrap(),
    ]);
    assert_eq!(counts(&json["all"], "0.3"), (71, 0, 0), "{notes}");
    assert_eq!(json["classes"].as_array().map(Vec::len), Some(9));
    assert!(notes.is_empty(), "{notes}");
}

/// A stereo recording annotated on its first channel, and predictions on both (as `hark detect
/// --each-channel` writes them): across channels the second channel's event takes the first
/// channel's annotation; with --by-channel it is a false alarm and the annotation is missed.
#[test]
fn by_channel_keeps_the_channels_of_a_recording_apart() {
    let dir = tempfile::tempdir().unwrap();
    let table = |rows: &[(u32, f64, f64)]| {
        let mut out =
            String::from("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tAnnotation\n");
        for (i, (channel, on, off)) in rows.iter().enumerate() {
            writeln!(
                out,
                "{}\tSpectrogram 1\t{channel}\t{on}\t{off}\tsyllable",
                i + 1
            )
            .unwrap();
        }
        out
    };
    let (refs, preds) = (dir.path().join("ref"), dir.path().join("pred"));
    for d in [&refs, &preds] {
        std::fs::create_dir(d).unwrap();
    }
    let name = "duet.Table.1.selections.txt";
    std::fs::write(refs.join(name), table(&[(1, 1.0, 1.2)])).unwrap();
    std::fs::write(preds.join(name), table(&[(1, 5.0, 5.2), (2, 1.0, 1.2)])).unwrap();
    let (refs, preds) = (refs.to_str().unwrap(), preds.to_str().unwrap());

    let (across, notes) = eval_json(&["--ref", refs, "--pred", preds]);
    assert_eq!(counts(&across["all"], "0.3"), (1, 1, 0));
    assert!(notes.contains("--by-channel"), "{notes}");
    let (apart, notes) = eval_json(&["--ref", refs, "--pred", preds, "--by-channel"]);
    assert_eq!(counts(&apart["all"], "0.3"), (0, 2, 1));
    assert_eq!(apart["by_channel"], Value::Bool(true));
    assert!(notes.is_empty(), "{notes}");
}

#[test]
fn a_malformed_reference_names_the_file_and_line() {
    let refs = tempfile::tempdir().unwrap();
    for name in ["bird0_2", "bird0_8"] {
        let text = std::fs::read_to_string(table_path(name)).unwrap();
        let text = if name == "bird0_8" {
            // Line 5 (selection 4): its Begin Time becomes `1.2x`.
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let mut fields: Vec<&str> = lines[4].split('\t').collect();
            fields[3] = "1.2x";
            lines[4] = fields.join("\t");
            lines.join("\n")
        } else {
            text
        };
        let path = refs.path().join(format!("{name}.Table.1.selections.txt"));
        std::fs::write(path, text).unwrap();
    }
    let finch = finch();
    let out = hark(&[
        "eval",
        "--ref",
        refs.path().to_str().unwrap(),
        "--pred",
        finch.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("bird0_8.Table.1.selections.txt")
            && err.contains("line 5")
            && err.contains("`1.2x` is not a time"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let labels = refs.path().join("bird0_2.txt");
    std::fs::write(&labels, "0.1\t0.2\tA\n0.5 0.6 B\n").unwrap();
    let out = hark(&[
        "eval",
        "--ref",
        labels.to_str().unwrap(),
        "--pred",
        finch.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("bird0_2.txt is not a readable Audacity label track")
            && err.contains("line 2"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Segment scores beside the event scores: a reference and predictions with known segments.
#[test]
fn segments_count_where_either_side_is_active() {
    let dir = tempfile::tempdir().unwrap();
    let (refs, preds) = (dir.path().join("ref"), dir.path().join("pred"));
    for (folder, events) in [
        // Segments 0, 1 and 2 (1.9-2.1 s straddles a boundary), and 5.
        (&refs, vec![(0.2, 0.4), (1.9, 2.1), (5.0, 5.5)]),
        // Segment 0 (twice: counted once) and segment 3; 2.0 s ends on a boundary.
        (
            &preds,
            vec![(0.25, 0.35), (0.5, 0.6), (1.5, 2.0), (3.0, 3.1)],
        ),
    ] {
        std::fs::create_dir_all(folder).unwrap();
        let table = folder.join("rec.Table.1.selections.txt");
        std::fs::write(table, raven_table(&events, "call")).unwrap();
    }
    let args = [
        "--ref",
        refs.to_str().unwrap(),
        "--pred",
        preds.to_str().unwrap(),
    ];
    let (json, _) = eval_json(&args);
    assert_eq!(json["segment_s"].as_f64(), Some(1.0));
    let seg = &json["all"]["segment"];
    let n = |k: &str| seg[k].as_u64().unwrap();
    // Positive in both: 0, 1; predictions only: 3; reference only: 2, 5.
    assert_eq!((n("tp"), n("fp"), n("fn")), (2, 1, 2), "{seg}");

    // Half-second segments: reference 0, 3, 4, 10; predictions 0, 1, 3, 6.
    let (json, _) = eval_json(&[&args[..], &["--segment", "0.5"]].concat());
    let seg = &json["all"]["segment"];
    let n = |k: &str| seg[k].as_u64().unwrap();
    assert_eq!((n("tp"), n("fp"), n("fn")), (2, 2, 2), "{seg}");

    let out = hark(&[&["eval"], &args[..], &["--segment", "0"]].concat());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--segment"), "{}", stderr(&out));
    // The table prints them under the event rows.
    let out = hark(&[&["eval"], &args[..]].concat());
    assert!(stdout(&out).contains("seg F1"), "{}", stdout(&out));
}
