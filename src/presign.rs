//! Signatures handed to users: static `COS.getAuthorization`, `getObjectUrl` pre-signed URLs, and the
//! POST Object form policy (spec §3).

use crate::client::{query_string, Auth, Client, Req};
use crate::error::{CosError, Result};
use crate::host::Host;
use crate::params::{self, get_header};
use crate::sign::{self, Flavour, SignInput};
use crate::value::Value;

/// Static `COS.getAuthorization(params)`: byte-identical to the official SDK of `flavour`.
pub fn static_authorization(p: &Value, flavour: Flavour, now_ms: f64) -> Result<String> {
    let text = |name: &str| p.get(name).and_then(Value::to_param_string).unwrap_or_default();
    let secret_id = text("SecretId");
    let secret_key = text("SecretKey");
    if secret_id.is_empty() {
        return Err(CosError::missing("SecretId"));
    }
    if secret_key.is_empty() {
        return Err(CosError::missing("SecretKey"));
    }
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
    if let Some(k) = p.get("KeyTime").and_then(Value::as_str).filter(|k| !k.is_empty()) {
        let ok = k.split_once(';').is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
        });
        if !ok {
            return Err(CosError::param("param KeyTime should be \"start;end\" in unix seconds"));
        }
    }
    if let Some(e) = p.get("Expires").filter(|v| !v.is_null()) {
        if !e.to_param_string().and_then(|s| crate::value::parse_number(&s)).is_some_and(|n| n >= 0.0) {
            return Err(CosError::param("param Expires should be a non-negative number of seconds"));
        }
    }
    let method = {
        let m = text("Method");
        if m.is_empty() { text("method") } else { m }
    };
    let method = if method.is_empty() { "get".to_string() } else { method };
    let mut pathname = text("Pathname");
    if pathname.is_empty() {
        pathname = text("pathname");
    }
    if pathname.is_empty() {
        pathname = text("Key");
    }
    if !pathname.starts_with('/') {
        pathname.insert(0, '/');
    }
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
    let query = {
        let q = pairs("Query");
        if q.is_empty() { pairs("query") } else { q }
    };
    let mut headers = {
        let h = pairs("Headers");
        if h.is_empty() { pairs("headers") } else { h }
    };
    let bucket = text("Bucket");
    let region = text("Region");
    let force_host = p.get("ForceSignHost").and_then(Value::as_bool).unwrap_or(true);
    if force_host && !bucket.is_empty() && !region.is_empty() && get_header(&headers, "host").is_none() {
        let mut h = bucket.clone();
        h.push_str(".cos.");
        h.push_str(&region);
        h.push_str(".myqcloud.com");
        headers.push(("Host".into(), h));
    }
    let key_time = match p.get("KeyTime").and_then(Value::to_param_string) {
        Some(k) if !k.is_empty() => k,
        _ => {
            let offset = p.get("SystemClockOffset").and_then(Value::as_f64).unwrap_or(0.0);
            let expires = match p.get("Expires") {
                None | Some(Value::Null) => 900,
                Some(v) => v.to_param_string().and_then(|s| crate::value::parse_number(&s)).unwrap_or(0.0).max(0.0) as u64,
            };
            sign::default_key_time(now_ms, offset, expires)
        }
    };
    Ok(sign::authorization(&SignInput {
        secret_id: &secret_id,
        secret_key: &secret_key,
        method: &method,
        pathname: &pathname,
        query: &query,
        headers: &headers,
        key_time: &key_time,
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
        if let Some(i) = url.find("//") {
            url = proto + &url[i..];
        }
    }
    let query = params::query(p)?;
    Ok((url, query))
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

/// The fields of a POST Object form: metadata, then policy and signature (spec §3). With a ready
/// `Authorization` from getAuthorization, the mini-program SDK's header-style `Signature` field.
pub async fn post_form_fields<H: Host>(
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
pub fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    let two = |n: i64| -> String {
        let mut s = String::new();
        if n < 10 {
            s.push('0');
        }
        s.push_str(&n.to_string());
        s
    };
    let mut out = y.to_string();
    out.push('-');
    out.push_str(&two(m));
    out.push('-');
    out.push_str(&two(d));
    out.push('T');
    out.push_str(&two((rem / 3600) as i64));
    out.push(':');
    out.push_str(&two((rem / 60 % 60) as i64));
    out.push(':');
    out.push_str(&two((rem % 60) as i64));
    out.push_str(".000Z");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso() {
        assert_eq!(super::iso8601(1_700_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000Z");
    }
}
