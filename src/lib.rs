//! cos-wasm core: Tencent Cloud COS upload SDK logic, host-free.
//!
//! Pure modules (signing, encoding, XML, checksums, part planning, checkpoints, the queue state
//! machine) have no I/O. The engine (`client`, `ops`, `upload`) is async and generic over [`host::Host`],
//! the only way it touches the network, files, storage or time; `wasm` binds it to JavaScript shims.

pub mod crc64;
pub mod md5;
pub mod encode;
pub mod sign;
pub mod sort;
pub mod value;
pub mod xml;
pub mod plan;
pub mod checkpoint;
pub mod queue;
pub mod progress;
mod attempts;
pub mod calls;
pub mod client;
pub mod copy;
pub mod cos;
pub mod download;
pub mod error;
pub mod host;
pub mod methods;
pub mod mime;
pub mod ops;
pub mod packed;
pub mod options;
pub mod params;
pub mod presign;
pub mod select;
pub mod source;
pub mod stream_upload;
pub mod tasks;
pub mod upload;

#[cfg(all(target_arch = "wasm32", feature = "bindings"))]
pub mod wasm;

// talc instead of std's dlmalloc: 4.7 KB less wasm, the same signing, hashing and upload speed.
// SAFETY: the module is single-threaded (no wasm threads), which `TalckWasm`'s unlocked lock assumes.
#[cfg(all(target_arch = "wasm32", feature = "bindings"))]
#[global_allocator]
static ALLOC: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
