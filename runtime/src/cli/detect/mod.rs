//! `hark detect`: vocalizations in recordings, as one event table per recording.

mod batch;
mod job;
pub mod rules;

use std::path::PathBuf;

use anyhow::{Result, bail};
use hark::audio::decode::ChannelChoice;
use hark::audio::recordings::{Shard, discover};
use hark::audio::time_expansion::TimeExpansion;
use hark::sinks::{Format, Roll};
use hark::stream::energy::EnergyConfig;
use hark::stream::engine::EngineSpec;

use super::model_flags::ModelFlags;
use job::{Destination, Job};

/// `--format`: the [`Format`] of the per-recording event tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FormatFlag {
    /// Raven selection table (`<stem>.Table.1.selections.txt`), opens next to the audio in Raven.
    #[default]
    Raven,
    /// Comma-separated values (`<stem>.events.csv`).
    Csv,
    /// One JSON object per event and line (`<stem>.events.jsonl`).
    Jsonl,
}

impl From<FormatFlag> for Format {
    fn from(flag: FormatFlag) -> Self {
        match flag {
            FormatFlag::Raven => Format::Raven,
            FormatFlag::Csv => Format::Csv,
            FormatFlag::Jsonl => Format::Jsonl,
        }
    }
}

/// Which engine scores the audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EngineKind {
    /// The learned model (`--model`, or the bundled default).
    #[default]
    Model,
    /// The band-limited energy detector with an adaptive noise floor: the classical baseline.
    Energy,
}

#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// Audio files (WAV, FLAC), folders (searched recursively) or glob patterns (quote them:
    /// 'card/**/*.wav').
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Model: an ONNX file, or a bundled model's name (`hark info` lists them) [default: default].
    #[arg(long, short)]
    model: Option<PathBuf>,
    #[command(flatten)]
    model_flags: ModelFlags,
    /// What scores the audio.
    #[arg(long, value_enum, default_value_t)]
    engine: EngineKind,
    /// Folder for the tables, mirroring the input tree (default: next to each recording; a single
    /// file named on the command line is printed to stdout).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Table format.
    #[arg(long, value_enum, default_value_t)]
    format: FormatFlag,
    /// Channel to analyse, counting from 1 (default: all channels mixed down).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    channel: Option<u16>,
    /// Analyse every channel as its own stream; events carry their channel. A model exported for
    /// as many streams as the file has channels (`hark-train batch --batch B`) scores them all
    /// in one call per chunk.
    #[arg(long, conflicts_with = "channel")]
    each_channel: bool,
    /// Hear recordings K times slower than recorded, like a bat detector's time-expansion
    /// output, so ultrasonic calls fall into the engine's band; events keep the recording's
    /// time. `auto`: 10 for recordings at 192 kHz or more, 1 (as recorded) for the others.
    #[arg(long, value_name = "K", default_value = "auto")]
    time_expansion: TimeExpansion,
    /// Also write each event as a WAV clip, into `<recording>_clips/` beside its table.
    #[arg(long)]
    clips: bool,
    /// Seconds of audio kept before each clip's event.
    #[arg(long, value_name = "S", default_value_t = 0.5)]
    pre_roll: f64,
    /// Seconds of audio kept after each clip's event.
    #[arg(long, value_name = "S", default_value_t = 0.5)]
    post_roll: f64,
    /// Recordings processed at once (default: every core).
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Skip recordings whose table is already there and newer than the recording.
    #[arg(long)]
    resume: bool,
    /// Process only slice I of N of the inputs (0 <= I < N), e.g. one task of a Slurm array job.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// No progress bar (warnings, errors and the summary are still printed).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    rules: rules::RuleFlags,
}

/// Runs the batch; fails (nonzero exit) when any recording failed.
pub fn detect(args: &DetectArgs) -> Result<()> {
    let spec = match args.engine {
        EngineKind::Model => {
            let (model, name) = args.model_flags.load(args.model.as_deref())?;
            if !args.quiet {
                eprintln!("hark: model: {name}");
            }
            EngineSpec::Model(std::sync::Arc::new(model))
        }
        EngineKind::Energy => {
            if args.model.is_some() || args.model_flags.precision.is_some() {
                bail!("--model and --precision choose a model; --engine energy runs none");
            }
            EngineSpec::Energy(EnergyConfig::default())
        }
    };
    let rules = args.rules.over(spec.default_rules()?, &spec.classes())?;
    for (flag, seconds) in [
        ("--pre-roll", args.pre_roll),
        ("--post-roll", args.post_roll),
    ] {
        if !(seconds.is_finite() && seconds >= 0.0) {
            bail!("{flag} must be 0 or more seconds, not {seconds}");
        }
    }

    let found = discover(&args.inputs);
    let single_file = args.inputs.len() == 1 && args.inputs[0].is_file();
    let inputs = match args.shard {
        Some(shard) => shard.select(found.inputs),
        None => found.inputs,
    };
    let destination = match &args.out {
        Some(dir) => Destination::Folder(dir.clone()),
        None if single_file => Destination::Stdout,
        None => Destination::Beside,
    };
    let job = Job {
        spec,
        rules,
        format: args.format.into(),
        destination,
        channel: args.channel.map_or(ChannelChoice::MixDown, |c| {
            ChannelChoice::Only(c as usize - 1)
        }),
        each_channel: args.each_channel,
        clips: args.clips.then_some(Roll {
            pre_s: args.pre_roll,
            post_s: args.post_roll,
        }),
        resume: args.resume,
        time_expansion: args.time_expansion,
    };
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let summary = batch::run(&job, &inputs, found.problems, jobs, args.quiet);
    eprintln!("hark: {summary}");
    if !summary.failures.is_empty() {
        bail!("{} of the inputs failed", summary.failures.len());
    }
    Ok(())
}
