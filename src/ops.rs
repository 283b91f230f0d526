//! The simple and multipart operations, one request each, with the official parameters and
//! result shapes (docs/official-sdk-behaviour.md#methods).

use crate::prelude::*;
use crate::float;
use core::cell::RefCell;
use alloc::rc::Rc;

use crate::attempts::{decode_error, Retry};
use crate::client::{AbortScope, Client, Req};
use crate::error::{CosError, ErrorKind, Result};
use crate::host::{Arg, Body, Host, HttpResponse, ProgressFn, ResponseType};
use crate::params::{self, get_header, put_header, remove_header, Target};
use crate::progress::ProgressThrottle;
use crate::source::{base64, Digests, Source};
#[cfg(feature = "wx")]
use crate::sign::Flavour;
use crate::value::Value;
#[cfg(feature = "wx")]
use crate::mime;
use crate::xml;

/// `{statusCode, headers, RequestId?, VersionId?}`: what every successful call returns.
pub(crate) fn base_data(resp: &HttpResponse) -> Value {
    let mut v = Value::obj();
    v.set("statusCode", Value::Num(f64::from(resp.status)));
    v.set(
        "headers",
        Value::Obj(resp.headers.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))).collect()),
    );
    if let Some(id) = resp.header("x-cos-request-id").or_else(|| resp.header("x-ci-request-id")) {
        v.set("RequestId", id.into());
    }
    if let Some(id) = resp.header("x-cos-version-id") {
        v.set("VersionId", id.into());
    }
    v
}

/// A progress reporter for one call: throttled `onProgress({loaded,total,speed,percent})`.
pub(crate) struct Reporter<H: Host> {
    host: Rc<H>,
    callback: Option<u32>,
    throttle: RefCell<ProgressThrottle>,
}

impl<H: Host> Reporter<H> {
    pub(crate) fn new(host: Rc<H>, callback: Option<u32>, interval_ms: f64) -> Rc<Reporter<H>> {
        Rc::new(Reporter { host, callback, throttle: RefCell::new(ProgressThrottle::new(interval_ms)) })
    }

    pub(crate) fn update(&self, loaded: u64, total: u64) {
        if self.callback.is_none() {
            return;
        }
        let now = self.host.now_ms();
        let info = self.throttle.borrow_mut().update(loaded, total, now);
        if let Some(info) = info {
            self.emit(info.to_value());
        }
    }

    /// Continues from `loaded` (a restarted task): later reports never go below it.
    pub(crate) fn seed(&self, loaded: u64, total: u64) {
        self.throttle.borrow_mut().seed(loaded, total);
    }

    /// Emits the latest state now (start, end, error).
    pub(crate) fn flush(&self) {
        if self.callback.is_none() {
            return;
        }
        let now = self.host.now_ms();
        let info = self.throttle.borrow_mut().flush(now);
        if let Some(info) = info {
            self.emit(info.to_value());
        }
    }

    fn emit(&self, v: Value) {
        if let Some(f) = self.callback {
            self.host.invoke(f, vec![Arg::Val(v)]);
        }
    }

    /// A per-request progress function adding `offset` (bytes already done) to what the host reports.
    pub(crate) fn request_progress(self: &Rc<Self>, offset: u64, total: u64) -> Option<ProgressFn> {
        self.callback?;
        let me = self.clone();
        Some(Rc::new(move |sent: u64| me.update(offset + sent, total)))
    }
}

/// The Content-Type for a new object: given, else the body's own (a Blob's type, `text/plain` for
/// a string), else none, so that COS infers it from the key as it does for the official SDKs. In
/// mini-programs it comes from the key's extension instead: wx.request sends `application/json`
/// when a request has none.
#[cfg_attr(not(feature = "wx"), allow(unused_variables))]
fn default_content_type<H: Host>(c: &Client<H>, headers: &mut Vec<(String, String)>, source: Option<&Source>, key: &str) {
    if get_header(headers, "content-type").is_some_and(|v| !v.is_empty()) {
        return;
    }
    let own = source.and_then(|s| s.info.content_type.clone()).filter(|t| !t.is_empty());
    let t = match own {
        Some(t) => t,
        // Only the mini-program's build has the table (Cargo.toml's `wx`).
        #[cfg(feature = "wx")]
        None if c.opts().flavour == Flavour::Wx => mime::for_key(key).to_string(),
        None => return,
    };
    put_header(headers, "Content-Type", t);
}

fn etag_of(resp: &HttpResponse) -> String {
    resp.header("etag").unwrap_or("").to_string()
}

/// Checks a server CRC64 header against ours, when the server sent one.
pub(crate) fn check_crc64(resp: &HttpResponse, expected: u64, what: &str) -> Result<()> {
    if let Some(h) = resp.header("x-cos-hash-crc64ecma") {
        let got: Option<u64> = h.trim().parse().ok();
        if got != Some(expected) {
            let mut m = String::from("CRC64 mismatch for ");
            m.push_str(what);
            m.push_str(": local ");
            m.push_str(&expected.to_string());
            m.push_str(", server ");
            m.push_str(h);
            let mut e = CosError::integrity("CRC64Mismatch", m);
            e.headers = resp.headers.clone();
            e.status_code = Some(resp.status);
            return Err(e);
        }
    }
    Ok(())
}

/// Awaits `send` while the CRC64 of the body's range `[start, end)` is computed beside it, or
/// with `known`, when it had to be hashed before sending (for an MD5 header). The CRC is what
/// [`check_crc64`] compares with the answer. A failed read is the outer error; a failed send is
/// returned as is (part uploads decide whether to retry it).
pub(crate) async fn send_with_crc64<H: Host, T>(
    host: &H,
    source: &Source,
    start: u64,
    end: u64,
    known: Option<u64>,
    send: impl core::future::Future<Output = Result<T>>,
) -> Result<(Result<T>, u64)> {
    match known {
        Some(crc) => Ok((send.await, crc)),
        None => {
            let (sent, crc) = futures_util::future::join(send, source.crc64(host, start, end)).await;
            Ok((sent, crc?))
        }
    }
}

/// The ETag of an UploadPart answer, which Complete needs.
pub(crate) fn part_etag(resp: &HttpResponse) -> Result<String> {
    match resp.header("etag") {
        Some(e) if !e.is_empty() => Ok(e.to_string()),
        _ => Err(protocol_error(
            resp,
            "UploadPart answered without an ETag header (browsers: add ETag to the bucket's CORS ExposeHeader)",
        )),
    }
}

/// `putObject`.
pub(crate) async fn put_object<H: Host>(
    c: &Client<H>,
    params: &Value,
    source: &Source,
    reporter: Option<Rc<Reporter<H>>>,
    on_hash: Option<u32>,
    abort: Option<&AbortScope>,
) -> Result<Value> {
    let t = params::target(params, true)?;
    let mut headers = params::headers(params)?;
    let query = params::query(params)?;
    // A stream is sent as it is read: its length is the ContentLength given.
    // (The stream branches below call nothing that the others do not: `cfg!` is enough here.)
    let streamed = cfg!(feature = "streams") && source.info.streamed;
    let size = if streamed {
        get_header(&headers, "content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| CosError::param("param ContentLength is required to putObject a stream Body in one request"))?
    } else {
        source.size()
    };
    if t.key.ends_with('/') && size > 0 {
        return Err(CosError::param(
            "param Key ends with \"/\", which makes a folder marker: its Body must be empty",
        ));
    }
    if let Some(len) = get_header(&headers, "content-length").filter(|_| !streamed) {
        if len.parse::<u64>().ok() != Some(size) {
            return Err(CosError::param("param ContentLength does not match the size of Body"));
        }
    }
    put_header(&mut headers, "Content-Length", size.to_string());
    default_content_type(c, &mut headers, Some(source), &t.key);
    // A stream cannot be hashed before it is sent (it is read once): no MD5 headers then.
    let want_md5 = !streamed
        && (c.opts().upload_check_content_md5
            || c.opts().upload_add_meta_md5
            || params::opt_bool(params, "UploadAddMetaMd5").unwrap_or(false));
    // Every body is CRC64-checked against the answer: hashed while it is sent, or before when an
    // MD5 must go in the headers (off the main thread in browsers).
    let mut md5_crc = None;
    if want_md5 {
        let host = c.host.clone();
        let d = source
            .digest(&*c.host, 0, size, |done| {
                if let Some(f) = on_hash {
                    host.invoke(f, vec![Arg::Val(hash_progress(done, size))]);
                }
            })
            .await?;
        if c.opts().upload_check_content_md5 && get_header(&headers, "content-md5").is_none() {
            put_header(&mut headers, "Content-MD5", d.md5_base64());
        }
        if c.opts().upload_add_meta_md5 || params::opt_bool(params, "UploadAddMetaMd5").unwrap_or(false) {
            put_header(&mut headers, "x-cos-meta-md5", d.md5_hex());
        }
        md5_crc = Some(d.crc64);
    }
    let mut req = Req::new("PutObject", "PUT", &t.bucket, &t.region, &t.key);
    req.headers = headers;
    req.query = query;
    req.body = if streamed { Body::Stream { source: source.info.id, len: size } } else { source.body(0, size) };
    if streamed {
        req.retry = Retry::Never;
    }
    req.abort = abort;
    if let Some(r) = &reporter {
        r.update(0, size);
        r.flush();
        req.progress = r.request_progress(0, size);
    }
    let resp = if streamed {
        // The host hashes the stream's bytes while it sends them.
        let resp = c.request(req).await?;
        if let Some(crc) = resp.written.and_then(|w| w.crc64) {
            check_crc64(&resp, crc, "the uploaded object")?;
        }
        resp
    } else {
        let (resp, crc) = send_with_crc64(&*c.host, source, 0, size, md5_crc, c.request(req)).await?;
        let resp = resp?;
        check_crc64(&resp, crc, "the uploaded object")?;
        resp
    };
    if let Some(r) = &reporter {
        r.update(size, size);
        r.flush();
    }
    let mut data = base_data(&resp);
    data.set("Location", c.location(&t.bucket, &t.region, &t.key).into());
    data.set("ETag", etag_of(&resp).into());
    Ok(data)
}

pub(crate) fn hash_progress(done: u64, total: u64) -> Value {
    let percent = if total == 0 { 1.0 } else { float::floor((done as f64 / total as f64) * 10000.0) / 10000.0 };
    Value::Obj(vec![
        ("loaded".into(), Value::Num(done as f64)),
        ("total".into(), Value::Num(total as f64)),
        ("percent".into(), Value::Num(percent)),
    ])
}

/// `getObject`: the body comes back in the host's native form (`DataType`: text, blob, arraybuffer).
pub(crate) async fn get_object<H: Host>(c: &Client<H>, params: &Value, reporter: Option<Rc<Reporter<H>>>, abort: Option<&AbortScope>) -> Result<Value> {
    let t = params::target(params, true)?;
    let mut req = Req::new("GetObject", "GET", &t.bucket, &t.region, &t.key);
    req.headers = params::headers(params)?;
    let mut query = params::query(params)?;
    for (p, q) in [
        ("ResponseContentType", "response-content-type"),
        ("ResponseContentLanguage", "response-content-language"),
        ("ResponseExpires", "response-expires"),
        ("ResponseCacheControl", "response-cache-control"),
        ("ResponseContentDisposition", "response-content-disposition"),
        ("ResponseContentEncoding", "response-content-encoding"),
        ("VersionId", "versionId"),
    ] {
        if let Some(v) = params::opt_str(params, p)? {
            query.push((q.into(), v));
        }
    }
    req.query = query;
    req.response_type = ResponseType::Native;
    req.data_type = params::opt_str(params, "DataType")?;
    // `Output`: a writable the host pipes the body into, or a path it writes the body to. Only Node
    // has either: built without `node-io`, Output is no parameter (as in cos-js-sdk-v5 and
    // cos-wx-sdk-v5). Left out with `#[cfg]`, not `cfg!`: an `.await` in a branch that is never
    // taken still keeps its future's code (the state machine resumes there by a stored state).
    #[cfg(not(feature = "node-io"))]
    let output: Option<()> = None;
    #[cfg(feature = "node-io")]
    let output = match params.get("Output") {
        None | Some(Value::Null) => None,
        Some(Value::Opaque(h)) => Some(GetOutput::Stream(*h)),
        Some(Value::Str(path)) if !path.is_empty() => Some(GetOutput::Path(path.clone())),
        Some(_) => return Err(CosError::param("param Output should be a writable stream or a file path")),
    };
    #[cfg(feature = "node-io")]
    let mut file = None;
    #[cfg(feature = "node-io")]
    match &output {
        Some(GetOutput::Stream(h)) => req.response_type = ResponseType::Stream(*h),
        Some(GetOutput::Path(path)) => {
            // As the official SDK's write stream: the file is created (emptied) before the request.
            let (id, _) = c.host.open_write(path, 0, false).await?;
            req.response_type = ResponseType::File { file: id, offset: 0 };
            file = Some(id);
        }
        None => {}
    }
    req.abort = abort;
    let resp = c.request(req).await;
    #[cfg(feature = "node-io")]
    if let Some(id) = file {
        let closed = c.host.close_write(id).await;
        if resp.is_ok() {
            closed?;
        }
    }
    let resp = resp?;
    if let Some(r) = &reporter {
        let n = resp.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        r.update(n, n);
        r.flush();
    }
    // The official answer to a 304 (If-Modified-Since) is this alone.
    if resp.status == 304 {
        return Ok(Value::Obj(vec![("NotModified".into(), Value::Bool(true))]));
    }
    let mut data = base_data(&resp);
    data.set("ETag", etag_of(&resp).into());
    // With Output the body went there: the official answer has no Body then.
    if output.is_none() {
        data.set("Body", resp.native_body.map(Value::Opaque).unwrap_or(Value::str("")));
    }
    Ok(data)
}

#[cfg(feature = "node-io")]
enum GetOutput {
    Stream(u32),
    Path(String),
}

/// `request`: any COS request the other methods do not cover. `Method`, `Bucket`/`Region`, an
/// optional `Key`, `Action` (a sub-resource such as `location`), `Query`, `Headers`, `Body`. An XML
/// answer is parsed into `data` (`{LocationConstraint: …}`); with `RawBody` (or an answer that is not
/// XML, where the official Node SDK throws) the answer is `data.Body`.
pub(crate) async fn request_call<H: Host>(c: &Client<H>, params: &Value, abort: Option<&AbortScope>) -> Result<Value> {
    let verb = params::required_str(params, "Method")?.to_ascii_uppercase();
    let verb: &'static str = match verb.as_str() {
        "GET" => "GET",
        "PUT" => "PUT",
        "POST" => "POST",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => return Err(CosError::param("param Method should be GET, PUT, POST, DELETE, HEAD or OPTIONS")),
    };
    if params.get("Url").is_some_and(|u| !u.is_null()) {
        return Err(CosError::param("param Url is not supported: give Bucket, Region and Key"));
    }
    let (bucket, region) = params::bucket_region(params, true)?;
    let key = match params.get("Key") {
        None | Some(Value::Null) => String::new(),
        Some(_) => params::key(params)?,
    };
    let mut query = params::query(params)?;
    if let Some(action) = params::opt_str(params, "Action")?.filter(|a| !a.is_empty()) {
        query.insert(0, (action, String::new()));
    }
    let source = Source::open(&*c.host, params, true).await?;
    let raw = params::opt_bool(params, "RawBody").unwrap_or(false);
    let mut req = Req::new("Request", verb, &bucket, &region, &key);
    req.headers = params::headers(params)?;
    req.query = query;
    if source.size() > 0 {
        put_header(&mut req.headers, "Content-Length", source.size().to_string());
        req.body = source.body(0, source.size());
    }
    if raw {
        req.response_type = ResponseType::Native;
        req.data_type = params::opt_str(params, "DataType")?;
    }
    req.abort = abort;
    let resp = c.request(req).await;
    source.close(&*c.host);
    let resp = resp?;
    let mut data = base_data(&resp);
    if raw {
        data.set("Body", resp.native_body.map(Value::Opaque).unwrap_or(Value::str("")));
        return Ok(data);
    }
    if !resp.body.is_empty() {
        let text = crate::text::utf8_lossy(&resp.body);
        match xml::parse(&text) {
            Ok(doc) => merge(&mut data, &doc),
            Err(_) => data.set("Body", Value::Str(text.into_owned())),
        }
    }
    Ok(data)
}

/// `headObject` (`head`) and `deleteObject`: one future for both, which check the same params in
/// the same order and send one request.
pub(crate) async fn head_or_delete_object<H: Host>(c: &Client<H>, head: bool, params: &Value, abort: Option<&AbortScope>) -> Result<Value> {
    let t = params::target(params, true)?;
    let (action, verb) = if head { ("HeadObject", "HEAD") } else { ("DeleteObject", "DELETE") };
    let mut req = Req::new(action, verb, &t.bucket, &t.region, &t.key);
    req.headers = params::headers(params)?;
    if head {
        req.query = params::query(params)?;
    }
    if let Some(v) = params::opt_str(params, "VersionId")? {
        req.query.push(("versionId".into(), v));
    }
    req.abort = abort;
    match c.request(req).await {
        Ok(resp) if head && resp.status == 304 => {
            Ok(Value::Obj(vec![("NotModified".into(), Value::Bool(true)), ("statusCode".into(), Value::Num(304.0))]))
        }
        Ok(resp) if head => {
            let mut data = base_data(&resp);
            data.set("ETag", etag_of(&resp).into());
            Ok(data)
        }
        Ok(resp) => Ok(base_data(&resp)),
        // As the official SDKs: a 404 on deleteObject (the bucket is missing; a missing key is a
        // 204) is an answer.
        Err(e) if !head && e.status_code == Some(404) => {
            Ok(Value::Obj(vec![("BucketNotFound".into(), Value::Bool(true)), ("statusCode".into(), Value::Num(404.0))]))
        }
        Err(e) => Err(e),
    }
}

/// `appendObject`: `POST ?append&position=`; the next position is in `headers['x-cos-next-append-position']`.
pub(crate) async fn append_object<H: Host>(
    c: &Client<H>,
    params: &Value,
    source: &Source,
    reporter: Option<Rc<Reporter<H>>>,
    abort: Option<&AbortScope>,
) -> Result<Value> {
    let t = params::target(params, true)?;
    let position = params::required_uint(params, "Position")?;
    let mut headers = params::headers(params)?;
    let size = source.size();
    put_header(&mut headers, "Content-Length", size.to_string());
    default_content_type(c, &mut headers, Some(source), &t.key);
    if c.opts().upload_check_content_md5 && get_header(&headers, "content-md5").is_none() {
        let d = source.digest(&*c.host, 0, size, |_| {}).await?;
        put_header(&mut headers, "Content-MD5", d.md5_base64());
    }
    let mut req = Req::new("AppendObject", "POST", &t.bucket, &t.region, &t.key);
    req.headers = headers;
    req.query = vec![("append".into(), String::new()), ("position".into(), position.to_string())];
    req.body = source.body(0, size);
    req.retry = Retry::Never;
    req.abort = abort;
    if let Some(r) = &reporter {
        req.progress = r.request_progress(0, size);
    }
    let resp = c.request(req).await?;
    if let Some(r) = &reporter {
        r.update(size, size);
        r.flush();
    }
    Ok(base_data(&resp))
}

/// `multipartInit`.
pub(crate) async fn multipart_init<H: Host>(
    c: &Client<H>,
    params: &Value,
    scope: Option<&[&'static str]>,
    abort: Option<&AbortScope>,
) -> Result<Value> {
    let t = params::target(params, true)?;
    let mut headers = params::headers(params)?;
    remove_header(&mut headers, "content-length");
    remove_header(&mut headers, "content-md5");
    default_content_type(c, &mut headers, None, &t.key);
    let mut req = Req::new("InitiateMultipartUpload", "POST", &t.bucket, &t.region, &t.key);
    req.headers = headers;
    req.query = params::query(params)?;
    req.query.push(("uploads".into(), String::new()));
    req.scope = scope;
    req.abort = abort;
    req.runs_to_completion = true;
    let resp = c.request(req).await?;
    let doc = parse_xml(&resp)?;
    let result = doc.get("InitiateMultipartUploadResult").cloned().unwrap_or_else(Value::obj);
    let upload_id = result.get("UploadId").and_then(Value::as_str).unwrap_or("");
    if upload_id.is_empty() {
        return Err(protocol_error(&resp, "no UploadId in the InitiateMultipartUpload response"));
    }
    let mut data = base_data(&resp);
    merge(&mut data, &result);
    Ok(data)
}

pub(crate) struct PartUpload<'a> {
    pub target: &'a Target,
    pub upload_id: &'a str,
    pub part_number: u32,
    pub body: Body,
    pub content_md5: Option<String>,
    /// Pass-through headers allowed on parts (traffic limit, SSE-C).
    pub headers: Vec<(String, String)>,
    pub progress: Option<ProgressFn>,
    pub scope: Option<&'a [&'static str]>,
    pub abort: Option<&'a AbortScope>,
    /// `Retry::Never` when an upload driver retries the part itself (one retry layer per request).
    pub retry: Retry,
}

/// One `UploadPart` request; returns the response (ETag in its headers).
pub(crate) async fn upload_part<H: Host>(c: &Client<H>, p: PartUpload<'_>) -> Result<HttpResponse> {
    let mut headers = p.headers;
    put_header(&mut headers, "Content-Length", p.body.len().to_string());
    if let Some(m) = p.content_md5 {
        put_header(&mut headers, "Content-MD5", m);
    }
    let mut req = Req::new("UploadPart", "PUT", &p.target.bucket, &p.target.region, &p.target.key);
    req.headers = headers;
    req.query = vec![
        ("partNumber".into(), p.part_number.to_string()),
        ("uploadId".into(), p.upload_id.to_string()),
    ];
    req.body = p.body;
    req.progress = p.progress;
    req.scope = p.scope;
    req.abort = p.abort;
    req.retry = p.retry;
    c.request(req).await
}

/// `multipartUpload`.
pub(crate) async fn multipart_upload<H: Host>(
    c: &Client<H>,
    params: &Value,
    source: &Source,
    reporter: Option<Rc<Reporter<H>>>,
    abort: Option<&AbortScope>,
) -> Result<Value> {
    let t = params::target(params, true)?;
    let upload_id = params::required_str(params, "UploadId")?;
    let part_number = params::required_uint(params, "PartNumber")?;
    if !(1..=10_000).contains(&part_number) {
        return Err(CosError::param("param PartNumber should be an integer from 1 to 10000"));
    }
    let mut headers = params::headers(params)?;
    let size = source.size();
    let given_md5 = get_header(&headers, "content-md5").map(str::to_string);
    remove_header(&mut headers, "content-md5");
    remove_header(&mut headers, "content-length");
    // Always CRC-checked; hashed before sending only when a Content-MD5 must be computed.
    let (md5_crc, md5) = if c.opts().upload_check_content_md5 && given_md5.is_none() {
        let d = source.digest(&*c.host, 0, size, |_| {}).await?;
        (Some(d.crc64), Some(d.md5_base64()))
    } else {
        (None, None)
    };
    let content_md5 = given_md5.or(md5);
    let progress = reporter.as_ref().and_then(|r| r.request_progress(0, size));
    let send = upload_part(
        c,
        PartUpload {
            target: &t,
            upload_id: &upload_id,
            part_number: part_number as u32,
            body: source.body(0, size),
            content_md5,
            headers,
            progress,
            scope: None,
            abort,
            retry: Retry::Idempotent,
        },
    );
    let (resp, crc) = send_with_crc64(&*c.host, source, 0, size, md5_crc, send).await?;
    let resp = resp?;
    check_crc64(&resp, crc, "the uploaded part")?;
    let etag = part_etag(&resp)?;
    if let Some(r) = &reporter {
        r.update(size, size);
        r.flush();
    }
    let mut data = base_data(&resp);
    data.set("ETag", etag.into());
    Ok(data)
}

/// Reads and checks the `Parts` param: `[{PartNumber, ETag}]`, strictly ascending part numbers.
pub(crate) fn parts_param(params: &Value) -> Result<Vec<(u32, String)>> {
    let list = match params.get("Parts") {
        Some(Value::Arr(items)) => items,
        None | Some(Value::Null) => return Err(CosError::missing("Parts")),
        Some(_) => return Err(CosError::param("param Parts should be an array of {PartNumber, ETag}")),
    };
    if list.is_empty() {
        return Err(CosError::param("param Parts should not be empty"));
    }
    let mut out: Vec<(u32, String)> = Vec::with_capacity(list.len());
    for item in list {
        let n = params::uint(item, "PartNumber")
            .ok()
            .flatten()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| CosError::param("param Parts[].PartNumber should be an integer from 1 to 10000"))?;
        let etag = item
            .get("ETag")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| CosError::param("param Parts[].ETag should be a non-empty string"))?;
        if let Some((prev, _)) = out.last() {
            if n as u32 <= *prev {
                return Err(CosError::param(
                    "param Parts should be sorted by PartNumber in ascending order, without duplicates",
                ));
            }
        }
        out.push((n as u32, etag.to_string()));
    }
    Ok(out)
}

/// How a request runs: its STS scope, the task's abort scope, and its retry rule.
#[derive(Clone, Copy)]
pub(crate) struct RunWithin<'a> {
    pub scope: Option<&'a [&'static str]>,
    pub abort: Option<&'a AbortScope>,
    pub retry: Retry,
}

/// `multipartComplete`. COS may answer 200 and still fail (the status line goes out before the
/// merge): a 200 whose body is `<Error>` or lacks an ETag is an error, never a success.
pub(crate) async fn multipart_complete<H: Host>(
    c: &Client<H>,
    target: &Target,
    upload_id: &str,
    parts: &[(u32, String)],
    extra_headers: Vec<(String, String)>,
    run: RunWithin<'_>,
) -> Result<(Value, HttpResponse)> {
    let body = xml::complete_multipart_body(parts);
    let mut headers = extra_headers;
    put_header(&mut headers, "Content-Type", "application/xml".into());
    put_header(&mut headers, "Content-MD5", base64(&Digests::of(body.as_bytes()).md5));
    put_header(&mut headers, "Content-Length", body.len().to_string());
    let mut req = Req::new("CompleteMultipartUpload", "POST", &target.bucket, &target.region, &target.key);
    req.headers = headers;
    req.query = vec![("uploadId".into(), upload_id.to_string())];
    req.body = Body::Bytes(body.into_bytes());
    req.scope = run.scope;
    req.abort = run.abort;
    req.retry = run.retry;
    let resp = c.request(req).await?;
    let text = core::str::from_utf8(&resp.body).unwrap_or("");
    let doc = xml::parse(text).map_err(|e| protocol_error(&resp, &e.message))?;
    if doc.get("Error").is_some() {
        let mut err = decode_error(resp.status, &resp.headers, &resp.body);
        err.kind = ErrorKind::Server;
        return Err(err.with_upload_id(upload_id));
    }
    let result = doc
        .get("CompleteMultipartUploadResult")
        .cloned()
        .ok_or_else(|| protocol_error(&resp, "no CompleteMultipartUploadResult in the response"))?;
    if result.get("ETag").and_then(Value::as_str).unwrap_or("").is_empty() {
        return Err(protocol_error(&resp, "CompleteMultipartUpload answered without an ETag"));
    }
    let mut data = base_data(&resp);
    merge(&mut data, &result);
    data.set("Location", c.location(&target.bucket, &target.region, &target.key).into());
    Ok((data, resp))
}

/// `multipartListPart`, `multipartComplete` and `multipartAbort` as called by users: one future for
/// the three (each names an upload by its target and UploadId, checked in that order first).
pub(crate) async fn upload_id_call<H: Host>(c: &Client<H>, method: &str, params: &Value, abort: Option<&AbortScope>) -> Result<Value> {
    let t = params::target(params, true)?;
    let upload_id = params::required_str(params, "UploadId")?;
    match method {
        "multipartListPart" => multipart_list_part(c, &t, &upload_id, params, None, abort).await,
        "multipartAbort" => multipart_abort_within(c, &t, &upload_id, abort).await,
        _ => {
            let parts = parts_param(params)?;
            let mut headers = params::headers(params)?;
            remove_header(&mut headers, "content-type");
            let run = RunWithin { scope: None, abort, retry: Retry::ServerErrors };
            Ok(multipart_complete(c, &t, &upload_id, &parts, headers, run).await?.0)
        }
    }
}

/// `multipartAbort` on behalf of a task or an upload that stopped: it runs even then.
pub(crate) async fn multipart_abort<H: Host>(c: &Client<H>, target: &Target, upload_id: &str) -> Result<Value> {
    multipart_abort_within(c, target, upload_id, None).await
}

/// `multipartAbort` within a call's abort scope.
async fn multipart_abort_within<H: Host>(c: &Client<H>, target: &Target, upload_id: &str, abort: Option<&AbortScope>) -> Result<Value> {
    let mut req = Req::new("AbortMultipartUpload", "DELETE", &target.bucket, &target.region, &target.key);
    req.query = vec![("uploadId".into(), upload_id.to_string())];
    req.abort = abort;
    let resp = c.request(req).await?;
    Ok(base_data(&resp))
}

/// Pages through the in-progress uploads of a bucket (under `prefix`), giving each page's `Upload`
/// list to `each`. At most [`MAX_UPLOAD_PAGES`] pages: a server that always answers "truncated"
/// cannot keep a call going forever.
pub(crate) async fn each_upload_page<H: Host>(
    c: &Client<H>,
    bucket: &str,
    region: &str,
    prefix: Option<&str>,
    scope: Option<&[&'static str]>,
    abort: Option<&AbortScope>,
    mut each: impl FnMut(Vec<&Value>),
) -> Result<()> {
    let mut page = Value::obj();
    page.set("Bucket", bucket.into());
    page.set("Region", region.into());
    if let Some(p) = prefix {
        page.set("Prefix", p.into());
    }
    for _ in 0..MAX_UPLOAD_PAGES {
        let list = multipart_list(c, &page, scope, abort).await?;
        each(list.get("Upload").map(Value::as_list).unwrap_or_default());
        if list.get("IsTruncated").and_then(Value::as_str) != Some("true") {
            break;
        }
        for (from, to) in [("NextKeyMarker", "KeyMarker"), ("NextUploadIdMarker", "UploadIdMarker")] {
            if let Some(v) = list.get(from).and_then(Value::as_str) {
                page.set(to, v.into());
            }
        }
    }
    Ok(())
}

/// Pages of in-progress uploads read by one call (1,000 uploads a page).
pub(crate) const MAX_UPLOAD_PAGES: usize = 20;

/// `abortUploadTask`: aborts one upload (`Level: 'task'`, with Key and UploadId), every upload of
/// a key (`'file'`) or of the whole bucket (`'bucket'`). Resolves with `{successList, errorList}`
/// of `{Bucket, Region, Key, UploadId}`: one upload that cannot be aborted does not stop the rest.
pub(crate) async fn abort_upload_task<H: Host>(c: &Client<H>, params: &Value, abort: Option<&AbortScope>) -> Result<Value> {
    let (bucket, region) = params::bucket_region(params, true)?;
    let level = params::opt_str(params, "Level")?.unwrap_or_else(|| "task".into());
    // Validated as every object key is; a bucket-level abort may still name one (then only its own go).
    let key = match params.get("Key") {
        None | Some(Value::Null) => None,
        Some(Value::Str(k)) if k.is_empty() => None,
        Some(_) => Some(params::key(params)?),
    };
    let targets: Vec<(String, String)> = match level.as_str() {
        "task" => {
            let key = key.ok_or_else(|| CosError::missing("Key"))?;
            let upload_id = params::required_str(params, "UploadId")?;
            vec![(key, upload_id)]
        }
        "file" | "bucket" => {
            if level == "file" && key.is_none() {
                return Err(CosError::missing("Key"));
            }
            let mut out = Vec::new();
            // A prefix listing also finds longer keys: a named key aborts its own uploads only.
            each_upload_page(c, &bucket, &region, key.as_deref(), None, abort, |uploads| {
                for u in uploads {
                    let k = u.get("Key").and_then(Value::as_str).unwrap_or("");
                    let id = u.get("UploadId").and_then(Value::as_str).unwrap_or("");
                    if !id.is_empty() && key.as_deref().is_none_or(|want| want == k) {
                        out.push((k.to_string(), id.to_string()));
                    }
                }
            })
            .await?;
            out
        }
        _ => return Err(CosError::param("param Level should be 'task', 'file' or 'bucket'")),
    };
    let (mut succeeded, mut failed) = (Vec::new(), Vec::new());
    for (key, upload_id) in targets {
        let t = Target { bucket: bucket.clone(), region: region.clone(), key: key.clone() };
        let ok = match multipart_abort_within(c, &t, &upload_id, abort).await {
            Ok(_) => true,
            // Canceled: the call stops here, not with the rest reported as failed.
            Err(e) if abort.is_some_and(|a| a.stopped().is_some()) => return Err(e),
            Err(_) => false,
        };
        let mut item = Value::obj();
        item.set("Bucket", bucket.as_str().into());
        item.set("Region", region.as_str().into());
        item.set("Key", key.into());
        item.set("UploadId", upload_id.into());
        if ok { succeeded.push(item) } else { failed.push(item) }
    }
    let mut data = Value::obj();
    data.set("successList", Value::Arr(succeeded));
    data.set("errorList", Value::Arr(failed));
    Ok(data)
}

/// `multipartListPart`: one page; `Part` is always an array.
pub(crate) async fn multipart_list_part<H: Host>(
    c: &Client<H>,
    target: &Target,
    upload_id: &str,
    params: &Value,
    scope: Option<&[&'static str]>,
    abort: Option<&AbortScope>,
) -> Result<Value> {
    let mut req = Req::new("ListParts", "GET", &target.bucket, &target.region, &target.key);
    req.query = vec![("uploadId".into(), upload_id.to_string())];
    for (p, q) in [("MaxParts", "max-parts"), ("PartNumberMarker", "part-number-marker")] {
        if let Some(n) = params::uint(params, p)? {
            req.query.push((q.into(), n.to_string()));
        }
    }
    if let Some(e) = params::opt_str(params, "EncodingType")? {
        req.query.push(("encoding-type".into(), e));
    }
    req.scope = scope;
    req.abort = abort;
    let resp = c.request(req).await?;
    let doc = parse_xml(&resp)?;
    let mut result = doc.get("ListPartsResult").cloned().unwrap_or_else(Value::obj);
    normalise_list(&mut result, "Part");
    let mut data = base_data(&resp);
    merge(&mut data, &result);
    Ok(data)
}

/// `multipartList`: one page of in-progress uploads; `Upload` and `CommonPrefixes` are arrays (as
/// cos-wx-sdk-v5 gives both; the browser and Node SDKs leave one prefix as an object, none as
/// absent). Names asked for with `EncodingType: 'url'` stay encoded, as in every official SDK.
pub(crate) async fn multipart_list<H: Host>(
    c: &Client<H>,
    params: &Value,
    scope: Option<&[&'static str]>,
    abort: Option<&AbortScope>,
) -> Result<Value> {
    let (bucket, region) = params::bucket_region(params, true)?;
    let mut req = Req::new("ListMultipartUploads", "GET", &bucket, &region, "");
    let prefix = params::opt_str(params, "Prefix")?.unwrap_or_default();
    req.query = vec![("uploads".into(), String::new()), ("prefix".into(), prefix)];
    for (p, q) in [("Delimiter", "delimiter"), ("KeyMarker", "key-marker"), ("UploadIdMarker", "upload-id-marker")] {
        if let Some(v) = params::opt_str(params, p)? {
            req.query.push((q.into(), v));
        }
    }
    if let Some(n) = params::uint(params, "MaxUploads")? {
        if !(1..=1000).contains(&n) {
            return Err(CosError::param("param MaxUploads should be an integer from 1 to 1000"));
        }
        req.query.push(("max-uploads".into(), n.to_string()));
    }
    if let Some(e) = params::opt_str(params, "EncodingType")? {
        req.query.push(("encoding-type".into(), e));
    }
    req.scope = scope;
    req.abort = abort;
    let resp = c.request(req).await?;
    let doc = parse_xml(&resp)?;
    let mut result = doc.get("ListMultipartUploadsResult").cloned().unwrap_or_else(Value::obj);
    normalise_list(&mut result, "Upload");
    normalise_list(&mut result, "CommonPrefixes");
    // Older documents spell it UploadID.
    if let Some(Value::Arr(items)) = result.get("Upload").cloned() {
        let items = items
            .into_iter()
            .map(|mut it| {
                if it.get("UploadId").is_none() {
                    if let Some(v) = it.remove("UploadID") {
                        it.set("UploadId", v);
                    }
                }
                it
            })
            .collect();
        result.set("Upload", Value::Arr(items));
    }
    let mut data = base_data(&resp);
    merge(&mut data, &result);
    Ok(data)
}

fn normalise_list(v: &mut Value, name: &str) {
    let list = match v.get(name) {
        None => Vec::new(),
        Some(Value::Str(s)) if s.is_empty() => Vec::new(),
        Some(other) => other.as_list().into_iter().cloned().collect(),
    };
    v.set(name, Value::Arr(list));
}

fn merge(data: &mut Value, result: &Value) {
    for (k, v) in result.entries() {
        data.set(k, v.clone());
    }
}

pub(crate) fn parse_xml(resp: &HttpResponse) -> Result<Value> {
    let text = core::str::from_utf8(&resp.body).map_err(|_| protocol_error(resp, "response is not UTF-8"))?;
    xml::parse(text).map_err(|e| protocol_error(resp, &e.message))
}

pub(crate) fn protocol_error(resp: &HttpResponse, what: &str) -> CosError {
    let mut m = String::from("unexpected response from COS: ");
    m.push_str(what);
    let mut e = CosError::protocol(m);
    e.status_code = Some(resp.status);
    e.headers = resp.headers.clone();
    e.request_id = resp.header("x-cos-request-id").map(str::to_string);
    e
}

/// `postObject`: a browser-form upload (`multipart/form-data`) signed with a policy built here.
pub(crate) async fn post_object<H: Host>(c: &Client<H>, params: &Value, source: &Source, reporter: Option<Rc<Reporter<H>>>, abort: Option<&AbortScope>) -> Result<Value> {
    let t = params::target(params, true)?;
    let mut headers = params::headers(params)?;
    default_content_type(c, &mut headers, Some(source), &t.key);
    let size = source.size();
    if c.opts().upload_check_content_md5 && get_header(&headers, "content-md5").is_none() {
        let d = source.digest(&*c.host, 0, size, |_| {}).await?;
        put_header(&mut headers, "Content-MD5", d.md5_base64());
    }
    let fields = crate::presign::post_form_fields(c, &t, &headers).await?;
    let file_name = source
        .info
        .name
        .as_deref()
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
        .unwrap_or_else(|| t.key.rsplit('/').next().unwrap_or("file").to_string());
    let mut req = Req::new("PostObject", "POST", &t.bucket, &t.region, "");
    req.body = Body::Form { fields, file: Box::new(source.body(0, size)), file_name };
    req.retry = Retry::ServerErrors;
    // POST Object carries its signature in the form; the Authorization header is not used.
    req.unsigned = true;
    req.abort = abort;
    if let Some(r) = &reporter {
        req.progress = r.request_progress(0, size);
    }
    let resp = c.request(req).await?;
    if let Some(r) = &reporter {
        r.update(size, size);
        r.flush();
    }
    let mut data = base_data(&resp);
    data.set("Location", c.location(&t.bucket, &t.region, &t.key).into());
    data.set("ETag", etag_of(&resp).into());
    Ok(data)
}

/// `selectObjectContent`: `POST ?select&select-type=N` with the `SelectRequest` as XML. The answer
/// (COS's event stream) is decoded and CRC-checked whole (`select::read_answer`); `data` is
/// `{statusCode, headers, RequestId, Stats?, Payload}` with the records as the host's bytes value
/// (a Buffer in Node, text elsewhere). Each `Progress` event goes to `onProgress` as sent.
#[cfg(feature = "select")]
pub(crate) async fn select_object_content<H: Host>(c: &Client<H>, params: &Value, on_progress: Option<u32>, abort: Option<&AbortScope>) -> Result<Value> {
    let t = params::target(params, true)?;
    let select_type = match params.get("SelectType") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Err(CosError::missing("SelectType")),
        Some(Value::Num(n)) if *n == 0.0 => return Err(CosError::missing("SelectType")),
        Some(Value::Str(s)) if s.is_empty() => return Err(CosError::missing("SelectType")),
        Some(v) => v.to_param_string().ok_or_else(|| CosError::param("param SelectType should be a number"))?,
    };
    let request = match params.get("SelectRequest") {
        None | Some(Value::Null) => Value::obj(),
        Some(v @ Value::Obj(_)) => v.clone(),
        Some(_) => return Err(CosError::param("param SelectRequest should be an object")),
    };
    let body = crate::select::request_body(&request);
    let mut headers = params::headers(params)?;
    put_header(&mut headers, "Content-Type", "application/xml".into());
    put_header(&mut headers, "Content-MD5", base64(&Digests::of(body.as_bytes()).md5));
    put_header(&mut headers, "Content-Length", body.len().to_string());
    // The STS action the official SDKs ask for: a select reads the object.
    let mut req = Req::new("GetObject", "POST", &t.bucket, &t.region, &t.key);
    req.headers = headers;
    req.query = vec![("select".into(), String::new()), ("select-type".into(), select_type)];
    if let Some(v) = params::opt_str(params, "VersionId")? {
        req.query.push(("versionId".into(), v));
    }
    req.body = Body::Bytes(body.into_bytes());
    // Reading only: sending it again is harmless.
    req.retry = Retry::Idempotent;
    req.abort = abort;
    let resp = c.request(req).await?;
    if resp.status == 204 {
        return Ok(Value::Obj(vec![("statusCode".into(), Value::Num(204.0))]));
    }
    let answer = crate::select::read_answer(&resp.body).map_err(|mut e| {
        e.status_code = Some(resp.status);
        e.headers = resp.headers.clone();
        e.request_id = resp.header("x-cos-request-id").map(str::to_string);
        e
    })?;
    if let Some(f) = on_progress {
        for p in answer.progress {
            c.host.invoke(f, vec![Arg::Val(p)]);
        }
    }
    let mut data = base_data(&resp);
    if let Some(stats) = answer.stats {
        data.set("Stats", stats);
    }
    let payload = c
        .host
        .bytes_value(&answer.records)
        .unwrap_or_else(|| Value::Str(crate::text::utf8_lossy(&answer.records).into_owned()));
    data.set("Payload", payload);
    Ok(data)
}
