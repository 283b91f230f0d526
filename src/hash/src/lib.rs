//! MD5 and CRC-64/XZ, the hashes on the upload path.
//!
//! A crate of its own only so that release builds can optimise it for speed (opt-level 3) while
//! the rest of the wasm is optimised for size (opt-level "z"): per-package opt-levels survive LTO
//! for non-generic code like this. Tests live with the core (`src/md5.rs`, `src/crc64.rs`).

#![no_std]

pub mod crc64;
pub mod md5;
