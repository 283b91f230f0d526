//! Conversions between JS values and the core's types: the one place where boundary rules live.
//! Plain objects and arrays become `Value` trees; functions and host objects (Blob, File,
//! ArrayBuffer, typed arrays, Buffer) become opaque handles the host resolves.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use cos_wasm::error::CosError;
use cos_wasm::one_thread::OneThread;
use cos_wasm::value::Value;
use crate::js_host::JsHostObject;

/// Deeper parameter trees are cut off (cycles, hostile input).
const MAX_DEPTH: usize = 12;

pub fn js_to_value(v: &JsValue, host: &JsHostObject) -> Value {
    to_value(v, host, 0)
}

/// Params objects whose fields the core reads: plain objects of this realm, and any object that
/// `Object.prototype.toString` calls `[object Object]` (other realms, class instances), as the
/// official SDK reads fields of whatever it is given. Blobs, buffers, dates… stay host values.
fn is_plain_object(v: &JsValue) -> bool {
    // Streams (Node's have `pipe`, web ReadableStreams `getReader`) are bodies and outputs the
    // host reads or writes, never params trees, though a Node stream prints as `[object Object]`.
    if ["pipe", "getReader"].iter().any(|m| Reflect::get(v, &JsValue::from_str(m)).is_ok_and(|f| f.is_function())) {
        return false;
    }
    let object_proto = Object::get_prototype_of(&Object::new());
    let proto = Object::get_prototype_of(v);
    if proto.is_null() || proto == object_proto {
        return true;
    }
    let to_string = Reflect::get(&object_proto, &JsValue::from_str("toString")).ok();
    let tag = to_string
        .as_ref()
        .and_then(|f| f.dyn_ref::<js_sys::Function>())
        .and_then(|f| f.call0(v).ok())
        .and_then(|t| t.as_string());
    tag.as_deref() == Some("[object Object]")
}

fn to_value(v: &JsValue, host: &JsHostObject, depth: usize) -> Value {
    if v.is_undefined() || v.is_null() {
        return Value::Null;
    }
    if let Some(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return Value::Num(n);
    }
    if let Some(s) = v.as_string() {
        return Value::Str(s);
    }
    if v.is_function() {
        return Value::Opaque(host.hold(v));
    }
    if depth >= MAX_DEPTH {
        return Value::Null;
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        return Value::Arr(arr.iter().map(|x| to_value(&x, host, depth + 1)).collect());
    }
    if v.is_object() && is_plain_object(v) {
        let obj: &Object = v.unchecked_ref();
        let keys = Object::keys(obj);
        let mut fields = Vec::with_capacity(keys.length() as usize);
        for k in keys.iter() {
            if let Some(name) = k.as_string() {
                let val = Reflect::get(obj, &k).unwrap_or(JsValue::UNDEFINED);
                if val.is_undefined() {
                    continue;
                }
                fields.push((name, to_value(&val, host, depth + 1)));
            }
        }
        prototype_getters(obj, host, depth, &mut fields);
        return Value::Obj(fields);
    }
    // BigInt, Symbol, class instances (Blob, ArrayBuffer, Date, …): the host decides.
    Value::Opaque(host.hold(v))
}

/// A class instance's getters (`get Key() {…}` on its prototype chain), read as the official SDK
/// reads any property it is given; own fields already read win.
fn prototype_getters(obj: &Object, host: &JsHostObject, depth: usize, fields: &mut Vec<(String, Value)>) {
    let object_proto = Object::get_prototype_of(&Object::new());
    let mut proto = Object::get_prototype_of(obj);
    while !proto.is_null() && proto != object_proto {
        for name in Object::get_own_property_names(&proto).iter() {
            let Some(n) = name.as_string() else { continue };
            let has_getter = Object::get_own_property_descriptor(&proto, &name)
                .dyn_into::<Object>()
                .ok()
                .and_then(|d| Reflect::get(&d, &JsValue::from_str("get")).ok())
                .is_some_and(|g| g.is_function());
            if !has_getter || fields.iter().any(|(k, _)| *k == n) {
                continue;
            }
            let val = Reflect::get(obj, &name).unwrap_or(JsValue::UNDEFINED);
            if !val.is_undefined() {
                fields.push((n, to_value(&val, host, depth + 1)));
            }
        }
        proto = Object::get_prototype_of(&proto);
    }
}

pub fn value_to_js(v: &Value, host: &JsHostObject) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Num(n) => JsValue::from_f64(*n),
        Value::Str(s) => recent_string(s),
        Value::Arr(items) => {
            let a = Array::new_with_length(items.len() as u32);
            for (i, it) in items.iter().enumerate() {
                a.set(i as u32, value_to_js(it, host));
            }
            a.into()
        }
        Value::Obj(fields) => {
            let o = Object::new();
            for (k, val) in fields {
                let _ = Reflect::set(&o, &recent_string(k), &value_to_js(val, host));
            }
            o.into()
        }
        Value::Opaque(h) => host.get(*h),
    }
}

/// Short strings made lately, by a hash of their text: results repeat many values (the bucket,
/// the region, header values, an ETag that is both a header and `ETag`), and a batch of 100,000
/// results would otherwise hold 100,000 copies of each. Field and header names hit it too: each
/// string made from wasm memory costs a decode and a view, ~40 a request.
static RECENT_STRINGS: OneThread<core::cell::RefCell<Vec<RecentString>>> = OneThread(core::cell::RefCell::new(Vec::new()));

/// A slot of [`RECENT_STRINGS`]: a text and its JS string.
type RecentString = Option<(String, JsValue)>;

const RECENT_SLOTS: usize = 256;

/// The JS string for `s`, shared with an equal one made lately (strings are immutable in JS: the
/// sharing cannot be observed).
pub fn recent_string(s: &str) -> JsValue {
    if s.len() > 96 {
        return JsValue::from_str(s);
    }
    // FNV-1a.
    let hash = s.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x0100_0193));
    let slot = hash as usize % RECENT_SLOTS;
    RECENT_STRINGS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.is_empty() {
            cache.resize(RECENT_SLOTS, None);
        }
        if let Some((text, js)) = &cache[slot] {
            if text == s {
                return js.clone();
            }
        }
        let js = JsValue::from_str(s);
        cache[slot] = Some((s.to_string(), js.clone()));
        js
    })
}

/// The official error object: an `Error` with `code`, `message`, `name`, `error`, `statusCode`,
/// `headers`, `url`, `method`, `RequestId`, `UploadId`.
pub fn error_to_js(e: &CosError, host: &JsHostObject) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    let o: &Object = err.unchecked_ref();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(o, &JsValue::from_str(k), &v);
    };
    err.set_name(if e.kind == cos_wasm::error::ErrorKind::Server { &e.code } else { "Error" });
    set("code", JsValue::from_str(&e.code));
    set("error", value_to_js(&e.error_value(), host));
    let headers = Object::new();
    for (k, v) in &e.headers {
        let _ = Reflect::set(&headers, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    set("headers", headers.into());
    if let Some(s) = e.status_code {
        set("statusCode", JsValue::from(s));
    }
    if let Some(u) = &e.url {
        set("url", JsValue::from_str(u));
    }
    if let Some(m) = &e.method {
        set("method", JsValue::from_str(m));
    }
    if let Some(r) = &e.request_id {
        set("RequestId", JsValue::from_str(r));
    }
    if let Some(u) = &e.upload_id {
        set("UploadId", JsValue::from_str(u));
    }
    if let Some(s) = &e.error_status {
        set("ErrorStatus", JsValue::from_str(s));
    }
    if e.attempts > 0 {
        set("attempts", JsValue::from(e.attempts));
        set("elapsedMs", JsValue::from(cos_wasm::float::round(e.elapsed_ms)));
    }
    err.into()
}
