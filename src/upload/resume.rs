//! Resume discovery: which upload an upload or a copy continues (this task's state after a pause,
//! then the checkpoint records, then `multipartList`), which of its parts can stay, and the
//! checkpoint records that let a later call find it.

use crate::prelude::*;
use crate::checkpoint::{self, Fingerprint, Record, ServerPart};
use crate::client::{AbortScope, Client};
use crate::error::Result;
use crate::host::Host;
use crate::ops;
use crate::params::Target;
use crate::plan::PartPlan;
use crate::source::Source;
use crate::value::Value;

use super::{UploadCtx, UploadState, CHECKPOINT_KEY, MULTIPART_SCOPE};

pub(crate) fn fingerprint(source: &Source) -> Option<Fingerprint> {
    if !source.info.persistent {
        return None;
    }
    Some(Fingerprint {
        name: source.info.name.clone().unwrap_or_default(),
        size: source.size(),
        last_modified_ms: source.info.last_modified_ms,
    })
}

pub(super) fn load_checkpoints<H: Host>(host: &H) -> Vec<Record> {
    let now_s = (host.now_ms() / 1000.0) as u64;
    host.storage_get(CHECKPOINT_KEY)
        .map(|s| checkpoint::decode_list(&s, now_s))
        .unwrap_or_default()
}

fn save_checkpoints<H: Host>(host: &H, list: &[Record]) {
    host.storage_set(CHECKPOINT_KEY, &checkpoint::encode_list(list));
}

/// Records that `upload_id` uploads the file `file_id` (`source_id`) to `t` in `plan`'s parts,
/// within the record limit.
pub(super) fn remember<H: Host>(c: &Client<H>, t: &Target, plan: &PartPlan, file_id: &str, upload_id: &str, source_id: &str) {
    let record = Record {
        file_id: file_id.to_string(),
        upload_id: upload_id.to_string(),
        bucket: t.bucket.clone(),
        region: t.region.clone(),
        key: t.key.clone(),
        part_size: plan.part_size,
        file_size: plan.file_size,
        saved_at_s: (c.host.now_ms() / 1000.0) as u64,
        source_id: source_id.to_string(),
    };
    let mut list = load_checkpoints(&*c.host);
    checkpoint::upsert(&mut list, record, c.opts().upload_id_cache_limit);
    save_checkpoints(&*c.host, &list);
}

/// Forgets the record of `upload_id` for `file_id` (the upload finished, is gone or was aborted).
pub(super) fn forget<H: Host>(c: &Client<H>, file_id: &str, upload_id: &str) {
    // Nothing stored, nothing to forget (and no empty list written where none was).
    let Some(stored) = c.host.storage_get(CHECKPOINT_KEY) else { return };
    let mut list = checkpoint::decode_list(&stored, (c.host.now_ms() / 1000.0) as u64);
    checkpoint::remove(&mut list, file_id, upload_id);
    save_checkpoints(&*c.host, &list);
}

/// Lists every part of an upload (all pages).
pub(super) async fn list_all_parts<H: Host>(c: &Client<H>, t: &Target, upload_id: &str, abort: &AbortScope) -> Result<Vec<ServerPart>> {
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
pub(super) async fn find_resumable<H: Host>(
    c: &Client<H>,
    t: &Target,
    source: &Source,
    plan: &PartPlan,
    file_id: Option<&str>,
    storage_class: Option<&str>,
    ctx: &UploadCtx<H>,
) -> Result<Option<UploadState>> {
    let in_memory = ctx.state.borrow().clone();
    if let Some(mut st) = in_memory {
        if st.part_size == plan.part_size {
            // Parts this task heard about keep the ETags COS gave; a part that was on the wire when the
            // task paused may have been stored unheard, so the listing is checked for those (hashed,
            // never trusted) rather than sending them twice.
            match list_all_parts(c, t, &st.upload_id, &ctx.abort).await {
                Ok(listed) => {
                    let unheard: Vec<ServerPart> = listed
                        .into_iter()
                        .filter(|p| !st.done.iter().any(|d| d.0 == p.part_number))
                        .collect();
                    if !unheard.is_empty() {
                        st.done.extend(verify_parts(c, source, plan, &unheard, ctx).await?);
                        // The shared insertion sort: no dearer than the look-up above, and one std
                        // sort instantiation (~3.7 KB of wasm) less.
                        crate::sort::sort_small(&mut st.done, |a, b| a.0 < b.0);
                    }
                    return Ok(Some(st));
                }
                // The upload is gone (aborted elsewhere): its record goes, and the search starts over below.
                Err(e) if e.code == "NoSuchUpload" => {
                    if let Some(fid) = file_id {
                        forget(c, fid, &st.upload_id);
                    }
                    *ctx.state.borrow_mut() = None;
                }
                Err(e) => return Err(e),
            }
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
        candidates = listed_uploads(c, t, storage_class, &ctx.abort).await?;
    }
    for (i, upload_id) in candidates.into_iter().enumerate() {
        if c.in_use(&upload_id) {
            continue;
        }
        let parts = match list_all_parts(c, t, &upload_id, &ctx.abort).await {
            Ok(p) => p,
            Err(e) if e.code == "NoSuchUpload" => {
                if let Some(fid) = file_id {
                    forget(c, fid, &upload_id);
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

/// The in-progress uploads of the key (of `storage_class`, if given) on the server, newest first.
async fn listed_uploads<H: Host>(c: &Client<H>, t: &Target, storage_class: Option<&str>, abort: &AbortScope) -> Result<Vec<String>> {
    let mut candidates = Vec::new();
    ops::each_upload_page(c, &t.bucket, &t.region, Some(&t.key), Some(MULTIPART_SCOPE), Some(abort), |page| {
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
    Ok(candidates)
}

/// Aborts the uploads this SDK started for an older version of the file (it changed since: another
/// size or time), so a changed file leaves none of its own uploads behind. Failures are ignored:
/// the upload may be gone already, and the current upload must not fail for it.
pub(super) async fn abort_stale_uploads<H: Host>(c: &Client<H>, t: &Target, source_id: &str, file_id: &str, current: &str) {
    let stale: Vec<Record> = checkpoint::stale(&load_checkpoints(&*c.host), source_id, file_id)
        .into_iter()
        .filter(|r| r.upload_id != current && r.bucket == t.bucket && r.region == t.region && r.key == t.key && !c.in_use(&r.upload_id))
        .cloned()
        .collect();
    for r in stale {
        let _ = ops::multipart_abort(c, t, &r.upload_id).await;
        forget(c, &r.file_id, &r.upload_id);
    }
}
