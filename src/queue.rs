//! The upload task queue: task states, their legal transitions, and the scheduling and trimming
//! policy (docs/official-sdk-behaviour.md#task-queue), without any I/O. The engine owns one [`Queue`], starts what
//! [`Queue::next_to_start`] names, and reports what happens through [`Queue::apply`].
//!
//! Differences from the official SDK, all deliberate:
//! - illegal transitions are errors instead of silent no-ops or corruption (pausing a finished task,
//!   restarting a canceled one);
//! - trimming keeps paused tasks (they can still be resumed);
//! - `loaded` never moves backwards (the official one's can, after a retried part), even across a restart;
//! - restart order comes from the creation order itself, so it stays right after trimming.

use crate::prelude::*;
use core::fmt;
use alloc::collections::VecDeque;
use alloc::rc::Rc;

use crate::progress::percent;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Queued, not started.
    Waiting,
    /// Started: size known, looking for a resumable upload, hashing, initiating.
    Checking,
    /// Bytes are being sent.
    Uploading,
    /// Stopped by the user; can be restarted.
    Paused,
    /// Stopped by the user for good.
    Canceled,
    /// Failed; can be restarted.
    Error,
    Success,
}

impl TaskState {
    #[cfg(test)]
    pub(crate) const ALL: [TaskState; 7] = [
        TaskState::Waiting,
        TaskState::Checking,
        TaskState::Uploading,
        TaskState::Paused,
        TaskState::Canceled,
        TaskState::Error,
        TaskState::Success,
    ];

    /// The official state string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TaskState::Waiting => "waiting",
            TaskState::Checking => "checking",
            TaskState::Uploading => "uploading",
            TaskState::Paused => "paused",
            TaskState::Canceled => "canceled",
            TaskState::Error => "error",
            TaskState::Success => "success",
        }
    }

    /// Counts against `FileParallelLimit`.
    pub(crate) fn is_running(self) -> bool {
        matches!(self, TaskState::Checking | TaskState::Uploading)
    }

    /// The task's call has settled (or, for `Canceled`, never will); only `Error` can still be
    /// restarted or canceled. These are the states [`Queue::trim`] may drop.
    pub(crate) fn is_finished(self) -> bool {
        matches!(self, TaskState::Success | TaskState::Error | TaskState::Canceled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskEvent {
    /// The scheduler started the task.
    Start,
    /// Bytes are about to be / being sent.
    BytesFlowing,
    Pause,
    Restart,
    Cancel,
    Fail,
    Succeed,
}

impl TaskEvent {
    #[cfg(test)]
    pub(crate) const ALL: [TaskEvent; 7] = [
        TaskEvent::Start,
        TaskEvent::BytesFlowing,
        TaskEvent::Pause,
        TaskEvent::Restart,
        TaskEvent::Cancel,
        TaskEvent::Fail,
        TaskEvent::Succeed,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TaskEvent::Start => "start",
            TaskEvent::BytesFlowing => "bytes-flowing",
            TaskEvent::Pause => "pause",
            TaskEvent::Restart => "restart",
            TaskEvent::Cancel => "cancel",
            TaskEvent::Fail => "fail",
            TaskEvent::Succeed => "succeed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IllegalTransition {
    pub from: TaskState,
    pub event: TaskEvent,
}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} a task that is {}", self.event.as_str(), self.from.as_str())
    }
}

impl core::error::Error for IllegalTransition {}

/// The state machine. Legal moves:
///
/// | from | event | to |
/// |---|---|---|
/// | Waiting | Start | Checking |
/// | Checking, Uploading | BytesFlowing | Uploading |
/// | Checking, Uploading | Succeed | Success |
/// | Checking, Uploading | Fail | Error |
/// | Waiting, Checking, Uploading | Pause | Paused |
/// | Paused, Error | Restart | Waiting |
/// | anything but Canceled, Success | Cancel | Canceled |
///
/// Everything else is an [`IllegalTransition`].
pub(crate) fn transition(from: TaskState, event: TaskEvent) -> Result<TaskState, IllegalTransition> {
    use TaskEvent as E;
    use TaskState as S;
    let to = match (from, event) {
        (S::Waiting, E::Start) => S::Checking,
        (S::Checking | S::Uploading, E::BytesFlowing) => S::Uploading,
        (S::Checking | S::Uploading, E::Succeed) => S::Success,
        (S::Checking | S::Uploading, E::Fail) => S::Error,
        (S::Waiting | S::Checking | S::Uploading, E::Pause) => S::Paused,
        (S::Paused | S::Error, E::Restart) => S::Waiting,
        (S::Waiting | S::Checking | S::Uploading | S::Paused | S::Error, E::Cancel) => S::Canceled,
        _ => return Err(IllegalTransition { from, event }),
    };
    Ok(to)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum QueueError {
    UnknownTask,
    Illegal(IllegalTransition),
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::UnknownTask => f.write_str("no such task"),
            QueueError::Illegal(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for QueueError {}

/// One entry of the task list (`getTaskList()`).
///
/// Invariants, kept by [`Queue`]: `index` is assigned by [`Queue::add`] and unique (the task's id
/// is made from it, [`Queue::id_of`]: a long batch does not store 100,000 id strings);
/// `state` changes only through [`Queue::apply`]; `loaded` never decreases and `percent` is derived
/// from it, both through [`Queue::set_progress`]. Callers may write the other fields (`speed`,
/// `error`, …) through [`Queue::get_mut`], but must not write these four.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    /// Shared with the task queued before it when equal (a batch's tasks all have the same).
    pub bucket: Rc<str>,
    pub region: Rc<str>,
    pub key: String,
    /// `FilePath`, or the name of the `Body` file.
    pub file_path: Option<String>,
    pub state: TaskState,
    /// Bytes uploaded; never decreases.
    pub loaded: u64,
    pub size: u64,
    /// Bytes/s, from the last progress event; 0 while not running.
    pub speed: f64,
    /// `floor(loaded / size · 100) / 100`, 1 when both are 0 (see [`percent`]); 0 until the first
    /// [`Queue::set_progress`].
    pub percent: f64,
    /// Progress of verifying already-uploaded parts, 0..=1.
    pub hash_percent: f64,
    /// Message of the failure that put the task in `Error`.
    pub error: Option<String>,
    /// Creation order, unique and increasing within a queue.
    pub index: u64,
}

impl TaskRecord {
    /// A task to [`Queue::add`]: `Waiting`, nothing loaded; `index` is assigned when added.
    pub(crate) fn new(bucket: &str, region: &str, key: &str, file_path: Option<String>, size: u64) -> TaskRecord {
        TaskRecord {
            bucket: bucket.into(),
            region: region.into(),
            key: key.to_string(),
            file_path,
            state: TaskState::Waiting,
            loaded: 0,
            size,
            speed: 0.0,
            percent: 0.0,
            hash_percent: 0.0,
            error: None,
            index: 0,
        }
    }
}

/// The task list, in creation order, with the scheduling policy.
#[derive(Clone, Debug)]
pub struct Queue {
    id_prefix: String,
    /// Next creation index; never reused, so ids stay unique after trimming.
    next_index: u64,
    /// A deque: trimming drops the oldest finished tasks, which sit at the front, so dropping one
    /// shifts the few before it instead of the whole (possibly 100,000 long) waiting tail.
    tasks: VecDeque<TaskRecord>,
    /// Tasks in `Checking` or `Uploading`, kept by `apply` (scheduling asks on every change).
    running: usize,
    /// Tasks in a finished state (what `trim` may drop), kept by `apply`: trimming stops once it
    /// has seen them all instead of walking the waiting tail.
    finished: usize,
    /// No task with a smaller index is `Waiting`: where the search for the next one starts, so
    /// a long queue is not rescanned from its oldest, finished tasks on every change.
    waiting_from: core::cell::Cell<u64>,
}

impl Queue {
    /// `id_prefix` makes ids unique across queues (e.g. a few random characters from the host);
    /// ids are `<prefix>-<n>` with `n` counting from 1.
    pub(crate) fn new(id_prefix: impl Into<String>) -> Queue {
        Queue { id_prefix: id_prefix.into(), next_index: 1, tasks: VecDeque::new(), running: 0, finished: 0, waiting_from: 0.into() }
    }

    /// Queues `task` (from [`TaskRecord::new`]) at the end, in state `Waiting`; assigns and returns
    /// its creation index (its id is [`Queue::id_of`] it).
    pub(crate) fn add(&mut self, mut task: TaskRecord) -> u64 {
        let index = self.next_index;
        self.next_index += 1;
        task.index = index;
        if let Some(last) = self.tasks.back() {
            if last.bucket == task.bucket {
                task.bucket = last.bucket.clone();
            }
            if last.region == task.region {
                task.region = last.region.clone();
            }
        }
        task.state = TaskState::Waiting;
        self.tasks.push_back(task);
        index
    }

    /// Room for `n` more tasks, exactly: a batch of 10,000 files then takes 10,000 records' worth,
    /// not the next power of two.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.tasks.reserve_exact(n);
    }

    /// The id of the task with creation index `index`: `<prefix>-<index>`.
    pub(crate) fn id_of(&self, index: u64) -> String {
        let mut id = String::with_capacity(self.id_prefix.len() + 8);
        id.push_str(&self.id_prefix);
        id.push('-');
        id.push_str(&index.to_string());
        id
    }

    /// Applies `event` to task `id`; returns the new state. On `Restart` the previous error is
    /// cleared; whenever the task stops running its speed drops to 0. An illegal event leaves the
    /// task untouched.
    pub(crate) fn apply(&mut self, id: &str, event: TaskEvent) -> Result<TaskState, QueueError> {
        let at = self.position(id).ok_or(QueueError::UnknownTask)?;
        let task = &mut self.tasks[at];
        let from = task.state;
        let to = transition(from, event).map_err(QueueError::Illegal)?;
        task.state = to;
        if to == TaskState::Waiting {
            self.waiting_from.set(self.waiting_from.get().min(task.index));
        }
        if event == TaskEvent::Restart {
            task.error = None;
        }
        if !to.is_running() {
            task.speed = 0.0;
        }
        match (from.is_running(), to.is_running()) {
            (false, true) => self.running += 1,
            (true, false) => self.running -= 1,
            _ => {}
        }
        match (from.is_finished(), to.is_finished()) {
            (false, true) => self.finished += 1,
            (true, false) => self.finished -= 1,
            _ => {}
        }
        Ok(to)
    }

    /// The oldest `Waiting` task, if fewer than `file_parallel_limit` (at least 1) tasks are running.
    /// Pure: the caller starts it with `apply(id, Start)` before it yields to the event loop, or a
    /// second call would name the same task.
    pub(crate) fn next_to_start(&self, file_parallel_limit: usize) -> Option<String> {
        if self.running_count() >= file_parallel_limit.max(1) {
            return None;
        }
        let from = self.tasks.partition_point(|t| t.index < self.waiting_from.get());
        match self.tasks.range(from..).find(|t| t.state == TaskState::Waiting) {
            Some(t) => {
                self.waiting_from.set(t.index);
                Some(self.id_of(t.index))
            }
            None => {
                self.waiting_from.set(self.next_index);
                None
            }
        }
    }

    /// Tasks in `Checking` or `Uploading`.
    pub(crate) fn running_count(&self) -> usize {
        self.running
    }

    /// All tasks in creation order.
    pub(crate) fn list(&self) -> impl ExactSizeIterator<Item = &TaskRecord> + '_ {
        self.tasks.iter()
    }

    /// The creation index an id of this queue names (`<prefix>-<n>`), without looking it up.
    pub(crate) fn index_of(&self, id: &str) -> Option<u64> {
        id.strip_prefix(self.id_prefix.as_str())?.strip_prefix('-')?.parse().ok()
    }

    /// Where task `id` is: tasks stay in creation order (only `add` pushes, `trim` keeps the
    /// order), so a binary search by index instead of comparing ids with every task.
    fn position(&self, id: &str) -> Option<usize> {
        let index = self.index_of(id)?;
        self.tasks.binary_search_by_key(&index, |t| t.index).ok()
    }

    pub(crate) fn get(&self, id: &str) -> Option<&TaskRecord> {
        self.position(id).map(|i| &self.tasks[i])
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut TaskRecord> {
        self.position(id).map(|i| &mut self.tasks[i])
    }

    /// While there are more than `upload_queue_size` tasks, drops the oldest finished ones
    /// (`Success`, `Error`, `Canceled`). Waiting, running and paused tasks are never dropped, so the
    /// queue may stay above the limit. Returns the ids dropped, oldest first.
    pub(crate) fn trim(&mut self, upload_queue_size: usize) -> Vec<String> {
        let mut excess = self.tasks.len().saturating_sub(upload_queue_size).min(self.finished);
        let mut dropped = Vec::new();
        // From the front, stopping once enough are dropped: on a long queue the finished tasks are
        // the oldest, so this costs what it drops, not a pass over every waiting task per event.
        let mut i = 0;
        while excess > 0 && i < self.tasks.len() {
            if self.tasks[i].state.is_finished() {
                if let Some(t) = self.tasks.remove(i) {
                    dropped.push(self.id_of(t.index));
                }
                excess -= 1;
                self.finished -= 1;
            } else {
                i += 1;
            }
        }
        dropped
    }

    /// Records upload progress and recomputes `percent`. `loaded` never decreases: a smaller value
    /// (a retried part, a restarted simple upload) keeps the previous one until real progress
    /// passes it. Unknown ids are ignored (a late report for a trimmed task).
    pub(crate) fn set_progress(&mut self, id: &str, loaded: u64, size: u64) {
        if let Some(task) = self.get_mut(id) {
            task.loaded = task.loaded.max(loaded);
            task.size = size;
            task.percent = percent(task.loaded, size);
        }
    }

    /// Records verification progress of already-uploaded parts (not monotonic: each candidate
    /// upload is verified from the start). Unknown ids are ignored.
    pub(crate) fn set_hash_progress(&mut self, id: &str, hashed: u64, total: u64) {
        if let Some(task) = self.get_mut(id) {
            task.hash_percent = percent(hashed, total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskEvent as E;
    use TaskState as S;

    fn expected(from: TaskState, event: TaskEvent) -> Option<TaskState> {
        Some(match (from, event) {
            (S::Waiting, E::Start) => S::Checking,
            (S::Checking, E::BytesFlowing) => S::Uploading,
            (S::Uploading, E::BytesFlowing) => S::Uploading,
            (S::Checking, E::Succeed) => S::Success,
            (S::Uploading, E::Succeed) => S::Success,
            (S::Checking, E::Fail) => S::Error,
            (S::Uploading, E::Fail) => S::Error,
            (S::Waiting, E::Pause) => S::Paused,
            (S::Checking, E::Pause) => S::Paused,
            (S::Uploading, E::Pause) => S::Paused,
            (S::Paused, E::Restart) => S::Waiting,
            (S::Error, E::Restart) => S::Waiting,
            (S::Waiting, E::Cancel) => S::Canceled,
            (S::Checking, E::Cancel) => S::Canceled,
            (S::Uploading, E::Cancel) => S::Canceled,
            (S::Paused, E::Cancel) => S::Canceled,
            (S::Error, E::Cancel) => S::Canceled,
            _ => return None,
        })
    }

    #[test]
    fn every_transition() {
        let mut legal = 0;
        for from in TaskState::ALL {
            for event in TaskEvent::ALL {
                match (transition(from, event), expected(from, event)) {
                    (Ok(to), Some(want)) => {
                        assert_eq!(to, want, "{from:?} --{event:?}");
                        legal += 1;
                    }
                    (Err(e), None) => assert_eq!(e, IllegalTransition { from, event }),
                    (got, want) => panic!("{from:?} --{event:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(legal, 17);
    }

    #[test]
    fn some_illegal_transitions_by_name() {
        assert!(transition(S::Success, E::Pause).is_err());
        assert!(transition(S::Canceled, E::Restart).is_err());
        assert!(transition(S::Success, E::Restart).is_err());
        assert!(transition(S::Success, E::Cancel).is_err());
        assert!(transition(S::Canceled, E::Cancel).is_err());
        assert!(transition(S::Waiting, E::BytesFlowing).is_err());
        assert!(transition(S::Paused, E::Start).is_err());
        assert_eq!(
            transition(S::Success, E::Pause).unwrap_err().to_string(),
            "cannot pause a task that is success"
        );
    }

    #[test]
    fn state_strings() {
        let names: Vec<&str> = TaskState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["waiting", "checking", "uploading", "paused", "canceled", "error", "success"]);
    }

    fn task(key: &str) -> TaskRecord {
        TaskRecord::new("b-1250000000", "ap-guangzhou", key, None, 100)
    }

    fn queue(n: usize) -> (Queue, Vec<String>) {
        let mut q = Queue::new("q");
        let ids = (0..n).map(|i| {
            let index = q.add(task(&i.to_string()));
            q.id_of(index)
        }).collect();
        (q, ids)
    }

    #[test]
    fn a_batch_shares_its_bucket_and_region() {
        let (mut q, ids) = queue(2);
        q.add(TaskRecord::new("other-1250000000", "ap-guangzhou", "k", None, 1));
        let (a, b) = (q.get(&ids[0]).unwrap(), q.get(&ids[1]).unwrap());
        assert!(Rc::ptr_eq(&a.bucket, &b.bucket) && Rc::ptr_eq(&a.region, &b.region));
        let c = q.tasks.back().unwrap();
        assert_eq!((&*c.bucket, &*c.region), ("other-1250000000", "ap-guangzhou"));
        assert!(Rc::ptr_eq(&b.region, &c.region));
    }

    /// Starts tasks like the engine does, returns the ids started.
    fn start_all(q: &mut Queue, limit: usize) -> Vec<String> {
        let mut started = Vec::new();
        while let Some(id) = q.next_to_start(limit) {
            q.apply(&id, E::Start).unwrap();
            started.push(id);
        }
        started
    }

    #[test]
    fn kept_counts_match_a_full_scan() {
        // Events in a scrambled order (a fixed LCG): the running counter and the waiting cursor
        // must always agree with scanning every task.
        let (mut q, mut ids) = queue(12);
        let events = [E::Start, E::BytesFlowing, E::Succeed, E::Fail, E::Pause, E::Restart, E::Cancel];
        let mut seed = 7u64;
        for step in 0..4000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let id = ids[(seed >> 33) as usize % ids.len()].clone();
            let _ = q.apply(&id, events[(seed >> 20) as usize % events.len()]);
            if step % 97 == 0 {
                let index = q.add(task("more"));
                ids.push(q.id_of(index));
                q.trim(10);
                ids.retain(|i| q.get(i).is_some());
            }
            let scan_running = q.list().filter(|t| t.state.is_running()).count();
            assert_eq!(q.running_count(), scan_running, "step {step}");
            let scan_next = q.list().find(|t| t.state == S::Waiting).map(|t| q.id_of(t.index));
            let limit = scan_running + 1;
            assert_eq!(q.next_to_start(limit), scan_next, "step {step}");
        }
    }

    #[test]
    fn lookup_by_id_after_trimming() {
        let (mut q, ids) = queue(6);
        start_all(&mut q, 6);
        for id in &ids[..4] {
            q.apply(id, E::BytesFlowing).unwrap();
            q.apply(id, E::Succeed).unwrap();
        }
        assert_eq!(q.trim(3), ids[..3]);
        for id in &ids[..3] {
            assert!(q.get(id).is_none(), "{id} was trimmed");
        }
        for id in &ids[3..] {
            assert_eq!(q.get(id).map(|t| q.id_of(t.index)).as_ref(), Some(id));
        }
        assert_eq!(q.index_of(&ids[4]), Some(5));
        for unknown in ["q-99", "q-", "q-x", "other-4", "", "q-4-"] {
            assert!(q.get(unknown).is_none(), "{unknown}");
        }
        assert!(q.apply("q-99", E::Pause).is_err());
    }

    #[test]
    fn ids_are_unique_and_ordered() {
        let (q, ids) = queue(3);
        assert_eq!(ids, ["q-1", "q-2", "q-3"]);
        let idx: Vec<u64> = q.list().map(|t| t.index).collect();
        assert_eq!(idx, [1, 2, 3]);
        assert!(q.list().all(|t| t.state == S::Waiting));
    }

    #[test]
    fn scheduling_respects_the_limit() {
        let (mut q, ids) = queue(5);
        assert_eq!(start_all(&mut q, 2), ids[..2]);
        assert_eq!(q.running_count(), 2);
        q.apply(&ids[0], E::BytesFlowing).unwrap();
        assert_eq!(q.next_to_start(2), None);
        q.apply(&ids[0], E::Succeed).unwrap();
        assert_eq!(start_all(&mut q, 2), ids[2..3]);
        q.apply(&ids[1], E::Fail).unwrap();
        q.apply(&ids[2], E::Pause).unwrap();
        assert_eq!(start_all(&mut q, 2), ids[3..5]);
        assert_eq!(q.next_to_start(10), None);
        // Limit 0 behaves as 1.
        let (mut q, ids) = queue(2);
        assert_eq!(start_all(&mut q, 0), ids[..1]);
    }

    #[test]
    fn restart_requeues_in_creation_order() {
        let (mut q, ids) = queue(4);
        start_all(&mut q, 1);
        q.apply(&ids[0], E::Pause).unwrap();
        // ids[1] starts; ids[0] restarted goes back before ids[2] and ids[3].
        assert_eq!(start_all(&mut q, 1), ids[1..2]);
        assert_eq!(q.apply(&ids[0], E::Restart), Ok(S::Waiting));
        q.apply(&ids[1], E::Succeed).unwrap();
        assert_eq!(start_all(&mut q, 1), ids[0..1]);
    }

    #[test]
    fn apply_errors_leave_the_task_alone() {
        let (mut q, ids) = queue(1);
        assert_eq!(q.apply("nope", E::Start), Err(QueueError::UnknownTask));
        assert_eq!(
            q.apply(&ids[0], E::Succeed),
            Err(QueueError::Illegal(IllegalTransition { from: S::Waiting, event: E::Succeed }))
        );
        assert_eq!(q.get(&ids[0]).unwrap().state, S::Waiting);
    }

    #[test]
    fn restart_clears_error_and_stopping_clears_speed() {
        let (mut q, ids) = queue(1);
        start_all(&mut q, 1);
        q.apply(&ids[0], E::BytesFlowing).unwrap();
        q.get_mut(&ids[0]).unwrap().speed = 123.0;
        q.apply(&ids[0], E::Fail).unwrap();
        q.get_mut(&ids[0]).unwrap().error = Some("boom".into());
        let t = q.get(&ids[0]).unwrap();
        assert_eq!((t.speed, t.error.as_deref()), (0.0, Some("boom")));
        q.apply(&ids[0], E::Restart).unwrap();
        assert_eq!(q.get(&ids[0]).unwrap().error, None);
    }

    #[test]
    fn trim_drops_only_oldest_finished_tasks() {
        let (mut q, ids) = queue(8);
        // 0 success, 1 paused, 2 error, 3 canceled, 4 uploading, 5 success, 6 waiting, 7 success
        start_all(&mut q, 8);
        for (i, events) in [
            (0, &[E::Succeed][..]),
            (1, &[E::Pause]),
            (2, &[E::Fail]),
            (3, &[E::Cancel]),
            (4, &[E::BytesFlowing]),
            (5, &[E::Succeed]),
            (6, &[E::Pause, E::Restart]),
            (7, &[E::Succeed]),
        ] {
            for e in events {
                q.apply(&ids[i], *e).unwrap();
            }
        }
        assert_eq!(q.trim(8), Vec::<String>::new());
        assert_eq!(q.trim(6), [ids[0].clone(), ids[2].clone()]);
        assert_eq!(q.list().len(), 6);
        // Only 3 and 5, 7 remain droppable; paused/uploading/waiting stay beyond the limit.
        assert_eq!(q.trim(0), [ids[3].clone(), ids[5].clone(), ids[7].clone()]);
        let left: Vec<String> = q.list().map(|t| q.id_of(t.index)).collect();
        assert_eq!(left, [ids[1].clone(), ids[4].clone(), ids[6].clone()]);
        // Ids are never reused after trimming.
        let index = q.add(task("new"));
        assert_eq!(q.id_of(index), "q-9");
    }

    #[test]
    fn progress_is_monotonic() {
        let (mut q, ids) = queue(1);
        let id = &ids[0];
        q.set_progress(id, 0, 0);
        assert_eq!(q.get(id).unwrap().percent, 1.0);
        q.set_progress(id, 30, 1000);
        assert_eq!(q.get(id).unwrap().percent, 0.03);
        q.set_progress(id, 10, 1000);
        let t = q.get(id).unwrap();
        assert_eq!((t.loaded, t.percent), (30, 0.03));
        q.set_progress(id, 999, 1000);
        assert_eq!(q.get(id).unwrap().percent, 0.99);
        q.set_progress(id, 1000, 1000);
        assert_eq!(q.get(id).unwrap().percent, 1.0);
        q.set_progress("nope", 1, 1); // ignored
    }

    #[test]
    fn hash_progress() {
        let (mut q, ids) = queue(1);
        q.set_hash_progress(&ids[0], 1, 3);
        assert_eq!(q.get(&ids[0]).unwrap().hash_percent, 0.33);
    }

    #[test]
    fn add_assigns_id_index_and_state() {
        let mut q = Queue::new("p");
        let mut t = TaskRecord::new("b", "r", "k", Some("a.bin".into()), 7);
        t.index = 99;
        t.state = S::Success;
        let index = q.add(t);
        let id = q.id_of(index);
        let t = q.get(&id).unwrap();
        assert_eq!((id.as_str(), q.id_of(t.index).as_str(), t.index, t.state), ("p-1", "p-1", 1, S::Waiting));
        assert_eq!((t.key.as_str(), t.file_path.as_deref(), t.size, t.percent), ("k", Some("a.bin"), 7, 0.0));
    }
}
