//! The `hark-train` command line: the list of subcommands and the dispatch to the module that
//! defines each one's flags and runs it.

mod db_range;
mod distill;
mod export;
mod flags;
mod label;
mod perturb;
mod presets;
mod pretrain;
mod quantize;
mod rules;
mod synth;
mod teacher;
mod train;
mod variant;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "hark-train",
    version,
    about = "Train and export hark's streaming students"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a student on annotated recordings (Raven tables next to the audio, or a CSV).
    Train(train::TrainArgs),
    /// Fine-tune a teacher on annotated recordings: from a pretrained encoder (--init), or from
    /// scratch (--preset teacher-cpu) for comparison. Frame-level, sigmoid focal loss.
    Finetune(train::FinetuneArgs),
    /// Distill a streaming student from a teacher ONNX model (contract 2) over labelled and
    /// unlabelled audio; the teacher's outputs are cached, so reruns are cheap.
    Distill(distill::DistillArgs),
    /// Export a run's best weights: a contract-1 streaming student, or with --teacher a
    /// contract-2 teacher; or with --firmware, an int8 student's firmware blob (.hmb).
    Export(export::ExportArgs),
    /// Re-export a streaming student to run K chunks per call: archive mode, for files (the same
    /// probabilities from larger products, at K times the latency).
    Archive(variant::ArchiveArgs),
    /// Re-export a streaming student to run B independent streams per call (channels of a
    /// multichannel recorder, many microphones; for `hark bench --streams B` and GPUs): each
    /// stream's probabilities are what it gives alone.
    Batch(variant::BatchArgs),
    /// Tune a student's event rules (opening and closing probability, shortest event) for the
    /// best event F1 on annotated recordings, and write them into a copy of the model. Tune on
    /// recordings kept out of training and out of every set whose numbers you report.
    Rules(rules::RulesArgs),
    /// Quantize an f32 student to int8 (static: activation ranges calibrated on audio; weight
    /// matmuls run as i8 x i8 -> i32 in tract; LayerNorm, GELU and Softmax stay f32).
    Quantize(quantize::QuantizeArgs),
    /// List the architecture presets and their cost.
    Presets,
    /// Write a perturbed copy of the validation files (WAV + Raven tables): a proxy for another
    /// bird in another lab, to score with `hark detect` and `hark eval`. Never tune on it.
    Perturb(perturb::PerturbArgs),
    /// Lay annotated calls into real soundscapes at chosen SNRs and occupancy: field mixes
    /// (WAV + Raven tables + annotations.csv) for training and validation.
    Synth(synth::SynthArgs),
    /// Pretrain a teacher self-supervised on unlabelled audio (data2vec 2.0 style).
    Pretrain(pretrain::PretrainArgs),
    /// Write what a teacher hears as Raven tables (one per audio file), to score it with
    /// `hark eval` or look at it in Raven before distilling from it.
    Label(label::LabelArgs),
}

/// Runs the subcommand `cli` names.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(a) => train::train(a),
        Command::Finetune(a) => train::finetune(a),
        Command::Distill(a) => distill::run(a),
        Command::Export(a) => export::run(a),
        Command::Archive(a) => variant::archive(a),
        Command::Batch(a) => variant::batch(a),
        Command::Rules(a) => rules::run(a),
        Command::Quantize(a) => quantize::run(a),
        Command::Presets => presets::run(),
        Command::Perturb(a) => perturb::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Pretrain(a) => pretrain::run(a),
        Command::Label(a) => label::run(a),
    }
}
