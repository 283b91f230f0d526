//! COS request signatures and POST-form policy signatures (docs/wire-format.md#request-signature and
//! #post-object-policy; the official SDKs' choices: docs/official-sdk-behaviour.md#request-signature).

use crate::prelude::*;
use crate::float;
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};

use crate::encode::{hex, hex_into};


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
    pub query: &'a [(&'a str, &'a str)],
    /// Header pairs, raw. Only signable ones (see [`is_signable_header`]) are signed.
    pub headers: &'a [(&'a str, &'a str)],
    /// `"start;end"` in unix seconds.
    pub key_time: &'a str,
    pub flavour: Flavour,
}

/// Owned pairs as the borrowed pairs [`SignInput`] takes.
pub fn borrow_pairs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Whether the official SDK of `flavour` signs a header of this name.
pub(crate) fn is_signable_header(name: &str, flavour: Flavour) -> bool {
    // A table scanned with eq_ignore_ascii_case: a third of the code of a `match` on lower-cased
    // names, and still well under a microsecond for the few headers of a request.
    const SIGNED: [&str; 16] = [
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-length",
        "content-md5",
        "expect",
        "expires",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-unmodified-since",
        "origin",
        "range",
        "transfer-encoding",
        "pic-operations",
    ];
    let contains = |needle: &[u8]| name.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle));
    contains(b"x-cos-")
        || contains(b"x-ci-")
        || SIGNED.iter().any(|s| s.eq_ignore_ascii_case(name))
        || (flavour == Flavour::Wx && name.eq_ignore_ascii_case("content-type"))
}

/// JS `a < b` on strings: UTF-16 code unit order (differs from byte order above the BMP).
fn js_less(a: &str, b: &str) -> bool {
    // Byte order equals UTF-16 order unless both strings reach a 4-byte sequence at the first difference.
    if a.is_ascii() || b.is_ascii() {
        return a < b;
    }
    a.encode_utf16().lt(b.encode_utf16())
}

/// One side (query or headers) of a signature, its names encoded and lower-cased once into one
/// buffer: `(encoded lower-cased name, raw lower-cased name, value)` as spans of `names`.
struct Side<'a> {
    names: String,
    entries: Vec<(u32, u32, u32, &'a str)>,
}

impl<'a> Side<'a> {
    fn new(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Side<'a> {
        let mut side = Side { names: String::with_capacity(96), entries: Vec::with_capacity(8) };
        for (k, v) in pairs {
            let start = side.names.len() as u32;
            crate::encode::encode_lower_into(&mut side.names, k);
            let mid = side.names.len() as u32;
            side.names.push_str(k);
            if let Some(raw) = side.names.get_mut(mid as usize..) {
                raw.make_ascii_lowercase();
            }
            side.entries.push((start, mid, side.names.len() as u32, v));
        }
        side
    }

    fn encoded(&self, e: &(u32, u32, u32, &str)) -> &str {
        self.names.get(e.0 as usize..e.1 as usize).unwrap_or_default()
    }

    /// `q-*-list`: the encoded lower-cased names, sorted, joined by `;`.
    fn list_into(&mut self, out: &mut String) {
        let names = core::mem::take(&mut self.names);
        let span = |e: &(u32, u32, u32, &str)| names.get(e.0 as usize..e.1 as usize).unwrap_or_default();
        crate::sort::sort_small(&mut self.entries, |a, b| span(a) < span(b));
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(span(e));
        }
        self.names = names;
    }

    /// The canonical `name=value&…` string. Sorted by the raw lower-cased name (what is signed is
    /// the encoding): the official SDKs differ here from the list for names with `%XX` characters,
    /// and we match them. ASCII lower-casing differs from JS toLowerCase only for non-ASCII capitals,
    /// and then only in order against a name with a character between the two cases: not worth
    /// 16 KB of tables.
    fn canonical_into(&mut self, out: &mut String) {
        let names = core::mem::take(&mut self.names);
        let raw = |e: &(u32, u32, u32, &str)| names.get(e.1 as usize..e.2 as usize).unwrap_or_default();
        crate::sort::sort_small(&mut self.entries, |a, b| js_less(raw(a), raw(b)));
        self.names = names;
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(self.encoded(e));
            out.push('=');
            crate::encode::encode_into(out, e.3, false);
        }
    }
}

/// The signing key `HMAC-SHA1(SecretKey, KeyTime)` (hex) as a keyed HMAC, kept for the last
/// (SecretKey, KeyTime): every request signed within one key time reuses it, as AWS SDKs keep
/// their signing key per day. Wasm runs single-threaded, so one slot per thread is one slot.
struct SignKey {
    secret_key: String,
    key_time: String,
    mac: Hmac<Sha1>,
}

#[cfg(not(target_arch = "wasm32"))]
std::thread_local! {
    static SIGN_KEY: core::cell::RefCell<Option<SignKey>> = const { core::cell::RefCell::new(None) };
}

#[cfg(target_arch = "wasm32")]
static SIGN_KEY: crate::one_thread::OneThread<core::cell::RefCell<Option<SignKey>>> =
    crate::one_thread::OneThread(core::cell::RefCell::new(None));

fn keyed_sign_key(secret_key: &str, key_time: &str) -> Hmac<Sha1> {
    SIGN_KEY.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(k) = slot.as_ref().filter(|k| k.secret_key == secret_key && k.key_time == key_time) {
            return k.mac.clone();
        }
        let mut hex_key = [0u8; 40];
        hex_into(&mut hex_key, &hmac_sha1(secret_key.as_bytes(), key_time.as_bytes()));
        let mac = keyed_hmac(&hex_key);
        *slot = Some(SignKey { secret_key: secret_key.into(), key_time: key_time.into(), mac: mac.clone() });
        mac
    })
}

/// The `Authorization` value `q-sign-algorithm=sha1&q-ak=…&q-signature=…`, byte-identical to the official SDK.
pub fn authorization(input: &SignInput) -> String {
    let mut query = Side::new(input.query.iter().copied());
    let mut headers =
        Side::new(input.headers.iter().copied().filter(|(k, _)| is_signable_header(k, input.flavour)));
    let mut http = String::with_capacity(input.pathname.len() + query.names.len() + headers.names.len() + 128);
    http.push_str(input.method);
    http.make_ascii_lowercase();
    http.push('\n');
    http.push_str(input.pathname);
    http.push('\n');
    query.canonical_into(&mut http);
    http.push('\n');
    headers.canonical_into(&mut http);
    http.push('\n');
    // StringToSign = "sha1\n" KeyTime "\n" hex(SHA1(HttpString)) "\n", fed to the HMAC piece by piece.
    let mut http_sha1 = [0u8; 40];
    hex_into(&mut http_sha1, &Sha1::digest(http.as_bytes()));
    let mut mac = keyed_sign_key(input.secret_key, input.key_time);
    for piece in [b"sha1\n".as_slice(), input.key_time.as_bytes(), b"\n", &http_sha1, b"\n"] {
        mac.update(piece);
    }
    let mut signature = [0u8; 40];
    hex_into(&mut signature, &mac.finalize().into_bytes());
    let mut out = http;
    out.clear();
    out.push_str("q-sign-algorithm=sha1&q-ak=");
    out.push_str(input.secret_id);
    out.push_str("&q-sign-time=");
    out.push_str(input.key_time);
    out.push_str("&q-key-time=");
    out.push_str(input.key_time);
    out.push_str("&q-header-list=");
    headers.list_into(&mut out);
    out.push_str("&q-url-param-list=");
    query.list_into(&mut out);
    out.push_str("&q-signature=");
    // hex_into writes ASCII only.
    out.push_str(core::str::from_utf8(&signature).unwrap_or_default());
    out
}

/// The default KeyTime as the SDK computes it: `now = round((now_ms + offset_ms)/1000) - 1`, `"now;now+expires"`.
pub fn default_key_time(now_ms: f64, clock_offset_ms: f64, expires_s: u64) -> String {
    // JS Math.round rounds halves up.
    let now = float::floor((now_ms + clock_offset_ms) / 1000.0 + 0.5) as i64 - 1;
    let now = now.max(0) as u64;
    let mut s = now.to_string();
    s.push(';');
    s.push_str(&(now + expires_s).to_string());
    s
}

/// POST-form signature: hex(HMAC-SHA1(hex(HMAC-SHA1(secret_key, key_time)), hex(SHA1(policy_json)))),
/// with the same signing key as request signatures.
pub fn post_policy_signature(secret_key: &str, key_time: &str, policy_json: &str) -> String {
    let mut mac = keyed_sign_key(secret_key, key_time);
    mac.update(sha1_hex(policy_json.as_bytes()).as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// The older multi-field signature (`getV4Auth`, sent as `?sign=`): base64 of HMAC-SHA1(SecretKey,
/// text) followed by the text `a=APPID&b=BUCKET&k=SECRETID&t=NOW&e=EXPIRES&r=RANDOM&f=/APPID/BUCKET/KEY`,
/// the key percent-encoded as JS `encodeURIComponent` does, slashes kept. `bucket` is `name-APPID`.
pub fn v4_authorization(secret_id: &str, secret_key: &str, bucket: &str, key: &str, now_s: u64, expires_s: u64, random: u32) -> Option<String> {
    let (short, app_id) = bucket.rsplit_once('-')?;
    let mut path = String::from("/");
    for part in [app_id, "/", short, "/"] {
        path.push_str(part);
    }
    let mut encoded = String::new();
    crate::encode::encode_into(&mut encoded, key.trim_start_matches('/'), true);
    // encodeURIComponent leaves these five as they are.
    for (from, to) in [("%21", "!"), ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*")] {
        encoded = crate::text::replace(&encoded, from, to);
    }
    path.push_str(&encoded);
    let (now, end, random) = (now_s.to_string(), (now_s + expires_s).to_string(), random.to_string());
    let text: String = ["a=", app_id, "&b=", short, "&k=", secret_id, "&t=", &now, "&e=", &end, "&r=", &random, "&f=", &path].concat();
    let mut signed = hmac_sha1(secret_key.as_bytes(), text.as_bytes()).to_vec();
    signed.extend_from_slice(text.as_bytes());
    Some(crate::source::base64(&signed))
}

fn keyed_hmac(key: &[u8]) -> Hmac<Sha1> {
    <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length")
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let mut mac = keyed_hmac(key);
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex of SHA1.
pub(crate) fn sha1_hex(data: &[u8]) -> String {
    hex(&Sha1::digest(data))
}

#[cfg(test)]
mod tests {

    #[test]
    fn v4_signature_is_hmac_then_text() {
        // Reference: HMAC-SHA1 by node:crypto over the same text, the key through encodeURIComponent.
        let got = v4_authorization("AKIDx", "secret", "examplebucket-1250000000", "/dir/a b(1)!.txt", 1_700_000_000, 600, 12345);
        assert_eq!(got.as_deref(), Some("slPyq5aTp7Li5Kj2+cvg0tECUophPTEyNTAwMDAwMDAmYj1leGFtcGxlYnVja2V0Jms9QUtJRHgmdD0xNzAwMDAwMDAwJmU9MTcwMDAwMDYwMCZyPTEyMzQ1JmY9LzEyNTAwMDAwMDAvZXhhbXBsZWJ1Y2tldC9kaXIvYSUyMGIoMSkhLnR4dA=="));
        assert_eq!(v4_authorization("AKIDx", "secret", "noappid", "k", 0, 0, 0), None);
    }

    use super::*;

    fn pairs<'a>(v: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        v.to_vec()
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
        // tests/fixtures/sign-vectors.json, post_policy_signature
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
