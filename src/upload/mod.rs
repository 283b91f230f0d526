//! `sliceUploadFile`: resumable multipart upload of one body, memory bounded by parts in flight.
//!
//! Order of business: plan parts → find an upload to resume (in-memory state after a pause, then the
//! checkpoint record, then `multipartList`), reusing a server part only when its size and ETag match
//! the local part's MD5 → initiate if nothing matched → upload missing parts with bounded concurrency
//! and per-part retries → complete → check the whole-object CRC64 combined from the part CRCs.
//! Failure keeps the checkpoint so a later call resumes; cancel aborts the upload on the server.

use crate::prelude::*;

mod multipart;
mod resume;
mod scheduler;
mod slice_copy;

use core::cell::{Cell, RefCell};
use alloc::rc::Rc;

use crate::checkpoint;
use crate::client::{AbortScope, Client};
use crate::crc64;
use crate::error::{CosError, ErrorKind, Result};
use crate::host::{Arg, Host};
use crate::ops::{self, hash_progress, Reporter};
use crate::params::{self, get_header, Target};
use crate::plan::PartPlan;
use crate::source::Source;
use crate::value::Value;

use multipart::{complete_with_retries, upload_one_part};
use resume::{abort_stale_uploads, find_resumable, forget, remember};
use scheduler::run_parts;

pub(crate) use resume::fingerprint;
pub(crate) use slice_copy::slice_copy;

/// Storage key of the checkpoint list.
pub(crate) const CHECKPOINT_KEY: &str = checkpoint::STORAGE_KEY;

/// STS scope asked for once per upload, so `getAuthorization` with `ScopeLimit` is not called per part.
pub(crate) const MULTIPART_SCOPE: &[&str] = &[
    "InitiateMultipartUpload",
    "ListMultipartUploads",
    "ListParts",
    "UploadPart",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
];

/// What a task remembers between runs (pause → restart) in this process.
#[derive(Clone, Debug, Default)]
pub(crate) struct UploadState {
    pub upload_id: String,
    pub part_size: u64,
    /// part number → (etag, crc64, len) of parts known to be on the server.
    pub done: Vec<(u32, String, u64, u64)>,
}

/// A part on the server: its ETag, CRC-64 and length.
type PartDone = (String, u64, u64);

/// Per-call context shared with the queue: cancellation, progress, and resumable state.
pub(crate) struct UploadCtx<H: Host> {
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

/// The checkpoint id of uploading `source` to `t` in `plan`'s parts; none for a source that cannot
/// be resumed (no name or date to know it again by).
fn file_id(t: &Target, source: &Source, plan: &PartPlan) -> Option<String> {
    fingerprint(source).map(|fp| checkpoint::file_id(&t.bucket, &t.region, &t.key, &fp, plan.part_size))
}

/// Forgets the checkpoint of `upload_id`, an upload of `source` to `t` with `params`' part size that
/// was aborted (a canceled task's).
pub(crate) fn forget_aborted<H: Host>(c: &Client<H>, t: &Target, params: &Value, source: &Source, upload_id: &str) -> Result<()> {
    let requested = requested_part_size(params, c.opts().chunk_size)?;
    if let Ok(plan) = PartPlan::new(source.size(), Some(requested), c.opts().max_part_number) {
        if let Some(fid) = file_id(t, source, &plan) {
            forget(c, &fid, upload_id);
        }
    }
    Ok(())
}

/// `sliceUploadFile` for an opened source.
pub(crate) async fn slice_upload<H: Host>(c: &Rc<Client<H>>, params: &Value, source: &Source, ctx: &UploadCtx<H>) -> Result<Value> {
    let t = params::target(params, true)?;
    // Everything the upload will read from params is checked before Initiate: a bad value found
    // later would leave an upload behind.
    params::uint(params, "AsyncLimit")?;
    let size = source.size();
    let requested = requested_part_size(params, c.opts().chunk_size)?;
    let plan = PartPlan::new(size, Some(requested), c.opts().max_part_number).map_err(|e| CosError::param(e.message()))?;
    if size == 0 {
        let data = ops::put_object(c, params, source, Some(ctx.reporter.clone()), ctx.on_hash, Some(&ctx.abort)).await?;
        ctx.report(0, 0);
        return Ok(data);
    }
    let init_headers = params::headers(params)?;
    let file_id = file_id(&t, source, &plan);
    let source_id = fingerprint(source).map(|fp| checkpoint::source_id(&t.bucket, &t.region, &t.key, &fp.name));
    let storage_class = get_header(&init_headers, "x-cos-storage-class").map(str::to_string);
    ctx.report(0, size);
    ctx.reporter.flush();

    let found = find_resumable(c, &t, source, &plan, file_id.as_deref(), storage_class.as_deref(), ctx)
        .await
        .map_err(CosError::with_empty_upload_id)?;
    let state = match found {
        Some(s) => s,
        None => initiate(c, params, &t, source, &plan, init_headers, ctx).await?,
    };
    let upload_id = state.upload_id.clone();
    *ctx.state.borrow_mut() = Some(state.clone());
    c.mark_in_use(&upload_id, true);
    if let (Some(src), Some(fid)) = (&source_id, &file_id) {
        abort_stale_uploads(c, &t, src, fid, &upload_id).await;
    }
    if let Some(fid) = &file_id {
        remember(c, &t, &plan, fid, &upload_id, source_id.as_deref().unwrap_or_default());
    }
    let result = upload_parts_and_complete(c, params, &t, source, &plan, state, ctx).await;
    c.mark_in_use(&upload_id, false);
    match result {
        Ok(data) => {
            if let Some(fid) = &file_id {
                forget(c, fid, &upload_id);
            }
            *ctx.state.borrow_mut() = None;
            Ok(data)
        }
        Err(e) => Err(e.with_upload_id(&upload_id)),
    }
}

/// Initiates a new upload (with the whole file's MD5 as meta when asked). Canceled while Initiate
/// was on its way, the upload exists and nobody else knows its UploadId: it is aborted here rather
/// than left billed (unless KeepUploadOnCancel).
async fn initiate<H: Host>(
    c: &Client<H>,
    params: &Value,
    t: &Target,
    source: &Source,
    plan: &PartPlan,
    mut init_headers: Vec<(String, String)>,
    ctx: &UploadCtx<H>,
) -> Result<UploadState> {
    let size = plan.file_size;
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
    if let Err(e) = ctx.abort.check() {
        if e.kind == ErrorKind::Canceled && !params::opt_bool(params, "KeepUploadOnCancel").unwrap_or(false) {
            let _ = ops::multipart_abort(c, t, &upload_id).await;
            return Err(e);
        }
    }
    Ok(UploadState { upload_id, part_size: plan.part_size, done: Vec::new() })
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
    let report = progress_report(ctx, size, done_bytes, &finished, &in_flight);
    report();
    let pass_headers = part_pass_headers(params)?;
    let limit = params::uint(params, "AsyncLimit")?
        .map(|n| n.clamp(1, 256) as usize)
        .unwrap_or(c.opts().chunk_parallel_limit);
    let todo: Vec<u32> = (1..=plan.part_count).filter(|n| done.borrow()[*n as usize].is_none()).collect();
    // A failed upload stops starting parts; it is resumed later from the checkpoint.
    run_parts(
        todo,
        limit,
        |n| upload_one_part(c.clone(), t, &upload_id, source, plan, n, pass_headers.clone(), ctx, in_flight.clone(), report.clone()),
        |(n, etag, crc, len): (u32, String, u64, u64)| {
            done.borrow_mut()[n as usize] = Some((etag.clone(), crc, len));
            finished.set(finished.get() + len);
            in_flight.borrow_mut().retain(|(p, _)| *p != n);
            if let Some(st) = ctx.state.borrow_mut().as_mut() {
                st.done.push((n, etag, crc, len));
            }
            report();
        },
    )
    .await?;
    ctx.abort.check()?;
    let parts: Vec<(u32, String)> = done
        .borrow()
        .iter()
        .enumerate()
        .skip(1)
        .map(|(n, p)| (n as u32, p.as_ref().map(|x| x.0.clone()).unwrap_or_default()))
        .collect();
    let complete_headers = complete_pass_headers(params)?;
    // From here the object may be stored at any moment: pause and cancel are refused until Complete
    // answers, so a stored object is never reported as a failure or a cancellation.
    ctx.abort.check()?;
    let (mut data, resp) = complete_with_retries(c, t, &upload_id, &parts, &complete_headers, MULTIPART_SCOPE, &ctx.abort).await?;
    // Whole-object CRC64, combined from what we sent; COS computes it from what it stored.
    let combined = combined_crc64(&done.borrow());
    ops::check_crc64(&resp, combined, "the completed object")?;
    data.set("UploadId", upload_id.as_str().into());
    data.set("Bucket", t.bucket.as_str().into());
    data.set("Key", t.key.as_str().into());
    ctx.report(size, size);
    ctx.reporter.flush();
    Ok(data)
}

/// Reports an upload's progress: finished bytes plus those of parts in flight, never decreasing.
fn progress_report<H: Host>(
    ctx: &UploadCtx<H>,
    size: u64,
    done_bytes: u64,
    finished: &Rc<Cell<u64>>,
    in_flight: &Rc<RefCell<Vec<(u32, u64)>>>,
) -> Rc<dyn Fn()> {
    let (finished, in_flight, high_water) = (finished.clone(), in_flight.clone(), Cell::new(done_bytes));
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
}

/// The whole object's CRC-64, combined from the parts' (by part number); COS computes it from
/// what it stored.
fn combined_crc64(done: &[Option<PartDone>]) -> u64 {
    done.iter()
        .skip(1)
        .flatten()
        .fold(None, |acc: Option<u64>, (_, crc, len)| Some(match acc {
            None => *crc,
            Some(a) => crc64::combine(a, *crc, *len),
        }))
        .unwrap_or(0)
}

/// The call's headers every part carries: the traffic limit and the SSE-C key.
fn part_pass_headers(params: &Value) -> Result<Vec<(String, String)>> {
    Ok(params::headers(params)?
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k == "x-cos-traffic-limit" || k.starts_with("x-cos-server-side-encryption-customer")
        })
        .collect())
}

/// The call's headers Complete carries (metadata, callbacks, overwrite rule); the MD5 meta went
/// with Initiate.
fn complete_pass_headers(params: &Value) -> Result<Vec<(String, String)>> {
    let mut complete_headers: Vec<(String, String)> = params::headers(params)?
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k.starts_with("x-cos-meta-") || k == "pic-operations" || k.starts_with("x-cos-callback") || k == "x-cos-return-body" || k == "x-cos-forbid-overwrite"
        })
        .collect();
    complete_headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-cos-meta-md5"));
    Ok(complete_headers)
}
