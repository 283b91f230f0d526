//! The request pipeline shared by every operation: URL, credentials, signature, send, retry,
//! clock-skew correction and error decoding, as docs/official-sdk-behaviour.md describes them (sections
//! getAuthorization, URLs, Responses and errors, Retries and clock skew).

use crate::prelude::*;
use crate::float;
use core::cell::{Cell, RefCell};
use alloc::rc::Rc;

use crate::encode::{cam_safe_url_encode, encode_key_path};
use crate::attempts::{Attempts, Fix, Next, Retry, RetryPolicy, RETRY_BUDGET_MS};
use crate::error::{CosError, ErrorKind, Result};
use crate::host::{Body, Host, HttpRequest, HttpResponse, ProgressFn, ResponseType, TransportError};
use crate::options::{Dialect, Options};
use crate::params::{get_header, put_header};
use crate::sign::{self, Flavour, SignInput};
use crate::value::Value;

/// Cancellation shared by every request of one task: `pause`/`cancel` abort what is in flight and
/// make the next request fail at once.
#[derive(Default)]
pub struct AbortScope {
    stopped: Cell<Option<ErrorKind>>,
    in_flight: RefCell<Vec<u32>>,
    /// Complete is on its way: the object may be stored any moment, so the task can no longer be
    /// paused or canceled (its outcome is whatever Complete answers).
    committing: Cell<bool>,
    /// Opens when the scope is stopped: what waits on no request (a getAuthorization that may never
    /// answer) waits on it.
    stopped_gate: Gate,
}

impl AbortScope {
    pub(crate) fn new() -> Rc<AbortScope> {
        Rc::new(AbortScope::default())
    }

    pub(crate) fn stop<H: Host>(&self, host: &H, why: ErrorKind) {
        self.stopped.set(Some(why));
        let ids: Vec<u32> = self.in_flight.borrow_mut().drain(..).collect();
        for id in ids {
            host.abort(id);
        }
        self.stopped_gate.open();
    }

    /// Why the scope was stopped, if it was.
    pub(crate) fn stopped(&self) -> Option<ErrorKind> {
        self.stopped.get()
    }

    pub(crate) fn set_committing(&self, on: bool) {
        self.committing.set(on);
    }

    pub(crate) fn is_committing(&self) -> bool {
        self.committing.get()
    }

    pub(crate) fn check(&self) -> Result<()> {
        match self.stopped.get() {
            None => Ok(()),
            Some(ErrorKind::Canceled) => Err(CosError::canceled()),
            Some(_) => Err(CosError::paused()),
        }
    }
}

/// One request as an operation describes it.
pub(crate) struct Req<'a> {
    /// COS action name (`PutObject`): the STS scope action and the label in errors.
    pub action: &'static str,
    pub method: &'static str,
    pub bucket: &'a str,
    pub region: &'a str,
    /// Raw object key, `""` for bucket-level requests.
    pub key: &'a str,
    /// Raw query pairs; a subresource such as `uploads` has value `""` and is sent as `?uploads`.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub retry: Retry,
    pub progress: Option<ProgressFn>,
    pub response_type: ResponseType,
    pub data_type: Option<String>,
    /// STS scope actions to ask for (one credential for a whole task); `None` = just `action`.
    pub scope: Option<&'a [&'static str]>,
    pub abort: Option<&'a AbortScope>,
    /// The request carries its own signature (POST Object form): no Authorization header.
    pub unsigned: bool,
    /// Once sent, the request is not aborted by pause/cancel and its answer is returned even if
    /// the task stopped meanwhile: Initiate, whose UploadId must be known to be aborted or resumed.
    pub runs_to_completion: bool,
    /// Host (and port) to send to instead of the bucket's: `getService`'s service endpoint.
    pub host: Option<&'a str>,
}

impl<'a> Req<'a> {
    pub(crate) fn new(action: &'static str, method: &'static str, bucket: &'a str, region: &'a str, key: &'a str) -> Self {
        Req {
            action,
            method,
            bucket,
            region,
            key,
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
            retry: if matches!(method, "POST") { Retry::ServerErrors } else { Retry::Idempotent },
            progress: None,
            response_type: ResponseType::Bytes,
            data_type: None,
            scope: None,
            abort: None,
            unsigned: false,
            runs_to_completion: false,
            host: None,
        }
    }
}

#[derive(Clone, Debug)]
struct TempKey {
    secret_id: String,
    secret_key: String,
    token: String,
    start_time: Option<u64>,
    expired_time: u64,
    scope_key: Option<String>,
    /// How far the STS clock is ahead of ours (s), judged from StartTime when the key arrived:
    /// the key's window is checked on the STS clock, or a skewed client would ask for keys per
    /// request (they would look not yet valid, or already expired).
    skew_s: i64,
}

/// Credentials for one request.
pub(crate) enum Auth {
    Keys { secret_id: String, secret_key: String, token: String, key_time: Option<String> },
    Ready { authorization: String, token: String, extra: Vec<(String, String)> },
}

pub struct Client<H: Host> {
    pub host: Rc<H>,
    /// Replaced as a whole when the user changes `cos.options` (read through [`Client::opts`]).
    opts: RefCell<Rc<Options>>,
    /// ms added to the host clock when signing; corrected from the server's `Date` on skew errors.
    pub clock_offset: Cell<f64>,
    sts_cache: RefCell<Vec<TempKey>>,
    /// Open while a getAuthorization call is under way.
    auth_gate: RefCell<Option<Rc<Gate>>>,
    /// getAuthorization answered with ready signatures: every request asks for its own.
    auth_signs_each: Cell<bool>,
    next_request_id: Cell<u32>,
    /// UploadIds being uploaded by a task of this instance: two tasks never share one.
    using: RefCell<Vec<String>>,
    /// Which official SDK's answers this host reproduces where they differ.
    pub dialect: Cell<Dialect>,
}

impl<H: Host> Client<H> {
    pub(crate) fn new(host: Rc<H>, opts: Options) -> Client<H> {
        let offset = opts.system_clock_offset;
        Client {
            host,
            opts: RefCell::new(Rc::new(opts)),
            clock_offset: Cell::new(offset),
            sts_cache: RefCell::new(Vec::new()),
            auth_gate: RefCell::new(None),
            auth_signs_each: Cell::new(false),
            next_request_id: Cell::new(1),
            using: RefCell::new(Vec::new()),
            dialect: Cell::new(Dialect::MiniProgram),
        }
    }

    /// The options in force now. A request reads them once per attempt, as the official SDKs read
    /// `cos.options` per request.
    pub fn opts(&self) -> Rc<Options> {
        self.opts.borrow().clone()
    }

    /// Puts new options in force (`cos.options` changed); returns the ones they replace. A changed
    /// `SystemClockOffset` becomes the clock offset; changed credentials drop the cached temporary keys.
    pub(crate) fn set_opts(&self, opts: Options) -> Rc<Options> {
        let old = self.opts();
        if opts.system_clock_offset != old.system_clock_offset {
            self.clock_offset.set(opts.system_clock_offset);
        }
        if !opts.same_credentials(&old) {
            self.sts_cache.borrow_mut().clear();
            self.auth_signs_each.set(false);
        }
        *self.opts.borrow_mut() = Rc::new(opts);
        old
    }

    pub(crate) fn in_use(&self, upload_id: &str) -> bool {
        self.using.borrow().iter().any(|u| u == upload_id)
    }

    pub(crate) fn mark_in_use(&self, upload_id: &str, on: bool) {
        let mut u = self.using.borrow_mut();
        u.retain(|x| x != upload_id);
        if on {
            u.push(upload_id.to_string());
        }
    }

    /// Host name (with port when the Domain has one) of a bucket.
    pub(crate) fn bucket_host(&self, bucket: &str, region: &str) -> String {
        let opts = self.opts();
        if !opts.domain.is_empty() {
            let d = opts.domain.as_str();
            let d = d
                .strip_prefix("https://")
                .or_else(|| d.strip_prefix("http://"))
                .unwrap_or(d);
            let (short, appid) = bucket.rsplit_once('-').unwrap_or((bucket, ""));
            let mut out = String::with_capacity(d.len() + bucket.len() + region.len());
            let mut rest = d;
            while let Some(open) = rest.find('{') {
                let (before, after) = rest.split_at_checked(open).unwrap_or((rest, ""));
                out.push_str(before);
                let (token, len) = if after.starts_with("{{Bucket}}") {
                    (short, 10)
                } else if let Some(close) = after.find('}') {
                    let name = after.get(1..close).unwrap_or_default();
                    let v = match name {
                        "Bucket" => bucket,
                        "BucketName" => short,
                        "AppId" => appid,
                        "Region" => region,
                        _ => "",
                    };
                    (v, close + 1)
                } else {
                    (after, after.len())
                };
                out.push_str(token);
                rest = after.get(len..).unwrap_or_default();
            }
            out.push_str(rest);
            return out.trim_end_matches('/').to_string();
        }
        let mut h = String::with_capacity(bucket.len() + region.len() + 24);
        h.push_str(bucket);
        if self.opts().use_accelerate {
            h.push_str(".cos.accelerate.myqcloud.com");
        } else if matches!(region, "cn-south" | "cn-south-2" | "cn-north" | "cn-east" | "cn-southwest" | "sg") {
            h.push('.');
            h.push_str(region);
            h.push_str(".myqcloud.com");
        } else {
            h.push_str(".cos.");
            h.push_str(region);
            h.push_str(".myqcloud.com");
        }
        h
    }

    fn protocol(&self) -> &'static str {
        let opts = self.opts();
        let d = opts.domain.as_str();
        if d.starts_with("http://") || (!d.starts_with("https://") && opts.protocol == "http:") {
            "http:"
        } else {
            "https:"
        }
    }

    /// `Location` as the official SDK reports it: host and encoded key, no protocol.
    pub(crate) fn location(&self, bucket: &str, region: &str, key: &str) -> String {
        let mut s = self.bucket_host(bucket, region);
        s.push('/');
        s.push_str(&encode_key_path(key));
        s
    }

    /// Full URL of an object (no query).
    pub(crate) fn object_url(&self, bucket: &str, region: &str, key: &str) -> String {
        let mut s = String::from(self.protocol());
        s.push_str("//");
        s.push_str(&self.location(bucket, region, key));
        s
    }

    pub(crate) fn now_ms(&self) -> f64 {
        self.host.now_ms() + self.clock_offset.get()
    }

    fn next_id(&self) -> u32 {
        let id = self.next_request_id.get();
        self.next_request_id.set(id.wrapping_add(1).max(1));
        id
    }

    /// Sends a request, retrying per `req.retry` and correcting clock skew once: `Attempts` decides
    /// after each attempt, this loop performs (signs, sends, waits, corrects).
    pub(crate) async fn request(&self, req: Req<'_>) -> Result<HttpResponse> {
        let mut attempts = Attempts::new(req.retry, self.retry_policy(), self.host.now_ms())
            .correcting_clock_skew(self.opts().correct_clock_skew)
            .refreshing_keys(self.opts().get_authorization.is_some())
            // 304 is an answer only to If-Modified-Since (headObject / getObject give
            // `NotModified`); the official SDKs report any other 304 as an error.
            .accepting_not_modified(get_header(&req.headers, "if-modified-since").is_some())
            .speaking(self.dialect.get());
        let mut main_url = match req.host {
            Some(h) => [self.protocol(), "//", h, "/"].concat(),
            None => self.object_url(req.bucket, req.region, req.key),
        };
        let qs = query_string(&req.query);
        if !qs.is_empty() {
            main_url.push('?');
            main_url.push_str(&qs);
        }
        // AutoSwitchHost: this attempt goes to the backup domain (URL, signed host).
        let mut backup: Option<(String, String)> = None;
        loop {
            if let Some(scope) = req.abort {
                scope.check()?;
            }
            let url = backup.as_ref().map_or_else(|| main_url.clone(), |(u, _)| u.clone());
            let mut headers = req.headers.clone();
            if attempts.failed() > 0 {
                put_header(&mut headers, "x-cos-sdk-retry", "true".into());
            }
            let mut signed_here = false;
            if !req.unsigned {
                signed_here = self.sign_for_host(&req, &mut headers, 900, backup.as_ref().map(|(_, h)| h.as_str())).await?;
            }
            if let Some(scope) = req.abort {
                scope.check()?;
            }
            let id = self.next_id();
            let scope_in_flight = req.abort.filter(|_| !req.runs_to_completion);
            if let Some(scope) = scope_in_flight {
                scope.in_flight.borrow_mut().push(id);
            }
            let http = HttpRequest {
                id,
                method: req.method.to_string(),
                url: url.clone(),
                headers,
                body: req.body.clone(),
                timeout_ms: self.opts().timeout_ms,
                response_type: req.response_type,
                data_type: req.data_type.clone(),
            };
            let signed_offset = self.clock_offset.get();
            let result = self.host.send(http, req.progress.clone()).await;
            if let Some(scope) = scope_in_flight {
                scope.in_flight.borrow_mut().retain(|x| *x != id);
                scope.check()?;
            }
            if matches!(result, Err(TransportError::Aborted)) {
                if let Some(scope) = req.abort {
                    scope.check()?;
                }
            }
            let now = self.host.now_ms();
            match attempts.after(result, &url, req.method, now, signed_offset, self.host.random()) {
                Next::Answer(resp) => return Ok(resp),
                Next::Fail(err) => return Err(err),
                Next::Resend { delay_ms, fix, no_answer } => {
                    match fix {
                        Fix::Nothing => {}
                        Fix::ClockOffset(ms) => {
                            self.clock_offset.set(ms);
                            self.forget_unusable_keys();
                        }
                        Fix::RefreshKeys => self.sts_cache.borrow_mut().clear(),
                    }
                    // As the official SDKs: after a network error on the main domain, when the
                    // signature is ours (a server-made one names the main host), the next attempt
                    // tries the backup domain; after one there, the main domain again.
                    backup = if no_answer && signed_here && self.opts().auto_switch_host {
                        backup_domain_url(&url)
                    } else {
                        None
                    };
                    if delay_ms > 0 {
                        self.host.sleep(delay_ms).await;
                    }
                }
            }
        }
    }

    /// The retry policy of single requests (`RetryTimes`).
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy { retries: self.opts().retry_times, base_delay_ms: self.opts().retry_delay_ms, budget_ms: RETRY_BUDGET_MS }
    }

    /// The retry policy of a multipart upload's parts and Complete, whose driver is their only
    /// retry layer (it also retries what only it can check: CRC-64, a missing ETag): the larger of
    /// `RetryTimes` and the official `ChunkRetryTimes`, so a part is never given fewer tries than
    /// any other request.
    pub(crate) fn part_retry_policy(&self) -> RetryPolicy {
        RetryPolicy { retries: self.opts().retry_times.max(self.opts().chunk_retry_times), ..self.retry_policy() }
    }

    /// Adds `Authorization` (and the token header), with a key time of `expires_s` seconds
    /// (pre-signed URLs choose it).
    pub(crate) async fn sign_into_with_expiry(
        &self,
        req: &Req<'_>,
        headers: &mut Vec<(String, String)>,
        expires_s: u64,
    ) -> Result<()> {
        self.sign_for_host(req, headers, expires_s, None).await.map(|_| ())
    }

    /// Signs for `host` (else the request's own); true when the signature was computed here (keys
    /// or temporary keys), false when getAuthorization gave a finished one.
    async fn sign_for_host(
        &self,
        req: &Req<'_>,
        headers: &mut Vec<(String, String)>,
        expires_s: u64,
        host: Option<&str>,
    ) -> Result<bool> {
        let host_name = match host.or(req.host) {
            Some(h) => h.to_string(),
            None => self.bucket_host(req.bucket, req.region),
        };
        // What is signed: non-empty headers, minus those browsers or proxies may rewrite.
        let mut signed: Vec<(String, String)> = headers
            .iter()
            .filter(|(k, v)| {
                !v.is_empty()
                    && !k.eq_ignore_ascii_case("content-type")
                    && !k.eq_ignore_ascii_case("cache-control")
                    && (self.opts().flavour == Flavour::Wx || !k.eq_ignore_ascii_case("expires"))
            })
            .cloned()
            .collect();
        if self.opts().force_sign_host && get_header(&signed, "host").is_none() {
            signed.push(("Host".to_string(), host_name));
        }
        let mut pathname = String::with_capacity(req.key.len() + 1);
        pathname.push('/');
        pathname.push_str(req.key);
        // A stop (pause, cancel, a signal) ends the wait for keys at once: a getAuthorization that
        // never answers must not hold the call. One wait with or without a scope (one await of
        // the keys in this future, not two).
        let auth = {
            let mut keys = core::pin::pin!(self.credentials(req, &pathname, &signed));
            let mut stop = core::pin::pin!(req.abort.map(|scope| scope.stopped_gate.until_open()));
            // The keys if they come first (polled first, as futures_util's select would).
            let first = core::future::poll_fn(|cx| match core::future::Future::poll(keys.as_mut(), cx) {
                core::task::Poll::Ready(auth) => core::task::Poll::Ready(Some(auth)),
                core::task::Poll::Pending => match stop.as_mut().as_pin_mut() {
                    Some(stop) => core::future::Future::poll(stop, cx).map(|()| None),
                    None => core::task::Poll::Pending,
                },
            });
            match first.await {
                Some(auth) => auth?,
                // Only a scope's stop gets here.
                None => return req.abort.map_or(Ok(false), |scope| scope.check().map(|()| false)),
            }
        };
        let signed_here = matches!(auth, Auth::Keys { .. });
        match auth {
            Auth::Keys { secret_id, secret_key, token, key_time } => {
                let key_time = key_time.unwrap_or_else(|| {
                    sign::default_key_time(self.host.now_ms(), self.clock_offset.get(), expires_s)
                });
                let (query, signed) = (sign::borrow_pairs(&req.query), sign::borrow_pairs(&signed));
                let a = sign::authorization(&SignInput {
                    secret_id: &secret_id,
                    secret_key: &secret_key,
                    method: req.method,
                    pathname: &pathname,
                    query: &query,
                    headers: &signed,
                    key_time: &key_time,
                    flavour: self.opts().flavour,
                });
                put_header(headers, "Authorization", a);
                if !token.is_empty() {
                    put_header(headers, "x-cos-security-token", token);
                }
            }
            Auth::Ready { authorization, token, extra } => {
                put_header(headers, "Authorization", authorization);
                if !token.is_empty() {
                    put_header(headers, "x-cos-security-token", token);
                }
                for (k, v) in extra {
                    put_header(headers, &k, v);
                }
            }
        }
        Ok(signed_here)
    }

    pub(crate) async fn credentials(&self, req: &Req<'_>, pathname: &str, signed: &[(String, String)]) -> Result<Auth> {
        let opts = self.opts();
        if opts.get_authorization.is_none() && opts.get_sts.is_none() {
            if opts.secret_id.is_empty() || opts.secret_key.is_empty() {
                return Err(CosError::auth(
                    "missing credentials: pass SecretId and SecretKey, or getAuthorization, to new COS()",
                ));
            }
            let key_time = opts.key_time()?.map(|(s, e)| time_pair(s, e));
            return Ok(Auth::Keys {
                secret_id: opts.secret_id.clone(),
                secret_key: opts.secret_key.clone(),
                token: opts.security_token.clone(),
                key_time,
            });
        }
        drop(opts);
        let scope = self.scope_value(req);
        let scope_key = scope_key(&scope);
        // One getAuthorization call at a time while keys can be cached: requests that start
        // together (parts, queued files) wait for the first answer instead of each asking the
        // STS service (the official SDK asks once per request until its cache fills).
        let now_s = loop {
            let now_s = float::floor(self.now_ms() / 1000.0) as u64;
            if let Some(k) = self.cached_key(now_s, &scope_key) {
                return Ok(k);
            }
            let pending = if self.auth_signs_each.get() { None } else { self.auth_gate.borrow().clone() };
            match pending {
                Some(gate) => gate.wait().await,
                None => break now_s,
            }
        };
        // Read after the wait: `cos.options` may have changed meanwhile.
        let opts = self.opts();
        let mut options = Value::obj();
        options.set("Bucket", req.bucket.into());
        options.set("Region", req.region.into());
        let (f, legacy) = match (opts.get_authorization, opts.get_sts) {
            (Some(f), _) => (f, false),
            (None, Some(f)) => (f, true),
            (None, None) => return Err(CosError::auth("missing credentials: getAuthorization was removed from the options")),
        };
        if !legacy {
            options.set("Method", req.method.into());
            options.set("Key", req.key.into());
            options.set("Pathname", pathname.into());
            options.set(
                "Query",
                Value::Obj(req.query.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))).collect()),
            );
            options.set(
                "Headers",
                Value::Obj(signed.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))).collect()),
            );
            options.set("Scope", scope);
            options.set("SystemClockOffset", Value::Num(self.clock_offset.get()));
            options.set("ForceSignHost", Value::Bool(opts.force_sign_host));
        }
        // One wait for both kinds of function (one await point in this future, not two).
        let asking = Asking::new(&self.auth_gate);
        let got = self.host.get_authorization(f, options).await;
        let auth = if legacy {
            // getSTS({Bucket, Region}, cb) answers temporary keys, possibly named SecretId/SecretKey.
            got.and_then(|mut got| {
                for (tmp, plain) in [("TmpSecretId", "SecretId"), ("TmpSecretKey", "SecretKey")] {
                    if got.get(tmp).and_then(Value::to_param_string).unwrap_or_default().is_empty() {
                        if let Some(v) = got.get(plain).cloned() {
                            got.set(tmp, v);
                        }
                    }
                }
                if let Value::Obj(fields) = &mut got {
                    fields.retain(|(k, _)| k != "Authorization");
                }
                self.accept_credentials(got, now_s, scope_key)
            })
        } else {
            let auth = got.and_then(|got| self.accept_credentials(got, now_s, scope_key));
            if matches!(auth, Ok(Auth::Ready { .. })) {
                // A server signs each request: nothing to share, so nobody waits from now on.
                self.auth_signs_each.set(true);
            }
            auth
        };
        drop(asking);
        auth
    }

    fn scope_value(&self, req: &Req<'_>) -> Value {
        let one = [req.action];
        let actions: &[&'static str] = req.scope.unwrap_or(&one);
        Value::Arr(
            actions
                .iter()
                .map(|a| {
                    let mut action = String::from("name/cos:");
                    action.push_str(a);
                    Value::Obj(vec![
                        ("action".into(), Value::Str(action)),
                        ("bucket".into(), req.bucket.into()),
                        ("region".into(), req.region.into()),
                        ("prefix".into(), req.key.into()),
                    ])
                })
                .collect(),
        )
    }

    fn cached_key(&self, now_s: u64, scope_key: &str) -> Option<Auth> {
        let mut cache = self.sts_cache.borrow_mut();
        let on_sts_clock = |k: &TempKey| now_s.saturating_add_signed(k.skew_s);
        cache.retain(|k| {
            let now = on_sts_clock(k);
            !(k.start_time.is_some_and(|s| now + 30 < s) || now + 30 >= k.expired_time)
        });
        cache
            .iter()
            .find(|k| k.expired_time > on_sts_clock(k) + 60 && k.scope_key.as_deref().is_none_or(|s| s == scope_key))
            .map(|k| Auth::Keys {
                secret_id: k.secret_id.clone(),
                secret_key: k.secret_key.clone(),
                token: k.token.clone(),
                key_time: Some(match k.start_time {
                    Some(s) => time_pair(s, k.expired_time),
                    None => time_pair(now_s.saturating_sub(1), now_s + 900),
                }),
            })
    }

    /// Drops cached temporary keys after a clock correction: their windows were judged by a wrong clock.
    fn forget_unusable_keys(&self) {
        let now_s = float::floor(self.now_ms() / 1000.0) as u64;
        self.sts_cache.borrow_mut().retain(|k| k.expired_time > now_s + 60);
    }

    /// Validates what `getAuthorization` passed to its callback
    /// (docs/official-sdk-behaviour.md#getauthorization).
    fn accept_credentials(&self, got: Value, now_s: u64, scope_key: String) -> Result<Auth> {
        let got = match got {
            Value::Str(s) => Value::Obj(vec![("Authorization".into(), Value::Str(s))]),
            v @ Value::Obj(_) => v,
            _ => return Err(CosError::auth("getAuthorization callback params format error")),
        };
        let text = |name: &str| got.get(name).and_then(Value::to_param_string).unwrap_or_default();
        let token = {
            let t = text("SecurityToken");
            if t.is_empty() { text("XCosSecurityToken") } else { t }
        };
        let authorization = text("Authorization");
        if !authorization.is_empty() {
            let ok = !authorization.contains(' ')
                && ["q-sign-algorithm=", "q-ak=", "q-sign-time=", "q-key-time=", "q-url-param-list="]
                    .iter()
                    .all(|p| crate::text::contains(&authorization, p));
            if !ok {
                return Err(CosError::auth("getAuthorization callback params format error"));
            }
            let mut extra = Vec::new();
            for (field, header) in [("Token", "token"), ("ClientIP", "clientIP"), ("ClientUA", "clientUA")] {
                let v = text(field);
                if !v.is_empty() {
                    extra.push((header.to_string(), v));
                }
            }
            return Ok(Auth::Ready { authorization, token, extra });
        }
        for field in ["TmpSecretId", "TmpSecretKey", "ExpiredTime"] {
            if text(field).is_empty() {
                let mut m = String::from("getAuthorization callback params missing \"");
                m.push_str(field);
                m.push('"');
                return Err(CosError::auth(m));
            }
        }
        if token.is_empty() {
            return Err(CosError::auth("getAuthorization callback params missing \"SecurityToken\""));
        }
        let ten_digits = |name: &str| -> Result<Option<u64>> {
            let t = text(name);
            if t.is_empty() {
                return Ok(None);
            }
            if t.len() != 10 || !t.bytes().all(|b| b.is_ascii_digit()) {
                let mut m = String::from("getAuthorization callback params \"");
                m.push_str(name);
                m.push_str("\" should be a 10-digit unix time in seconds");
                return Err(CosError::auth(m));
            }
            Ok(t.parse().ok())
        };
        let expired_time = ten_digits("ExpiredTime")?.unwrap_or(0);
        let start_time = ten_digits("StartTime")?;
        let scope_limit = got.get("ScopeLimit").and_then(Value::as_bool).unwrap_or(false);
        let skew_s = start_time.map(|s| s as i64 - now_s as i64).filter(|d| d.abs() > 60).unwrap_or(0);
        let key = TempKey {
            secret_id: text("TmpSecretId"),
            secret_key: text("TmpSecretKey"),
            token,
            start_time,
            expired_time,
            scope_key: scope_limit.then_some(scope_key),
            skew_s,
        };
        let key_time = match start_time {
            Some(s) => time_pair(s, expired_time),
            None => time_pair(now_s.saturating_sub(1), now_s + 900),
        };
        let auth = Auth::Keys {
            secret_id: key.secret_id.clone(),
            secret_key: key.secret_key.clone(),
            token: key.token.clone(),
            key_time: Some(key_time),
        };
        if expired_time > now_s.saturating_add_signed(skew_s) + 60 {
            self.sts_cache.borrow_mut().insert(0, key);
        }
        Ok(auth)
    }
}

/// The same URL on COS's backup domain (`<bucket>.cos.<region>.tencentcos.cn`) and that host, when
/// `url` is on the main one (`*.cos.*.myqcloud.com`, not the global acceleration endpoint).
pub(crate) fn backup_domain_url(url: &str) -> Option<(String, String)> {
    let scheme_end = crate::text::find(url, "://")? + 3;
    let (scheme, rest) = url.split_at_checked(scheme_end)?;
    let (host, path) = rest.split_at_checked(rest.find(['/', '?']).unwrap_or(rest.len()))?;
    let stem = host.strip_suffix(".myqcloud.com")?;
    let after_cos = stem.get(crate::text::find(stem, ".cos.")? + 5..)?;
    if after_cos.is_empty() || stem.ends_with(".cos.accelerate") {
        return None;
    }
    let backup_host = [stem, ".tencentcos.cn"].concat();
    Some(([scheme, &backup_host, path].concat(), backup_host))
}

/// A one-time barrier: its waits resolve once `open` has been called.
#[derive(Default)]
struct Gate {
    opened: Cell<bool>,
    wakers: RefCell<Vec<core::task::Waker>>,
}

impl Gate {
    fn new() -> Rc<Gate> {
        Rc::default()
    }

    fn open(&self) {
        self.opened.set(true);
        let wakers: Vec<_> = self.wakers.borrow_mut().drain(..).collect();
        for w in wakers {
            w.wake();
        }
    }

    fn until_open(&self) -> impl core::future::Future<Output = ()> + '_ {
        core::future::poll_fn(move |cx| {
            if self.opened.get() {
                core::task::Poll::Ready(())
            } else {
                self.wakers.borrow_mut().push(cx.waker().clone());
                core::task::Poll::Pending
            }
        })
    }

    async fn wait(self: Rc<Self>) {
        self.until_open().await
    }
}

/// A getAuthorization in progress: other requests wait at its gate. Dropped when the answer is
/// handled, or when the wait is abandoned (the call was stopped), the gate opens either way, so
/// nobody waits on an answer nobody will handle.
struct Asking<'a> {
    slot: &'a RefCell<Option<Rc<Gate>>>,
    gate: Rc<Gate>,
}

impl<'a> Asking<'a> {
    fn new(slot: &'a RefCell<Option<Rc<Gate>>>) -> Asking<'a> {
        let gate = Gate::new();
        *slot.borrow_mut() = Some(gate.clone());
        Asking { slot, gate }
    }
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        *self.slot.borrow_mut() = None;
        self.gate.open();
    }
}

fn time_pair(a: u64, b: u64) -> String {
    let mut s = a.to_string();
    s.push(';');
    s.push_str(&b.to_string());
    s
}

fn scope_key(scope: &Value) -> String {
    let mut s = String::new();
    for item in scope.as_list() {
        for (_, v) in item.entries() {
            if let Some(t) = v.as_str() {
                s.push_str(t);
                s.push('\u{1}');
            }
        }
        s.push('\u{2}');
    }
    s
}

/// `k=v&…` with COS's encoding; subresources with an empty value are sent bare (`?uploads`).
pub fn query_string(query: &[(String, String)]) -> String {
    let mut s = String::new();
    for (k, v) in query {
        if !s.is_empty() {
            s.push('&');
        }
        s.push_str(&cam_safe_url_encode(k));
        if !v.is_empty() {
            s.push('=');
            s.push_str(&cam_safe_url_encode(v));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn backup_domain_only_for_main_cos_hosts() {
        let (url, host) = super::backup_domain_url("https://b-1250000000.cos.ap-guangzhou.myqcloud.com/a/b.txt?uploads").unwrap();
        assert_eq!(url, "https://b-1250000000.cos.ap-guangzhou.tencentcos.cn/a/b.txt?uploads");
        assert_eq!(host, "b-1250000000.cos.ap-guangzhou.tencentcos.cn");
        assert_eq!(super::backup_domain_url("http://b-1.cos.ap-guangzhou.myqcloud.com").unwrap().0, "http://b-1.cos.ap-guangzhou.tencentcos.cn");
        for other in [
            "https://b-1.cos.accelerate.myqcloud.com/k",
            "https://b-1.cos.ap-guangzhou.tencentcos.cn/k",
            "https://b-1.cn-south.myqcloud.com/k",
            "https://b-1.cos.ap-guangzhou.localhost:8080/k",
            "https://service.cos.myqcloud.com/",
            "https://cdn.example.com/b.cos.x.myqcloud.com",
        ] {
            assert_eq!(super::backup_domain_url(other), None, "{other}");
        }
    }

    use super::*;

    #[test]
    fn query_strings() {
        let q = vec![("uploads".to_string(), String::new()), ("prefix".to_string(), "a b/c".to_string())];
        assert_eq!(query_string(&q), "uploads&prefix=a%20b%2Fc");
    }
}
