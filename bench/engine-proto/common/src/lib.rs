//! What both engine prototypes share, so they differ only in how the flow is driven: the upload's
//! configuration, the requests of the multipart calls (signed with the main crate's signer), response
//! classification (retry, clock skew, failure), the events JS sends and the actions it performs, and
//! their byte encoding. The JS driver (`../driver.mjs`) is the same for both.

use cos_wasm::attempts::{decode_error, parse_http_date};
use cos_wasm::client::query_string;
use cos_wasm::encode::encode_key_path;
use cos_wasm::error::{CosError, ErrorKind};
use cos_wasm::{sign, xml};
use proto_core::{Rd, Wr};

pub struct Cfg {
    pub secret_id: String,
    pub secret_key: String,
    /// `bucket.cos.region.localhost:port`: signed as `host` and used in URLs.
    pub host: String,
    /// `http:` or `https:`.
    pub protocol: String,
    pub key: String,
    pub size: u64,
    pub part_size: u64,
    pub parallel: u32,
    pub retry_times: u32,
    pub retry_delay_ms: f64,
    pub seed: u32,
    /// An UploadId to resume (its parts are listed, matching ones skipped); "" = a new upload.
    pub resume: String,
}

impl Cfg {
    pub fn read(r: &mut Rd) -> Cfg {
        Cfg {
            secret_id: r.str().into(),
            secret_key: r.str().into(),
            host: r.str().into(),
            protocol: r.str().into(),
            key: r.str().into(),
            size: r.f64() as u64,
            part_size: r.f64() as u64,
            parallel: r.u32().max(1),
            retry_times: r.u32(),
            retry_delay_ms: r.f64(),
            seed: r.u32() | 1,
            resume: r.str().into(),
        }
    }
}

/// The four multipart calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Initiate,
    Part(u32),
    Complete,
    Abort,
    /// ListParts from this part-number marker (resume discovery).
    #[cfg(feature = "resume")]
    ListParts(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    None,
    Bytes(Vec<u8>),
    /// Bytes `[start, end)` of the source, read by the host.
    Range(u64, u64),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resp {
    pub status: u16,
    /// Names lower-cased by the host.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, PartialEq)]
pub enum Action {
    Send { id: u32, method: &'static str, url: String, headers: Vec<(String, String)>, body: Body },
    /// CRC-64 of a source range, computed with the module's own hasher by the host.
    Hash { id: u32, start: u64, end: u64 },
    Timer { id: u32, ms: f64 },
    /// Stop the in-flight request `id`; no event is expected for it afterwards.
    Abort { id: u32 },
    Progress { loaded: u64, total: u64 },
    Done(Result<Done, CosError>),
    /// A simple call `handle` settled with its JSON result.
    CallDone { handle: u32, result: Result<String, CosError> },
}

#[derive(Debug, PartialEq)]
pub struct Done {
    pub location: String,
    pub etag: String,
    pub crc64: u64,
}

#[derive(Debug, PartialEq)]
pub enum Event {
    Response { id: u32, resp: Resp },
    /// The request never got a response (reset, DNS, timeout).
    NetError { id: u32 },
    Hashed { id: u32, crc: u64 },
    Timer { id: u32 },
    /// Upload progress of request `id`: `loaded` body bytes sent so far.
    Sent { id: u32, loaded: u64 },
    Cancel,
}

impl Event {
    /// Tag, then the fields; headers as `name: value` lines.
    pub fn read(r: &mut Rd) -> Event {
        let tag = r.u8();
        let id = r.u32();
        match tag {
            1 => {
                let status = r.u32() as u16;
                let headers = r
                    .str()
                    .split('\n')
                    .filter_map(|l| l.split_once(": "))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                Event::Response { id, resp: Resp { status, headers, body: r.blob().to_vec() } }
            }
            2 => Event::NetError { id },
            3 => Event::Hashed { id, crc: u64::from(r.u32()) | (u64::from(r.u32()) << 32) },
            4 => Event::Timer { id },
            5 => Event::Sent { id, loaded: r.f64() as u64 },
            _ => Event::Cancel,
        }
    }
}

pub fn write_actions(actions: &[Action]) {
    for a in actions {
        match a {
            Action::Send { id, method, url, headers, body } => {
                Wr::u8(1);
                Wr::u32(*id);
                Wr::str(method);
                Wr::str(url);
                Wr::u32(headers.len() as u32);
                for (k, v) in headers {
                    Wr::str(k);
                    Wr::str(v);
                }
                match body {
                    Body::None => Wr::u8(0),
                    Body::Bytes(b) => {
                        Wr::u8(1);
                        Wr::blob(b);
                    }
                    Body::Range(s, e) => {
                        Wr::u8(2);
                        Wr::f64(*s as f64);
                        Wr::f64(*e as f64);
                    }
                }
            }
            Action::Hash { id, start, end } => {
                Wr::u8(2);
                Wr::u32(*id);
                Wr::f64(*start as f64);
                Wr::f64(*end as f64);
            }
            Action::Timer { id, ms } => {
                Wr::u8(3);
                Wr::u32(*id);
                Wr::f64(*ms);
            }
            Action::Abort { id } => {
                Wr::u8(4);
                Wr::u32(*id);
            }
            Action::Progress { loaded, total } => {
                Wr::u8(5);
                Wr::f64(*loaded as f64);
                Wr::f64(*total as f64);
            }
            Action::Done(Ok(d)) => {
                Wr::u8(6);
                Wr::u8(1);
                Wr::str(&d.location);
                Wr::str(&d.etag);
                Wr::u32(d.crc64 as u32);
                Wr::u32((d.crc64 >> 32) as u32);
            }
            Action::Done(Err(e)) => {
                Wr::u8(6);
                write_err(e);
            }
            Action::CallDone { handle, result } => {
                Wr::u8(7);
                Wr::u32(*handle);
                match result {
                    Ok(json) => {
                        Wr::u8(1);
                        Wr::str(json);
                    }
                    Err(e) => write_err(e),
                }
            }
        }
    }
}

/// One request before signing: what both engines build, for any operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub method: &'static str,
    /// Object key; "" for bucket requests.
    pub key: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

fn write_err(e: &CosError) {
    // The message stays in Rust here; see bench/README.md for moving it to JS by code.
    Wr::u8(0);
    Wr::str(&e.code);
    Wr::str(&e.message);
    Wr::u32(u32::from(e.status_code.unwrap_or(0)));
}

/// The request of multipart call `op`. `parts` are the finished (number, ETag) pairs for Complete.
pub fn op_request(cfg: &Cfg, op: Op, upload_id: &str, parts: &[(u32, String)]) -> Spec {
    let id = || ("uploadId".to_string(), upload_id.to_string());
    let (method, query, body) = match op {
        Op::Initiate => ("POST", vec![("uploads".into(), String::new())], Body::None),
        Op::Part(n) => {
            let start = u64::from(n - 1) * cfg.part_size;
            let end = (start + cfg.part_size).min(cfg.size);
            ("PUT", vec![("partNumber".into(), n.to_string()), id()], Body::Range(start, end))
        }
        Op::Complete => ("POST", vec![id()], Body::Bytes(xml::complete_multipart_body(parts).into_bytes())),
        Op::Abort => ("DELETE", vec![id()], Body::None),
        #[cfg(feature = "resume")]
        Op::ListParts(marker) => {
            let mut q = vec![id()];
            if marker > 0 {
                q.push(("part-number-marker".into(), marker.to_string()));
            }
            ("GET", q, Body::None)
        }
    };
    Spec { method, key: cfg.key.clone(), query, headers: Vec::new(), body }
}

/// The signed `Send` of one attempt. `now_ms` is already clock-corrected.
pub fn signed_send(cfg: &Cfg, id: u32, spec: &Spec, now_ms: f64, retry: bool) -> Action {
    let mut headers = vec![("Host".to_string(), cfg.host.clone())];
    headers.extend(spec.headers.iter().cloned());
    if let Body::Bytes(b) = &spec.body {
        headers.push(("Content-Type".into(), "application/xml".into()));
        headers.push(("Content-Length".into(), b.len().to_string()));
    }
    if let Body::Range(s, e) = &spec.body {
        headers.push(("Content-Length".into(), (e - s).to_string()));
    }
    if retry {
        headers.push(("x-cos-sdk-retry".into(), "true".into()));
    }
    let mut pathname = String::from("/");
    pathname.push_str(&spec.key);
    let key_time = sign::default_key_time(now_ms, 0.0, 900);
    let q = sign::borrow_pairs(&spec.query);
    let h = sign::borrow_pairs(&headers);
    let auth = sign::authorization(&sign::SignInput {
        secret_id: &cfg.secret_id,
        secret_key: &cfg.secret_key,
        method: spec.method,
        pathname: &pathname,
        query: &q,
        headers: &h,
        key_time: &key_time,
        flavour: sign::Flavour::Js,
    });
    headers.push(("Authorization".into(), auth));
    let mut url = cfg.protocol.clone();
    url.push_str("//");
    url.push_str(&cfg.host);
    url.push('/');
    url.push_str(&encode_key_path(&spec.key));
    let qs = query_string(&spec.query);
    if !qs.is_empty() {
        url.push('?');
        url.push_str(&qs);
    }
    Action::Send { id, method: spec.method, url, headers, body: spec.body.clone() }
}

/// What to do with one attempt's outcome.
#[derive(Debug)]
pub enum Next {
    Ok(Resp),
    /// Re-sign now with this clock offset (once per request).
    Skew(f64),
    /// Try again after this many ms.
    Retry(f64),
    Fail(CosError),
}

/// Attempt bookkeeping of one logical request.
#[derive(Clone, Copy, Debug, Default)]
pub struct Attempt {
    pub n: u32,
    pub skewed: bool,
}

/// Classifies a response (`None`: network error) of attempt `a`: 5xx and network errors retry with
/// jittered exponential backoff up to `retry_times`; a time error with a server `Date` at least 30 s
/// off corrects the clock once; 4xx fails.
pub fn classify(cfg: &Cfg, retry: bool, a: Attempt, resp: Option<Resp>, local_ms: f64, offset: f64, rng: &mut u32) -> Next {
    let err = match resp {
        Some(r) if r.status < 300 => return Next::Ok(r),
        Some(r) => decode_error(r.status, &r.headers, &r.body),
        None => CosError::network("network error"),
    };
    if err.is_time_error() && !a.skewed {
        if let Some(server) = err.header("date").and_then(parse_http_date) {
            if (local_ms + offset - server).abs() >= 30_000.0 {
                return Next::Skew(server - local_ms);
            }
        }
    }
    let retryable = retry
        && match err.kind {
            ErrorKind::Server => err.status_code.map_or(false, |s| s >= 500),
            ErrorKind::Network => true,
            _ => false,
        };
    if !retryable || a.n >= cfg.retry_times {
        return Next::Fail(err);
    }
    Next::Retry(backoff_ms(cfg.retry_delay_ms, a.n, rng))
}

/// base·2ⁿ scaled into [50 %, 100 %], capped at 10 s (the main crate's policy).
pub fn backoff_ms(base: f64, attempt: u32, rng: &mut u32) -> f64 {
    // xorshift32: jitter needs no quality, and no host call.
    *rng ^= *rng << 13;
    *rng ^= *rng >> 17;
    *rng ^= *rng << 5;
    let r = f64::from(*rng) / 4_294_967_296.0;
    (base * f64::from(1u32 << attempt.min(10))).min(10_000.0) * (0.5 + 0.5 * r)
}

pub fn upload_id(resp: &Resp) -> Result<String, CosError> {
    let doc = xml::parse(core::str::from_utf8(&resp.body).unwrap_or("")).ok();
    doc.as_ref()
        .and_then(|d| d.get("InitiateMultipartUploadResult"))
        .and_then(|r| r.get("UploadId"))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| CosError::protocol("no UploadId in the response"))
}

/// The response's CRC-64 header (absent = not checked, as COS may omit it).
pub fn crc_header(resp: &Resp) -> Option<u64> {
    resp.header("x-cos-hash-crc64ecma").and_then(|v| v.parse().ok())
}

pub fn check_crc(ours: u64, resp: &Resp) -> Result<(), CosError> {
    match crc_header(resp) {
        Some(theirs) if theirs != ours => Err(CosError::integrity("CRC64Mismatch", "CRC64 of the data differs from the server's")),
        _ => Ok(()),
    }
}

/// Location and ETag of the Complete answer, its CRC-64 checked against `whole`.
pub fn complete_result(resp: &Resp, whole: u64) -> Result<Done, CosError> {
    let doc = xml::parse(core::str::from_utf8(&resp.body).unwrap_or("")).ok();
    let r = doc
        .as_ref()
        .and_then(|d| d.get("CompleteMultipartUploadResult"))
        .ok_or_else(|| CosError::protocol("no CompleteMultipartUploadResult in the response"))?;
    check_crc(whole, resp)?;
    let s = |k| r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    Ok(Done { location: s("Location"), etag: s("ETag"), crc64: whole })
}

#[cfg(feature = "simple")]
pub mod simple;

#[cfg(feature = "resume")]
/// Parts of a ListParts answer as (number, size, ETag), and the next marker when truncated.
pub fn list_parts(resp: &Resp) -> Result<(Vec<(u32, u64, String)>, Option<u32>), CosError> {
    let doc = xml::parse(core::str::from_utf8(&resp.body).unwrap_or("")).ok();
    let r = doc.as_ref().and_then(|d| d.get("ListPartsResult")).ok_or_else(|| CosError::protocol("no ListPartsResult in the response"))?;
    let num = |v: Option<&cos_wasm::value::Value>| v.and_then(|v| v.as_str()).and_then(|s| s.parse::<u64>().ok());
    let parts = r
        .get("Part")
        .map(|p| p.as_list())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| Some((num(p.get("PartNumber"))? as u32, num(p.get("Size"))?, p.get("ETag")?.as_str()?.to_string())))
        .collect();
    let truncated = r.get("IsTruncated").and_then(|v| v.as_str()) == Some("true");
    let next = if truncated { num(r.get("NextPartNumberMarker")).map(|n| n as u32) } else { None };
    Ok((parts, next))
}

pub fn etag(resp: &Resp) -> String {
    resp.header("etag").unwrap_or("").to_string()
}
