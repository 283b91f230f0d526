//! The host every native engine test runs on: a single-threaded executor behind `spawn`, bodies
//! in memory, a virtual clock, and a [`Server`] that answers requests (an in-memory COS, a
//! hostile one, a silent one).

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use cos_wasm::cos::Cos;
use cos_wasm::error::CosError;
use cos_wasm::host::*;
use cos_wasm::value::Value;
use futures_executor::{LocalPool, LocalSpawner};
use futures_util::task::LocalSpawnExt;

pub trait Server: 'static {
    /// The answer to `req`, whose body is `body`.
    fn answer(&self, req: &HttpRequest, body: &[u8]) -> Result<HttpResponse, TransportError>;

    /// What the host reports as upload progress for a body of `len` bytes.
    fn progress(&self, len: u64) -> Vec<u64> {
        vec![len]
    }
}

pub struct TestHost<S: Server> {
    pub server: S,
    pub sources: RefCell<HashMap<u32, Vec<u8>>>,
    pub storage: RefCell<HashMap<String, String>>,
    pub spawner: LocalSpawner,
    pub now: Cell<f64>,
    /// Requests sent.
    pub sent: Cell<usize>,
    /// Live shares of each handle the core retained or released (a handle starts with the one share
    /// its holder was given); a handle with no entry has none left, or was never shared.
    pub shares: RefCell<HashMap<u32, i64>>,
    /// getAuthorization calls made; while `auth_never_answers`, none of them answers.
    pub auth_calls: Cell<usize>,
    pub auth_never_answers: Cell<bool>,
}

impl<S: Server> TestHost<S> {
    pub fn new(server: S, spawner: LocalSpawner) -> Rc<TestHost<S>> {
        Rc::new(TestHost {
            server,
            sources: RefCell::new(HashMap::new()),
            storage: RefCell::new(HashMap::new()),
            spawner,
            now: Cell::new(1_700_000_000_000.0),
            sent: Cell::new(0),
            shares: RefCell::new(HashMap::new()),
            auth_calls: Cell::new(0),
            auth_never_answers: Cell::new(false),
        })
    }

    pub fn body_bytes(&self, body: &Body) -> Vec<u8> {
        match body {
            Body::Empty => Vec::new(),
            Body::Bytes(b) => b.clone(),
            Body::Source { source, start, end } => self.sources.borrow()[source][*start as usize..*end as usize].to_vec(),
            Body::Form { file, .. } => self.body_bytes(file),
            Body::Stream { .. } => Vec::new(),
        }
    }
}

impl<S: Server> Host for TestHost<S> {
    fn send(&self, req: HttpRequest, progress: Option<ProgressFn>) -> LocalFuture<'static, Result<HttpResponse, TransportError>> {
        self.sent.set(self.sent.get() + 1);
        let body = self.body_bytes(&req.body);
        let answer = self.server.answer(&req, &body);
        if let Some(p) = progress {
            for n in self.server.progress(body.len() as u64) {
                p(n);
            }
        }
        Box::pin(async move { answer })
    }
    fn abort(&self, _id: u32) {}
    fn open(&self, body: OpenRequest) -> LocalFuture<'static, Result<SourceInfo, CosError>> {
        let r = match body {
            OpenRequest::Handle(h) => match self.sources.borrow().get(&h) {
                Some(b) => Ok(SourceInfo {
                    id: h,
                    size: b.len() as u64,
                    name: Some(format!("file-{h}.bin")),
                    last_modified_ms: Some(1_600_000_000_000.0),
                    content_type: None,
                    persistent: true,
                    streamed: false,
                    can_pipe: false,
                }),
                None => Err(CosError::param("params body format error")),
            },
            OpenRequest::FilePath(_) => Err(CosError::param("no files here")),
        };
        Box::pin(async move { r })
    }
    fn read(&self, source: u32, start: u64, end: u64) -> LocalFuture<'static, Result<Vec<u8>, CosError>> {
        let b = self.sources.borrow()[&source][start as usize..end as usize].to_vec();
        Box::pin(async move { Ok(b) })
    }
    fn close(&self, _source: u32) {}
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
    fn storage_get(&self, key: &str) -> Option<String> {
        self.storage.borrow().get(key).cloned()
    }
    fn storage_set(&self, key: &str, value: &str) {
        self.storage.borrow_mut().insert(key.to_string(), value.to_string());
    }
    fn invoke(&self, _function: u32, _args: Vec<Arg>) {}
    fn get_authorization(&self, _f: u32, _o: Value) -> LocalFuture<'static, Result<Value, CosError>> {
        self.auth_calls.set(self.auth_calls.get() + 1);
        if self.auth_never_answers.get() {
            return Box::pin(std::future::pending());
        }
        Box::pin(async { Ok(Value::Str("not an authorization".into())) })
    }
    fn retain(&self, handle: u32) {
        *self.shares.borrow_mut().entry(handle).or_insert(1) += 1;
    }
    fn release(&self, handle: u32) {
        let mut shares = self.shares.borrow_mut();
        let n = shares.entry(handle).or_insert(1);
        *n -= 1;
        if *n == 0 {
            shares.remove(&handle);
        }
    }
    fn spawn(&self, fut: LocalFuture<'static, ()>) {
        self.spawner.spawn_local(fut).unwrap();
    }
}

/// Runs one official call until nothing more can happen; `None` if it is still pending then.
pub fn settle<H: Host>(pool: &mut LocalPool, cos: &Rc<Cos<H>>, method: &str, params: Value) -> Option<Result<Value, CosError>> {
    let done: Rc<RefCell<Option<Result<Value, CosError>>>> = Rc::new(RefCell::new(None));
    let slot = done.clone();
    let (cos, method) = (cos.clone(), method.to_string());
    pool.spawner().spawn_local(async move { *slot.borrow_mut() = Some(cos.call(&method, params).await); }).unwrap();
    pool.run_until_stalled();
    let r = done.borrow_mut().take();
    r
}

pub fn obj(fields: &[(&str, Value)]) -> Value {
    Value::Obj(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}
