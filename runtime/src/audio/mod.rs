//! Audio in: the recordings a batch works on, decoding them (with the WAV guard and the
//! recorder's metadata), live capture from a sound card or a paced replay, and resampling to a
//! model's rate.

pub mod capture;
pub mod decode;
pub mod recordings;
pub mod resample;
pub mod source;
