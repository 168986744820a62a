//! Sinks: where events go.

mod atomic;
mod raven;

pub use atomic::write_atomic;
pub use raven::{raven_table, raven_table_name};
