//! wasm-bindgen surface: a thin skin over the core crate (`cos-wasm`, which has no wasm-bindgen in
//! it). JS calls `CosCore.callWith(name, params, id, resolve, reject)`; everything else (validation,
//! signing, uploads) happens in the core. Only for wasm32: natively there is nothing to bind.
//!
//! No std: std's panic machinery (the hook, its message formatting, the panic count) would be
//! linked for nothing, as a panic aborts (`panic = "abort"`) and nobody reads the message. The
//! panic handler below traps instead, which is what an abort was. The tests link std (the `std`
//! feature).
#![cfg(target_arch = "wasm32")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

pub mod interop;
pub mod js_host;
mod now;

// talc instead of std's dlmalloc: 4.7 KB less wasm, the same signing, hashing and upload speed.
// SAFETY: the module is single-threaded (no wasm threads), which `TalckWasm`'s unlocked lock assumes.
#[global_allocator]
static ALLOC: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use cos_wasm::one_thread::OneThread;
use cos_wasm::options::Dialect;
use cos_wasm::cos::Cos;
use cos_wasm::sign::Flavour;
use interop::{error_to_js, js_to_value, value_to_js};
use now::run_now;
use js_host::{JsHost, JsHostObject};

fn flavour(name: &str) -> Flavour {
    if name == "wx" {
        Flavour::Wx
    } else {
        Flavour::Js
    }
}

#[wasm_bindgen]
pub struct CosCore {
    inner: Rc<Cos<JsHost>>,
}

#[wasm_bindgen]
impl CosCore {
    /// `host`: the JS host shim; `options`: the user's constructor options; `emit(name, data)`.
    #[wasm_bindgen(constructor)]
    pub fn new(host: JsHostObject, options: JsValue, flavour_name: &str, default_protocol: &str, emit: JsValue) -> Result<CosCore, JsValue> {
        let emit_handle = if emit.is_function() { Some(host.hold(&emit)) } else { None };
        let opts = js_to_value(&options, &host);
        let host = Rc::new(JsHost { obj: host });
        let made = Cos::new(host.clone(), &opts, flavour(flavour_name), default_protocol, emit_handle);
        // Handles of option values the options do not keep (a Host object, reporters) go back.
        let kept: Vec<u32> = made.as_ref().map(|c| c.client.opts().handles().collect()).unwrap_or_default();
        for h in opts.handles() {
            if !kept.contains(&h) {
                host.obj.release(h);
            }
        }
        match made {
            Ok(inner) => {
                inner.client.dialect.set(Dialect::of_host(flavour_name));
                Ok(CosCore { inner })
            }
            Err(e) => Err(error_to_js(&e, &host.obj)),
        }
    }

    /// A call id for [`CosCore::call_with`], unused by any running call.
    #[wasm_bindgen(js_name = newCallId)]
    pub fn new_call_id(&self) -> u32 {
        self.inner.calls.new_call_id()
    }

    /// Runs an official method and calls `resolve(data)` or `reject(err)` (the SDK error object);
    /// the JS side makes the Promise. Under `call_id` (from `newCallId`) `cancelCall(callId)`
    /// cancels it: its requests are aborted and it settles with `TaskCanceled` once they stopped.
    #[wasm_bindgen(js_name = callWith)]
    pub fn call_with(&self, method: String, params: JsValue, call_id: Option<u32>, resolve: Function, reject: Function) {
        let inner = self.inner.clone();
        let params = js_to_value(&params, &inner.client.host.obj);
        let id = call_id.unwrap_or_else(|| inner.calls.new_call_id());
        let call = (id, inner.register_call(id));
        run_now(async move {
            let host = inner.client.host.clone();
            // The call owns one share of each handle in its params; a task it queued took its own.
            let handles = params.handles();
            let r = inner.call_cancelable(&method, params, call).await;
            let out = match r {
                Ok(v) => {
                    let js = value_to_js(&v, &host.obj);
                    // Handles made for the result (a getObject body) now belong to the caller.
                    // A result holds a handle or two (a getObject body): a linear look-up, and no
                    // sort instantiation in the wasm for it.
                    for h in v.handles() {
                        if !handles.contains(&h) {
                            host.obj.release(h);
                        }
                    }
                    Ok(js)
                }
                Err(e) => Err(error_to_js(&e, &host.obj)),
            };
            for h in handles {
                host.obj.release(h);
            }
            out
        }, resolve, reject);
    }
}

#[wasm_bindgen]
impl CosCore {
    /// `cos.options` changed: parse them again and put them in force. The handles of the user
    /// functions the old options held go back; so do those of the new value the options don't keep.
    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(&self, options: JsValue) -> Result<(), JsValue> {
        let host = &self.inner.client.host;
        let v = js_to_value(&options, &host.obj);
        let kept: Vec<u32> = match self.inner.set_options(&v) {
            Ok(old) => {
                for h in old.handles() {
                    host.obj.release(h);
                }
                self.inner.client.opts().handles().collect()
            }
            Err(e) => {
                for h in v.handles() {
                    host.obj.release(h);
                }
                return Err(error_to_js(&e, &host.obj));
            }
        };
        for h in v.handles() {
            if !kept.contains(&h) {
                host.obj.release(h);
            }
        }
        Ok(())
    }

    #[wasm_bindgen(js_name = getTaskList)]
    pub fn get_task_list(&self) -> JsValue {
        value_to_js(&self.inner.task_list(), &self.inner.client.host.obj)
    }

    /// Whether the JS object has `list-update` listeners (the core skips building lists for nobody).
    #[wasm_bindgen(js_name = setListening)]
    pub fn set_listening(&self, on: bool) {
        self.inner.queue.tasks.listening.set(on);
    }

    #[wasm_bindgen(js_name = pauseTask)]
    pub fn pause_task(&self, id: &str) -> bool {
        self.inner.pause_task(id)
    }

    #[wasm_bindgen(js_name = restartTask)]
    pub fn restart_task(&self, id: &str) -> bool {
        self.inner.restart_task(id)
    }

    /// Cancels a call made with `callCancelable`; false when it is not running (or completing).
    #[wasm_bindgen(js_name = cancelCall)]
    pub fn cancel_call(&self, call_id: u32) -> bool {
        self.inner.cancel_call(call_id)
    }

    #[wasm_bindgen(js_name = cancelTask)]
    pub fn cancel_task(&self, id: &str) -> bool {
        self.inner.cancel_running(id) || self.inner.cancel_task(id)
    }

    /// Synchronous `getObjectUrl`: signed when the instance holds keys, else unsigned.
    #[wasm_bindgen(js_name = getObjectUrlSync)]
    pub fn get_object_url_sync(&self, params: JsValue) -> Result<String, JsValue> {
        let host = &self.inner.client.host;
        let mut p = js_to_value(&params, &host.obj);
        let c = &self.inner.client;
        c.opts().apply_to_params(&mut p);
        let r = if c.opts().get_authorization.is_none() {
            crate::block_on(cos_wasm::presign::signed_object_url(c, &p))
        } else {
            cos_wasm::presign::object_url(c, &p).map(|(mut u, q)| {
                let qs = cos_wasm::client::query_string(&q);
                if !qs.is_empty() {
                    u.push('?');
                    u.push_str(&qs);
                }
                u
            })
        };
        let handles = p.handles();
        for h in handles {
            host.obj.release(h);
        }
        r.map_err(|e| error_to_js(&e, &host.obj))
    }
}

/// Every official method name the core answers (`methods::HAND_WRITTEN`, the methods table and its
/// deprecated ACL/CORS spellings), comma-separated: the one list the JS class can define its
/// methods from (`methodNames().split(',')`).
#[wasm_bindgen(js_name = methodNames)]
pub fn method_names() -> String {
    cos_wasm::methods::names()
}

/// Static `COS.getAuthorization`: the official signature for the given inputs.
#[wasm_bindgen(js_name = getAuthorization)]
pub fn get_authorization(host: JsHostObject, params: JsValue, flavour_name: &str) -> Result<String, JsValue> {
    let p = js_to_value(&params, &host);
    cos_wasm::presign::static_authorization(&p, flavour(flavour_name), &js_sys::Date::now)
        .map_err(|e| error_to_js(&e, &host))
}

/// Where JS writes the flat params of the static signer (`TextEncoder.encodeInto` straight into
/// wasm memory: no allocation and no JS-side UTF-8 loop per call).
static SIGN_SCRATCH: OneThread<core::cell::RefCell<Vec<u8>>> = OneThread(core::cell::RefCell::new(Vec::new()));

/// The scratch buffer for [`get_authorization_flat`], at least `capacity` bytes; its address stays
/// until the next call of this function.
#[wasm_bindgen(js_name = signScratch)]
pub fn sign_scratch(capacity: usize) -> *mut u8 {
    SIGN_SCRATCH.with(|b| {
        let mut b = b.borrow_mut();
        let n = capacity.max(b.len());
        b.resize(n, 0);
        b.as_mut_ptr()
    })
}

/// The wasm memory, for JS to write into the sign scratch buffer.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Static `COS.getAuthorization` for plain params, flattened by the JS wrapper into the first `len`
/// bytes of the scratch buffer as UTF-8: `name \0 value \0 …`, Query entries as `?name`, Headers
/// entries as `:name` (see `presign::static_authorization_flat`). The Authorization string is written
/// back over the start of the scratch buffer and its length returned; 0 means the wrapper should
/// take the general path (bad input, whose error that path explains, or an answer that does not fit).
/// Numbers in and out, no host object, no string allocation across the boundary.
#[wasm_bindgen(js_name = getAuthorizationFlat)]
pub fn get_authorization_flat(len: usize, force_sign_host: bool, clock_offset: f64, wx: bool) -> usize {
    let flavour = if wx { Flavour::Wx } else { Flavour::Js };
    SIGN_SCRATCH.with(|b| {
        let mut b = b.borrow_mut();
        let signed = match core::str::from_utf8(&b[..len.min(b.len())]) {
            Ok(fields) => cos_wasm::presign::static_authorization_flat(fields, force_sign_host, clock_offset, flavour, &js_sys::Date::now),
            Err(_) => return 0,
        };
        match signed {
            // The buffer's address must not change under the wrapper: never grow it here.
            Ok(a) if a.len() <= b.len() => {
                b[..a.len()].copy_from_slice(a.as_bytes());
                a.len()
            }
            _ => 0,
        }
    })
}

/// Incremental MD5, exported for hashing large inputs from JS (and the benchmarks).
#[wasm_bindgen]
pub struct Md5Hasher(cos_wasm::md5::Md5);

#[wasm_bindgen]
impl Md5Hasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Md5Hasher {
        Md5Hasher(cos_wasm::md5::Md5::new())
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// Lower-case hex digest; the hasher can be reused afterwards.
    pub fn digest(&mut self) -> String {
        cos_wasm::encode::hex(&self.0.finalize_reset())
    }
}

impl Default for Md5Hasher {
    fn default() -> Self {
        Self::new()
    }
}

/// Incremental CRC-64/XZ (`x-cos-hash-crc64ecma`), exported for JS and the benchmarks.
#[wasm_bindgen]
pub struct Crc64Hasher(cos_wasm::crc64::Crc64);

#[wasm_bindgen]
impl Crc64Hasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Crc64Hasher {
        Crc64Hasher(cos_wasm::crc64::Crc64::new())
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The CRC as an unsigned decimal string, as COS sends it.
    pub fn digest(&self) -> String {
        self.0.finish().to_string()
    }
}

impl Default for Crc64Hasher {
    fn default() -> Self {
        Self::new()
    }
}

/// Range hashing for the browser I/O worker, as plain C-ABI exports. The worker instantiates this
/// same compiled module without the wasm-bindgen glue (its imports stubbed; a bundled app has no
/// separate glue file to load), so it calls only functions that take and return numbers.
pub struct RangeHash {
    crc: cos_wasm::crc64::Crc64,
    md5: Option<cos_wasm::md5::Md5>,
    chunk: Vec<u8>,
    out: Vec<u8>,
}

/// A hash of one range: CRC-64, and MD5 too when `md5` is not 0. Freed by [`cosw_hash_free`].
#[no_mangle]
pub extern "C" fn cosw_hash_new(md5: u32) -> *mut RangeHash {
    Box::into_raw(Box::new(RangeHash {
        crc: cos_wasm::crc64::Crc64::new(),
        md5: if md5 != 0 { Some(cos_wasm::md5::Md5::new()) } else { None },
        chunk: Vec::new(),
        out: Vec::new(),
    }))
}

/// Where the worker writes the next `len` bytes; valid until the next call on `h`.
///
/// # Safety
/// `h` comes from [`cosw_hash_new`] and is not freed.
#[no_mangle]
pub unsafe extern "C" fn cosw_hash_chunk(h: *mut RangeHash, len: usize) -> *mut u8 {
    let h = &mut *h;
    if h.chunk.len() < len {
        h.chunk.resize(len, 0);
    }
    h.chunk.as_mut_ptr()
}

/// Hashes the first `len` bytes of the chunk buffer.
///
/// # Safety
/// As [`cosw_hash_chunk`].
#[no_mangle]
pub unsafe extern "C" fn cosw_hash_update(h: *mut RangeHash, len: usize) {
    let h = &mut *h;
    let data = &h.chunk[..len.min(h.chunk.len())];
    h.crc.update(data);
    if let Some(m) = &mut h.md5 {
        m.update(data);
    }
}

/// `"<crc64 decimal> <md5 hex or nothing>"`, ASCII and NUL-terminated; valid until freed.
///
/// # Safety
/// As [`cosw_hash_chunk`].
#[no_mangle]
pub unsafe extern "C" fn cosw_hash_finish(h: *mut RangeHash) -> *const u8 {
    let h = &mut *h;
    let mut s = h.crc.finish().to_string();
    s.push(' ');
    if let Some(m) = &mut h.md5 {
        s.push_str(&cos_wasm::encode::hex(&m.finalize_reset()));
    }
    s.push('\0');
    h.out = s.into_bytes();
    h.out.as_ptr()
}

/// # Safety
/// `h` comes from [`cosw_hash_new`]; it is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cosw_hash_free(h: *mut RangeHash) {
    drop(Box::from_raw(h));
}

/// Polls a future that completes without waiting (signing with local keys never awaits I/O).
pub(crate) fn block_on<T>(fut: impl core::future::Future<Output = cos_wasm::error::Result<T>>) -> cos_wasm::error::Result<T> {
    use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
    fn noop(_: *const ()) {}
    fn clone(p: *const ()) -> RawWaker {
        RawWaker::new(p, &VTABLE)
    }
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    // SAFETY: the vtable's functions do nothing and never dereference the pointer.
    let waker = unsafe { Waker::from_raw(RawWaker::new(core::ptr::null(), &VTABLE)) };
    let mut cx = Context::from_waker(&waker);
    let mut fut = core::pin::pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(r) => r,
        Poll::Pending => Err(cos_wasm::error::CosError::auth("getObjectUrl needs getAuthorization: pass a callback to get the signed URL")),
    }
}


#[allow(unused)]
fn _keep(_: &JsValue) {}

/// `COS.util.md5`: lower-case hex MD5 of a string's UTF-8 bytes, or of bytes.
#[wasm_bindgen(js_name = utilMd5)]
pub fn util_md5(data: JsValue) -> String {
    let bytes = match data.as_string() {
        Some(s) => s.into_bytes(),
        None => js_sys::Uint8Array::new(&data).to_vec(),
    };
    cos_wasm::encode::hex(&cos_hash::md5::md5(&bytes))
}

/// `COS.util.encodeBase64`: base64 of a string's UTF-8 bytes; `url_safe` writes `-` and `_` for
/// `+` and `/` and drops the padding, as the official helper's second argument does.
#[wasm_bindgen(js_name = utilBase64)]
pub fn util_base64(text: &str, url_safe: bool) -> String {
    let b = cos_wasm::source::base64(text.as_bytes());
    if !url_safe {
        return b;
    }
    b.trim_end_matches('=').chars().map(|c| match c {
        '+' => '-',
        '/' => '_',
        c => c,
    }).collect()
}

/// `COS.util.xml2json`: a document as the SDK's result objects are shaped (`{Root: {…}}`).
#[wasm_bindgen(js_name = utilXml2json)]
pub fn util_xml2json(host: JsHostObject, xml: &str) -> Result<JsValue, JsValue> {
    match cos_wasm::xml::parse(xml) {
        Ok(v) => Ok(value_to_js(&v, &host)),
        Err(e) => Err(error_to_js(&cos_wasm::error::CosError::param(["xml2json: ", e.message.as_str()].concat()), &host)),
    }
}

/// `COS.util.json2xml`: each top-level field written as an element, as the official builder does.
#[wasm_bindgen(js_name = utilJson2xml)]
pub fn util_json2xml(host: JsHostObject, value: JsValue) -> String {
    let v = js_to_value(&value, &host);
    let mut out = String::new();
    for (name, field) in v.entries() {
        cos_wasm::xml::write(name, field, &[], &mut out);
    }
    // Nothing in a plain object is a host value; anything held for the conversion goes back.
    for h in v.handles() {
        host.release(h);
    }
    out
}

/// `getV4Auth`: the older multi-field signature; the caller gives the time (s) and the random number.
#[wasm_bindgen(js_name = signV4)]
pub fn sign_v4(secret_id: &str, secret_key: &str, bucket: &str, key: &str, now_s: f64, expires_s: f64, random: f64) -> Option<String> {
    cos_wasm::sign::v4_authorization(secret_id, secret_key, bucket, key, now_s as u64, expires_s.max(0.0) as u64, random as u32)
}
