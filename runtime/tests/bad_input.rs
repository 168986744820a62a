//! A card of broken and unusual files: every broken one is named with its reason, every good one
//! is processed, the exit status says something failed, and nothing panics.

mod common;

use std::path::{Path, PathBuf};

use common::{bundled, hark_command};

/// A canonical 44-byte WAV header for 16-bit PCM, claiming `data_bytes` of samples.
fn header(rate: u32, channels: u16, data_bytes: u32) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(b"RIFF");
    h.extend(36u32.wrapping_add(data_bytes).to_le_bytes());
    h.extend(b"WAVEfmt ");
    h.extend(16u32.to_le_bytes());
    h.extend(1u16.to_le_bytes());
    h.extend(channels.to_le_bytes());
    h.extend(rate.to_le_bytes());
    h.extend((rate * 2 * channels as u32).to_le_bytes());
    h.extend((2 * channels).to_le_bytes());
    h.extend(16u16.to_le_bytes());
    h.extend(b"data");
    h.extend(data_bytes.to_le_bytes());
    h
}

/// The broken files of the card, with a word their error line must contain.
fn broken(card: &Path) -> Vec<(PathBuf, &'static str)> {
    let song = std::fs::read(bundled("bird0_2.wav")).unwrap();
    let samples = &song[44..];
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: Vec<u8>, reason: &'static str| {
        let path = card.join(name);
        std::fs::write(&path, bytes).unwrap();
        files.push((path, reason));
    };
    put("zero_length.wav", vec![], "not a readable audio file");
    put("header_only.wav", header(32_000, 1, 0), "no audio samples");
    put(
        "notes.wav",
        b"Site 4, 05:10, wren singing\n".to_vec(),
        "not a readable audio file",
    );
    let mut bad_format = song.clone();
    bad_format[20..22].copy_from_slice(&0x7777u16.to_le_bytes());
    put("corrupt_header.wav", bad_format, "");
    let mut no_rate = song.clone();
    no_rate[24..28].copy_from_slice(&0u32.to_le_bytes());
    put("zero_rate.wav", no_rate, "");
    let mut no_channels = song.clone();
    no_channels[22..24].copy_from_slice(&0u16.to_le_bytes());
    put("zero_channels.wav", no_channels, "");
    put(
        "truncated.wav",
        song[..song.len() / 2].to_vec(),
        "truncated",
    );
    let mut huge = header(32_000, 1, 0x7fff_fff0);
    huge.extend(&samples[..64_000]);
    put("huge_claim.wav", huge, "truncated");
    put(
        "garbage.flac",
        (0..5000u32).map(|i| (i * 7 % 251) as u8).collect(),
        "",
    );
    #[cfg(unix)]
    {
        let link = card.join("dangling.wav");
        std::os::unix::fs::symlink(card.join("moved_away.wav"), &link).unwrap();
        files.push((link, "dangling"));
    }
    files
}

#[test]
fn every_broken_file_is_named_and_every_good_one_processed() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card");
    std::fs::create_dir_all(card.join("sub")).unwrap();
    let good = [card.join("good.wav"), card.join("sub/good2.wav")];
    for g in &good {
        std::fs::copy(bundled("bird0_9.wav"), g).unwrap();
    }
    // NaN and infinite samples: sanitized, counted, warned; the file is still processed.
    let nan = card.join("nan.wav");
    {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&nan, spec).unwrap();
        for i in 0..16_000 {
            let x = match i % 1000 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                _ => 0.01 * (i as f32 * 0.3).sin(),
            };
            w.write_sample(x).unwrap();
        }
        w.finalize().unwrap();
    }
    let broken = broken(&card);
    let out = dir.path().join("out");
    let o = hark_command()
        .args([
            "detect",
            card.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .arg(dir.path().join("not_there.wav"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success(),
        "something failed, so the exit status says so"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for (path, reason) in &broken {
        let name = path.file_name().unwrap().to_string_lossy();
        let line = stderr
            .lines()
            .find(|l| l.starts_with("hark: error:") && l.contains(&*name))
            .unwrap_or_else(|| panic!("{name} is not named as an error:\n{stderr}"));
        assert!(
            line.contains(reason),
            "{name}: `{reason}` missing from `{line}`"
        );
    }
    assert!(stderr.contains("not_there.wav: no such file"), "{stderr}");
    // A cut recording is named as failed, but what could be read is not lost.
    for table in ["good", "sub/good2", "nan", "truncated", "huge_claim"] {
        let path = out.join(format!("{table}.Table.1.selections.txt"));
        assert!(path.exists(), "{} missing:\n{stderr}", path.display());
    }
    let warned = stderr
        .lines()
        .find(|l| l.contains("warning") && l.contains("nan.wav"))
        .unwrap_or_else(|| panic!("no warning for nan.wav:\n{stderr}"));
    assert!(warned.contains("32 NaN or infinite samples"), "{warned}");
    let failed = broken.len() + 1;
    assert!(
        stderr.contains(&format!("{failed} failed")),
        "the summary counts {failed} failures:\n{stderr}"
    );
}

#[test]
fn a_model_that_is_not_contract_1_stops_the_batch_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("not_a_model.onnx");
    std::fs::write(&model, b"\x08\x07").unwrap();
    let o = hark_command()
        .args(["detect", "--model", model.to_str().unwrap()])
        .arg(bundled("bird0_9.wav"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("not_a_model.onnx"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
