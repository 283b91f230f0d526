//! Signatures handed to users: static `COS.getAuthorization`, `getObjectUrl` pre-signed URLs, and the
//! POST Object form policy (docs/wire-format.md#post-object-policy).

use crate::prelude::*;
use crate::client::{query_string, Auth, Client, Req};
use crate::error::{CosError, Result};
use crate::host::Host;
use crate::params::{self, get_header};
use crate::sign::{self, Flavour, SignInput};
use crate::value::Value;

/// The inputs of a static `COS.getAuthorization`, as text, from either entry point: the general
/// one (a `Value`, type-checked in [`static_authorization`]) or the flat string of plain params
/// ([`static_authorization_flat`]). Validated and signed in one place, [`sign_static`].
#[derive(Default)]
pub(crate) struct StaticSign<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    pub method: &'a str,
    /// `Pathname`, else `Key`; a leading `/` is added when missing.
    pub pathname: &'a str,
    pub key_time: &'a str,
    pub expires: Option<&'a str>,
    pub bucket: &'a str,
    pub region: &'a str,
    pub query: Vec<(&'a str, &'a str)>,
    pub headers: Vec<(&'a str, &'a str)>,
    pub force_sign_host: bool,
    pub clock_offset_ms: f64,
}

/// Static `COS.getAuthorization(params)`: byte-identical to the official SDK of `flavour`.
/// `now_ms` is asked only when no KeyTime is given.
pub fn static_authorization(p: &Value, flavour: Flavour, now_ms: &dyn Fn() -> f64) -> Result<String> {
    let text = |name: &str| p.get(name).and_then(Value::to_param_string).unwrap_or_default();
    for name in ["Method", "Key", "Pathname", "KeyTime"] {
        if matches!(p.get(name), Some(Value::Obj(_) | Value::Arr(_) | Value::Opaque(_))) {
            return Err(CosError::param(params::concat_msg(&["param ", name, " should be a string"])));
        }
    }
    for name in ["Query", "Headers"] {
        if !matches!(p.get(name), None | Some(Value::Null | Value::Obj(_))) {
            return Err(CosError::param(params::concat_msg(&["param ", name, " should be an object"])));
        }
    }
    let either = |a: &str, b: &str| {
        let v = text(a);
        if v.is_empty() { text(b) } else { v }
    };
    let pairs = |name: &str| -> Vec<(String, String)> {
        p.get(name)
            .map(|v| {
                v.entries()
                    .iter()
                    .filter_map(|(k, v)| match v {
                        Value::Null => Some((k.clone(), String::new())),
                        other => other.to_param_string().map(|s| (k.clone(), s)),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let either_pairs = |a: &str, b: &str| {
        let v = pairs(a);
        if v.is_empty() { pairs(b) } else { v }
    };
    let (secret_id, secret_key, method) = (text("SecretId"), text("SecretKey"), either("Method", "method"));
    let pathname = {
        let v = either("Pathname", "pathname");
        if v.is_empty() { text("Key") } else { v }
    };
    let (key_time, bucket, region) = (text("KeyTime"), text("Bucket"), text("Region"));
    let expires = match p.get("Expires") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.to_param_string().unwrap_or_else(|| "x".into())),
    };
    let (query, headers) = (either_pairs("Query", "query"), either_pairs("Headers", "headers"));
    sign_static(
        &StaticSign {
            secret_id: &secret_id,
            secret_key: &secret_key,
            method: &method,
            pathname: &pathname,
            key_time: &key_time,
            expires: expires.as_deref(),
            bucket: &bucket,
            region: &region,
            query: sign::borrow_pairs(&query),
            headers: sign::borrow_pairs(&headers),
            force_sign_host: p.get("ForceSignHost").and_then(Value::as_bool).unwrap_or(true),
            clock_offset_ms: p.get("SystemClockOffset").and_then(Value::as_f64).unwrap_or(0.0),
        },
        flavour,
        now_ms,
    )
}

/// The plain fields of the flat format; `FLAT_FIELDS[i]` goes as the tag byte `FLAT_FIELD_TAGS[i]`
/// (the JS wrapper's `flatten` uses the same table).
pub const FLAT_FIELDS: [&str; 11] = ["SecretId", "SecretKey", "Method", "method", "Key", "Pathname", "pathname", "KeyTime", "Expires", "Bucket", "Region"];
/// `b'A' + i` for each field.
pub const FLAT_FIELD_TAGS: &str = "ABCDEFGHIJK";

/// Static `COS.getAuthorization` for plain params, flattened by the JS wrapper into one string
/// (every value already text): a plain field as its tag byte (see [`FLAT_FIELDS`]) and its value,
/// a Query entry as `?name \0 value`, a header as `:name \0 value`, each ended by `\0`. One
/// crossing into wasm and no `Value` tree, which is most of a signature's cost.
pub fn static_authorization_flat(fields: &str, force_sign_host: bool, clock_offset_ms: f64, flavour: Flavour, now_ms: &dyn Fn() -> f64) -> Result<String> {
    let mut s = StaticSign { force_sign_host, clock_offset_ms, ..StaticSign::default() };
    let (mut method_lower, mut pathname_lower, mut key) = ("", "", "");
    let bytes = fields.as_bytes();
    // NUL and the tags are single ASCII bytes, so every cut below falls on a char boundary.
    let end_at = |from: usize| bytes[from.min(bytes.len())..].iter().position(|&c| c == 0).map_or(bytes.len(), |p| from + p);
    let mut i = 0;
    while i < bytes.len() {
        let tag = bytes[i];
        if tag == b'?' || tag == b':' {
            let name_end = end_at(i + 1);
            let value_end = end_at(name_end + 1);
            let pair = (fields.get(i + 1..name_end).unwrap_or(""), fields.get(name_end + 1..value_end).unwrap_or(""));
            if tag == b'?' { s.query.push(pair) } else { s.headers.push(pair) }
            i = value_end + 1;
            continue;
        }
        let value_end = end_at(i + 1);
        let value = fields.get(i + 1..value_end).unwrap_or("");
        i = value_end + 1;
        let slot = match tag {
            b'A' => &mut s.secret_id,
            b'B' => &mut s.secret_key,
            b'C' => &mut s.method,
            b'D' => &mut method_lower,
            b'E' => &mut key,
            b'F' => &mut s.pathname,
            b'G' => &mut pathname_lower,
            b'H' => &mut s.key_time,
            b'I' => {
                s.expires = Some(value);
                continue;
            }
            b'J' => &mut s.bucket,
            b'K' => &mut s.region,
            _ => continue,
        };
        *slot = value;
    }
    if s.method.is_empty() {
        s.method = method_lower;
    }
    if s.pathname.is_empty() {
        s.pathname = if pathname_lower.is_empty() { key } else { pathname_lower };
    }
    sign_static(&s, flavour, now_ms)
}

/// Validates the static signer's inputs (errors name the parameter) and signs them.
pub(crate) fn sign_static(p: &StaticSign, flavour: Flavour, now_ms: &dyn Fn() -> f64) -> Result<String> {
    if p.secret_id.is_empty() {
        return Err(CosError::missing("SecretId"));
    }
    if p.secret_key.is_empty() {
        return Err(CosError::missing("SecretKey"));
    }
    if !p.key_time.is_empty() {
        let ok = p.key_time.split_once(';').is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
        });
        if !ok {
            return Err(CosError::param("param KeyTime should be \"start;end\" in unix seconds"));
        }
    }
    let expires = match p.expires {
        None => 900,
        Some(e) => match crate::value::parse_number(e).filter(|n| *n >= 0.0) {
            Some(n) => n as u64,
            None => return Err(CosError::param("param Expires should be a non-negative number of seconds")),
        },
    };
    let method = if p.method.is_empty() { "get" } else { p.method };
    let mut pathname = String::with_capacity(p.pathname.len() + 1);
    if !p.pathname.starts_with('/') {
        pathname.push('/');
    }
    pathname.push_str(p.pathname);
    let host;
    let mut with_host;
    let mut headers = &p.headers[..];
    if p.force_sign_host && !p.bucket.is_empty() && !p.region.is_empty() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        host = params::concat_msg(&[p.bucket, ".cos.", p.region, ".myqcloud.com"]);
        with_host = p.headers.clone();
        with_host.push(("Host", &host));
        headers = &with_host;
    }
    let key_time_now;
    let key_time = if p.key_time.is_empty() {
        key_time_now = sign::default_key_time(now_ms(), p.clock_offset_ms, expires);
        &key_time_now
    } else {
        p.key_time
    };
    Ok(sign::authorization(&SignInput {
        secret_id: p.secret_id,
        secret_key: p.secret_key,
        method,
        pathname: &pathname,
        query: &p.query,
        headers,
        key_time,
        flavour,
    }))
}

/// `getObjectUrl`: the object URL, signed unless `Sign: false`. Returns `None` for the signature
/// when it needs `getAuthorization` (async); the caller then uses [`signed_object_url`].
pub fn object_url<H: Host>(c: &Client<H>, p: &Value) -> Result<(String, Vec<(String, String)>)> {
    let t = params::target(p, true)?;
    let mut url = c.object_url(&t.bucket, &t.region, &t.key);
    if let Some(proto) = params::opt_str(p, "Protocol")? {
        let proto = if proto.ends_with(':') { proto } else { proto + ":" };
        if proto != "http:" && proto != "https:" {
            return Err(CosError::param("param Protocol should be \"http:\" or \"https:\""));
        }
        if let Some(i) = crate::text::find(&url, "//") {
            url = proto + url.get(i..).unwrap_or_default();
        }
    }
    let query = params::query(p)?;
    // The official SDKs put `Query` in the URL sorted by lower-cased name (their obj2str).
    // A handful of entries: the shared insertion sort (stable, as the official order is). Names
    // are ASCII but for rare ones, which the host lower-cases (JS's rules, no case tables here).
    let lower = |k: &str| if k.is_ascii() { k.to_ascii_lowercase() } else { c.host.to_lowercase(k) };
    let mut keyed: Vec<(String, (String, String))> = query.into_iter().map(|q| (lower(&q.0), q)).collect();
    crate::sort::sort_small(&mut keyed, |a, b| a.0 < b.0);
    Ok((url, keyed.into_iter().map(|(_, q)| q).collect()))
}

/// `getObjectUrl` with a signature (`Sign` defaults to true): `url?<authorization>[&x-cos-security-token=…][&query]`.
pub async fn signed_object_url<H: Host>(c: &Client<H>, p: &Value) -> Result<String> {
    let (mut url, query) = object_url(c, p)?;
    let sign = p.get("Sign").and_then(Value::as_bool).unwrap_or(true);
    if !sign {
        let qs = query_string(&query);
        if !qs.is_empty() {
            url.push('?');
            url.push_str(&qs);
        }
        return Ok(url);
    }
    let t = params::target(p, true)?;
    let method = params::opt_str(p, "Method")?.unwrap_or_else(|| "GET".into()).to_ascii_uppercase();
    let method: &'static str = match method.as_str() {
        "PUT" => "PUT",
        "POST" => "POST",
        "HEAD" => "HEAD",
        "DELETE" => "DELETE",
        _ => "GET",
    };
    let action = if method == "PUT" { "PutObject" } else { "GetObject" };
    let mut req = Req::new(action, method, &t.bucket, &t.region, &t.key);
    req.query = query.clone();
    // Only `Headers` become headers here: `Expires` is the signature's lifetime, not a header
    // (mapping it would sign an `expires` header the URL never carries).
    req.headers = params::headers(&Value::Obj(vec![("Headers".into(), p.get("Headers").cloned().unwrap_or(Value::Null))]))?;
    let mut headers = req.headers.clone();
    let expires = params::uint(p, "Expires")?.unwrap_or(900);
    c.sign_into_with_expiry(&req, &mut headers, expires).await?;
    let auth = get_header(&headers, "authorization").unwrap_or("").to_string();
    url.push('?');
    url.push_str(&auth);
    if let Some(tok) = get_header(&headers, "x-cos-security-token") {
        url.push_str("&x-cos-security-token=");
        url.push_str(&crate::encode::cam_safe_url_encode(tok));
    }
    let qs = query_string(&query);
    if !qs.is_empty() {
        url.push('&');
        url.push_str(&qs);
    }
    Ok(url)
}

/// The fields of a POST Object form: metadata, then policy and signature; the file part comes after
/// them. With a ready `Authorization` from getAuthorization, the mini-program SDK's header-style
/// `Signature` field.
pub(crate) async fn post_form_fields<H: Host>(
    c: &Client<H>,
    t: &crate::params::Target,
    headers: &[(String, String)],
) -> Result<Vec<(String, String)>> {
    let mut fields: Vec<(String, String)> = vec![("key".into(), t.key.clone())];
    for (k, v) in headers {
        let lower = k.to_ascii_lowercase();
        let name = match lower.as_str() {
            "x-cos-acl" => "acl".to_string(),
            "content-type" => "Content-Type".into(),
            "cache-control" => "Cache-Control".into(),
            "content-disposition" => "Content-Disposition".into(),
            "content-encoding" => "Content-Encoding".into(),
            "expires" => "Expires".into(),
            "content-md5" => "Content-MD5".into(),
            l if l.starts_with("x-cos-") => lower.clone(),
            _ => continue,
        };
        fields.push((name, v.clone()));
    }
    fields.push(("success_action_status".into(), "200".into()));
    let req = Req::new("PostObject", "POST", &t.bucket, &t.region, "");
    let auth = c.credentials(&req, "/", &[]).await?;
    match auth {
        Auth::Keys { secret_id, secret_key, token, key_time } => {
            let key_time = key_time.unwrap_or_else(|| sign::default_key_time(c.host.now_ms(), c.clock_offset.get(), 900));
            let end: u64 = key_time.split(';').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            let mut policy = String::from("{\"expiration\":\"");
            policy.push_str(&iso8601(end));
            policy.push_str("\",\"conditions\":[");
            let mut cond = |k: &str, v: &str| {
                policy.push_str("{\"");
                json_escape_into(&mut policy, k);
                policy.push_str("\":\"");
                json_escape_into(&mut policy, v);
                policy.push_str("\"},");
            };
            cond("q-sign-algorithm", "sha1");
            cond("q-ak", &secret_id);
            cond("q-sign-time", &key_time);
            cond("bucket", &t.bucket);
            for (k, v) in &fields {
                cond(k, v);
            }
            if !token.is_empty() {
                cond("x-cos-security-token", &token);
            }
            policy.pop();
            policy.push_str("]}");
            let signature = sign::post_policy_signature(&secret_key, &key_time, &policy);
            fields.push(("policy".into(), crate::source::base64(policy.as_bytes())));
            fields.push(("q-sign-algorithm".into(), "sha1".into()));
            fields.push(("q-ak".into(), secret_id));
            fields.push(("q-key-time".into(), key_time));
            fields.push(("q-signature".into(), signature));
            if !token.is_empty() {
                fields.push(("x-cos-security-token".into(), token));
            }
        }
        Auth::Ready { authorization, token, .. } => {
            fields.push(("Signature".into(), authorization));
            if !token.is_empty() {
                fields.push(("x-cos-security-token".into(), token));
            }
        }
    }
    Ok(fields)
}

fn json_escape_into(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                let b = c as u8;
                out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
                out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
            }
            c => out.push(c),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` for unix seconds.
pub(crate) fn iso8601(secs: u64) -> String {
    // Unsigned throughout: every step is non-negative from 1970 on (and u64's to_string is the
    // one integer formatter the wasm carries anyway).
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    let mut out = y.to_string();
    // Each field < 60: two digits.
    for (sep, n) in [('-', m), ('-', d), ('T', rem / 3600), (':', rem / 60 % 60), (':', rem % 60)] {
        out.push(sep);
        out.push(char::from(b'0' + (n / 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    }
    out.push_str(".000Z");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso() {
        assert_eq!(super::iso8601(1_700_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso8601(951_782_399), "2000-02-28T23:59:59.000Z");
        assert_eq!(super::iso8601(951_868_800), "2000-03-01T00:00:00.000Z");
        assert_eq!(super::iso8601(4_102_444_800), "2100-01-01T00:00:00.000Z");
    }
}
