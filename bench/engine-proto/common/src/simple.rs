//! Simple official methods (one request each) as table rows over one generic path: what the
//! remaining ~75 methods would mostly be. Shared by both engines; only the runner differs.
//! Params arrive flattened as (name, value) pairs; results leave as JSON text.

use cos_wasm::error::CosError;
use cos_wasm::value::Value;
use cos_wasm::{md5, source, xml};

use crate::{Body, Resp, Spec};

pub struct Method {
    pub name: &'static str,
    pub http: &'static str,
    /// Subresource (`acl`, `tagging`, …); "" for none.
    pub sub: &'static str,
    /// Object-level: `Key` is required and is the path.
    pub object: bool,
    /// Params sent as headers: (param, header).
    pub headers: &'static [(&'static str, &'static str)],
    /// Params sent as query: (param, query name).
    pub query: &'static [(&'static str, &'static str)],
    /// Builds the XML body from the params.
    pub body: Option<fn(&[(&str, &str)]) -> String>,
    /// Root element of the XML answer returned to the caller; "" = status and headers only.
    pub result: &'static str,
}

const ACL_HEADERS: &[(&str, &str)] = &[
    ("ACL", "x-cos-acl"),
    ("GrantRead", "x-cos-grant-read"),
    ("GrantWrite", "x-cos-grant-write"),
    ("GrantFullControl", "x-cos-grant-full-control"),
];

pub static METHODS: &[Method] = &[
    Method { name: "headObject", http: "HEAD", sub: "", object: true, headers: &[("IfModifiedSince", "If-Modified-Since"), ("VersionId", "x-cos-version-id")], query: &[], body: None, result: "" },
    Method { name: "deleteObject", http: "DELETE", sub: "", object: true, headers: &[], query: &[("VersionId", "versionId")], body: None, result: "" },
    Method { name: "getObjectAcl", http: "GET", sub: "acl", object: true, headers: &[], query: &[], body: None, result: "AccessControlPolicy" },
    Method { name: "putObjectAcl", http: "PUT", sub: "acl", object: true, headers: ACL_HEADERS, query: &[], body: None, result: "" },
    Method { name: "getBucket", http: "GET", sub: "", object: false, headers: &[], query: &[("Prefix", "prefix"), ("Delimiter", "delimiter"), ("Marker", "marker"), ("MaxKeys", "max-keys"), ("EncodingType", "encoding-type")], body: None, result: "ListBucketResult" },
    Method { name: "putObjectTagging", http: "PUT", sub: "tagging", object: true, headers: &[], query: &[("VersionId", "versionId")], body: Some(tagging_body), result: "" },
    #[cfg(feature = "more")]
    Method { name: "getObjectTagging", http: "GET", sub: "tagging", object: true, headers: &[], query: &[("VersionId", "versionId")], body: None, result: "Tagging" },
    #[cfg(feature = "more")]
    Method { name: "deleteObjectTagging", http: "DELETE", sub: "tagging", object: true, headers: &[], query: &[("VersionId", "versionId")], body: None, result: "" },
    #[cfg(feature = "more")]
    Method { name: "headBucket", http: "HEAD", sub: "", object: false, headers: &[], query: &[], body: None, result: "" },
    #[cfg(feature = "more")]
    Method { name: "optionsObject", http: "OPTIONS", sub: "", object: true, headers: &[("Origin", "Origin"), ("AccessControlRequestMethod", "Access-Control-Request-Method"), ("AccessControlRequestHeaders", "Access-Control-Request-Headers")], query: &[], body: None, result: "" },
    #[cfg(feature = "more")]
    Method { name: "restoreObject", http: "POST", sub: "restore", object: true, headers: &[], query: &[("VersionId", "versionId")], body: Some(restore_body), result: "" },
    #[cfg(feature = "more")]
    Method { name: "deleteMultipleObject", http: "POST", sub: "delete", object: false, headers: &[], query: &[], body: Some(delete_body), result: "DeleteResult" },
];

fn get<'a>(p: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

/// Repeated params (`Tags.Key`, `Tags.Value`, `Objects.Key`) in order.
fn all<'a>(p: &[(&str, &'a str)], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    p.iter().filter(move |(k, _)| *k == name).map(|(_, v)| *v).collect::<Vec<_>>().into_iter()
}

fn elem(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&xml::escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn tagging_body(p: &[(&str, &str)]) -> String {
    let mut s = String::from("<Tagging><TagSet>");
    for (k, v) in all(p, "Tags.Key").zip(all(p, "Tags.Value")) {
        s.push_str("<Tag>");
        elem(&mut s, "Key", k);
        elem(&mut s, "Value", v);
        s.push_str("</Tag>");
    }
    s.push_str("</TagSet></Tagging>");
    s
}

#[cfg(feature = "more")]
fn restore_body(p: &[(&str, &str)]) -> String {
    let mut s = String::from("<RestoreRequest>");
    elem(&mut s, "Days", get(p, "Days").unwrap_or("1"));
    s.push_str("<CASJobParameters>");
    elem(&mut s, "Tier", get(p, "Tier").unwrap_or("Standard"));
    s.push_str("</CASJobParameters></RestoreRequest>");
    s
}

#[cfg(feature = "more")]
fn delete_body(p: &[(&str, &str)]) -> String {
    let mut s = String::from("<Delete>");
    elem(&mut s, "Quiet", get(p, "Quiet").unwrap_or("false"));
    for k in all(p, "Objects.Key") {
        s.push_str("<Object>");
        elem(&mut s, "Key", k);
        s.push_str("</Object>");
    }
    s.push_str("</Delete>");
    s
}

/// The request of method `m` with `params`, or the parameter error the official SDK gives.
pub fn request(m: &Method, params: &[(&str, &str)]) -> Result<Spec, CosError> {
    let key = if m.object { get(params, "Key").filter(|k| !k.is_empty()).ok_or_else(|| CosError::missing("Key"))? } else { "" };
    let mut query = Vec::new();
    if !m.sub.is_empty() {
        query.push((m.sub.to_string(), String::new()));
    }
    for (p, q) in m.query {
        if let Some(v) = get(params, p) {
            query.push((q.to_string(), v.to_string()));
        }
    }
    let mut headers: Vec<(String, String)> =
        m.headers.iter().filter_map(|(p, h)| Some((h.to_string(), get(params, p)?.to_string()))).collect();
    let body = match m.body {
        Some(f) => {
            let xml = f(params);
            // COS requires Content-MD5 on these bodies.
            headers.push(("Content-MD5".into(), source::base64(&md5::md5(xml.as_bytes()))));
            Body::Bytes(xml.into_bytes())
        }
        None => Body::None,
    };
    Ok(Spec { method: m.http, key: key.to_string(), query, headers, body })
}

/// `{"statusCode":n,"headers":{…},…result}` of a 2xx answer.
pub fn result(m: &Method, resp: &Resp) -> Result<String, CosError> {
    let mut v = if m.result.is_empty() {
        Value::obj()
    } else {
        let doc = xml::parse(core::str::from_utf8(&resp.body).unwrap_or("")).map_err(|e| CosError::protocol(e.message))?;
        doc.get(m.result).cloned().ok_or_else(|| CosError::protocol("unexpected response"))?
    };
    if !matches!(v, Value::Obj(_)) {
        v = Value::obj();
    }
    v.set("statusCode", Value::Num(f64::from(resp.status)));
    v.set("headers", Value::Obj(resp.headers.iter().map(|(k, x)| (k.clone(), Value::str(x.clone()))).collect()));
    let mut out = String::new();
    json(&mut out, &v);
    Ok(out)
}

fn json(out: &mut String, v: &Value) {
    match v {
        Value::Null | Value::Opaque(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => out.push_str(&cos_wasm::value::num_to_string(*n)),
        Value::Str(s) => json_str(out, s),
        Value::Arr(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(out, x);
            }
            out.push(']');
        }
        Value::Obj(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(out, k);
                out.push(':');
                json(out, x);
            }
            out.push('}');
        }
    }
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from_digit(c as u32 >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(c as u32 & 15, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
