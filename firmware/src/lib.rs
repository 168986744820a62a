//! hark-firmware: the int8 engine and streaming detector for Cortex-M recorders.
//!
//! `#![no_std]` and allocation-free. The engine reads the `.hmb` blob (contract 3) in place;
//! it arrives with issue 6. For now the crate pins the blob's identity so both sides agree on it.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

/// The four bytes a `.hmb` firmware blob starts with.
pub const BLOB_MAGIC: [u8; 4] = *b"HMB1";

/// The blob format version this firmware reads.
pub const BLOB_VERSION: u16 = 1;
