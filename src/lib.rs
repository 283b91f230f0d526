//! cos-wasm core: Tencent Cloud COS upload SDK logic, host-free.
//!
//! Pure modules (signing, encoding, XML, checksums, part planning, checkpoints, the queue state
//! machine) have no I/O. The engine (`client`, `ops`, `upload`) is async and generic over [`host::Host`],
//! the only way it touches the network, files, storage or time; the bindings crate (`src/wasm`) binds
//! it to JavaScript shims.
//!
//! No std, only `core` and `alloc`: the shipped wasm links no std at all (the bindings crate has
//! the panic handler), which keeps std's panic machinery and the formatting it uses out of it.
//! Unit tests have std.

#![cfg_attr(not(test), no_std)]

#[macro_use]
extern crate alloc;
// Natively the signing-key cache is a thread-local (the integration tests run on many threads).
#[cfg(all(not(test), not(target_arch = "wasm32")))]
extern crate std;

/// What std's prelude has and core's lacks.
mod prelude {
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec::Vec;
}

pub mod crc64;
pub mod md5;
pub mod encode;
pub mod sign;
pub(crate) mod sort;
pub(crate) mod text;
pub mod value;
pub mod xml;
pub mod plan;
pub mod checkpoint;
pub(crate) mod queue;
pub(crate) mod progress;
pub mod attempts;
pub(crate) mod calls;
pub mod client;
pub(crate) mod copy;
pub mod cos;
#[cfg(feature = "node-io")]
pub(crate) mod download;
pub mod error;
pub(crate) mod float;
pub mod host;
pub mod methods;
#[cfg(feature = "wx")]
pub(crate) mod mime;
pub mod one_thread;
pub(crate) mod ops;
pub mod packed;
pub mod options;
pub(crate) mod params;
pub mod presign;
#[cfg(feature = "select")]
pub(crate) mod select;
pub mod source;
#[cfg(feature = "streams")]
pub(crate) mod stream_upload;
pub(crate) mod tasks;
pub(crate) mod upload;
pub mod boundary;
