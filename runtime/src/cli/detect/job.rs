//! One recording through the pipeline and into its outputs.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use hark::audio::decode::{ChannelChoice, FileSource};
use hark::audio::recordings::Input;
use hark::audio::time_expansion::TimeExpansion;
use hark::sinks::{Format, Roll, write_atomic, write_channel_clips, write_clips};
use hark::stream::channels::detect_each_channel;
use hark::stream::engine::EngineSpec;
use hark::stream::events::EventRules;
use hark::stream::pipeline::detect_file;

/// Where tables go.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// Printed: one recording, named on the command line, and no `--out`.
    Stdout,
    /// Next to each recording.
    Beside,
    /// Below this folder, mirroring the input tree.
    Folder(PathBuf),
}

/// Everything every recording of a batch is processed with.
pub struct Job {
    pub spec: EngineSpec,
    pub rules: EventRules,
    pub format: Format,
    pub destination: Destination,
    pub channel: ChannelChoice,
    /// Every channel its own stream (`channel` is then unused).
    pub each_channel: bool,
    pub clips: Option<Roll>,
    pub resume: bool,
    pub time_expansion: TimeExpansion,
}

/// What became of one recording.
#[derive(Debug)]
pub enum Outcome {
    Done {
        audio_s: f64,
        events: usize,
        warnings: Vec<String>,
        /// Set when the outputs were written but the recording is damaged (cut short): it
        /// counts as a failure, and nothing that could be read is lost.
        damaged: Option<String>,
    },
    /// `--resume` found its table complete.
    Skipped,
    Failed(String),
}

impl Job {
    /// Processes one recording; every error, and even a bug's panic, becomes a failure of this
    /// recording only, so the batch goes on.
    pub fn run(&self, input: &Input) -> Outcome {
        match catch_unwind(AssertUnwindSafe(|| self.try_run(input))) {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => Outcome::Failed(format!("{e:#}")),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Outcome::Failed(format!("internal error, please report it: {what}"))
            }
        }
    }

    /// The folder a recording's table and clips go to (`None` for stdout: clips then go beside
    /// the recording).
    fn folder(&self, input: &Input) -> Option<PathBuf> {
        let beside = || {
            input
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        };
        match &self.destination {
            Destination::Stdout => None,
            Destination::Beside => Some(beside()),
            Destination::Folder(out) => Some(out.join(input.rel.parent().unwrap_or(Path::new("")))),
        }
    }

    fn try_run(&self, input: &Input) -> Result<Outcome> {
        let folder = self.folder(input);
        let table = folder
            .as_ref()
            .map(|f| f.join(self.format.table_name(&input.path)));
        if let Some(table) = &table {
            if self.resume && is_complete(table, &input.path) {
                return Ok(Outcome::Skipped);
            }
            self.refuse_foreign(table)?;
        }
        let detection = if self.each_channel {
            detect_each_channel(
                &self.spec,
                &input.path,
                self.rules.clone(),
                self.time_expansion,
            )?
        } else {
            let rules = self.rules.clone();
            detect_file(
                &self.spec,
                &input.path,
                self.channel,
                rules,
                self.time_expansion,
            )?
        };
        if detection.duration_s == 0.0 {
            bail!("the file holds no audio samples");
        }
        let mut warnings = Vec::new();
        if detection.non_finite_samples > 0 {
            warnings.push(format!(
                "{} NaN or infinite samples replaced by silence",
                detection.non_finite_samples
            ));
        }
        let (rate, expansion) = (detection.info.sample_rate, detection.time_expansion);
        warnings.extend(self.spec.unheard_band(rate, expansion));
        let classes = self.spec.classes();
        // Raven's Begin File is the bare file name; the other formats name the recording by its
        // path below the input folder, so tables of a whole tree can be concatenated.
        let name = match self.format {
            Format::Raven => input.path.file_name().unwrap_or_default().to_string_lossy(),
            _ => input.rel.to_string_lossy(),
        }
        .replace('\\', "/");
        let band = self.spec.band_hz(rate, expansion);
        let start = match self.format {
            Format::Jsonl => detection.recording_start,
            _ => None,
        };
        let text = self
            .format
            .render(&detection.events, &classes, band, &name, start);
        if let Some(roll) = self.clips {
            let stem = input.path.file_stem().unwrap_or_default().to_string_lossy();
            let dir = folder.clone().unwrap_or_else(|| {
                input
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            });
            let dir = dir.join(format!("{stem}_clips"));
            let mut source = FileSource::open(&input.path, self.channel)?;
            if self.each_channel {
                write_channel_clips(&mut source, &detection.events, &classes, roll, &dir, &stem)?;
            } else {
                write_clips(&mut source, &detection.events, &classes, roll, &dir, &stem)?;
            }
        }
        // The table is written last: its presence tells `--resume` that the clips are complete.
        match &table {
            Some(table) => {
                let dir = table.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                write_atomic(table, text.as_bytes())?;
            }
            None => print!("{text}"),
        }
        Ok(Outcome::Done {
            audio_s: detection.duration_s,
            events: detection.events.len(),
            warnings,
            damaged: detection.truncation.map(|t| {
                format!(
                    "truncated: {t}; events are written for the {:.1} s that could be read",
                    detection.duration_s
                )
            }),
        })
    }

    /// Never overwrites a file hark did not write: it may hold a person's annotations.
    fn refuse_foreign(&self, table: &Path) -> Result<()> {
        let Ok(existing) = std::fs::read(table) else {
            return Ok(());
        };
        if !self.format.wrote(&String::from_utf8_lossy(&existing)) {
            bail!(
                "{} exists and was not written by hark (annotations?); it is left alone: write \
                 the results elsewhere with --out DIR",
                table.display()
            );
        }
        Ok(())
    }
}

/// A table at least as new as its recording is complete: tables are written last and atomically.
fn is_complete(table: &Path, audio: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(table), modified(audio)) {
        (Some(t), Some(a)) => t >= a,
        _ => false,
    }
}
