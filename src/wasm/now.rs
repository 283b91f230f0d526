//! A method call's future as a JS Promise, polled once before the method returns: what the call
//! does before its first wait (validation, opening an in-memory body, queueing its task) is done
//! when `cos.putObject(...)` returns, so `getTaskList()` / `isUploadRunning()` already show the
//! task, as with the official SDKs. Later polls run from the microtask queue.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, LazyCell, RefCell};
use core::future::Future;
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

use futures_util::future::LocalBoxFuture;
use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsError, JsValue};

use cos_wasm::one_thread::OneThread;

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
            MICROTASK.with(|m| {
                let mut ready = m.ready.borrow_mut();
                if ready.is_empty() {
                    let _ = m.resolved.then_map(&m.run);
                }
                ready.push(self);
            });
        }
    }
}

/// The tasks woken since the last microtask, polled in wake order by the next one. Ours rather
/// than `spawn_local`'s queue: that wraps each poll in a task of its own and looks up the global
/// object for `queueMicrotask` (~2 KB of wasm and JS glue); a resolved Promise's `then` serves.
struct Microtask {
    ready: RefCell<Vec<Rc<Task>>>,
    resolved: Promise,
    run: Closure<dyn FnMut(JsValue) -> Result<(), JsError>>,
}

static MICROTASK: OneThread<LazyCell<Microtask>> = OneThread(LazyCell::new(|| Microtask {
    ready: RefCell::new(Vec::new()),
    resolved: Promise::resolve(&JsValue::UNDEFINED),
    run: Closure::new(|_| {
        // Tasks woken while these run wait for the next microtask, as with spawn_local.
        let ready = MICROTASK.with(|m| core::mem::take(&mut *m.ready.borrow_mut()));
        for task in ready {
            task.scheduled.set(false);
            task.poll();
        }
        Ok(())
    }),
}));

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

/// `future` as a Promise (resolved with its `Ok`, rejected with its `Err`), its first poll done now.
pub(crate) fn promise_now(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let mut future = Some(future);
    Promise::new(&mut |resolve: Function, reject: Function| {
        let Some(future) = future.take() else { return };
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
    })
}
