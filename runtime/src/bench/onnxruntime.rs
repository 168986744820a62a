//! The same streaming run through onnxruntime (feature `onnxruntime`), to hold tract against it.
//! The library is loaded at run time: `ORT_DYLIB_PATH`, or the PyPI wheel in `.venv` that
//! tests/run-all.sh installs.

use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow};
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{Session, SessionInputValue};
use ort::value::{DynValue, Tensor};

use super::{StreamReport, timed_chunks};
use crate::model::Model;

/// The onnxruntime shared library to load.
pub fn library() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        return Ok(path.into());
    }
    let pattern = ".venv/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*";
    glob::glob(pattern)?.flatten().next().with_context(|| {
        format!("no onnxruntime library: set ORT_DYLIB_PATH, or install the onnxruntime wheel so that {pattern} exists")
    })
}

fn ort_error(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("onnxruntime: {e}")
}

fn environment() -> Result<Environment> {
    static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();
    let loaded = ENVIRONMENT.get_or_init(|| {
        let path = library().map_err(|e| format!("{e:#}"))?;
        let builder =
            ort::init_from(&path).map_err(|e| format!("cannot load {}: {e}", path.display()))?;
        builder.build().map_err(|e| e.to_string())
    });
    loaded.clone().map_err(|e| anyhow!(e))
}

/// Streams `seconds` of test audio through the ONNX `bytes` of `model` in onnxruntime on one
/// thread, one chunk per call, feeding each state output back as the next state input.
pub fn stream(bytes: &[u8], model: &Model, seconds: f64) -> Result<StreamReport> {
    let env = environment()?;
    let mut session = Session::builder(&env)
        .map_err(ort_error)?
        .with_intra_threads(1)
        .map_err(ort_error)?
        .with_inter_threads(1)
        .map_err(ort_error)?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(ort_error)?
        .commit_from_memory(bytes)
        .map_err(ort_error)?;
    let zero = |shape: &[usize]| {
        let n = shape.iter().product();
        Tensor::from_array((shape.to_vec(), vec![0.0f32; n])).map(DynValue::from)
    };
    let mut state: Vec<DynValue> = model
        .states
        .iter()
        .map(|s| zero(&s.shape))
        .collect::<ort::Result<_>>()?;
    let c = &model.contract;
    timed_chunks(c.chunk_samples, c.sample_rate, seconds, |chunk| {
        let audio = Tensor::from_array(([1, chunk.len()], chunk.to_vec()))?;
        let mut inputs: Vec<SessionInputValue> = vec![audio.into()];
        inputs.extend(state.drain(..).map(SessionInputValue::from));
        let outputs = session.run(inputs.as_slice())?;
        for i in 1..outputs.len() {
            let (shape, values) = outputs[i].try_extract_tensor::<f32>()?;
            let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
            state.push(Tensor::from_array((shape, values.to_vec()))?.into());
        }
        Ok(())
    })
}
