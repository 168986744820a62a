//! The cloud model ("teacher"): a large bidirectional transformer on raw audio, pretrained
//! self-supervised, fine-tuned on labels, and distilled into streaming students.

pub mod contract;
pub mod label;
pub mod presets;
pub mod pretrain;
