//! Arbitrary parameters and constructor options (wrong types, NaN, huge numbers, control
//! characters, deep nesting) for every official call: each call settles with data or an error in
//! the SDK's shape, and the core never panics (a panic would kill the wasm instance for good).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use cos_wasm::cos::{Cos, METHODS};
use cos_wasm::error::CosError;
use cos_wasm::host::*;
use cos_wasm::presign::static_authorization;
use cos_wasm::sign::Flavour;
use cos_wasm::value::Value;
use futures_executor::LocalPool;
use futures_util::task::LocalSpawnExt;
use proptest::prelude::*;

struct Quiet {
    spawner: futures_executor::LocalSpawner,
    now: Cell<f64>,
}

impl Host for Quiet {
    fn send(&self, _req: HttpRequest, _p: Option<ProgressFn>) -> LocalFuture<'static, Result<HttpResponse, TransportError>> {
        Box::pin(async { Ok(HttpResponse { status: 200, ..Default::default() }) })
    }
    fn abort(&self, _id: u32) {}
    fn open(&self, body: OpenRequest) -> LocalFuture<'static, Result<SourceInfo, CosError>> {
        let r = match body {
            OpenRequest::Handle(h) if h < 3 => Ok(SourceInfo { id: h, size: 10, ..Default::default() }),
            _ => Err(CosError::param("params body format error")),
        };
        Box::pin(async move { r })
    }
    fn read(&self, _s: u32, start: u64, end: u64) -> LocalFuture<'static, Result<Vec<u8>, CosError>> {
        let n = end.saturating_sub(start) as usize;
        Box::pin(async move { Ok(vec![1u8; n]) })
    }
    fn close(&self, _s: u32) {}
    fn sleep(&self, ms: u32) -> LocalFuture<'static, ()> {
        self.now.set(self.now.get() + f64::from(ms));
        Box::pin(async {})
    }
    fn now_ms(&self) -> f64 {
        self.now.get()
    }
    fn random(&self) -> f64 {
        0.5
    }
    fn storage_get(&self, _k: &str) -> Option<String> {
        None
    }
    fn storage_set(&self, _k: &str, _v: &str) {}
    fn invoke(&self, _f: u32, _a: Vec<Arg>) {}
    fn get_authorization(&self, _f: u32, _o: Value) -> LocalFuture<'static, Result<Value, CosError>> {
        Box::pin(async { Ok(Value::Str("garbage".into())) })
    }
    fn release(&self, _h: u32) {}
    fn spawn(&self, fut: LocalFuture<'static, ()>) {
        self.spawner.spawn_local(fut).unwrap();
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
    fn any_params_settle_without_panic(options in params(), p in params(), method in proptest::sample::select(METHODS)) {
        let mut pool = LocalPool::new();
        let host = Rc::new(Quiet { spawner: pool.spawner(), now: Cell::new(1.7e12) });
        let _ = static_authorization(&p, Flavour::Js, 1.7e12);
        let _ = static_authorization(&p, Flavour::Wx, 1.7e12);
        let Ok(cos) = Cos::new(host.clone(), &options, Flavour::Js, "https:", None) else { return Ok(()) };
        let done: Rc<RefCell<Option<Result<Value, CosError>>>> = Rc::new(RefCell::new(None));
        let slot = done.clone();
        let fut = cos.clone().call(method, p);
        pool.spawner().spawn_local(async move { *slot.borrow_mut() = Some(fut.await); }).unwrap();
        pool.run_until_stalled();
        let outcome = done.borrow_mut().take();
        prop_assert!(outcome.is_some(), "{} left pending", method);
        if let Some(Err(e)) = outcome {
            prop_assert!(!e.message.is_empty(), "errors say what went wrong");
        }
    }
}
