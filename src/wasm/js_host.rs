//! `Host` implemented by a JavaScript shim object (`pkg-template/src/hosts/*.js`), through the
//! module's imports: numbers, and buffers in wasm memory in `cos_wasm::boundary`'s format. The JS side
//! of each import is in `pkg-template/src/wasm-core.js`; it calls the shim's method of the same name.
//!
//! Answers come back two ways: at once, as a reply buffer the import returns (`[u32 length][bytes]`,
//! made with `cosw_alloc`; null for none), or later, through `cosw_settle` for the slot the
//! operation was given.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use cos_wasm::error::CosError;
use cos_wasm::host::{
    Arg, Host, HttpRequest, HttpResponse, LocalFuture, OpenRequest, ProgressFn, RangeDigest,
    SourceInfo, TransportError,
};
use cos_wasm::value::Value;
use cos_wasm::boundary::{read_response, read_value, Writer};
use crate::now::{forget, slot, HostOp, ProgressHook};

#[link(wasm_import_module = "cos")]
extern "C" {
    fn host_send(host: u32, op: u32, req: *const u8, len: usize, progress: i32);
    fn host_abort(host: u32, id: u32);
    /// A held body (`handle` ≥ 0) or a path: answers at once (a held body needs no I/O, and its
    /// task is then queued before the method call returns) or settles `op`.
    fn host_open(host: u32, op: u32, handle: i32, path: *const u8, path_len: usize) -> *mut u8;
    fn host_read(host: u32, op: u32, source: u32, start: f64, end: f64);
    fn host_close(host: u32, source: u32);
    fn host_sleep(host: u32, op: u32, ms: u32);
    fn host_now(host: u32) -> f64;
    fn host_random(host: u32) -> f64;
    fn host_storage_get(host: u32, key: *const u8, key_len: usize) -> *mut u8;
    fn host_storage_set(host: u32, key: *const u8, key_len: usize, value: *const u8, value_len: usize);
    fn host_invoke(host: u32, function: u32, args: *const u8, len: usize);
    fn host_get_authorization(host: u32, op: u32, function: u32, options: *const u8, len: usize);
    fn host_hold(host: u32, value: *const u8, len: usize) -> u32;
    fn host_retain(host: u32, handle: u32);
    pub(crate) fn host_release(host: u32, handle: u32);
    #[allow(clippy::too_many_arguments)]
    fn host_unpack(host: u32, ops: *const u8, ops_len: usize, text: *const u8, text_len: usize, into: u32, at: u32, count: u32);
    /// 0 when the shim has no `openWrite` (nothing settles then).
    fn host_open_write(host: u32, op: u32, path: *const u8, path_len: usize, size: f64, keep: u32) -> u32;
    /// 0 when the shim has no `closeWrite`.
    fn host_close_write(host: u32, op: u32, file: u32) -> u32;
    /// 0 when the shim cannot hash this range itself.
    fn host_hash_range(host: u32, op: u32, source: u32, start: f64, end: f64, md5: u32) -> u32;
    /// The held result value for these bytes, or -1 when the shim has no `bytesValue`.
    fn host_bytes_value(host: u32, bytes: *const u8, len: usize) -> i32;
    fn host_to_lower(text: *const u8, len: usize) -> *mut u8;
    /// The shim registered as `host` is no longer used (its instance is gone).
    fn host_forget(host: u32);
    pub(crate) fn host_date_now() -> f64;
    pub(crate) fn host_queue_tasks();
    /// A method call ended: `ok`, and its result or error as a value.
    pub(crate) fn host_done(token: u32, ok: u32, value: *const u8, len: usize);
}

/// Bytes JS put in wasm memory with `cosw_alloc(len)`, now owned here.
///
/// # Safety
/// `ptr` comes from `cosw_alloc(len)` (or is null with `len` 0) and nothing else uses it.
pub(crate) unsafe fn take(ptr: *mut u8, len: usize) -> Vec<u8> {
    if ptr.is_null() || len == 0 {
        // A zero-length allocation owns nothing worth freeing (Vec's dangling pointer).
        return Vec::new();
    }
    Vec::from_raw_parts(ptr, len, len)
}

/// A reply buffer an import returned: its bytes after the length, or `None` for null.
fn reply(ptr: *mut u8) -> Option<Vec<u8>> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: JS made it with cosw_alloc(4 + length) and wrote the length first.
    let mut v = unsafe {
        let len = u32::from_le_bytes(*(ptr as *const [u8; 4])) as usize;
        take(ptr, len + 4)
    };
    v.drain(..4);
    Some(v)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_default()
}

fn message(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        _ => v.get("message").and_then(Value::as_str).unwrap_or_default().into(),
    }
}

/// A host failure `{message, param?}`: a parameter error when the shim says so.
fn failure(bytes: &[u8]) -> CosError {
    let v = read_value(bytes);
    let m = message(&v);
    if matches!(v.get("param"), Some(Value::Bool(true))) {
        CosError::param(m)
    } else {
        CosError::host(m)
    }
}

/// The shim object registered under this number in the JS side's table.
pub struct JsHost {
    pub id: u32,
}

fn source_info(v: &Value) -> SourceInfo {
    let num = |k: &str| match v.get(k) {
        Some(Value::Num(n)) => Some(*n),
        _ => None,
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let flag = |k: &str| matches!(v.get(k), Some(Value::Bool(true)));
    SourceInfo {
        id: num("id").unwrap_or(0.0) as u32,
        size: num("size").unwrap_or(0.0).max(0.0) as u64,
        name: text("name"),
        last_modified_ms: num("lastModified"),
        content_type: text("type"),
        persistent: flag("persistent"),
        streamed: flag("streamed"),
        can_pipe: flag("canPipe"),
    }
}

fn opened(ok: bool, bytes: &[u8]) -> Result<SourceInfo, CosError> {
    if ok {
        Ok(source_info(&read_value(bytes)))
    } else {
        Err(failure(bytes))
    }
}

impl Drop for JsHost {
    fn drop(&mut self) {
        // SAFETY: numbers only.
        unsafe { host_forget(self.id) }
    }
}

impl JsHost {
    /// Holds `value` in the JS table: its handle.
    pub(crate) fn hold(&self, value: &Value) -> u32 {
        let mut w = Writer::default();
        w.value(value);
        // SAFETY: the import reads the bytes before it returns.
        unsafe { host_hold(self.id, w.0.as_ptr(), w.0.len()) }
    }

    pub(crate) fn release(&self, handle: u32) {
        // SAFETY: numbers only.
        unsafe { host_release(self.id, handle) }
    }
}

impl Host for JsHost {
    fn send(&self, req: HttpRequest, progress: Option<ProgressFn>) -> LocalFuture<'static, Result<HttpResponse, TransportError>> {
        let mut w = Writer::default();
        w.request(&req);
        // Registered while the request is on its way (the hook goes with this future).
        let hook = progress.map(ProgressHook::new);
        let op = slot();
        // SAFETY: the import reads the request before it returns.
        unsafe { host_send(self.id, op, w.0.as_ptr(), w.0.len(), hook.as_ref().map_or(-1, |h| h.0 as i32)) };
        drop(w);
        let answer = HostOp::new(op);
        Box::pin(async move {
            let (ok, bytes) = answer.await;
            drop(hook);
            if ok {
                return read_response(bytes).ok_or_else(|| TransportError::Invalid("the host's answer could not be read".into()));
            }
            let e = read_value(&bytes);
            let m = message(&e);
            match e.get("kind").and_then(Value::as_str).unwrap_or_default() {
                "timeout" => Err(TransportError::Timeout),
                "aborted" => Err(TransportError::Aborted),
                // The host refused the answer while it arrived (too large to be COS's): not retried.
                "invalid" => Err(TransportError::Invalid(m)),
                _ => Err(TransportError::Network(m)),
            }
        })
    }

    fn abort(&self, request_id: u32) {
        // SAFETY: numbers only.
        unsafe { host_abort(self.id, request_id) }
    }

    fn open(&self, body: OpenRequest) -> LocalFuture<'static, Result<SourceInfo, CosError>> {
        let op = slot();
        // SAFETY: the import reads the path before it returns.
        let now = unsafe {
            match &body {
                OpenRequest::Handle(h) => host_open(self.id, op, *h as i32, core::ptr::null(), 0),
                OpenRequest::FilePath(p) => host_open(self.id, op, -1, p.as_ptr(), p.len()),
            }
        };
        match reply(now) {
            Some(r) => {
                forget(op);
                let info = match r.split_first() {
                    Some((&ok, rest)) => opened(ok != 0, rest),
                    None => Err(CosError::host("the host's open gave no answer")),
                };
                Box::pin(async move { info })
            }
            None => {
                let answer = HostOp::new(op);
                Box::pin(async move {
                    let (ok, bytes) = answer.await;
                    opened(ok, &bytes)
                })
            }
        }
    }

    fn read(&self, source: u32, start: u64, end: u64) -> LocalFuture<'static, Result<Vec<u8>, CosError>> {
        let op = slot();
        // SAFETY: numbers only.
        unsafe { host_read(self.id, op, source, start as f64, end as f64) };
        let answer = HostOp::new(op);
        Box::pin(async move {
            match answer.await {
                (true, bytes) => Ok(bytes),
                (false, bytes) => Err(CosError::host(message(&read_value(&bytes)))),
            }
        })
    }

    fn close(&self, source: u32) {
        // SAFETY: numbers only.
        unsafe { host_close(self.id, source) }
    }

    fn sleep(&self, ms: u32) -> LocalFuture<'static, ()> {
        let op = slot();
        // SAFETY: numbers only.
        unsafe { host_sleep(self.id, op, ms) };
        let answer = HostOp::new(op);
        Box::pin(async move {
            answer.await;
        })
    }

    fn now_ms(&self) -> f64 {
        // SAFETY: numbers only.
        unsafe { host_now(self.id) }
    }

    fn random(&self) -> f64 {
        // SAFETY: numbers only.
        unsafe { host_random(self.id) }
    }

    fn storage_get(&self, key: &str) -> Option<String> {
        // SAFETY: the import reads the key before it returns.
        reply(unsafe { host_storage_get(self.id, key.as_ptr(), key.len()) }).map(text)
    }

    fn storage_set(&self, key: &str, value: &str) {
        // SAFETY: the import reads both before it returns.
        unsafe { host_storage_set(self.id, key.as_ptr(), key.len(), value.as_ptr(), value.len()) }
    }

    fn invoke(&self, function: u32, args: Vec<Arg>) {
        let mut w = Writer::default();
        w.0.push(cos_wasm::boundary::ARR);
        w.u32(args.len() as u32);
        for a in &args {
            match a {
                Arg::Val(v) => w.value(v),
                Arg::Err(e) => w.error(e),
            }
        }
        // SAFETY: the import reads the arguments before it calls the function.
        unsafe { host_invoke(self.id, function, w.0.as_ptr(), w.0.len()) }
    }

    fn get_authorization(&self, function: u32, options: Value) -> LocalFuture<'static, Result<Value, CosError>> {
        let mut w = Writer::default();
        w.value(&options);
        let op = slot();
        // SAFETY: the import reads the options before it returns.
        unsafe { host_get_authorization(self.id, op, function, w.0.as_ptr(), w.0.len()) };
        let answer = HostOp::new(op);
        Box::pin(async move {
            match answer.await {
                (true, bytes) => Ok(read_value(&bytes)),
                (false, bytes) => {
                    let mut m = String::from("getAuthorization failed: ");
                    m.push_str(&message(&read_value(&bytes)));
                    Err(CosError::auth(m))
                }
            }
        })
    }

    fn retain(&self, handle: u32) {
        // SAFETY: numbers only.
        unsafe { host_retain(self.id, handle) }
    }

    fn release(&self, handle: u32) {
        JsHost::release(self, handle)
    }

    fn hold_value(&self, value: &Value) -> Option<u32> {
        Some(self.hold(value))
    }

    fn unpacks_values(&self) -> bool {
        true
    }

    fn unpack_values(&self, packed: &mut cos_wasm::packed::Packed, all: bool) -> Option<u32> {
        let array = match packed.array() {
            Some(a) => a,
            None => {
                // An array of that many nulls, filled below.
                let mut w = Writer::default();
                w.0.push(cos_wasm::boundary::ARR);
                w.u32(packed.len() as u32);
                w.0.resize(w.0.len() + packed.len(), cos_wasm::boundary::NULL);
                // SAFETY: the import reads the value before it returns.
                let a = unsafe { host_hold(self.id, w.0.as_ptr(), w.0.len()) };
                packed.set_array(a);
                a
            }
        };
        // A chunk's text becomes one JS string the values' strings are slices of: at most
        // ~256 KiB, which an entry kept alone keeps alive, and the core's buffer stays small.
        let mut chunk = cos_wasm::packed::Chunk::default();
        while let Some((at, count)) = packed.next_chunk(256 * 1024, all, &mut chunk) {
            // SAFETY: the import reads both buffers before it returns.
            unsafe {
                host_unpack(self.id, chunk.ops.as_ptr(), chunk.ops.len(), chunk.text.as_ptr(), chunk.text.len(), array, at as u32, count as u32)
            };
        }
        Some(array)
    }

    fn spawn(&self, fut: LocalFuture<'static, ()>) {
        crate::now::spawn(fut);
    }

    fn open_write(&self, path: &str, size: u64, keep: bool) -> LocalFuture<'static, Result<(u32, bool), CosError>> {
        let op = slot();
        // SAFETY: the import reads the path before it returns.
        if unsafe { host_open_write(self.id, op, path.as_ptr(), path.len(), size as f64, keep as u32) } == 0 {
            forget(op);
            return Box::pin(async { Err(CosError::param("downloadFile needs a host with files (Node)")) });
        }
        let answer = HostOp::new(op);
        Box::pin(async move {
            match answer.await {
                (true, bytes) => {
                    let v = read_value(&bytes);
                    let id = match v.get("id") {
                        Some(Value::Num(n)) => *n as u32,
                        _ => 0,
                    };
                    Ok((id, matches!(v.get("kept"), Some(Value::Bool(true)))))
                }
                (false, bytes) => Err(failure(&bytes)),
            }
        })
    }

    fn close_write(&self, file: u32) -> LocalFuture<'static, Result<(), CosError>> {
        let op = slot();
        // SAFETY: numbers only.
        if unsafe { host_close_write(self.id, op, file) } == 0 {
            forget(op);
            return Box::pin(async { Ok(()) });
        }
        let answer = HostOp::new(op);
        Box::pin(async move {
            match answer.await {
                (true, _) => Ok(()),
                (false, bytes) => Err(CosError::host(message(&read_value(&bytes)))),
            }
        })
    }

    fn hash_range(&self, source: u32, start: u64, end: u64, md5: bool) -> Option<LocalFuture<'static, Result<Option<RangeDigest>, CosError>>> {
        let op = slot();
        // SAFETY: numbers only.
        if unsafe { host_hash_range(self.id, op, source, start as f64, end as f64, md5 as u32) } == 0 {
            forget(op);
            return None;
        }
        let answer = HostOp::new(op);
        Some(Box::pin(async move {
            let (ok, bytes) = answer.await;
            let v = read_value(&bytes);
            if !ok {
                return Err(CosError::host(message(&v)));
            }
            if v == Value::Null {
                return Ok(None);
            }
            let crc64 = v.get("crc64").and_then(Value::as_str).and_then(|s| s.parse::<u64>().ok());
            let digest = v.get("md5").and_then(Value::as_str).and_then(cos_wasm::encode::from_hex::<16>);
            match crc64 {
                Some(crc64) => Ok(Some(RangeDigest { md5: digest, crc64 })),
                None => Err(CosError::host("hashRange gave no crc64")),
            }
        }))
    }

    fn bytes_value(&self, bytes: &[u8]) -> Option<Value> {
        // SAFETY: the import copies the bytes before it returns.
        let h = unsafe { host_bytes_value(self.id, bytes.as_ptr(), bytes.len()) };
        (h >= 0).then_some(Value::Opaque(h as u32))
    }

    fn to_lowercase(&self, s: &str) -> String {
        // SAFETY: the import reads the text before it returns.
        reply(unsafe { host_to_lower(s.as_ptr(), s.len()) }).map(text).unwrap_or_default()
    }
}
