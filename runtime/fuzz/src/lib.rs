//! What each fuzz target does with its input. The targets in `fuzz_targets/` and the stable
//! regression test `runtime/tests/fuzz_seeds.rs` (which includes this file as a module) share it,
//! so the committed seeds walk exactly the paths the fuzzer explores.

use std::io::Cursor;

use hark::audio::decode::{ChannelChoice, FileSource, Hint, Source, Truncation};
use hark::eval::annotations::{Annotation, recording_key};

/// What decoding one input to its end gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub sample_rate: u32,
    pub channels: usize,
    /// Mono frames delivered by `read`.
    pub frames: u64,
    pub truncation: Option<Truncation>,
}

/// The format hints the decode target tries: none (probe by content), and each container hark
/// reads, so a wrong hint is exercised too.
pub const HINTS: [Option<&str>; 3] = [None, Some("wav"), Some("flac")];

/// Decodes `data` from memory to the end, as `hark detect` would a file named with `ext`.
pub fn decode(data: &[u8], ext: Option<&str>, choice: ChannelChoice) -> anyhow::Result<Decoded> {
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    let stream = Box::new(Cursor::new(data.to_vec()));
    let mut source = FileSource::from_stream(stream, hint, choice)?;
    let mut block = Vec::new();
    let mut frames = 0u64;
    while source.read(&mut block)? {
        frames += block.len() as u64;
        // Only the count matters; keep memory flat however long the stream claims to be.
        block.clear();
    }
    let info = source.info();
    Ok(Decoded {
        sample_rate: info.sample_rate,
        channels: info.channels,
        frames,
        truncation: source.truncation(),
    })
}

/// The `decode` target: every hint, mixed down and with the last channel picked. Beyond "no
/// panic", the outcomes must be consistent: picking a channel cannot change how far a stream
/// decodes, and a reported truncation must describe what was actually delivered.
pub fn fuzz_decode(data: &[u8]) {
    for ext in HINTS {
        let mixed = decode(data, ext, ChannelChoice::MixDown);
        let Ok(mixed) = mixed else {
            continue;
        };
        assert!(mixed.sample_rate > 0 && mixed.channels > 0, "{mixed:?}");
        if let Some(t) = mixed.truncation {
            assert_eq!(t.decoded_frames, mixed.frames, "{mixed:?}");
            assert!(t.expected_frames > t.decoded_frames, "{mixed:?}");
        }
        let last = ChannelChoice::Only(mixed.channels - 1);
        let picked = decode(data, ext, last).expect("the same stream decoded mixed down");
        assert_eq!(picked, mixed);
        let beyond = decode(data, ext, ChannelChoice::Only(mixed.channels));
        assert!(beyond.is_err(), "a channel past the last was accepted");
    }
}

/// Bytes as the text a reader would see: lossy UTF-8, as from a file with stray bytes.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// What every parser promises about what it returns: times in order, finite, not negative, and
/// the list sorted by onset.
pub fn check_annotations(list: &[Annotation]) {
    for a in list {
        assert!(a.onset_s.is_finite() && a.offset_s.is_finite(), "{a:?}");
        assert!(0.0 <= a.onset_s && a.onset_s <= a.offset_s, "{a:?}");
    }
    assert!(
        list.is_sorted_by(|a, b| a.onset_s <= b.onset_s),
        "not sorted"
    );
}

/// The `raven` target.
pub fn fuzz_raven(data: &[u8]) -> anyhow::Result<usize> {
    let list = hark::eval::annotations::parse_raven(&text(data))?;
    check_annotations(&list);
    Ok(list.len())
}

/// The `csv` target; also turns every `file` value and every line into a recording key, since
/// those names come from the same untrusted files.
pub fn fuzz_csv(data: &[u8]) -> anyhow::Result<usize> {
    let text = text(data);
    for line in text.lines() {
        recording_key(line, false);
        recording_key(line, true);
    }
    let files = hark::eval::annotations::parse_csv(&text)?;
    for (name, list) in &files {
        assert!(!name.is_empty());
        recording_key(name, false);
        check_annotations(list);
    }
    Ok(files.values().map(Vec::len).sum())
}

/// The `audacity` target.
pub fn fuzz_audacity(data: &[u8]) -> anyhow::Result<usize> {
    let list = hark::eval::annotations::parse_audacity(&text(data))?;
    check_annotations(&list);
    Ok(list.len())
}
