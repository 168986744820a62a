//! The subcommands of the `hark` binary, one module each.

pub mod bench;
pub mod detect;
pub mod eval;
pub mod fit;
pub mod info;
pub mod listen;
pub mod model_flags;
