//! The multipart calls of a driver (upload or copy), each its own retry loop: one part uploaded,
//! one part copied, Complete.

use crate::prelude::*;
use core::cell::RefCell;
use alloc::rc::Rc;

use crate::attempts::Retry;
use crate::client::{AbortScope, Client};
use crate::error::{CosError, ErrorKind, Result};
use crate::host::Host;
use crate::ops::{self, PartUpload};
use crate::params::{self, Target};
use crate::plan::PartPlan;
use crate::source::{Digests, Source};
use crate::value::Value;

use super::slice_copy::COPY_SCOPE;
use super::{UploadCtx, MULTIPART_SCOPE};

/// Complete of a driver's upload, retried by this loop only (it also retries a 200 that carries an
/// error). Pause and cancel are refused meanwhile: the object may be stored at any moment, and a
/// stored object is never reported as a failure or a cancellation.
pub(super) async fn complete_with_retries<H: Host>(
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
pub(super) async fn upload_one_part<H: Host>(
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

/// One UploadPartCopy, retried by this loop only (its request goes out with `Retry::Never`).
#[allow(clippy::too_many_arguments)]
pub(super) async fn copy_one_part<H: Host>(
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
