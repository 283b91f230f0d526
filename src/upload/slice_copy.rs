//! `sliceCopyFile`'s flow: the source measured with a HEAD, one PUT Object - Copy up to
//! `CopySliceSize`, above it a multipart upload (resumed when an earlier call left one) whose parts
//! are copied from ranges of the source. The pure pieces are in `crate::copy`.

use crate::prelude::*;
use alloc::rc::Rc;

use crate::checkpoint;
use crate::client::{AbortScope, Client, Req};
use crate::error::{CosError, ErrorKind, Result};
use crate::host::{Host, HttpResponse};
use crate::ops;
use crate::params::{self, get_header, Target};
use crate::plan::PartPlan;
use crate::value::Value;

use super::multipart::{complete_with_retries, copy_one_part};
use super::resume::{abort_stale_uploads, forget, list_all_parts, load_checkpoints, remember};
use super::scheduler::run_parts;
use super::UploadCtx;

/// STS scope asked for once per multipart copy (part copies are `PutObject` requests).
pub(crate) const COPY_SCOPE: &[&str] = &["InitiateMultipartUpload", "ListParts", "PutObject", "CompleteMultipartUpload", "AbortMultipartUpload"];

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
pub(crate) async fn slice_copy<H: Host>(c: &Rc<Client<H>>, params: &Value, ctx: &UploadCtx<H>) -> Result<Value> {
    let t = params::target(params, true)?;
    let copy_source = params::opt_str(params, "CopySource")?.ok_or_else(|| CosError::missing("CopySource"))?;
    let src = crate::copy::parse_copy_source(&copy_source).ok_or_else(|| CosError::param("CopySource format error"))?;
    let given = copy_call_headers(params)?;
    let slice_size = params::uint(params, "CopySliceSize")?.unwrap_or(c.opts().copy_slice_size);
    let chunk_size = params::uint(params, "CopyChunkSize")?.filter(|n| *n > 0).unwrap_or(c.opts().copy_chunk_size);
    ctx.abort.check()?;
    let source = head_source(c, &src, &given, &ctx.abort).await?;
    let size = content_length(&source)?;
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
    let plan = PartPlan::new(size, Some(chunk_size), c.opts().max_part_number).map_err(|e| CosError::param(e.message()))?;
    let fp = crate::copy::source_fingerprint(&copy_source, &source.headers, size);
    let file_id = checkpoint::file_id(&t.bucket, &t.region, &t.key, &fp, plan.part_size);
    let source_id = checkpoint::source_id(&t.bucket, &t.region, &t.key, &copy_source);
    let (upload_id, done) = match resumed_copy(c, &t, &plan, &file_id, &ctx.abort).await? {
        Some(r) => r,
        None => {
            let replaced = get_header(&given, "x-cos-metadata-directive") == Some("Replaced");
            let init_headers = crate::copy::init_headers(&given, &source.headers, replaced);
            (start_copy(c, &t, &init_headers, &ctx.abort).await?, Vec::new())
        }
    };
    c.mark_in_use(&upload_id, true);
    abort_stale_uploads(c, &t, &source_id, &file_id, &upload_id).await;
    remember(c, &t, &plan, &file_id, &upload_id, &source_id);
    let part_headers = part_headers_for(&given, &source);
    let result = copy_parts_and_complete(c, &t, &copy_source, &upload_id, &plan, done, &part_headers, ctx).await;
    c.mark_in_use(&upload_id, false);
    match result {
        Ok(data) => {
            forget(c, &file_id, &upload_id);
            ctx.report(size, size);
            ctx.reporter.flush();
            Ok(data)
        }
        Err(e) if e.kind == ErrorKind::Canceled => {
            ctx.reporter.flush();
            // Nobody will resume a canceled copy: its upload goes now.
            let _ = ops::multipart_abort(c, &t, &upload_id).await;
            forget(c, &file_id, &upload_id);
            Err(e)
        }
        Err(e) => {
            ctx.reporter.flush();
            Err(e.with_upload_id(&upload_id))
        }
    }
}

/// HEAD of the source: its size and metadata. An SSE-C source needs its key on the HEAD too.
async fn head_source<H: Host>(c: &Client<H>, src: &crate::copy::CopySource, given: &[(String, String)], abort: &AbortScope) -> Result<HttpResponse> {
    let mut head = Req::new("HeadObject", "HEAD", &src.bucket, &src.region, &src.key);
    for (k, v) in given {
        if let Some(rest) = k.to_ascii_lowercase().strip_prefix("x-cos-copy-source-server-side-encryption-customer-") {
            let mut name = String::from("x-cos-server-side-encryption-customer-");
            name.push_str(rest);
            params::put_header(&mut head.headers, &name, v.clone());
        }
    }
    if let Some(v) = &src.version_id {
        head.query.push(("versionId".into(), v.clone()));
    }
    head.abort = Some(abort);
    c.request(head).await.map_err(|mut e| {
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
        e
    })
}

fn content_length(source: &HttpResponse) -> Result<u64> {
    source.header("content-length").and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        CosError::protocol("get Content-Length error, please add \"Content-Length\" to CORS ExposeHeader setting.")
    })
}

/// An upload of an earlier call for this very copy, with the parts it finished.
async fn resumed_copy<H: Host>(
    c: &Client<H>,
    t: &Target,
    plan: &PartPlan,
    file_id: &str,
    abort: &AbortScope,
) -> Result<Option<(String, Vec<(u32, String)>)>> {
    for r in checkpoint::find(&load_checkpoints(&*c.host), file_id) {
        if r.part_size != plan.part_size || r.file_size != plan.file_size || c.in_use(&r.upload_id) {
            continue;
        }
        match list_all_parts(c, t, &r.upload_id, abort).await {
            Ok(parts) => return Ok(Some((r.upload_id.clone(), crate::copy::resumed_parts(plan, &parts)))),
            Err(e) if e.code == "NoSuchUpload" => forget(c, file_id, &r.upload_id),
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Initiates the copy's upload; canceled while Initiate was on its way, the upload goes again.
async fn start_copy<H: Host>(c: &Client<H>, t: &Target, init_headers: &[(String, String)], abort: &AbortScope) -> Result<String> {
    let mut init = Value::obj();
    init.set("Bucket", t.bucket.as_str().into());
    init.set("Region", t.region.as_str().into());
    init.set("Key", t.key.as_str().into());
    init.set("Headers", Value::Obj(init_headers.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))).collect()));
    let data = ops::multipart_init(c, &init, Some(COPY_SCOPE), Some(abort)).await?;
    let upload_id = data.get("UploadId").and_then(Value::as_str).unwrap_or("").to_string();
    if let Err(e) = abort.check() {
        let _ = ops::multipart_abort(c, t, &upload_id).await;
        return Err(e);
    }
    Ok(upload_id)
}

/// The headers every part copy carries. Every part from the version measured by the HEAD: a
/// source replaced meanwhile fails the copy (412) instead of making an object of two versions.
fn part_headers_for(given: &[(String, String)], source: &HttpResponse) -> Vec<(String, String)> {
    let mut part_headers = part_copy_headers(given);
    if let Some(etag) = source.header("etag").filter(|e| !e.is_empty()) {
        if get_header(&part_headers, "x-cos-copy-source-if-match").is_none() {
            params::put_header(&mut part_headers, "x-cos-copy-source-If-Match", etag.to_string());
        }
    }
    part_headers
}

/// One PUT Object - Copy: the `putObjectCopy` row, within the call's abort scope.
async fn copy_whole<H: Host>(c: &Client<H>, params: &Value, abort: &AbortScope) -> Result<Value> {
    let row = crate::methods::lookup("putObjectCopy").ok_or_else(|| CosError::param("putObjectCopy is missing"))?;
    crate::methods::call(c, row, params, Some(abort)).await
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
    let limit = c.opts().copy_chunk_parallel_limit.clamp(1, 256);
    run_parts(
        todo,
        limit,
        |n| copy_one_part(c, t, copy_source, upload_id, plan, n, part_headers, &ctx.abort),
        |(n, etag)| {
            etags[n as usize] = etag;
            finished += plan.part_len(n);
            ctx.report(finished, size);
        },
    )
    .await?;
    ctx.abort.check()?;
    let parts: Vec<(u32, String)> = etags.into_iter().enumerate().skip(1).map(|(n, e)| (n as u32, e)).collect();
    Ok(complete_with_retries(c, t, upload_id, &parts, &[], COPY_SCOPE, &ctx.abort).await?.0)
}
