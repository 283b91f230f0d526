//! `sliceUploadFile`: resumable multipart upload of one body, memory bounded by parts in flight.
//!
//! Order of business: plan parts → find an upload to resume (in-memory state after a pause, then the
//! checkpoint record, then `multipartList`), reusing a server part only when its size and ETag match
//! the local part's MD5 → initiate if nothing matched → upload missing parts with bounded concurrency
//! and per-part retries → complete → check the whole-object CRC64 combined from the part CRCs.
//! Failure keeps the checkpoint so a later call resumes; cancel aborts the upload on the server.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::checkpoint::{self, Fingerprint, Record, ServerPart};
use crate::client::{AbortScope, Client, Retry};
use crate::crc64;
use crate::error::{CosError, ErrorKind, Result};
use crate::host::{Arg, Host};
use crate::ops::{self, hash_progress, PartUpload, Reporter};
use crate::params::{self, get_header, Target};
use crate::plan::PartPlan;
use crate::source::{Digests, Source};
use crate::value::Value;

/// Storage key of the checkpoint list.
pub const CHECKPOINT_KEY: &str = checkpoint::STORAGE_KEY;

/// STS scope asked for once per upload, so `getAuthorization` with `ScopeLimit` is not called per part.
pub const MULTIPART_SCOPE: &[&str] = &[
    "InitiateMultipartUpload",
    "ListMultipartUploads",
    "ListParts",
    "UploadPart",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
];

/// What a task remembers between runs (pause → restart) in this process.
#[derive(Clone, Debug, Default)]
pub struct UploadState {
    pub upload_id: String,
    pub part_size: u64,
    /// part number → (etag, crc64, len) of parts known to be on the server.
    pub done: Vec<(u32, String, u64, u64)>,
}

/// A part on the server: its ETag, CRC-64 and length.
type PartDone = (String, u64, u64);

/// Per-call context shared with the queue: cancellation, progress, and resumable state.
pub struct UploadCtx<H: Host> {
    pub abort: Rc<AbortScope>,
    pub reporter: Rc<Reporter<H>>,
    pub on_hash: Option<u32>,
    pub state: Rc<RefCell<Option<UploadState>>>,
    /// Called with (loaded, total) for the task list, never decreasing.
    pub on_loaded: Option<Rc<dyn Fn(u64, u64)>>,
    pub on_hash_loaded: Option<Rc<dyn Fn(u64, u64)>>,
}

impl<H: Host> UploadCtx<H> {
    fn report(&self, loaded: u64, total: u64) {
        self.reporter.update(loaded, total);
        if let Some(f) = &self.on_loaded {
            f(loaded, total);
        }
    }

    fn report_hash(&self, host: &H, done: u64, total: u64) {
        if let Some(f) = self.on_hash {
            host.invoke(f, vec![Arg::Val(hash_progress(done, total))]);
        }
        if let Some(f) = &self.on_hash_loaded {
            f(done, total);
        }
    }
}

fn requested_part_size(params: &Value, default: u64) -> Result<u64> {
    Ok(params::uint(params, "ChunkSize")?
        .or(params::uint(params, "SliceSize")?)
        .unwrap_or(default))
}

pub fn fingerprint(source: &Source) -> Option<Fingerprint> {
    if !source.info.persistent {
        return None;
    }
    Some(Fingerprint {
        name: source.info.name.clone().unwrap_or_default(),
        size: source.size(),
        last_modified_ms: source.info.last_modified_ms,
    })
}

fn load_checkpoints<H: Host>(host: &H) -> Vec<Record> {
    let now_s = (host.now_ms() / 1000.0) as u64;
    host.storage_get(CHECKPOINT_KEY)
        .map(|s| checkpoint::decode_list(&s, now_s))
        .unwrap_or_default()
}

fn save_checkpoints<H: Host>(host: &H, list: &[Record]) {
    host.storage_set(CHECKPOINT_KEY, &checkpoint::encode_list(list));
}

/// Lists every part of an upload (all pages).
async fn list_all_parts<H: Host>(c: &Client<H>, t: &Target, upload_id: &str, abort: &AbortScope) -> Result<Vec<ServerPart>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut p = Value::obj();
        if let Some(m) = &marker {
            p.set("PartNumberMarker", Value::Str(m.clone()));
        }
        let page = ops::multipart_list_part(c, t, upload_id, &p, Some(MULTIPART_SCOPE), Some(abort)).await?;
        for part in page.get("Part").map(Value::as_list).unwrap_or_default() {
            let n = part.get("PartNumber").and_then(Value::as_str).and_then(|s| s.parse().ok());
            let size = part.get("Size").and_then(Value::as_str).and_then(|s| s.parse().ok());
            let etag = part.get("ETag").and_then(Value::as_str).unwrap_or("");
            if let (Some(part_number), Some(size)) = (n, size) {
                out.push(ServerPart { part_number, size, etag: etag.to_string() });
            }
        }
        let truncated = page.get("IsTruncated").and_then(Value::as_str) == Some("true");
        let next = page.get("NextPartNumberMarker").and_then(Value::as_str).map(str::to_string);
        match (truncated, next) {
            (true, Some(n)) if marker.as_deref() != Some(n.as_str()) => marker = Some(n),
            _ => break,
        }
    }
    Ok(out)
}

/// Hashes the local parts the server claims to have; keeps those whose ETag is their MD5.
async fn verify_parts<H: Host>(
    c: &Client<H>,
    source: &Source,
    plan: &PartPlan,
    server: &[ServerPart],
    ctx: &UploadCtx<H>,
) -> Result<Vec<(u32, String, u64, u64)>> {
    let resume = checkpoint::plan_resume(plan, server);
    let candidates: Vec<(u32, String)> = resume.candidates();
    let total: u64 = candidates.iter().map(|(n, _)| plan.part_len(*n)).sum();
    let mut hashed = 0u64;
    let mut ok = Vec::new();
    for (n, etag) in candidates {
        ctx.abort.check()?;
        let (start, end) = plan.range(n);
        let base = hashed;
        let d = source
            .digest(&*c.host, start, end, |done| ctx.report_hash(&c.host, base + done, total))
            .await?;
        hashed += end - start;
        if checkpoint::etag_matches(&etag, &d.md5_hex()) {
            ok.push((n, etag, d.crc64, end - start));
        }
    }
    Ok(ok)
}

/// Finds an upload to resume: in-memory state, then checkpoint records, then `multipartList`.
async fn find_resumable<H: Host>(
    c: &Client<H>,
    t: &Target,
    source: &Source,
    plan: &PartPlan,
    file_id: Option<&str>,
    storage_class: Option<&str>,
    ctx: &UploadCtx<H>,
) -> Result<Option<UploadState>> {
    let in_memory = ctx.state.borrow().clone();
    if let Some(st) = in_memory {
        if st.part_size == plan.part_size {
            // Parts uploaded by this task in this process: their ETags came from COS itself.
            return Ok(Some(st));
        }
    }
    let mut candidates: Vec<String> = Vec::new();
    if let Some(fid) = file_id {
        let list = load_checkpoints(&*c.host);
        for r in checkpoint::find(&list, fid) {
            if r.part_size == plan.part_size && r.file_size == plan.file_size {
                candidates.push(r.upload_id.clone());
            }
        }
    }
    let from_checkpoint = candidates.len();
    if candidates.is_empty() && c.opts().resume_from_list && file_id.is_some() {
        ops::each_upload_page(c, &t.bucket, &t.region, Some(&t.key), Some(MULTIPART_SCOPE), Some(&ctx.abort), |page| {
            let mut uploads: Vec<(String, String)> = Vec::new();
            for u in page {
                let key = u.get("Key").and_then(Value::as_str).unwrap_or("");
                let class = u.get("StorageClass").and_then(Value::as_str).unwrap_or("");
                let id = u.get("UploadId").and_then(Value::as_str).unwrap_or("");
                let initiated = u.get("Initiated").and_then(Value::as_str).unwrap_or("");
                let class_ok = storage_class.is_none_or(|sc| sc.eq_ignore_ascii_case(class));
                if key == t.key && !id.is_empty() && class_ok {
                    uploads.push((initiated.to_string(), id.to_string()));
                }
            }
            crate::sort::sort_small(&mut uploads, |a, b| a < b);
            candidates.extend(uploads.into_iter().rev().map(|(_, id)| id));
        })
        .await?;
    }
    for (i, upload_id) in candidates.into_iter().enumerate() {
        if c.in_use(&upload_id) {
            continue;
        }
        let parts = match list_all_parts(c, t, &upload_id, &ctx.abort).await {
            Ok(p) => p,
            Err(e) if e.code == "NoSuchUpload" => {
                if let Some(fid) = file_id {
                    let mut list = load_checkpoints(&*c.host);
                    checkpoint::remove(&mut list, fid, &upload_id);
                    save_checkpoints(&*c.host, &list);
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        if !checkpoint::usable_upload(plan, &parts) {
            continue;
        }
        let verified = verify_parts(c, source, plan, &parts, ctx).await?;
        // A listed upload (not ours for sure) is adopted only if every part it has is ours.
        if i >= from_checkpoint && verified.len() != parts.len() {
            continue;
        }
        return Ok(Some(UploadState { upload_id, part_size: plan.part_size, done: verified }));
    }
    Ok(None)
}

/// `sliceUploadFile` for an opened source.
pub async fn slice_upload<H: Host>(c: &Rc<Client<H>>, params: &Value, source: &Source, ctx: &UploadCtx<H>) -> Result<Value> {
    let t = params::target(params, true)?;
    // Everything the upload will read from params is checked before Initiate: a bad value found
    // later would leave an upload behind.
    params::uint(params, "AsyncLimit")?;
    let size = source.size();
    let requested = requested_part_size(params, c.opts().chunk_size)?;
    let plan = PartPlan::new(size, Some(requested), c.opts().max_part_number).map_err(|e| CosError::param(e.to_string()))?;
    if size == 0 {
        let data = ops::put_object(c, params, source, Some(ctx.reporter.clone()), ctx.on_hash, Some(&ctx.abort)).await?;
        ctx.report(0, 0);
        return Ok(data);
    }
    let mut init_headers = params::headers(params)?;
    let file_id = fingerprint(source).map(|fp| checkpoint::file_id(&t.bucket, &t.region, &t.key, &fp, plan.part_size));
    let source_id = fingerprint(source).map(|fp| checkpoint::source_id(&t.bucket, &t.region, &t.key, &fp.name));
    let storage_class = get_header(&init_headers, "x-cos-storage-class").map(str::to_string);
    ctx.report(0, size);
    ctx.reporter.flush();

    let found = find_resumable(c, &t, source, &plan, file_id.as_deref(), storage_class.as_deref(), ctx)
        .await
        .map_err(CosError::with_empty_upload_id)?;
    let state = match found {
        Some(s) => s,
        None => {
            ctx.abort.check()?;
            if c.opts().upload_add_meta_md5 || params::opt_bool(params, "UploadAddMetaMd5").unwrap_or(false) {
                let d = source.digest(&*c.host, 0, size, |done| ctx.report_hash(&c.host, done, size)).await?;
                params::put_header(&mut init_headers, "x-cos-meta-md5", d.md5_hex());
            }
            let mut init_params = params.clone();
            init_params.set(
                "Headers",
                Value::Obj(init_headers.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))).collect()),
            );
            if get_header(&init_headers, "content-type").is_none() {
                if let Some(ct) = source.info.content_type.as_deref().filter(|s| !s.is_empty()) {
                    init_params.set("ContentType", ct.into());
                }
            }
            let data = ops::multipart_init(c, &init_params, Some(MULTIPART_SCOPE), Some(&ctx.abort))
                .await
                .map_err(CosError::with_empty_upload_id)?;
            let upload_id = data.get("UploadId").and_then(Value::as_str).unwrap_or("").to_string();
            // Canceled while Initiate was on its way: the upload exists now, and nobody else knows
            // its UploadId, so it is aborted here rather than left billed.
            if let Err(e) = ctx.abort.check() {
                if e.kind == ErrorKind::Canceled && !params::opt_bool(params, "KeepUploadOnCancel").unwrap_or(false) {
                    let _ = ops::multipart_abort(c, &t, &upload_id).await;
                    return Err(e);
                }
            }
            UploadState { upload_id, part_size: plan.part_size, done: Vec::new() }
        }
    };
    let upload_id = state.upload_id.clone();
    *ctx.state.borrow_mut() = Some(state.clone());
    c.mark_in_use(&upload_id, true);
    if let (Some(src), Some(fid)) = (&source_id, &file_id) {
        abort_stale_uploads(c, &t, src, fid, &upload_id).await;
    }
    if let Some(fid) = &file_id {
        let mut list = load_checkpoints(&*c.host);
        checkpoint::upsert(
            &mut list,
            Record {
                file_id: fid.clone(),
                upload_id: upload_id.clone(),
                bucket: t.bucket.clone(),
                region: t.region.clone(),
                key: t.key.clone(),
                part_size: plan.part_size,
                file_size: size,
                saved_at_s: (c.host.now_ms() / 1000.0) as u64,
                source_id: source_id.clone().unwrap_or_default(),
            },
            c.opts().upload_id_cache_limit,
        );
        save_checkpoints(&*c.host, &list);
    }
    let result = upload_parts_and_complete(c, params, &t, source, &plan, state, ctx).await;
    c.mark_in_use(&upload_id, false);
    match result {
        Ok(data) => {
            if let Some(fid) = &file_id {
                let mut list = load_checkpoints(&*c.host);
                checkpoint::remove(&mut list, fid, &upload_id);
                save_checkpoints(&*c.host, &list);
            }
            *ctx.state.borrow_mut() = None;
            Ok(data)
        }
        Err(e) => Err(e.with_upload_id(&upload_id)),
    }
}

/// Aborts the uploads this SDK started for an older version of the file (it changed since: another
/// size or time), so a changed file leaves none of its own uploads behind. Failures are ignored:
/// the upload may be gone already, and the current upload must not fail for it.
async fn abort_stale_uploads<H: Host>(c: &Client<H>, t: &Target, source_id: &str, file_id: &str, current: &str) {
    let stale: Vec<Record> = checkpoint::stale(&load_checkpoints(&*c.host), source_id, file_id)
        .into_iter()
        .filter(|r| r.upload_id != current && r.bucket == t.bucket && r.region == t.region && r.key == t.key && !c.in_use(&r.upload_id))
        .cloned()
        .collect();
    for r in stale {
        let _ = ops::multipart_abort(c, t, &r.upload_id).await;
        let mut list = load_checkpoints(&*c.host);
        checkpoint::remove(&mut list, &r.file_id, &r.upload_id);
        save_checkpoints(&*c.host, &list);
    }
}

async fn upload_parts_and_complete<H: Host>(
    c: &Rc<Client<H>>,
    params: &Value,
    t: &Target,
    source: &Source,
    plan: &PartPlan,
    state: UploadState,
    ctx: &UploadCtx<H>,
) -> Result<Value> {
    let upload_id = state.upload_id.clone();
    let size = plan.file_size;
    // part number → (etag, crc, len), filled as parts finish.
    let done: Rc<RefCell<Vec<Option<PartDone>>>> =
        Rc::new(RefCell::new(vec![None; plan.part_count as usize + 1]));
    let mut done_bytes = 0u64;
    for (n, etag, crc, len) in &state.done {
        if (*n as usize) < done.borrow().len() {
            done.borrow_mut()[*n as usize] = Some((etag.clone(), *crc, *len));
            done_bytes += len;
        }
    }
    let finished = Rc::new(Cell::new(done_bytes));
    // Bytes of parts in flight, by part number; progress = finished + in flight, never decreasing.
    let in_flight: Rc<RefCell<Vec<(u32, u64)>>> = Rc::new(RefCell::new(Vec::new()));
    let high_water = Rc::new(Cell::new(done_bytes));
    let report: Rc<dyn Fn()> = {
        let (finished, in_flight, high_water) = (finished.clone(), in_flight.clone(), high_water.clone());
        let reporter = ctx.reporter.clone();
        let on_loaded = ctx.on_loaded.clone();
        Rc::new(move || {
            let now = finished.get() + in_flight.borrow().iter().map(|(_, b)| *b).sum::<u64>();
            let v = now.max(high_water.get()).min(size);
            high_water.set(v);
            reporter.update(v, size);
            if let Some(f) = &on_loaded {
                f(v, size);
            }
        })
    };
    report();
    let pass_headers: Vec<(String, String)> = params::headers(params)?
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k == "x-cos-traffic-limit" || k.starts_with("x-cos-server-side-encryption-customer")
        })
        .collect();
    let limit = params::uint(params, "AsyncLimit")?
        .map(|n| n.clamp(1, 256) as usize)
        .unwrap_or(c.opts().chunk_parallel_limit);
    let todo: Vec<u32> = (1..=plan.part_count).filter(|n| done.borrow()[*n as usize].is_none()).collect();
    let mut queue = todo.into_iter();
    let mut running = FuturesUnordered::new();
    let mut first_error: Option<CosError> = None;
    loop {
        while first_error.is_none() && running.len() < limit {
            let Some(n) = queue.next() else { break };
            let fut = upload_one_part(
                c.clone(),
                t,
                &upload_id,
                source,
                plan,
                n,
                pass_headers.clone(),
                ctx,
                in_flight.clone(),
                report.clone(),
            );
            running.push(fut);
        }
        match running.next().await {
            None => break,
            Some(Ok((n, etag, crc, len))) => {
                done.borrow_mut()[n as usize] = Some((etag.clone(), crc, len));
                finished.set(finished.get() + len);
                in_flight.borrow_mut().retain(|(p, _)| *p != n);
                if let Some(st) = ctx.state.borrow_mut().as_mut() {
                    st.done.push((n, etag, crc, len));
                }
                report();
            }
            Some(Err(e)) => {
                if first_error.is_none() {
                    // Stop the others: a failed upload is resumed later from the checkpoint.
                    first_error = Some(e);
                }
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    ctx.abort.check()?;
    let parts: Vec<(u32, String)> = done
        .borrow()
        .iter()
        .enumerate()
        .skip(1)
        .map(|(n, p)| (n as u32, p.as_ref().map(|x| x.0.clone()).unwrap_or_default()))
        .collect();
    let mut complete_headers: Vec<(String, String)> = params::headers(params)?
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k.starts_with("x-cos-meta-") || k == "pic-operations" || k.starts_with("x-cos-callback") || k == "x-cos-return-body" || k == "x-cos-forbid-overwrite"
        })
        .collect();
    complete_headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-cos-meta-md5"));
    // From here the object may be stored at any moment: pause and cancel are refused until Complete
    // answers, so a stored object is never reported as a failure or a cancellation.
    ctx.abort.check()?;
    let (mut data, resp) = complete_with_retries(c, t, &upload_id, &parts, &complete_headers, MULTIPART_SCOPE, &ctx.abort).await?;
    // Whole-object CRC64, combined from what we sent; COS computes it from what it stored.
    let combined = done
        .borrow()
        .iter()
        .skip(1)
        .flatten()
        .fold(None, |acc: Option<u64>, (_, crc, len)| Some(match acc {
            None => *crc,
            Some(a) => crc64::combine(a, *crc, *len),
        }))
        .unwrap_or(0);
    ops::check_crc64(&resp, combined, "the completed object")?;
    data.set("UploadId", upload_id.as_str().into());
    data.set("Bucket", t.bucket.as_str().into());
    data.set("Key", t.key.as_str().into());
    ctx.report(size, size);
    ctx.reporter.flush();
    Ok(data)
}

/// Complete of a driver's upload, retried by this loop only (it also retries a 200 that carries an
/// error). Pause and cancel are refused meanwhile: the object may be stored at any moment, and a
/// stored object is never reported as a failure or a cancellation.
async fn complete_with_retries<H: Host>(
    c: &Client<H>,
    t: &Target,
    upload_id: &str,
    parts: &[(u32, String)],
    headers: &[(String, String)],
    scope: &'static [&'static str],
    abort: &AbortScope,
) -> Result<(Value, crate::host::HttpResponse)> {
    abort.set_committing(true);
    let started = c.host.now_ms();
    let mut attempts = 0;
    let completed = loop {
        let run = ops::RunWithin { scope: Some(scope), abort: Some(abort), retry: Retry::Never };
        match ops::multipart_complete(c, t, upload_id, parts, attempt_headers(headers, attempts), run).await {
            Ok(r) => break Ok(r),
            Err(e) => {
                attempts += 1;
                let elapsed = c.host.now_ms() - started;
                match c.part_retry_policy().delay_after(attempts, elapsed, c.host.random()) {
                    Some(ms) if retryable_part_error(&e) => c.host.sleep(ms).await,
                    _ => break Err(e.with_attempts(attempts, elapsed)),
                }
            }
        }
    };
    abort.set_committing(false);
    completed
}

/// A driver's request headers for its attempt number `attempts` (0 = the first): retries say so,
/// as the client's own retries do.
fn attempt_headers(headers: &[(String, String)], attempts: u32) -> Vec<(String, String)> {
    let mut h = headers.to_vec();
    if attempts > 0 {
        params::put_header(&mut h, "x-cos-sdk-retry", "true".into());
    }
    h
}

fn retryable_part_error(e: &CosError) -> bool {
    match e.kind {
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Integrity => true,
        ErrorKind::Server => e.status_code.is_none_or(|s| s >= 500) || e.code == "InternalError",
        ErrorKind::Protocol => true,
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
async fn upload_one_part<H: Host>(
    c: Rc<Client<H>>,
    t: &Target,
    upload_id: &str,
    source: &Source,
    plan: &PartPlan,
    n: u32,
    headers: Vec<(String, String)>,
    ctx: &UploadCtx<H>,
    in_flight: Rc<RefCell<Vec<(u32, u64)>>>,
    report: Rc<dyn Fn()>,
) -> Result<(u32, String, u64, u64)> {
    let (start, end) = plan.range(n);
    let len = end - start;
    // This loop is the part's only retry layer (its requests go out with `Retry::Never`): it
    // retries what the client would, and what only it can check (CRC-64, a missing ETag).
    let started = c.host.now_ms();
    let mut attempts = 0u32;
    loop {
        ctx.abort.check()?;
        // With Content-MD5 the part is hashed before it is sent; otherwise its CRC64 (compared with
        // the answer's) is computed while the host streams the range itself.
        let (md5_crc, content_md5) = if c.opts().upload_check_content_md5 {
            let d: Digests = source.digest(&*c.host, start, end, |_| {}).await?;
            (Some(d.crc64), Some(d.md5_base64()))
        } else {
            (None, None)
        };
        let progress: Rc<dyn Fn(u64)> = {
            let in_flight = in_flight.clone();
            let report = report.clone();
            Rc::new(move |sent: u64| {
                {
                    let mut f = in_flight.borrow_mut();
                    match f.iter_mut().find(|(p, _)| *p == n) {
                        Some(slot) => slot.1 = sent.min(len),
                        None => f.push((n, sent.min(len))),
                    }
                }
                report();
            })
        };
        let send = ops::upload_part(
            &c,
            PartUpload {
                target: t,
                upload_id,
                part_number: n,
                body: source.body(start, end),
                content_md5,
                headers: attempt_headers(&headers, attempts),
                progress: Some(progress),
                scope: Some(MULTIPART_SCOPE),
                abort: Some(&ctx.abort),
                retry: Retry::Never,
            },
        );
        let (r, crc) = ops::send_with_crc64(&*c.host, source, start, end, md5_crc, send).await?;
        let r = r.and_then(|resp| {
            ops::check_crc64(&resp, crc, "a part")?;
            ops::part_etag(&resp)
        });
        match r {
            Ok(etag) => return Ok((n, etag, crc, len)),
            Err(e) => {
                in_flight.borrow_mut().retain(|(p, _)| *p != n);
                attempts += 1;
                let elapsed = c.host.now_ms() - started;
                match c.part_retry_policy().delay_after(attempts, elapsed, c.host.random()) {
                    Some(ms) if retryable_part_error(&e) => c.host.sleep(ms).await,
                    _ => return Err(e.with_attempts(attempts, elapsed)),
                }
            }
        }
    }
}

/// STS scope asked for once per multipart copy (part copies are `PutObject` requests).
pub const COPY_SCOPE: &[&str] = &["InitiateMultipartUpload", "ListParts", "PutObject", "CompleteMultipartUpload", "AbortMultipartUpload"];

/// Headers of the call that every part copy carries: the source's conditions and SSE-C key, the
/// destination's SSE-C key, the traffic limit.
fn part_copy_headers(given: &[(String, String)]) -> Vec<(String, String)> {
    given
        .iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            (k.starts_with("x-cos-copy-source-") && k != "x-cos-copy-source-range")
                || k.starts_with("x-cos-server-side-encryption-customer")
                || k == "x-cos-traffic-limit"
        })
        .cloned()
        .collect()
}

/// The call's headers, with the copy params that only copy requests map (`MetadataDirective`,
/// `CopySourceIf*`).
fn copy_call_headers(params: &Value) -> Result<Vec<(String, String)>> {
    let mut headers = params::headers(params)?;
    for (param, header) in [
        ("MetadataDirective", "x-cos-metadata-directive"),
        ("CopySourceIfModifiedSince", "x-cos-copy-source-If-Modified-Since"),
        ("CopySourceIfUnmodifiedSince", "x-cos-copy-source-If-Unmodified-Since"),
        ("CopySourceIfMatch", "x-cos-copy-source-If-Match"),
        ("CopySourceIfNoneMatch", "x-cos-copy-source-If-None-Match"),
    ] {
        if let Some(v) = params::opt_str(params, param)? {
            params::put_header(&mut headers, header, v);
        }
    }
    Ok(headers)
}

/// `sliceCopyFile`: copies the object `CopySource` names to `Key`. Up to `CopySliceSize` bytes one
/// PUT Object - Copy does it; above, a multipart upload whose parts are copied from ranges of the
/// source (`CopyChunkSize` each, `CopyChunkParallelLimit` in flight, each retried), then Complete.
/// A copy that fails keeps its upload and a record of it, and a later call for the same source
/// version, destination and part size resumes it, reusing the parts already copied; a copy that
/// is canceled (`ctx.abort`) aborts its upload.
pub async fn slice_copy<H: Host>(c: &Rc<Client<H>>, params: &Value, ctx: &UploadCtx<H>) -> Result<Value> {
    let t = params::target(params, true)?;
    let copy_source = params::opt_str(params, "CopySource")?.ok_or_else(|| CosError::missing("CopySource"))?;
    let src = crate::copy::parse_copy_source(&copy_source).ok_or_else(|| CosError::param("CopySource format error"))?;
    let given = copy_call_headers(params)?;
    let slice_size = params::uint(params, "CopySliceSize")?.unwrap_or(c.opts().copy_slice_size);
    let chunk_size = params::uint(params, "CopyChunkSize")?.filter(|n| *n > 0).unwrap_or(c.opts().copy_chunk_size);
    ctx.abort.check()?;

    // The source's size and metadata. An SSE-C source needs its key on the HEAD too.
    let mut head = crate::client::Req::new("HeadObject", "HEAD", &src.bucket, &src.region, &src.key);
    for (k, v) in &given {
        if let Some(rest) = k.to_ascii_lowercase().strip_prefix("x-cos-copy-source-server-side-encryption-customer-") {
            let mut name = String::from("x-cos-server-side-encryption-customer-");
            name.push_str(rest);
            params::put_header(&mut head.headers, &name, v.clone());
        }
    }
    if let Some(v) = &src.version_id {
        head.query.push(("versionId".into(), v.clone()));
    }
    head.abort = Some(&ctx.abort);
    let source = match c.request(head).await {
        Ok(resp) => resp,
        Err(mut e) => {
            if e.status_code == Some(404) {
                // As the official SDKs: the HEAD's error, with ErrorStatus, also whole in `error`.
                let mut s = src.key.clone();
                s.push_str(" Not Exist");
                e.error_status = Some(s);
                let mut inner = e.to_value();
                inner.remove("name");
                inner.remove("error");
                e.error = Some(inner);
            }
            return Err(e);
        }
    };
    let size: u64 = match source.header("content-length").and_then(|v| v.trim().parse().ok()) {
        Some(n) => n,
        None => {
            return Err(CosError::protocol(
                "get Content-Length error, please add \"Content-Length\" to CORS ExposeHeader setting.",
            ))
        }
    };
    ctx.report(0, size);
    ctx.reporter.flush();

    if size <= slice_size {
        let mut single = params.clone();
        if get_header(&given, "x-cos-metadata-directive").is_none() {
            single.set("MetadataDirective", "Copy".into());
        }
        let data = copy_whole(c, &single, &ctx.abort).await?;
        ctx.report(size, size);
        ctx.reporter.flush();
        return Ok(data);
    }

    if crate::copy::unrestored_archive(&source.headers) {
        return Err(CosError::param("Unrestored archive object is not allowed to be copied"));
    }
    let plan = PartPlan::new(size, Some(chunk_size), c.opts().max_part_number).map_err(|e| CosError::param(e.to_string()))?;
    let replaced = get_header(&given, "x-cos-metadata-directive") == Some("Replaced");
    let init_headers = crate::copy::init_headers(&given, &source.headers, replaced);
    let fp = crate::copy::source_fingerprint(&copy_source, &source.headers, size);
    let file_id = checkpoint::file_id(&t.bucket, &t.region, &t.key, &fp, plan.part_size);
    let source_id = checkpoint::source_id(&t.bucket, &t.region, &t.key, &copy_source);

    // An upload of an earlier call for this very copy, with the parts it finished.
    let mut resumed: Option<(String, Vec<(u32, String)>)> = None;
    for r in checkpoint::find(&load_checkpoints(&*c.host), &file_id) {
        if r.part_size != plan.part_size || r.file_size != size || c.in_use(&r.upload_id) {
            continue;
        }
        match list_all_parts(c, &t, &r.upload_id, &ctx.abort).await {
            Ok(parts) => {
                resumed = Some((r.upload_id.clone(), crate::copy::resumed_parts(&plan, &parts)));
                break;
            }
            Err(e) if e.code == "NoSuchUpload" => {
                let mut list = load_checkpoints(&*c.host);
                checkpoint::remove(&mut list, &file_id, &r.upload_id);
                save_checkpoints(&*c.host, &list);
            }
            Err(e) => return Err(e),
        }
    }
    let (upload_id, done) = match resumed {
        Some(r) => r,
        None => {
            let mut init = Value::obj();
            init.set("Bucket", t.bucket.as_str().into());
            init.set("Region", t.region.as_str().into());
            init.set("Key", t.key.as_str().into());
            init.set("Headers", Value::Obj(init_headers.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))).collect()));
            let data = ops::multipart_init(c, &init, Some(COPY_SCOPE), Some(&ctx.abort)).await?;
            let upload_id = data.get("UploadId").and_then(Value::as_str).unwrap_or("").to_string();
            if let Err(e) = ctx.abort.check() {
                let _ = ops::multipart_abort(c, &t, &upload_id).await;
                return Err(e);
            }
            (upload_id, Vec::new())
        }
    };
    c.mark_in_use(&upload_id, true);
    abort_stale_uploads(c, &t, &source_id, &file_id, &upload_id).await;
    let mut list = load_checkpoints(&*c.host);
    checkpoint::upsert(
        &mut list,
        Record {
            file_id: file_id.clone(),
            upload_id: upload_id.clone(),
            bucket: t.bucket.clone(),
            region: t.region.clone(),
            key: t.key.clone(),
            part_size: plan.part_size,
            file_size: size,
            saved_at_s: (c.host.now_ms() / 1000.0) as u64,
            source_id,
        },
        c.opts().upload_id_cache_limit,
    );
    save_checkpoints(&*c.host, &list);

    let mut part_headers = part_copy_headers(&given);
    // Every part from the version measured above: a source replaced meanwhile fails the copy
    // (412) instead of making an object of two versions.
    if let Some(etag) = source.header("etag").filter(|e| !e.is_empty()) {
        if get_header(&part_headers, "x-cos-copy-source-if-match").is_none() {
            params::put_header(&mut part_headers, "x-cos-copy-source-If-Match", etag.to_string());
        }
    }
    let result = copy_parts_and_complete(c, &t, &copy_source, &upload_id, &plan, done, &part_headers, ctx).await;
    c.mark_in_use(&upload_id, false);
    match result {
        Ok(data) => {
            let mut list = load_checkpoints(&*c.host);
            checkpoint::remove(&mut list, &file_id, &upload_id);
            save_checkpoints(&*c.host, &list);
            ctx.report(size, size);
            ctx.reporter.flush();
            Ok(data)
        }
        Err(e) => {
            ctx.reporter.flush();
            if e.kind == ErrorKind::Canceled {
                // Nobody will resume a canceled copy: its upload goes now.
                let _ = ops::multipart_abort(c, &t, &upload_id).await;
                let mut list = load_checkpoints(&*c.host);
                checkpoint::remove(&mut list, &file_id, &upload_id);
                save_checkpoints(&*c.host, &list);
                return Err(e);
            }
            Err(e.with_upload_id(&upload_id))
        }
    }
}

/// One PUT Object - Copy (the `putObjectCopy` row), within the call's abort scope.
async fn copy_whole<H: Host>(c: &Client<H>, params: &Value, abort: &AbortScope) -> Result<Value> {
    use crate::methods;
    let row = methods::lookup("putObjectCopy").ok_or_else(|| CosError::param("putObjectCopy is missing"))?;
    let plan = methods::build(row, params)?;
    let mut req = crate::client::Req::new(plan.action, plan.verb, &plan.bucket, &plan.region, &plan.key);
    req.query = plan.query;
    req.headers = plan.headers;
    req.abort = Some(abort);
    let resp = c.request(req).await?;
    let mut data = methods::shape(row, &resp)?;
    methods::add_location(c, row, &mut data, &plan.bucket, &plan.region, &plan.key);
    Ok(data)
}

#[allow(clippy::too_many_arguments)]
async fn copy_parts_and_complete<H: Host>(
    c: &Rc<Client<H>>,
    t: &Target,
    copy_source: &str,
    upload_id: &str,
    plan: &PartPlan,
    done: Vec<(u32, String)>,
    part_headers: &[(String, String)],
    ctx: &UploadCtx<H>,
) -> Result<Value> {
    let size = plan.file_size;
    let mut etags: Vec<String> = vec![String::new(); plan.part_count as usize + 1];
    let mut finished = 0u64;
    for (n, etag) in done {
        if let Some(slot) = etags.get_mut(n as usize) {
            *slot = etag;
            finished += plan.part_len(n);
        }
    }
    ctx.report(finished, size);
    let todo: Vec<u32> = (1..=plan.part_count).filter(|n| etags[*n as usize].is_empty()).collect();
    let mut queue = todo.into_iter();
    let mut running = FuturesUnordered::new();
    let mut first_error: Option<CosError> = None;
    let limit = c.opts().copy_chunk_parallel_limit.clamp(1, 256);
    loop {
        while first_error.is_none() && running.len() < limit {
            let Some(n) = queue.next() else { break };
            running.push(copy_one_part(c, t, copy_source, upload_id, plan, n, part_headers, &ctx.abort));
        }
        match running.next().await {
            None => break,
            Some(Ok((n, etag))) => {
                etags[n as usize] = etag;
                finished += plan.part_len(n);
                ctx.report(finished, size);
            }
            Some(Err(e)) => {
                if first_error.is_none() {
                    // No new part starts; those in flight finish first (a resume reuses them).
                    first_error = Some(e);
                }
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    ctx.abort.check()?;
    let parts: Vec<(u32, String)> = etags.into_iter().enumerate().skip(1).map(|(n, e)| (n as u32, e)).collect();
    Ok(complete_with_retries(c, t, upload_id, &parts, &[], COPY_SCOPE, &ctx.abort).await?.0)
}

/// One UploadPartCopy, retried by this loop only (its request goes out with `Retry::Never`).
#[allow(clippy::too_many_arguments)]
async fn copy_one_part<H: Host>(
    c: &Client<H>,
    t: &Target,
    copy_source: &str,
    upload_id: &str,
    plan: &PartPlan,
    n: u32,
    part_headers: &[(String, String)],
    abort: &AbortScope,
) -> Result<(u32, String)> {
    let row = crate::methods::lookup("uploadPartCopy").ok_or_else(|| CosError::param("uploadPartCopy is missing"))?;
    let range = crate::copy::part_range(plan, n);
    let started = c.host.now_ms();
    let mut attempts = 0u32;
    loop {
        abort.check()?;
        let mut headers = attempt_headers(part_headers, attempts);
        params::put_header(&mut headers, "x-cos-copy-source", copy_source.to_string());
        params::put_header(&mut headers, "x-cos-copy-source-range", range.clone());
        let mut req = crate::client::Req::new(row.action, "PUT", &t.bucket, &t.region, &t.key);
        req.query = vec![("partNumber".into(), n.to_string()), ("uploadId".into(), upload_id.to_string())];
        req.headers = headers;
        req.scope = Some(COPY_SCOPE);
        req.abort = Some(abort);
        req.retry = Retry::Never;
        let r = c.request(req).await.and_then(|resp| {
            let data = crate::methods::shape(row, &resp)?;
            match data.get("ETag").and_then(Value::as_str).filter(|e| !e.is_empty()) {
                Some(e) => Ok(e.to_string()),
                None => Err(ops::protocol_error(&resp, "UploadPartCopy answered without an ETag")),
            }
        });
        match r {
            Ok(etag) => return Ok((n, etag)),
            Err(e) => {
                attempts += 1;
                let elapsed = c.host.now_ms() - started;
                match c.part_retry_policy().delay_after(attempts, elapsed, c.host.random()) {
                    Some(ms) if retryable_part_error(&e) => c.host.sleep(ms).await,
                    _ => return Err(e.with_attempts(attempts, elapsed)),
                }
            }
        }
    }
}
