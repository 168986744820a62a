//! What a model costs on a kind of board, for `hark fit` and [`hark_hardware::fit`].

use hark_hardware::board::Kind;
use hark_hardware::fit::ModelCost;

use crate::model::Model;

/// The cost of running `model` on a board of `kind`, with how its values are stored. On a
/// microcontroller the firmware's int8 engine keeps weights, state and activations in one byte
/// each; elsewhere the model runs as stored (f32 values; int8 weights if quantized).
pub fn model_cost(model: &Model, kind: Kind) -> (ModelCost, &'static str) {
    let c = &model.contract;
    let (weight_byte, value_byte, how) = match (kind, c.quantization.as_str()) {
        (Kind::Mcu, _) => (1, 1, "int8, as the firmware engine stores them"),
        (_, "int8") => (1, 4, "int8 weights, f32 state and activations"),
        _ => (4, 4, "f32"),
    };
    let cost = ModelCost {
        parameters: c.parameters,
        weight_bytes: c.parameters * weight_byte,
        state_bytes: model.state_values() as u64 * value_byte,
        activation_bytes: model.peak_activation_values() as u64 * value_byte,
        macs_per_second: c.macs_per_second,
    };
    (cost, how)
}
