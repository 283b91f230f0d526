//! The SDK object behind `new COS(options)`: dispatches the official method names to operations.

use crate::prelude::*;
use core::cell::{Cell, RefCell};
use alloc::rc::Rc;

use futures_util::future::LocalBoxFuture;

use crate::calls::Calls;
use crate::client::{AbortScope, Client};
use crate::error::{CosError, Result};
use crate::host::{Arg, Host};
use crate::ops::{self, Reporter};
use crate::options::{Dialect, Options};
use crate::packed::Packed;
use crate::params;
use crate::sign::Flavour;
use crate::source::Source;
use crate::tasks::{Oneshot, TaskKind, TaskQueue};
use crate::value::Value;

pub struct Cos<H: Host> {
    pub client: Rc<Client<H>>,
    /// The upload queue (putObject, sliceUploadFile, uploadFile(s) run as its tasks).
    pub queue: Rc<TaskQueue<H>>,
    /// Every running call and what stops it (queue tasks excepted: see [`Calls`]).
    pub calls: Calls,
    /// The host's protocol when the options name none (re-read options need it again).
    default_protocol: String,
}




impl<H: Host> Cos<H> {
    pub fn new(host: Rc<H>, options: &Value, flavour: Flavour, default_protocol: &str, emit: Option<u32>) -> Result<Rc<Cos<H>>> {
        let opts = Options::parse(options, flavour, default_protocol)?;
        let client = Rc::new(Client::new(host, opts));
        Ok(Rc::new(Cos {
            queue: TaskQueue::new(client.clone(), emit),
            client,
            calls: Calls::default(),
            default_protocol: default_protocol.to_string(),
        }))
    }

    /// Puts changed constructor options in force (the user changed `cos.options`): later requests
    /// and tasks use them, as the official SDKs read `cos.options` when they need a value. Returns
    /// the replaced options; on bad options nothing changes and the error says why.
    pub fn set_options(&self, options: &Value) -> Result<Rc<Options>> {
        let flavour = self.client.opts().flavour;
        let opts = Options::parse(options, flavour, &self.default_protocol)?;
        Ok(self.client.set_opts(opts))
    }

    /// Runs one official method. `params` may hold host handles (functions, bodies).
    pub async fn call(self: Rc<Self>, method: &str, params: Value) -> Result<Value> {
        let call_id = self.calls.new_call_id();
        let abort = self.register_call(call_id);
        self.call_cancelable(method, params, (call_id, abort)).await
    }

    /// Registers call `call_id` (from `calls.new_call_id()`) before it starts, so that
    /// [`Cos::cancel_call`] reaches it from the moment the caller has the id;
    /// [`Cos::call_cancelable`] unregisters it when it settles.
    pub fn register_call(&self, call_id: u32) -> Rc<AbortScope> {
        self.calls.open(call_id)
    }

    /// [`Cos::call`] of a registered call: its requests carry the call's abort scope.
    pub async fn call_cancelable(self: Rc<Self>, method: &str, params: Value, call: (u32, Rc<AbortScope>)) -> Result<Value> {
        let (call_id, abort) = call;
        let r = self.clone().call_within(method, params, call_id, abort).await;
        self.calls.close(call_id);
        r
    }

    async fn call_within(self: Rc<Self>, method: &str, params: Value, call_id: u32, abort: Rc<AbortScope>) -> Result<Value> {
        if !matches!(params, Value::Obj(_)) {
            return Err(CosError::param("params should be an object"));
        }
        let mut params = params;
        self.client.opts().apply_to_params(&mut params);
        let c = &*self.client;
        let on_progress = params::callback(&params, "onProgress")?;
        let on_hash = params::callback(&params, "onHashProgress")?;
        let reporter = || Reporter::new(c.host.clone(), on_progress, c.opts().progress_interval);
        // Every arm's future is boxed: the `call` future is then a pointer and its params, not the
        // largest operation's state, which each queued call would otherwise hold while it waits
        // (~4 KB a call: 1,000 queued files cost 4 MB of wasm memory that never shrinks).
        let me = self.clone();
        let a = Some(&*abort);
        let fut: LocalBoxFuture<'_, Result<Value>> = match method {
            // One future for both: they differ in a few branches, not in their waits.
            "putObject" | "sliceUploadFile" => Box::pin(async move {
                let put = method == "putObject";
                params::target(&params, true)?;
                params::headers(&params)?;
                let source = Source::open(&*c.host, &params, false).await?;
                // Built without `streams` (mini-programs), no host of the build opens a stream, and
                // the stream upload is left out (by `#[cfg]`: the code behind an `.await` in a
                // branch never taken would stay).
                #[cfg(feature = "streams")]
                if source.info.streamed {
                    let one_put = put && source.info.can_pipe && params::headers(&params)?.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
                    // Boxed: a queued put's future must not carry a stream upload's state.
                    return Box::pin(me.stream_upload(call_id, params, source, one_put)).await;
                }
                if put && params::opt_bool(&params, "SkipTask").unwrap_or(false) {
                    // Boxed too: queued puts then do not carry a put's state while they wait.
                    let r = Box::pin(ops::put_object(c, &params, &source, Some(reporter()), on_hash, a)).await;
                    source.close(&*c.host);
                    return r;
                }
                let kind = if put { TaskKind::Put } else { TaskKind::Slice };
                me.queue.clone().run_as_task(kind, params, source, None).await
            }),
            "uploadFile" => Box::pin(me.upload_file(call_id, params)),
            "sliceCopyFile" => Box::pin(async move {
                let ctx = crate::upload::UploadCtx {
                    abort: abort.clone(),
                    reporter: reporter(),
                    on_hash: None,
                    state: Rc::new(RefCell::new(None)),
                    on_loaded: None,
                    on_hash_loaded: None,
                };
                crate::upload::slice_copy(&me.client, &params, &ctx).await
            }),
            #[cfg(feature = "select")]
            "selectObjectContent" => Box::pin(ops::select_object_content(c, &params, on_progress, a)),
            "uploadFiles" => Box::pin(me.upload_files(call_id, params)),
            #[cfg(feature = "node-io")]
            "downloadFile" => Box::pin(async move {
                params::target(&params, true)?;
                params::required_str(&params, "FilePath")?;
                params::headers(&params)?;
                let (id, abort) = me.start_running(call_id, &params, "download")?;
                let ctx = crate::download::DownloadCtx { abort, reporter: reporter() };
                let r = crate::download::download_file(&me.client, &params, &ctx).await;
                me.end_running(&id, &ctx.abort);
                r
            }),
            "getObjectUrl" => Box::pin(async move {
                let url = crate::presign::signed_object_url(c, &params).await?;
                let mut data = Value::obj();
                data.set("Url", url.into());
                Ok(data)
            }),
            // One future for the three single-request uploads of a body: their checks, the body's
            // opening and closing are shared, only the request differs.
            "appendObject" | "postObject" | "multipartUpload" => Box::pin(async move {
                params::target(&params, true)?;
                match method {
                    "appendObject" => {
                        params::required_uint(&params, "Position")?;
                    }
                    "postObject" => {
                        params::headers(&params)?;
                    }
                    _ => {
                        params::required_str(&params, "UploadId")?;
                        params::required_uint(&params, "PartNumber")?;
                    }
                }
                let source = Source::open(&*c.host, &params, false).await?;
                let r = match method {
                    "appendObject" => ops::append_object(c, &params, &source, Some(reporter()), a).await,
                    "postObject" => ops::post_object(c, &params, &source, Some(reporter()), a).await,
                    _ => ops::multipart_upload(c, &params, &source, Some(reporter()), a).await,
                };
                source.close(&*c.host);
                r
            }),
            "headObject" | "deleteObject" => Box::pin(ops::head_or_delete_object(c, method == "headObject", &params, a)),
            "getObject" => Box::pin(ops::get_object(c, &params, Some(reporter()), a)),
            "multipartInit" => Box::pin(ops::multipart_init(c, &params, None, a)),
            "multipartListPart" | "multipartComplete" | "multipartAbort" => Box::pin(ops::upload_id_call(c, method, &params, a)),
            "multipartList" => Box::pin(ops::multipart_list(c, &params, None, a)),
            "abortUploadTask" => Box::pin(ops::abort_upload_task(c, &params, a)),
            "request" => Box::pin(ops::request_call(c, &params, a)),
            // Every other single-request method is a row of the methods table.
            _ => match crate::methods::lookup(method) {
                Some(row) => Box::pin(crate::methods::call(c, row, &params, a)),
                None => {
                    let mut m = String::from("unknown method ");
                    m.push_str(method);
                    return Err(CosError::param(m));
                }
            },
        };
        fut.await
    }

    /// Cancels a running call: its requests are aborted and it settles with the `TaskCanceled`
    /// error once they stopped (a multipart copy aborts its upload first; its queue tasks are
    /// canceled by their TaskIds). False when no such call runs, or when it is completing (the
    /// object may be stored any moment).
    pub fn cancel_call(&self, call_id: u32) -> bool {
        self.calls.cancel_call(&*self.client.host, call_id)
    }

    #[cfg(any(feature = "streams", feature = "node-io"))]
    /// Registers a part of call `call_id` that runs outside the task queue under its `TaskId` (or
    /// a new id), and tells `onTaskReady` the id.
    fn start_running(&self, call_id: u32, params: &Value, prefix: &str) -> Result<(String, Rc<AbortScope>)> {
        let id = self.calls.task_id(params::opt_str(params, "TaskId")?, prefix);
        let abort = self.calls.open_task(&*self.client.host, call_id, id.clone());
        for name in ["onTaskReady", "TaskReady"] {
            if let Some(f) = params::callback(params, name)? {
                self.client.host.invoke(f, vec![Arg::Val(Value::str(id.clone()))]);
            }
        }
        Ok((id, abort))
    }

    #[cfg(any(feature = "streams", feature = "node-io"))]
    fn end_running(&self, id: &str, abort: &Rc<AbortScope>) {
        self.calls.close_task(abort);
        // Never restartable: the JS layer lets go of any callback it kept for a restart.
        self.queue.emit_event("inner-task-retired", Value::Obj(vec![("id".into(), Value::str(id))]));
    }

    /// Stops a call registered with `start_running` (it fails with TaskCanceled; a download's
    /// checkpoint stays, so the same call later resumes; a stream upload is aborted). False if none runs.
    pub fn cancel_running(&self, id: &str) -> bool {
        self.calls.cancel_task(&*self.client.host, id)
    }

    /// putObject / sliceUploadFile / uploadFile of a stream Body: outside the task queue (a stream
    /// cannot be paused and read again), cancelable by its TaskId. `one_put`: putObject with a
    /// ContentLength, streamed in one request.
    #[cfg(feature = "streams")]
    async fn stream_upload(self: Rc<Self>, call_id: u32, params: Value, source: Source, one_put: bool) -> Result<Value> {
        let c = &self.client;
        let on_progress = params::callback(&params, "onProgress")?;
        let reporter = Reporter::new(c.host.clone(), on_progress, c.opts().progress_interval);
        let r = match self.start_running(call_id, &params, "stream") {
            Ok((id, abort)) => {
                let r = if one_put {
                    ops::put_object(c, &params, &source, Some(reporter), None, Some(&abort)).await
                } else {
                    let ctx = crate::stream_upload::StreamCtx { abort: abort.clone(), reporter };
                    crate::stream_upload::upload_stream(c, &params, &source, &ctx).await
                };
                self.end_running(&id, &abort);
                r
            }
            Err(e) => Err(e),
        };
        source.close(&*c.host);
        r
    }

    /// The task list, as `getTaskList()` answers it.
    pub fn task_list(&self) -> Value {
        self.queue.task_list()
    }

    pub fn pause_task(&self, id: &str) -> bool {
        self.queue.pause_task(id)
    }

    pub fn restart_task(&self, id: &str) -> bool {
        self.queue.restart_task(id)
    }

    pub fn cancel_task(&self, id: &str) -> bool {
        self.queue.cancel_task(id)
    }
}

impl<H: Host> Cos<H> {
    /// Checks an `uploadFile` / `uploadFiles` entry and opens its body: everything that can refuse
    /// it happens here, before it becomes a task. A simple upload up to SliceSize, multipart above.
    async fn open_file(&self, params: &Value) -> Result<(TaskKind, Source)> {
        let c = &*self.client;
        params::target(params, true)?;
        params::headers(params)?;
        for name in ["onTaskReady", "TaskReady", "onProgress", "onHashProgress"] {
            params::callback(params, name)?;
        }
        let slice_size = params::uint(params, "SliceSize")?.unwrap_or(c.opts().slice_size);
        let source = Source::open(&*c.host, params, false).await?;
        let kind = if source.size() > slice_size { TaskKind::Slice } else { TaskKind::Put };
        Ok((kind, source))
    }

    /// `uploadFile`: a simple upload up to SliceSize, a resumable multipart upload above it;
    /// `onFileFinish(err, data, options)` when it settles.
    // `call_id` is what a stream Body's upload runs under (builds without streams have none).
    #[cfg_attr(not(feature = "streams"), allow(unused_variables))]
    pub(crate) async fn upload_file(self: Rc<Self>, call_id: u32, params: Value) -> Result<Value> {
        let c = self.client.clone();
        let on_finish = params::callback(&params, "onFileFinish")?;
        // `onFileFinish(err, data, options)` whenever the task settles: once, or again after a
        // restartTask of a failed task (as the official SDK does).
        let reported = Rc::new(Cell::new(false));
        // The file's size once opened (0 when it could not be: the official SDK's stat gives 0 too).
        let size = Rc::new(Cell::new(0));
        let finish: crate::tasks::OnSettled = {
            let (host, reported, size, dialect) = (c.host.clone(), reported.clone(), size.clone(), c.dialect.get());
            Rc::new(move |_slot: u32, result: &Result<Value>, task_id: &str, params: &Value| {
                reported.set(true);
                let Some(f) = on_finish else { return };
                let (err, data) = match result {
                    Ok(d) => (Arg::Val(Value::Null), Arg::Val(d.clone())),
                    Err(e) => (Arg::Err(e.clone()), Arg::Val(Value::Null)),
                };
                let options = file_options(params, None, task_id, dialect, Some(size.get()));
                host.invoke(f, vec![err, data, Arg::Val(options)]);
            })
        };
        let (kind, source) = match self.open_file(&params).await {
            Ok(v) => {
                size.set(v.1.size());
                v
            }
            Err(e) => {
                // Refused before it became a task (bad params, unreadable body).
                let r = Err(e);
                finish(0, &r, "", &params);
                return r;
            }
        };
        #[cfg(feature = "streams")]
        if source.info.streamed {
            // A stream is read once, so it never waits in the queue (see stream_upload).
            let r = Box::pin(self.clone().stream_upload(call_id, params.clone(), source, false)).await;
            finish(0, &r, "", &params);
            return r;
        }
        let result = self.queue.clone().run_as_task(kind, params, source, Some(finish.clone())).await;
        if !reported.get() {
            finish(0, &result, "", &Value::Null);
        }
        result
    }

    /// `uploadFiles`: each file an `uploadFile` task; aggregated `onProgress`; resolves with
    /// `{files: [{options, error, data}]}` and never rejects for a single file's failure.
    ///
    /// Built for long batches (100,000 files): one future for the whole call, not one per file;
    /// each entry's params move into its task (no copies), a finished entry is handed to the host
    /// as it settles, and the aggregate progress is kept as running sums (O(1) per event).
    // `call_id` is what a stream Body's upload runs under (builds without streams have none).
    #[cfg_attr(not(feature = "streams"), allow(unused_variables))]
    pub(crate) async fn upload_files(self: Rc<Self>, call_id: u32, mut params: Value) -> Result<Value> {
        let c = self.client.clone();
        let files = match params.remove("files") {
            Some(Value::Arr(items)) => items,
            _ => return Err(CosError::param("param files should be an array of upload params")),
        };
        if files.iter().any(|f| !matches!(f, Value::Obj(_))) {
            return Err(CosError::param("param files[] should be objects"));
        }
        let on_progress = params::callback(&params, "onProgress")?;
        let on_finish = params::callback(&params, "onFileFinish")?;
        let slice_size = params::uint(&params, "SliceSize")?;
        let batch = Rc::new(Batch {
            host: c.host.clone(),
            reporter: Reporter::new(c.host.clone(), on_progress, c.opts().progress_interval),
            on_finish,
            dialect: c.dialect.get(),
            entries: RefCell::new(if c.host.unpacks_values() {
                Kept::Packed(Packed::with_len(files.len()))
            } else {
                Kept::Values(vec![Value::Null; files.len()])
            }),
            lent_slice_size: RefCell::new(if slice_size.is_some() { vec![false; files.len()] } else { Vec::new() }),
            remaining: Cell::new(files.len()),
            progress: RefCell::new(vec![(0, 0); files.len()]),
            sums: Cell::new((0, 0)),
            done: Oneshot::new(),
        });
        // One pair of callbacks for the whole batch: each task tells its slot (the entry's index).
        let finish: crate::tasks::OnSettled = {
            let batch = batch.clone();
            Rc::new(move |i: u32, result: &Result<Value>, task_id: &str, params: &Value| batch.settle(i as usize, result, task_id, params))
        };
        let observer: crate::tasks::Observer = {
            let batch = batch.clone();
            Rc::new(move |i: u32, l: u64, t: u64| batch.progress(i as usize, l, t))
        };
        self.queue.reserve(files.len());
        for (i, mut p) in files.into_iter().enumerate() {
            c.opts().apply_to_params(&mut p);
            // The call's SliceSize serves the entry (also as its part size), but is not one of the
            // entry's own fields in its options.
            if let (None, Some(s)) = (p.get("SliceSize"), slice_size) {
                p.set("SliceSize", Value::Num(s as f64));
                batch.lent_slice_size.borrow_mut()[i] = true;
            }
            let slot = i as u32;
            // An entry's own onFileFinish that is not a function fails that entry.
            if let Err(e) = params::callback(&p, "onFileFinish") {
                finish(slot, &Err(e), "", &p);
                continue;
            }
            match self.open_file(&p).await {
                #[cfg(feature = "streams")]
                Ok((_, source)) if source.info.streamed => {
                    // A stream Body runs outside the queue (see stream_upload), on its own.
                    let (me, entry, finish) = (self.clone(), p.clone(), finish.clone());
                    c.host.spawn(Box::pin(async move {
                        let r = Box::pin(me.stream_upload(call_id, entry.clone(), source, false)).await;
                        finish(slot, &r, "", &entry);
                    }));
                }
                Ok((kind, source)) => {
                    // Its size counts in the call's total from now, as the official SDK's does.
                    batch.progress(i, 0, source.size());
                    // open_file checked what enqueue checks: this does not fail.
                    if let Err(e) = self.queue.enqueue(kind, p, source, slot, Some(observer.clone()), Some(finish.clone()), None) {
                        finish(slot, &Err(e), "", &Value::Null);
                    }
                }
                Err(e) => finish(slot, &Err(e), "", &p),
            }
        }
        if batch.remaining.get() > 0 {
            batch.done.recv().await;
        }
        batch.reporter.flush();
        let mut data = Value::obj();
        // Handed over: a later rerun of a failed task only calls onFileFinish.
        let files = match batch.entries.replace(Kept::Values(Vec::new())) {
            Kept::Values(entries) => Value::Arr(entries),
            Kept::Packed(mut packed) => c.host.unpack_values(&mut packed, true).map(Value::Opaque).unwrap_or(Value::Arr(Vec::new())),
        };
        data.set("files", files);
        Ok(data)
    }
}

/// `onFileFinish`'s options and `data.files[].options`, laid out as the official SDKs' are: its
/// Index in `uploadFiles` (the official browser and Node SDKs give its text, the mini-program's a
/// number), its TaskId ("" until it has one), then the entry's plain fields, and in Node the
/// file's size as ContentLength.
fn file_options(params: &Value, index: Option<usize>, task_id: &str, dialect: Dialect, size: Option<u64>) -> Value {
    let mut options = Value::obj();
    if let Some(i) = index {
        let index = if dialect == Dialect::MiniProgram { Value::Num(i as f64) } else { Value::Str(i.to_string()) };
        options.set("Index", index);
    }
    options.set("TaskId", task_id.into());
    for (k, v) in params.entries() {
        if matches!(v, Value::Str(_) | Value::Num(_) | Value::Bool(_)) {
            options.set(k, v.clone());
        }
    }
    if let (Dialect::Node, Some(size)) = (dialect, size) {
        options.set("ContentLength", Value::Num(size as f64));
    }
    options
}

/// Packed `uploadFiles` entries are handed to the host when they add up to this (~300 entries).
const HAND_OVER_BYTES: usize = 64 * 1024;

/// How an `uploadFiles` call keeps its finished entries until it resolves.
enum Kept {
    /// `Null` until the entry first settles; held by the host when it keeps values
    /// ([`Host::hold_value`]), so it costs the core a handle.
    Values(Vec<Value>),
    /// Packed, and made by the host a run at a time ([`Host::unpacks_values`]): a few hundred
    /// bytes of the core's memory each until then, and a few host calls per run instead of a
    /// handle and a tree of host objects per entry. An entry that shares its values with an
    /// `onFileFinish` call (the official SDK passes the same objects) is held by the host and
    /// packed as a reference to it.
    Packed(Packed),
}

impl Kept {
    /// Whether entry `i` has not settled yet (and the call has not resolved).
    fn waiting(&self, i: usize) -> bool {
        match self {
            Kept::Values(v) => v.get(i).is_some_and(|e| matches!(e, Value::Null)),
            Kept::Packed(packed) => i < packed.len() && !packed.is_set(i),
        }
    }
}

/// One `uploadFiles` call's shared state: its entries as they settle and its aggregate progress.
struct Batch<H: Host> {
    host: Rc<H>,
    reporter: Rc<Reporter<H>>,
    /// The call's `onFileFinish`, called for every entry (after the entry's own).
    on_finish: Option<u32>,
    dialect: Dialect,
    /// `{options, error, data}` per file, from when it first settles.
    entries: RefCell<Kept>,
    /// Per file, when the call has a SliceSize: whether the entry got it from the call (it then
    /// stays out of the entry's options).
    lent_slice_size: RefCell<Vec<bool>>,
    remaining: Cell<usize>,
    /// Per file (loaded, total) as last reported, and their sums.
    progress: RefCell<Vec<(u64, u64)>>,
    sums: Cell<(u64, u64)>,
    done: Rc<Oneshot<()>>,
}

impl<H: Host> Batch<H> {
    fn progress(&self, i: usize, loaded: u64, total: u64) {
        let (sl, st) = {
            let mut all = self.progress.borrow_mut();
            let (l0, t0) = all[i];
            let l = loaded.max(l0);
            all[i] = (l, total);
            let (sl, st) = self.sums.get();
            (sl + l - l0, st + total - t0)
        };
        self.sums.set((sl, st));
        self.reporter.update(sl, st);
    }

    /// A file settled: the entry's own `onFileFinish(err, data, options)`, then the call's, each
    /// time (a restarted failed task settles again), and its entry the first time. The callbacks
    /// and the entry share one `options` and one `data` value, as the official SDK's do.
    fn settle(&self, i: usize, result: &Result<Value>, task_id: &str, params: &Value) {
        let host = &*self.host;
        // The entry's own onFileFinish, none when it is not a function (that entry failed with
        // the error saying so); then the call's.
        let own = params::callback(params, "onFileFinish").ok().flatten();
        let callbacks = [own, self.on_finish];
        let lent_slice_size = self.lent_slice_size.borrow().get(i).copied().unwrap_or(false);
        // Without an onFileFinish to share them with, a packed entry's parts stay values.
        let share = callbacks.iter().any(Option::is_some) || matches!(*self.entries.borrow(), Kept::Values(_));
        let mut held = Vec::new();
        let mut hold = |v: Value| match share.then(|| host.hold_value(&v)).flatten() {
            Some(h) => {
                held.push(h);
                Value::Opaque(h)
            }
            None => v,
        };
        let size = self.progress.borrow().get(i).map(|p| p.1);
        let mut options = file_options(params, Some(i), task_id, self.dialect, size);
        if lent_slice_size {
            options.remove("SliceSize");
        }
        let options = hold(options);
        let data = match result {
            Ok(d) => hold(d.clone()),
            Err(_) => Value::Null,
        };
        for f in callbacks.into_iter().flatten() {
            let err = match result {
                Ok(_) => Arg::Val(Value::Null),
                Err(e) => Arg::Err(e.clone()),
            };
            host.invoke(f, vec![err, Arg::Val(data.clone()), Arg::Val(options.clone())]);
        }
        // After the call resolved (its entries handed over), a rerun only calls onFileFinish.
        let first = self.entries.borrow().waiting(i);
        if first {
            let error = match result {
                Ok(_) => Value::Null,
                Err(e) => e.to_value(),
            };
            // A failed entry has no data (the official SDK's is undefined).
            let mut entry = Value::Obj(vec![("options".into(), options), ("error".into(), error)]);
            if result.is_ok() {
                entry.set("data", data);
            }
            // The entry refers to its parts: their own handles go now.
            match &mut *self.entries.borrow_mut() {
                Kept::Values(entries) => entries[i] = host.hold_value(&entry).map(Value::Opaque).unwrap_or(entry),
                Kept::Packed(packed) => {
                    // Refused when it refers to held values (or has fractional numbers): the
                    // host keeps it whole.
                    if !packed.set(i, &entry) {
                        if let Some(h) = host.hold_value(&entry) {
                            packed.set_held(i, h);
                        }
                    }
                    // Handed to the host in runs as files finish: what finished tasks give back
                    // lies in holes too small for the packed entries, so keeping them all in the
                    // core would grow its memory by their size again.
                    if packed.pending_bytes() >= HAND_OVER_BYTES {
                        host.unpack_values(packed, false);
                    }
                }
            }
        }
        for h in held {
            host.release(h);
        }
        if first {
            let left = self.remaining.get() - 1;
            self.remaining.set(left);
            if left == 0 {
                self.done.send(());
            }
        }
    }
}
