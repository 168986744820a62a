//! Every committed fuzz seed (`runtime/fuzz/corpus/<target>/`) through the code the fuzz targets
//! run, on stable Rust: none may panic, and each does what its name says (the naming is
//! described in `runtime/fuzz/make_seeds.py`): good audio decodes to the frames, channels and
//! rate named, truncated audio decodes what is there and reports the shortfall, broken input
//! fails with one of the runtime's own error messages.

#[path = "../fuzz/src/lib.rs"]
mod drive;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use hark::audio::decode::{ChannelChoice, Truncation};

/// How the decoder's errors begin: each says what is wrong in words, with symphonia's detail
/// after it. A broken seed must fail with one of these, not a bare library error.
const DECODE_ERRORS: &[&str] = &[
    "not a readable audio file",
    "the file has no audio track",
    "the audio track has no codec parameters",
    "the header gives no sample rate",
    "the channel count is unknown",
    "unsupported audio encoding",
    "the file announces",
    "the file is corrupt at",
    "the audio data is corrupt at",
    "the audio data is damaged at",
    "reading the file failed at",
    "cannot read the file",
];

/// The seeds of one target, by name, sorted.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 5, "{}: too few seeds", dir.display());
    out
}

/// The number a dash-separated part of a seed name holds before `suffix` (`48000hz` → 48000).
fn number(name: &str, suffix: &str) -> Option<u64> {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    stem.split('-').find_map(|part| {
        let digits = part.strip_suffix(suffix)?;
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse().unwrap())
    })
}

/// `700of1000f` → (700, 1000).
fn decoded_of_expected(name: &str) -> Option<(u64, u64)> {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    stem.split('-').find_map(|part| {
        let (decoded, expected) = part.strip_suffix('f')?.split_once("of")?;
        Some((decoded.parse().ok()?, expected.parse().ok()?))
    })
}

/// Runs `check` on every seed, catching panics, and fails naming every seed that went wrong.
fn each_seed(target: &str, check: impl Fn(&str, &[u8])) {
    let failures: Vec<String> = seeds(target)
        .iter()
        .filter_map(|(name, data)| {
            let outcome = catch_unwind(AssertUnwindSafe(|| check(name, data)));
            outcome.err().map(|panic| {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                format!("{target}/{name}: {why}")
            })
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The hints a seed is decoded with for its expectations: none, and its own extension.
fn own_hints(name: &str) -> [Option<&str>; 2] {
    [None, name.rsplit_once('.').map(|(_, ext)| ext)]
}

#[test]
fn decode_seeds_do_what_their_names_say() {
    each_seed("decode", |name, data| {
        // The fuzz target itself: every hint and channel choice, with its consistency checks.
        drive::fuzz_decode(data);
        for hint in own_hints(name) {
            let result = drive::decode(data, hint, ChannelChoice::MixDown);
            if name.starts_with("broken-") {
                let err = format!("{:#}", result.expect_err("a broken seed decoded"));
                assert!(
                    DECODE_ERRORS.iter().any(|e| err.starts_with(e)),
                    "unclear error: {err}"
                );
                continue;
            }
            let decoded = result.unwrap_or_else(|e| panic!("{e:#}"));
            let (channels, rate) = (number(name, "ch"), number(name, "hz"));
            assert_eq!(Some(decoded.channels as u64), channels, "channels");
            assert_eq!(Some(u64::from(decoded.sample_rate)), rate, "sample rate");
            if name.starts_with("good-") {
                assert_eq!(Some(decoded.frames), number(name, "f"), "frames");
                assert_eq!(
                    decoded.truncation, None,
                    "a complete file reported truncated"
                );
            } else if name.starts_with("truncated-") {
                let (decoded_frames, expected_frames) = decoded_of_expected(name).unwrap();
                assert_eq!(decoded.frames, decoded_frames, "frames");
                let truncation = Truncation {
                    expected_frames,
                    decoded_frames,
                };
                assert_eq!(decoded.truncation, Some(truncation));
            } else {
                panic!("name it good-, truncated- or broken- (make_seeds.py)");
            }
        }
    });
}

/// The annotation targets: `good-…-<N>a` parses to N annotations, `broken-…` fails naming the
/// line or the header at fault.
fn annotation_seeds(target: &str, parse: fn(&[u8]) -> anyhow::Result<usize>) {
    each_seed(target, |name, data| {
        let result = parse(data);
        if name.starts_with("broken-") {
            let err = result.expect_err("a broken seed parsed").to_string();
            assert!(err.contains("line ") || err.contains("header"), "{err}");
        } else {
            assert!(name.starts_with("good-"), "name it good- or broken-");
            let count = result.unwrap_or_else(|e| panic!("{e:#}"));
            assert_eq!(Some(count as u64), number(name, "a"), "annotations");
        }
    });
}

#[test]
fn raven_seeds_do_what_their_names_say() {
    annotation_seeds("raven", drive::fuzz_raven);
}

#[test]
fn csv_seeds_do_what_their_names_say() {
    annotation_seeds("csv", drive::fuzz_csv);
}

#[test]
fn audacity_seeds_do_what_their_names_say() {
    annotation_seeds("audacity", drive::fuzz_audacity);
}

#[test]
fn seed_names_parse() {
    let name = "truncated-s16-mid-frame-2ch-44100hz-333of1000f.wav";
    assert_eq!(number(name, "ch"), Some(2));
    assert_eq!(number(name, "hz"), Some(44100));
    assert_eq!(decoded_of_expected(name), Some((333, 1000)));
    assert_eq!(number("good-ffff-f32-1ch-10f.wav", "f"), Some(10));
}
