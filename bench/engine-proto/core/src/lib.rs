//! The pure core as a page would export it, with plain `extern "C"` functions over two byte buffers
//! (no wasm-bindgen: every crossing is bytes, so its glue and externref table would be pure cost).
//! JS writes input at `buf(len)`, calls an export, reads `out_len` bytes at `out_ptr()`.
//!
//! The exports keep each core piece the engines use alive (signer, XML, part plan, CRC-64, MD5,
//! error decoding, HTTP dates), so "core + engine" minus "core" is the engine alone.

use core::cell::UnsafeCell;

use cos_wasm::{attempts, crc64, encode, md5, plan, sign, xml};

#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: no wasm threads, which the unlocked `TalckWasm` assumes (as in the main crate).
static ALLOC: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

/// A global for a single-threaded module.
pub struct Global<T>(UnsafeCell<T>);
// SAFETY: wasm32-unknown-unknown without threads; native tests touch these from one thread per test
// binary only through the engines' own state, never concurrently.
unsafe impl<T> Sync for Global<T> {}
impl<T> Global<T> {
    pub const fn new(v: T) -> Self {
        Global(UnsafeCell::new(v))
    }
    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &mut T {
        // SAFETY: see `Sync` above; callers never hold two borrows across a call that takes another.
        unsafe { &mut *self.0.get() }
    }
}

pub static IN: Global<Vec<u8>> = Global::new(Vec::new());
pub static OUT: Global<Vec<u8>> = Global::new(Vec::new());

/// Room for `len` input bytes; JS writes there, then calls an export with `len`.
#[no_mangle]
pub extern "C" fn buf(len: u32) -> *mut u8 {
    let v = IN.get();
    v.clear();
    v.resize(len as usize, 0);
    v.as_mut_ptr()
}

#[no_mangle]
pub extern "C" fn out_ptr() -> *const u8 {
    OUT.get().as_ptr()
}

pub fn input(len: u32) -> &'static [u8] {
    let v = IN.get();
    &v[..(len as usize).min(v.len())]
}

/// Little-endian reader; reads past the end give zeros and empty strings (never a panic path).
pub struct Rd<'a> {
    pub b: &'a [u8],
    pub p: usize,
}

impl<'a> Rd<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Rd { b, p: 0 }
    }
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let s = self.b.get(self.p..self.p.saturating_add(n)).unwrap_or(&[]);
        self.p = self.p.saturating_add(n);
        s
    }
    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }
    pub fn u32(&mut self) -> u32 {
        let mut a = [0u8; 4];
        let s = self.bytes(4);
        a[..s.len()].copy_from_slice(s);
        u32::from_le_bytes(a)
    }
    pub fn f64(&mut self) -> f64 {
        let mut a = [0u8; 8];
        let s = self.bytes(8);
        a[..s.len()].copy_from_slice(s);
        f64::from_le_bytes(a)
    }
    pub fn blob(&mut self) -> &'a [u8] {
        let n = self.u32() as usize;
        self.bytes(n)
    }
    pub fn str(&mut self) -> &'a str {
        core::str::from_utf8(self.blob()).unwrap_or("")
    }
    /// `n` then `n` (name, value) pairs.
    pub fn pairs(&mut self) -> Vec<(&'a str, &'a str)> {
        (0..self.u32()).map(|_| (self.str(), self.str())).collect()
    }
}

/// Writer over `OUT`.
pub struct Wr;
impl Wr {
    pub fn reset() {
        OUT.get().clear();
    }
    pub fn len() -> u32 {
        OUT.get().len() as u32
    }
    pub fn u8(v: u8) {
        OUT.get().push(v);
    }
    pub fn u32(v: u32) {
        OUT.get().extend_from_slice(&v.to_le_bytes());
    }
    pub fn f64(v: f64) {
        OUT.get().extend_from_slice(&v.to_le_bytes());
    }
    pub fn blob(v: &[u8]) {
        Wr::u32(v.len() as u32);
        OUT.get().extend_from_slice(v);
    }
    pub fn str(v: &str) {
        Wr::blob(v.as_bytes());
    }
}

fn reply(s: &str) -> u32 {
    Wr::reset();
    OUT.get().extend_from_slice(s.as_bytes());
    Wr::len()
}

/// The static signer: secret id, secret key, method, pathname, query pairs, header pairs, key time.
#[no_mangle]
pub extern "C" fn cos_sign(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let (secret_id, secret_key, method, pathname) = (r.str(), r.str(), r.str(), r.str());
    let query = r.pairs();
    let headers = r.pairs();
    let key_time = r.str();
    let a = sign::authorization(&sign::SignInput {
        secret_id,
        secret_key,
        method,
        pathname,
        query: &query,
        headers: &headers,
        key_time,
        flavour: sign::Flavour::Js,
    });
    reply(&a)
}

/// The text at `path` (`A/B/C`) of an XML document, or nothing.
#[no_mangle]
pub extern "C" fn xml_get(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let (doc, path) = (r.str(), r.str());
    let v = xml::parse(doc).ok();
    let mut cur = v.as_ref();
    for seg in path.split('/') {
        cur = cur.and_then(|v| v.get(seg));
    }
    reply(cur.and_then(|v| v.as_str()).unwrap_or(""))
}

/// The Complete body of (part number, ETag) pairs.
#[no_mangle]
pub extern "C" fn complete_xml(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let parts: Vec<(u32, String)> = (0..r.u32()).map(|_| (r.u32(), r.str().to_string())).collect();
    reply(&xml::complete_multipart_body(&parts))
}

/// Status, header pairs, body -> `code\nmessage` of the SDK error.
#[no_mangle]
pub extern "C" fn http_error(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let status = r.u32() as u16;
    let headers: Vec<(String, String)> = r.pairs().into_iter().map(|(k, v)| (k.into(), v.into())).collect();
    let e = attempts::decode_error(status, &headers, r.blob());
    let mut s = e.code.clone();
    s.push('\n');
    s.push_str(&e.message);
    reply(&s)
}

#[no_mangle]
pub extern "C" fn http_date(len: u32) -> f64 {
    let s = core::str::from_utf8(input(len)).unwrap_or("");
    attempts::parse_http_date(s).unwrap_or(f64::NAN)
}

/// Part size of the plan (0 when the file is too large); `part_count` through `plan_count`.
#[no_mangle]
pub extern "C" fn plan_part_size(size: f64, chunk: f64) -> f64 {
    plan::PartPlan::new(size as u64, Some(chunk as u64), 10_000).map_or(0.0, |p| p.part_size as f64)
}

#[no_mangle]
pub extern "C" fn crc64_update(crc: u64, len: u32) -> u64 {
    // `crc` is a finished CRC (0 to start), as the hash crate's combine-friendly API uses.
    let mut h = crc64::Crc64::new();
    let data = input(len);
    if crc == 0 {
        h.update(data);
        return h.finish();
    }
    let part = crc64::crc64(data);
    crc64::combine(crc, part, data.len() as u64)
}

#[no_mangle]
pub extern "C" fn crc64_combine(a: u64, b: u64, len_b: f64) -> u64 {
    crc64::combine(a, b, len_b as u64)
}

#[no_mangle]
pub extern "C" fn md5_hex(len: u32) -> u32 {
    reply(&encode::hex(&md5::md5(input(len))))
}

/// The rest of the pure core, kept alive by one export each.
#[cfg(feature = "full")]
mod full {
    use super::*;
    use cos_wasm::value::Value;
    use cos_wasm::{checkpoint, mime, params, progress, queue};

    /// Checkpoint list text + (bucket, region, key, name, size, mtime, part size, upload id, now):
    /// upsert this upload, plan its resume against listed (number, size, ETag) parts, re-encode.
    #[no_mangle]
    pub extern "C" fn checkpoint_upsert(len: u32) -> u32 {
        let mut r = Rd::new(input(len));
        let now = r.f64() as u64;
        let mut list = checkpoint::decode_list(r.str(), now);
        let (bucket, region, key, name) = (r.str(), r.str(), r.str(), r.str());
        let (size, mtime, part_size) = (r.f64() as u64, r.f64(), r.f64() as u64);
        let fp = checkpoint::Fingerprint { name: name.into(), size, last_modified_ms: Some(mtime) };
        let file_id = checkpoint::file_id(bucket, region, key, &fp, part_size);
        let upload_id = r.str();
        let server: Vec<checkpoint::ServerPart> =
            (0..r.u32()).map(|_| checkpoint::ServerPart { part_number: r.u32(), size: r.f64() as u64, etag: r.str().into() }).collect();
        let p = plan::PartPlan::new(size, Some(part_size), 10_000).unwrap_or(plan::PartPlan { file_size: 0, part_size: 1, part_count: 0 });
        let resume = checkpoint::plan_resume(&p, &server);
        let usable = checkpoint::usable_upload(&p, &server) && resume.candidates().iter().all(|(_, e)| checkpoint::etag_matches(e, &file_id));
        checkpoint::upsert(
            &mut list,
            checkpoint::Record { file_id: file_id.clone(), upload_id: upload_id.into(), bucket: bucket.into(), region: region.into(), key: key.into(), part_size, file_size: size, saved_at_s: now, source_id: name.into() },
            if usable { 100 } else { 50 },
        );
        if checkpoint::find(&list, &file_id).len() > 1 {
            checkpoint::remove(&mut list, &file_id, upload_id);
        }
        reply(&checkpoint::encode_list(&list))
    }

    /// Runs `n` tasks through the queue's state machine with a throttled progress; returns states.
    #[no_mangle]
    pub extern "C" fn queue_run(n: u32, limit: u32) -> u32 {
        let mut q = queue::Queue::new("t");
        let ids: Vec<String> = (0..n).map(|i| q.add(queue::TaskRecord::new("b-1", "ap-guangzhou", &i.to_string(), None, 100))).collect();
        let mut t = progress::ProgressThrottle::new(100.0);
        let mut s = String::new();
        while let Some(id) = q.next_to_start(limit as usize) {
            for ev in [queue::TaskEvent::Start, queue::TaskEvent::BytesFlowing, queue::TaskEvent::Succeed] {
                match q.apply(&id, ev) {
                    Ok(st) => s.push_str(st.as_str()),
                    Err(e) => s.push_str(&e.to_string()),
                }
            }
            q.set_progress(&id, 50, 100);
            if let Some(p) = t.update(50, 100, f64::from(q.running_count() as u32)) {
                s.push_str(&cos_wasm::value::num_to_string(p.to_value().get("percent").and_then(Value::as_f64).unwrap_or(0.0)));
            }
        }
        q.trim(ids.len() / 2);
        reply(&s)
    }

    /// Params as pairs -> the validated target and headers, or the parameter error; plus the MIME type.
    #[no_mangle]
    pub extern "C" fn params_check(len: u32) -> u32 {
        let mut r = Rd::new(input(len));
        let v = Value::Obj(r.pairs().into_iter().map(|(k, v)| (k.to_string(), Value::str(v))).collect());
        let out = params::target(&v, true).and_then(|t| Ok((t, params::headers(&v)?)));
        let mut s = String::new();
        match out {
            Ok((t, h)) => {
                s.push_str(mime::for_key(&t.key));
                for (k, v) in h {
                    s.push_str(&k);
                    s.push_str(&v);
                }
                s.push(if params::is_valid_bucket(&t.bucket) && params::is_valid_region(&t.region) { '1' } else { '0' });
            }
            Err(e) => s.push_str(&e.message),
        }
        reply(&s)
    }
}
