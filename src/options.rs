//! Constructor options (`new COS(options)`), with the official SDK's defaults and clamps
//! (docs/official-sdk-behaviour.md#constructor-options), plus the few options of our own (retry policy).

use crate::prelude::*;
use crate::float;
use crate::error::{CosError, Result};
use crate::plan::MIB;
use crate::sign::Flavour;
use crate::value::Value;

/// Which official SDK a host's answers reproduce where the three differ (the code of an error
/// answer without a body, a field one of them adds): code ported from that SDK reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// cos-js-sdk-v5 in browsers.
    Browser,
    /// cos-nodejs-sdk-v5.
    Node,
    /// cos-wx-sdk-v5 (also what native hosts get).
    #[default]
    MiniProgram,
}

impl Dialect {
    /// The dialect of the host the JS entry names: `"node"`, `"wx"`, else a browser.
    pub fn of_host(name: &str) -> Dialect {
        match name {
            "node" => Dialect::Node,
            "wx" => Dialect::MiniProgram,
            _ => Dialect::Browser,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub secret_id: String,
    pub secret_key: String,
    pub security_token: String,
    /// `StartTime` / `ExpiredTime` as given (0 = unset): checked when a request is signed, as the
    /// official SDKs check them (an error in the call's callback, not from the constructor).
    pub start_time: f64,
    pub expired_time: f64,
    /// Handle of the user's `getAuthorization(options, callback)`.
    pub get_authorization: Option<u32>,
    /// Handle of the older `getSTS({Bucket, Region}, callback)`: temporary keys only, used when
    /// there is no getAuthorization.
    pub get_sts: Option<u32>,
    /// The deprecated `AppId`: appended to bucket names given without it (`examplebucket`).
    pub app_id: String,
    /// Keys keep a leading `/` (the object key is then `/name`).
    pub use_raw_key: bool,
    /// Regions may contain dots (and need not start otherwise than with `cos.`).
    pub compatibility_mode: bool,
    /// After a network error or timeout on `*.cos.<region>.myqcloud.com`, the next attempt goes to
    /// `*.cos.<region>.tencentcos.cn` (and back), when the request was signed here.
    pub auto_switch_host: bool,
    /// sliceCopyFile: parts in flight, part size, and the size above which a copy is multipart.
    pub copy_chunk_parallel_limit: usize,
    pub copy_chunk_size: u64,
    pub copy_slice_size: u64,
    pub chunk_retry_times: u32,
    pub file_parallel_limit: usize,
    pub chunk_parallel_limit: usize,
    pub chunk_size: u64,
    pub slice_size: u64,
    pub max_part_number: u32,
    pub progress_interval: f64,
    pub upload_queue_size: usize,
    pub upload_id_cache_limit: usize,
    pub domain: String,
    /// `getService`'s endpoint instead of COS's (`{Region}` filled in), as the official option.
    pub service_domain: String,
    /// `http:` or `https:`.
    pub protocol: String,
    pub timeout_ms: u32,
    pub correct_clock_skew: bool,
    pub system_clock_offset: f64,
    pub upload_check_content_md5: bool,
    pub upload_add_meta_md5: bool,
    pub force_sign_host: bool,
    pub use_accelerate: bool,
    /// Extra attempts per request after network errors, timeouts and 5xx (ours; official: 3).
    pub retry_times: u32,
    /// Base of the exponential backoff between those attempts, ms (ours; official: none).
    pub retry_delay_ms: u32,
    /// Whether `sliceUploadFile` may look for a resumable upload with `multipartList` when no
    /// checkpoint exists (ours; official: always).
    pub resume_from_list: bool,
    pub flavour: Flavour,
}

impl Options {
    /// Parses the constructor object. `default_protocol` comes from the host (`location.protocol`
    /// in browsers, `https:` elsewhere).
    pub(crate) fn parse(v: &Value, flavour: Flavour, default_protocol: &str) -> Result<Options> {
        if !matches!(v, Value::Obj(_) | Value::Null) {
            return Err(CosError::param("options should be an object"));
        }
        let s = |name: &str| -> Result<String> {
            match v.get(name) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(other) => other
                    .to_param_string()
                    .ok_or_else(|| CosError::param(msg2("option ", name, " should be a string"))),
            }
        };
        let n = |name: &str, default: f64| -> Result<f64> {
            match v.get(name) {
                None | Some(Value::Null) => Ok(default),
                Some(Value::Num(x)) if x.is_finite() => Ok(*x),
                Some(Value::Str(t)) => crate::value::parse_number(t)
                    .ok_or_else(|| CosError::param(msg2("option ", name, " should be a number"))),
                Some(_) => Err(CosError::param(msg2("option ", name, " should be a number"))),
            }
        };
        let b = |name: &str, default: bool| -> bool {
            match v.get(name) {
                Some(Value::Bool(x)) => *x,
                Some(Value::Num(x)) => *x != 0.0,
                Some(Value::Str(t)) => t == "true",
                _ => default,
            }
        };
        // As the official constructors: path-style URLs were withdrawn by COS.
        if b("ForcePathStyle", false) {
            return Err(CosError::param("ForcePathStyle is not supported"));
        }
        // From here on the first bad option is kept and reported after all are read: one error
        // path instead of one per option (each dropping what was read before it).
        let first_error = core::cell::RefCell::new(None);
        let failed = |e: CosError| {
            first_error.borrow_mut().get_or_insert(e);
        };
        let function = |name: &str| -> Option<u32> {
            match v.get(name) {
                None | Some(Value::Null) => None,
                Some(Value::Opaque(h)) => Some(*h),
                Some(_) => {
                    failed(CosError::param(msg2("option ", name, " should be a function")));
                    None
                }
            }
        };
        let n = |name: &str, default: f64| n(name, default).unwrap_or_else(|e| {
            failed(e);
            0.0
        });
        let positive = |name: &str, default: f64, min: f64| n(name, default).max(min);
        let s = |name: &str| s(name).unwrap_or_else(|e| {
            failed(e);
            String::new()
        });
        let get_authorization = function("getAuthorization");
        let get_sts = function("getSTS");
        // Keys: `Credentials {secretId, secretKey}` (both set) win, then SecretId / SecretKey, then
        // the lower-case spellings (cos-nodejs-sdk-v5 takes all three).
        let mut secret_id = s("SecretId");
        let mut secret_key = s("SecretKey");
        if secret_id.is_empty() {
            secret_id = s("secretId");
        }
        if secret_key.is_empty() {
            secret_key = s("secretKey");
        }
        if let Some(cred) = v.get("Credentials").filter(|c| matches!(c, Value::Obj(_))) {
            let field = |name: &str| cred.get(name).and_then(Value::to_param_string).unwrap_or_default();
            let (id, key) = (field("secretId"), field("secretKey"));
            if !id.is_empty() && !key.is_empty() {
                secret_id = id;
                secret_key = key;
            }
        }
        let mut security_token = s("SecurityToken");
        if security_token.is_empty() {
            security_token = s("XCosSecurityToken");
        }
        let protocol = {
            let p = s("Protocol");
            let p = if p.is_empty() { default_protocol } else { p.as_str() };
            match p.trim_end_matches(':') {
                "http" => "http:",
                "https" => "https:",
                _ => {
                    failed(CosError::param("option Protocol should be \"http:\" or \"https:\""));
                    ""
                }
            }
            .to_string()
        };
        let options = Options {
            secret_id,
            secret_key,
            security_token,
            start_time: n("StartTime", 0.0),
            expired_time: n("ExpiredTime", 0.0),
            get_authorization,
            get_sts,
            app_id: s("AppId"),
            use_raw_key: b("UseRawKey", false),
            compatibility_mode: b("CompatibilityMode", false),
            // cos-wx-sdk-v5 has it off by default; the browser and Node SDKs on.
            auto_switch_host: b("AutoSwitchHost", flavour != Flavour::Wx),
            copy_chunk_parallel_limit: positive("CopyChunkParallelLimit", 20.0, 1.0) as usize,
            copy_chunk_size: positive("CopyChunkSize", 10.0 * MIB as f64, MIB as f64) as u64,
            copy_slice_size: positive("CopySliceSize", 10.0 * MIB as f64, 0.0) as u64,
            chunk_retry_times: positive("ChunkRetryTimes", 2.0, 0.0) as u32,
            file_parallel_limit: positive("FileParallelLimit", 3.0, 1.0) as usize,
            chunk_parallel_limit: positive("ChunkParallelLimit", 3.0, 1.0).min(256.0) as usize,
            chunk_size: positive("ChunkSize", MIB as f64, MIB as f64) as u64,
            slice_size: positive("SliceSize", MIB as f64, 0.0) as u64,
            max_part_number: n("MaxPartNumber", 10000.0).clamp(1024.0, 10000.0) as u32,
            progress_interval: positive("ProgressInterval", 1000.0, 0.0),
            upload_queue_size: positive("UploadQueueSize", 10000.0, 1.0) as usize,
            upload_id_cache_limit: positive("UploadIdCacheLimit", 50.0, 1.0) as usize,
            domain: s("Domain"),
            service_domain: s("ServiceDomain"),
            protocol,
            timeout_ms: positive("Timeout", 0.0, 0.0).min(u32::MAX as f64) as u32,
            correct_clock_skew: b("CorrectClockSkew", true),
            system_clock_offset: n("SystemClockOffset", 0.0),
            upload_check_content_md5: b("UploadCheckContentMd5", false),
            upload_add_meta_md5: b("UploadAddMetaMd5", false),
            force_sign_host: b("ForceSignHost", true),
            use_accelerate: b("UseAccelerate", false),
            retry_times: positive("RetryTimes", 3.0, 0.0).min(20.0) as u32,
            retry_delay_ms: positive("RetryDelay", 200.0, 0.0).min(60_000.0) as u32,
            resume_from_list: b("ResumeFromList", true),
            flavour,
        };
        match first_error.into_inner() {
            Some(e) => Err(e),
            None => Ok(options),
        }
    }
}

impl Options {
    /// Whether both sign with the same keys (cached temporary keys stay valid).
    pub(crate) fn same_credentials(&self, other: &Options) -> bool {
        self.secret_id == other.secret_id
            && self.secret_key == other.secret_key
            && self.security_token == other.security_token
            && self.get_authorization.is_some() == other.get_authorization.is_some()
            && self.get_sts.is_some() == other.get_sts.is_some()
    }

    /// What the instance options change in a call's params, before they are validated: the
    /// deprecated `AppId` (instance or per call) completes a bucket name given without it, and
    /// `UseRawKey` / `CompatibilityMode` become per-call flags the key and region checks read.
    pub fn apply_to_params(&self, params: &mut Value) {
        if !matches!(params, Value::Obj(_)) {
            return;
        }
        let app_id = match params.remove("AppId") {
            Some(v) => v.to_param_string().filter(|a| !a.is_empty()),
            None => None,
        }
        .or_else(|| (!self.app_id.is_empty()).then(|| self.app_id.clone()));
        if let (Some(app_id), Some(Value::Str(bucket))) = (app_id, params.get("Bucket")) {
            if !bucket.is_empty() && !crate::params::is_valid_bucket(bucket) {
                let long = [bucket.as_str(), "-", app_id.as_str()].concat();
                params.set("Bucket", Value::Str(long));
            }
        }
        for (name, on) in [("UseRawKey", self.use_raw_key), ("CompatibilityMode", self.compatibility_mode)] {
            if on && params.get(name).is_none() {
                params.set(name, Value::Bool(true));
            }
        }
    }

    /// The handles of user functions these options hold.
    pub fn handles(&self) -> impl Iterator<Item = u32> {
        self.get_authorization.into_iter().chain(self.get_sts)
    }

    /// The key time of requests signed with SecretId/SecretKey, from StartTime and ExpiredTime (both
    /// set), or `None` for the default window. Either not a 10-digit time (milliseconds, say) is
    /// the call's error, with the official message.
    pub(crate) fn key_time(&self) -> Result<Option<(u64, u64)>> {
        if self.start_time == 0.0 || self.expired_time == 0.0 {
            return Ok(None);
        }
        for (name, t) in [("StartTime", self.start_time), ("ExpiredTime", self.expired_time)] {
            if !(1e9..1e10).contains(&t) || float::fract(t) != 0.0 {
                return Err(CosError::param(msg2("params \"", name, "\" should be 10 digits")));
            }
        }
        Ok(Some((self.start_time as u64, self.expired_time as u64)))
    }
}

fn msg2(a: &str, b: &str, c: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + c.len());
    s.push_str(a);
    s.push_str(b);
    s.push_str(c);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(fields: Vec<(&str, Value)>) -> Result<Options> {
        let v = Value::Obj(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        Options::parse(&v, Flavour::Js, "https:")
    }

    fn obj(fields: Vec<(&str, &str)>) -> Value {
        Value::Obj(fields.into_iter().map(|(k, v)| (k.to_string(), Value::str(v))).collect())
    }

    #[test]
    fn keys_from_credentials_then_upper_then_lower_case() {
        let o = parse(vec![("secretId", Value::str("lid")), ("secretKey", Value::str("lkey"))]).unwrap();
        assert_eq!((o.secret_id.as_str(), o.secret_key.as_str()), ("lid", "lkey"));
        let o = parse(vec![("SecretId", Value::str("id")), ("secretId", Value::str("lid")), ("SecretKey", Value::str("key"))]).unwrap();
        assert_eq!((o.secret_id.as_str(), o.secret_key.as_str()), ("id", "key"));
        let both = obj(vec![("secretId", "cid"), ("secretKey", "ckey")]);
        let o = parse(vec![("SecretId", Value::str("id")), ("SecretKey", Value::str("key")), ("Credentials", both)]).unwrap();
        assert_eq!((o.secret_id.as_str(), o.secret_key.as_str()), ("cid", "ckey"));
        // Only one key in Credentials: the official SDK ignores them.
        let half = obj(vec![("secretId", "cid")]);
        let o = parse(vec![("SecretId", Value::str("id")), ("SecretKey", Value::str("key")), ("Credentials", half)]).unwrap();
        assert_eq!(o.secret_id, "id");
    }

    #[test]
    fn start_and_expired_time_are_checked_when_signing_not_when_parsing() {
        let ms = parse(vec![("StartTime", Value::Num(1.7e12)), ("ExpiredTime", Value::Num(1.7e12 + 9e5))]).unwrap();
        assert_eq!(ms.key_time().unwrap_err().message, "params \"StartTime\" should be 10 digits");
        let end_ms = parse(vec![("StartTime", Value::Num(1.7e9)), ("ExpiredTime", Value::Num(1.7e12))]).unwrap();
        assert_eq!(end_ms.key_time().unwrap_err().message, "params \"ExpiredTime\" should be 10 digits");
        let ok = parse(vec![("StartTime", Value::Num(1.7e9)), ("ExpiredTime", Value::str("1700000900"))]).unwrap();
        assert_eq!(ok.key_time().unwrap(), Some((1_700_000_000, 1_700_000_900)));
        // Only one of them: the default key time, as the official SDKs.
        let one = parse(vec![("StartTime", Value::Num(1.7e12))]).unwrap();
        assert_eq!(one.key_time().unwrap(), None);
    }

    #[test]
    fn force_path_style_is_refused_and_auto_switch_host_defaults_by_flavour() {
        assert_eq!(parse(vec![("ForcePathStyle", Value::Bool(true))]).unwrap_err().message, "ForcePathStyle is not supported");
        assert!(parse(vec![]).unwrap().auto_switch_host);
        assert!(!Options::parse(&Value::obj(), Flavour::Wx, "https:").unwrap().auto_switch_host);
        assert!(!parse(vec![("AutoSwitchHost", Value::Bool(false))]).unwrap().auto_switch_host);
    }

    #[test]
    fn the_first_bad_option_in_read_order_is_the_error() {
        let bad = || Value::Obj(vec![]);
        let e = |fields: Vec<(&str, Value)>| parse(fields).unwrap_err().message.clone();
        assert_eq!(e(vec![("Timeout", bad()), ("ExpiredTime", Value::str("x"))]), "option ExpiredTime should be a number");
        assert_eq!(e(vec![("ChunkSize", bad()), ("AppId", Value::Opaque(1))]), "option AppId should be a string");
        assert_eq!(e(vec![("RetryDelay", bad()), ("ServiceDomain", Value::Opaque(1)), ("Timeout", Value::str("1s"))]), "option ServiceDomain should be a string");
        assert_eq!(e(vec![("RetryDelay", bad())]), "option RetryDelay should be a number");
        assert_eq!(e(vec![("SecretId", bad()), ("getSTS", Value::str("f"))]), "option getSTS should be a function");
        assert_eq!(e(vec![("Protocol", Value::str("ftp")), ("XCosSecurityToken", bad())]), "option XCosSecurityToken should be a string");
        assert_eq!(e(vec![("Protocol", Value::str("ftp")), ("secretKey", bad())]), "option secretKey should be a string");
        // Protocol is checked before the numbers.
        assert_eq!(e(vec![("StartTime", bad()), ("Protocol", Value::str("ftp"))]), "option Protocol should be \"http:\" or \"https:\"");
    }

    #[test]
    fn copy_options_have_the_official_defaults_and_clamps() {
        let o = parse(vec![]).unwrap();
        assert_eq!((o.copy_chunk_parallel_limit, o.copy_chunk_size, o.copy_slice_size), (20, 10 * MIB, 10 * MIB));
        let o = parse(vec![("CopyChunkParallelLimit", Value::Num(0.0)), ("CopyChunkSize", Value::Num(10.0)), ("CopySliceSize", Value::Num(-1.0))]).unwrap();
        assert_eq!((o.copy_chunk_parallel_limit, o.copy_chunk_size, o.copy_slice_size), (1, MIB, 0));
    }

    #[test]
    fn app_id_completes_short_bucket_names_and_flags_reach_the_params() {
        let o = parse(vec![("AppId", Value::str("1250000000")), ("UseRawKey", Value::Bool(true))]).unwrap();
        let mut p = obj(vec![("Bucket", "examplebucket"), ("Key", "/a")]);
        o.apply_to_params(&mut p);
        assert_eq!(p.get("Bucket").and_then(Value::as_str), Some("examplebucket-1250000000"));
        assert_eq!(crate::params::key(&p).unwrap(), "/a");
        // A long name stays; a per-call AppId wins and is not sent on.
        let mut p = obj(vec![("Bucket", "other-1300000000")]);
        o.apply_to_params(&mut p);
        assert_eq!(p.get("Bucket").and_then(Value::as_str), Some("other-1300000000"));
        let plain = parse(vec![]).unwrap();
        let mut p = obj(vec![("Bucket", "examplebucket"), ("AppId", "1300000000"), ("Key", "/a")]);
        plain.apply_to_params(&mut p);
        assert_eq!(p.get("Bucket").and_then(Value::as_str), Some("examplebucket-1300000000"));
        assert!(p.get("AppId").is_none());
        assert_eq!(crate::params::key(&p).unwrap(), "a");
    }

    #[test]
    fn compatibility_mode_allows_dotted_regions() {
        let o = parse(vec![("CompatibilityMode", Value::Bool(true))]).unwrap();
        let mut p = obj(vec![("Bucket", "b-1250000000"), ("Region", "ap-guangzhou.internal")]);
        assert!(crate::params::bucket_region(&p, true).is_err());
        o.apply_to_params(&mut p);
        assert_eq!(crate::params::bucket_region(&p, true).unwrap().1, "ap-guangzhou.internal");
        let mut bad = obj(vec![("Bucket", "b-1250000000"), ("Region", "AP guangzhou")]);
        o.apply_to_params(&mut bad);
        assert_eq!(crate::params::bucket_region(&bad, true).unwrap_err().message, "Region format error.");
    }
}
