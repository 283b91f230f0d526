//! Multipart upload as lean async Rust: one hand-written single-threaded executor (one root future,
//! a no-op waker, polled again on every host event), no wasm-bindgen-futures, no futures-util.
//! Leaf futures push an action and wait for the event with its id; dropping a request's leaf stops
//! the request, so cancel is "drop the root". The same actions and events as the sans-IO prototype.

use core::cell::{Cell, RefCell};
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::rc::Rc;

use cos_wasm::crc64::combine;
use cos_wasm::error::CosError;
use cos_wasm::plan::PartPlan;
#[cfg(feature = "simple")]
use cos_wasm::sign;
use proto_common::*;
#[cfg(feature = "simple")]
use proto_common::simple;
use proto_core::{input, Global, Rd, Wr};

type Progress = Rc<dyn Fn(u64)>;

struct Rt {
    now: f64,
    next_id: u32,
    /// Events of this turn, taken by the leaf waiting for their id.
    events: Vec<Event>,
    out: Vec<Action>,
    on_sent: Vec<(u32, Progress)>,
}

static RT: Global<Rt> = Global::new(Rt { now: 0.0, next_id: 1, events: Vec::new(), out: Vec::new(), on_sent: Vec::new() });
/// The executor's tasks: (handle, root future); handle 0 is the upload.
static ROOTS: Global<Vec<(u32, Pin<Box<dyn Future<Output = ()>>>)>> = Global::new(Vec::new());
static SHARED: Global<Option<Rc<Shared>>> = Global::new(None);

fn rt() -> &'static mut Rt {
    RT.get()
}

fn next_id() -> u32 {
    let r = rt();
    r.next_id += 1;
    r.next_id
}

fn event_id(e: &Event) -> u32 {
    match e {
        Event::Response { id, .. } | Event::NetError { id } | Event::Hashed { id, .. } | Event::Timer { id } | Event::Sent { id, .. } => *id,
        Event::Cancel => 0,
    }
}

/// Resolves with the event for `id`. A request's wait stops the request when dropped first.
struct Wait {
    id: u32,
    request: bool,
}

impl Future for Wait {
    type Output = Event;
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Event> {
        let r = rt();
        match r.events.iter().position(|e| event_id(e) == self.id) {
            Some(i) => {
                let e = r.events.swap_remove(i);
                self.forget();
                Poll::Ready(e)
            }
            None => Poll::Pending,
        }
    }
}

impl Wait {
    fn forget(&mut self) {
        let id = self.id;
        rt().on_sent.retain(|x| x.0 != id);
        self.request = false;
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if self.request {
            let id = self.id;
            self.forget();
            rt().out.push(Action::Abort { id });
        }
    }
}

/// Both futures to completion (boxed so the pair is `Unpin` without unsafe projection).
async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let (mut ra, mut rb) = (None, None);
    poll_fn(move |cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            return Poll::Ready((ra.take().unwrap(), rb.take().unwrap()));
        }
        Poll::Pending
    })
    .await
}

async fn sleep(ms: f64) {
    let id = next_id();
    rt().out.push(Action::Timer { id, ms });
    Wait { id, request: false }.await;
}

async fn hash(start: u64, end: u64) -> u64 {
    let id = next_id();
    rt().out.push(Action::Hash { id, start, end });
    match (Wait { id, request: false }).await {
        Event::Hashed { crc, .. } => crc,
        _ => 0,
    }
}

struct Shared {
    cfg: Cfg,
    plan: PartPlan,
    offset: Cell<f64>,
    rng: Cell<u32>,
    upload_id: RefCell<String>,
    sent: RefCell<Vec<u64>>,
    reported: Cell<u64>,
}

impl Shared {
    fn progress(&self) {
        let loaded: u64 = self.sent.borrow().iter().sum();
        if loaded > self.reported.get() {
            self.reported.set(loaded);
            rt().out.push(Action::Progress { loaded, total: self.plan.file_size });
        }
    }
}

/// A multipart call through the generic path.
async fn request(s: &Shared, op: Op, parts: &[(u32, String)], progress: Option<Progress>) -> Result<Resp, CosError> {
    let spec = op_request(&s.cfg, op, &s.upload_id.borrow(), parts);
    send(&s.cfg, &spec, op != Op::Abort, &s.offset, &s.rng, progress).await
}

/// The one request path: sign, send, classify; retries after a backoff, re-signs after clock skew.
async fn send(cfg: &Cfg, spec: &Spec, retry: bool, offset: &Cell<f64>, rng_state: &Cell<u32>, progress: Option<Progress>) -> Result<Resp, CosError> {
    let mut a = Attempt::default();
    loop {
        let id = next_id();
        let r = rt();
        r.out.push(signed_send(cfg, id, spec, r.now + offset.get(), a.n > 0));
        if let Some(p) = &progress {
            r.on_sent.push((id, p.clone()));
        }
        let resp = match (Wait { id, request: true }).await {
            Event::Response { resp, .. } => Some(resp),
            _ => None,
        };
        let mut rng = rng_state.get();
        let next = classify(cfg, retry, a, resp, rt().now, offset.get(), &mut rng);
        rng_state.set(rng);
        match next {
            Next::Ok(r) => return Ok(r),
            Next::Skew(o) => {
                offset.set(o);
                a.skewed = true;
            }
            Next::Retry(ms) => {
                a.n += 1;
                sleep(ms).await;
            }
            Next::Fail(e) => return Err(e),
        }
    }
}

async fn part(s: &Rc<Shared>, n: u32) -> Result<(u32, String, u64), CosError> {
    let (start, end) = s.plan.range(n);
    let p = s.clone();
    let on_sent: Progress = Rc::new(move |loaded| {
        p.sent.borrow_mut()[n as usize - 1] = loaded;
        p.progress();
    });
    // Hashed while it is sent: the CRC is only compared with the answer.
    let (r, crc) = join2(request(s, Op::Part(n), &[], Some(on_sent)), hash(start, end)).await;
    let r = r?;
    check_crc(crc, &r)?;
    s.sent.borrow_mut()[n as usize - 1] = end - start;
    s.progress();
    Ok((n, etag(&r), crc))
}

type PartFuture<'a> = Pin<Box<dyn Future<Output = Result<(u32, String, u64), CosError>> + 'a>>;

/// A part found on the server: only its CRC is needed (for the whole object's).
#[cfg(feature = "resume")]
async fn reuse(s: &Rc<Shared>, n: u32, etag: String) -> Result<(u32, String, u64), CosError> {
    let (start, end) = s.plan.range(n);
    let crc = hash(start, end).await;
    s.sent.borrow_mut()[n as usize - 1] = end - start;
    s.progress();
    Ok((n, etag, crc))
}

/// Parts of `upload_id` on the server that match the plan, through every ListParts page.
#[cfg(feature = "resume")]
async fn list(s: &Rc<Shared>) -> Result<Vec<Option<String>>, CosError> {
    let mut found = vec![None; s.plan.part_count as usize];
    let mut marker = 0;
    loop {
        let r = request(s, Op::ListParts(marker), &[], None).await?;
        let (parts, next) = list_parts(&r)?;
        for (n, size, etag) in parts {
            if n >= 1 && n <= s.plan.part_count && size == s.plan.part_len(n) {
                found[n as usize - 1] = Some(etag);
            }
        }
        match next {
            Some(m) => marker = m,
            None => return Ok(found),
        }
    }
}

async fn upload(s: &Rc<Shared>) -> Result<Done, CosError> {
    #[cfg(feature = "resume")]
    let mut found = Vec::new();
    #[cfg(feature = "resume")]
    if !s.cfg.resume.is_empty() {
        *s.upload_id.borrow_mut() = s.cfg.resume.clone();
        found = list(s).await?;
    }
    if s.upload_id.borrow().is_empty() {
        let r = request(s, Op::Initiate, &[], None).await?;
        *s.upload_id.borrow_mut() = upload_id(&r)?;
    }
    let count = s.plan.part_count;
    let mut done: Vec<(u32, String, u64)> = Vec::with_capacity(count as usize);
    let mut running: Vec<PartFuture> = Vec::new();
    let mut next = 1;
    // At most `parallel` parts in flight; the first error drops the rest (stopping their requests).
    poll_fn(|cx| loop {
        while running.len() < s.cfg.parallel as usize && next <= count {
            #[cfg(feature = "resume")]
            if let Some(etag) = found.get_mut(next as usize - 1).and_then(Option::take) {
                running.push(Box::pin(reuse(s, next, etag)));
                next += 1;
                continue;
            }
            running.push(Box::pin(part(s, next)));
            next += 1;
        }
        let before = running.len();
        let mut i = 0;
        while i < running.len() {
            match running[i].as_mut().poll(cx) {
                Poll::Ready(Ok(x)) => {
                    done.push(x);
                    drop(running.swap_remove(i));
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => i += 1,
            }
        }
        if running.is_empty() && next > count {
            return Poll::Ready(Ok(()));
        }
        if running.len() == before {
            return Poll::Pending;
        }
    })
    .await?;
    drop(running);
    done.sort_unstable_by_key(|x| x.0);
    let mut whole = 0;
    for (n, _, crc) in &done {
        whole = combine(whole, *crc, s.plan.part_len(*n));
    }
    let parts: Vec<(u32, String)> = done.into_iter().map(|(n, e, _)| (n, e)).collect();
    let r = request(s, Op::Complete, &parts, None).await?;
    complete_result(&r, whole)
}

fn settle(r: Result<Done, CosError>) {
    rt().out.push(Action::Done(r));
}

/// Aborts the multipart upload (if there is one) and settles with `e`.
async fn abort_then_fail(s: Rc<Shared>, e: CosError) {
    let id = s.upload_id.borrow().clone();
    if !id.is_empty() {
        let _ = request(&s, Op::Abort, &[], None).await;
    }
    settle(Err(e.with_upload_id(&id)));
}

async fn run(s: Rc<Shared>) {
    match upload(&s).await {
        Ok(d) => settle(Ok(d)),
        Err(e) => abort_then_fail(s, e).await,
    }
}

/// A simple official method through the same request path.
#[cfg(feature = "simple")]
async fn call(cfg: Cfg, handle: u32, method: u32, params: Vec<(String, String)>) {
    let result = async {
        let m = simple::METHODS.get(method as usize).ok_or_else(|| CosError::param("unknown method"))?;
        let p = sign::borrow_pairs(&params);
        let spec = simple::request(m, &p)?;
        let r = send(&cfg, &spec, true, &Cell::new(0.0), &Cell::new(cfg.seed), None).await?;
        simple::result(m, &r)
    }
    .await;
    rt().out.push(Action::CallDone { handle, result });
}

/// The executor: poll every root once per host event (the waker is a no-op: everything that can make
/// progress is an event JS delivers, and every event leads to a poll).
fn poll_roots() {
    let roots = ROOTS.get();
    let mut cx = Context::from_waker(Waker::noop());
    roots.retain_mut(|(_, f)| f.as_mut().poll(&mut cx).is_pending());
    rt().events.clear();
}

fn spawn(handle: u32, f: impl Future<Output = ()> + 'static) {
    ROOTS.get().push((handle, Box::pin(f)));
    poll_roots();
}

fn take_out() -> u32 {
    let out = core::mem::take(&mut rt().out);
    Wr::reset();
    write_actions(&out);
    Wr::len()
}

#[no_mangle]
pub extern "C" fn upload_start(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    rt().now = r.f64();
    let mut cfg = Cfg::read(&mut r);
    let plan = PartPlan::new(cfg.size, Some(cfg.part_size), 10_000).unwrap_or(PartPlan { file_size: 0, part_size: 1, part_count: 0 });
    cfg.part_size = plan.part_size;
    let s = Rc::new(Shared {
        rng: Cell::new(cfg.seed),
        cfg,
        plan,
        offset: Cell::new(0.0),
        upload_id: RefCell::new(String::new()),
        sent: RefCell::new(vec![0; plan.part_count as usize]),
        reported: Cell::new(0),
    });
    *SHARED.get() = Some(s.clone());
    spawn(0, run(s));
    take_out()
}

/// Input: handle, method index, now, `Cfg`, params (pairs).
#[cfg(feature = "simple")]
#[no_mangle]
pub extern "C" fn call_start(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let (handle, method) = (r.u32(), r.u32());
    rt().now = r.f64();
    let cfg = Cfg::read(&mut r);
    let params = r.pairs().into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    spawn(handle, call(cfg, handle, method, params));
    take_out()
}

/// Input: handle (0 = the upload), now (f64), one event. Output: the actions it causes.
#[no_mangle]
pub extern "C" fn event(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let handle = r.u32();
    rt().now = r.f64();
    match Event::read(&mut r) {
        Event::Cancel => {
            let roots = ROOTS.get();
            if let Some(i) = roots.iter().position(|x| x.0 == handle) {
                // Dropping the root stops every request in flight (`Wait::drop`).
                drop(roots.swap_remove(i));
                match SHARED.get().clone() {
                    Some(s) if handle == 0 => spawn(0, abort_then_fail(s, CosError::canceled())),
                    _ => rt().out.push(Action::CallDone { handle, result: Err(CosError::canceled()) }),
                }
            }
        }
        Event::Sent { id, loaded } => {
            if let Some(f) = rt().on_sent.iter().find(|x| x.0 == id).map(|x| x.1.clone()) {
                f(loaded);
            }
        }
        ev => {
            rt().events.push(ev);
            poll_roots();
        }
    }
    take_out()
}
