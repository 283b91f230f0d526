//! Finished tasks release what they held: after a burst of queued puts has settled, the core keeps
//! only each task's list record (bucket, region, key, state), not its params, body or callbacks,
//! and not a pending call's state. Measured with a counting allocator (this binary only).

// Native only: on wasm32 the library installs its own global allocator, which this one would clash with.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicIsize, Ordering};

mod common;

use common::{obj, Server, TestHost};
use cos_wasm::cos::Cos;
use cos_wasm::crc64::crc64;
use cos_wasm::host::*;
use cos_wasm::sign::Flavour;
use cos_wasm::value::Value;
use futures_executor::LocalPool;
use futures_util::task::LocalSpawnExt;

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(l.size() as isize, Ordering::Relaxed) + l.size() as isize;
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        System.dealloc(p, l)
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Answers every PUT as COS does for a stored object.
struct Store;

impl Server for Store {
    fn answer(&self, req: &HttpRequest, body: &[u8]) -> Result<HttpResponse, TransportError> {
        assert_eq!(req.method, "PUT");
        Ok(HttpResponse {
            status: 200,
            headers: vec![("etag".into(), "\"e\"".into()), ("x-cos-hash-crc64ecma".into(), crc64(body).to_string()), ("x-cos-request-id".into(), "r".into())],
            body: Vec::new(),
            native_body: None,
            written: None,
        })
    }
}

/// Issues `n` putObject calls at once (they queue behind FileParallelLimit) and runs them all.
fn burst(pool: &mut LocalPool, cos: &Rc<Cos<TestHost<Store>>>, from: usize, n: usize) {
    let done = Rc::new(RefCell::new(0usize));
    let note = "n".repeat(1500);
    for i in from..from + n {
        let p = obj(&[
            ("Bucket", Value::str("b-1250000000")),
            ("Region", Value::str("ap-guangzhou")),
            ("Key", Value::str(format!("many/{i:05}"))),
            ("Body", Value::str("x")),
            ("Headers", obj(&[("x-cos-meta-note", Value::str(note.clone()))])),
        ]);
        let (cos, done) = (cos.clone(), done.clone());
        pool.spawner()
            .spawn_local(async move {
                cos.call("putObject", p).await.expect("put succeeds");
                *done.borrow_mut() += 1;
            })
            .unwrap();
    }
    pool.run_until_stalled();
    assert_eq!(*done.borrow(), n, "every put settled");
}

#[test]
fn settled_tasks_keep_only_their_list_record() {
    let mut pool = LocalPool::new();
    let host = TestHost::new(Store, pool.spawner());
    let opts = obj(&[
        ("SecretId", Value::str("AKIDtest")),
        ("SecretKey", Value::str("secret")),
        ("Domain", Value::str("{Bucket}.cos.{Region}.mem")),
        ("Protocol", Value::str("http:")),
    ]);
    let cos = Cos::new(host, &opts, Flavour::Js, "https:", None).unwrap();
    burst(&mut pool, &cos, 0, 50);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let n = 400;
    burst(&mut pool, &cos, 50, n);
    let per_task = (LIVE.load(Ordering::Relaxed) - before) / n as isize;
    // While queued, a call holds its params (~1.7 KB here), its record and small boxed futures; a
    // queued call that held the largest operation's state took twice that (7.4 KB when measured).
    let peak_per_task = (PEAK.load(Ordering::Relaxed) - before) / n as isize;
    eprintln!("per queued task: {peak_per_task} bytes at the peak, {per_task} bytes once settled");
    assert!(peak_per_task < 5500, "a queued task holds {peak_per_task} bytes");
    // Each put's params carry 1.5 KB of metadata: a task that kept them would retain more than that.
    assert!(per_task < 600, "a settled task still holds {per_task} bytes");
    let list = cos.task_list();
    assert_eq!(list.as_list().len(), 50 + n);
    assert!(list.as_list().iter().all(|t| t.get("state").and_then(Value::as_str) == Some("success")));
    // Finished tasks cannot be paused, restarted or canceled.
    let id = list.as_list()[0].get("id").and_then(Value::as_str).unwrap().to_string();
    assert!(!cos.pause_task(&id) && !cos.restart_task(&id) && !cos.cancel_task(&id));
}
