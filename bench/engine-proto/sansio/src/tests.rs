//! The engine driven step by step: every event is hand-made, every action checked; no I/O, no clock.

use super::*;
use cos_wasm::crc64::crc64;

const MIB: u64 = 1 << 20;
const T0: f64 = 1_700_000_000_000.0;

fn cfg(size: u64, parallel: u32) -> Cfg {
    Cfg {
        secret_id: "AKIDtest".into(),
        secret_key: "key".into(),
        host: "b-1250000000.cos.ap-guangzhou.localhost:9".into(),
        protocol: "http:".into(),
        key: "dir/a.bin".into(),
        size,
        part_size: MIB,
        parallel,
        retry_times: 3,
        retry_delay_ms: 200.0,
        seed: 7,
        resume: String::new(),
    }
}

/// The "file": byte i is i mod 251, so every part's CRC differs.
fn crc_of(start: u64, end: u64) -> u64 {
    crc64(&(start..end).map(|i| (i % 251) as u8).collect::<Vec<_>>())
}

fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Resp {
    Resp { status, headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), body: body.as_bytes().to_vec() }
}

fn sends(a: &[Action]) -> Vec<(u32, &'static str, &str, &Body)> {
    a.iter()
        .filter_map(|x| match x {
            Action::Send { id, method, url, body, .. } => Some((*id, *method, url.as_str(), body)),
            _ => None,
        })
        .collect()
}

fn hashes(a: &[Action]) -> Vec<(u32, u64, u64)> {
    a.iter().filter_map(|x| if let Action::Hash { id, start, end } = x { Some((*id, *start, *end)) } else { None }).collect()
}

fn header<'a>(a: &'a Action, name: &str) -> Option<&'a str> {
    match a {
        Action::Send { headers, .. } => headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
        _ => None,
    }
}

const INIT: &str = "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>dir/a.bin</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>";

/// Starts an upload and answers Initiate; returns the engine and the part actions.
fn initiated(size: u64, parallel: u32) -> (Upload, Vec<Action>) {
    let (mut u, a) = Upload::start(cfg(size, parallel), T0);
    let s = sends(&a);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].1, "POST");
    assert!(s[0].2.ends_with("/dir/a.bin?uploads"), "{}", s[0].2);
    assert!(header(&a[0], "Authorization").unwrap().contains("q-sign-time=1699999999;1700000899"));
    let a = u.handle(T0, Event::Response { id: s[0].0, resp: resp(200, &[], INIT) });
    (u, a)
}

/// Answers a part's PUT and its hash correctly.
fn finish_part(u: &mut Upload, a: &[Action], n: u32) -> Vec<Action> {
    let (start, end) = ((n as u64 - 1) * MIB, (n as u64 * MIB).min(u.plan.file_size));
    let send = sends(a).into_iter().find(|s| *s.3 == Body::Range(start, end)).expect("part sent");
    let hash = hashes(a).into_iter().find(|h| (h.1, h.2) == (start, end)).expect("part hashed");
    let crc = crc_of(start, end).to_string();
    let mut out = u.handle(T0, Event::Hashed { id: hash.0, crc: crc_of(start, end) });
    let etag = format!("\"etag{n}\"");
    out.extend(u.handle(T0, Event::Response { id: send.0, resp: resp(200, &[("etag", &etag), ("x-cos-hash-crc64ecma", &crc)], "") }));
    out
}

#[test]
fn happy_path_three_parts_two_in_flight() {
    let size = 2 * MIB + 12345;
    let (mut u, a) = initiated(size, 2);
    let s = sends(&a);
    assert_eq!(s.len(), 2, "two parts in flight");
    assert!(s[0].2.contains("?partNumber=1&uploadId=U1"), "{}", s[0].2);
    assert_eq!(hashes(&a).len(), 2);

    let b = finish_part(&mut u, &a, 2);
    assert!(b.contains(&Action::Progress { loaded: MIB, total: size }));
    let s3 = sends(&b);
    assert_eq!(s3.len(), 1, "part 3 starts when part 2 ends");
    assert_eq!(*s3[0].3, Body::Range(2 * MIB, size));

    let c = finish_part(&mut u, &a, 1);
    assert!(sends(&c).is_empty(), "Complete waits for part 3");
    let d = finish_part(&mut u, &b, 3);
    let complete = sends(&d);
    assert_eq!(complete.len(), 1);
    assert_eq!(complete[0].1, "POST");
    let Body::Bytes(xml) = complete[0].3 else { panic!("Complete has an XML body") };
    let xml = String::from_utf8(xml.clone()).unwrap();
    assert!(xml.contains("<Part><PartNumber>3</PartNumber><ETag>&quot;etag3&quot;</ETag></Part>"), "{xml}");

    let whole = crc_of(0, size).to_string();
    let body = "<CompleteMultipartUploadResult><Location>b/dir/a.bin</Location><ETag>\"x-3\"</ETag></CompleteMultipartUploadResult>";
    let e = u.handle(T0, Event::Response { id: complete[0].0, resp: resp(200, &[("x-cos-hash-crc64ecma", &whole)], body) });
    assert_eq!(e, vec![Action::Done(Ok(Done { location: "b/dir/a.bin".into(), etag: "\"x-3\"".into(), crc64: crc_of(0, size) }))]);
    assert!(u.finished());
}

#[test]
fn server_error_is_retried_after_a_backoff_timer() {
    let (mut u, a) = initiated(MIB, 1);
    let part = sends(&a)[0].0;
    let b = u.handle(T0, Event::Response { id: part, resp: resp(503, &[], "") });
    let [Action::Timer { id: timer, ms }] = b[..] else { panic!("{b:?}") };
    assert!((100.0..=200.0).contains(&ms), "first backoff is 200 ms jittered into [50 %, 100 %]: {ms}");
    // A second failure backs off from 400 ms.
    let c = u.handle(T0 + ms, Event::Timer { id: timer });
    assert_eq!(header(&c[0], "x-cos-sdk-retry"), Some("true"));
    let d = u.handle(T0 + ms, Event::NetError { id: sends(&c)[0].0 });
    let [Action::Timer { ms: ms2, .. }] = d[..] else { panic!("{d:?}") };
    assert!((200.0..=400.0).contains(&ms2), "{ms2}");
}

#[test]
fn client_error_fails_and_aborts_the_upload() {
    let (mut u, a) = initiated(2 * MIB, 2);
    let s = sends(&a);
    let b = u.handle(T0, Event::Response { id: s[0].0, resp: resp(400, &[], "<Error><Code>InvalidArgument</Code><Message>bad</Message></Error>") });
    assert!(b.contains(&Action::Abort { id: s[1].0 }), "the other part's request is stopped");
    let abort = sends(&b);
    assert_eq!((abort.len(), abort[0].1), (1, "DELETE"));
    let c = u.handle(T0, Event::Response { id: abort[0].0, resp: resp(204, &[], "") });
    let [Action::Done(Err(e))] = &c[..] else { panic!("{c:?}") };
    assert_eq!((e.code.as_str(), e.status_code, e.upload_id.as_deref()), ("InvalidArgument", Some(400), Some("U1")));
}

#[test]
fn cancel_stops_requests_and_aborts() {
    let (mut u, a) = initiated(3 * MIB, 2);
    let s = sends(&a);
    let b = u.handle(T0, Event::Cancel);
    assert!(b.contains(&Action::Abort { id: s[0].0 }) && b.contains(&Action::Abort { id: s[1].0 }));
    let del = sends(&b);
    assert_eq!(del[0].1, "DELETE");
    assert!(del[0].2.ends_with("?uploadId=U1"));
    // A late answer for a stopped request changes nothing.
    assert!(u.handle(T0, Event::Response { id: s[0].0, resp: resp(200, &[], "") }).is_empty());
    let c = u.handle(T0, Event::Response { id: del[0].0, resp: resp(204, &[], "") });
    let [Action::Done(Err(e))] = &c[..] else { panic!("{c:?}") };
    assert_eq!(e.code, "TaskCanceled");
}

#[test]
fn clock_skew_is_corrected_once_from_the_server_date() {
    let (mut u, a) = initiated(MIB, 1);
    let part = sends(&a)[0].0;
    // The server is one hour ahead.
    let skewed = "<Error><Code>RequestTimeTooSkewed</Code><Message>skewed</Message></Error>";
    let b = u.handle(T0, Event::Response { id: part, resp: resp(403, &[("date", "Tue, 14 Nov 2023 23:13:20 GMT")], skewed) });
    assert_eq!(sends(&b).len(), 1, "re-sent at once, no timer");
    assert!(header(&b[0], "Authorization").unwrap().contains("q-sign-time=1700003599;1700004499"));
    // A second time error is not corrected again: it fails (and aborts).
    let c = u.handle(T0, Event::Response { id: sends(&b)[0].0, resp: resp(403, &[("date", "Tue, 14 Nov 2023 23:13:20 GMT")], skewed) });
    assert_eq!(sends(&c)[0].1, "DELETE");
}

#[test]
fn crc_mismatch_is_an_error() {
    let (mut u, a) = initiated(MIB, 1);
    let (send, hash) = (sends(&a)[0].0, hashes(&a)[0].0);
    u.handle(T0, Event::Hashed { id: hash, crc: 1 });
    let b = u.handle(T0, Event::Response { id: send, resp: resp(200, &[("etag", "\"e\""), ("x-cos-hash-crc64ecma", "2")], "") });
    assert_eq!(sends(&b)[0].1, "DELETE");
    let c = u.handle(T0, Event::Response { id: sends(&b)[0].0, resp: resp(204, &[], "") });
    let [Action::Done(Err(e))] = &c[..] else { panic!("{c:?}") };
    assert_eq!(e.code, "CRC64Mismatch");
}

#[cfg(feature = "resume")]
#[test]
fn resume_pages_through_list_parts_and_reuses_matching_parts() {
    let mut c = cfg(4 * MIB, 2);
    c.resume = "U9".into();
    let (mut u, a) = Upload::start(c, T0);
    let s = sends(&a);
    assert_eq!((s.len(), s[0].1), (1, "GET"));
    assert!(s[0].2.ends_with("?uploadId=U9"), "{}", s[0].2);
    let page1 = "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker>\
        <Part><PartNumber>1</PartNumber><Size>1048576</Size><ETag>\"e1\"</ETag></Part></ListPartsResult>";
    let b = u.handle(T0, Event::Response { id: s[0].0, resp: resp(200, &[], page1) });
    let next = sends(&b);
    assert!(next[0].2.ends_with("?uploadId=U9&part-number-marker=1"), "{}", next[0].2);
    assert_eq!(hashes(&b), vec![(hashes(&b)[0].0, 0, MIB)], "a reused part is hashed, not sent");
    // Part 3 has the wrong size: sent again.
    let page2 = "<ListPartsResult><IsTruncated>false</IsTruncated>\
        <Part><PartNumber>2</PartNumber><Size>1048576</Size><ETag>\"e2\"</ETag></Part>\
        <Part><PartNumber>3</PartNumber><Size>5</Size><ETag>\"e3\"</ETag></Part></ListPartsResult>";
    let c = u.handle(T0, Event::Response { id: next[0].0, resp: resp(200, &[], page2) });
    assert!(sends(&c).is_empty(), "two reused parts fill both slots");
    let reused: Vec<_> = hashes(&b).into_iter().chain(hashes(&c)).collect();
    let mut d = Vec::new();
    for (id, start, end) in reused {
        d.extend(u.handle(T0, Event::Hashed { id, crc: crc_of(start, end) }));
    }
    let parts: Vec<_> = sends(&d).iter().map(|s| s.3.clone()).collect();
    assert_eq!(parts, vec![Body::Range(2 * MIB, 3 * MIB), Body::Range(3 * MIB, 4 * MIB)]);
}

#[cfg(feature = "simple")]
#[test]
fn simple_call_retries_then_returns_json() {
    let (c, a) = Call::start(cfg(0, 1), 5, 0, &[("Key", "a b.txt")], T0);
    let mut c = c.unwrap();
    let s = sends(&a);
    assert_eq!((s[0].1, s[0].2), ("HEAD", "http://b-1250000000.cos.ap-guangzhou.localhost:9/a%20b.txt"));
    let b = c.handle(T0, Event::NetError { id: s[0].0 });
    let [Action::Timer { id, .. }] = b[..] else { panic!("{b:?}") };
    let d = c.handle(T0, Event::Timer { id });
    let e = c.handle(T0, Event::Response { id: sends(&d)[0].0, resp: resp(200, &[("etag", "\"x\"")], "") });
    assert_eq!(e, vec![Action::CallDone { handle: 5, result: Ok(r#"{"statusCode":200,"headers":{"etag":"\"x\""}}"#.into()) }]);
    let (none, f) = Call::start(cfg(0, 1), 6, 0, &[], T0);
    assert!(none.is_none());
    let [Action::CallDone { handle: 6, result: Err(err) }] = &f[..] else { panic!("{f:?}") };
    assert_eq!(err.message, "missing param Key");
}
