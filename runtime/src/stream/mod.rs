//! One stream through the data flow: the [`pipeline`] resamples audio into an [`engine`] (a
//! model's session, or the [`energy`] detector), whose frame scores become [`events`], their
//! edges redrawn at the energy detector's where the model asks for [`boundaries`];
//! [`channels`] runs every channel of a recording as a stream of its own.

pub mod boundaries;
pub mod channels;
pub mod energy;
pub mod engine;
pub mod events;
pub mod pipeline;
