//! The upload queue at run time: tasks from putObject / sliceUploadFile / uploadFile(s), started
//! up to FileParallelLimit at a time, paused, restarted and canceled by id, and reported through
//! `getTaskList()` and `list-update`. The state machine and records are in `queue.rs`; this module
//! owns the futures, cancellation and settlement.

use crate::prelude::*;
use crate::float;
use core::cell::{Cell, OnceCell, RefCell};
use alloc::collections::VecDeque;
use core::future::Future;
use core::pin::Pin;
use alloc::rc::Rc;
use core::task::{Context, Poll, Waker};

use crate::client::{AbortScope, Client};
use crate::error::{CosError, ErrorKind, Result};
use crate::host::{Arg, Host};
use crate::ops::{self, Reporter};
use crate::packed::ParamsRecord;
use crate::params::{self, Target};
use crate::queue::{Queue, TaskEvent, TaskRecord, TaskState};
use crate::source::Source;
use crate::upload::{self, UploadCtx, UploadState};
use crate::value::Value;

/// Told each time a task settles: its slot in its call (see [`Runtime`]), its outcome, its task id
/// and its params.
pub(crate) type OnSettled = Rc<dyn Fn(u32, &Result<Value>, &str, &Value)>;

/// Told a task's progress: its slot in its call, bytes loaded, total bytes.
pub(crate) type Observer = Rc<dyn Fn(u32, u64, u64)>;

/// A value delivered once, awaited once: how a queued task settles its caller's Promise.
pub(crate) struct Oneshot<T> {
    slot: RefCell<Option<T>>,
    waker: RefCell<Option<Waker>>,
    settled: Cell<bool>,
}

impl<T> Oneshot<T> {
    pub(crate) fn new() -> Rc<Oneshot<T>> {
        Rc::new(Oneshot { slot: RefCell::new(None), waker: RefCell::new(None), settled: Cell::new(false) })
    }

    /// Delivers `v` unless something was delivered before; returns whether it was.
    pub(crate) fn send(&self, v: T) -> bool {
        if self.settled.replace(true) {
            return false;
        }
        *self.slot.borrow_mut() = Some(v);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
        true
    }

    /// Whether something was delivered already.
    pub(crate) fn is_settled(&self) -> bool {
        self.settled.get()
    }

    pub(crate) fn recv(self: &Rc<Self>) -> OneshotRecv<T> {
        OneshotRecv(self.clone())
    }
}

pub(crate) struct OneshotRecv<T>(Rc<Oneshot<T>>);

impl<T> Future for OneshotRecv<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.0.slot.borrow_mut().take() {
            Some(v) => Poll::Ready(v),
            None => {
                *self.0.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskKind {
    Put,
    Slice,
}

struct Runtime {
    /// The queue's creation index of the task (its id is made from it): runtimes are sorted by it.
    index: u64,
    kind: TaskKind,
    /// Its params, packed while it waits (a long batch queues 100,000 of them); made into a
    /// `Value` when it starts or settles.
    params: ParamsRecord,
    source: Rc<Source>,
    /// Made when the task starts or is stopped: a long batch's waiting tasks hold none.
    abort: OnceCell<Rc<AbortScope>>,
    /// A multipart upload's state, kept across pauses and restarts; none for a simple upload (a
    /// long batch of small files queues no empty one per file).
    state: Option<Rc<RefCell<Option<UploadState>>>>,
    /// Where the caller waits, if it waits per task (uploadFiles' files settle through `on_settled`).
    done: Option<Rc<Oneshot<Result<Value>>>>,
    speed: Cell<(f64, u64, f64)>,
    /// The task's place in its call (an `uploadFiles` entry's index), given to `observer` and
    /// `on_settled`: one pair of them serves a whole batch, not a pair of closures per file.
    slot: u32,
    /// `uploadFiles` aggregates per-file progress through this.
    observer: Option<Observer>,
    /// Called each time the task settles (again after a restart of a failed task).
    on_settled: Option<OnSettled>,
    /// The failure behind the `error` state, shown whole in the task list.
    last_error: RefCell<Option<CosError>>,
}

impl Runtime {
    fn abort(&self) -> Rc<AbortScope> {
        self.abort.get_or_init(AbortScope::new).clone()
    }

    /// Host handles in its params (body, callbacks): the task holds a share of each from when it
    /// is queued until it is retired, so a failed task can be restarted after its call settled.
    fn handles(&self) -> Vec<u32> {
        self.params.value().handles()
    }
}

#[derive(Default)]
pub struct Tasks {
    pub queue: RefCell<Option<Queue>>,
    /// A deque for the queue's reason: finished tasks leave from near the front.
    runtimes: RefCell<VecDeque<Rc<Runtime>>>,
    emit_scheduled: Cell<bool>,
    /// Whether anyone listens to `list-update`: building the list for nobody costs O(tasks) per change.
    pub listening: Cell<bool>,
}

/// The upload queue: its tasks, what each holds while it lives, and the events it publishes. `Cos`
/// owns it and queues into it; it knows only the client it uploads with.
pub struct TaskQueue<H: Host> {
    pub(crate) client: Rc<Client<H>>,
    /// Host function `(eventName, data)` that emits `list-update` and friends on the JS object.
    emit: Option<u32>,
    pub tasks: Tasks,
}

impl<H: Host> TaskQueue<H> {
    pub(crate) fn new(client: Rc<Client<H>>, emit: Option<u32>) -> Rc<TaskQueue<H>> {
        Rc::new(TaskQueue { client, emit, tasks: Tasks::default() })
    }

    /// Emits an event to the JS object's listeners.
    pub(crate) fn emit_event(&self, name: &str, data: Value) {
        if let Some(f) = self.emit {
            self.client.host.invoke(f, vec![Arg::Val(Value::str(name)), Arg::Val(data)]);
        }
    }

    fn with_queue<R>(&self, f: impl FnOnce(&mut Queue) -> R) -> R {
        let mut q = self.tasks.queue.borrow_mut();
        let q = q.get_or_insert_with(|| {
            let mut prefix = String::new();
            let r = (self.client.host.random() * 1e9) as u64;
            prefix.push_str(&r.to_string());
            Queue::new(prefix)
        });
        f(q)
    }

    /// Runtimes are kept in creation order, as the queue's records: found by index, not by
    /// comparing ids (1,000 queued puts made that quadratic).
    fn runtime_position(&self, id: &str) -> Option<usize> {
        let index = self.with_queue(|q| q.index_of(id))?;
        self.tasks.runtimes.borrow().binary_search_by_key(&index, |r| r.index).ok()
    }

    fn runtime(&self, id: &str) -> Option<Rc<Runtime>> {
        let i = self.runtime_position(id)?;
        Some(self.tasks.runtimes.borrow()[i].clone())
    }

    /// Runs `putObject` / `sliceUploadFile` as a queued task and waits for it to settle.
    pub(crate) async fn run_as_task(
        self: Rc<Self>,
        kind: TaskKind,
        params: Value,
        source: Source,
        on_settled: Option<OnSettled>,
    ) -> Result<Value> {
        let done = Oneshot::new();
        self.enqueue(kind, params, source, 0, None, on_settled, Some(done.clone()))?;
        done.recv().await
    }

    /// Room for a batch of `n` tasks about to be queued (see [`Queue::reserve`]).
    pub(crate) fn reserve(&self, n: usize) {
        self.with_queue(|q| q.reserve(n));
        self.tasks.runtimes.borrow_mut().reserve_exact(n);
    }

    /// Queues a task; it settles through `on_settled` and `done`. On an error nothing was queued
    /// (the source is closed).
    #[allow(clippy::too_many_arguments)] // what a task is made of, each used once here
    pub(crate) fn enqueue(
        self: &Rc<Self>,
        kind: TaskKind,
        params: Value,
        source: Source,
        slot: u32,
        observer: Option<Observer>,
        on_settled: Option<OnSettled>,
        done: Option<Rc<Oneshot<Result<Value>>>>,
    ) -> Result<()> {
        let checked = (|| {
            let ready = [params::callback(&params, "onTaskReady")?, params::callback(&params, "TaskReady")?];
            params::callback(&params, "onProgress")?;
            params::callback(&params, "onHashProgress")?;
            Ok((params::target(&params, true)?, ready))
        })();
        let (t, ready) = match checked {
            Ok(v) => v,
            Err(e) => {
                source.close(&*self.client.host);
                return Err(e);
            }
        };
        let size = source.size();
        let record = TaskRecord::new(
            &t.bucket,
            &t.region,
            &t.key,
            params
                .get("FilePath")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| source.info.name.clone()),
            size,
        );
        let (id, index) = self.with_queue(|q| {
            let index = q.add(record);
            (q.id_of(index), index)
        });
        for h in params.handles() {
            self.client.host.retain(h);
        }
        let rt = Rc::new(Runtime {
            index,
            kind,
            params: ParamsRecord::new(&params),
            source: Rc::new(source),
            abort: OnceCell::new(),
            state: (kind == TaskKind::Slice).then(|| Rc::new(RefCell::new(None))),
            done,
            speed: Cell::new((0.0, 0, 0.0)),
            slot,
            observer,
            on_settled,
            last_error: RefCell::new(None),
        });
        self.tasks.runtimes.borrow_mut().push_back(rt.clone());
        for f in ready.into_iter().flatten() {
            self.client.host.invoke(f, vec![Arg::Val(Value::str(id.clone()))]);
        }
        self.schedule(true);
        Ok(())
    }

    /// Starts waiting tasks while fewer than FileParallelLimit run; trims the finished ones.
    fn schedule(self: &Rc<Self>, changed: bool) {
        let limit = self.client.opts().file_parallel_limit;
        loop {
            let next = self.with_queue(|q| q.next_to_start(limit));
            let Some(id) = next else { break };
            if self.with_queue(|q| q.apply(&id, TaskEvent::Start)).is_err() {
                break;
            }
            let me = self.clone();
            self.client.host.spawn(Box::pin(async move { me.run_task(id).await }));
        }
        let size = self.client.opts().upload_queue_size;
        let dropped = self.with_queue(|q| q.trim(size));
        if !dropped.is_empty() {
            // Trimmed tasks (failed ones too) never run again: retired like finished ones.
            // Most were retired when they succeeded; found by index, not by a pass over the rest.
            for id in &dropped {
                let Some(i) = self.runtime_position(id) else { continue };
                let rt = self.tasks.runtimes.borrow_mut().remove(i);
                if let Some(rt) = rt {
                    self.let_go(&rt, id);
                }
            }
        }
        if changed {
            self.list_changed(0);
        }
    }

    async fn run_task(self: Rc<Self>, id: String) {
        let Some(rt) = self.runtime(&id) else { return };
        let params = rt.params.value();
        let abort = rt.abort();
        let c = self.client.clone();
        // Checked when queued: the callbacks are read from the params again as the task starts.
        let on_progress = params::callback(&params, "onProgress").ok().flatten();
        let on_hash = params::callback(&params, "onHashProgress").ok().flatten();
        let reporter = Reporter::new(c.host.clone(), on_progress, c.opts().progress_interval);
        if let Some((loaded, size)) = self.with_queue(|q| q.get(&id).map(|r| (r.loaded, r.size))) {
            if loaded > 0 {
                reporter.seed(loaded, size);
            }
        }
        let me = Rc::downgrade(&self);
        let task_id = id.clone();
        let rt2 = rt.clone();
        let on_loaded: Rc<dyn Fn(u64, u64)> = Rc::new(move |loaded, total| {
            if let Some(me) = me.upgrade() {
                me.task_progress(&rt2, &task_id, loaded, total);
            }
        });
        let me = Rc::downgrade(&self);
        let task_id = id.clone();
        let on_hash_loaded: Rc<dyn Fn(u64, u64)> = Rc::new(move |done, total| {
            if let Some(me) = me.upgrade() {
                me.with_queue(|q| q.set_hash_progress(&task_id, done, total));
                me.list_changed(100);
            }
        });
        let result = match rt.kind {
            TaskKind::Put => {
                let r = {
                    let on_loaded = on_loaded.clone();
                    let size = rt.source.size();
                    on_loaded(0, size);
                    ops::put_object(&c, &params, &rt.source, Some(reporter), on_hash, Some(&abort)).await
                };
                if r.is_ok() {
                    on_loaded(rt.source.size(), rt.source.size());
                }
                r
            }
            TaskKind::Slice => {
                let ctx = UploadCtx {
                    abort: abort.clone(),
                    reporter,
                    on_hash,
                    state: rt.state.clone().unwrap_or_default(),
                    on_loaded: Some(on_loaded),
                    on_hash_loaded: Some(on_hash_loaded),
                };
                upload::slice_upload(&c, &params, &rt.source, &ctx).await
            }
        };
        // A paused or canceled run has been superseded: its outcome is not the task's.
        if !self.runtime(&id).and_then(|r| r.abort.get().cloned()).is_some_and(|a| Rc::ptr_eq(&abort, &a)) {
            return;
        }
        let outcome = match result {
            Err(e) if matches!(e.kind, ErrorKind::Paused | ErrorKind::Canceled) => None,
            Ok(data) => {
                let _ = self.with_queue(|q| q.apply(&id, TaskEvent::Succeed));
                Some(Ok(data))
            }
            Err(e) => {
                *rt.last_error.borrow_mut() = Some(e.clone());
                let _ = self.with_queue(|q| {
                    let r = q.apply(&id, TaskEvent::Fail);
                    if let Some(rec) = q.get_mut(&id) {
                        rec.error = Some(e.message.clone());
                    }
                    r
                });
                Some(Err(e))
            }
        };
        // Listeners see the final state before the caller's callback or Promise settles; other
        // changes are batched per macrotask (a long queue would otherwise rebuild the list per event).
        self.schedule(false);
        self.publish_list();
        if let Some(r) = outcome {
            let succeeded = r.is_ok();
            if let Some(f) = &rt.on_settled {
                f(rt.slot, &r, &id, &params);
            }
            let settled_before = rt.done.as_ref().is_some_and(|d| d.is_settled());
            if let (Some(done), false) = (&rt.done, settled_before) {
                done.send(r);
            } else if settled_before {
                // A restarted failed task: its caller settled already. The JS layer calls a
                // callback given to the original call again, as the official SDK does.
                if let Some(emit) = self.emit {
                    let err = match &r {
                        Err(e) => Arg::Err(e.clone()),
                        Ok(_) => Arg::Val(Value::Null),
                    };
                    let data = r.unwrap_or(Value::Null);
                    self.client.host.invoke(emit, vec![Arg::Val(Value::str("inner-task-settled")), Arg::Val(Value::Obj(vec![("id".into(), Value::str(id.clone())), ("data".into(), data)])), err]);
                }
            }
            // Success is final: once its callbacks have run, its params, body and callbacks go
            // (the record stays listed).
            if succeeded {
                self.retire(&id);
            }
        }
    }

    fn task_progress(self: &Rc<Self>, rt: &Runtime, id: &str, loaded: u64, total: u64) {
        if let Some(f) = &rt.observer {
            f(rt.slot, loaded, total);
        }
        let now = self.client.host.now_ms();
        let (t0, l0, speed) = rt.speed.get();
        let speed = if t0 == 0.0 {
            rt.speed.set((now, loaded, 0.0));
            0.0
        } else if now - t0 >= 500.0 {
            let s = float::round((loaded.saturating_sub(l0)) as f64 / ((now - t0) / 1000.0) * 100.0) / 100.0;
            rt.speed.set((now, loaded, s));
            s
        } else {
            speed
        };
        let first_bytes = self.with_queue(|q| {
            q.set_progress(id, loaded, total);
            if let Some(r) = q.get_mut(id) {
                r.speed = speed;
            }
            q.get(id).map(|r| r.state) == Some(TaskState::Checking) && loaded > 0
        });
        if first_bytes {
            let _ = self.with_queue(|q| q.apply(id, TaskEvent::BytesFlowing));
            self.list_changed(0);
        } else {
            self.list_changed(100);
        }
    }

    /// Emits `list-update` now: a finished task is published at once, so a listener never sees
    /// its final state after the task's callback.
    pub(crate) fn publish_list(self: &Rc<Self>) {
        if !self.tasks.listening.get() {
            return;
        }
        let mut data = Value::obj();
        data.set("list", self.task_list());
        self.emit_event("list-update", data.clone());
        self.emit_event("task-list-update", data);
    }

    /// Emits `list-update` once per burst of progress changes.
    pub(crate) fn list_changed(self: &Rc<Self>, delay_ms: u32) {
        if !self.tasks.listening.get() || self.tasks.emit_scheduled.replace(true) {
            return;
        }
        let me = self.clone();
        let host = self.client.host.clone();
        self.client.host.spawn(Box::pin(async move {
            host.sleep(delay_ms).await;
            me.tasks.emit_scheduled.set(false);
            me.publish_list();
        }));
    }

    pub(crate) fn task_list(&self) -> Value {
        let runtimes = self.tasks.runtimes.borrow();
        self.with_queue(|q| {
            Value::Arr(
                q.list()
                    .map(|r| {
                        let mut v = record_value(&q.id_of(r.index), r);
                        // `error` as the official task list has it: the error object, not just its message.
                        let failure = r.error.as_ref().and_then(|_| {
                            runtimes.binary_search_by_key(&r.index, |x| x.index).ok().map(|i| &runtimes[i])
                        });
                        if let Some(e) = failure.and_then(|x| x.last_error.borrow().as_ref().map(CosError::to_value)) {
                            v.set("error", e);
                        }
                        v
                    })
                    .collect(),
            )
        })
    }

    /// Whether the task's upload is being committed (Complete in flight): too late to pause or cancel.
    fn is_committing(&self, id: &str) -> bool {
        self.runtime(id).is_some_and(|rt| rt.abort.get().is_some_and(|a| a.is_committing()))
    }

    pub(crate) fn pause_task(self: &Rc<Self>, id: &str) -> bool {
        if self.is_committing(id) {
            return false;
        }
        let ok = self.with_queue(|q| q.apply(id, TaskEvent::Pause)).is_ok();
        if ok {
            if let Some(rt) = self.runtime(id) {
                rt.abort().stop(&*self.client.host, ErrorKind::Paused);
            }
            self.schedule(true);
        }
        ok
    }

    pub(crate) fn restart_task(self: &Rc<Self>, id: &str) -> bool {
        let ok = self.with_queue(|q| q.apply(id, TaskEvent::Restart)).is_ok();
        if ok {
            // A fresh scope: the paused run may still be unwinding and must not resume with it.
            let at = self.runtime_position(id);
            let mut rts = self.tasks.runtimes.borrow_mut();
            if let Some(slot) = at.map(|i| &mut rts[i]) {
                let old = slot.clone();
                let fresh = Rc::new(Runtime {
                    index: old.index,
                    kind: old.kind,
                    params: old.params.clone(),
                    source: old.source.clone(),
                    abort: OnceCell::new(),
                    state: old.state.clone(),
                    // Settled already after a failure: the rerun's outcome then goes to the
                    // JS layer (`inner-task-settled`), since a Promise settles once.
                    done: old.done.clone(),
                    speed: Cell::new((0.0, 0, 0.0)),
                    slot: old.slot,
                    observer: old.observer.clone(),
                    on_settled: old.on_settled.clone(),
                    // Its params' shares of host handles pass on with them (the old runtime is
                    // replaced, not retired).
                    last_error: RefCell::new(None),
                });
                *slot = fresh;
            }
            drop(rts);
            self.schedule(true);
        }
        ok
    }

    /// Stops a task, settles its caller with a canceled error and aborts its multipart upload
    /// (unless `KeepUploadOnCancel`), so nothing is left billed.
    pub(crate) fn cancel_task(self: &Rc<Self>, id: &str) -> bool {
        if self.is_committing(id) {
            return false;
        }
        let ok = self.with_queue(|q| q.apply(id, TaskEvent::Cancel)).is_ok();
        if !ok {
            return false;
        }
        if let Some(rt) = self.runtime(id) {
            rt.abort().stop(&*self.client.host, ErrorKind::Canceled);
            let params = rt.params.value();
            if let Some(f) = &rt.on_settled {
                f(rt.slot, &Err(CosError::canceled()), id, &params);
            }
            if let Some(done) = &rt.done {
                done.send(Err(CosError::canceled()));
            }
            let upload_id = rt.state.as_ref().and_then(|s| s.borrow().as_ref().map(|s| s.upload_id.clone()));
            // `cancelTask` leaves the multipart upload on the server when the caller asked for it.
            let keep = params::opt_bool(&params, "KeepUploadOnCancel").unwrap_or(false);
            if let (Some(upload_id), false) = (upload_id, keep) {
                let c = self.client.clone();
                let source = rt.source.clone();
                self.client.host.spawn(Box::pin(async move {
                    if let Ok(t) = params::target(&params, true) {
                        let _ = abort_upload(&c, &t, &upload_id, &source, &params).await;
                    }
                }));
            }
            // Canceled is final too.
            self.retire(id);
        }
        self.schedule(true);
        true
    }

    /// The one place a task ends for good (succeeded, canceled, or trimmed from the queue): its
    /// body source is closed and its shares of host handles (params, body, callbacks) released,
    /// as the official SDK deletes such a task's params, Body and callback.
    fn retire(&self, id: &str) {
        let Some(i) = self.runtime_position(id) else { return };
        let rt = self.tasks.runtimes.borrow_mut().remove(i);
        if let Some(rt) = rt {
            self.let_go(&rt, id);
        }
    }

    /// Closes a retired runtime's body source and releases its shares of host handles.
    fn let_go(&self, rt: &Runtime, id: &str) {
        let host = &*self.client.host;
        rt.source.close(host);
        for h in rt.handles() {
            host.release(h);
        }
        // A task whose failure settled its caller (canceled or trimmed since) can no longer be
        // restarted: the JS layer forgets the callback it kept for that.
        if let (Some(emit), true) = (self.emit, rt.last_error.borrow().is_some()) {
            let data = Value::Obj(vec![("id".into(), Value::str(id))]);
            host.invoke(emit, vec![Arg::Val(Value::str("inner-task-retired")), Arg::Val(data)]);
        }
    }
}

async fn abort_upload<H: Host>(
    c: &crate::client::Client<H>,
    t: &Target,
    upload_id: &str,
    source: &Source,
    params: &Value,
) -> Result<()> {
    ops::multipart_abort(c, t, upload_id).await?;
    upload::forget_aborted(c, t, params, source, upload_id)
}

pub(crate) fn record_value(id: &str, r: &TaskRecord) -> Value {
    let mut v = Value::obj();
    v.set("id", id.into());
    v.set("Bucket", (*r.bucket).into());
    v.set("Region", (*r.region).into());
    v.set("Key", r.key.as_str().into());
    v.set("FilePath", r.file_path.clone().map(Value::Str).unwrap_or(Value::Null));
    v.set("state", r.state.as_str().into());
    v.set("loaded", Value::Num(r.loaded as f64));
    v.set("size", Value::Num(r.size as f64));
    v.set("speed", Value::Num(r.speed));
    v.set("percent", Value::Num(r.percent));
    v.set("hashPercent", Value::Num(r.hash_percent));
    v.set("error", r.error.clone().map(Value::Str).unwrap_or(Value::Null));
    v
}
