//! Multipart upload as a sans-IO state machine: `Upload::start` and `Upload::handle` take the time
//! and one event and return the actions the host performs. No executor, no futures, no host trait:
//! the flow is plain data (which requests are in flight, which timers are armed, which parts are
//! done), so tests drive it step by step with no I/O.

use cos_wasm::crc64::combine;
use cos_wasm::error::CosError;
use cos_wasm::plan::PartPlan;
use proto_common::*;
#[cfg(feature = "simple")]
use proto_common::simple;
use proto_core::{input, Global, Rd, Wr};

#[derive(Clone, Copy)]
struct Pending {
    op: Op,
    a: Attempt,
}

#[derive(Default, Clone)]
struct Part {
    etag: Option<String>,
    crc_ours: Option<u64>,
    crc_theirs: Option<Option<u64>>,
    sent: u64,
    done: bool,
}

pub struct Upload {
    cfg: Cfg,
    plan: PartPlan,
    upload_id: String,
    /// In-flight requests by id.
    reqs: Vec<(u32, Pending)>,
    /// Armed retry timers by id.
    timers: Vec<(u32, Pending)>,
    /// Pending range hashes: (id, part number).
    hashes: Vec<(u32, u32)>,
    parts: Vec<Part>,
    next_part: u32,
    running: u32,
    offset: f64,
    rng: u32,
    now: f64,
    reported: u64,
    /// Set when failing: Abort is on its way, this error settles the call after it.
    failed: Option<CosError>,
    finished: bool,
    out: Vec<Action>,
}

impl Upload {
    pub fn start(cfg: Cfg, now: f64) -> (Upload, Vec<Action>) {
        let plan = PartPlan::new(cfg.size, Some(cfg.part_size), 10_000).unwrap_or(PartPlan { file_size: 0, part_size: 1, part_count: 0 });
        let mut cfg = cfg;
        cfg.part_size = plan.part_size;
        let mut u = Upload {
            rng: cfg.seed,
            cfg,
            plan,
            upload_id: String::new(),
            reqs: Vec::new(),
            timers: Vec::new(),
            hashes: Vec::new(),
            parts: vec![Part::default(); plan.part_count as usize],
            next_part: 1,
            running: 0,
            offset: 0.0,
            now,
            reported: 0,
            failed: None,
            finished: false,
            out: Vec::new(),
        };
        #[cfg(feature = "resume")]
        if !u.cfg.resume.is_empty() {
            u.upload_id = u.cfg.resume.clone();
            u.send(Pending { op: Op::ListParts(0), a: Attempt::default() });
            let out = core::mem::take(&mut u.out);
            return (u, out);
        }
        u.send(Pending { op: Op::Initiate, a: Attempt::default() });
        let out = core::mem::take(&mut u.out);
        (u, out)
    }

    pub fn finished(&self) -> bool {
        self.finished
    }

    pub fn handle(&mut self, now: f64, ev: Event) -> Vec<Action> {
        self.now = now;
        if !self.finished {
            self.event(ev);
        }
        core::mem::take(&mut self.out)
    }

    fn id(&mut self) -> u32 {
        next_id()
    }

    fn send(&mut self, p: Pending) {
        let id = self.id();
        let done: Vec<(u32, String)> =
            if p.op == Op::Complete { self.parts.iter().enumerate().map(|(i, x)| (i as u32 + 1, x.etag.clone().unwrap_or_default())).collect() } else { Vec::new() };
        let spec = op_request(&self.cfg, p.op, &self.upload_id, &done);
        self.out.push(signed_send(&self.cfg, id, &spec, self.now + self.offset, p.a.n > 0));
        self.reqs.push((id, p));
    }

    fn take<T: Copy>(list: &mut Vec<(u32, T)>, id: u32) -> Option<T> {
        let i = list.iter().position(|x| x.0 == id)?;
        Some(list.swap_remove(i).1)
    }

    fn event(&mut self, ev: Event) {
        match ev {
            Event::Response { id, resp } => self.answer(id, Some(resp)),
            Event::NetError { id } => self.answer(id, None),
            Event::Timer { id } => {
                if let Some(p) = Self::take(&mut self.timers, id) {
                    self.send(p);
                }
            }
            Event::Hashed { id, crc } => {
                if let Some(n) = Self::take(&mut self.hashes, id) {
                    self.parts[n as usize - 1].crc_ours = Some(crc);
                    self.part_check(n);
                }
            }
            Event::Sent { id, loaded } => {
                if let Some(Pending { op: Op::Part(n), .. }) = self.reqs.iter().find(|x| x.0 == id).map(|x| x.1) {
                    self.parts[n as usize - 1].sent = loaded;
                    self.progress();
                }
            }
            Event::Cancel => self.fail(CosError::canceled()),
        }
    }

    fn answer(&mut self, id: u32, resp: Option<Resp>) {
        let Some(mut p) = Self::take(&mut self.reqs, id) else { return };
        match classify(&self.cfg, p.op != Op::Abort, p.a, resp, self.now, self.offset, &mut self.rng) {
            Next::Ok(r) => self.ok(p.op, r),
            Next::Skew(offset) => {
                self.offset = offset;
                p.a.skewed = true;
                self.send(p);
            }
            Next::Retry(ms) => {
                p.a.n += 1;
                let id = self.id();
                self.out.push(Action::Timer { id, ms });
                self.timers.push((id, p));
            }
            Next::Fail(e) if p.op == Op::Abort => {
                // The abort failed: settle with the error that caused it.
                let e = self.failed.take().unwrap_or(e);
                self.settle(Err(e))
            }
            Next::Fail(e) => self.fail(e),
        }
    }

    fn ok(&mut self, op: Op, r: Resp) {
        match op {
            Op::Initiate => match upload_id(&r) {
                Ok(id) => {
                    self.upload_id = id;
                    self.fill();
                }
                Err(e) => self.fail(e),
            },
            Op::Part(n) => {
                let part = &mut self.parts[n as usize - 1];
                part.etag = Some(etag(&r));
                part.crc_theirs = Some(crc_header(&r));
                self.part_check(n);
            }
            Op::Complete => {
                let mut whole = 0;
                for (i, p) in self.parts.iter().enumerate() {
                    whole = combine(whole, p.crc_ours.unwrap_or(0), self.plan.part_len(i as u32 + 1));
                }
                match complete_result(&r, whole) {
                    Ok(d) => self.settle(Ok(d)),
                    Err(e) => self.fail(e),
                }
            }
            Op::Abort => {
                let e = self.failed.take().unwrap_or_else(CosError::canceled);
                self.settle(Err(e));
            }
            #[cfg(feature = "resume")]
            Op::ListParts(_) => match list_parts(&r) {
                Ok((found, next)) => {
                    for (n, size, etag) in found {
                        // Parts already started (or reused) keep their state.
                        if n < self.next_part || n > self.plan.part_count || size != self.plan.part_len(n) {
                            continue;
                        }
                        let part = &mut self.parts[n as usize - 1];
                        if part.etag.is_some() {
                            continue;
                        }
                        // Reused: only its CRC is needed (for the whole object's).
                        part.etag = Some(etag);
                        part.crc_theirs = Some(None);
                        self.running += 1;
                        let (start, end) = self.plan.range(n);
                        let id = self.id();
                        self.out.push(Action::Hash { id, start, end });
                        self.hashes.push((id, n));
                    }
                    match next {
                        Some(m) => self.send(Pending { op: Op::ListParts(m), a: Attempt::default() }),
                        None => self.fill(),
                    }
                }
                Err(e) => self.fail(e),
            },
        }
    }

    /// Starts parts until `parallel` are running; Complete when all are done.
    fn fill(&mut self) {
        while self.running < self.cfg.parallel && self.next_part <= self.plan.part_count {
            let n = self.next_part;
            self.next_part += 1;
            if self.parts[n as usize - 1].etag.is_some() {
                continue;
            }
            self.running += 1;
            self.send(Pending { op: Op::Part(n), a: Attempt::default() });
            // Hashed while it is sent: the CRC is only compared with the answer.
            let (start, end) = self.plan.range(n);
            let id = self.id();
            self.out.push(Action::Hash { id, start, end });
            self.hashes.push((id, n));
        }
        if self.running == 0 && self.parts.iter().all(|p| p.done) {
            self.send(Pending { op: Op::Complete, a: Attempt::default() });
        }
    }

    fn part_check(&mut self, n: u32) {
        let part = &mut self.parts[n as usize - 1];
        let (Some(ours), Some(theirs)) = (part.crc_ours, part.crc_theirs) else { return };
        if theirs.map_or(false, |t| t != ours) {
            return self.fail(CosError::integrity("CRC64Mismatch", "CRC64 of the data differs from the server's"));
        }
        part.done = true;
        part.sent = self.plan.part_len(n);
        self.running -= 1;
        self.progress();
        self.fill();
    }

    fn progress(&mut self) {
        let loaded: u64 = self.parts.iter().map(|p| p.sent).sum();
        // Never backwards: a retried part restarts its byte count.
        if loaded > self.reported {
            self.reported = loaded;
            self.out.push(Action::Progress { loaded, total: self.plan.file_size });
        }
    }

    /// Stops everything in flight; aborts the multipart upload when there is one, then settles.
    fn fail(&mut self, e: CosError) {
        if self.failed.is_some() {
            return;
        }
        for (id, _) in core::mem::take(&mut self.reqs) {
            self.out.push(Action::Abort { id });
        }
        self.timers.clear();
        self.hashes.clear();
        if self.upload_id.is_empty() {
            return self.settle(Err(e));
        }
        let e = e.with_upload_id(&self.upload_id);
        self.failed = Some(e);
        self.send(Pending { op: Op::Abort, a: Attempt::default() });
    }

    fn settle(&mut self, r: Result<Done, CosError>) {
        self.finished = true;
        self.out.push(Action::Done(r));
    }
}

/// Request ids are unique across the upload and every call, so the host needs no routing by id.
/// Atomic only so parallel native tests can share it; on wasm32 it is a plain load and store.
static NEXT_ID: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(1);

fn next_id() -> u32 {
    NEXT_ID.fetch_add(1, core::sync::atomic::Ordering::Relaxed) + 1
}

/// One simple official method: the generic request path as a state machine.
#[cfg(feature = "simple")]
pub struct Call {
    cfg: Cfg,
    handle: u32,
    m: &'static simple::Method,
    spec: Spec,
    a: Attempt,
    req: u32,
    timer: u32,
    offset: f64,
    rng: u32,
    finished: bool,
    out: Vec<Action>,
}

#[cfg(feature = "simple")]
impl Call {
    pub fn start(cfg: Cfg, handle: u32, method: u32, params: &[(&str, &str)], now: f64) -> (Option<Call>, Vec<Action>) {
        let m = simple::METHODS.get(method as usize).ok_or_else(|| CosError::param("unknown method"));
        match m.and_then(|m| Ok((m, simple::request(m, params)?))) {
            Err(e) => (None, vec![Action::CallDone { handle, result: Err(e) }]),
            Ok((m, spec)) => {
                let mut c = Call { rng: cfg.seed, cfg, handle, m, spec, a: Attempt::default(), req: 0, timer: 0, offset: 0.0, finished: false, out: Vec::new() };
                c.send(now);
                let out = core::mem::take(&mut c.out);
                (Some(c), out)
            }
        }
    }

    fn send(&mut self, now: f64) {
        self.req = next_id();
        self.out.push(signed_send(&self.cfg, self.req, &self.spec, now + self.offset, self.a.n > 0));
    }

    fn settle(&mut self, result: Result<String, CosError>) {
        self.finished = true;
        self.out.push(Action::CallDone { handle: self.handle, result });
    }

    pub fn handle(&mut self, now: f64, ev: Event) -> Vec<Action> {
        let resp = match ev {
            _ if self.finished => None,
            Event::Response { id, resp } if id == self.req => Some(Some(resp)),
            Event::NetError { id } if id == self.req => Some(None),
            Event::Timer { id } if id == self.timer => {
                self.send(now);
                None
            }
            Event::Cancel => {
                self.out.push(Action::Abort { id: self.req });
                self.settle(Err(CosError::canceled()));
                None
            }
            _ => None,
        };
        if let Some(resp) = resp {
            match classify(&self.cfg, true, self.a, resp, now, self.offset, &mut self.rng) {
                Next::Ok(r) => {
                    let r = simple::result(self.m, &r);
                    self.settle(r)
                }
                Next::Skew(o) => {
                    self.offset = o;
                    self.a.skewed = true;
                    self.send(now);
                }
                Next::Retry(ms) => {
                    self.a.n += 1;
                    self.timer = next_id();
                    self.out.push(Action::Timer { id: self.timer, ms });
                }
                Next::Fail(e) => self.settle(Err(e)),
            }
        }
        core::mem::take(&mut self.out)
    }
}

// ---- wasm exports: one upload (handle 0) and any number of calls (handles from JS) ----

static UP: Global<Option<Upload>> = Global::new(None);
#[cfg(feature = "simple")]
static CALLS: Global<Vec<(u32, Call)>> = Global::new(Vec::new());

fn emit(actions: Vec<Action>) -> u32 {
    Wr::reset();
    write_actions(&actions);
    Wr::len()
}

/// Input: now (f64) then the `Cfg`. Output: the first actions.
#[no_mangle]
pub extern "C" fn upload_start(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let now = r.f64();
    let (u, out) = Upload::start(Cfg::read(&mut r), now);
    *UP.get() = Some(u);
    emit(out)
}

/// Input: handle, method index, now, `Cfg`, params (pairs).
#[cfg(feature = "simple")]
#[no_mangle]
pub extern "C" fn call_start(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let (handle, method, now) = (r.u32(), r.u32(), r.f64());
    let cfg = Cfg::read(&mut r);
    let (c, out) = Call::start(cfg, handle, method, &r.pairs(), now);
    if let Some(c) = c {
        CALLS.get().push((handle, c));
    }
    emit(out)
}

/// Input: handle (0 = the upload), now (f64), one event. Output: the actions it causes.
#[no_mangle]
pub extern "C" fn event(len: u32) -> u32 {
    let mut r = Rd::new(input(len));
    let handle = r.u32();
    let now = r.f64();
    let ev = Event::read(&mut r);
    if handle == 0 {
        return emit(UP.get().as_mut().map(|u| u.handle(now, ev)).unwrap_or_default());
    }
    #[cfg(feature = "simple")]
    {
        let calls = CALLS.get();
        if let Some(i) = calls.iter().position(|c| c.0 == handle) {
            let out = calls[i].1.handle(now, ev);
            if calls[i].1.finished {
                calls.swap_remove(i);
            }
            return emit(out);
        }
    }
    emit(Vec::new())
}

#[cfg(test)]
mod tests;
