//! `hark-train archive` and `batch`: a streaming student re-exported to run more per call (K
//! chunks, or B independent streams), with the same probabilities.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use hark::model::protobuf::ModelProto;
use hark_train::export::student::CallShape;
use hark_train::export::variant::call_variant;
use prost::Message;

#[derive(clap::Args)]
pub struct ArchiveArgs {
    /// The f32 streaming student (contract 1, from `hark-train export`).
    #[arg(long)]
    model: PathBuf,
    /// Chunks per call.
    #[arg(long, default_value_t = 8)]
    chunks: usize,
    /// The model file to write.
    #[arg(long, short)]
    out: PathBuf,
}

#[derive(clap::Args)]
pub struct BatchArgs {
    /// The f32 streaming student (contract 1, from `hark-train export`).
    #[arg(long)]
    model: PathBuf,
    /// Streams per call.
    #[arg(long)]
    batch: usize,
    /// The model file to write.
    #[arg(long, short)]
    out: PathBuf,
}

/// `hark-train archive`.
pub fn archive(a: ArchiveArgs) -> Result<()> {
    let chunks = a.chunks;
    write_variant(&a.model, CallShape { chunks, streams: 1 }, &a.out)?;
    println!("wrote {} ({chunks} chunks per call)", a.out.display());
    Ok(())
}

/// `hark-train batch`.
pub fn batch(a: BatchArgs) -> Result<()> {
    let batch = a.batch;
    let shape = CallShape {
        chunks: 1,
        streams: batch,
    };
    write_variant(&a.model, shape, &a.out)?;
    println!("wrote {} ({batch} streams per call)", a.out.display());
    Ok(())
}

/// Re-exports the streaming student in `model` to run `shape` per call, into `out`.
fn write_variant(model: &Path, shape: CallShape, out: &Path) -> Result<()> {
    let bytes = std::fs::read(model).with_context(|| format!("cannot read {}", model.display()))?;
    let proto = ModelProto::decode(bytes.as_slice())
        .with_context(|| format!("{} is not an ONNX model", model.display()))?;
    let variant = call_variant(&proto, shape).with_context(|| format!("{}", model.display()))?;
    hark::sinks::write_atomic(out, &variant.encode_to_vec())
        .with_context(|| format!("writing {}", out.display()))
}
