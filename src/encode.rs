//! Percent-encoding as COS and the official SDKs do it (docs/wire-format.md#encoding,
//! docs/official-sdk-behaviour.md#encoding-and-ordering).

use crate::prelude::*;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Lower-case hex of `bytes` into `out` (`out.len() == 2 * bytes.len()`): digests, signatures.
pub(crate) fn hex_into(out: &mut [u8], bytes: &[u8]) {
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = LOWER[(b >> 4) as usize];
        pair[1] = LOWER[(b & 15) as usize];
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    hex_into(&mut out, bytes);
    // hex_into writes ASCII only.
    String::from_utf8(out).unwrap_or_default()
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Appends the percent-encoding of `s` (see [`cam_safe_url_encode`]); `/` kept when `keep_slash`.
pub(crate) fn encode_into(out: &mut String, s: &str, keep_slash: bool) {
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            continue;
        }
        // Runs of kept bytes are copied whole: kept bytes are ASCII, so a non-empty run starts and
        // ends on char boundaries.
        if run < i {
            out.push_str(s.get(run..i).unwrap_or_default());
        }
        out.push('%');
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
        run = i + 1;
    }
    if run < bytes.len() {
        out.push_str(s.get(run..).unwrap_or_default());
    }
}

/// `camSafeUrlEncode`: JS `encodeURIComponent`, then `! ' ( ) *` as `%21 %27 %28 %29 %2A`.
/// Keeps `A-Z a-z 0-9 - _ . ~`; everything else is UTF-8 `%XX` with upper-case hex; `/` is encoded.
pub(crate) fn cam_safe_url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    encode_into(&mut out, s, false);
    out
}

/// Appends `cam_safe_url_encode(s).to_ascii_lowercase()` (how signatures list names: `%e4`).
pub(crate) fn encode_lower_into(out: &mut String, s: &str) {
    let start = out.len();
    encode_into(out, s, false);
    if let Some(added) = out.get_mut(start..) {
        added.make_ascii_lowercase();
    }
}

/// The URL path of an object key: `cam_safe_url_encode(key)` with `%2F` turned back into `/`.
///
/// A key with a `.` or `..` segment keeps its slashes encoded: URL parsers (browsers, Node) resolve
/// such segments, so `a/../b.txt` would reach COS as `b.txt`; as one `%2F`-joined segment it is
/// sent as given, and COS decodes `%2F` back to `/` (the signature covers the decoded key).
pub fn encode_key_path(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + key.len() / 2);
    encode_into(&mut out, key, !has_dot_segment(key));
    out
}

fn has_dot_segment(key: &str) -> bool {
    key.split('/').any(|s| s == "." || s == "..")
}

/// Whether `/` + `key` names the bucket root once a URL parser resolves its `.` and `..` segments
/// (`.`, `..`, `a/..`, `./`): such a key would send a bucket request.
pub(crate) fn key_resolves_to_root(key: &str) -> bool {
    // The path's segments after resolution, as a URL parser keeps them (a final `.` or `..`
    // leaves an empty segment: `/a/b/..` is `/a/`).
    let mut kept: Vec<&str> = Vec::new();
    let mut segments = key.split('/').peekable();
    while let Some(seg) = segments.next() {
        let last = segments.peek().is_none();
        match seg {
            "." | ".." => {
                if seg == ".." {
                    kept.pop();
                }
                if last {
                    kept.push("");
                }
            }
            _ => kept.push(seg),
        }
    }
    kept.is_empty() || kept == [""]
}

/// The `N` bytes written as `2N` hex digits (either case), or `None` for anything else.
pub fn from_hex<const N: usize>(h: &str) -> Option<[u8; N]> {
    let b = h.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = hex_val(b[2 * i])? << 4 | hex_val(b[2 * i + 1])?;
    }
    Some(out)
}

fn hex_val(b: u8) -> Option<u8> {
    // core's own digit reader (in the wasm anyway); a byte above 0x7f is no hex digit as a char.
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes `%XX` sequences (as returned with `encoding-type=url`); `+` stays `+`.
/// Invalid sequences are kept literally; invalid UTF-8 is replaced lossily.
pub fn url_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| crate::text::utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency
    use proptest::prelude::*;

    #[test]
    fn hex_back_to_bytes() {
        let bytes: [u8; 16] = core::array::from_fn(|i| (i as u8).wrapping_mul(37));
        assert_eq!(from_hex::<16>(&hex(&bytes)), Some(bytes));
        assert_eq!(from_hex::<2>("aB0f"), Some([0xab, 0x0f]));
        // Wrong length, a non-hex digit, a sign or a multi-byte character: none.
        for bad in ["", "abc", "abcdef", "0g", "+1", "é"] {
            assert_eq!(from_hex::<2>(bad), None, "{bad}");
        }
    }

    #[test]
    fn encodes_like_cam_safe_url_encode() {
        assert_eq!(cam_safe_url_encode("a b+c?d#e%f/g"), "a%20b%2Bc%3Fd%23e%25f%2Fg");
        assert_eq!(cam_safe_url_encode("!'()*~-_."), "%21%27%28%29%2A~-_.");
        assert_eq!(cam_safe_url_encode("腾讯云"), "%E8%85%BE%E8%AE%AF%E4%BA%91");
        assert_eq!(cam_safe_url_encode(""), "");
    }

    #[test]
    fn key_paths_keep_slashes() {
        assert_eq!(encode_key_path("dir/a b(1).jpg"), "dir/a%20b%281%29.jpg");
        assert_eq!(encode_key_path("dir/中文 文件 (1)+#?%.txt"), "dir/%E4%B8%AD%E6%96%87%20%E6%96%87%E4%BB%B6%20%281%29%2B%23%3F%25.txt");
    }

    #[test]
    fn dot_segment_keys_keep_their_slashes_encoded() {
        assert_eq!(encode_key_path("a/../b.txt"), "a%2F..%2Fb.txt");
        assert_eq!(encode_key_path("x/./y.txt"), "x%2F.%2Fy.txt");
        assert_eq!(encode_key_path("../escape.txt"), "..%2Fescape.txt");
        // Dots inside a segment are not dot segments.
        assert_eq!(encode_key_path("a/..b/c./.d"), "a/..b/c./.d");
    }

    #[test]
    fn root_keys_are_recognised() {
        for k in [".", "..", "a/..", "a/../", "./", "a/b/../..", "./.", "../..", "a/./.."] {
            assert!(key_resolves_to_root(k), "{k}");
        }
        for k in ["a", "a/", "a/b/..", "../a", "..a", "a/../b.txt", "a//..", "x/./y.txt"] {
            assert!(!key_resolves_to_root(k), "{k}");
        }
    }

    #[test]
    fn decodes() {
        assert_eq!(url_decode("a%20b%2Fc+d"), "a b/c+d");
        assert_eq!(url_decode("%E4%B8%AD"), "中");
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz%4"), "%zz%4");
        assert_eq!(url_decode("%FF"), "\u{FFFD}");
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest! {
        #[test]
        fn decode_inverts_encode(s in ".*") {
            prop_assert_eq!(url_decode(&cam_safe_url_encode(&s)), s.clone());
            prop_assert_eq!(url_decode(&encode_key_path(&s)), s);
        }

        #[test]
        fn decode_never_panics(s in ".*") {
            let _ = url_decode(&s);
        }
    }
}
