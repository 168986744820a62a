//! Streaming a contract-1 graph over real audio in tract with extra outputs ("probes") on the
//! values that will be quantized, to calibrate their ranges.
//!
//! It streams exactly as the runtime does: chunk by chunk, state fed back, zero state at the
//! start of each recording.

use anyhow::{Context, Result};
use hark::model::protobuf::{
    ModelProto, TensorShapeProto, TensorTypeProto, TypeProto, ValueInfoProto, data_type,
};
use prost::Message;
use tract_onnx::prelude::*;

use crate::export::metadata::contract_of;

/// A model's plan with some inner values exposed after its contract outputs.
pub struct ProbedModel {
    plan: std::sync::Arc<TypedSimplePlan>,
    chunk: usize,
    states: Vec<Vec<usize>>,
}

fn untyped_output(name: &str) -> ValueInfoProto {
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type: data_type::FLOAT,
                shape: None::<TensorShapeProto>,
            }),
        }),
    }
}

impl ProbedModel {
    /// Loads `model` with `probes` (value names) as extra outputs.
    pub fn new(model: &ModelProto, probes: &[String]) -> Result<Self> {
        let contract = contract_of(model)?;
        let mut probed = model.clone();
        let graph = probed.graph.as_mut().context("the model holds no graph")?;
        let states: Vec<Vec<usize>> = graph.input[1..]
            .iter()
            .map(|v| {
                let dims = v.r#type.as_ref()?.tensor_type.as_ref()?.shape.as_ref()?;
                dims.dim
                    .iter()
                    .map(|d| d.dim_value.map(|n| n as usize))
                    .collect()
            })
            .collect::<Option<_>>()
            .context("state inputs need fixed shapes")?;
        graph
            .output
            .extend(probes.iter().map(|p| untyped_output(p)));
        let bytes = probed.encode_to_vec();
        let mut m = tract_onnx::onnx().model_for_read(&mut bytes.as_slice())?;
        m = m.with_input_fact(0, f32::fact([1, contract.chunk_samples]).into())?;
        for (i, s) in states.iter().enumerate() {
            m = m.with_input_fact(i + 1, f32::fact(s).into())?;
        }
        let plan = m.into_optimized()?.into_runnable()?;
        Ok(Self {
            plan,
            chunk: contract.chunk_samples,
            states,
        })
    }

    /// Streams `audio` (at the model's rate; the last chunk padded with silence), calling `each`
    /// with every chunk's probed values, in probe order.
    pub fn stream(&self, audio: &[f32], mut each: impl FnMut(&[Vec<f32>])) -> Result<()> {
        let mut state: Vec<TValue> = self
            .states
            .iter()
            .map(|s| Tensor::zero::<f32>(s).map(|t| t.into_tvalue()))
            .collect::<TractResult<_>>()?;
        let mut chunk = vec![0.0f32; self.chunk];
        for start in (0..audio.len()).step_by(self.chunk) {
            let end = (start + self.chunk).min(audio.len());
            chunk.fill(0.0);
            chunk[..end - start].copy_from_slice(&audio[start..end]);
            let mut inputs = tvec![Tensor::from_shape(&[1, self.chunk], &chunk)?.into_tvalue()];
            inputs.extend(state.drain(..));
            let outputs = self.plan.run(inputs)?;
            let n = self.states.len();
            let plain = |v: &TValue| -> Result<Vec<f32>> {
                Ok(v.try_as_plain_ram()?.as_slice::<f32>()?.to_vec())
            };
            let probes: Vec<Vec<f32>> =
                outputs[n + 1..].iter().map(plain).collect::<Result<_>>()?;
            state.extend(outputs[1..=n].iter().cloned());
            each(&probes);
        }
        Ok(())
    }
}
