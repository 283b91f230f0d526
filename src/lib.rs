//! cos-wasm core: Tencent Cloud COS upload SDK logic, host-free.
//!
//! Pure modules (signing, encoding, XML, checksums, part planning, checkpoints, the queue state
//! machine) have no I/O. The engine (`client`, `ops`, `upload`) is async and generic over [`host::Host`],
//! the only way it touches the network, files, storage or time; the bindings crate (`src/wasm`) binds
//! it to JavaScript shims.

pub mod crc64;
pub mod md5;
pub mod encode;
pub mod sign;
pub mod sort;
pub(crate) mod text;
pub mod value;
pub mod xml;
pub mod plan;
pub mod checkpoint;
pub mod queue;
pub mod progress;
pub mod attempts;
pub mod calls;
pub mod client;
pub mod copy;
pub mod cos;
#[cfg(feature = "node-io")]
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
#[cfg(feature = "select")]
pub mod select;
pub mod source;
#[cfg(feature = "streams")]
pub mod stream_upload;
pub mod tasks;
pub mod upload;
