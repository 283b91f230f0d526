//! What JS calls: the COS instances, the static signer, the hashers, `COS.util`'s helpers and the
//! browser I/O worker's range hashing. Names start with `cosw_` (they share the module's export
//! namespace with the allocator's and the linker's).

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use cos_wasm::cos::Cos;
use cos_wasm::error::CosError;
use cos_wasm::one_thread::OneThread;
use cos_wasm::options::Dialect;
use cos_wasm::sign::Flavour;
use cos_wasm::value::Value;
use cos_wasm::boundary::{read_value, Writer};

use crate::js_host::{host_date_now, host_done, host_release, take, JsHost};
use crate::now::{put, run_now};

/// `len` bytes of wasm memory for JS to write into; the export it passes them to takes them.
#[no_mangle]
pub extern "C" fn cosw_alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len);
    let p = v.as_mut_ptr();
    core::mem::forget(v);
    p
}

/// Frees a buffer of `cosw_alloc(len)` that JS kept for itself (its hashing scratch).
///
/// # Safety
/// `ptr` comes from `cosw_alloc(len)` and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cosw_free(ptr: *mut u8, len: usize) {
    drop(take(ptr, len));
}

/// What the last export that gives a buffer gave.
static OUT: OneThread<RefCell<Vec<u8>>> = OneThread(RefCell::new(Vec::new()));

/// A writer whose first four bytes are left for the length.
fn out_writer() -> Writer {
    Writer(vec![0; 4])
}

/// Hands `w` to JS: the address of `[u32 length][bytes]`.
fn give(mut w: Writer) -> *const u8 {
    let n = (w.0.len() - 4) as u32;
    w.0[..4].copy_from_slice(&n.to_le_bytes());
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        *o = w.0;
        o.as_ptr()
    })
}

fn give_text(s: &str) -> *const u8 {
    let mut w = out_writer();
    w.0.extend_from_slice(s.as_bytes());
    give(w)
}

/// `[1][value]` or `[0][error]`.
fn give_result(r: Result<Value, CosError>) -> *const u8 {
    let mut w = out_writer();
    match r {
        Ok(v) => {
            w.0.push(1);
            w.value(&v);
        }
        Err(e) => {
            w.0.push(0);
            w.error(&e);
        }
    }
    give(w)
}

/// # Safety
/// As [`take`].
unsafe fn input(ptr: *mut u8, len: usize) -> Value {
    read_value(&take(ptr, len))
}

/// # Safety
/// As [`take`].
unsafe fn input_text(ptr: *mut u8, len: usize) -> String {
    String::from_utf8(take(ptr, len)).unwrap_or_default()
}

fn flavour(wx: bool) -> Flavour {
    if wx {
        Flavour::Wx
    } else {
        Flavour::Js
    }
}

/// A COS instance's slot: `None` once JS dropped it (or before reuse).
type Instance = Option<Rc<Cos<JsHost>>>;

/// The COS instances, by number (JS frees its own with [`cosw_drop`] once it is collected).
static INSTANCES: OneThread<RefCell<Vec<Instance>>> = OneThread(RefCell::new(Vec::new()));

fn instance(id: u32) -> Rc<Cos<JsHost>> {
    // JS never calls with the number of a dropped instance; a wrong one traps.
    INSTANCES.with(|all| all.borrow()[id as usize].clone().unwrap())
}

/// A COS instance for the shim registered as `host`. In: `[options, flavour, defaultProtocol,
/// emit]`; out: `[1][instance number]` or `[0][error]`.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_new(host: u32, ptr: *mut u8, len: usize) -> *const u8 {
    let args = input(ptr, len);
    let arg = |i: usize| args.as_list().get(i).copied().cloned().unwrap_or_default();
    let opts = arg(0);
    let flavour_name = arg(1).as_str().unwrap_or_default().to_string();
    let protocol = arg(2).as_str().unwrap_or_default().to_string();
    let emit = match arg(3) {
        Value::Opaque(h) => Some(h),
        _ => None,
    };
    let host = Rc::new(JsHost { id: host });
    let made = Cos::new(host.clone(), &opts, flavour(flavour_name == "wx"), &protocol, emit);
    // Handles of option values the options do not keep (a Host object, reporters) go back.
    let kept: Vec<u32> = made.as_ref().map(|c| c.client.opts().handles().collect()).unwrap_or_default();
    release_unkept(&host, &opts, &kept);
    give_result(made.map(|inner| {
        inner.client.dialect.set(Dialect::of_host(&flavour_name));
        INSTANCES.with(|all| Value::Num(f64::from(put(&mut all.borrow_mut(), inner))))
    }))
}

/// The JS object of instance `id` was collected: what the instance holds goes (its running calls
/// and tasks hold it until they end).
#[no_mangle]
pub extern "C" fn cosw_drop(id: u32) {
    let gone = INSTANCES.with(|all| all.borrow_mut().get_mut(id as usize).and_then(Option::take));
    drop(gone);
}

/// A call id for [`cosw_call`], unused by any running call.
#[no_mangle]
pub extern "C" fn cosw_new_call_id(id: u32) -> u32 {
    instance(id).calls.new_call_id()
}

/// Runs an official method; `host_done(token, ok, value)` gives its `data` or its error. In:
/// `[name, params]`. Under `call_id` (from [`cosw_new_call_id`]) [`cosw_cancel_call`] cancels it:
/// its requests are aborted and it ends with `TaskCanceled` once they stopped.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_call(id: u32, token: u32, call_id: u32, ptr: *mut u8, len: usize) {
    let inner = instance(id);
    let mut args = match input(ptr, len) {
        Value::Arr(a) => a,
        _ => Vec::new(),
    };
    args.resize(2, Value::Null);
    let params = args.pop().unwrap_or_default();
    let method = match args.pop() {
        Some(Value::Str(s)) => s,
        _ => String::new(),
    };
    let call = (call_id, inner.register_call(call_id));
    run_now(async move {
        let host = inner.client.host.clone();
        // The call owns one share of each handle in its params; a task it queued took its own.
        let handles = params.handles();
        let r = inner.call_cancelable(&method, params, call).await;
        let mut w = Writer::default();
        // Handles made for the result (a getObject body) belong to the caller once JS made the
        // value: released after `host_done`, which is why they are listed here.
        let mut made = Vec::new();
        let ok = match r {
            Ok(v) => {
                w.value(&v);
                // A result holds a handle or two (a getObject body): a linear look-up.
                made.extend(v.handles().into_iter().filter(|h| !handles.contains(h)));
                true
            }
            Err(e) => {
                w.error(&e);
                false
            }
        };
        for h in handles {
            host.release(h);
        }
        // SAFETY: JS reads the value before it returns.
        host_done(token, ok as u32, w.0.as_ptr(), w.0.len());
        for h in made {
            host.release(h);
        }
    });
}

/// `cos.options` changed: parse them again and put them in force. The handles of the user
/// functions the old options held go back; so do those of the new value the options don't keep.
/// Out: `[1][null]` or `[0][error]`.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_set_options(id: u32, ptr: *mut u8, len: usize) -> *const u8 {
    let inner = instance(id);
    let host = &inner.client.host;
    let v = input(ptr, len);
    let kept: Vec<u32> = match inner.set_options(&v) {
        Ok(old) => {
            for h in old.handles() {
                host.release(h);
            }
            inner.client.opts().handles().collect()
        }
        Err(e) => {
            for h in v.handles() {
                host.release(h);
            }
            return give_result(Err(e));
        }
    };
    release_unkept(host, &v, &kept);
    give_result(Ok(Value::Null))
}

/// Gives back the handles of an options value that the options in force do not keep (`kept`).
fn release_unkept(host: &JsHost, options: &Value, kept: &[u32]) {
    for h in options.handles() {
        if !kept.contains(&h) {
            host.release(h);
        }
    }
}

#[no_mangle]
pub extern "C" fn cosw_task_list(id: u32) -> *const u8 {
    let mut w = out_writer();
    w.value(&instance(id).task_list());
    give(w)
}

/// Whether the JS object has `list-update` listeners (the core skips building lists for nobody).
#[no_mangle]
pub extern "C" fn cosw_set_listening(id: u32, on: u32) {
    instance(id).queue.tasks.listening.set(on != 0);
}

/// `what`: 0 pause, 1 restart, 2 cancel the task whose id is the text given.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_task_op(id: u32, what: u32, ptr: *mut u8, len: usize) -> u32 {
    let inner = instance(id);
    let task = input_text(ptr, len);
    u32::from(match what {
        0 => inner.pause_task(&task),
        1 => inner.restart_task(&task),
        _ => inner.cancel_running(&task) || inner.cancel_task(&task),
    })
}

/// Cancels a call made under `call_id`; 0 when it is not running (or completing).
#[no_mangle]
pub extern "C" fn cosw_cancel_call(id: u32, call_id: u32) -> u32 {
    u32::from(instance(id).cancel_call(call_id))
}

/// Synchronous `getObjectUrl`: signed when the instance holds keys, else unsigned. Out:
/// `[1][url]` or `[0][error]`.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_object_url_sync(id: u32, ptr: *mut u8, len: usize) -> *const u8 {
    let inner = instance(id);
    let mut p = input(ptr, len);
    let c = &inner.client;
    c.opts().apply_to_params(&mut p);
    let r = if c.opts().get_authorization.is_none() {
        block_on(cos_wasm::presign::signed_object_url(c, &p))
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
    for h in p.handles() {
        c.host.release(h);
    }
    give_result(r.map(Value::Str))
}

/// Every official method name the core answers (`methods::HAND_WRITTEN`, the methods table and its
/// deprecated ACL/CORS spellings), comma-separated: the one list the JS class defines its methods
/// from.
#[no_mangle]
pub extern "C" fn cosw_method_names() -> *const u8 {
    give_text(&cos_wasm::methods::names())
}

/// Static `COS.getAuthorization`: the official signature for the params given. Out: `[1][text]`
/// or `[0][error]`.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_static_auth(host: u32, wx: u32, ptr: *mut u8, len: usize) -> *const u8 {
    let p = input(ptr, len);
    let r = cos_wasm::presign::static_authorization(&p, flavour(wx != 0), &|| host_date_now());
    for h in p.handles() {
        host_release(host, h);
    }
    give_result(r.map(Value::Str))
}

/// Where JS writes the flat params of the static signer (`TextEncoder.encodeInto` straight into
/// wasm memory: no allocation and no JS-side UTF-8 loop per call).
static SIGN_SCRATCH: OneThread<RefCell<Vec<u8>>> = OneThread(RefCell::new(Vec::new()));

/// The scratch buffer for [`cosw_sign_flat`], at least `capacity` bytes; its address stays
/// until the next call of this function.
#[no_mangle]
pub extern "C" fn cosw_sign_scratch(capacity: usize) -> *mut u8 {
    SIGN_SCRATCH.with(|b| {
        let mut b = b.borrow_mut();
        let n = capacity.max(b.len());
        b.resize(n, 0);
        b.as_mut_ptr()
    })
}

/// Static `COS.getAuthorization` for plain params, flattened by the JS wrapper into the first `len`
/// bytes of the scratch buffer as UTF-8: `name \0 value \0 …`, Query entries as `?name`, Headers
/// entries as `:name` (see `presign::static_authorization_flat`). The Authorization string is written
/// back over the start of the scratch buffer and its length returned; 0 means the wrapper should
/// take the general path (bad input, whose error that path explains, or an answer that does not fit).
#[no_mangle]
pub extern "C" fn cosw_sign_flat(len: usize, force_sign_host: u32, clock_offset: f64, wx: u32) -> usize {
    SIGN_SCRATCH.with(|b| {
        let mut b = b.borrow_mut();
        let signed = match core::str::from_utf8(&b[..len.min(b.len())]) {
            Ok(fields) => cos_wasm::presign::static_authorization_flat(fields, force_sign_host != 0, clock_offset, flavour(wx != 0), &|| {
                // SAFETY: an import without arguments.
                unsafe { host_date_now() }
            }),
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

/// Incremental MD5 (`COS.Md5Hasher`) and CRC-64/XZ (`COS.Crc64Hasher`, `x-cos-hash-crc64ecma`),
/// for hashing large inputs from JS (and the benchmarks). `kind` 0 is MD5, 1 CRC-64.
pub enum Hasher {
    Md5(cos_wasm::md5::Md5),
    Crc64(cos_wasm::crc64::Crc64),
}

#[no_mangle]
pub extern "C" fn cosw_hasher_new(kind: u32) -> *mut Hasher {
    Box::into_raw(Box::new(if kind == 0 {
        Hasher::Md5(cos_wasm::md5::Md5::new())
    } else {
        Hasher::Crc64(cos_wasm::crc64::Crc64::new())
    }))
}

/// Hashes `len` bytes at `ptr` (JS's own buffer: this does not take it).
///
/// # Safety
/// `h` comes from [`cosw_hasher_new`] and is not freed; `ptr..ptr+len` is wasm memory JS wrote.
#[no_mangle]
pub unsafe extern "C" fn cosw_hasher_update(h: *mut Hasher, ptr: *const u8, len: usize) {
    let data = core::slice::from_raw_parts(ptr, len);
    match &mut *h {
        Hasher::Md5(m) => m.update(data),
        Hasher::Crc64(c) => c.update(data),
    }
}

/// MD5: the lower-case hex digest (the hasher starts over); CRC-64: the unsigned decimal, as COS
/// sends it (the hasher goes on).
///
/// # Safety
/// As [`cosw_hasher_update`].
#[no_mangle]
pub unsafe extern "C" fn cosw_hasher_digest(h: *mut Hasher) -> *const u8 {
    let s = match &mut *h {
        Hasher::Md5(m) => cos_wasm::encode::hex(&m.finalize_reset()),
        Hasher::Crc64(c) => c.finish().to_string(),
    };
    give_text(&s)
}

/// # Safety
/// `h` comes from [`cosw_hasher_new`]; it is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cosw_hasher_free(h: *mut Hasher) {
    drop(Box::from_raw(h));
}

/// Range hashing for the browser I/O worker. The worker instantiates this same compiled module
/// with its imports stubbed (a bundled app has no separate file to load), so it calls only these
/// functions, which take and return numbers.
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
fn block_on<T>(fut: impl core::future::Future<Output = cos_wasm::error::Result<T>>) -> cos_wasm::error::Result<T> {
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
        Poll::Pending => Err(CosError::auth("getObjectUrl needs getAuthorization: pass a callback to get the signed URL")),
    }
}

/// `COS.util.md5`: lower-case hex MD5 of the bytes given (a string's UTF-8, or bytes).
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_util_md5(ptr: *mut u8, len: usize) -> *const u8 {
    give_text(&cos_wasm::encode::hex(&cos_hash::md5::md5(&take(ptr, len))))
}

/// `COS.util.encodeBase64`: base64 of a string's UTF-8 bytes; `url_safe` writes `-` and `_` for
/// `+` and `/` and drops the padding, as the official helper's second argument does.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_util_base64(ptr: *mut u8, len: usize, url_safe: u32) -> *const u8 {
    let b = cos_wasm::source::base64(&take(ptr, len));
    if url_safe == 0 {
        return give_text(&b);
    }
    let safe: String = b.trim_end_matches('=').chars().map(|c| match c {
        '+' => '-',
        '/' => '_',
        c => c,
    }).collect();
    give_text(&safe)
}

/// `COS.util.xml2json`: a document as the SDK's result objects are shaped (`{Root: {…}}`). Out:
/// `[1][value]` or `[0][error]`.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_util_xml2json(ptr: *mut u8, len: usize) -> *const u8 {
    let xml = input_text(ptr, len);
    give_result(cos_wasm::xml::parse(&xml).map_err(|e| CosError::param(["xml2json: ", e.message.as_str()].concat())))
}

/// `COS.util.json2xml`: each top-level field written as an element, as the official builder does.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_util_json2xml(host: u32, ptr: *mut u8, len: usize) -> *const u8 {
    let v = input(ptr, len);
    let mut out = String::new();
    for (name, field) in v.entries() {
        cos_wasm::xml::write(name, field, &[], &mut out);
    }
    // Nothing in a plain object is a host value; anything held for the conversion goes back.
    for h in v.handles() {
        host_release(host, h);
    }
    give_text(&out)
}

/// `getV4Auth`: the older multi-field signature. In: `[secretId, secretKey, bucket, key, now (s),
/// expires (s), random]`; out: the text, or nothing when it cannot be made.
///
/// # Safety
/// As [`take`].
#[no_mangle]
pub unsafe extern "C" fn cosw_sign_v4(ptr: *mut u8, len: usize) -> *const u8 {
    let args = input(ptr, len);
    let list = args.as_list();
    let text = |i: usize| list.get(i).and_then(|v| v.as_str()).unwrap_or_default();
    let num = |i: usize| match list.get(i) {
        Some(Value::Num(n)) => *n,
        _ => 0.0,
    };
    let s = cos_wasm::sign::v4_authorization(text(0), text(1), text(2), text(3), num(4) as u64, num(5).max(0.0) as u64, num(6) as u32);
    give_text(s.as_deref().unwrap_or_default())
}
