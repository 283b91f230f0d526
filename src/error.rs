//! Typed errors of the core. They become the official SDK's error objects at the wasm boundary
//! (`boundary::Writer::error`), in one place, so every failure has the same shape:
//! `{message, code, name, error, statusCode?, headers, url?, method?, RequestId?, UploadId?}`.

use crate::prelude::*;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input caught before any request was sent.
    Param,
    /// COS answered with an error status (or a 200 carrying `<Error>`).
    Server,
    /// The request never got a response: DNS, connection reset, CORS.
    Network,
    /// The `Timeout` option fired.
    Timeout,
    /// The task was canceled by `cancelTask`.
    Canceled,
    /// The task was paused; never reaches users (pause settles nothing), used internally.
    Paused,
    /// Data did not survive the trip intact (CRC64 / MD5 mismatch).
    Integrity,
    /// `getAuthorization` failed or returned something unusable.
    Auth,
    /// A host operation (file read, storage) failed.
    Host,
    /// The server's answer could not be understood (malformed XML, missing fields).
    Protocol,
}

/// Boxed: a `Result<T, CosError>` stays pointer-sized on the error side, so the upload engine's
/// futures do not carry (and copy) a 100-byte error through every state.
#[derive(Clone, Debug, PartialEq)]
pub struct CosError(Box<ErrorDetails>);

#[derive(Clone, Debug, PartialEq)]
pub struct ErrorDetails {
    pub kind: ErrorKind,
    /// COS error code (`NoSuchUpload`), or `Error` for client-side failures as in the official SDK.
    pub code: String,
    pub message: String,
    pub status_code: Option<u16>,
    /// Response headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The parsed `<Error>` element for server errors; `None` means `{message, code}`.
    pub error: Option<Value>,
    pub request_id: Option<String>,
    pub url: Option<String>,
    pub method: Option<String>,
    pub upload_id: Option<String>,
    /// What the official SDK says in `ErrorStatus` (`sliceCopyFile`'s missing source).
    pub error_status: Option<String>,
    /// Requests made for the failed step (retries included); 0 when nothing was sent.
    pub attempts: u32,
    /// Time from the first attempt to the failure, ms.
    pub elapsed_ms: f64,
}

impl CosError {
    pub(crate) fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> CosError {
        CosError(Box::new(ErrorDetails {
            kind,
            code: code.to_string(),
            message: message.into(),
            status_code: None,
            headers: Vec::new(),
            error: None,
            request_id: None,
            url: None,
            method: None,
            upload_id: None,
            error_status: None,
            attempts: 0,
            elapsed_ms: 0.0,
        }))
    }

    /// Bad input: the message names the parameter.
    pub fn param(message: impl Into<String>) -> CosError {
        CosError::new(ErrorKind::Param, "Error", message)
    }

    pub fn missing(param: &str) -> CosError {
        let mut m = String::from("missing param ");
        m.push_str(param);
        CosError::param(m)
    }

    pub fn network(message: impl Into<String>) -> CosError {
        CosError::new(ErrorKind::Network, "Error", message)
    }

    pub fn protocol(message: impl Into<String>) -> CosError {
        CosError::new(ErrorKind::Protocol, "Error", message)
    }

    pub fn integrity(code: &str, message: impl Into<String>) -> CosError {
        CosError::new(ErrorKind::Integrity, code, message)
    }

    pub fn canceled() -> CosError {
        CosError::new(ErrorKind::Canceled, "TaskCanceled", "task canceled")
    }

    pub(crate) fn paused() -> CosError {
        CosError::new(ErrorKind::Paused, "TaskPaused", "task paused")
    }

    pub fn host(message: impl Into<String>) -> CosError {
        CosError::new(ErrorKind::Host, "Error", message)
    }

    pub fn auth(message: impl Into<String>) -> CosError {
        CosError::new(ErrorKind::Auth, "Error", message)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether COS said the signature's time was wrong (the clock-skew correction keys on this).
    pub fn is_time_error(&self) -> bool {
        self.kind == ErrorKind::Server
            && (self.code == "RequestTimeTooSkewed"
                || (self.code == "AccessDenied" && self.message == "Request has expired"))
    }

    /// Records how many requests the failed step made and how long it took.
    pub(crate) fn with_attempts(mut self, attempts: u32, elapsed_ms: f64) -> CosError {
        self.attempts = attempts;
        self.elapsed_ms = elapsed_ms.max(0.0);
        self
    }

    /// A sliceUploadFile failure before any upload exists: `UploadId: ''`, as the official SDKs
    /// give every error of a started slice upload (bad params and cancellation keep none).
    pub(crate) fn with_empty_upload_id(mut self) -> CosError {
        if self.upload_id.is_none() && !matches!(self.kind, ErrorKind::Param | ErrorKind::Canceled | ErrorKind::Paused) {
            self.upload_id = Some(String::new());
        }
        self
    }

    pub fn with_upload_id(mut self, upload_id: &str) -> CosError {
        if self.upload_id.is_none() && !upload_id.is_empty() {
            self.upload_id = Some(upload_id.to_string());
        }
        self
    }

    /// The `error` field of the JS error object.
    pub fn error_value(&self) -> Value {
        match &self.error {
            Some(v) => v.clone(),
            None => Value::Obj(vec![
                ("message".into(), Value::str(self.message.clone())),
                ("code".into(), Value::str(self.code.clone())),
            ]),
        }
    }
}

impl CosError {
    /// The error as a plain object of the official shape (for places a JS `Error` cannot go,
    /// such as `uploadFiles`' `data.files[].error`).
    pub(crate) fn to_value(&self) -> Value {
        let mut v = Value::obj();
        v.set("message", Value::str(self.message.clone()));
        v.set("code", Value::str(self.code.clone()));
        v.set("name", Value::str(if self.kind == ErrorKind::Server { self.code.clone() } else { "Error".into() }));
        v.set("error", self.error_value());
        if let Some(s) = self.status_code {
            v.set("statusCode", Value::Num(f64::from(s)));
        }
        v.set("headers", Value::Obj(self.headers.iter().map(|(k, x)| (k.clone(), Value::str(x.clone()))).collect()));
        // As the thrown error has them (`boundary::Writer::error`): uploadFiles' entries carry this value.
        if let Some(u) = &self.url {
            v.set("url", Value::str(u.clone()));
        }
        if let Some(m) = &self.method {
            v.set("method", Value::str(m.clone()));
        }
        if let Some(r) = &self.request_id {
            v.set("RequestId", Value::str(r.clone()));
        }
        if let Some(u) = &self.upload_id {
            v.set("UploadId", Value::str(u.clone()));
        }
        if let Some(s) = &self.error_status {
            v.set("ErrorStatus", Value::str(s.clone()));
        }
        v
    }
}

impl core::fmt::Display for CosError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.code)?;
        f.write_str(": ")?;
        f.write_str(&self.message)
    }
}

impl core::ops::Deref for CosError {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl core::ops::DerefMut for CosError {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

pub type Result<T> = core::result::Result<T, CosError>;
