//! The module's async plumbing: a tiny executor whose polls run from the JS microtask queue, and
//! the waits on host operations, whose outcomes come back through [`cosw_settle`] by number.
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

use cos_wasm::host::ProgressFn;
use cos_wasm::one_thread::OneThread;

use crate::js_host::{host_queue_tasks, take};

struct Task {
    /// Taken out while it is polled, back when it is pending, gone when done.
    future: RefCell<Option<LocalBoxFuture<'static, ()>>>,
    /// A poll is already scheduled: further wakes before it runs add nothing.
    scheduled: Cell<bool>,
}

impl Task {
    fn new(future: LocalBoxFuture<'static, ()>) -> Rc<Task> {
        Rc::new(Task { future: RefCell::new(Some(future)), scheduled: Cell::new(false) })
    }

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
                    // SAFETY: an import without arguments.
                    unsafe { host_queue_tasks() };
                }
                ready.push(self);
            });
        }
    }
}

/// The tasks woken since the last microtask, polled in wake order by the next one.
static READY: OneThread<RefCell<Vec<Rc<Task>>>> = OneThread(RefCell::new(Vec::new()));

/// The microtask: polls the tasks woken since the last one. Tasks woken while these run wait for
/// the next microtask.
#[no_mangle]
pub extern "C" fn cosw_run_tasks() {
    let ready = READY.with(|r| core::mem::take(&mut *r.borrow_mut()));
    for task in ready {
        task.scheduled.set(false);
        task.poll();
    }
}

/// Runs `future` from the next microtask on.
pub(crate) fn spawn(future: LocalBoxFuture<'static, ()>) {
    Task::new(future).schedule();
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

/// Runs `future` (a method call, which ends by handing its outcome to JS); its first poll is done now.
pub(crate) fn run_now(future: impl Future<Output = ()> + 'static) {
    Task::new(Box::pin(future)).poll();
}

/// A wait on a host operation: its outcome arrives through [`cosw_settle`].
enum Slot {
    Waiting(Option<Waker>),
    Settled(bool, Vec<u8>),
    /// Its waiter is gone; the slot is free once the operation settles.
    Abandoned,
    Free,
}

static SLOTS: OneThread<RefCell<Vec<Slot>>> = OneThread(RefCell::new(Vec::new()));

/// A slot for the next host operation: give its number to the import that starts it, then wait
/// with [`HostOp::new`] (or [`forget`] it when the import answered at once).
pub(crate) fn slot() -> u32 {
    SLOTS.with(|s| {
        let mut slots = s.borrow_mut();
        let i = slots.iter().position(|x| matches!(x, Slot::Free)).unwrap_or(slots.len());
        if i == slots.len() {
            slots.push(Slot::Free);
        }
        slots[i] = Slot::Waiting(None);
        i as u32
    })
}

/// Frees a slot whose operation will never settle (it answered at once).
pub(crate) fn forget(op: u32) {
    SLOTS.with(|s| s.borrow_mut()[op as usize] = Slot::Free);
}

/// The outcome of a host operation, as a future: whether it succeeded, and its bytes. `done` once
/// it gave the outcome: its slot may then serve another wait, which its drop must leave alone.
pub(crate) struct HostOp {
    op: u32,
    done: bool,
}

impl HostOp {
    pub(crate) fn new(op: u32) -> HostOp {
        HostOp { op, done: false }
    }
}

impl Future for HostOp {
    type Output = (bool, Vec<u8>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        SLOTS.with(|s| {
            let mut slots = s.borrow_mut();
            let slot = &mut slots[me.op as usize];
            match core::mem::replace(slot, Slot::Free) {
                Slot::Settled(ok, bytes) => {
                    me.done = true;
                    Poll::Ready((ok, bytes))
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
            // Still waiting: freed when it settles; settled but never polled: free now.
            match slot {
                Slot::Waiting(_) => *slot = Slot::Abandoned,
                Slot::Settled(..) => *slot = Slot::Free,
                Slot::Abandoned | Slot::Free => {}
            }
        });
    }
}

/// A host operation settled: `len` bytes at `ptr` (from [`crate::cosw_alloc`]; this takes them).
///
/// # Safety
/// `ptr` / `len` come from `cosw_alloc(len)` and are not used by JS afterwards.
#[no_mangle]
pub unsafe extern "C" fn cosw_settle(op: u32, ok: u32, ptr: *mut u8, len: usize) {
    let bytes = take(ptr, len);
    let waker = SLOTS.with(|s| {
        let mut slots = s.borrow_mut();
        let slot = slots.get_mut(op as usize)?;
        match core::mem::replace(slot, Slot::Free) {
            Slot::Waiting(w) => {
                *slot = Slot::Settled(ok != 0, bytes);
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

/// Puts `item` in the first free slot of `all` (a new one at the end when none is): its number.
pub(crate) fn put<T>(all: &mut Vec<Option<T>>, item: T) -> u32 {
    let i = all.iter().position(Option::is_none).unwrap_or(all.len());
    if i == all.len() {
        all.push(None);
    }
    all[i] = Some(item);
    i as u32
}

/// Upload-progress callbacks of requests on their way, by number.
static PROGRESS: OneThread<RefCell<Vec<Option<ProgressFn>>>> = OneThread(RefCell::new(Vec::new()));

/// A request's progress callback, registered while it is on its way (unregistered when dropped).
pub(crate) struct ProgressHook(pub(crate) u32);

impl ProgressHook {
    pub(crate) fn new(f: ProgressFn) -> ProgressHook {
        PROGRESS.with(|p| ProgressHook(put(&mut p.borrow_mut(), f)))
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
#[no_mangle]
pub extern "C" fn cosw_progress(id: u32, sent: f64) {
    let f = PROGRESS.with(|p| p.borrow().get(id as usize).cloned().flatten());
    if let Some(f) = f {
        f(sent.max(0.0) as u64);
    }
}
