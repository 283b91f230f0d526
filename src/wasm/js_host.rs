//! `Host` implemented by a JavaScript shim object (`pkg-template/src/hosts/*.js`).
//! The shim's method names and argument shapes are listed in the extern block below; every
//! JS shim implements exactly these.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use cos_wasm::error::CosError;
use cos_wasm::host::{
    Arg, Body, Host, HttpRequest, HttpResponse, LocalFuture, OpenRequest, ProgressFn, RangeDigest, ResponseType,
    SourceInfo, TransportError, Written,
};
use cos_wasm::value::Value;
use crate::interop::{error_to_js, js_to_value, recent_string, value_to_js};
use crate::now::{wait, ProgressHook};

#[wasm_bindgen]
extern "C" {
    pub type JsHostObject;

    #[wasm_bindgen(method)]
    fn send(this: &JsHostObject, req: &JsValue, progress: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    fn abort(this: &JsHostObject, id: u32);
    /// The source's info, or a Promise of it (a path needs I/O; a held body does not, and its
    /// task is then queued before the method call returns).
    #[wasm_bindgen(method, catch)]
    fn open(this: &JsHostObject, body: &JsValue, is_path: bool) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method)]
    fn read(this: &JsHostObject, source: u32, start: f64, end: f64) -> Promise;
    #[wasm_bindgen(method)]
    fn close(this: &JsHostObject, source: u32);
    #[wasm_bindgen(method)]
    fn sleep(this: &JsHostObject, ms: u32) -> Promise;
    #[wasm_bindgen(method)]
    fn now(this: &JsHostObject) -> f64;
    #[wasm_bindgen(method)]
    fn random(this: &JsHostObject) -> f64;
    #[wasm_bindgen(method, js_name = storageGet)]
    fn storage_get(this: &JsHostObject, key: &str) -> Option<String>;
    #[wasm_bindgen(method, js_name = storageSet)]
    fn storage_set(this: &JsHostObject, key: &str, value: &str);
    #[wasm_bindgen(method)]
    fn invoke(this: &JsHostObject, function: u32, args: &Array);
    #[wasm_bindgen(method, js_name = getAuthorization)]
    fn get_authorization(this: &JsHostObject, function: u32, options: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn hold(this: &JsHostObject, value: &JsValue) -> u32;
    #[wasm_bindgen(method)]
    pub fn get(this: &JsHostObject, handle: u32) -> JsValue;
    #[wasm_bindgen(method)]
    pub fn release(this: &JsHostObject, handle: u32);

    #[wasm_bindgen(method)]
    fn retain(this: &JsHostObject, handle: u32);
    #[wasm_bindgen(method)]
    fn unpack(this: &JsHostObject, ops: &[u8], text: &str, into: u32, at: u32, count: u32);
}

/// Largest response body the core reads (object downloads stay in JS and are not limited).
const MAX_RESPONSE_BYTES: u32 = 16 * 1024 * 1024;

pub struct JsHost {
    pub obj: JsHostObject,
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &recent_string(k), v);
}

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &recent_string(k)).unwrap_or(JsValue::UNDEFINED)
}

fn js_message(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    get(e, "message").as_string().unwrap_or_default()
}

impl JsHost {
    fn request_to_js(&self, req: &HttpRequest) -> JsValue {
        let o = Object::new();
        set(&o, "id", &JsValue::from(req.id));
        set(&o, "method", &recent_string(&req.method));
        set(&o, "url", &JsValue::from_str(&req.url));
        let headers = Array::new();
        for (k, v) in &req.headers {
            let pair = Array::new();
            pair.push(&recent_string(k));
            pair.push(&recent_string(v));
            headers.push(&pair);
        }
        set(&o, "headers", &headers);
        let body = body_to_js(&req.body);
        set(&o, "body", &body);
        set(&o, "timeout", &JsValue::from(req.timeout_ms));
        let rt = match req.response_type {
            ResponseType::Bytes => "bytes",
            ResponseType::Native => "native",
            ResponseType::Stream(output) => {
                set(&o, "output", &JsValue::from(output));
                "stream"
            }
            ResponseType::File { file, offset } => {
                set(&o, "file", &JsValue::from(file));
                set(&o, "offset", &JsValue::from(offset as f64));
                "file"
            }
        };
        set(&o, "responseType", &recent_string(rt));
        if let Some(dt) = &req.data_type {
            set(&o, "dataType", &JsValue::from_str(dt));
        }
        o.into()
    }
}

fn body_to_js(body: &Body) -> JsValue {
    match body {
        Body::Empty => JsValue::NULL,
        Body::Bytes(b) => Uint8Array::from(b.as_slice()).into(),
        Body::Source { source, start, end } => {
            let s = Object::new();
            set(&s, "source", &JsValue::from(*source));
            set(&s, "start", &JsValue::from(*start as f64));
            set(&s, "end", &JsValue::from(*end as f64));
            s.into()
        }
        Body::Stream { source, len } => {
            let s = Object::new();
            set(&s, "stream", &JsValue::from(*source));
            set(&s, "len", &JsValue::from(*len as f64));
            s.into()
        }
        Body::Form { fields, file, file_name } => {
            let s = Object::new();
            let arr = Array::new();
            for (k, v) in fields {
                let pair = Array::new();
                pair.push(&JsValue::from_str(k));
                pair.push(&JsValue::from_str(v));
                arr.push(&pair);
            }
            set(&s, "form", &arr);
            set(&s, "file", &body_to_js(file));
            set(&s, "fileName", &JsValue::from_str(file_name));
            s.into()
        }
    }
}

fn response_from_js(v: &JsValue, host: &JsHostObject) -> HttpResponse {
    let status = get(v, "status").as_f64().unwrap_or(0.0) as u16;
    let mut headers = Vec::new();
    let h = get(v, "headers");
    if h.is_object() {
        // Names, then each value: no [name, value] array per header.
        for name in Object::keys(h.unchecked_ref::<Object>()).iter() {
            let value = Reflect::get(&h, &name).ok().and_then(|v| v.as_string());
            if let (Some(k), Some(val)) = (name.as_string(), value) {
                headers.push((k.to_ascii_lowercase(), val));
            }
        }
    }
    let body_js = get(v, "body");
    let body = if let Some(s) = body_js.as_string() {
        s.into_bytes()
    } else if body_js.is_instance_of::<Uint8Array>() {
        body_js.unchecked_ref::<Uint8Array>().to_vec()
    } else {
        Vec::new()
    };
    let native = get(v, "native");
    let native_body = if native.is_undefined() { None } else { Some(host.hold(&native)) };
    let written = get(v, "written").as_f64().map(|n| Written {
        bytes: n.max(0.0) as u64,
        crc64: get(v, "crc64").as_string().and_then(|s| s.parse().ok()),
    });
    HttpResponse { status, headers, body, native_body, written }
}

impl Host for JsHost {
    fn send(&self, req: HttpRequest, progress: Option<ProgressFn>) -> LocalFuture<'static, Result<HttpResponse, TransportError>> {
        let js_req = self.request_to_js(&req);
        // Registered while the request is on its way (the hook goes with this future).
        let (hook, cb_js) = match progress.map(ProgressHook::new) {
            Some((hook, f)) => (Some(hook), JsValue::from(f)),
            None => (None, JsValue::UNDEFINED),
        };
        let promise = self.obj.send(&js_req, &cb_js);
        let host: JsHostObject = self.obj.clone().unchecked_into();
        let parsed_here = req.response_type == ResponseType::Bytes;
        let answer = wait(&promise);
        Box::pin(async move {
            let r = answer.await;
            drop(hook);
            match r {
                // COS's XML answers are at most a few hundred KB (1000 parts or uploads a page):
                // a far larger body is refused before it is copied into wasm memory, which never shrinks.
                Ok(v) if parsed_here && get(&v, "body").dyn_ref::<Uint8Array>().is_some_and(|b| b.length() > MAX_RESPONSE_BYTES) => {
                    Err(TransportError::Invalid("the server's answer is too large to be a COS response".into()))
                }
                Ok(v) => Ok(response_from_js(&v, &host)),
                Err(e) => {
                    let kind = get(&e, "kind").as_string().unwrap_or_default();
                    match kind.as_str() {
                        "timeout" => Err(TransportError::Timeout),
                        "aborted" => Err(TransportError::Aborted),
                        // The host refused the answer while it arrived (too large to be COS's): not retried.
                        "invalid" => Err(TransportError::Invalid(js_message(&e))),
                        _ => Err(TransportError::Network(js_message(&e))),
                    }
                }
            }
        })
    }

    fn abort(&self, request_id: u32) {
        self.obj.abort(request_id);
    }

    fn open(&self, body: OpenRequest) -> LocalFuture<'static, Result<SourceInfo, CosError>> {
        let opened = match &body {
            OpenRequest::Handle(h) => self.obj.open(&JsValue::from(*h), false),
            OpenRequest::FilePath(p) => self.obj.open(&JsValue::from_str(p), true),
        };
        let info = |v: JsValue| {
            let num = |k: &str| get(&v, k).as_f64();
            let text = |k: &str| get(&v, k).as_string();
            SourceInfo {
                id: num("id").unwrap_or(0.0) as u32,
                size: num("size").unwrap_or(0.0).max(0.0) as u64,
                name: text("name"),
                last_modified_ms: num("lastModified"),
                content_type: text("type"),
                persistent: get(&v, "persistent").as_bool().unwrap_or(false),
                streamed: get(&v, "streamed").as_bool().unwrap_or(false),
                can_pipe: get(&v, "canPipe").as_bool().unwrap_or(false),
            }
        };
        let failed = |e: JsValue| {
            let is_param = get(&e, "param").as_bool().unwrap_or(false);
            let m = js_message(&e);
            if is_param { CosError::param(m) } else { CosError::host(m) }
        };
        Box::pin(async move {
            match opened {
                Ok(v) => match v.dyn_into::<Promise>() {
                    Ok(p) => wait(&p).await.map(info).map_err(failed),
                    Err(v) => Ok(info(v)),
                },
                Err(e) => Err(failed(e)),
            }
        })
    }

    fn read(&self, source: u32, start: u64, end: u64) -> LocalFuture<'static, Result<Vec<u8>, CosError>> {
        let promise = self.obj.read(source, start as f64, end as f64);
        Box::pin(async move {
            match wait(&promise).await {
                Ok(v) => {
                    if v.is_instance_of::<Uint8Array>() {
                        Ok(v.unchecked_ref::<Uint8Array>().to_vec())
                    } else {
                        Ok(Uint8Array::new(&v).to_vec())
                    }
                }
                Err(e) => Err(CosError::host(js_message(&e))),
            }
        })
    }

    fn close(&self, source: u32) {
        self.obj.close(source);
    }

    fn sleep(&self, ms: u32) -> LocalFuture<'static, ()> {
        let p = self.obj.sleep(ms);
        Box::pin(async move {
            let _ = wait(&p).await;
        })
    }

    fn now_ms(&self) -> f64 {
        self.obj.now()
    }

    fn random(&self) -> f64 {
        self.obj.random()
    }

    fn storage_get(&self, key: &str) -> Option<String> {
        self.obj.storage_get(key)
    }

    fn storage_set(&self, key: &str, value: &str) {
        self.obj.storage_set(key, value)
    }

    fn invoke(&self, function: u32, args: Vec<Arg>) {
        let arr = Array::new();
        for a in args {
            match a {
                Arg::Val(v) => arr.push(&value_to_js(&v, &self.obj)),
                Arg::Err(e) => arr.push(&error_to_js(&e, &self.obj)),
            };
        }
        self.obj.invoke(function, &arr);
    }

    fn get_authorization(&self, function: u32, options: Value) -> LocalFuture<'static, Result<Value, CosError>> {
        let p = self.obj.get_authorization(function, &value_to_js(&options, &self.obj));
        let host: JsHostObject = self.obj.clone().unchecked_into();
        Box::pin(async move {
            match wait(&p).await {
                Ok(v) => Ok(js_to_value(&v, &host)),
                Err(e) => {
                    let mut m = String::from("getAuthorization failed: ");
                    m.push_str(&js_message(&e));
                    Err(CosError::auth(m))
                }
            }
        })
    }

    fn retain(&self, handle: u32) {
        self.obj.retain(handle);
    }

    fn release(&self, handle: u32) {
        self.obj.release(handle);
    }

    fn hold_value(&self, value: &Value) -> Option<u32> {
        Some(self.obj.hold(&value_to_js(value, &self.obj)))
    }

    fn unpacks_values(&self) -> bool {
        true
    }

    fn unpack_values(&self, packed: &mut cos_wasm::packed::Packed, all: bool) -> Option<u32> {
        let array = match packed.array() {
            Some(a) => a,
            None => {
                let a = self.obj.hold(&Array::new_with_length(packed.len() as u32));
                packed.set_array(a);
                a
            }
        };
        // A chunk's text becomes one JS string the values' strings are slices of: at most
        // ~256 KiB, which an entry kept alone keeps alive, and the core's buffer stays small.
        let mut chunk = cos_wasm::packed::Chunk::default();
        while let Some((at, count)) = packed.next_chunk(256 * 1024, all, &mut chunk) {
            self.obj.unpack(&chunk.ops, &chunk.text, array, at as u32, count as u32);
        }
        Some(array)
    }

    fn spawn(&self, fut: LocalFuture<'static, ()>) {
        crate::now::spawn(fut);
    }

    fn open_write(&self, path: &str, size: u64, keep: bool) -> LocalFuture<'static, Result<(u32, bool), CosError>> {
        // Optional in the shim: `openWrite(path, size, keep)` → Promise<{id, kept}>.
        let f = get(&self.obj, "openWrite");
        let Some(f) = f.dyn_ref::<Function>() else {
            return Box::pin(async { Err(CosError::param("downloadFile needs a host with files (Node)")) });
        };
        let args = Array::of3(&JsValue::from_str(path), &JsValue::from(size as f64), &JsValue::from(keep));
        let p = f.apply(&self.obj, &args).ok().and_then(|p| p.dyn_into::<Promise>().ok());
        Box::pin(async move {
            let p = p.ok_or_else(|| CosError::host("openWrite gave no Promise"))?;
            match wait(&p).await {
                Ok(v) => Ok((get(&v, "id").as_f64().unwrap_or(0.0) as u32, get(&v, "kept").as_bool().unwrap_or(false))),
                Err(e) => {
                    let m = js_message(&e);
                    Err(if get(&e, "param").as_bool().unwrap_or(false) { CosError::param(m) } else { CosError::host(m) })
                }
            }
        })
    }

    fn close_write(&self, file: u32) -> LocalFuture<'static, Result<(), CosError>> {
        let f = get(&self.obj, "closeWrite");
        let p = f.dyn_ref::<Function>().and_then(|f| f.call1(&self.obj, &JsValue::from(file)).ok()).and_then(|p| p.dyn_into::<Promise>().ok());
        Box::pin(async move {
            match p {
                Some(p) => wait(&p).await.map(|_| ()).map_err(|e| CosError::host(js_message(&e))),
                None => Ok(()),
            }
        })
    }

    fn hash_range(&self, source: u32, start: u64, end: u64, md5: bool) -> Option<LocalFuture<'static, Result<Option<RangeDigest>, CosError>>> {
        // Optional in the shim: `hashRange(source, start, end, md5)` → Promise<{crc64, md5?} | null> | null.
        let f = get(&self.obj, "hashRange");
        let f: &Function = f.dyn_ref::<Function>()?;
        let args = Array::of4(&JsValue::from(source), &JsValue::from(start as f64), &JsValue::from(end as f64), &JsValue::from(md5));
        let p = f.apply(&self.obj, &args).ok()?;
        let p: Promise = p.dyn_into().ok()?;
        Some(Box::pin(async move {
            let v = wait(&p).await.map_err(|e| CosError::host(js_message(&e)))?;
            if v.is_null() || v.is_undefined() {
                return Ok(None);
            }
            let crc64 = get(&v, "crc64").as_string().and_then(|s| s.parse::<u64>().ok());
            let digest = get(&v, "md5").as_string().and_then(|h| parse_md5_hex(&h));
            match crc64 {
                Some(crc64) => Ok(Some(RangeDigest { md5: digest, crc64 })),
                None => Err(CosError::host("hashRange gave no crc64")),
            }
        }))
    }

    fn bytes_value(&self, bytes: &[u8]) -> Option<Value> {
        // Optional in the shim: `bytesValue(Uint8Array)` → the host's result value for bytes.
        let f = get(&self.obj, "bytesValue");
        let f: &Function = f.dyn_ref::<Function>()?;
        let v = f.call1(&self.obj, &Uint8Array::from(bytes)).ok()?;
        Some(Value::Opaque(self.obj.hold(&v)))
    }

    fn to_lowercase(&self, s: &str) -> String {
        js_sys::JsString::from(s).to_lower_case().into()
    }
}

fn parse_md5_hex(h: &str) -> Option<[u8; 16]> {
    let b = h.as_bytes();
    if b.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in b.chunks(2).enumerate() {
        let v = |c: u8| (c as char).to_digit(16);
        out[i] = (v(pair[0])? * 16 + v(pair[1])?) as u8;
    }
    Some(out)
}
