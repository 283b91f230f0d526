//! The pure pieces of `sliceCopyFile` (a copy of one COS object to another, whole or in parts):
//! the `CopySource` form, the part ranges, the headers the new upload starts with, and which parts
//! of a resumed copy are already done. The flow that sends the requests is in `upload/slice_copy.rs`.

use crate::prelude::*;
use crate::checkpoint::{Fingerprint, ServerPart};
use crate::attempts::parse_http_date;
use crate::encode::url_decode;
use crate::params::{get_header, put_header};
use crate::plan::PartPlan;

/// The source object named by `CopySource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CopySource {
    pub bucket: String,
    pub region: String,
    /// Decoded object key.
    pub key: String,
    /// `?versionId=` of the source, if given.
    pub version_id: Option<String>,
}

/// Parses `bucket-appid.cos[v6|-cdc|-cdz|-internal].region.(myqcloud.com|tencentcos.cn)/key`, the
/// form the official SDKs accept (the key URL-encoded, optionally `?versionId=…`). `None` for
/// anything else: the caller reports `CopySource format error`.
pub(crate) fn parse_copy_source(s: &str) -> Option<CopySource> {
    let (host, path) = s.split_once('/')?;
    let mut it = host.splitn(3, '.');
    let (bucket, cos, rest) = (it.next()?, it.next()?, it.next()?);
    let (region, domain) = rest.split_once('.')?;
    let bucket_ok = bucket
        .rsplit_once('-')
        .is_some_and(|(n, id)| !n.is_empty() && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    let cos_ok = matches!(cos, "cos" | "cosv6" | "cos-cdc" | "cos-cdz" | "cos-internal");
    let domain_ok = matches!(domain, "myqcloud.com" | "tencentcos.cn");
    if !bucket_ok || !cos_ok || region.is_empty() || !domain_ok || path.is_empty() {
        return None;
    }
    let (raw_key, version_id) = match crate::text::split_once(path, "?versionId=") {
        Some((k, v)) => (k, Some(url_decode(v))),
        None => (path, None),
    };
    let key = url_decode(raw_key);
    if key.is_empty() {
        return None;
    }
    Some(CopySource { bucket: bucket.to_string(), region: region.to_string(), key, version_id })
}

/// `x-cos-copy-source-range` of part `n`: `bytes=first-last`, both inclusive.
pub(crate) fn part_range(plan: &PartPlan, n: u32) -> String {
    let (start, end) = plan.range(n);
    let mut s = String::from("bytes=");
    s.push_str(&start.to_string());
    s.push('-');
    s.push_str(&end.saturating_sub(1).to_string());
    s
}

/// Source response headers a copy keeps when it copies metadata (the official SDK's list).
const KEPT_SOURCE_HEADERS: &[(&str, &str)] = &[
    ("cache-control", "Cache-Control"),
    ("content-disposition", "Content-Disposition"),
    ("content-encoding", "Content-Encoding"),
    ("content-type", "Content-Type"),
    ("expires", "Expires"),
];

/// Headers of a copy request that have no meaning on InitiateMultipartUpload.
fn is_copy_only(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("x-cos-copy-source") || n == "x-cos-metadata-directive" || n == "content-length" || n == "content-md5"
}

/// Request options (not metadata) that a multipart copy applies to the new object whatever the
/// metadata directive, as a single PUT Object - Copy applies them.
fn is_request_option(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "x-cos-acl"
        || n.starts_with("x-cos-grant-")
        || n.starts_with("x-cos-server-side-encryption")
        || n == "x-cos-tagging"
        || n == "x-cos-forbid-overwrite"
}

/// The headers InitiateMultipartUpload gets for a multipart copy. `given`: the call's headers
/// (params mapped); `source`: the source's HEAD answer headers. With `MetadataDirective:
/// 'Replaced'` the call's headers are the new object's metadata; otherwise the source's
/// Cache-Control, Content-Disposition, Content-Encoding, Content-Type, Expires and `x-cos-meta-*`
/// are. The storage class is the call's, else the source's. Copy-only headers are dropped.
pub(crate) fn init_headers(given: &[(String, String)], source: &[(String, String)], replaced: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if replaced {
        out.extend(given.iter().filter(|(k, _)| !is_copy_only(k)).cloned());
    } else {
        for (from, to) in KEPT_SOURCE_HEADERS {
            if let Some(v) = get_header(source, from) {
                put_header(&mut out, to, v.to_string());
            }
        }
        for (k, v) in source {
            let lower = k.to_ascii_lowercase();
            if lower.starts_with("x-cos-meta-") && lower.len() > "x-cos-meta-".len() {
                put_header(&mut out, k, v.clone());
            }
        }
        out.extend(given.iter().filter(|(k, _)| is_request_option(k)).cloned());
    }
    match get_header(given, "x-cos-storage-class").or_else(|| get_header(source, "x-cos-storage-class")) {
        Some(class) => put_header(&mut out, "x-cos-storage-class", class.to_string()),
        None => crate::params::remove_header(&mut out, "x-cos-storage-class"),
    }
    out
}

/// Whether the source is an archived object without a finished restore, which COS does not copy.
pub(crate) fn unrestored_archive(source: &[(String, String)]) -> bool {
    let class = get_header(source, "x-cos-storage-class").unwrap_or("");
    if !(class.eq_ignore_ascii_case("ARCHIVE") || class.eq_ignore_ascii_case("DEEP_ARCHIVE")) {
        return false;
    }
    match get_header(source, "x-cos-restore") {
        None => true,
        Some(r) => crate::text::contains(r, "ongoing-request=\"true\""),
    }
}

/// What identifies the source version a copy's parts come from, for the resume records: the
/// `CopySource` text and ETag as the name, the size, and Last-Modified.
pub(crate) fn source_fingerprint(copy_source: &str, source: &[(String, String)], size: u64) -> Fingerprint {
    let mut name = String::from(copy_source);
    name.push('\n');
    name.push_str(get_header(source, "etag").unwrap_or(""));
    Fingerprint { name, size, last_modified_ms: get_header(source, "last-modified").and_then(parse_http_date) }
}

/// The parts of an upload that a resumed copy keeps: each listed part whose byte range (its
/// offset is the sum of the listed parts before it) is exactly the planned range of its number.
/// `(part number, ETag)`, ascending.
pub(crate) fn resumed_parts(plan: &PartPlan, server: &[ServerPart]) -> Vec<(u32, String)> {
    let mut listed: Vec<&ServerPart> = server.iter().collect();
    crate::sort::sort_small(&mut listed, |a, b| a.part_number < b.part_number);
    let mut offset = 0u64;
    let mut out = Vec::new();
    for p in listed {
        let planned = plan.range(p.part_number);
        if p.size > 0 && planned == (offset, offset + p.size) && !p.etag.is_empty() {
            out.push((p.part_number, p.etag.clone()));
        }
        offset += p.size;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MIB;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn copy_source_forms() {
        let s = parse_copy_source("src-1250000000.cos.ap-beijing.myqcloud.com/dir/a%20b%E4%B8%AD.txt").unwrap();
        assert_eq!(s, CopySource { bucket: "src-1250000000".into(), region: "ap-beijing".into(), key: "dir/a b中.txt".into(), version_id: None });
        let s = parse_copy_source("src-1.cos-internal.ap-shanghai.tencentcos.cn/k?versionId=MTg0%3D").unwrap();
        assert_eq!((s.key.as_str(), s.version_id.as_deref()), ("k", Some("MTg0=")));
        assert!(parse_copy_source("src-1.cosv6.r.myqcloud.com/k").is_some());
        for bad in [
            "",
            "not a source",
            "src-1.cos.ap-beijing.myqcloud.com/",
            "src.cos.ap-beijing.myqcloud.com/k",
            "src-x1.cos.ap-beijing.myqcloud.com/k",
            "src-1.oss.ap-beijing.myqcloud.com/k",
            "src-1.cos.ap-beijing.example.com/k",
            "src-1.cos..myqcloud.com/k",
            "src-1.cos.ap-beijing.myqcloud.com",
        ] {
            assert!(parse_copy_source(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn ranges_cover_the_source_inclusively() {
        let plan = PartPlan::new(2 * MIB + 5, Some(MIB), 10_000).unwrap();
        assert_eq!(plan.part_count, 3);
        assert_eq!(part_range(&plan, 1), "bytes=0-1048575");
        assert_eq!(part_range(&plan, 2), "bytes=1048576-2097151");
        assert_eq!(part_range(&plan, 3), "bytes=2097152-2097156");
        // A part size below 1 MiB is raised to it, as the official CopyChunkSize is.
        assert_eq!(PartPlan::new(3 * MIB, Some(10), 10_000).unwrap().part_size, MIB);
    }

    #[test]
    fn metadata_copied_from_the_source_or_replaced() {
        let source = h(&[
            ("content-type", "text/x-src"),
            ("cache-control", "max-age=5"),
            ("content-length", "99"),
            ("etag", "\"e\""),
            ("x-cos-meta-a", "1"),
            ("x-cos-meta-", "empty name"),
            ("x-cos-storage-class", "STANDARD_IA"),
            ("x-cos-request-id", "id"),
        ]);
        let given = h(&[
            ("x-cos-copy-source", "s-1.cos.r.myqcloud.com/k"),
            ("x-cos-acl", "public-read"),
            ("Content-Type", "text/new"),
            ("x-cos-meta-b", "2"),
        ]);
        assert_eq!(
            init_headers(&given, &source, false),
            h(&[
                ("Cache-Control", "max-age=5"),
                ("Content-Type", "text/x-src"),
                ("x-cos-meta-a", "1"),
                ("x-cos-acl", "public-read"),
                ("x-cos-storage-class", "STANDARD_IA"),
            ])
        );
        let mut with_directive = given.clone();
        with_directive.push(("x-cos-metadata-directive".into(), "Replaced".into()));
        with_directive.push(("x-cos-storage-class".into(), "ARCHIVE".into()));
        assert_eq!(
            init_headers(&with_directive, &source, true),
            h(&[("x-cos-acl", "public-read"), ("Content-Type", "text/new"), ("x-cos-meta-b", "2"), ("x-cos-storage-class", "ARCHIVE")])
        );
        // No class anywhere: none is sent.
        assert_eq!(init_headers(&[], &h(&[("content-type", "a/b")]), false), h(&[("Content-Type", "a/b")]));
    }

    #[test]
    fn archived_sources_need_a_finished_restore() {
        assert!(!unrestored_archive(&h(&[("x-cos-storage-class", "STANDARD")])));
        assert!(!unrestored_archive(&[]));
        assert!(unrestored_archive(&h(&[("x-cos-storage-class", "ARCHIVE")])));
        assert!(unrestored_archive(&h(&[("x-cos-storage-class", "DEEP_ARCHIVE"), ("x-cos-restore", "ongoing-request=\"true\"")])));
        assert!(!unrestored_archive(&h(&[
            ("x-cos-storage-class", "ARCHIVE"),
            ("x-cos-restore", "ongoing-request=\"false\", expiry-date=\"Wed, 21 Oct 2037 07:28:00 GMT\""),
        ])));
    }

    #[test]
    fn resumed_parts_keep_only_parts_at_their_planned_range() {
        let plan = PartPlan::new(3 * MIB + 10, Some(MIB), 10_000).unwrap();
        let p = |n: u32, size: u64| ServerPart { part_number: n, size, etag: format!("\"e{n}\"") };
        assert_eq!(resumed_parts(&plan, &[p(2, MIB), p(1, MIB)]), vec![(1, "\"e1\"".into()), (2, "\"e2\"".into())]);
        // Part 3 listed without part 2: its offset is not where part 3 starts.
        assert_eq!(resumed_parts(&plan, &[p(1, MIB), p(3, MIB)]), vec![(1, "\"e1\"".into())]);
        // Another part size (another CopyChunkSize): nothing is kept.
        assert!(resumed_parts(&plan, &[p(1, 2 * MIB)]).is_empty());
        assert_eq!(resumed_parts(&plan, &[p(1, MIB), p(2, MIB), p(3, MIB), p(4, 10)]).len(), 4);
        assert!(resumed_parts(&plan, &[]).is_empty());
    }

    #[test]
    fn source_identity_changes_with_the_version() {
        let a = source_fingerprint("s-1.cos.r.myqcloud.com/k", &h(&[("etag", "\"1\""), ("last-modified", "Wed, 21 Oct 2037 07:28:00 GMT")]), 5);
        let b = source_fingerprint("s-1.cos.r.myqcloud.com/k", &h(&[("etag", "\"2\""), ("last-modified", "Wed, 21 Oct 2037 07:28:00 GMT")]), 5);
        assert_ne!(a, b);
        assert!(a.last_modified_ms.is_some());
    }
}
