//! Arbitrary parameters and constructor options (wrong types, NaN, huge numbers, control
//! characters, deep nesting) for every official call: each call settles with data or an error in
//! the SDK's shape, and the core never panics (a panic would kill the wasm instance for good).

// Property tests: proptest is a native-only dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{settle, Server, TestHost};
use cos_wasm::cos::Cos;
use cos_wasm::methods::HAND_WRITTEN;
use cos_wasm::host::*;
use cos_wasm::presign::static_authorization;
use cos_wasm::sign::Flavour;
use cos_wasm::value::Value;
use futures_executor::LocalPool;
use proptest::prelude::*;

/// Answers every request with an empty 200.
struct Quiet;

impl Server for Quiet {
    fn answer(&self, _req: &HttpRequest, _body: &[u8]) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse { status: 200, ..Default::default() })
    }
}

const NAMES: &[&str] = &[
    "Bucket", "Region", "Key", "Body", "FilePath", "Position", "PartNumber", "UploadId", "Parts", "Headers", "Query",
    "ContentLength", "ContentType", "ContentMD5", "StorageClass", "ACL", "TrafficLimit", "ChunkSize", "SliceSize",
    "AsyncLimit", "MaxParts", "MaxUploads", "PartNumberMarker", "Prefix", "Delimiter", "EncodingType", "files",
    "onProgress", "onHashProgress", "onTaskReady", "onFileFinish", "x-cos-meta-a", "Expires", "Sign", "Method",
    "SecretId", "SecretKey", "KeyTime", "Pathname", "getAuthorization", "Domain", "Protocol", "Timeout",
    "FileParallelLimit", "ChunkParallelLimit", "StartTime", "ExpiredTime", "ProgressInterval", "SkipTask",
    "KeepUploadOnCancel", "ForcePathStyle", "SystemClockOffset", "RetryTimes", "RetryDelay", "PartNumber",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), Just(1e300), Just(-1.0), Just(10001.0), Just(0.5)].prop_map(Value::Num),
        prop_oneof![
            "\\PC{0,20}", Just("examplebucket-1250000000".to_string()), Just("ap-guangzhou".to_string()), Just("a\r\nb".to_string()),
            Just("k".repeat(900)), Just("/".to_string()), Just("99999999999999999999".to_string()), Just("\u{0}".to_string()),
        ].prop_map(Value::Str),
        (0u32..4).prop_map(Value::Opaque),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Arr),
            proptest::collection::vec((proptest::sample::select(NAMES).prop_map(str::to_string), inner), 0..8).prop_map(Value::Obj),
        ]
    })
}

fn params() -> impl Strategy<Value = Value> {
    proptest::collection::vec((proptest::sample::select(NAMES).prop_map(str::to_string), value()), 0..10).prop_map(Value::Obj)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_params_settle_without_panic(options in params(), p in params(), method in proptest::sample::select(HAND_WRITTEN)) {
        let mut pool = LocalPool::new();
        let host = TestHost::new(Quiet, pool.spawner());
        for h in 0..3 {
            host.sources.borrow_mut().insert(h, vec![1u8; 10]);
        }
        let _ = static_authorization(&p, Flavour::Js, &|| 1.7e12);
        let _ = static_authorization(&p, Flavour::Wx, &|| 1.7e12);
        let Ok(cos) = Cos::new(host.clone(), &options, Flavour::Js, "https:", None) else { return Ok(()) };
        let outcome = settle(&mut pool, &cos, method, p);
        prop_assert!(outcome.is_some(), "{} left pending", method);
        if let Some(Err(e)) = outcome {
            prop_assert!(!e.message.is_empty(), "errors say what went wrong");
        }
    }
}
