//! Constructor options (`new COS(options)`), with the official SDK's defaults and clamps
//! (docs/official-sdk-behaviour.md#constructor-options), plus the few options of our own (retry policy).

use crate::error::{CosError, Result};
use crate::plan::MIB;
use crate::sign::Flavour;
use crate::value::Value;

#[derive(Clone, Debug)]
pub struct Options {
    pub secret_id: String,
    pub secret_key: String,
    pub security_token: String,
    pub start_time: Option<u64>,
    pub expired_time: Option<u64>,
    /// Handle of the user's `getAuthorization(options, callback)`.
    pub get_authorization: Option<u32>,
    pub chunk_retry_times: u32,
    pub file_parallel_limit: usize,
    pub chunk_parallel_limit: usize,
    pub chunk_size: u64,
    pub slice_size: u64,
    /// `sliceCopyFile`: part copies in flight, part size, and the size up to which one PUT Object
    /// - Copy does it all.
    pub copy_chunk_parallel_limit: usize,
    pub copy_chunk_size: u64,
    pub copy_slice_size: u64,
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
    pub fn parse(v: &Value, flavour: Flavour, default_protocol: &str) -> Result<Options> {
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
        if b("ForcePathStyle", false) {
            return Err(CosError::param("ForcePathStyle is not supported"));
        }
        let get_authorization = match v.get("getAuthorization") {
            None | Some(Value::Null) => None,
            Some(Value::Opaque(h)) => Some(*h),
            Some(_) => return Err(CosError::param("option getAuthorization should be a function")),
        };
        let time = |name: &str| -> Result<Option<u64>> {
            let t = n(name, 0.0)?;
            if t == 0.0 {
                return Ok(None);
            }
            if !(1e9..1e10).contains(&t) || t.fract() != 0.0 {
                return Err(CosError::param(msg2("option ", name, " should be a 10-digit unix time in seconds")));
            }
            Ok(Some(t as u64))
        };
        let mut security_token = s("SecurityToken")?;
        if security_token.is_empty() {
            security_token = s("XCosSecurityToken")?;
        }
        let protocol = {
            let p = s("Protocol")?;
            let p = if p.is_empty() { default_protocol.to_string() } else { p };
            match p.trim_end_matches(':') {
                "http" => "http:".to_string(),
                "https" => "https:".to_string(),
                _ => return Err(CosError::param("option Protocol should be \"http:\" or \"https:\"")),
            }
        };
        let positive = |name: &str, default: f64, min: f64| -> Result<f64> { Ok(n(name, default)?.max(min)) };
        Ok(Options {
            secret_id: s("SecretId")?,
            secret_key: s("SecretKey")?,
            security_token,
            start_time: time("StartTime")?,
            expired_time: time("ExpiredTime")?,
            get_authorization,
            chunk_retry_times: positive("ChunkRetryTimes", 2.0, 0.0)? as u32,
            file_parallel_limit: positive("FileParallelLimit", 3.0, 1.0)? as usize,
            chunk_parallel_limit: positive("ChunkParallelLimit", 3.0, 1.0)?.min(256.0) as usize,
            chunk_size: positive("ChunkSize", MIB as f64, MIB as f64)? as u64,
            slice_size: positive("SliceSize", MIB as f64, 0.0)? as u64,
            copy_chunk_parallel_limit: positive("CopyChunkParallelLimit", 20.0, 1.0)?.min(256.0) as usize,
            copy_chunk_size: positive("CopyChunkSize", 10.0 * MIB as f64, MIB as f64)? as u64,
            copy_slice_size: positive("CopySliceSize", 10.0 * MIB as f64, 0.0)? as u64,
            max_part_number: n("MaxPartNumber", 10000.0)?.clamp(1024.0, 10000.0) as u32,
            progress_interval: positive("ProgressInterval", 1000.0, 0.0)?,
            upload_queue_size: positive("UploadQueueSize", 10000.0, 1.0)? as usize,
            upload_id_cache_limit: positive("UploadIdCacheLimit", 50.0, 1.0)? as usize,
            domain: s("Domain")?,
            service_domain: s("ServiceDomain")?,
            protocol,
            timeout_ms: positive("Timeout", 0.0, 0.0)?.min(u32::MAX as f64) as u32,
            correct_clock_skew: b("CorrectClockSkew", true),
            system_clock_offset: n("SystemClockOffset", 0.0)?,
            upload_check_content_md5: b("UploadCheckContentMd5", false),
            upload_add_meta_md5: b("UploadAddMetaMd5", false),
            force_sign_host: b("ForceSignHost", true),
            use_accelerate: b("UseAccelerate", false),
            retry_times: positive("RetryTimes", 3.0, 0.0)?.min(20.0) as u32,
            retry_delay_ms: positive("RetryDelay", 200.0, 0.0)?.min(60_000.0) as u32,
            resume_from_list: b("ResumeFromList", true),
            flavour,
        })
    }
}

fn msg2(a: &str, b: &str, c: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + c.len());
    s.push_str(a);
    s.push_str(b);
    s.push_str(c);
    s
}
