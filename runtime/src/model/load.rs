//! A loaded contract-1 model: its contract, its state shapes and a tract plan shared by all streams.

use std::path::Path;
use std::sync::Arc;

use prost::Message;
use tract_onnx::prelude::*;

use crate::model::backend::Backend;
use crate::model::contract::{Contract, ContractError};
use crate::model::protobuf::{ModelProto, ValueInfoProto, data_type};
use crate::model::rewrites;

/// Why a file is not a runnable contract-1 model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read.
    #[error("cannot read the model file: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not an ONNX model.
    #[error("not an ONNX model ({0})")]
    NotOnnx(String),
    /// The metadata is missing or wrong.
    #[error("not a hark streaming model: {0}")]
    Contract(#[from] ContractError),
    /// The graph's inputs or outputs do not follow contract 1.
    #[error("the graph does not follow contract 1: {0}")]
    Shape(String),
    /// tract could not load or optimize the graph.
    #[error("tract cannot run the graph: {0:#}")]
    Tract(anyhow::Error),
}

/// A streaming state tensor, fed back from `state_out_<name>` to `state_in_<name>`.
#[derive(Debug, Clone, PartialEq)]
pub struct StateShape {
    /// Name without the `state_in_` / `state_out_` prefix.
    pub name: String,
    /// Fixed shape.
    pub shape: Vec<usize>,
}

/// An immutable, shareable model; each stream gets its own [`crate::model::session::Session`] (or,
/// for a model that runs many streams per call, each batch of streams its own
/// [`crate::model::multi_session::MultiSession`]).
#[derive(Debug)]
pub struct Model {
    /// What the model says about itself.
    pub contract: Contract,
    /// Its streaming state tensors, in input order.
    pub states: Vec<StateShape>,
    /// Size of the ONNX file in bytes.
    pub file_bytes: usize,
    pub(crate) plan: Arc<TypedSimplePlan>,
}

fn shape_of(v: &ValueInfoProto) -> Result<Vec<usize>, ModelError> {
    let tensor = v.r#type.as_ref().and_then(|t| t.tensor_type.as_ref());
    let Some(tensor) = tensor else {
        return Err(ModelError::Shape(format!("`{}` is not a tensor", v.name)));
    };
    if tensor.elem_type != data_type::FLOAT {
        return Err(ModelError::Shape(format!("`{}` is not f32", v.name)));
    }
    let dims = tensor
        .shape
        .as_ref()
        .map(|s| s.dim.as_slice())
        .unwrap_or_default();
    dims.iter()
        .map(|d| match d.dim_value {
            Some(n) if n > 0 => Ok(n as usize),
            _ => Err(ModelError::Shape(format!(
                "`{}` has a symbolic or empty dimension; contract 1 needs fixed shapes",
                v.name
            ))),
        })
        .collect()
}

impl Model {
    /// Matrix products that tract runs as i8 x i8 -> i32 in its optimized plan: the products
    /// with an i32 result, which only int8 weights give (their packing is named per kernel:
    /// PackedI8 on AVX2 and NEON, I8K4 on AVX-512 VNNI, AmxA on AMX).
    pub fn int8_matmuls(&self) -> usize {
        self.plan
            .model()
            .nodes()
            .iter()
            .filter(|n| {
                n.op().name() == "OptMatMul" && n.outputs[0].fact.datum_type == DatumType::I32
            })
            .count()
    }

    /// Operators in tract's optimized plan.
    pub fn operators(&self) -> usize {
        self.plan.model().nodes().len()
    }

    /// Values (tensor elements) of streaming state carried from chunk to chunk.
    pub fn state_values(&self) -> usize {
        self.states
            .iter()
            .map(|s| s.shape.iter().product::<usize>())
            .sum()
    }

    /// The most activation values live at once while a chunk runs, estimated as the largest
    /// operator's non-constant inputs plus its outputs in tract's optimized plan.
    pub fn peak_activation_values(&self) -> usize {
        let model = self.plan.model();
        let values = |f: &TypedFact| f.shape.as_concrete().map_or(0, |s| s.iter().product());
        model
            .nodes()
            .iter()
            .filter(|n| n.op().name() != "Const")
            .map(|n| {
                let inputs: usize = n
                    .inputs
                    .iter()
                    .filter_map(|&o| model.outlet_fact(o).ok())
                    .filter(|f| f.konst.is_none())
                    .map(values)
                    .sum();
                inputs + n.outputs.iter().map(|o| values(&o.fact)).sum::<usize>()
            })
            .max()
            .unwrap_or(0)
    }

    /// Loads a model file.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        Self::load_on(path, Backend::Cpu)
    }

    /// Loads a model file to run on `backend`.
    pub fn load_on(path: &Path, backend: Backend) -> Result<Self, ModelError> {
        Self::from_bytes_on(&std::fs::read(path)?, backend)
    }

    /// Loads a model from its ONNX bytes, to run on the CPU.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::from_bytes_on(bytes, Backend::Cpu)
    }

    /// Loads a model from its ONNX bytes, to run on `backend` (see [`Backend::usable`] for
    /// whether it can).
    pub fn from_bytes_on(bytes: &[u8], backend: Backend) -> Result<Self, ModelError> {
        Self::build(bytes, backend, true)
    }

    /// Loads a model from its ONNX bytes as the file is written, without the [`rewrites`]
    /// rewrites (tract's own optimizations only): for measuring what they change.
    pub fn from_bytes_as_written(bytes: &[u8], backend: Backend) -> Result<Self, ModelError> {
        Self::build(bytes, backend, false)
    }

    fn build(bytes: &[u8], backend: Backend, fast: bool) -> Result<Self, ModelError> {
        let proto = ModelProto::decode(bytes).map_err(|e| ModelError::NotOnnx(e.to_string()))?;
        let graph = proto
            .graph
            .as_ref()
            .ok_or_else(|| ModelError::NotOnnx("the file holds no graph".into()))?;
        let contract = Contract::from_metadata(
            proto
                .metadata_props
                .iter()
                .map(|e| (e.key.as_str(), e.value.as_str())),
        )?;

        let initializers: std::collections::HashSet<&str> =
            graph.initializer.iter().map(|t| t.name.as_str()).collect();
        let inputs: Vec<&ValueInfoProto> = graph
            .input
            .iter()
            .filter(|v| !initializers.contains(v.name.as_str()))
            .collect();
        let expect = |cond: bool, msg: String| {
            if cond {
                Ok(())
            } else {
                Err(ModelError::Shape(msg))
            }
        };

        let audio = inputs
            .first()
            .ok_or_else(|| ModelError::Shape("the graph has no inputs".into()))?;
        expect(
            audio.name == "audio",
            format!("the first input is `{}`, not `audio`", audio.name),
        )?;
        let audio_shape = shape_of(audio)?;
        let streams = contract.streams;
        expect(
            audio_shape == [streams, contract.chunk_samples],
            format!(
                "`audio` is {audio_shape:?}, but the metadata says chunks of [{streams}, {}]",
                contract.chunk_samples
            ),
        )?;
        let mut states = Vec::new();
        for v in &inputs[1..] {
            let name = v.name.strip_prefix("state_in_").ok_or_else(|| {
                ModelError::Shape(format!(
                    "input `{}` is neither `audio` nor `state_in_*`",
                    v.name
                ))
            })?;
            let shape = shape_of(v)?;
            expect(
                shape.first() == Some(&streams),
                format!("`{}` is {shape:?}: not one row per stream", v.name),
            )?;
            states.push(StateShape {
                name: name.to_string(),
                shape,
            });
        }

        let probs = graph
            .output
            .first()
            .ok_or_else(|| ModelError::Shape("the graph has no outputs".into()))?;
        expect(
            probs.name == "probs",
            format!("the first output is `{}`, not `probs`", probs.name),
        )?;
        let probs_shape = shape_of(probs)?;
        let want = [streams, contract.frames_per_chunk, contract.classes.len()];
        expect(
            probs_shape == want,
            format!("`probs` is {probs_shape:?}, but the metadata says {want:?}"),
        )?;
        expect(
            graph.output.len() == states.len() + 1,
            format!(
                "{} state inputs but {} state outputs",
                states.len(),
                graph.output.len() - 1
            ),
        )?;
        for (state, out) in states.iter().zip(&graph.output[1..]) {
            let want = format!("state_out_{}", state.name);
            expect(
                out.name == want,
                format!("output `{}` is where `{want}` should be", out.name),
            )?;
            let shape = shape_of(out)?;
            expect(
                shape == state.shape,
                format!("`{want}` is {shape:?} but its input is {:?}", state.shape),
            )?;
        }

        // On the CPU only: GPU plans were measured on the graph as written (docs/gpu.md).
        let for_tract = match fast && backend == Backend::Cpu {
            true => for_tract(&proto, bytes, contract.frames_per_chunk),
            false => bytes.into(),
        };
        let mut model = tract_onnx::onnx()
            .model_for_read(&mut &for_tract[..])
            .map_err(ModelError::Tract)?;
        model = model
            .with_input_fact(0, f32::fact(audio_shape).into())
            .map_err(ModelError::Tract)?;
        for (i, state) in states.iter().enumerate() {
            model = model
                .with_input_fact(i + 1, f32::fact(&state.shape).into())
                .map_err(ModelError::Tract)?;
        }
        let plan = match backend {
            Backend::Cpu => model.into_optimized().and_then(|m| m.into_runnable()),
            Backend::Cuda => cuda_plan(model),
        }
        .map_err(ModelError::Tract)?;
        Ok(Self {
            contract,
            states,
            file_bytes: bytes.len(),
            plan,
        })
    }
}

/// The bytes tract loads: the file with [`rewrites`] rewrites, when the file holds nothing
/// hark's schema leaves out (it re-encodes to the same bytes); else the file as it is.
fn for_tract<'a>(
    proto: &ModelProto,
    bytes: &'a [u8],
    frames_per_call: usize,
) -> std::borrow::Cow<'a, [u8]> {
    if proto.encode_to_vec() != bytes {
        return bytes.into();
    }
    let mut rewritten = proto.clone();
    match rewrites::rewrite(&mut rewritten, frames_per_call).total() {
        0 => bytes.into(),
        _ => rewritten.encode_to_vec().into(),
    }
}

#[cfg(feature = "gpu")]
fn cuda_plan(model: InferenceModel) -> TractResult<Arc<TypedSimplePlan>> {
    let typed = model.into_typed()?.into_decluttered()?;
    Ok(Arc::new(crate::model::backend::cuda_plan(typed)?))
}

#[cfg(not(feature = "gpu"))]
fn cuda_plan(_: InferenceModel) -> TractResult<Arc<TypedSimplePlan>> {
    Err(anyhow::anyhow!(crate::model::backend::NO_CUDA))
}
