//! Parameter validation and the official parameter → header mapping
//! (docs/official-sdk-behaviour.md#call-machinery).
//! Everything here runs before a request exists, so bad input never reaches the network.

use crate::prelude::*;
use crate::float;
use crate::error::{CosError, Result};
use crate::value::Value;

/// Longest object key COS accepts, in UTF-8 bytes (COS's limits: docs/wire-format.md#limits).
pub(crate) const MAX_KEY_BYTES: usize = 850;
/// `x-cos-traffic-limit` bounds in bit/s.
pub(crate) const TRAFFIC_LIMIT_MIN: f64 = 819_200.0;
pub(crate) const TRAFFIC_LIMIT_MAX: f64 = 838_860_800.0;
/// Total size of user metadata (`x-cos-meta-*` names and values).
pub(crate) const MAX_META_BYTES: usize = 2048;

pub(crate) const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "ARCHIVE",
    "DEEP_ARCHIVE",
    "MAZ_STANDARD",
    "MAZ_STANDARD_IA",
    "MAZ_INTELLIGENT_TIERING",
    "MAZ_ARCHIVE",
];
pub(crate) const ACLS: &[&str] = &["default", "private", "public-read", "public-read-write"];

/// Param name → header name, applied after `x-cos-*` params and `Headers` (they override both).
const HEADER_PARAMS: &[(&str, &str)] = &[
    ("ContentMD5", "Content-MD5"),
    ("ContentLength", "Content-Length"),
    ("ContentType", "Content-Type"),
    ("Expect", "Expect"),
    ("Expires", "Expires"),
    ("CacheControl", "Cache-Control"),
    ("ContentDisposition", "Content-Disposition"),
    ("ContentEncoding", "Content-Encoding"),
    ("ContentLanguage", "Content-Language"),
    ("Range", "Range"),
    ("IfModifiedSince", "If-Modified-Since"),
    ("IfUnmodifiedSince", "If-Unmodified-Since"),
    ("IfMatch", "If-Match"),
    ("IfNoneMatch", "If-None-Match"),
    ("MFA", "x-cos-mfa"),
    ("ACL", "x-cos-acl"),
    ("GrantRead", "x-cos-grant-read"),
    ("GrantWrite", "x-cos-grant-write"),
    ("GrantFullControl", "x-cos-grant-full-control"),
    ("GrantReadAcp", "x-cos-grant-read-acp"),
    ("GrantWriteAcp", "x-cos-grant-write-acp"),
    ("StorageClass", "x-cos-storage-class"),
    ("TrafficLimit", "x-cos-traffic-limit"),
    ("MimeLimit", "x-cos-mime-limit"),
    ("Tagging", "x-cos-tagging"),
    ("ForbidOverwrite", "x-cos-forbid-overwrite"),
    ("SSECustomerAlgorithm", "x-cos-server-side-encryption-customer-algorithm"),
    ("SSECustomerKey", "x-cos-server-side-encryption-customer-key"),
    ("SSECustomerKeyMD5", "x-cos-server-side-encryption-customer-key-MD5"),
    ("ServerSideEncryption", "x-cos-server-side-encryption"),
    ("SSEKMSKeyId", "x-cos-server-side-encryption-cos-kms-key-id"),
    ("SSEContext", "x-cos-server-side-encryption-context"),
    ("PicOperations", "Pic-Operations"),
    ("Callback", "x-cos-callback"),
    ("CallbackVar", "x-cos-callback-var"),
    ("ReturnBody", "x-cos-return-body"),
];

/// The target of an object call, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub bucket: String,
    pub region: String,
    /// Without a leading `/`.
    pub key: String,
}

fn param_str<'a>(params: &'a Value, name: &str) -> Result<Option<&'a str>> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) if s.is_empty() => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => Err(CosError::param(concat_msg(&["param ", name, " should be a string"]))),
    }
}

pub(crate) fn concat_msg(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// `name-appid`: lower-case letters, digits and `-`, then `-` and the numeric APPID.
pub(crate) fn is_valid_bucket(bucket: &str) -> bool {
    let Some((name, appid)) = bucket.rsplit_once('-') else { return false };
    !name.is_empty()
        && !appid.is_empty()
        && appid.bytes().all(|b| b.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(crate) fn is_valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Validates Bucket and Region (both required unless a custom Domain makes them unnecessary).
pub(crate) fn bucket_region(params: &Value, required: bool) -> Result<(String, String)> {
    let bucket = param_str(params, "Bucket")?;
    let region = param_str(params, "Region")?;
    let bucket = match bucket {
        Some(b) => {
            if !is_valid_bucket(b) {
                return Err(CosError::param("Bucket should format as \"test-1250000000\"."));
            }
            b.to_string()
        }
        None if required => return Err(CosError::missing("Bucket")),
        None => String::new(),
    };
    let region = match region {
        // CompatibilityMode (instance option or per call): dots allowed, as cos-js-sdk-v5 allows them.
        Some(r) if opt_bool(params, "CompatibilityMode").unwrap_or(false) => {
            if r.is_empty() || !r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
                return Err(CosError::param("Region format error."));
            }
            r.to_string()
        }
        Some(r) => {
            if r.starts_with("cos.") {
                return Err(CosError::param("param Region should not be start with \"cos.\""));
            }
            if !is_valid_region(r) {
                return Err(CosError::param("Region format error."));
            }
            r.to_string()
        }
        None if required => return Err(CosError::missing("Region")),
        None => String::new(),
    };
    Ok((bucket, region))
}

/// Validates an object key: required, leading `/` stripped (as the official SDK does, unless
/// UseRawKey, an instance option or per call), ≤ 850 bytes.
pub(crate) fn key(params: &Value) -> Result<String> {
    let raw = match params.get("Key") {
        None | Some(Value::Null) => return Err(CosError::missing("Key")),
        Some(Value::Str(s)) => s.as_str(),
        Some(Value::Num(_)) => {
            return Err(CosError::param("param Key should be a string"));
        }
        Some(_) => return Err(CosError::param("param Key should be a string")),
    };
    let raw_key = opt_bool(params, "UseRawKey").unwrap_or(false);
    let key = if raw_key { raw } else { raw.strip_prefix('/').unwrap_or(raw) };
    if key.is_empty() {
        return Err(CosError::missing("Key"));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(CosError::param("param Key is too long: COS keys are at most 850 bytes (UTF-8)"));
    }
    if key.starts_with('\\') {
        return Err(CosError::param("param Key should not start with \"\\\""));
    }
    if crate::encode::key_resolves_to_root(key) {
        // Sent as a URL, `.` and `..` resolve: such a key would address the bucket, not an object.
        return Err(CosError::param(
            ["param Key \"", key, "\" resolves to the bucket root (its \".\" and \"..\" segments cancel out)"].concat(),
        ));
    }
    Ok(key.to_string())
}

pub(crate) fn target(params: &Value, bucket_required: bool) -> Result<Target> {
    let (bucket, region) = bucket_region(params, bucket_required)?;
    let key = key(params)?;
    Ok(Target { bucket, region, key })
}

/// Headers from params: top-level `x-cos-*` params, then `Headers`, then the mapped params
/// (later ones override earlier ones, names compared case-insensitively). Null values are dropped.
pub(crate) fn headers(params: &Value) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, v) in params.entries() {
        if crate::text::contains(&name.to_ascii_lowercase(), "x-cos-") {
            if let Some(s) = v.to_param_string() {
                put_header(&mut out, name, s);
            }
        }
    }
    match params.get("Headers") {
        None | Some(Value::Null) => {}
        Some(Value::Obj(fields)) => {
            for (name, v) in fields {
                match v {
                    Value::Null => {}
                    other => match other.to_param_string() {
                        Some(s) => put_header(&mut out, name, s),
                        None => {
                            return Err(CosError::param(concat_msg(&[
                                "param Headers.",
                                name,
                                " should be a string or number",
                            ])))
                        }
                    },
                }
            }
        }
        Some(_) => return Err(CosError::param("param Headers should be an object")),
    }
    for (param, header) in HEADER_PARAMS {
        match params.get(param) {
            None | Some(Value::Null) => {}
            Some(v) => match v.to_param_string() {
                Some(s) => put_header(&mut out, header, s),
                None => {
                    return Err(CosError::param(concat_msg(&[
                        "param ",
                        param,
                        " should be a string or number",
                    ])))
                }
            },
        }
    }
    check_headers(&out)?;
    Ok(out)
}

/// Sets a header, replacing one of the same name (any case).
pub(crate) fn put_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    if let Some(slot) = headers.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
        slot.0 = name.to_string();
        slot.1 = value;
    } else {
        headers.push((name.to_string(), value));
    }
}

pub(crate) fn get_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub(crate) fn remove_header(headers: &mut Vec<(String, String)>, name: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
}

/// Values COS would reject anyway, refused before sending with a message naming the parameter.
fn check_headers(headers: &[(String, String)]) -> Result<()> {
    let mut meta_bytes = 0usize;
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(CosError::param(concat_msg(&[
                "header ",
                name,
                " contains a line break or NUL character",
            ])));
        }
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(CosError::param(concat_msg(&["invalid header name \"", name, "\""])));
        }
        match lower.as_str() {
            "x-cos-storage-class" if !STORAGE_CLASSES.contains(&value.to_ascii_uppercase().as_str()) => {
                return Err(CosError::param(concat_msg(&[
                    "param StorageClass \"",
                    value,
                    "\" is not a COS storage class (STANDARD, STANDARD_IA, INTELLIGENT_TIERING, ARCHIVE, DEEP_ARCHIVE, MAZ_*)",
                ])));
            }
            "x-cos-acl" if !ACLS.contains(&value.as_str()) => {
                return Err(CosError::param(concat_msg(&[
                    "param ACL \"",
                    value,
                    "\" should be one of default, private, public-read, public-read-write",
                ])));
            }
            "x-cos-traffic-limit" => {
                let ok = crate::value::parse_number(value)
                    .is_some_and(|n| float::fract(n) == 0.0 && (TRAFFIC_LIMIT_MIN..=TRAFFIC_LIMIT_MAX).contains(&n));
                if !ok {
                    return Err(CosError::param(
                        "param TrafficLimit (x-cos-traffic-limit) should be an integer between 819200 and 838860800 (bit/s)",
                    ));
                }
            }
            _ => {}
        }
        if lower.starts_with("x-cos-meta-") {
            meta_bytes += name.len() + value.len();
        }
    }
    if meta_bytes > MAX_META_BYTES {
        return Err(CosError::param(
            "x-cos-meta-* headers are too large: COS allows 2 KB of user metadata in total",
        ));
    }
    Ok(())
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Query params given by the caller as `Query: {…}`; values stringified, nulls dropped.
pub(crate) fn query(params: &Value) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    match params.get("Query") {
        None | Some(Value::Null) => {}
        Some(Value::Obj(fields)) => {
            for (k, v) in fields {
                if let Some(s) = v.to_param_string() {
                    out.push((k.clone(), s));
                }
            }
        }
        Some(_) => return Err(CosError::param("param Query should be an object")),
    }
    Ok(out)
}

/// Reads an optional non-negative integer param (`Position`, `PartNumber`, …).
pub(crate) fn uint(params: &Value, name: &str) -> Result<Option<u64>> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Num(n)) if float::fract(*n) == 0.0 && *n >= 0.0 && *n <= 9.007_199_254_740_992e15 => {
            Ok(Some(*n as u64))
        }
        Some(Value::Str(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 15 => {
            Ok(s.parse().ok())
        }
        Some(_) => Err(CosError::param(concat_msg(&[
            "param ",
            name,
            " should be a non-negative integer",
        ]))),
    }
}

pub(crate) fn required_uint(params: &Value, name: &str) -> Result<u64> {
    uint(params, name)?.ok_or_else(|| CosError::missing(name))
}

pub(crate) fn required_str(params: &Value, name: &str) -> Result<String> {
    param_str(params, name)?.map(str::to_string).ok_or_else(|| CosError::missing(name))
}

pub(crate) fn opt_str(params: &Value, name: &str) -> Result<Option<String>> {
    Ok(param_str(params, name)?.map(str::to_string))
}

pub(crate) fn opt_bool(params: &Value, name: &str) -> Option<bool> {
    match params.get(name) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Str(s)) => Some(s == "true"),
        Some(Value::Num(n)) => Some(*n != 0.0),
        _ => None,
    }
}

/// A callback param: absent, or a host function handle. Anything else is a clear error.
pub(crate) fn callback(params: &Value, name: &str) -> Result<Option<u32>> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Opaque(h)) => Ok(Some(*h)),
        Some(_) => Err(CosError::param(concat_msg(&["param ", name, " should be a function"]))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(fields: &[(&str, Value)]) -> Value {
        Value::Obj(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn bucket_rules() {
        assert!(is_valid_bucket("examplebucket-1250000000"));
        assert!(is_valid_bucket("a-b-1"));
        assert!(!is_valid_bucket("examplebucket"));
        assert!(!is_valid_bucket("Example-125"));
        assert!(!is_valid_bucket("-125"));
        assert!(!is_valid_bucket("bucket-12a"));
    }

    #[test]
    fn target_validation_messages() {
        let p = obj(&[("Region", "ap-guangzhou".into()), ("Key", "k".into())]);
        assert_eq!(target(&p, true).unwrap_err().message, "missing param Bucket");
        let p = obj(&[("Bucket", "b-1".into()), ("Key", "k".into())]);
        assert_eq!(target(&p, true).unwrap_err().message, "missing param Region");
        let p = obj(&[("Bucket", "b-1".into()), ("Region", "ap-guangzhou".into())]);
        assert_eq!(target(&p, true).unwrap_err().message, "missing param Key");
        let p = obj(&[("Bucket", "b".into()), ("Region", "r".into()), ("Key", "k".into())]);
        assert!(target(&p, true).unwrap_err().message.contains("Bucket should format"));
        let p = obj(&[("Bucket", "b-1".into()), ("Region", "cos.ap".into()), ("Key", "k".into())]);
        assert!(target(&p, true).unwrap_err().message.contains("cos."));
        let p = obj(&[("Bucket", "b-1".into()), ("Region", "AP_X".into()), ("Key", "k".into())]);
        assert_eq!(target(&p, true).unwrap_err().message, "Region format error.");
        let p = obj(&[("Bucket", "b-1".into()), ("Region", "ap-x".into()), ("Key", "/a/b".into())]);
        assert_eq!(target(&p, true).unwrap().key, "a/b");
        let long = "k".repeat(851);
        let p = obj(&[("Bucket", "b-1".into()), ("Region", "ap-x".into()), ("Key", long.into())]);
        assert!(target(&p, true).unwrap_err().message.contains("850"));
        let p = obj(&[("Bucket", "b-1".into()), ("Region", "ap-x".into()), ("Key", Value::Num(3.0))]);
        assert!(target(&p, true).unwrap_err().message.contains("Key"));
    }

    #[test]
    fn header_mapping_follows_official_precedence() {
        let p = obj(&[
            ("x-cos-meta-a", "1".into()),
            (
                "Headers",
                obj(&[("x-cos-meta-a", "2".into()), ("X-Custom", Value::Num(5.0))]),
            ),
            ("ContentType", "text/plain".into()),
            ("CacheControl", "max-age=1".into()),
            ("ACL", "private".into()),
            ("GrantRead", "id=\"1\"".into()),
            ("StorageClass", "STANDARD_IA".into()),
            ("TrafficLimit", Value::Num(819200.0)),
            ("Expires", Value::Null),
        ]);
        let h = headers(&p).unwrap();
        assert_eq!(get_header(&h, "x-cos-meta-a"), Some("2"));
        assert_eq!(get_header(&h, "x-custom"), Some("5"));
        assert_eq!(get_header(&h, "Content-Type"), Some("text/plain"));
        assert_eq!(get_header(&h, "Cache-Control"), Some("max-age=1"));
        assert_eq!(get_header(&h, "x-cos-acl"), Some("private"));
        assert_eq!(get_header(&h, "x-cos-grant-read"), Some("id=\"1\""));
        assert_eq!(get_header(&h, "x-cos-storage-class"), Some("STANDARD_IA"));
        assert_eq!(get_header(&h, "x-cos-traffic-limit"), Some("819200"));
        assert_eq!(get_header(&h, "Expires"), None);
    }

    #[test]
    fn bad_header_values_name_the_param() {
        for (name, v, needle) in [
            ("StorageClass", Value::str("GOLD"), "StorageClass"),
            ("ACL", Value::str("everyone"), "ACL"),
            ("TrafficLimit", Value::Num(100.0), "TrafficLimit"),
            ("TrafficLimit", Value::Num(838860801.0), "TrafficLimit"),
            ("ContentType", Value::str("a\r\nb"), "Content-Type"),
        ] {
            let err = headers(&obj(&[(name, v)])).unwrap_err();
            assert!(err.message.contains(needle), "{}", err.message);
        }
        let big = "x".repeat(2100);
        let err = headers(&obj(&[("x-cos-meta-big", big.into())])).unwrap_err();
        assert!(err.message.contains("2 KB"));
    }

    #[test]
    fn integers() {
        let p = obj(&[("Position", Value::Num(-1.0)), ("PartNumber", Value::Num(1.5))]);
        assert!(uint(&p, "Position").unwrap_err().message.contains("Position"));
        assert!(uint(&p, "PartNumber").is_err());
        let p = obj(&[("Position", "12".into())]);
        assert_eq!(uint(&p, "Position").unwrap(), Some(12));
    }
}
