//! Teachers: ours (a large bidirectional transformer on raw audio, pretrained self-supervised,
//! fine-tuned on labels) or public ones, and running any of them over recordings (`tracks`).

pub mod contract;
pub mod label;
pub mod presets;
pub mod pretrain;
pub mod tracks;
