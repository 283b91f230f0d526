//! The byte format values cross the JS boundary in, both ways (the bindings' exports and imports
//! take and give only numbers and buffers in wasm memory; `pkg-template/src/wasm-core.js` is the JS
//! side). Fixed-width little-endian numbers: JS reads and writes them with one DataView call each,
//! and nothing here needs them smaller (a request's or a result's values live for one call).
//!
//! A value is a one-byte tag and what the tag says:
//! - `NULL`, `FALSE`, `TRUE`; `NUM`: an f64; `STR`: u32 byte length, UTF-8;
//! - `ARR`: u32 count, the values; `OBJ`: u32 count, then per field a name (u32 length, UTF-8, no
//!   tag) and a value;
//! - `HELD`: u32, a value the host holds (a function, a Blob, a Buffer) by handle;
//! - wasm to JS only: `ERR` (an `OBJ` made into the SDK's `Error`, `message` first) and `BYTES`
//!   (u32 length, the bytes, made into a `Uint8Array`).

use crate::prelude::*;
use crate::error::{CosError, ErrorKind};
use crate::host::{Body, HttpRequest, HttpResponse, ResponseType, Written};
use crate::value::Value;

pub const NULL: u8 = 0;
pub const FALSE: u8 = 1;
pub const TRUE: u8 = 2;
pub const NUM: u8 = 3;
pub const STR: u8 = 4;
pub const ARR: u8 = 5;
pub const OBJ: u8 = 6;
pub const HELD: u8 = 7;
pub const ERR: u8 = 8;
pub const BYTES: u8 = 9;

/// Deeper trees are cut off (cycles are cut on the JS side at the same depth).
const MAX_DEPTH: usize = 16;

/// Writes values into a buffer.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    pub fn u32(&mut self, n: u32) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }

    pub fn num(&mut self, n: f64) {
        self.0.push(NUM);
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    /// A field name or any untagged string.
    pub fn name(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    pub fn str(&mut self, s: &str) {
        self.0.push(STR);
        self.name(s);
    }

    pub fn bool(&mut self, b: bool) {
        self.0.push(if b { TRUE } else { FALSE });
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.0.push(BYTES);
        self.len(b.len());
        self.0.extend_from_slice(b);
    }

    /// An object of `n` fields: write each as [`Writer::name`] and a value.
    pub fn obj(&mut self, n: usize) {
        self.0.push(OBJ);
        self.len(n);
    }

    pub fn arr(&mut self, n: usize) {
        self.0.push(ARR);
        self.len(n);
    }

    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.0.push(NULL),
            Value::Bool(b) => self.bool(*b),
            Value::Num(n) => self.num(*n),
            Value::Str(s) => self.str(s),
            Value::Arr(items) => {
                self.arr(items.len());
                for it in items {
                    self.value(it);
                }
            }
            Value::Obj(fields) => {
                self.obj(fields.len());
                for (k, val) in fields {
                    self.name(k);
                    self.value(val);
                }
            }
            Value::Opaque(h) => {
                self.0.push(HELD);
                self.u32(*h);
            }
        }
    }

    /// The SDK's error object: `message`, then `name`, `code`, `error`, `headers` and what is known
    /// (`statusCode`, `url`, `method`, `RequestId`, `UploadId`, `ErrorStatus`, `attempts` and
    /// `elapsedMs`), in that order, as the JS side sets them on a new `Error`.
    pub fn error(&mut self, e: &CosError) {
        let texts = [
            ("url", &e.url),
            ("method", &e.method),
            ("RequestId", &e.request_id),
            ("UploadId", &e.upload_id),
            ("ErrorStatus", &e.error_status),
        ];
        let n = 5 + usize::from(e.status_code.is_some()) + texts.iter().filter(|(_, t)| t.is_some()).count() + if e.attempts > 0 { 2 } else { 0 };
        self.0.push(ERR);
        self.len(n);
        self.name("message");
        self.str(&e.message);
        self.name("name");
        self.str(if e.kind == ErrorKind::Server { &e.code } else { "Error" });
        self.name("code");
        self.str(&e.code);
        self.name("error");
        self.value(&e.error_value());
        self.name("headers");
        self.obj(e.headers.len());
        for (k, v) in &e.headers {
            self.name(k);
            self.str(v);
        }
        if let Some(s) = e.status_code {
            self.name("statusCode");
            self.num(f64::from(s));
        }
        for (k, t) in texts {
            if let Some(t) = t {
                self.name(k);
                self.str(t);
            }
        }
        if e.attempts > 0 {
            self.name("attempts");
            self.num(f64::from(e.attempts));
            self.name("elapsedMs");
            self.num(crate::float::round(e.elapsed_ms));
        }
    }

    /// A request as the host shims take it: `{id, method, url, headers: [[name, value]…], body,
    /// timeout, responseType, output?, file?, offset?, dataType?}`.
    pub fn request(&mut self, req: &HttpRequest) {
        let extra = match req.response_type {
            ResponseType::Stream(_) => 1,
            ResponseType::File { .. } => 2,
            _ => 0,
        };
        self.obj(7 + extra + usize::from(req.data_type.is_some()));
        self.name("id");
        self.num(f64::from(req.id));
        self.name("method");
        self.str(&req.method);
        self.name("url");
        self.str(&req.url);
        self.name("headers");
        self.arr(req.headers.len());
        for (k, v) in &req.headers {
            self.arr(2);
            self.str(k);
            self.str(v);
        }
        self.name("body");
        self.body(&req.body);
        self.name("timeout");
        self.num(f64::from(req.timeout_ms));
        let rt = match req.response_type {
            ResponseType::Bytes => "bytes",
            ResponseType::Native => "native",
            ResponseType::Stream(output) => {
                self.name("output");
                self.num(f64::from(output));
                "stream"
            }
            ResponseType::File { file, offset } => {
                self.name("file");
                self.num(f64::from(file));
                self.name("offset");
                self.num(offset as f64);
                "file"
            }
        };
        self.name("responseType");
        self.str(rt);
        if let Some(dt) = &req.data_type {
            self.name("dataType");
            self.str(dt);
        }
    }

    fn body(&mut self, body: &Body) {
        match body {
            Body::Empty => self.0.push(NULL),
            Body::Bytes(b) => self.bytes(b),
            Body::Source { source, start, end } => {
                self.obj(3);
                self.name("source");
                self.num(f64::from(*source));
                self.name("start");
                self.num(*start as f64);
                self.name("end");
                self.num(*end as f64);
            }
            Body::Stream { source, len } => {
                self.obj(2);
                self.name("stream");
                self.num(f64::from(*source));
                self.name("len");
                self.num(*len as f64);
            }
            Body::Form { fields, file, file_name } => {
                self.obj(3);
                self.name("form");
                self.arr(fields.len());
                for (k, v) in fields {
                    self.arr(2);
                    self.str(k);
                    self.str(v);
                }
                self.name("file");
                self.body(file);
                self.name("fileName");
                self.str(file_name);
            }
        }
    }
}

/// Reads values written by the JS side.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn f64(&mut self) -> Option<f64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(f64::from_le_bytes(a))
    }

    /// An untagged string (a field name).
    pub fn name(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        // The JS side writes UTF-8 only (TextEncoder); anything else is not from it.
        core::str::from_utf8(b).ok().map(String::from)
    }

    /// The next bytes, as written by the JS side with a u32 length before them.
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    pub fn value(&mut self) -> Option<Value> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Option<Value> {
        let tag = *self.take(1)?.first()?;
        if depth > MAX_DEPTH && (tag == ARR || tag == OBJ) {
            return None;
        }
        Some(match tag {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            NUM => Value::Num(self.f64()?),
            STR => Value::Str(self.name()?),
            ARR => {
                let n = self.u32()? as usize;
                // Each value is at least a byte: a count beyond what is left is not a real one.
                let mut items = Vec::with_capacity(n.min(self.bytes.len() - self.at));
                for _ in 0..n {
                    items.push(self.value_at(depth + 1)?);
                }
                Value::Arr(items)
            }
            OBJ => {
                let n = self.u32()? as usize;
                let mut fields = Vec::with_capacity(n.min(self.bytes.len() - self.at));
                for _ in 0..n {
                    let k = self.name()?;
                    fields.push((k, self.value_at(depth + 1)?));
                }
                Value::Obj(fields)
            }
            HELD => Value::Opaque(self.u32()?),
            _ => return None,
        })
    }
}

/// A whole buffer as one value (`Null` when it is not one).
pub fn read_value(bytes: &[u8]) -> Value {
    Reader::new(bytes).value().unwrap_or_default()
}

/// An answer as the JS side writes it: the body's bytes (u32 length first), then
/// `{status, headers: {name: value}, native?, written?, crc64?}` as a value.
pub fn read_response(mut bytes: Vec<u8>) -> Option<HttpResponse> {
    let mut r = Reader::new(&bytes);
    let body_len = r.u32()? as usize;
    let meta_at = 4usize.checked_add(body_len)?;
    let meta = read_value(bytes.get(meta_at..)?);
    let status = meta.get("status").and_then(Value::as_f64).unwrap_or(0.0) as u16;
    let headers = meta
        .get("headers")
        .map(|h| h.entries().iter().filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    let native_body = match meta.get("native") {
        Some(Value::Opaque(h)) => Some(*h),
        _ => None,
    };
    let written = meta.get("written").and_then(Value::as_f64).map(|n| Written {
        bytes: n.max(0.0) as u64,
        crc64: meta.get("crc64").and_then(Value::as_str).and_then(|s| s.parse().ok()),
    });
    // The body is the front of the buffer: cut the rest off instead of copying it out.
    bytes.truncate(meta_at);
    bytes.drain(..4);
    Some(HttpResponse { status, headers, body: bytes, native_body, written })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js_object(fields: &[(&str, Value)]) -> Vec<u8> {
        let mut w = Writer::default();
        w.value(&Value::Obj(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()));
        w.0
    }

    #[test]
    fn values_round_trip() {
        let v = Value::Obj(vec![
            ("Bucket".into(), Value::str("examplebucket-1250000000")),
            ("Key".into(), Value::str("中文/ü 1.txt")),
            ("n".into(), Value::Num(-1.5)),
            ("list".into(), Value::Arr(vec![Value::Null, Value::Bool(true), Value::Bool(false), Value::Opaque(7)])),
            ("empty".into(), Value::Obj(vec![])),
        ]);
        let mut w = Writer::default();
        w.value(&v);
        assert_eq!(read_value(&w.0), v);
    }

    #[test]
    fn truncated_or_foreign_bytes_are_null() {
        let bytes = js_object(&[("a", Value::str("text"))]);
        for cut in 0..bytes.len() {
            assert_eq!(read_value(&bytes[..cut]), Value::Null, "cut at {cut}");
        }
        assert_eq!(read_value(&[ERR]), Value::Null);
        assert_eq!(read_value(&[STR, 2, 0, 0, 0, 0xff, 0xfe]), Value::Null);
        // A count far beyond the bytes is refused without reserving for it.
        assert_eq!(read_value(&[ARR, 0xff, 0xff, 0xff, 0xff]), Value::Null);
    }

    #[test]
    fn deep_trees_are_cut_off() {
        let mut v = Value::Null;
        for _ in 0..40 {
            v = Value::Arr(vec![v]);
        }
        let mut w = Writer::default();
        w.value(&v);
        assert_eq!(read_value(&w.0), Value::Null);
    }

    #[test]
    fn responses_keep_their_body_in_place() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&3u32.to_le_bytes());
        bytes.extend_from_slice(b"abc");
        bytes.extend(js_object(&[
            ("status", Value::Num(206.0)),
            ("headers", Value::Obj(vec![("ETag".into(), Value::str("\"x\"")), ("n".into(), Value::Num(1.0))])),
            ("native", Value::Opaque(4)),
            ("written", Value::Num(10.0)),
            ("crc64", Value::str("123")),
        ]));
        let r = read_response(bytes).unwrap();
        assert_eq!(r.status, 206);
        assert_eq!(r.body, b"abc");
        assert_eq!(r.headers, vec![("etag".to_string(), "\"x\"".to_string())]);
        assert_eq!(r.native_body, Some(4));
        assert_eq!(r.written, Some(Written { bytes: 10, crc64: Some(123) }));
        assert!(read_response(vec![9, 0, 0, 0, 1]).is_none());
    }

    #[test]
    fn errors_carry_the_official_fields_in_order() {
        let mut e = CosError::param("Bucket is required");
        e.status_code = Some(400);
        e.request_id = Some("rid".into());
        e.attempts = 2;
        e.elapsed_ms = 12.6;
        let mut w = Writer::default();
        w.error(&e);
        // An ERR is an OBJ for the reader's purposes: read it back as one.
        w.0[0] = OBJ;
        let v = read_value(&w.0);
        let names: Vec<&str> = v.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["message", "name", "code", "error", "headers", "statusCode", "RequestId", "attempts", "elapsedMs"]);
        assert_eq!(v.get("elapsedMs"), Some(&Value::Num(13.0)));
        assert_eq!(v.get("name"), Some(&Value::str("Error")));
    }
}
