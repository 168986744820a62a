//! `hark-train distill`: the teacher and distillation flags become a `DistillConfig`, then the
//! student trains as `hark-train train` does.

use std::path::PathBuf;

use anyhow::Result;
use hark_train::distill::DistillConfig;

use super::teacher::TeacherArgs;
use super::train::{STUDENT, TrainArgs};

#[derive(clap::Args)]
pub struct DistillArgs {
    #[command(flatten)]
    teacher: TeacherArgs,
    /// Folder of unlabelled WAV/FLAC audio for the teacher to label (recursive; repeatable).
    #[arg(long)]
    audio: Vec<PathBuf>,
    /// Weight of the annotations against the teacher in labelled crops (0..1); at 0.5 the
    /// teacher's doubts at syllable edges blurred the student's events (docs/quality.md).
    #[arg(long, default_value_t = 0.8)]
    hard_weight: f32,
    /// Annotated syllable frames keep their label as the target, so the teacher only softens the
    /// negatives: for a teacher that misses much of the song it is asked about (docs/quality.md).
    #[arg(long)]
    keep_positives: bool,
    /// For a clip teacher: the student also learns, frame by frame, where something sounds
    /// (energy events over 300 Hz-15 kHz) inside the stretches every teacher window holding them
    /// hears the class, so that it learns when a call starts and ends, not only whether a window
    /// holds one.
    #[arg(long)]
    localize: bool,
    /// Weight of regressing the teacher's features through a projection (0: off).
    #[arg(long, default_value_t = 0.0)]
    feature_weight: f32,
    #[command(flatten)]
    train: TrainArgs,
}

/// `hark-train distill`.
pub fn run(d: DistillArgs) -> Result<()> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&d.hard_weight),
        "--hard-weight must be between 0 and 1"
    );
    let t = d.teacher;
    let distill = DistillConfig {
        cache: t.cache()?,
        teacher: t.teacher,
        teacher_config: t.teacher_config,
        audio: d.audio,
        teacher_classes: t.teacher_class,
        exclude_classes: t.exclude_class,
        hard_weight: d.hard_weight,
        keep_positives: d.keep_positives,
        feature_weight: d.feature_weight,
        clip_hop_s: t.clip_hop,
        localize: d.localize,
    };
    super::train::run(d.train, None, Some(distill), STUDENT)
}
