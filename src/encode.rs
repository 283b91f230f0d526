//! Percent-encoding as COS and the official SDKs do it (spec §2.2, official-sdk-behaviour §3.1).

/// `camSafeUrlEncode`: JS `encodeURIComponent`, then `! ' ( ) *` as `%21 %27 %28 %29 %2A`.
/// Keeps `A-Z a-z 0-9 - _ . ~`; everything else is UTF-8 `%XX` with upper-case hex; `/` is encoded.
pub fn cam_safe_url_encode(s: &str) -> String {
    todo!("helper: encode {s}")
}

/// The URL path of an object key: `cam_safe_url_encode(key)` with `%2F` turned back into `/`.
pub fn encode_key_path(key: &str) -> String {
    todo!("helper: encode {key}")
}

/// Decodes `%XX` sequences (as returned with `encoding-type=url`); `+` stays `+`.
/// Invalid sequences are kept literally; invalid UTF-8 is replaced lossily.
pub fn url_decode(s: &str) -> String {
    todo!("helper: decode {s}")
}
