//! Running a student offline over whole recordings.

use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::student::model::Student;

/// Frame probabilities `[frames, classes]` (frame-major) for `audio` at the model's rate: the
/// audio is zero-padded to whole chunks and the frames past its end are dropped.
pub fn predict(model: &Student, audio: &[f32], device: &Device) -> Vec<f32> {
    let c = model.config();
    let (chunk, hop) = (c.chunk_samples(), c.hop_samples());
    let mut padded = audio.to_vec();
    padded.resize(audio.len().div_ceil(chunk).max(1) * chunk, 0.0);
    let n = padded.len();
    let x = Tensor::<2>::from_data(TensorData::new(padded, [1, n]), device);
    let probs = sigmoid(model.forward(x))
        .try_into_vec_as::<f32>()
        .expect("f32 output");
    probs[..audio.len().div_ceil(hop) * c.classes.len()].to_vec()
}
