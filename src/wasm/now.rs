//! The module's async plumbing without a closure into wasm: JS hands the glue's own exports
//! (`settle`, `runTasks`, `progress`) to [`connect`] once, and every wait on a host Promise, every
//! microtask and every upload-progress callback is one of them bound to a number. (wasm-bindgen's
//! closures and `JsFuture` cost a shim per closure signature, a destructor registry and ~0.9 KB of
//! minified JS glue.)
//!
//! A method call's future is polled once before the method returns: what the call does before its
//! first wait (validation, opening an in-memory body, queueing its task) is done when
//! `cos.putObject(...)` returns, so `getTaskList()` / `isUploadRunning()` already show the task, as
//! with the official SDKs. Later polls run from the microtask queue.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use futures_util::future::LocalBoxFuture;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use cos_wasm::host::ProgressFn;
use cos_wasm::one_thread::OneThread;

// Promise's `then` and Function's `bind` with plain functions and numbers (js-sys types them for
// closures); both are called on values of those types.
#[wasm_bindgen]
extern "C" {
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(this: &Thenable, ok: &Function, failed: &Function);
    #[wasm_bindgen(method, js_name = then)]
    fn then_run(this: &Thenable, run: &Function);
    type Bindable;
    #[wasm_bindgen(method, js_name = bind)]
    fn bind_op(this: &Bindable, context: &JsValue, op: u32) -> Function;
    #[wasm_bindgen(method, js_name = bind)]
    fn bind_outcome(this: &Bindable, context: &JsValue, op: u32, ok: bool) -> Function;
}

/// The glue's exports as JS functions, and the resolved Promise microtasks hang on.
struct Glue {
    settle: Function,
    run_tasks: Function,
    progress: Function,
    resolved: Promise,
}

static GLUE: OneThread<RefCell<Option<Glue>>> = OneThread(RefCell::new(None));

fn with_glue<R>(f: impl FnOnce(&Glue) -> R) -> R {
    GLUE.with(|g| match &*g.borrow() {
        Some(glue) => f(glue),
        // The JS entries connect right after instantiating: a module that was not is unusable.
        None => wasm_bindgen::throw_str("cos-wasm: the module was not connected"),
    })
}

/// Called by the JS entry once the module is instantiated, with the glue's `settle`, `runTasks`
/// and `progress` (the JS functions that call the exports below).
#[wasm_bindgen]
pub fn connect(settle: Function, run_tasks: Function, progress: Function) {
    let resolved = Promise::resolve(&JsValue::UNDEFINED);
    GLUE.with(|g| *g.borrow_mut() = Some(Glue { settle, run_tasks, progress, resolved }));
}

struct Task {
    /// Taken out while it is polled, back when it is pending, gone when done.
    future: RefCell<Option<LocalBoxFuture<'static, ()>>>,
    /// A poll is already scheduled: further wakes before it runs add nothing.
    scheduled: Cell<bool>,
}

impl Task {
    fn poll(self: &Rc<Self>) {
        let Some(mut future) = self.future.borrow_mut().take() else { return };
        let waker = waker(self.clone());
        let mut cx = Context::from_waker(&waker);
        if future.as_mut().poll(&mut cx).is_pending() {
            *self.future.borrow_mut() = Some(future);
        }
    }

    /// Polls again from the microtask queue (never from inside a wake, which may come from a poll).
    fn schedule(self: Rc<Self>) {
        if !self.scheduled.replace(true) {
            READY.with(|ready| {
                let mut ready = ready.borrow_mut();
                if ready.is_empty() {
                    with_glue(|g| g.resolved.unchecked_ref::<Thenable>().then_run(&g.run_tasks));
                }
                ready.push(self);
            });
        }
    }
}

/// The tasks woken since the last microtask, polled in wake order by the next one. Ours rather
/// than `spawn_local`'s queue: that wraps each poll in a task of its own and looks up the global
/// object for `queueMicrotask`; a resolved Promise's `then` serves.
static READY: OneThread<RefCell<Vec<Rc<Task>>>> = OneThread(RefCell::new(Vec::new()));

/// The microtask: polls the tasks woken since the last one. Tasks woken while these run wait for
/// the next microtask, as with `spawn_local`.
#[wasm_bindgen(js_name = runTasks)]
pub fn run_tasks() {
    let ready = READY.with(|r| core::mem::take(&mut *r.borrow_mut()));
    for task in ready {
        task.scheduled.set(false);
        task.poll();
    }
}

/// Runs `future` from the next microtask on, as `spawn_local` would.
pub(crate) fn spawn(future: LocalBoxFuture<'static, ()>) {
    Rc::new(Task { future: RefCell::new(Some(future)), scheduled: Cell::new(false) }).schedule();
}

// The waker holds one strong count of the task's Rc. wasm runs this on one thread, so the Rc is
// never touched from two threads although Waker is Send.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

fn waker(task: Rc<Task>) -> Waker {
    // SAFETY: the pointer is an `Rc<Task>` turned raw; the vtable keeps its count balanced.
    unsafe { Waker::from_raw(RawWaker::new(Rc::into_raw(task) as *const (), &VTABLE)) }
}

unsafe fn clone_raw(p: *const ()) -> RawWaker {
    Rc::increment_strong_count(p as *const Task);
    RawWaker::new(p, &VTABLE)
}

unsafe fn wake_raw(p: *const ()) {
    Rc::from_raw(p as *const Task).schedule();
}

unsafe fn wake_by_ref_raw(p: *const ()) {
    Rc::increment_strong_count(p as *const Task);
    Rc::from_raw(p as *const Task).schedule();
}

unsafe fn drop_raw(p: *const ()) {
    Rc::decrement_strong_count(p as *const Task);
}

/// Runs `future` and settles `resolve` / `reject` with its outcome; its first poll is done now.
pub(crate) fn run_now(future: impl Future<Output = Result<JsValue, JsValue>> + 'static, resolve: Function, reject: Function) {
    let task = Rc::new(Task {
        future: RefCell::new(Some(Box::pin(async move {
            // A settle function of a Promise never throws.
            let _ = match future.await {
                Ok(v) => resolve.call1(&JsValue::UNDEFINED, &v),
                Err(e) => reject.call1(&JsValue::UNDEFINED, &e),
            };
        }))),
        scheduled: Cell::new(false),
    });
    task.poll();
}

/// A wait on a host Promise: its outcome arrives through [`settle`].
enum Slot {
    Waiting(Option<Waker>),
    Settled(Result<JsValue, JsValue>),
    /// Its waiter is gone; the slot is free once the Promise settles.
    Abandoned,
    Free,
}

static SLOTS: OneThread<RefCell<Vec<Slot>>> = OneThread(RefCell::new(Vec::new()));

/// The outcome of a host Promise, as a future (what `JsFuture` was). `done` once it gave the
/// outcome: its slot may then serve another wait, which its drop must leave alone.
pub(crate) struct HostOp {
    op: u32,
    done: bool,
}

/// Waits for `promise`.
pub(crate) fn wait(promise: &Promise) -> HostOp {
    let op = SLOTS.with(|s| {
        let mut slots = s.borrow_mut();
        let free = slots.iter().position(|x| matches!(x, Slot::Free));
        let i = free.unwrap_or(slots.len());
        if i == slots.len() {
            slots.push(Slot::Free);
        }
        slots[i] = Slot::Waiting(None);
        i as u32
    });
    with_glue(|g| {
        let settle = g.settle.unchecked_ref::<Bindable>();
        let (ok, failed) = (settle.bind_outcome(&JsValue::NULL, op, true), settle.bind_outcome(&JsValue::NULL, op, false));
        promise.unchecked_ref::<Thenable>().then(&ok, &failed);
    });
    HostOp { op, done: false }
}

impl Future for HostOp {
    type Output = Result<JsValue, JsValue>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        SLOTS.with(|s| {
            let mut slots = s.borrow_mut();
            let slot = &mut slots[me.op as usize];
            match core::mem::replace(slot, Slot::Free) {
                Slot::Settled(r) => {
                    me.done = true;
                    Poll::Ready(r)
                }
                _ => {
                    *slot = Slot::Waiting(Some(cx.waker().clone()));
                    Poll::Pending
                }
            }
        })
    }
}

impl Drop for HostOp {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        SLOTS.with(|s| {
            let mut slots = s.borrow_mut();
            let slot = &mut slots[self.op as usize];
            // Still waiting: freed when its Promise settles; settled but never polled: free now.
            match slot {
                Slot::Waiting(_) => *slot = Slot::Abandoned,
                Slot::Settled(_) => *slot = Slot::Free,
                Slot::Abandoned | Slot::Free => {}
            }
        });
    }
}

/// A host Promise `wait` hangs on settled.
#[wasm_bindgen]
pub fn settle(op: u32, ok: bool, value: JsValue) {
    let waker = SLOTS.with(|s| {
        let mut slots = s.borrow_mut();
        let slot = slots.get_mut(op as usize)?;
        match core::mem::replace(slot, Slot::Free) {
            Slot::Waiting(w) => {
                *slot = Slot::Settled(if ok { Ok(value) } else { Err(value) });
                w
            }
            // Abandoned: nobody waits any more, the slot is free now.
            _ => None,
        }
    });
    if let Some(w) = waker {
        w.wake();
    }
}

/// Upload-progress callbacks of requests on their way, by number.
static PROGRESS: OneThread<RefCell<Vec<Option<ProgressFn>>>> = OneThread(RefCell::new(Vec::new()));

/// A request's progress callback, registered while it is on its way (unregistered when dropped).
pub(crate) struct ProgressHook(u32);

impl ProgressHook {
    /// Registers `f`; the JS function to hand the host.
    pub(crate) fn new(f: ProgressFn) -> (ProgressHook, Function) {
        let id = PROGRESS.with(|p| {
            let mut all = p.borrow_mut();
            let i = all.iter().position(Option::is_none).unwrap_or(all.len());
            if i == all.len() {
                all.push(None);
            }
            all[i] = Some(f);
            i as u32
        });
        (ProgressHook(id), with_glue(|g| g.progress.unchecked_ref::<Bindable>().bind_op(&JsValue::NULL, id)))
    }
}

impl Drop for ProgressHook {
    fn drop(&mut self) {
        PROGRESS.with(|p| {
            if let Some(slot) = p.borrow_mut().get_mut(self.0 as usize) {
                *slot = None;
            }
        });
    }
}

/// Bytes of a request's body sent so far (a late call after the request ended does nothing).
#[wasm_bindgen]
pub fn progress(id: u32, sent: f64) {
    let f = PROGRESS.with(|p| p.borrow().get(id as usize).cloned().flatten());
    if let Some(f) = f {
        f(sent.max(0.0) as u64);
    }
}
