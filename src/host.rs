//! The host: everything the engine needs from its environment, and nothing more.
//!
//! Browsers, Node and mini-programs implement it in JavaScript (`pkg-template/src/hosts/*`), bound
//! in `wasm/js_host.rs`; tests implement it natively. The engine never blocks: every I/O method
//! returns a future, and `spawn` runs detached work (queue tasks) on the host's event loop.

use crate::prelude::*;
use core::future::Future;
use core::pin::Pin;
use alloc::rc::Rc;

use crate::error::CosError;
use crate::value::Value;

pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Request body. `Source` bodies stay in the host (a Blob slice, a file range) and are streamed
/// by it, so a large part never has to cross into wasm memory unless the engine hashes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Empty,
    Bytes(Vec<u8>),
    Source { source: u32, start: u64, end: u64 },
    /// The next `len` bytes of a stream source (a Node Readable), piped by the host as they come:
    /// read once, so a request with it is never sent again.
    Stream { source: u32, len: u64 },
    /// `multipart/form-data` (POST Object): text fields in order, then the file part last.
    Form { fields: Vec<(String, String)>, file: Box<Body>, file_name: String },
}

impl Body {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::Source { start, end, .. } => end - start,
            Body::Stream { len, .. } => *len,
            Body::Form { file, .. } => file.len(),
        }
    }

}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseType {
    /// Body read as bytes (the engine parses XML from them).
    Bytes,
    /// `getObject`: the host keeps the body in its native form and hands it back as an opaque value.
    Native,
    /// `getObject` with `Output`: a 2xx body is piped by the host into the handle (a writable, or a
    /// path the host opens for writing), never crossing into wasm; other answers are read as bytes.
    Stream(u32),
    /// `downloadFile`: a 2xx body is written by the host into a file opened with
    /// [`Host::open_write`], from `offset` on; the answer says how many bytes and their CRC-64.
    File { file: u32, offset: u64 },
}

#[derive(Clone, Debug)]
pub struct HttpRequest {
    /// Unique per host; used by `abort`.
    pub id: u32,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// 0 = no timeout.
    pub timeout_ms: u32,
    pub response_type: ResponseType,
    /// `DataType` for `getObject` (`text`, `blob`, `arraybuffer`), passed through.
    pub data_type: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct HttpResponse {
    pub status: u16,
    /// Names lower-cased by the host.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// For `ResponseType::Native`: the body as a host value handle.
    pub native_body: Option<u32>,
    /// For `ResponseType::Stream` / `File`: what the host wrote; for a `Body::Stream` request:
    /// what it sent, with the CRC-64 of it.
    pub written: Option<Written>,
}

/// Bytes a host wrote for a [`ResponseType::Stream`] or [`ResponseType::File`] answer (or sent
/// from a [`Body::Stream`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    /// CRC-64 of those bytes (`File` answers, `Body::Stream` requests).
    pub crc64: Option<u64>,
}

impl HttpResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// No response: connection refused/reset, DNS, CORS (browsers cannot tell those apart).
    Network(String),
    Timeout,
    /// `Host::abort` was called for this request.
    Aborted,
    /// An answer that cannot be COS's (e.g. far too large); not retried.
    Invalid(String),
}

/// What the host knows about a body it holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceInfo {
    pub id: u32,
    pub size: u64,
    /// File name or FilePath, for the task list and the checkpoint fingerprint.
    pub name: Option<String>,
    /// Epoch ms; files only.
    pub last_modified_ms: Option<f64>,
    /// Blob/File `type`, if any.
    pub content_type: Option<String>,
    /// Whether this is a file that survives a restart (File, FilePath): only those get checkpoints.
    pub persistent: bool,
    /// A stream (Node Readable, web ReadableStream): its length is unknown (`size` is 0) and it is
    /// read once, front to back: `read(start, end)` gives the next bytes, fewer only at its end.
    pub streamed: bool,
    /// The host can pipe this stream into one request ([`Body::Stream`]; Node). A browser's XHR
    /// takes no stream: there a stream is always read in parts.
    pub can_pipe: bool,
}

/// Upload progress of one request: bytes of its body sent so far.
pub type ProgressFn = Rc<dyn Fn(u64)>;

/// A callback argument: plain values, or an error that becomes the SDK's error object.
#[derive(Clone, Debug)]
pub enum Arg {
    Val(Value),
    Err(CosError),
}

pub trait Host: 'static {
    /// Sends one request. Must resolve (never hang) after `abort(req.id)` or the timeout.
    fn send(
        &self,
        req: HttpRequest,
        progress: Option<ProgressFn>,
    ) -> LocalFuture<'static, Result<HttpResponse, TransportError>>;

    fn abort(&self, request_id: u32);

    /// Opens a body given as an opaque handle (Blob, File, ArrayBuffer, typed array) or as a file
    /// path (`FilePath` on Node and mini-programs).
    fn open(&self, body: OpenRequest) -> LocalFuture<'static, Result<SourceInfo, CosError>>;

    /// Reads `[start, end)` of an opened source.
    fn read(&self, source: u32, start: u64, end: u64) -> LocalFuture<'static, Result<Vec<u8>, CosError>>;

    /// Releases an opened source (and its handle).
    fn close(&self, source: u32);

    fn sleep(&self, ms: u32) -> LocalFuture<'static, ()>;

    fn now_ms(&self) -> f64;

    /// A number in [0, 1) for retry jitter.
    fn random(&self) -> f64;

    fn storage_get(&self, key: &str) -> Option<String>;
    fn storage_set(&self, key: &str, value: &str);

    /// Calls a user function (callbacks, events). Exceptions are contained by the host.
    fn invoke(&self, function: u32, args: Vec<Arg>);

    /// Calls the user's `getAuthorization(options, callback)`; resolves with what it passed to `callback`.
    fn get_authorization(&self, function: u32, options: Value) -> LocalFuture<'static, Result<Value, CosError>>;

    /// Takes one more share of a handle: each owner (a call, a task) releases its own share, and the
    /// host drops the value when the last share is released.
    fn retain(&self, handle: u32);

    /// Releases one share of a handle (a call or a task that held it ended).
    fn release(&self, handle: u32);

    /// Turns a result into a host value now and holds it (one share): a long batch then keeps its
    /// finished entries in the host, where they end up anyway, instead of in the core's memory,
    /// which never shrinks. `None`: the host keeps no values (the core keeps the `Value`).
    fn hold_value(&self, _value: &Value) -> Option<u32> {
        None
    }

    /// Whether [`Host::unpack_values`] makes values: the core then keeps a long batch's finished
    /// entries packed ([`crate::packed`]) until it hands them over, a run at a time.
    fn unpacks_values(&self) -> bool {
        false
    }

    /// Makes the values of `packed` that are ready into elements of one host array (made and
    /// held, one share, the first time; its handle is kept in `packed`) and returns it; with
    /// `all`, every value not handed over yet (unset ones as null). Held values `packed` refers to
    /// are taken over (their handles released).
    fn unpack_values(&self, _packed: &mut crate::packed::Packed, _all: bool) -> Option<u32> {
        None
    }

    /// Runs detached work to completion on the host's event loop.
    fn spawn(&self, fut: LocalFuture<'static, ()>);

    /// Hashes `[start, end)` of an opened source away from the caller's thread (browsers: a
    /// Worker running this same wasm), giving (MD5 if `md5`, CRC64). `None`, or a future that
    /// gives `None`: the host cannot (for this source, or at all now), and the core reads the
    /// bytes and hashes them itself.
    /// Opens `path` for writing at offsets (`downloadFile`), sized to `size`: created (or truncated)
    /// unless `keep` and it already has that size, when its bytes are kept (a resumed download).
    /// Gives the file id and whether the existing bytes were kept. Hosts without files refuse.
    fn open_write(&self, _path: &str, _size: u64, _keep: bool) -> LocalFuture<'static, Result<(u32, bool), CosError>> {
        Box::pin(async { Err(CosError::param("downloadFile needs a host with files (Node)")) })
    }

    /// Closes a file opened with [`Host::open_write`] (its bytes are on disk when this resolves).
    fn close_write(&self, _file: u32) -> LocalFuture<'static, Result<(), CosError>> {
        Box::pin(async { Ok(()) })
    }

    fn hash_range(&self, _source: u32, _start: u64, _end: u64, _md5: bool) -> Option<LocalFuture<'static, Result<Option<RangeDigest>, CosError>>> {
        None
    }

    /// Bytes as the host's own result value (a Node `Buffer`; UTF-8 text in browsers and
    /// mini-programs, as the official SDKs give select results there). `None`: the host has no
    /// such value, and the core gives the bytes as UTF-8 text.
    fn bytes_value(&self, _bytes: &[u8]) -> Option<Value> {
        None
    }

    /// `s` lower-cased as JavaScript's `toLowerCase` does (all of Unicode). The default is std's,
    /// whose case tables are ~18 KB of wasm: a host with a JS engine at hand asks it instead.
    fn to_lowercase(&self, s: &str) -> String {
        s.to_lowercase()
    }
}

/// What [`Host::hash_range`] computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeDigest {
    pub md5: Option<[u8; 16]>,
    pub crc64: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OpenRequest {
    Handle(u32),
    FilePath(String),
}
