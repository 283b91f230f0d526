//! COS request signatures (spec §2, official-sdk-behaviour §3) and POST-form policy signatures (spec §3).

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
    todo!("helper: {name} {flavour:?}")
}

/// The `Authorization` value `q-sign-algorithm=sha1&q-ak=…&q-signature=…`, byte-identical to the official SDK.
pub fn authorization(input: &SignInput) -> String {
    todo!("helper: {}", input.method)
}

/// The default KeyTime as the SDK computes it: `now = round((now_ms + offset_ms)/1000) - 1`, `"now;now+expires"`.
pub fn default_key_time(now_ms: f64, clock_offset_ms: f64, expires_s: u64) -> String {
    todo!("helper: {now_ms} {clock_offset_ms} {expires_s}")
}

/// POST-form signature: hex(HMAC-SHA1(hex(HMAC-SHA1(secret_key, key_time)), hex(SHA1(policy_json)))).
pub fn post_policy_signature(secret_key: &str, key_time: &str, policy_json: &str) -> String {
    todo!("helper: {secret_key} {key_time} {policy_json}")
}

/// Lower-case hex of HMAC-SHA1.
pub fn hmac_sha1_hex(key: &[u8], msg: &[u8]) -> String {
    todo!("helper: {key:?} {msg:?}")
}

/// Lower-case hex of SHA1.
pub fn sha1_hex(data: &[u8]) -> String {
    todo!("helper: {data:?}")
}
