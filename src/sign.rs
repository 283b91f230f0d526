//! COS request signatures (spec §2, official-sdk-behaviour §3) and POST-form policy signatures (spec §3).

use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};

use crate::encode::cam_safe_url_encode;

/// Which official SDK's header filter to reproduce. Browser and Node (cos-js-sdk-v5) leave
/// `content-type` unsigned; the mini-program SDK (cos-wx-sdk-v5) signs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    Js,
    Wx,
}

/// Everything one signature covers. `pathname` is raw (not percent-encoded) and starts with `/`.
pub struct SignInput<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    /// Any case; signed lower-cased.
    pub method: &'a str,
    pub pathname: &'a str,
    /// Query pairs, raw (not encoded). A name-only parameter has value "".
    pub query: &'a [(String, String)],
    /// Header pairs, raw. Only signable ones (see [`is_signable_header`]) are signed.
    pub headers: &'a [(String, String)],
    /// `"start;end"` in unix seconds.
    pub key_time: &'a str,
    pub flavour: Flavour,
}

/// Whether the official SDK of `flavour` signs a header of this name.
pub fn is_signable_header(name: &str, flavour: Flavour) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.contains("x-cos-") || lower.contains("x-ci-") {
        return true;
    }
    matches!(
        lower.as_str(),
        "cache-control"
            | "content-disposition"
            | "content-encoding"
            | "content-length"
            | "content-md5"
            | "expect"
            | "expires"
            | "host"
            | "if-match"
            | "if-modified-since"
            | "if-none-match"
            | "if-unmodified-since"
            | "origin"
            | "range"
            | "transfer-encoding"
            | "pic-operations"
    ) || (flavour == Flavour::Wx && lower == "content-type")
}

/// JS `a < b` on strings: UTF-16 code unit order (differs from byte order above the BMP).
fn js_less(a: &str, b: &str) -> core::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// `q-*-list` and the canonical `name=value&…` string for one side (query or headers).
/// The list sorts by the encoded lower-cased name, the canonical string by the raw lower-cased
/// name: the official SDKs differ here for names with `%XX` characters, and we match them.
fn canonical(pairs: &[(&str, &str)]) -> (String, String) {
    let mut listed: Vec<String> = pairs.iter().map(|(k, _)| cam_safe_url_encode(k).to_ascii_lowercase()).collect();
    crate::sort::sort_small(&mut listed, |a, b| a < b);
    // The raw lower-cased name only orders the pairs (what is signed is the ASCII encoding).
    // ASCII lower-casing differs from JS toLowerCase only for non-ASCII capitals, and then only
    // in order against a name with a character between the two cases: not worth 16 KB of tables.
    let mut raw: Vec<(String, &str, &str)> = pairs.iter().map(|(k, v)| (k.to_ascii_lowercase(), *k, *v)).collect();
    crate::sort::sort_small(&mut raw, |a, b| js_less(&a.0, &b.0).is_lt());
    let mut canon = String::new();
    for (i, (_, k, v)) in raw.iter().enumerate() {
        if i > 0 {
            canon.push('&');
        }
        canon.push_str(&cam_safe_url_encode(k).to_ascii_lowercase());
        canon.push('=');
        canon.push_str(&cam_safe_url_encode(v));
    }
    (listed.join(";"), canon)
}

/// The `Authorization` value `q-sign-algorithm=sha1&q-ak=…&q-signature=…`, byte-identical to the official SDK.
pub fn authorization(input: &SignInput) -> String {
    let query: Vec<(&str, &str)> = input.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let headers: Vec<(&str, &str)> = input
        .headers
        .iter()
        .filter(|(k, _)| is_signable_header(k, input.flavour))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (param_list, params) = canonical(&query);
    let (header_list, canon_headers) = canonical(&headers);
    let mut http = String::with_capacity(input.pathname.len() + params.len() + canon_headers.len() + 16);
    http.push_str(&input.method.to_ascii_lowercase());
    http.push('\n');
    http.push_str(input.pathname);
    http.push('\n');
    http.push_str(&params);
    http.push('\n');
    http.push_str(&canon_headers);
    http.push('\n');
    let sign_key = hmac_sha1_hex(input.secret_key.as_bytes(), input.key_time.as_bytes());
    let mut string_to_sign = String::with_capacity(96);
    string_to_sign.push_str("sha1\n");
    string_to_sign.push_str(input.key_time);
    string_to_sign.push('\n');
    string_to_sign.push_str(&sha1_hex(http.as_bytes()));
    string_to_sign.push('\n');
    let signature = hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes());
    let mut out = String::with_capacity(200 + header_list.len() + param_list.len());
    for (name, value) in [
        ("q-sign-algorithm=", "sha1"),
        ("&q-ak=", input.secret_id),
        ("&q-sign-time=", input.key_time),
        ("&q-key-time=", input.key_time),
        ("&q-header-list=", header_list.as_str()),
        ("&q-url-param-list=", param_list.as_str()),
        ("&q-signature=", signature.as_str()),
    ] {
        out.push_str(name);
        out.push_str(value);
    }
    out
}

/// The default KeyTime as the SDK computes it: `now = round((now_ms + offset_ms)/1000) - 1`, `"now;now+expires"`.
pub fn default_key_time(now_ms: f64, clock_offset_ms: f64, expires_s: u64) -> String {
    // JS Math.round rounds halves up.
    let now = ((now_ms + clock_offset_ms) / 1000.0 + 0.5).floor() as i64 - 1;
    let now = now.max(0) as u64;
    let mut s = now.to_string();
    s.push(';');
    s.push_str(&(now + expires_s).to_string());
    s
}

/// POST-form signature: hex(HMAC-SHA1(hex(HMAC-SHA1(secret_key, key_time)), hex(SHA1(policy_json)))).
pub fn post_policy_signature(secret_key: &str, key_time: &str, policy_json: &str) -> String {
    let sign_key = hmac_sha1_hex(secret_key.as_bytes(), key_time.as_bytes());
    let string_to_sign = sha1_hex(policy_json.as_bytes());
    hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes())
}

/// Lower-case hex of HMAC-SHA1.
pub fn hmac_sha1_hex(key: &[u8], msg: &[u8]) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    hex(&mac.finalize().into_bytes())
}

/// Lower-case hex of SHA1.
pub fn sha1_hex(data: &[u8]) -> String {
    hex(&Sha1::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    const DOC_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
    const DOC_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";

    #[test]
    fn spec_vector_a_prime_wx_signs_content_type() {
        let headers = pairs(&[
            ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
            ("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
            ("Content-Type", "text/plain"),
            ("Content-Length", "13"),
            ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
            ("x-cos-acl", "private"),
            ("x-cos-grant-read", "uin=\"100000000011\""),
        ]);
        let input = SignInput {
            secret_id: DOC_ID,
            secret_key: DOC_KEY,
            method: "PUT",
            pathname: "/exampleobject(腾讯云)",
            query: &[],
            headers: &headers,
            key_time: "1557989151;1557996351",
            flavour: Flavour::Wx,
        };
        assert!(authorization(&input).ends_with("q-signature=fc4e4717b501da12715d5fc84a4880a87ad2b7ab"));
        let js = SignInput { flavour: Flavour::Js, ..input };
        assert!(authorization(&js).ends_with("q-signature=65788349a05a472789af1637995918716f64cc20"));
    }

    #[test]
    fn spec_vector_e_unicode_path_and_empty_header() {
        let query = pairs(&[("partNumber", "1"), ("uploadId", "X")]);
        let headers = pairs(&[("Host", "h.local:9000"), ("x-cos-meta-x", "")]);
        let a = authorization(&SignInput {
            secret_id: DOC_ID,
            secret_key: DOC_KEY,
            method: "put",
            pathname: "/a b/中.txt",
            query: &query,
            headers: &headers,
            key_time: "1700000000;1700003600",
            flavour: Flavour::Js,
        });
        assert!(a.contains("&q-header-list=host;x-cos-meta-x&q-url-param-list=partnumber;uploadid&"), "{a}");
        assert!(a.ends_with("q-signature=6c4f9300962abe093b4c0e5e358790c7f6310804"), "{a}");
    }

    #[test]
    fn spec_vector_c_go_sdk() {
        let headers = pairs(&[
            ("Host", "testbucket-125000000.cos.ap-guangzhou.myqcloud.com"),
            ("x-cos-content-sha1", "db8ac1c259eb89d4a131b253bacfca5f319d54f2"),
            ("x-cos-stroage-class", "nearline"),
        ]);
        let a = authorization(&SignInput {
            secret_id: "QmFzZTY0IGlzIGEgZ2VuZXJp",
            secret_key: "AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM",
            method: "PUT",
            pathname: "/testfile2",
            query: &[],
            headers: &headers,
            key_time: "1480932292;1481012292",
            flavour: Flavour::Js,
        });
        assert!(a.ends_with("q-signature=ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a"), "{a}");
    }

    #[test]
    fn post_policy_vector() {
        // spec §3.4 / sign-vectors.json post_policy_signature
        let policy = "{\"expiration\":\"2023-11-14T22:28:20.000Z\",\"conditions\":[{\"q-sign-algorithm\":\"sha1\"},{\"q-ak\":\"AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\"},{\"q-sign-time\":\"1700000000;1700000900\"},{\"bucket\":\"examplebucket-1250000000\"},{\"key\":\"dir/a.jpg\"}]}";
        assert_eq!(post_policy_signature(DOC_KEY, "1700000000;1700000900", policy), "3c70cfa9bad669fedb2d001a3827311372194f84");
    }

    #[test]
    fn key_time_rounds_like_js() {
        assert_eq!(default_key_time(1_700_000_000_500.0, 0.0, 900), "1700000000;1700000900");
        assert_eq!(default_key_time(1_700_000_000_500.0, -30_000.0, 600), "1699999970;1700000570");
        assert_eq!(default_key_time(1_700_000_000_499.0, 0.0, 900), "1699999999;1700000899");
    }

    #[test]
    fn signable_headers() {
        assert!(is_signable_header("X-Cos-Meta-A", Flavour::Js));
        assert!(is_signable_header("Content-MD5", Flavour::Js));
        assert!(!is_signable_header("Content-Type", Flavour::Js));
        assert!(is_signable_header("Content-Type", Flavour::Wx));
        assert!(!is_signable_header("Date", Flavour::Wx));
        assert!(!is_signable_header("Authorization", Flavour::Js));
    }
}
