//! A hostile or broken server: every call of the official surface, answered with generated garbage
//! (malformed, truncated, huge or deeply nested XML; missing or non-numeric headers; absurd
//! lengths; any status). The engine must end every call with a result or an error: never a panic,
//! never a call left pending.

// Property tests: proptest is a native-only dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::cell::Cell;

use common::{obj, settle, Server, TestHost};
use cos_wasm::cos::Cos;
use cos_wasm::host::*;
use cos_wasm::sign::Flavour;
use cos_wasm::value::Value;
use futures_executor::LocalPool;
use proptest::prelude::*;

/// Answers request n with `answers[n % len]`; status 0 is a connection reset.
struct Hostile {
    answers: Vec<HttpResponse>,
    next: Cell<usize>,
}

impl Server for Hostile {
    fn answer(&self, _req: &HttpRequest, _body: &[u8]) -> Result<HttpResponse, TransportError> {
        let i = self.next.get();
        self.next.set(i + 1);
        let r = self.answers[i % self.answers.len()].clone();
        if r.status == 0 {
            Err(TransportError::Network("connection reset".into()))
        } else {
            Ok(r)
        }
    }

    /// A host may report nonsense progress too.
    fn progress(&self, _len: u64) -> Vec<u64> {
        vec![u64::MAX / 2, 0]
    }
}

fn xml_body() -> impl Strategy<Value = String> {
    let names = prop_oneof![
        Just("Error"), Just("Code"), Just("Message"), Just("UploadId"), Just("UploadID"), Just("Part"),
        Just("PartNumber"), Just("ETag"), Just("Size"), Just("IsTruncated"), Just("NextPartNumberMarker"),
        Just("NextKeyMarker"), Just("NextUploadIdMarker"), Just("Upload"), Just("Key"), Just("Location"),
        Just("InitiateMultipartUploadResult"), Just("ListPartsResult"), Just("ListMultipartUploadsResult"),
        Just("CompleteMultipartUploadResult"), Just("CommonPrefixes"), Just("Prefix"), Just("ServerTime"),
    ];
    let leaf = prop_oneof![
        Just(String::new()), Just("true".to_string()), Just("false".to_string()), Just("1".to_string()),
        Just("-1".to_string()), Just("99999999999999999999999".to_string()), Just("&quot;abc&quot;".to_string()),
        Just("\"d41d8cd98f00b204e9800998ecf8427e\"".to_string()), Just("&bogus;".to_string()), "[a-z0-9%&<>]{0,12}",
    ];
    let element = (names.clone(), leaf).prop_map(|(n, v)| format!("<{n}>{v}</{n}>"));
    let tree = element.prop_recursive(6, 80, 8, move |inner| {
        (names.clone(), proptest::collection::vec(inner, 0..8)).prop_map(|(n, kids)| format!("<{n}>{}</{n}>", kids.concat()))
    });
    prop_oneof![
        4 => tree.clone(),
        1 => tree.clone().prop_map(|t| { let cut = t.len() / 2; t[..cut].to_string() }),
        1 => Just(format!("{}{}", "<a>".repeat(500), "</a>".repeat(500))),
        1 => Just(format!("<ListPartsResult>{}<IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker></ListPartsResult>", "<Part><PartNumber>1</PartNumber><ETag>x</ETag><Size>1</Size></Part>".repeat(2000))),
        1 => Just("<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker><Upload><Key>big.bin</Key><UploadId>u</UploadId></Upload></ListMultipartUploadsResult>".to_string()),
        1 => "\\PC{0,64}",
        1 => Just(" \n \n <CompleteMultipartUploadResult><ETag>\"x-1\"</ETag></CompleteMultipartUploadResult>".to_string()),
    ]
}

fn response() -> impl Strategy<Value = HttpResponse> {
    let status = prop_oneof![Just(200u16), Just(200), Just(200), Just(204), Just(206), Just(304), Just(400), Just(403), Just(404), Just(409), Just(500), Just(503), Just(0), Just(299), Just(399)];
    let header_name = prop_oneof![
        Just("etag"), Just("x-cos-hash-crc64ecma"), Just("content-length"), Just("x-cos-request-id"), Just("date"),
        Just("x-cos-next-append-position"), Just("x-cos-version-id"), Just("location"),
    ];
    let header_value = prop_oneof![
        Just(String::new()), Just("\"d41d8cd98f00b204e9800998ecf8427e\"".to_string()), Just("18446744073709551615".to_string()),
        Just("-5".to_string()), Just("NaN".to_string()), Just("Thu, 16 May 2019 06:45:51 GMT".to_string()), "\\PC{0,30}",
    ];
    (status, proptest::collection::vec((header_name, header_value), 0..5), xml_body()).prop_map(|(status, headers, body)| HttpResponse {
        status,
        headers: headers.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        body: body.into_bytes(),
        native_body: None,
        written: None,
    })
}

fn calls() -> Vec<(&'static str, Value)> {
    let base = |extra: &[(&str, Value)]| {
        let mut v = obj(&[("Bucket", "b-1250000000".into()), ("Region", "ap-guangzhou".into()), ("Key", "big.bin".into())]);
        for (k, x) in extra {
            v.set(k, x.clone());
        }
        v
    };
    vec![
        ("putObject", base(&[("Body", "hello".into())])),
        ("headObject", base(&[])),
        ("getObject", base(&[])),
        ("deleteObject", base(&[])),
        ("appendObject", base(&[("Body", "x".into()), ("Position", Value::Num(0.0))])),
        ("postObject", base(&[("Body", "form".into())])),
        ("multipartInit", base(&[])),
        ("multipartUpload", base(&[("Body", "p".into()), ("UploadId", "u".into()), ("PartNumber", Value::Num(1.0))])),
        ("multipartListPart", base(&[("UploadId", "u".into())])),
        ("multipartComplete", base(&[("UploadId", "u".into()), ("Parts", Value::Arr(vec![obj(&[("PartNumber", Value::Num(1.0)), ("ETag", "\"e\"".into())])]))])),
        ("multipartAbort", base(&[("UploadId", "u".into())])),
        ("multipartList", obj(&[("Bucket", "b-1250000000".into()), ("Region", "ap-guangzhou".into()), ("Prefix", "b".into())])),
        ("sliceUploadFile", base(&[("Body", Value::Opaque(1)), ("ChunkSize", Value::Num(1048576.0))])),
        ("uploadFile", base(&[("Body", Value::Opaque(1)), ("SliceSize", Value::Num(1048576.0))])),
        ("uploadFiles", obj(&[("files", Value::Arr(vec![base(&[("Body", Value::Opaque(1))]), base(&[("Body", "s".into())])]))])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_call_settles_on_any_server_answer(answers in proptest::collection::vec(response(), 1..6)) {
        for (method, params) in calls() {
            let mut pool = LocalPool::new();
            let host = TestHost::new(Hostile { answers: answers.clone(), next: Cell::new(0) }, pool.spawner());
            host.sources.borrow_mut().insert(1, vec![7u8; 3 * 1024 * 1024 + 11]);
            let options = obj(&[
                ("SecretId", "AKIDx".into()), ("SecretKey", "k".into()), ("RetryDelay", Value::Num(1.0)),
                ("Domain", "{Bucket}.cos.{Region}.test".into()), ("Protocol", "http:".into()),
            ]);
            let cos = Cos::new(host.clone(), &options, Flavour::Js, "https:", None).unwrap();
            prop_assert!(settle(&mut pool, &cos, method, params).is_some(), "{} left pending", method);
            // Bounded: retries, pages and parts stop (3 MiB in 1 MiB parts, a few pages at most).
            prop_assert!(host.sent.get() < 200, "{} sent {} requests", method, host.sent.get());
        }
    }
}
