//! The upload engine, natively, against an in-memory COS host: same code path as in wasm, with a
//! fake object store behind `Host::send` and a single-threaded executor behind `Host::spawn`.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

mod common;

use common::{Server, TestHost};
use cos_wasm::cos::Cos;
use cos_wasm::crc64::crc64;
use cos_wasm::host::*;
use cos_wasm::sign::Flavour;
use cos_wasm::value::Value;
use futures_executor::LocalPool;
use md5_reference::{Digest, Md5};

fn md5_hex(b: &[u8]) -> String {
    cos_wasm::encode::hex(&Md5::digest(b))
}

#[derive(Default)]
struct Store {
    objects: HashMap<String, Vec<u8>>,
    uploads: BTreeMap<String, (String, BTreeMap<u32, Vec<u8>>)>,
    next_upload: u32,
}

/// An in-memory COS: objects and multipart uploads, with a switch to fail one part.
struct MemCos {
    store: RefCell<Store>,
    /// (method, path+query) of every request.
    log: RefCell<Vec<(String, String)>>,
    /// Fail UploadPart for this part number with 400 this many times.
    fail_part: Cell<(u32, u32)>,
    /// Store UploadPart for this part number, then lose the answer, this many times.
    lose_answer: Cell<(u32, u32)>,
}

type MemHost = TestHost<MemCos>;

fn mem_host(pool: &LocalPool) -> Rc<MemHost> {
    TestHost::new(MemCos { store: RefCell::new(Store::default()), log: RefCell::new(Vec::new()), fail_part: Cell::new((0, 0)), lose_answer: Cell::new((0, 0)) }, pool.spawner())
}

fn xml_resp(status: u16, body: String) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("x-cos-request-id".into(), "req-1".into()), ("content-type".into(), "application/xml".into())],
        body: body.into_bytes(),
        native_body: None,
        written: None,
    }
}

fn error(status: u16, code: &str) -> HttpResponse {
    xml_resp(status, format!("<?xml version='1.0' encoding='utf-8' ?><Error><Code>{code}</Code><Message>{code}</Message></Error>"))
}

impl Server for MemCos {
    fn answer(&self, req: &HttpRequest, body: &[u8]) -> Result<HttpResponse, TransportError> {
        let r = self.handle(req, body.to_vec());
        let (lose_n, times) = self.lose_answer.get();
        if times > 0 && r.status == 200 && req.url.contains(&format!("partNumber={lose_n}&")) {
            self.lose_answer.set((lose_n, times - 1));
            return Err(TransportError::Network("connection reset".into()));
        }
        Ok(r)
    }
}

impl MemCos {
    fn handle(&self, req: &HttpRequest, body: Vec<u8>) -> HttpResponse {
        let after_host = req.url.splitn(4, '/').nth(3).unwrap_or("");
        let (path, query) = after_host.split_once('?').unwrap_or((after_host, ""));
        let key = cos_wasm::encode::url_decode(path);
        self.log.borrow_mut().push((req.method.clone(), after_host.to_string()));
        let q: HashMap<String, String> = query
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), cos_wasm::encode::url_decode(v))
            })
            .collect();
        let mut st = self.store.borrow_mut();
        let ok = |etag: String, crc: u64| HttpResponse {
            status: 200,
            headers: vec![
                ("etag".into(), format!("\"{etag}\"")),
                ("x-cos-hash-crc64ecma".into(), crc.to_string()),
                ("x-cos-request-id".into(), "req-1".into()),
            ],
            body: Vec::new(),
            native_body: None,
            written: None,
        };
        match (req.method.as_str(), q.contains_key("uploads"), q.get("uploadId")) {
            ("PUT", _, None) => {
                let r = ok(md5_hex(&body), crc64(&body));
                st.objects.insert(key, body);
                r
            }
            ("POST", true, _) => {
                st.next_upload += 1;
                let id = format!("u{}", st.next_upload);
                st.uploads.insert(id.clone(), (key.clone(), BTreeMap::new()));
                xml_resp(200, format!("<InitiateMultipartUploadResult><Key>{key}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>"))
            }
            ("GET", true, None) => {
                let mut x = String::from("<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>");
                for (id, (k, _)) in &st.uploads {
                    x.push_str(&format!("<Upload><Key>{k}</Key><UploadId>{id}</UploadId><Initiated>{id}</Initiated></Upload>"));
                }
                x.push_str("</ListMultipartUploadsResult>");
                xml_resp(200, x)
            }
            ("PUT", _, Some(id)) => {
                let n: u32 = q["partNumber"].parse().unwrap();
                let (fail_n, times) = self.fail_part.get();
                if fail_n == n && times > 0 {
                    self.fail_part.set((fail_n, times - 1));
                    return error(400, "InvalidRequest");
                }
                let Some(up) = st.uploads.get_mut(id) else { return error(404, "NoSuchUpload") };
                let r = ok(md5_hex(&body), crc64(&body));
                up.1.insert(n, body);
                r
            }
            ("GET", _, Some(id)) => {
                let Some(up) = st.uploads.get(id) else { return error(404, "NoSuchUpload") };
                let mut x = String::from("<ListPartsResult><IsTruncated>false</IsTruncated>");
                for (n, b) in &up.1 {
                    x.push_str(&format!("<Part><PartNumber>{n}</PartNumber><ETag>&quot;{}&quot;</ETag><Size>{}</Size></Part>", md5_hex(b), b.len()));
                }
                x.push_str("</ListPartsResult>");
                xml_resp(200, x)
            }
            ("POST", _, Some(id)) => {
                let Some((k, parts)) = st.uploads.remove(id) else { return error(404, "NoSuchUpload") };
                let all: Vec<u8> = parts.values().flatten().copied().collect();
                let crc = crc64(&all);
                st.objects.insert(k.clone(), all);
                let mut r = xml_resp(200, format!("<CompleteMultipartUploadResult><Key>{k}</Key><ETag>\"x-{}\"</ETag></CompleteMultipartUploadResult>", parts.len()));
                r.headers.push(("x-cos-hash-crc64ecma".into(), crc.to_string()));
                r
            }
            ("DELETE", _, Some(id)) => {
                if st.uploads.remove(id).is_none() {
                    return error(404, "NoSuchUpload");
                }
                HttpResponse { status: 204, ..Default::default() }
            }
            _ => error(405, "MethodNotAllowed"),
        }
    }
}


fn options() -> Value {
    Value::Obj(vec![
        ("SecretId".into(), "AKIDtest".into()),
        ("SecretKey".into(), "secret".into()),
        ("Domain".into(), "{Bucket}.cos.{Region}.mem".into()),
        ("Protocol".into(), "http:".into()),
        ("RetryDelay".into(), Value::Num(0.0)),
        ("ChunkRetryTimes".into(), Value::Num(0.0)),
    ])
}

fn params(key: &str, source: u32, chunk: f64) -> Value {
    Value::Obj(vec![
        ("Bucket".into(), "b-1250000000".into()),
        ("Region".into(), "ap-guangzhou".into()),
        ("Key".into(), key.into()),
        ("Body".into(), Value::Opaque(source)),
        ("ChunkSize".into(), Value::Num(chunk)),
    ])
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

const MIB: usize = 1 << 20;

fn part_puts(host: &MemHost) -> usize {
    host.server.log.borrow().iter().filter(|(m, p)| m == "PUT" && p.contains("partNumber=")).count()
}

#[test]
fn slice_upload_stores_the_file() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    let data = pattern(5 * MIB + 123);
    host.sources.borrow_mut().insert(7, data.clone());
    let cos = Cos::new(host.clone(), &options(), Flavour::Js, "https:", None).unwrap();
    let r = pool.run_until(cos.clone().call("sliceUploadFile", params("dir/big.bin", 7, MIB as f64))).unwrap();
    assert_eq!(r.get("Key").unwrap().as_str(), Some("dir/big.bin"));
    assert_eq!(host.server.store.borrow().objects["dir/big.bin"], data);
    assert_eq!(part_puts(&host), 6);
    assert!(host.server.store.borrow().uploads.is_empty());
    // The checkpoint is removed after success.
    let cp = host.storage_get(cos_wasm::checkpoint::STORAGE_KEY).unwrap_or_default();
    assert!(!cp.contains("dir/big.bin"), "{cp}");
}

#[test]
fn a_failed_upload_resumes_without_resending_finished_parts() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    let data = pattern(4 * MIB);
    host.sources.borrow_mut().insert(1, data.clone());
    let opts = {
        let mut o = options();
        o.set("ChunkParallelLimit", Value::Num(1.0));
        o
    };
    let cos = Cos::new(host.clone(), &opts, Flavour::Js, "https:", None).unwrap();
    host.server.fail_part.set((3, 1));
    let err = pool.run_until(cos.clone().call("sliceUploadFile", params("k", 1, MIB as f64))).unwrap_err();
    assert_eq!(err.code, "InvalidRequest");
    let upload_id = err.upload_id.clone().expect("error carries the UploadId");
    assert_eq!(part_puts(&host), 3);
    // A new instance (a reload) finds the checkpoint and sends only parts 3 and 4.
    let cos2 = Cos::new(host.clone(), &opts, Flavour::Js, "https:", None).unwrap();
    let r = pool.run_until(cos2.call("sliceUploadFile", params("k", 1, MIB as f64))).unwrap();
    assert_eq!(r.get("UploadId").unwrap().as_str(), Some(upload_id.as_str()));
    assert_eq!(part_puts(&host), 5);
    assert_eq!(host.server.store.borrow().objects["k"], data);
}

#[test]
fn a_server_part_with_a_foreign_etag_is_uploaded_again() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    let data = pattern(3 * MIB);
    host.sources.borrow_mut().insert(1, data.clone());
    let cos = Cos::new(host.clone(), &options(), Flavour::Js, "https:", None).unwrap();
    host.server.fail_part.set((3, 1));
    let err = pool.run_until(cos.clone().call("sliceUploadFile", params("k2", 1, MIB as f64))).unwrap_err();
    let upload_id = err.upload_id.clone().unwrap();
    // Someone overwrites part 1 with other bytes of the same size.
    host.server.store.borrow_mut().uploads.get_mut(&upload_id).unwrap().1.insert(1, vec![0u8; MIB]);
    let before = part_puts(&host);
    pool.run_until(cos.call("sliceUploadFile", params("k2", 1, MIB as f64))).unwrap();
    assert_eq!(part_puts(&host) - before, 2, "part 1 re-sent, part 2 reused, part 3 sent");
    assert_eq!(host.server.store.borrow().objects["k2"], data);
}

#[test]
fn a_restarted_task_reuses_a_part_stored_while_its_answer_was_lost() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    let data = pattern(3 * MIB);
    host.sources.borrow_mut().insert(1, data.clone());
    let mut opts = options();
    opts.set("ChunkParallelLimit", Value::Num(1.0));
    opts.set("RetryTimes", Value::Num(0.0));
    let cos = Cos::new(host.clone(), &opts, Flavour::Js, "https:", None).unwrap();
    host.server.lose_answer.set((2, 1));
    pool.run_until(cos.clone().call("sliceUploadFile", params("lost", 1, MIB as f64))).unwrap_err();
    assert_eq!(part_puts(&host), 2, "part 2 was stored, its answer lost");
    let id = cos.task_list().as_list()[0].get("id").and_then(Value::as_str).unwrap().to_string();
    assert!(cos.restart_task(&id));
    pool.run_until_stalled();
    assert_eq!(host.server.store.borrow().objects["lost"], data);
    assert_eq!(part_puts(&host), 3, "only part 3 sent after the restart: part 2 was found and verified");
}

#[test]
fn a_stopped_call_stops_waiting_for_a_get_authorization_that_never_answers() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    let opts = Value::Obj(vec![
        ("getAuthorization".into(), Value::Opaque(90)),
        ("Domain".into(), "{Bucket}.cos.{Region}.mem".into()),
        ("Protocol".into(), "http:".into()),
    ]);
    let cos = Cos::new(host.clone(), &opts, Flavour::Js, "https:", None).unwrap();
    let target = || Value::Obj(vec![("Bucket".into(), "b-1250000000".into()), ("Region".into(), "ap-guangzhou".into()), ("Key".into(), "k".into())]);
    host.auth_never_answers.set(true);
    let id = cos.calls.new_call_id();
    let scope = cos.register_call(id);
    let settled: Rc<RefCell<Option<Result<Value, cos_wasm::error::CosError>>>> = Rc::default();
    let out = settled.clone();
    let call = cos.clone().call_cancelable("headObject", target(), (id, scope));
    use futures_util::task::LocalSpawnExt;
    pool.spawner().spawn_local(async move { *out.borrow_mut() = Some(call.await) }).unwrap();
    pool.run_until_stalled();
    assert_eq!(host.auth_calls.get(), 1);
    assert!(settled.borrow().is_none(), "waiting for keys");
    assert!(cos.cancel_call(id));
    pool.run_until_stalled();
    let r = settled.borrow_mut().take().expect("the canceled call settled without an answer from getAuthorization");
    assert_eq!(r.unwrap_err().code, "TaskCanceled");
    // The abandoned getAuthorization holds nobody back: the next call asks again and settles.
    host.auth_never_answers.set(false);
    let r = pool.run_until(cos.clone().call("headObject", target()));
    assert_eq!(host.auth_calls.get(), 2);
    assert!(r.is_err(), "the test host answers no keys");
    assert!(host.server.log.borrow().is_empty(), "nothing was sent unsigned");
}

#[test]
fn queue_runs_tasks_and_reports_them() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    for i in 1..=5u32 {
        host.sources.borrow_mut().insert(i, pattern(1000 * i as usize));
    }
    let cos = Cos::new(host.clone(), &options(), Flavour::Js, "https:", None).unwrap();
    let futs: Vec<_> = (1..=5u32)
        .map(|i| {
            let mut p = params(&format!("q{i}"), i, MIB as f64);
            p.remove("ChunkSize");
            cos.clone().call("putObject", p)
        })
        .collect();
    let results = pool.run_until(futures_util::future::join_all(futs));
    assert!(results.iter().all(|r| r.is_ok()));
    let list = cos.task_list();
    let states: Vec<&str> = list.as_list().iter().map(|t| t.get("state").unwrap().as_str().unwrap()).collect();
    assert_eq!(states, vec!["success"; 5]);
    for i in 1..=5u32 {
        assert_eq!(host.server.store.borrow().objects[&format!("q{i}")].len(), 1000 * i as usize);
    }
}

/// Shares of `handle` the core still holds beyond the caller's own (0 = everything given back).
fn extra_shares(host: &MemHost, handle: u32) -> i64 {
    host.shares.borrow().get(&handle).map_or(0, |n| n - 1)
}

#[test]
fn tasks_give_back_their_handles_when_they_end() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    host.sources.borrow_mut().insert(1, pattern(3 * MIB));
    host.sources.borrow_mut().insert(2, pattern(2 * MIB));
    let cos = Cos::new(host.clone(), &options(), Flavour::Js, "https:", None).unwrap();
    // A task that succeeds gives its share back at once.
    pool.run_until(cos.clone().call("sliceUploadFile", params("ok", 2, MIB as f64))).unwrap();
    assert_eq!(extra_shares(&host, 2), 0);
    // A failed task keeps its share (it may be restarted), until it is canceled.
    host.server.fail_part.set((2, 1));
    pool.run_until(cos.clone().call("sliceUploadFile", params("fails", 1, MIB as f64))).unwrap_err();
    assert_eq!(extra_shares(&host, 1), 1, "a failed task holds its body");
    let id = cos.task_list().as_list().iter().find(|t| t.get("Key").and_then(Value::as_str) == Some("fails")).and_then(|t| t.get("id")).and_then(Value::as_str).unwrap().to_string();
    assert!(cos.cancel_task(&id));
    pool.run_until_stalled();
    assert_eq!(extra_shares(&host, 1), 0, "canceled: the body is given back");
}

#[test]
fn trimmed_failed_tasks_give_back_their_handles() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    let mut opts = options();
    opts.set("UploadQueueSize", Value::Num(1.0));
    let cos = Cos::new(host.clone(), &opts, Flavour::Js, "https:", None).unwrap();
    for i in 1..=3u32 {
        host.sources.borrow_mut().insert(i, pattern(2 * MIB));
        host.server.fail_part.set((1, 1));
        pool.run_until(cos.clone().call("sliceUploadFile", params(&format!("t{i}"), i, MIB as f64))).unwrap_err();
    }
    pool.run_until_stalled();
    // Only the newest failed task is kept (UploadQueueSize 1): the others were trimmed and retired.
    assert_eq!(extra_shares(&host, 1), 0);
    assert_eq!(extra_shares(&host, 2), 0);
    assert_eq!(extra_shares(&host, 3), 1);
}

#[test]
fn a_call_canceled_before_it_starts_sends_nothing_and_every_call_leaves_the_registry() {
    let mut pool = LocalPool::new();
    let host = mem_host(&pool);
    let cos = Cos::new(host.clone(), &options(), Flavour::Js, "https:", None).unwrap();
    let target = || Value::Obj(vec![("Bucket".into(), "b-1250000000".into()), ("Region".into(), "ap-guangzhou".into()), ("Key".into(), "k".into())]);
    let id = cos.calls.new_call_id();
    let scope = cos.register_call(id);
    assert!(cos.cancel_call(id));
    let err = pool.run_until(cos.clone().call_cancelable("headObject", target(), (id, scope))).unwrap_err();
    assert_eq!(err.code, "TaskCanceled");
    assert!(host.server.log.borrow().is_empty(), "nothing sent: {:?}", host.server.log.borrow());
    assert!(cos.calls.is_empty(), "the settled call left the registry");
    assert!(!cos.cancel_call(id), "a settled call cannot be canceled");
    assert!(!cos.cancel_running("download-1"), "no such TaskId runs");
    // Calls without a caller's id register too, and go when they settle (a failure included).
    host.sources.borrow_mut().insert(3, pattern(10));
    pool.run_until(cos.clone().call("putObject", params("k", 3, MIB as f64))).unwrap();
    let _ = pool.run_until(cos.clone().call("headObject", target()));
    assert!(cos.calls.is_empty());
    assert_ne!(cos.calls.new_call_id(), id, "ids are not reused");
}
