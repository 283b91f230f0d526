//! Uploads from a stream Body (Node Readable, web ReadableStream) whose length is not given: the
//! stream is read part by part (the host reads; part boundaries, hashing and scheduling are here).
//! A stream that ends within its first part is one PUT; a longer one a multipart upload whose
//! memory is the parts in flight (AsyncLimit of them, ChunkSize each) plus the one being read.
//! Any failure (the stream's own included) aborts the multipart upload: none is left open.

use crate::prelude::*;
use core::cell::Cell;
use alloc::rc::Rc;
use core::task::Poll;

use futures_util::future::LocalBoxFuture;

use crate::attempts::Retry;
use crate::client::{AbortScope, Client};
use crate::crc64;
use crate::error::{CosError, ErrorKind, Result};
use crate::host::{Body, Host};
use crate::ops::{self, PartUpload, Reporter};
use crate::params::{self, Target};
use crate::plan::{MAX_PARTS, MAX_PART_SIZE, MIB, MIN_PART_SIZE};
use crate::source::Source;
use crate::value::Value;

const MULTIPART_SCOPE: &[&str] = &["name/cos:InitiateMultipartUpload", "name/cos:UploadPart", "name/cos:CompleteMultipartUpload", "name/cos:AbortMultipartUpload"];

/// The part size of a stream upload: ChunkSize (or SliceSize) clamped to what COS accepts; 1 MiB
/// by default. A stream's length is unknown, so it cannot grow with the object as a file's does:
/// a stream longer than 10000 parts fails (give a larger ChunkSize).
pub(crate) fn part_size(requested: Option<u64>) -> u64 {
    requested.unwrap_or(MIB).clamp(MIN_PART_SIZE, MAX_PART_SIZE)
}

/// The next part's number, or an error when the stream outgrew the 10000 parts COS allows.
pub(crate) fn next_part(count: u32, part_size: u64) -> Result<u32> {
    if count >= MAX_PARTS {
        let mut m = String::from("the stream Body is longer than 10000 parts of ChunkSize (");
        m.push_str(&part_size.to_string());
        m.push_str(" bytes): give a larger ChunkSize");
        return Err(CosError::param(m));
    }
    Ok(count + 1)
}

/// The whole object's CRC-64 from its parts' `(crc, len)` in order.
pub(crate) fn combine_parts(parts: &[(u64, u64)]) -> u64 {
    parts.iter().enumerate().fold(0, |acc, (i, (crc, len))| if i == 0 { *crc } else { crc64::combine(acc, *crc, *len) })
}

pub(crate) struct StreamCtx<H: Host> {
    pub abort: Rc<AbortScope>,
    pub reporter: Rc<Reporter<H>>,
}

/// Reads up to `len` bytes (fewer only at the stream's end).
async fn read_part<H: Host>(c: &Client<H>, source: &Source, len: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    while (out.len() as u64) < len {
        let want = len - out.len() as u64;
        let got = c.host.read(source.info.id, 0, want).await.map_err(|e| {
            let mut m = String::from("reading the Body stream failed: ");
            m.push_str(&e.message);
            CosError::host(m)
        })?;
        if got.is_empty() {
            break;
        }
        if out.is_empty() {
            out = got;
        } else {
            out.extend_from_slice(&got);
        }
    }
    Ok(out)
}

enum Event {
    Read(Result<Vec<u8>>),
    Uploaded(u32, Result<(String, u64, u64)>),
}

pub(crate) async fn upload_stream<H: Host>(c: &Rc<Client<H>>, params: &Value, source: &Source, ctx: &StreamCtx<H>) -> Result<Value> {
    let t = params::target(params, true)?;
    let requested = match params::uint(params, "ChunkSize")? {
        Some(n) => Some(n),
        None => params::uint(params, "SliceSize")?,
    };
    let size = part_size(requested);
    ctx.abort.check()?;
    let first = read_part(c, source, size).await?;
    ctx.abort.check()?;
    if (first.len() as u64) < size {
        // The whole stream fits one part: one PUT.
        let body = Source::from_bytes(first);
        return ops::put_object(c, params, &body, Some(ctx.reporter.clone()), None, Some(&ctx.abort)).await;
    }
    let init = ops::multipart_init(c, params, Some(MULTIPART_SCOPE), Some(&ctx.abort)).await?;
    let upload_id = init.get("UploadId").and_then(Value::as_str).unwrap_or_default().to_string();
    if upload_id.is_empty() {
        return Err(CosError::protocol("InitiateMultipartUpload answered without an UploadId"));
    }
    let r = upload_parts(c, params, &t, &upload_id, source, first, size, ctx).await;
    if r.is_err() && !ctx.abort.is_committing() {
        // Nothing of a failed stream upload can be resumed (the stream is gone): abort it.
        let _ = ops::multipart_abort(c, &t, &upload_id).await;
    }
    r
}

#[allow(clippy::too_many_arguments)]
async fn upload_parts<H: Host>(
    c: &Rc<Client<H>>,
    params: &Value,
    t: &Target,
    upload_id: &str,
    source: &Source,
    first: Vec<u8>,
    size: u64,
    ctx: &StreamCtx<H>,
) -> Result<Value> {
    let limit = params::uint(params, "AsyncLimit")?.map(|n| n.clamp(1, 256) as usize).unwrap_or(c.opts().chunk_parallel_limit);
    let pass_headers: Vec<(String, String)> = params::headers(params)?
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k == "x-cos-traffic-limit" || k.starts_with("x-cos-server-side-encryption-customer")
        })
        .collect();
    // Progress: bytes of finished parts (the total grows as the stream is read).
    let sent = Rc::new(Cell::new(0u64));
    let read_total = Cell::new(0u64);
    let mut parts: Vec<Option<(String, u64, u64)>> = Vec::new();
    let mut running: Vec<LocalBoxFuture<'_, Event>> = Vec::new();
    let mut count = 0u32;
    let mut uploading = 0usize;
    let mut reading = false;
    let mut ended = false;
    let mut first_error: Option<CosError> = None;
    let mut pending = Some(first);
    loop {
        // A part read becomes an upload; the next read starts only when a slot is free.
        if let Some(bytes) = pending.take() {
            if bytes.is_empty() {
                ended = true;
            } else {
                if (bytes.len() as u64) < size {
                    ended = true;
                }
                match next_part(count, size) {
                    Ok(n) => {
                        count = n;
                        parts.push(None);
                        read_total.set(read_total.get() + bytes.len() as u64);
                        uploading += 1;
                        running.push(Box::pin(upload_one(c, t, upload_id, n, bytes, pass_headers.clone(), ctx)));
                    }
                    Err(e) => first_error = first_error.or(Some(e)),
                }
            }
        }
        if first_error.is_none() && !ended && !reading && uploading < limit {
            reading = true;
            running.push(Box::pin(async move { Event::Read(read_part(c, source, size).await) }));
        }
        match next_event(&mut running).await {
            None => break,
            Some(Event::Read(r)) => {
                reading = false;
                match r {
                    Ok(bytes) if first_error.is_none() => pending = Some(bytes),
                    Ok(_) => {}
                    Err(e) => {
                        if first_error.is_none() {
                            ctx.abort.stop(&*c.host, ErrorKind::Canceled);
                            first_error = Some(e);
                        }
                    }
                }
            }
            Some(Event::Uploaded(n, r)) => {
                uploading -= 1;
                match r {
                    Ok(done) => {
                        sent.set(sent.get() + done.2);
                        ctx.reporter.update(sent.get(), read_total.get().max(sent.get()));
                        parts[n as usize - 1] = Some(done);
                    }
                    Err(e) => {
                        if first_error.is_none() {
                            ctx.abort.stop(&*c.host, ErrorKind::Canceled);
                            first_error = Some(e);
                        }
                    }
                }
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    ctx.abort.check()?;
    let done: Vec<(String, u64, u64)> = parts.into_iter().map(|p| p.ok_or_else(|| CosError::host("a part of the stream was not uploaded"))).collect::<Result<_>>()?;
    let list: Vec<(u32, String)> = done.iter().enumerate().map(|(i, d)| (i as u32 + 1, d.0.clone())).collect();
    let complete_headers: Vec<(String, String)> = params::headers(params)?
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            (k.starts_with("x-cos-meta-") && k != "x-cos-meta-md5") || k == "x-cos-forbid-overwrite" || k.starts_with("x-cos-callback") || k == "x-cos-return-body"
        })
        .collect();
    ctx.abort.set_committing(true);
    let run = ops::RunWithin { scope: Some(MULTIPART_SCOPE), abort: Some(&ctx.abort), retry: Retry::ServerErrors };
    let completed = ops::multipart_complete(c, t, upload_id, &list, complete_headers, run).await;
    ctx.abort.set_committing(false);
    let (mut data, resp) = completed?;
    let crcs: Vec<(u64, u64)> = done.iter().map(|d| (d.1, d.2)).collect();
    ops::check_crc64(&resp, combine_parts(&crcs), "the completed object")?;
    data.set("UploadId", upload_id.into());
    data.set("Bucket", t.bucket.as_str().into());
    data.set("Key", t.key.as_str().into());
    let total = sent.get();
    ctx.reporter.update(total, total);
    ctx.reporter.flush();
    Ok(data)
}

/// The first of `running` to finish, taken out of it; `None` when it is empty. A list polled in
/// turn on each wake rather than `FuturesUnordered`, whose per-future wakers are ~1.5 KB of wasm
/// for this future type: here are AsyncLimit parts and one read, each cheap to poll while waiting.
async fn next_event(running: &mut Vec<LocalBoxFuture<'_, Event>>) -> Option<Event> {
    core::future::poll_fn(|cx| {
        if running.is_empty() {
            return Poll::Ready(None);
        }
        let mut i = 0;
        while let Some(f) = running.get_mut(i) {
            if let Poll::Ready(e) = f.as_mut().poll(cx) {
                drop(running.swap_remove(i));
                return Poll::Ready(Some(e));
            }
            i += 1;
        }
        Poll::Pending
    })
    .await
}

/// One part, its bytes in memory: retried (they can be sent again), its CRC-64 checked.
async fn upload_one<H: Host>(
    c: &Rc<Client<H>>,
    t: &Target,
    upload_id: &str,
    n: u32,
    bytes: Vec<u8>,
    headers: Vec<(String, String)>,
    ctx: &StreamCtx<H>,
) -> Event {
    let crc = crc64::crc64(&bytes);
    let len = bytes.len() as u64;
    let body = Body::Bytes(bytes);
    let started = c.host.now_ms();
    let mut attempts = 0u32;
    let r = loop {
        if let Err(e) = ctx.abort.check() {
            break Err(e);
        }
        let mut h = headers.clone();
        if attempts > 0 {
            params::put_header(&mut h, "x-cos-sdk-retry", "true".into());
        }
        let part = PartUpload {
            target: t,
            upload_id,
            part_number: n,
            body: body.clone(),
            content_md5: None,
            headers: h,
            progress: None,
            scope: Some(MULTIPART_SCOPE),
            abort: Some(&ctx.abort),
            retry: Retry::Never,
        };
        let result = match ops::upload_part(c, part).await {
            Ok(resp) => ops::check_crc64(&resp, crc, "a part").and_then(|_| ops::part_etag(&resp)),
            Err(e) => Err(e),
        };
        match result {
            Ok(etag) => break Ok((etag, crc, len)),
            Err(e) => {
                attempts += 1;
                let elapsed = c.host.now_ms() - started;
                let retry = matches!(e.kind, ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Integrity | ErrorKind::Protocol)
                    || (e.kind == ErrorKind::Server && e.status_code.is_none_or(|s| s >= 500));
                match c.part_retry_policy().delay_after(attempts, elapsed, c.host.random()) {
                    Some(ms) if retry => c.host.sleep(ms).await,
                    _ => break Err(e.with_attempts(attempts, elapsed)),
                }
            }
        }
    };
    Event::Uploaded(n, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_size_is_clamped_to_what_cos_accepts() {
        assert_eq!(part_size(None), MIB);
        assert_eq!(part_size(Some(10)), MIN_PART_SIZE);
        assert_eq!(part_size(Some(8 * MIB)), 8 * MIB);
        assert_eq!(part_size(Some(u64::MAX)), MAX_PART_SIZE);
    }

    #[test]
    fn parts_stop_at_10000() {
        assert_eq!(next_part(0, MIB).unwrap(), 1);
        assert_eq!(next_part(9999, MIB).unwrap(), 10000);
        let e = next_part(10000, MIB).unwrap_err();
        assert!(e.message.contains("ChunkSize"), "{}", e.message);
    }

    #[test]
    fn parts_crc_combines_to_the_whole() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 253) as u8).collect();
        let parts: Vec<(u64, u64)> = data.chunks(1024).map(|c| (crc64::crc64(c), c.len() as u64)).collect();
        assert_eq!(combine_parts(&parts), crc64::crc64(&data));
        assert_eq!(combine_parts(&[]), 0);
    }
}
