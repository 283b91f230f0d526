//! The registry of running calls and what stops them. Every call of the official surface holds an
//! [`AbortScope`] here, under its call id, from before it starts until it settles: its requests
//! carry the scope, so `cancelCall(callId)` (a `signal` that aborts) stops what is in flight. A part
//! of a call that runs outside the task queue under a TaskId (`downloadFile`, an upload of a stream
//! Body) has its own scope in the same registry, so that `cancelTask(TaskId)` reaches it too.
//! Queue tasks keep theirs in the queue (they can also be paused and restarted).

use crate::prelude::*;
use core::cell::{Cell, RefCell};
use alloc::rc::Rc;

use crate::client::AbortScope;
use crate::error::ErrorKind;
use crate::host::Host;

struct Entry {
    call: u32,
    task: Option<String>,
    scope: Rc<AbortScope>,
}

pub struct Calls {
    entries: RefCell<Vec<Entry>>,
    next_call: Cell<u32>,
    #[cfg_attr(not(any(feature = "streams", feature = "node-io")), allow(dead_code))]
    next_task: Cell<u32>,
}

impl Default for Calls {
    fn default() -> Self {
        Calls { entries: RefCell::default(), next_call: Cell::new(1), next_task: Cell::new(1) }
    }
}

impl Calls {
    /// A call id no running call has (the JS layer asks for one before it starts a call it may cancel).
    pub fn new_call_id(&self) -> u32 {
        let id = self.next_call.get();
        self.next_call.set(id.wrapping_add(1).max(1));
        id
    }

    /// Registers call `call` (an id from [`Calls::new_call_id`]) and returns the scope its requests carry.
    pub(crate) fn open(&self, call: u32) -> Rc<AbortScope> {
        let scope = AbortScope::new();
        self.entries.borrow_mut().push(Entry { call, task: None, scope: scope.clone() });
        scope
    }

    /// The call settled: its entries go (those of its TaskId parts too).
    pub(crate) fn close(&self, call: u32) {
        self.entries.borrow_mut().retain(|e| e.call != call);
    }

    #[cfg(any(feature = "streams", feature = "node-io"))]
    /// A TaskId for a part of a call that runs outside the queue: the caller's, else `<prefix>-<n>`.
    pub(crate) fn task_id(&self, requested: Option<String>, prefix: &str) -> String {
        match requested {
            Some(id) if !id.is_empty() => id,
            _ => {
                let n = self.next_task.get();
                self.next_task.set(n + 1);
                crate::params::concat_msg(&[prefix, "-", &n.to_string()])
            }
        }
    }

    #[cfg(any(feature = "streams", feature = "node-io"))]
    /// Registers a part of call `call` running under `task` with a scope of its own, stopped
    /// already when the call's is (its signal aborted before the part began).
    pub(crate) fn open_task<H: Host>(&self, host: &H, call: u32, task: String) -> Rc<AbortScope> {
        let scope = AbortScope::new();
        let mut entries = self.entries.borrow_mut();
        if let Some(why) = entries.iter().filter(|e| e.call == call && e.task.is_none()).find_map(|e| e.scope.stopped()) {
            scope.stop(host, why);
        }
        entries.push(Entry { call, task: Some(task), scope: scope.clone() });
        scope
    }

    #[cfg(any(feature = "streams", feature = "node-io"))]
    /// The part registered with [`Calls::open_task`] ended.
    pub(crate) fn close_task(&self, scope: &Rc<AbortScope>) {
        self.entries.borrow_mut().retain(|e| !(e.task.is_some() && Rc::ptr_eq(&e.scope, scope)));
    }

    /// Stops call `call` and its TaskId parts: in-flight requests are aborted and the next fails
    /// with `TaskCanceled`. False when no such call runs, or when it is committing (the object may
    /// be stored any moment, so it runs on).
    pub(crate) fn cancel_call<H: Host>(&self, host: &H, call: u32) -> bool {
        self.stop_where(host, |e| e.call == call)
    }

    /// Stops the parts running under TaskId `task`, as [`Calls::cancel_call`] does.
    pub(crate) fn cancel_task<H: Host>(&self, host: &H, task: &str) -> bool {
        self.stop_where(host, |e| e.task.as_deref() == Some(task))
    }

    fn stop_where<H: Host>(&self, host: &H, which: impl Fn(&Entry) -> bool) -> bool {
        let found: Vec<Rc<AbortScope>> = self.entries.borrow().iter().filter(|e| which(e)).map(|e| e.scope.clone()).collect();
        if found.is_empty() || found.iter().any(|s| s.is_committing()) {
            return false;
        }
        // Stopping aborts requests, which the host may report synchronously: the borrow is over.
        for s in &found {
            s.stop(host, ErrorKind::Canceled);
        }
        true
    }

    /// How many entries are registered (calls and their TaskId parts).
    pub(crate) fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
