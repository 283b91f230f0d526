//! Resume records ("checkpoints") for multipart uploads, and the pure part of deciding what a
//! resumed upload still has to send (the official SDK's, docs/official-sdk-behaviour.md#resume, done better):
//!
//! - the file identity uses epoch milliseconds, not a locale date string, so it is stable across
//!   timezones and reads;
//! - a record names the upload (bucket, region, key, UploadId, sizes) and never carries a credential;
//! - a cached UploadId is not trusted blindly: every already-uploaded part is a mere *candidate*
//!   until the engine hashed the local bytes and [`etag_matches`] said yes.
//!
//! Storage: one host key-value entry, [`STORAGE_KEY`], holding the text of [`encode_list`]: a list of
//! records, newest first, at most `UploadIdCacheLimit` long, none older than [`MAX_AGE_S`].


use crate::prelude::*;
use crate::float;
use crate::plan::PartPlan;
use crate::encode::hex;
use crate::value::num_to_string;

/// The host storage key of the record list.
pub const STORAGE_KEY: &str = "cos_wasm_upload_cache";
/// Records older than this (30 days) are dropped when the list is loaded.
pub(crate) const MAX_AGE_S: u64 = 30 * 24 * 3600;
/// First line of the stored text; anything else decodes to an empty list.
const FORMAT: &str = "v1";
/// Separates fields, in the stored text and in the fingerprint string; escaped inside fields.
const SEP: char = '\t';

/// What identifies a local file across page loads. `last_modified_ms` is epoch milliseconds
/// (`File.lastModified`; wx `lastModifiedTime` seconds × 1000; Node `mtimeMs`), `None` if unknown.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fingerprint {
    pub name: String,
    pub size: u64,
    pub last_modified_ms: Option<f64>,
}

/// Hex MD5 of a canonical string of the upload target, the file fingerprint and the part size.
/// Fields are escaped and separated, so distinct inputs never collide by concatenation; the time
/// is taken in whole milliseconds (sub-millisecond noise is dropped).
pub(crate) fn file_id(bucket: &str, region: &str, key: &str, fp: &Fingerprint, part_size: u64) -> String {
    let mtime = match fp.last_modified_ms {
        Some(ms) if ms.is_finite() => num_to_string(float::floor(ms)),
        _ => String::new(),
    };
    let size = fp.size.to_string();
    let part = part_size.to_string();
    let mut s = String::from("cos-wasm-file-v1");
    for field in [bucket, region, key, &fp.name, &size, &mtime, &part] {
        s.push(SEP);
        escape_into(&mut s, field);
    }
    hex(&crate::md5::md5(s.as_bytes()))
}

/// The identity of a file's uploads to one object whatever its content: bucket, region, key and the
/// file's name. Records of the same source with another [`file_id`] belong to an older version of
/// the file (changed since: other size or time), whose uploads can never be resumed.
pub(crate) fn source_id(bucket: &str, region: &str, key: &str, name: &str) -> String {
    let mut s = String::from("cos-wasm-source-v1");
    for field in [bucket, region, key, name] {
        s.push(SEP);
        escape_into(&mut s, field);
    }
    hex(&crate::md5::md5(s.as_bytes()))
}

/// One resumable upload. Never holds credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// [`file_id`] of the file being uploaded.
    pub file_id: String,
    pub upload_id: String,
    pub bucket: String,
    pub region: String,
    pub key: String,
    pub part_size: u64,
    pub file_size: u64,
    /// Unix seconds when saved.
    pub saved_at_s: u64,
    /// [`source_id`] of the file; empty in records written before it existed.
    pub source_id: String,
}

impl Record {
    fn is(&self, file_id: &str, upload_id: &str) -> bool {
        self.file_id == file_id && self.upload_id == upload_id
    }
}

/// Encodes records, in order, as: a `v1` line, then one line per record with the fields
/// `file_id upload_id bucket region key part_size file_size saved_at_s source_id` separated by TAB
/// (lines without the last field, from older versions, still decode);
/// `\`, TAB, LF and CR inside fields are written `\\`, `\t`, `\n`, `\r`.
pub(crate) fn encode_list(records: &[Record]) -> String {
    let mut out = String::from(FORMAT);
    for r in records {
        out.push('\n');
        let numbers = [r.part_size.to_string(), r.file_size.to_string(), r.saved_at_s.to_string()];
        let texts = [&r.file_id, &r.upload_id, &r.bucket, &r.region, &r.key];
        for (i, field) in texts.into_iter().chain(numbers.iter()).enumerate() {
            if i > 0 {
                out.push(SEP);
            }
            escape_into(&mut out, field);
        }
        out.push(SEP);
        escape_into(&mut out, &r.source_id);
    }
    out
}

/// Decodes [`encode_list`] output, keeping the order and dropping records saved more than
/// [`MAX_AGE_S`] before `now_s`. Never fails: text in another format (or garbage) gives an empty
/// list, and malformed lines (wrong field count, bad escapes or numbers, empty ids) are skipped.
pub(crate) fn decode_list(text: &str, now_s: u64) -> Vec<Record> {
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    if lines.next() != Some(FORMAT) {
        return Vec::new();
    }
    lines.filter_map(decode_record).filter(|r| now_s.saturating_sub(r.saved_at_s) <= MAX_AGE_S).collect()
}

fn decode_record(line: &str) -> Option<Record> {
    let mut fields = line.split(SEP);
    let mut text = || fields.next().and_then(unescape);
    let (file_id, upload_id, bucket, region, key) = (text()?, text()?, text()?, text()?, text()?);
    let mut number = || fields.next().and_then(|f| f.parse::<u64>().ok());
    let (part_size, file_size, saved_at_s) = (number()?, number()?, number()?);
    let source_id = match fields.next() {
        Some(f) => unescape(f)?,
        None => String::new(),
    };
    if fields.next().is_some() || file_id.is_empty() || upload_id.is_empty() {
        return None;
    }
    Some(Record { file_id, upload_id, bucket, region, key, part_size, file_size, saved_at_s, source_id })
}

/// Puts `record` first, replacing any record of the same file and upload, and keeps at most
/// `limit` records (the newest). `limit == 0` empties the list.
pub(crate) fn upsert(list: &mut Vec<Record>, record: Record, limit: usize) {
    list.retain(|r| !r.is(&record.file_id, &record.upload_id));
    list.insert(0, record);
    list.truncate(limit);
}

/// Removes the record of this file and upload (after Complete, or when the server forgot it).
pub(crate) fn remove(list: &mut Vec<Record>, file_id: &str, upload_id: &str) {
    list.retain(|r| !r.is(file_id, upload_id));
}

/// Records of an older version of the source `source_id` (the file changed since): their uploads
/// can never be resumed.
pub(crate) fn stale<'a>(list: &'a [Record], source_id: &str, file_id: &str) -> Vec<&'a Record> {
    list.iter().filter(|r| !r.source_id.is_empty() && r.source_id == source_id && r.file_id != file_id).collect()
}

/// The records of a file, newest first.
pub(crate) fn find<'a>(list: &'a [Record], file_id: &str) -> Vec<&'a Record> {
    list.iter().filter(|r| r.file_id == file_id).collect()
}

fn escape_into(out: &mut String, field: &str) {
    for c in field.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Inverse of [`escape_into`]; `None` for a dangling or unknown escape, or a raw separator.
fn unescape(field: &str) -> Option<String> {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(match chars.next()? {
                '\\' => '\\',
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                _ => return None,
            }),
            '\t' | '\n' | '\r' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A part the server already has (from ListParts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServerPart {
    pub part_number: u32,
    pub size: u64,
    /// As listed, usually quoted: `"<md5 hex>"`.
    pub etag: String,
}

/// What to do with one part of a resumed upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PartStatus {
    /// Upload it.
    Missing,
    /// The server has a part of the right length. Reuse it (with this ETag in Complete) only after
    /// [`etag_matches`] confirmed the local bytes hash to it; otherwise upload it.
    Candidate { etag: String },
}

/// Per-part decision for a resumed upload; `parts[i]` is part `i + 1`, `parts.len() == part_count`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResumePlan {
    pub parts: Vec<PartStatus>,
}

impl ResumePlan {
    /// Status of part `part_number` (1-based).
    #[cfg(test)]
    pub(crate) fn get(&self, part_number: u32) -> Option<&PartStatus> {
        self.parts.get((part_number as usize).checked_sub(1)?)
    }

    /// Part numbers to upload, ascending.
    #[cfg(test)]
    pub(crate) fn missing(&self) -> Vec<u32> {
        self.numbered().filter(|(_, s)| **s == PartStatus::Missing).map(|(n, _)| n).collect()
    }

    /// `(part_number, server ETag)` of the parts to verify, ascending.
    pub(crate) fn candidates(&self) -> Vec<(u32, String)> {
        self.numbered()
            .filter_map(|(n, s)| match s {
                PartStatus::Candidate { etag } => Some((n, etag.clone())),
                PartStatus::Missing => None,
            })
            .collect()
    }

    fn numbered(&self) -> impl Iterator<Item = (u32, &PartStatus)> + '_ {
        (1..).zip(self.parts.iter())
    }
}

/// Matches the server's parts against `plan`: a part becomes a [`PartStatus::Candidate`] when its
/// number is in `1..=part_count` and its size equals the local part's length; every other part
/// (absent, wrong size) is `Missing`, and server parts outside the plan are ignored. If the server
/// lists a number twice, the last entry counts. Check [`usable_upload`] first.
pub(crate) fn plan_resume(plan: &PartPlan, server_parts: &[ServerPart]) -> ResumePlan {
    let mut parts = vec![PartStatus::Missing; plan.part_count as usize];
    for p in server_parts {
        let Some(slot) = (p.part_number as usize).checked_sub(1).and_then(|i| parts.get_mut(i)) else {
            continue;
        };
        *slot = if p.size == plan.part_len(p.part_number) {
            PartStatus::Candidate { etag: p.etag.clone() }
        } else {
            PartStatus::Missing
        };
    }
    ResumePlan { parts }
}

/// Whether an existing upload was cut the way `plan` cuts the file, so resuming it makes sense:
/// every listed part number is in `1..=part_count`, and every part but the last has exactly
/// `part_size` bytes. (A last part of another length is merely re-uploaded.) An upload with no
/// parts is usable.
pub(crate) fn usable_upload(plan: &PartPlan, server_parts: &[ServerPart]) -> bool {
    server_parts.iter().all(|p| {
        (1..=plan.part_count).contains(&p.part_number)
            && (p.part_number == plan.part_count || p.size == plan.part_size)
    })
}

/// Whether a server ETag is the MD5 (hex) of the local bytes: surrounding quotes and whitespace
/// are ignored, case is not significant. An empty ETag never matches.
pub(crate) fn etag_matches(server_etag: &str, local_md5_hex: &str) -> bool {
    let etag = server_etag.trim().trim_matches('"');
    !etag.is_empty() && etag.eq_ignore_ascii_case(local_md5_hex.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MIB;

    fn record(file_id: &str, upload_id: &str, saved_at_s: u64) -> Record {
        Record {
            file_id: file_id.into(),
            upload_id: upload_id.into(),
            bucket: "examplebucket-1250000000".into(),
            region: "ap-guangzhou".into(),
            key: "dir/big.bin".into(),
            part_size: MIB,
            file_size: 5 * MIB + 3,
            saved_at_s,
            source_id: String::new(),
        }
    }

    #[test]
    fn stale_records_share_the_source_not_the_file() {
        let src = source_id("b", "r", "k", "big.bin");
        assert_ne!(src, source_id("b", "r", "k", "other.bin"));
        let mut a = record("f-old", "u1", NOW);
        a.source_id = src.clone();
        let mut b = record("f-new", "u2", NOW);
        b.source_id = src.clone();
        let c = record("f-older", "u3", NOW); // written before source ids: never taken for stale
        let list = vec![a.clone(), b, c];
        let ids: Vec<&str> = stale(&list, &src, "f-new").iter().map(|r| r.upload_id.as_str()).collect();
        assert_eq!(ids, ["u1"]);
        // The field round-trips, and lines without it (older versions) still decode.
        let text = encode_list(&list);
        assert_eq!(decode_list(&text, NOW), list);
        let old_line = "v1\nf\tu\tb\tr\tk\t1\t2\t1700000000";
        assert_eq!(decode_list(old_line, NOW).len(), 1);
    }

    const NOW: u64 = 1_700_000_000;

    fn fp(name: &str, ms: Option<f64>) -> Fingerprint {
        Fingerprint { name: name.into(), size: 2_621_440, last_modified_ms: ms }
    }

    #[test]
    fn file_id_is_md5_hex_of_escaped_fields() {
        let id = file_id("b", "r", "k", &fp("big.bin", Some(1_689_999_999_000.0)), MIB);
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let s = String::from("cos-wasm-file-v1\tb\tr\tk\tbig.bin\t2621440\t1689999999000\t1048576");
        assert_eq!(id, hex(&crate::md5::md5(s.as_bytes())));
        // Stable across calls; sub-millisecond noise ignored.
        assert_eq!(id, file_id("b", "r", "k", &fp("big.bin", Some(1_689_999_999_000.7)), MIB));
        // Every field matters.
        let base = fp("big.bin", Some(1.0));
        let ids = [
            file_id("b", "r", "k", &base, MIB),
            file_id("b2", "r", "k", &base, MIB),
            file_id("b", "r2", "k", &base, MIB),
            file_id("b", "r", "k2", &base, MIB),
            file_id("b", "r", "k", &fp("other", Some(1.0)), MIB),
            file_id("b", "r", "k", &Fingerprint { size: 1, ..base.clone() }, MIB),
            file_id("b", "r", "k", &fp("big.bin", Some(2.0)), MIB),
            file_id("b", "r", "k", &fp("big.bin", None), MIB),
            file_id("b", "r", "k", &base, 2 * MIB),
        ];
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // Separators inside fields cannot shift field boundaries.
        assert_ne!(file_id("a\tb", "c", "k", &base, MIB), file_id("a", "b\tc", "k", &base, MIB));
        assert_ne!(file_id("a\\", "tb", "k", &base, MIB), file_id("a", "\\tb", "k", &base, MIB));
    }

    #[test]
    fn round_trip_with_awkward_fields() {
        let mut odd = record("f1", "up\tload\\id", NOW);
        odd.key = "a/b\tc\nd\re\\f \\t 中文/😀.bin".into();
        odd.bucket = String::new();
        let list = vec![odd, record("f2", "u2", NOW - 10), record("f3", "u3", NOW - MAX_AGE_S)];
        let text = encode_list(&list);
        assert_eq!(text.lines().count(), 4);
        assert!(text.starts_with("v1\n"));
        assert_eq!(decode_list(&text, NOW), list);
        assert_eq!(encode_list(&[]), "v1");
        assert_eq!(decode_list("v1", NOW), vec![]);
        // CRLF line ends (a host that normalises text) still decode.
        assert_eq!(decode_list(&text.replace('\n', "\r\n"), NOW), list);
    }

    #[test]
    fn expired_records_are_dropped() {
        let list = vec![
            record("a", "1", NOW - MAX_AGE_S - 1),
            record("b", "2", NOW - MAX_AGE_S),
            record("c", "3", NOW + 5),
        ];
        let got = decode_list(&encode_list(&list), NOW);
        let ids: Vec<&str> = got.iter().map(|r| r.upload_id.as_str()).collect();
        assert_eq!(ids, ["2", "3"]);
    }

    #[test]
    fn garbage_decodes_to_nothing_or_skips_lines() {
        for text in [
            "",
            "\n",
            "v2\nf\tu\tb\tr\tk\t1\t1\t1",
            r#"[["765b57cc1d296418fb4700b81df75c66","OLDID",1700000001]]"#,
            "\u{0}\u{1}garbage",
            "V1",
        ] {
            assert_eq!(decode_list(text, NOW), vec![], "{text:?}");
        }
        let good = encode_list(&[record("f", "u", NOW)]);
        let good_line = good.lines().nth(1).unwrap();
        let text = [
            "v1",
            "",
            "only\tthree\tfields",
            "f\tu\tb\tr\tk\t1\t1\tnotanumber",
            "f\tu\tb\tr\tk\t-1\t1\t1",
            "f\tu\tb\tr\tk\t1\t1\t1\textra",
            "\tu\tb\tr\tk\t1\t1\t1",
            "f\t\tb\tr\tk\t1\t1\t1",
            "f\tu\tb\\x\tr\tk\t1\t1\t1",
            "f\tu\tb\tr\tk\\\t1\t1\t1",
            good_line,
        ]
        .join("\n");
        assert_eq!(decode_list(&text, NOW), vec![record("f", "u", NOW)]);
    }

    #[test]
    fn upsert_remove_find() {
        let mut list = Vec::new();
        upsert(&mut list, record("f", "u1", 1), 3);
        upsert(&mut list, record("g", "u2", 2), 3);
        upsert(&mut list, record("f", "u3", 3), 3);
        let f: Vec<&str> = find(&list, "f").iter().map(|r| r.upload_id.as_str()).collect();
        assert_eq!(f, ["u3", "u1"]);
        // Re-saving moves to the front without duplicating.
        upsert(&mut list, record("f", "u1", 4), 3);
        let all: Vec<&str> = list.iter().map(|r| r.upload_id.as_str()).collect();
        assert_eq!(all, ["u1", "u3", "u2"]);
        assert_eq!(list[0].saved_at_s, 4);
        // The limit drops the oldest.
        upsert(&mut list, record("h", "u4", 5), 3);
        let all: Vec<&str> = list.iter().map(|r| r.upload_id.as_str()).collect();
        assert_eq!(all, ["u4", "u1", "u3"]);
        remove(&mut list, "f", "u1");
        remove(&mut list, "g", "u3"); // wrong file: kept
        let all: Vec<&str> = list.iter().map(|r| r.upload_id.as_str()).collect();
        assert_eq!(all, ["u4", "u3"]);
        assert!(find(&list, "nope").is_empty());
        upsert(&mut list, record("x", "y", 6), 0);
        assert!(list.is_empty());
    }

    fn part(n: u32, size: u64) -> ServerPart {
        let mut etag = String::from("\"etag");
        etag.push_str(&n.to_string());
        etag.push('"');
        ServerPart { part_number: n, size, etag }
    }

    fn plan() -> PartPlan {
        // 4 parts: 3 × 1 MiB + 5 bytes.
        PartPlan::new(3 * MIB + 5, None, 10_000).unwrap()
    }

    #[test]
    fn resume_nothing_uploaded() {
        let r = plan_resume(&plan(), &[]);
        assert_eq!(r.parts, vec![PartStatus::Missing; 4]);
        assert_eq!(r.missing(), [1, 2, 3, 4]);
        assert_eq!(r.candidates().len(), 0);
        assert!(usable_upload(&plan(), &[]));
    }

    #[test]
    fn resume_all_uploaded() {
        let parts = [part(1, MIB), part(2, MIB), part(3, MIB), part(4, 5)];
        assert!(usable_upload(&plan(), &parts));
        let r = plan_resume(&plan(), &parts);
        assert_eq!(r.missing().len(), 0);
        let want: Vec<(u32, String)> = (1..=4).map(|n| (n, part(n, 0).etag)).collect();
        assert_eq!(r.candidates(), want);
        assert_eq!(r.get(4), Some(&PartStatus::Candidate { etag: "\"etag4\"".into() }));
        assert_eq!(r.get(0), None);
        assert_eq!(r.get(5), None);
    }

    #[test]
    fn resume_with_wrong_sizes_and_extra_parts() {
        // Part 2 missing, last part of the wrong size, part 5 beyond the plan, part 0 nonsense.
        let parts = [part(1, MIB), part(3, MIB), part(4, 6), part(5, MIB), part(0, MIB)];
        let r = plan_resume(&plan(), &parts);
        assert_eq!(r.missing(), [2, 4]);
        assert_eq!(r.candidates().iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 3]);
        // … but such an upload is not one to resume.
        assert!(!usable_upload(&plan(), &parts));
        assert!(!usable_upload(&plan(), &[part(5, MIB)]));
        assert!(!usable_upload(&plan(), &[part(0, MIB)]));
        // Made with 2 MiB parts: a non-last part of another size.
        assert!(!usable_upload(&plan(), &[part(1, 2 * MIB)]));
        assert!(!usable_upload(&plan(), &[part(2, MIB - 1)]));
        // Only the last part has an odd length: usable, and that part is re-uploaded.
        let parts = [part(1, MIB), part(4, 6)];
        assert!(usable_upload(&plan(), &parts));
        assert_eq!(plan_resume(&plan(), &parts).missing(), [2, 3, 4]);
    }

    #[test]
    fn resume_last_part_size_and_single_part_files() {
        // A file that is exactly 2 parts: the last part is full-size.
        let p = PartPlan::new(2 * MIB, None, 10_000).unwrap();
        let r = plan_resume(&p, &[part(2, MIB)]);
        assert_eq!(r.candidates().iter().map(|(n, _)| *n).collect::<Vec<_>>(), [2]);
        // A one-part file: the only part is also the last.
        let p = PartPlan::new(10, None, 10_000).unwrap();
        assert!(usable_upload(&p, &[part(1, 10)]));
        assert_eq!(plan_resume(&p, &[part(1, 10)]).missing().len(), 0);
        assert_eq!(plan_resume(&p, &[part(1, 9)]).missing().len(), 1);
        // An empty plan cannot use any part.
        let p = PartPlan::new(0, None, 10_000).unwrap();
        assert!(!usable_upload(&p, &[part(1, 1)]));
        assert!(plan_resume(&p, &[part(1, 1)]).parts.is_empty());
    }

    #[test]
    fn duplicate_listing_last_wins() {
        let r = plan_resume(&plan(), &[part(1, MIB), part(1, 7)]);
        assert_eq!(r.get(1), Some(&PartStatus::Missing));
    }

    #[test]
    fn etags() {
        let md5 = "39270a968a357d24207e9911162507eb";
        assert!(etag_matches("\"39270a968a357d24207e9911162507eb\"", md5));
        assert!(etag_matches("39270A968A357D24207E9911162507EB", md5));
        assert!(etag_matches(" \"39270a968a357d24207e9911162507eb\" ", md5));
        assert!(!etag_matches("\"39270a968a357d24207e9911162507ec\"", md5));
        assert!(!etag_matches("\"aa259a62513358f69e98e72e59856d88-3\"", md5));
        assert!(!etag_matches("\"\"", ""));
        assert!(!etag_matches("", md5));
    }
}
