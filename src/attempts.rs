//! A request's retry loop as decisions with no I/O: given what one attempt got, answer, fail, or
//! send again (after a pause, with the clock corrected or the keys refreshed first).
//! `Client::request` performs the decisions; the tests below drive them step by step, so every
//! order of failures is checked without a host or a clock. Also here, as what those decisions read:
//! which requests may be repeated (`Retry`), the retry budget (`RetryPolicy`), and how an error
//! answer becomes the SDK's error (`decode_error`, the `Date` header for clock skew).

use crate::prelude::*;
use crate::float;
use crate::error::{CosError, ErrorKind};
use crate::options::Dialect;
use crate::host::{HttpResponse, TransportError};
use crate::value::Value;
use crate::xml;

/// When a failed request may be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Network errors, timeouts and 5xx (GET, HEAD, PUT, DELETE: repeating them is harmless).
    Idempotent,
    /// Only 5xx: the server answered, so it did not act (Initiate, Complete).
    ServerErrors,
    /// Never (APPEND: a repeat after a lost answer could append twice).
    Never,
}

/// No retry starts later than this after a request's first attempt: a failing step ends within
/// minutes, whatever the attempt count allows.
pub(crate) const RETRY_BUDGET_MS: f64 = 120_000.0;

/// When a failed request is sent again: a count of retries and a time budget. One loop per request
/// consumes it (the client's for single requests, the upload driver's for parts and Complete).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RetryPolicy {
    pub retries: u32,
    pub base_delay_ms: u32,
    pub budget_ms: f64,
}

impl RetryPolicy {
    /// The pause before the next attempt after `attempts` failed ones that took `elapsed_ms`, or
    /// `None` when the attempts or the time are spent: base·2ⁿ jittered into [50 %, 100 %] by
    /// `random`, each pause at most 10 s.
    pub(crate) fn delay_after(&self, attempts: u32, elapsed_ms: f64, random: f64) -> Option<u32> {
        if attempts == 0 || attempts > self.retries {
            return None;
        }
        let exp = f64::from(self.base_delay_ms) * f64::from(1u32 << (attempts - 1).min(10));
        let ms = exp.min(10_000.0) * (0.5 + 0.5 * random);
        (elapsed_ms + ms <= self.budget_ms).then_some(ms as u32)
    }
}

/// Builds the SDK error for a non-2xx response (or a 2xx whose body is `<Error>`).
pub fn decode_error(status: u16, headers: &[(String, String)], body: &[u8]) -> CosError {
    let text = core::str::from_utf8(body).unwrap_or("");
    let parsed = if text.trim_start().starts_with('<') { xml::parse(text).ok() } else { None };
    let error_obj = parsed.as_ref().and_then(|v| v.get("Error")).cloned();
    let request_id = headers
        .iter()
        .find(|(k, _)| k == "x-cos-request-id" || k == "x-ci-request-id")
        .map(|(_, v)| v.clone());
    let mut err = match &error_obj {
        Some(e) => {
            let code = e.get("Code").and_then(Value::as_str).unwrap_or("Error");
            let message = e.get("Message").and_then(Value::as_str).unwrap_or("");
            CosError::new(ErrorKind::Server, code, message)
        }
        None => {
            let (code, message) = match status {
                304 => ("NotModified", "Not Modified"),
                400 => ("BadRequest", "Bad Request"),
                403 => ("AccessDenied", "Access Denied"),
                404 => ("NotFound", "Not Found"),
                409 => ("Conflict", "Conflict"),
                412 => ("PreconditionFailed", "Precondition Failed"),
                s if s >= 500 => ("InternalError", "server error"),
                _ => ("Error", "unexpected response"),
            };
            let mut m = String::from(message);
            m.push_str(" (HTTP ");
            m.push_str(&u64::from(status).to_string());
            m.push(')');
            CosError::new(ErrorKind::Server, code, m)
        }
    };
    err.status_code = Some(status);
    err.headers = headers.to_vec();
    err.error = Some(error_obj.unwrap_or_else(Value::obj));
    err.request_id = request_id;
    err
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to epoch ms.
pub fn parse_http_date(s: &str) -> Option<f64> {
    let s = s.trim();
    let rest = crate::text::split_once(s, ", ").map(|(_, r)| r).unwrap_or(s);
    let mut it = rest.split_ascii_whitespace();
    // Fields are unsigned: a negative one makes the date unreadable (it gave a date days off
    // before). u32's parser is in the wasm anyway; i64's would add its own.
    let num = |s: Option<&str>| s?.parse::<u32>().ok().map(i64::from);
    let day = num(it.next())?;
    let mon = it.next()?;
    let year = num(it.next())?;
    let hms = it.next()?;
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = months.iter().position(|x| x.eq_ignore_ascii_case(mon))? as i64 + 1;
    let mut t = hms.split(':');
    let (h, mi, se) = (num(t.next())?, num(t.next())?, num(t.next())?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + mi * 60 + se) * 1000) as f64)
}


/// What the driver does next.
#[derive(Debug)]
pub(crate) enum Next {
    /// The answer: a 2xx, or a 304 to a conditional GET/HEAD that asked for one.
    Answer(HttpResponse),
    /// Send again after `delay_ms`, having applied `fix` first. `no_answer`: the attempt got no
    /// answer at all (network error, timeout), which is when the official SDKs try the backup domain.
    Resend { delay_ms: u32, fix: Fix, no_answer: bool },
    /// The request failed for good; the error carries the attempts made and the time spent.
    Fail(CosError),
}

/// What changes before the next attempt.
#[derive(Debug, PartialEq)]
pub(crate) enum Fix {
    Nothing,
    /// The server's clock is this many ms ahead of the host's: sign with it from now on, and drop
    /// temporary keys whose window was judged by the wrong clock.
    ClockOffset(f64),
    /// The temporary keys expired or were revoked: ask getAuthorization for new ones.
    RefreshKeys,
}

/// The clock is corrected only when it is this far off (COS allows 15 min, but a signature's
/// start time a little ahead already fails).
const SKEW_MS: f64 = 30_000.0;

/// One request's attempts so far.
pub(crate) struct Attempts {
    retry: Retry,
    policy: RetryPolicy,
    correct_clock_skew: bool,
    /// Keys come from getAuthorization, so expired ones can be replaced.
    refreshable_keys: bool,
    /// A 304 is an answer (the request carried If-Modified-Since).
    not_modified_ok: bool,
    dialect: Dialect,
    started_ms: f64,
    made: u32,
    skew_corrected: bool,
    keys_refreshed: bool,
}

impl Attempts {
    pub(crate) fn new(retry: Retry, policy: RetryPolicy, started_ms: f64) -> Attempts {
        Attempts {
            retry,
            policy,
            correct_clock_skew: false,
            refreshable_keys: false,
            not_modified_ok: false,
            dialect: Dialect::MiniProgram,
            started_ms,
            made: 0,
            skew_corrected: false,
            keys_refreshed: false,
        }
    }

    pub(crate) fn correcting_clock_skew(mut self, on: bool) -> Attempts {
        self.correct_clock_skew = on;
        self
    }

    pub(crate) fn refreshing_keys(mut self, on: bool) -> Attempts {
        self.refreshable_keys = on;
        self
    }

    pub(crate) fn accepting_not_modified(mut self, on: bool) -> Attempts {
        self.not_modified_ok = on;
        self
    }

    /// Names error answers without a body as `dialect`'s official SDK does.
    pub(crate) fn speaking(mut self, dialect: Dialect) -> Attempts {
        self.dialect = dialect;
        self
    }

    /// Failed attempts that were retried or ended the request (corrections do not count).
    pub(crate) fn failed(&self) -> u32 {
        self.made
    }

    /// Decides after one attempt. `now_ms` is the host clock, `offset_ms` the clock offset the
    /// attempt was signed with, `random` in [0, 1) for the jitter.
    pub(crate) fn after(
        &mut self,
        got: Result<HttpResponse, TransportError>,
        url: &str,
        method: &str,
        now_ms: f64,
        offset_ms: f64,
        random: f64,
    ) -> Next {
        let err = match got {
            Ok(resp) if resp.status < 300 || (resp.status == 304 && self.not_modified_ok) => return Next::Answer(resp),
            Ok(resp) => name_bodyless(decode_error(resp.status, &resp.headers, &resp.body), self.dialect),
            // Pause and cancel are told apart by the driver before it asks; any other abort is final.
            Err(TransportError::Aborted) => return Next::Fail(with_request(CosError::network("request aborted"), url, method)),
            Err(TransportError::Timeout) => CosError::new(ErrorKind::Timeout, "Error", "timeout"),
            Err(TransportError::Invalid(m)) => CosError::protocol(m),
            Err(TransportError::Network(m)) => {
                CosError::network(if m.is_empty() { "CORS blocked or network error".to_string() } else { m })
            }
        };
        let err = with_request(err, url, method);
        if err.is_time_error() && self.correct_clock_skew && !self.skew_corrected {
            if let Some(server_ms) = server_time_ms(&err) {
                if float::abs(now_ms + offset_ms - server_ms) >= SKEW_MS {
                    self.skew_corrected = true;
                    return Next::Resend { delay_ms: 0, fix: Fix::ClockOffset(server_ms - now_ms), no_answer: false };
                }
            }
        }
        // Temporary keys that expired (or were revoked) mid-upload: new ones once, instead of
        // failing the upload and leaving it behind.
        if !self.keys_refreshed
            && self.refreshable_keys
            && err.kind == ErrorKind::Server
            && matches!(err.code.as_str(), "ExpiredToken" | "InvalidAccessKeyId" | "TokenExpired")
        {
            self.keys_refreshed = true;
            return Next::Resend { delay_ms: 0, fix: Fix::RefreshKeys, no_answer: false };
        }
        let retryable = match (self.retry, err.kind) {
            (Retry::Never, _) => false,
            (_, ErrorKind::Server) => err.status_code.is_some_and(|s| s >= 500),
            (Retry::Idempotent, ErrorKind::Network | ErrorKind::Timeout) => true,
            _ => false,
        };
        self.made += 1;
        let elapsed = now_ms - self.started_ms;
        match self.policy.delay_after(self.made, elapsed, random) {
            Some(delay_ms) if retryable => Next::Resend {
                delay_ms,
                fix: Fix::Nothing,
                no_answer: matches!(err.kind, ErrorKind::Network | ErrorKind::Timeout),
            },
            _ => Next::Fail(err.with_attempts(self.made, elapsed)),
        }
    }
}

/// Renames the code of an error answer that had no `<Error>` body, as each official SDK names it
/// (code ported from one checks that name): Node gives the status (`"404"`), browsers `"Error"`;
/// mini-program errors have no code, so ours (`NotFound`, `NotModified`) stays.
fn name_bodyless(mut err: CosError, dialect: Dialect) -> CosError {
    let bodyless = err.error.as_ref().is_none_or(|e| e.entries().is_empty());
    if bodyless {
        match (dialect, err.status_code) {
            (Dialect::Node, Some(s)) => {
                // And the bare reason phrase as the message, as Node's HTTP client gives it.
                err.code = u64::from(s).to_string(); // u64: one integer formatter in the wasm
                if let Some(i) = crate::text::find(&err.message, " (HTTP ") {
                    err.message.truncate(i);
                }
            }
            (Dialect::Browser, _) => err.code = "Error".into(),
            _ => {}
        }
    }
    err
}

pub(crate) fn with_request(mut err: CosError, url: &str, method: &str) -> CosError {
    err.url = Some(url.to_string());
    err.method = Some(method.to_string());
    err
}

/// Server time from the `Date` header or the error body's `ServerTime`.
fn server_time_ms(err: &CosError) -> Option<f64> {
    if let Some(d) = err.header("date") {
        if let Some(ms) = parse_http_date(d) {
            return Some(ms);
        }
    }
    let t = err.error.as_ref()?.get("ServerTime")?.as_str()?;
    parse_http_date(t).or_else(|| crate::value::parse_number(t).map(|s| s * 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date() {
        assert_eq!(parse_http_date("Thu, 16 May 2019 06:45:51 GMT"), Some(1_557_989_151_000.0));
        assert_eq!(parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"), Some(1_700_000_000_000.0));
        assert_eq!(parse_http_date("garbage"), None);
        assert_eq!(parse_http_date("Tue, -14 Nov 2023 22:13:20 GMT"), None);
    }

    #[test]
    fn decode_error_xml_and_bare() {
        let body = b"<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>NoSuchUpload</Code><Message>gone</Message><RequestId>r1</RequestId></Error>";
        let h = vec![("x-cos-request-id".to_string(), "r1".to_string())];
        let e = decode_error(404, &h, body);
        assert_eq!((e.code.as_str(), e.message.as_str(), e.status_code), ("NoSuchUpload", "gone", Some(404)));
        assert_eq!(e.request_id.as_deref(), Some("r1"));
        let e = decode_error(404, &[], b"");
        assert_eq!(e.code, "NotFound");
        let e = decode_error(503, &[], b"<html>");
        assert_eq!(e.code, "InternalError");
    }

    #[test]
    fn retry_policy_spends_attempts_then_time() {
        let p = RetryPolicy { retries: 3, base_delay_ms: 200, budget_ms: 1_000.0 };
        // Nothing failed yet: nothing to wait for.
        assert_eq!(p.delay_after(0, 0.0, 1.0), None);
        // 200, 400, 800 ms at the top of the jitter, then the count is spent.
        assert_eq!(p.delay_after(1, 0.0, 1.0), Some(200));
        assert_eq!(p.delay_after(2, 0.0, 1.0), Some(400));
        assert_eq!(p.delay_after(3, 0.0, 0.0), Some(400));
        assert_eq!(p.delay_after(4, 0.0, 1.0), None);
        // The time budget: no retry that would start after it.
        assert_eq!(p.delay_after(3, 300.0, 1.0), None);
        // Each pause is capped at 10 s.
        let slow = RetryPolicy { retries: 20, base_delay_ms: 60_000, budget_ms: f64::MAX };
        assert_eq!(slow.delay_after(15, 0.0, 1.0), Some(10_000));
    }

    const POLICY: RetryPolicy = RetryPolicy { retries: 2, base_delay_ms: 100, budget_ms: 120_000.0 };
    const URL: &str = "https://b-1250000000.cos.ap-guangzhou.myqcloud.com/k";

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
            native_body: None,
            written: None,
        })
    }

    fn error_xml(code: &str, message: &str) -> String {
        ["<Error><Code>", code, "</Code><Message>", message, "</Message></Error>"].concat()
    }

    fn failed(next: Next) -> CosError {
        match next {
            Next::Fail(e) => e,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    fn resend(next: Next) -> (u32, Fix) {
        match next {
            Next::Resend { delay_ms, fix, .. } => (delay_ms, fix),
            other => panic!("expected a resend, got {other:?}"),
        }
    }

    #[test]
    fn a_2xx_is_the_answer_and_a_304_only_when_asked_for() {
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0);
        assert!(matches!(a.after(answer(204, &[], ""), URL, "DELETE", 5.0, 0.0, 0.5), Next::Answer(r) if r.status == 204));
        let e = failed(a.after(answer(304, &[], ""), URL, "GET", 5.0, 0.0, 0.5));
        assert_eq!((e.status_code, e.attempts), (Some(304), 1));
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0).accepting_not_modified(true);
        assert!(matches!(a.after(answer(304, &[], ""), URL, "GET", 5.0, 0.0, 0.5), Next::Answer(_)));
    }

    #[test]
    fn server_errors_are_retried_with_backoff_until_the_count_is_spent() {
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 1_000.0);
        let busy = || answer(503, &[("x-cos-request-id", "r")], &error_xml("ServiceUnavailable", "busy"));
        assert_eq!(resend(a.after(busy(), URL, "PUT", 1_010.0, 0.0, 1.0)), (100, Fix::Nothing));
        assert_eq!(resend(a.after(busy(), URL, "PUT", 1_120.0, 0.0, 0.0)), (100, Fix::Nothing));
        let e = failed(a.after(busy(), URL, "PUT", 1_330.0, 0.0, 1.0));
        assert_eq!((e.code.as_str(), e.attempts, e.elapsed_ms), ("ServiceUnavailable", 3, 330.0));
        assert_eq!((e.url.as_deref(), e.method.as_deref(), e.request_id.as_deref()), (Some(URL), Some("PUT"), Some("r")));
    }

    #[test]
    fn client_errors_and_non_idempotent_failures_are_not_retried() {
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0);
        let e = failed(a.after(answer(404, &[], &error_xml("NoSuchKey", "gone")), URL, "GET", 1.0, 0.0, 0.5));
        assert_eq!((e.code.as_str(), e.attempts), ("NoSuchKey", 1));
        // Initiate and Complete: the server did not act on a 5xx, but a lost answer may have acted.
        let mut a = Attempts::new(Retry::ServerErrors, POLICY, 0.0);
        let e = failed(a.after(Err(TransportError::Network(String::new())), URL, "POST", 1.0, 0.0, 0.5));
        assert_eq!((e.message.as_str(), e.kind), ("CORS blocked or network error", ErrorKind::Network));
        assert!(matches!(a.after(answer(500, &[], ""), URL, "POST", 2.0, 0.0, 0.5), Next::Resend { no_answer: false, .. }));
        // Append: never, whatever happened.
        let mut a = Attempts::new(Retry::Never, POLICY, 0.0);
        assert!(matches!(a.after(answer(503, &[], ""), URL, "POST", 1.0, 0.0, 0.5), Next::Fail(_)));
        // Timeouts and network errors of idempotent requests are.
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0);
        assert!(matches!(a.after(Err(TransportError::Timeout), URL, "GET", 1.0, 0.0, 0.5), Next::Resend { no_answer: true, .. }));
        // An answer that cannot be COS's (too large) is final.
        let e = failed(a.after(Err(TransportError::Invalid("too large".into())), URL, "GET", 2.0, 0.0, 0.5));
        assert_eq!(e.kind, ErrorKind::Protocol);
    }

    #[test]
    fn the_time_budget_ends_retries_before_the_count_does() {
        let policy = RetryPolicy { retries: 10, base_delay_ms: 1_000, budget_ms: 3_000.0 };
        let mut a = Attempts::new(Retry::Idempotent, policy, 0.0);
        assert!(matches!(a.after(answer(500, &[], ""), URL, "GET", 100.0, 0.0, 1.0), Next::Resend { delay_ms: 1_000, .. }));
        // The next pause (2 s) would start the third attempt after the budget.
        let e = failed(a.after(answer(500, &[], ""), URL, "GET", 1_500.0, 0.0, 1.0));
        assert_eq!(e.attempts, 2);
    }

    #[test]
    fn a_skewed_clock_is_corrected_once_from_the_server_date() {
        let skewed = || {
            answer(403, &[("date", "Tue, 14 Nov 2023 22:13:20 GMT")], &error_xml("RequestTimeTooSkewed", "skewed"))
        };
        let server = 1_700_000_000_000.0;
        let local = server - 3_600_000.0;
        let mut a = Attempts::new(Retry::Idempotent, POLICY, local).correcting_clock_skew(true);
        assert_eq!(resend(a.after(skewed(), URL, "PUT", local, 0.0, 0.5)), (0, Fix::ClockOffset(3_600_000.0)));
        assert_eq!(a.failed(), 0);
        // Still refused with the corrected clock: a 403 is final.
        let e = failed(a.after(skewed(), URL, "PUT", local + 50.0, 3_600_000.0, 0.5));
        assert_eq!((e.code.as_str(), e.attempts), ("RequestTimeTooSkewed", 1));
        // Off by less than the threshold, or correction turned off: no correction.
        let mut a = Attempts::new(Retry::Idempotent, POLICY, server).correcting_clock_skew(true);
        assert!(matches!(a.after(skewed(), URL, "PUT", server - 10_000.0, 0.0, 0.5), Next::Fail(_)));
        let mut a = Attempts::new(Retry::Idempotent, POLICY, local);
        assert!(matches!(a.after(skewed(), URL, "PUT", local, 0.0, 0.5), Next::Fail(_)));
    }

    #[test]
    fn expired_temporary_keys_are_refreshed_once() {
        let expired = || answer(403, &[], &error_xml("ExpiredToken", "expired"));
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0).refreshing_keys(true);
        assert_eq!(resend(a.after(expired(), URL, "PUT", 1.0, 0.0, 0.5)), (0, Fix::RefreshKeys));
        assert_eq!(failed(a.after(expired(), URL, "PUT", 2.0, 0.0, 0.5)).code, "ExpiredToken");
        // Permanent keys cannot be refreshed.
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0);
        assert!(matches!(a.after(expired(), URL, "PUT", 1.0, 0.0, 0.5), Next::Fail(_)));
    }

    #[test]
    fn answers_without_a_body_are_named_as_the_dialect_says() {
        let code = |dialect, status, body: &str| {
            let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0).speaking(dialect);
            failed(a.after(answer(status, &[], body), URL, "HEAD", 1.0, 0.0, 0.5)).code.clone()
        };
        assert_eq!(code(Dialect::of_host("wx"), 404, ""), "NotFound");
        assert_eq!(code(Dialect::of_host("node"), 404, ""), "404");
        assert_eq!(code(Dialect::of_host("js"), 404, ""), "Error");
        assert_eq!(code(Dialect::Node, 304, ""), "304");
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0).speaking(Dialect::Node);
        assert_eq!(failed(a.after(answer(404, &[], ""), URL, "HEAD", 1.0, 0.0, 0.5)).message, "Not Found");
        // An answer with an <Error> body keeps COS's code in every dialect.
        assert_eq!(code(Dialect::Node, 404, &error_xml("NoSuchKey", "gone")), "NoSuchKey");
        assert_eq!(code(Dialect::Browser, 404, &error_xml("NoSuchKey", "gone")), "NoSuchKey");
    }

    #[test]
    fn an_abort_is_final_and_names_the_request() {
        let mut a = Attempts::new(Retry::Idempotent, POLICY, 0.0);
        let e = failed(a.after(Err(TransportError::Aborted), URL, "GET", 1.0, 0.0, 0.5));
        assert_eq!((e.message.as_str(), e.url.as_deref(), e.attempts), ("request aborted", Some(URL), 0));
    }
}
