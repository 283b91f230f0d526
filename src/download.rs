//! `downloadFile` (Node): an object to a local file by ranged GETs in parallel, each written by the
//! host at its offset; resumable from a checkpoint while the object is unchanged; the whole file's
//! CRC-64 (combined from the ranges' own) checked against `x-cos-hash-crc64ecma`.
//!
//! The host only opens the file, writes each answer's bytes at an offset (hashing them on the way)
//! and closes it; the range plan, the resume decision, the checks and the retries are here.

use crate::prelude::*;
use core::cell::{Cell, RefCell};
use alloc::rc::Rc;

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::checkpoint;
use crate::attempts::Retry;
use crate::client::{AbortScope, Client, Req};
use crate::crc64;
use crate::error::{CosError, ErrorKind, Result};
use crate::host::{Host, HttpResponse, ResponseType};
use crate::ops::{self, Reporter};
use crate::params::{self, concat_msg, Target};
use crate::plan::{PartPlan, MIB};
use crate::value::Value;

/// Storage key of the download checkpoints (one line each).
const STORE_KEY: &str = "cos-wasm-download-checkpoints-v1";
/// Checkpoints kept; the oldest go first.
const MAX_RECORDS: usize = 100;
/// A checkpoint older than this is not resumed (the partial file is likely gone or stale).
const MAX_AGE_S: u64 = 30 * 24 * 3600;

/// The object as HEAD described it when the download started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Remote {
    pub size: u64,
    pub etag: String,
    pub crc64: Option<u64>,
}

/// One download in progress: what object version it is of, how it was cut, which ranges are in
/// the file already (part number, CRC-64 of its bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// `checkpoint::source_id` of bucket, region, key and FilePath.
    pub id: String,
    pub remote: Remote,
    pub part_size: u64,
    pub saved_s: u64,
    pub parts: Vec<(u32, u64)>,
}

pub(crate) fn encode_list(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        let crc = r.remote.crc64.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
        for (i, field) in [&r.id, &r.remote.etag, &r.remote.size.to_string(), &crc, &r.part_size.to_string(), &r.saved_s.to_string()].into_iter().enumerate() {
            if i > 0 {
                out.push('\t');
            }
            out.push_str(field);
        }
        out.push('\t');
        for (i, (n, c)) in r.parts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&n.to_string());
            out.push(':');
            out.push_str(&c.to_string());
        }
        out.push('\n');
    }
    out
}

/// Records of `text`; damaged lines and records older than [`MAX_AGE_S`] are dropped.
pub(crate) fn decode_list(text: &str, now_s: u64) -> Vec<Record> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 7 || f[0].is_empty() {
                return None;
            }
            let crc64 = if f[3] == "-" { None } else { Some(f[3].parse().ok()?) };
            let mut parts = Vec::new();
            for p in f[6].split(',').filter(|p| !p.is_empty()) {
                let (n, c) = p.split_once(':')?;
                parts.push((n.parse().ok()?, c.parse().ok()?));
            }
            let r = Record {
                id: f[0].to_string(),
                remote: Remote { etag: f[1].to_string(), size: f[2].parse().ok()?, crc64 },
                part_size: f[4].parse().ok()?,
                saved_s: f[5].parse().ok()?,
                parts,
            };
            (now_s.saturating_sub(r.saved_s) <= MAX_AGE_S).then_some(r)
        })
        .collect()
}

/// Puts `record` first in `list` (replacing one of its id), keeping at most [`MAX_RECORDS`].
pub(crate) fn upsert(list: &mut Vec<Record>, record: Record) {
    list.retain(|r| r.id != record.id);
    list.insert(0, record);
    list.truncate(MAX_RECORDS);
}

/// The ranges a download can keep from `record`: all of its parts when it is of the same object
/// version (ETag, size, CRC-64) cut the same way, none otherwise.
pub(crate) fn resumable_parts(record: Option<&Record>, remote: &Remote, plan: &PartPlan) -> Vec<(u32, u64)> {
    match record {
        Some(r) if r.remote == *remote && r.part_size == plan.part_size && !remote.etag.is_empty() => r
            .parts
            .iter()
            .copied()
            .filter(|(n, _)| (1..=plan.part_count).contains(n))
            .collect(),
        _ => Vec::new(),
    }
}

/// CRC-64 of the whole file from its parts' (`crcs[n - 1]` for part `n`), or `None` if one is missing.
pub(crate) fn whole_crc64(plan: &PartPlan, crcs: &[Option<u64>]) -> Option<u64> {
    let mut acc = 0u64;
    for n in 1..=plan.part_count {
        let c = (*crcs.get(n as usize - 1)?)?;
        acc = if n == 1 { c } else { crc64::combine(acc, c, plan.part_len(n)) };
    }
    Some(acc)
}

/// Whether a range's answer is of the object HEAD described: the total size in `Content-Range`, and
/// the ETag and whole-object CRC-64 where both sides have them. `Err` names what changed.
pub(crate) fn same_object(remote: &Remote, resp: &HttpResponse) -> core::result::Result<(), &'static str> {
    let total = resp.header("content-range").and_then(|r| r.rsplit('/').next()).and_then(|t| t.trim().parse::<u64>().ok());
    if total != Some(remote.size) {
        return Err("the object's size has changed");
    }
    if let (Some(h), Some(c)) = (resp.header("x-cos-hash-crc64ecma"), remote.crc64) {
        if h.trim().parse::<u64>().ok() != Some(c) {
            return Err("the object's x-cos-hash-crc64ecma has changed");
        }
    }
    if let Some(etag) = resp.header("etag") {
        if !remote.etag.is_empty() && etag != remote.etag {
            return Err("the object's ETag has changed");
        }
    }
    Ok(())
}

fn changed_error(why: &str, resp: &HttpResponse) -> CosError {
    let mut e = CosError::new(ErrorKind::Integrity, "ObjectHasChanged", concat_msg(&["download error, ", why, " since the download started"]));
    e.status_code = Some(resp.status);
    e.headers = resp.headers.clone();
    e
}

fn retryable(e: &CosError) -> bool {
    match e.kind {
        ErrorKind::Network | ErrorKind::Timeout => true,
        ErrorKind::Server => e.status_code.is_none_or(|s| s >= 500),
        _ => false,
    }
}

/// Settings of one `downloadFile` call.
pub(crate) struct DownloadCtx<H: Host> {
    pub abort: Rc<AbortScope>,
    pub reporter: Rc<Reporter<H>>,
}

pub(crate) async fn download_file<H: Host>(c: &Rc<Client<H>>, params: &Value, ctx: &DownloadCtx<H>) -> Result<Value> {
    let t = params::target(params, true)?;
    let path = params::required_str(params, "FilePath")?;
    let chunk = params::uint(params, "ChunkSize")?.filter(|n| *n > 0).unwrap_or(MIB);
    let limit = params::uint(params, "ParallelLimit")?.filter(|n| *n > 0).map(|n| n.min(64) as usize).unwrap_or(5);
    let retries = match params::uint(params, "RetryTimes")? {
        Some(n) if n > 0 => n.min(20) as u32,
        _ => 3,
    };
    let headers = params::headers(params)?;

    // HEAD: the size, the version (ETag) and the CRC-64 every range is checked against.
    let mut head = Req::new("HeadObject", "HEAD", &t.bucket, &t.region, &t.key);
    head.headers = headers.clone();
    head.abort = Some(&ctx.abort);
    let resp = c.request(head).await?;
    let size = resp.header("content-length").and_then(|v| v.trim().parse::<u64>().ok()).ok_or_else(|| {
        CosError::protocol("get Content-Length error: the HEAD answer has no Content-Length (add it to the bucket's CORS ExposeHeader)")
    })?;
    let storage_class = resp.header("x-cos-storage-class").unwrap_or("");
    let restore = resp.header("x-cos-restore").unwrap_or("");
    if matches!(storage_class, "ARCHIVE" | "DEEP_ARCHIVE") && (restore.is_empty() || restore == "ongoing-request=\"true\"") {
        let mut e = CosError::new(ErrorKind::Server, "CannotDownload", "Archive object can not download, please restore to Standard storage class.");
        e.status_code = Some(403);
        e.headers = resp.headers.clone();
        return Err(e);
    }
    let remote = Remote {
        size,
        etag: resp.header("etag").unwrap_or("").to_string(),
        crc64: resp.header("x-cos-hash-crc64ecma").and_then(|v| v.trim().parse().ok()),
    };

    ctx.reporter.update(0, size);
    ctx.reporter.flush();
    let data = if size <= chunk {
        download_whole(c, &t, &path, &headers, &remote, ctx, retries).await?
    } else {
        let plan = PartPlan::new(size, Some(chunk), c.opts().max_part_number).map_err(|e| CosError::param(e.to_string()))?;
        download_ranges(c, &t, &path, &headers, &remote, &plan, ctx, limit, retries).await?
    };
    ctx.reporter.update(size, size);
    ctx.reporter.flush();
    Ok(data)
}

/// An object no larger than ChunkSize: one GET (as the official SDK does), still CRC-checked.
async fn download_whole<H: Host>(
    c: &Rc<Client<H>>,
    t: &Target,
    path: &str,
    headers: &[(String, String)],
    remote: &Remote,
    ctx: &DownloadCtx<H>,
    retries: u32,
) -> Result<Value> {
    let (file, _) = c.host.open_write(path, 0, false).await?;
    let r = with_retries(c, ctx, retries, || async {
        let mut req = Req::new("GetObject", "GET", &t.bucket, &t.region, &t.key);
        req.headers = headers.to_vec();
        req.retry = Retry::Never;
        req.abort = Some(&ctx.abort);
        req.response_type = ResponseType::File { file, offset: 0 };
        req.progress = ctx.reporter.request_progress(0, remote.size);
        let resp = c.request(req).await?;
        let written = resp.written.unwrap_or_default();
        let want = resp.header("content-length").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(written.bytes);
        if written.bytes != want {
            return Err(CosError::network("the connection closed before the whole object arrived"));
        }
        if let (Some(got), Some(h)) = (written.crc64, resp.header("x-cos-hash-crc64ecma")) {
            if h.trim().parse::<u64>().ok() != Some(got) {
                return Err(crc_error(path, got, h, Some(&resp)));
            }
        }
        let mut data = ops::base_data(&resp);
        data.set("ETag", resp.header("etag").unwrap_or("").into());
        Ok(data)
    })
    .await;
    let closed = c.host.close_write(file).await;
    let data = r?;
    closed?;
    Ok(data)
}

fn crc_error(path: &str, local: u64, server: &str, resp: Option<&HttpResponse>) -> CosError {
    let local = local.to_string();
    let m = concat_msg(&["CRC64 mismatch for the downloaded file ", path, ": local ", &local, ", server ", server, "; the file is left as downloaded and not resumed"]);
    let mut e = CosError::integrity("CRC64Mismatch", m);
    e.status_code = Some(resp.map_or(200, |r| r.status));
    if let Some(r) = resp {
        e.headers = r.headers.clone();
    }
    e
}

/// Runs `attempt` until it succeeds, fails with an error not worth retrying, or the attempts are spent.
async fn with_retries<H: Host, T, F, Fut>(c: &Client<H>, ctx: &DownloadCtx<H>, retries: u32, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: core::future::Future<Output = Result<T>>,
{
    let policy = crate::attempts::RetryPolicy { retries, ..c.retry_policy() };
    let started = c.host.now_ms();
    let mut attempts = 0;
    loop {
        ctx.abort.check()?;
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                attempts += 1;
                let elapsed = c.host.now_ms() - started;
                match policy.delay_after(attempts, elapsed, c.host.random()) {
                    Some(ms) if retryable(&e) => c.host.sleep(ms).await,
                    _ => return Err(e.with_attempts(attempts, elapsed)),
                }
            }
        }
    }
}

fn load_records<H: Host>(host: &H, now_s: u64) -> Vec<Record> {
    host.storage_get(STORE_KEY).map(|t| decode_list(&t, now_s)).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn download_ranges<H: Host>(
    c: &Rc<Client<H>>,
    t: &Target,
    path: &str,
    headers: &[(String, String)],
    remote: &Remote,
    plan: &PartPlan,
    ctx: &DownloadCtx<H>,
    limit: usize,
    retries: u32,
) -> Result<Value> {
    let now_s = || (c.host.now_ms() / 1000.0).max(0.0) as u64;
    let id = checkpoint::source_id(&t.bucket, &t.region, &t.key, path);
    let saved = load_records(&*c.host, now_s());
    let keep = resumable_parts(saved.iter().find(|r| r.id == id), remote, plan);
    let (file, kept) = c.host.open_write(path, plan.file_size, !keep.is_empty()).await?;
    // The file's bytes are trusted only if the host kept them (same size, still there).
    let keep = if kept { keep } else { Vec::new() };
    let crcs: Rc<RefCell<Vec<Option<u64>>>> = Rc::new(RefCell::new(vec![None; plan.part_count as usize]));
    for (n, crc) in &keep {
        crcs.borrow_mut()[*n as usize - 1] = Some(*crc);
    }
    let record = Rc::new(RefCell::new(Record { id: id.clone(), remote: remote.clone(), part_size: plan.part_size, saved_s: now_s(), parts: keep }));
    let save = |record: &Record| {
        let mut list = load_records(&*c.host, now_s());
        upsert(&mut list, Record { saved_s: now_s(), ..record.clone() });
        c.host.storage_set(STORE_KEY, &encode_list(&list));
    };
    let forget = || {
        let mut list = load_records(&*c.host, now_s());
        list.retain(|r| r.id != id);
        c.host.storage_set(STORE_KEY, &encode_list(&list));
    };
    save(&record.borrow());

    // Progress: finished ranges plus what the ranges in flight received, never decreasing.
    let finished = Rc::new(Cell::new(record.borrow().parts.iter().map(|(n, _)| plan.part_len(*n)).sum::<u64>()));
    let in_flight: Rc<RefCell<Vec<(u32, u64)>>> = Rc::new(RefCell::new(Vec::new()));
    let high = Rc::new(Cell::new(0u64));
    let report = {
        let (in_flight, high, reporter) = (in_flight.clone(), high.clone(), ctx.reporter.clone());
        let size = plan.file_size;
        Rc::new(move |finished: u64| {
            let v = (finished + in_flight.borrow().iter().map(|(_, b)| *b).sum::<u64>()).max(high.get()).min(size);
            high.set(v);
            reporter.update(v, size);
        })
    };
    report(finished.get());

    let todo: Vec<u32> = (1..=plan.part_count).filter(|n| crcs.borrow()[*n as usize - 1].is_none()).collect();
    let mut queue = todo.into_iter();
    let mut running = FuturesUnordered::new();
    let mut first_error: Option<CosError> = None;
    let mut last: Option<Value> = None;
    loop {
        while first_error.is_none() && running.len() < limit {
            let Some(n) = queue.next() else { break };
            let (in_flight, report, finished) = (in_flight.clone(), report.clone(), finished.clone());
            let (start, end) = plan.range(n);
            running.push(async move {
                let r = with_retries(c, ctx, retries, || {
                    let (in_flight, report, finished) = (in_flight.clone(), report.clone(), finished.clone());
                    async move {
                        let mut h = headers.to_vec();
                        params::put_header(&mut h, "Range", concat_msg(&["bytes=", &start.to_string(), "-", &(end - 1).to_string()]));
                        let mut req = Req::new("GetObject", "GET", &t.bucket, &t.region, &t.key);
                        req.headers = h;
                        req.retry = Retry::Never;
                        req.abort = Some(&ctx.abort);
                        req.response_type = ResponseType::File { file, offset: start };
                        req.progress = Some(Rc::new(move |got: u64| {
                            {
                                let mut f = in_flight.borrow_mut();
                                match f.iter_mut().find(|(p, _)| *p == n) {
                                    Some(slot) => slot.1 = got.min(end - start),
                                    None => f.push((n, got.min(end - start))),
                                }
                            }
                            report(finished.get());
                        }));
                        let resp = c.request(req).await?;
                        if let Err(why) = same_object(remote, &resp) {
                            return Err(changed_error(why, &resp));
                        }
                        let written = resp.written.unwrap_or_default();
                        if written.bytes != end - start {
                            return Err(CosError::network("the connection closed before the whole range arrived"));
                        }
                        let crc = written.crc64.ok_or_else(|| CosError::host("the host gave no CRC-64 of the range it wrote"))?;
                        Ok((crc, resp))
                    }
                })
                .await;
                (n, r)
            });
        }
        match running.next().await {
            None => break,
            Some((n, r)) => {
                in_flight.borrow_mut().retain(|(p, _)| *p != n);
                match r {
                    Ok((crc, resp)) => {
                        crcs.borrow_mut()[n as usize - 1] = Some(crc);
                        finished.set(finished.get() + plan.part_len(n));
                        record.borrow_mut().parts.push((n, crc));
                        save(&record.borrow());
                        if n == plan.part_count {
                            let mut data = ops::base_data(&resp);
                            data.set("ETag", resp.header("etag").unwrap_or("").into());
                            last = Some(data);
                        }
                        report(finished.get());
                    }
                    Err(e) => {
                        if first_error.is_none() {
                            // The others stop; what finished stays in the checkpoint.
                            ctx.abort.stop(&*c.host, ErrorKind::Canceled);
                            first_error = Some(e);
                        }
                    }
                }
            }
        }
    }
    let closed = c.host.close_write(file).await;
    if let Some(e) = first_error {
        // A stop made by the first error shows up as TaskCanceled in the others: the first one counts.
        if e.code == "ObjectHasChanged" {
            forget();
        }
        return Err(e);
    }
    ctx.abort.check()?;
    closed?;
    let whole = whole_crc64(plan, &crcs.borrow()).ok_or_else(|| CosError::host("a range of the download has no CRC-64"))?;
    if let Some(server) = remote.crc64 {
        if whole != server {
            forget();
            return Err(crc_error(path, whole, &server.to_string(), None));
        }
    }
    forget();
    // The official answer is the last range's getObject data.
    Ok(last.unwrap_or_else(|| {
        let mut v = Value::obj();
        v.set("ETag", remote.etag.as_str().into());
        v.set("statusCode", Value::Num(206.0));
        v
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote() -> Remote {
        Remote { size: 5 * MIB + 7, etag: "\"abc\"".into(), crc64: Some(42) }
    }

    fn plan() -> PartPlan {
        PartPlan::new(5 * MIB + 7, Some(MIB), 10000).unwrap()
    }

    fn record(parts: Vec<(u32, u64)>) -> Record {
        Record { id: "id1".into(), remote: remote(), part_size: MIB, saved_s: 1000, parts }
    }

    #[test]
    fn records_round_trip_and_damaged_lines_are_dropped() {
        let a = record(vec![(1, 7), (3, u64::MAX)]);
        let b = Record { id: "id2".into(), remote: Remote { crc64: None, ..remote() }, parts: vec![], ..a.clone() };
        let text = encode_list(&[a.clone(), b.clone()]);
        assert_eq!(decode_list(&text, 1000), vec![a.clone(), b]);
        assert_eq!(decode_list("junk\nid\tx\t1\n", 1000), vec![]);
        // Too old: not resumed.
        assert_eq!(decode_list(&encode_list(&[a]), 1000 + MAX_AGE_S + 1), vec![]);
    }

    #[test]
    fn upsert_replaces_and_bounds() {
        let mut list = Vec::new();
        for i in 0..MAX_RECORDS + 5 {
            upsert(&mut list, Record { id: format!("r{i}"), ..record(vec![]) });
        }
        upsert(&mut list, Record { id: "r104".into(), ..record(vec![(1, 1)]) });
        assert_eq!(list.len(), MAX_RECORDS);
        assert_eq!(list[0].id, "r104");
        assert_eq!(list[0].parts, vec![(1, 1)]);
        assert_eq!(list.iter().filter(|r| r.id == "r104").count(), 1);
    }

    #[test]
    fn resume_only_the_same_object_cut_the_same_way() {
        let p = plan();
        let r = record(vec![(1, 10), (2, 20), (99, 5)]);
        assert_eq!(resumable_parts(Some(&r), &remote(), &p), vec![(1, 10), (2, 20)]);
        assert_eq!(resumable_parts(None, &remote(), &p), vec![]);
        let other_etag = Remote { etag: "\"new\"".into(), ..remote() };
        assert_eq!(resumable_parts(Some(&r), &other_etag, &p), vec![]);
        let other_size = Remote { size: 6 * MIB, ..remote() };
        assert_eq!(resumable_parts(Some(&r), &other_size, &p), vec![]);
        let other_crc = Remote { crc64: Some(43), ..remote() };
        assert_eq!(resumable_parts(Some(&r), &other_crc, &p), vec![]);
        let other_cut = PartPlan::new(5 * MIB + 7, Some(2 * MIB), 10000).unwrap();
        assert_eq!(resumable_parts(Some(&r), &remote(), &other_cut), vec![]);
        let no_etag = Remote { etag: String::new(), ..remote() };
        assert_eq!(resumable_parts(Some(&Record { remote: no_etag.clone(), ..r }), &no_etag, &p), vec![]);
    }

    #[test]
    fn whole_crc_combines_the_ranges() {
        let data: Vec<u8> = (0..(5 * MIB + 7)).map(|i| (i * 31 % 251) as u8).collect();
        let p = plan();
        let crcs: Vec<Option<u64>> = p.parts().map(|part| Some(crc64::crc64(&data[part.start as usize..part.end as usize]))).collect();
        assert_eq!(whole_crc64(&p, &crcs), Some(crc64::crc64(&data)));
        let mut missing = crcs.clone();
        missing[2] = None;
        assert_eq!(whole_crc64(&p, &missing), None);
    }

    fn answer(headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse { status: 206, headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Default::default() }
    }

    #[test]
    fn a_range_answer_must_be_of_the_same_object() {
        let r = remote();
        let total = format!("bytes 0-9/{}", r.size);
        assert_eq!(same_object(&r, &answer(&[("content-range", &total), ("etag", "\"abc\""), ("x-cos-hash-crc64ecma", "42")])), Ok(()));
        assert_eq!(same_object(&r, &answer(&[("content-range", &total)])), Ok(()));
        assert!(same_object(&r, &answer(&[("content-range", "bytes 0-9/100")])).is_err());
        assert!(same_object(&r, &answer(&[])).is_err());
        assert!(same_object(&r, &answer(&[("content-range", &total), ("x-cos-hash-crc64ecma", "41")])).is_err());
        assert!(same_object(&r, &answer(&[("content-range", &total), ("etag", "\"new\"")])).is_err());
    }
}
