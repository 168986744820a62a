//! Teacher sizes: the student's architecture made bidirectional and large.
//!
//! One chunk spans a teacher's whole window, so every frame attends to every other (ALiBi, both
//! ways), and no past chunks are cached. Its conv front end is the student's (causal, a few ms
//! of look-back only), which keeps one code path for both and frames aligned with the students'
//! 10 ms hop.

use crate::student::config::StudentConfig;
use crate::student::presets::{at_rate, conv};

/// Every teacher preset with what it is for.
pub const TEACHER_PRESETS: &[(&str, &str)] = &[
    (
        "teacher-cpu",
        "~2 M parameters: pretrains on a laptop CPU in minutes",
    ),
    (
        "teacher-animal2vec",
        "~300 M parameters, animal2vec-sized: for a GPU machine",
    ),
];

/// Seconds of audio a teacher sees at once, unless asked otherwise.
pub const DEFAULT_WINDOW_S: f64 = 2.0;

/// Whether `name` is a teacher preset.
pub fn is_teacher(name: &str) -> bool {
    TEACHER_PRESETS.iter().any(|(n, _)| *n == name)
}

/// The architecture of a teacher preset at `rate` Hz with a 10 ms hop, seeing `window_s` seconds.
pub fn teacher_preset(
    name: &str,
    rate: u32,
    classes: Vec<String>,
    window_s: f64,
) -> anyhow::Result<StudentConfig> {
    let (front, d_model, heads, layers, ffn) = match name {
        "teacher-cpu" => (
            vec![
                conv(10, 5, 64),
                conv(8, 4, 128),
                conv(4, 2, 192),
                conv(4, 2, 192),
                conv(2, 2, 192),
            ],
            192,
            6,
            4,
            768,
        ),
        "teacher-animal2vec" => (
            vec![
                conv(10, 5, 512),
                conv(8, 4, 512),
                conv(4, 2, 512),
                conv(4, 2, 1024),
                conv(2, 2, 1024),
            ],
            1024,
            16,
            24,
            4096,
        ),
        other => anyhow::bail!(
            "unknown teacher preset `{other}`; choose one of: {}",
            TEACHER_PRESETS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let front = at_rate(front, rate, name)?;
    let hop: usize = front.iter().map(|c| c.stride).product();
    let window_frames = (window_s * rate as f64 / hop as f64).round() as usize;
    anyhow::ensure!(
        window_frames >= 10,
        "a teacher window of {window_s} s is too short"
    );
    let config = StudentConfig {
        preset: name.to_string(),
        sample_rate: rate,
        conv: front,
        d_model,
        heads,
        layers,
        ffn,
        chunk_frames: window_frames,
        past_chunks: 0,
        classes,
    };
    config.check()?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::student::presets::BASE_RATE;

    #[test]
    fn sizes_match_their_promise() {
        let classes = vec!["call".to_string()];
        let cpu = teacher_preset("teacher-cpu", BASE_RATE, classes.clone(), 3.0).unwrap();
        assert_eq!((cpu.hop_samples(), cpu.chunk_frames), (160, 300));
        assert!(
            (2_000_000..6_000_000).contains(&cpu.parameters()),
            "{}",
            cpu.parameters()
        );
        let big = teacher_preset("teacher-animal2vec", BASE_RATE, classes, 3.0).unwrap();
        assert!(
            (280_000_000..340_000_000).contains(&big.parameters()),
            "{}",
            big.parameters()
        );
        assert!(teacher_preset("teacher-xl", BASE_RATE, vec![], 3.0).is_err());
    }
}
