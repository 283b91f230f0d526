// The `COS` class: the official SDK's call shapes mapped onto the wasm core, nothing more.
// Every method takes `(params, callback)`; without a callback it returns a Promise.

const METHODS = [
  'putObject', 'postObject', 'appendObject', 'headObject', 'getObject', 'deleteObject',
  'multipartList', 'multipartInit', 'multipartUpload', 'multipartListPart', 'multipartComplete', 'multipartAbort',
  'sliceUploadFile', 'uploadFile', 'uploadFiles',
];

// Calls that run as one queue task: restartTask after a failure settles their callback again.
const TASK_METHODS = new Set(['putObject', 'sliceUploadFile', 'uploadFile']);

// `load()` starts loading the wasm module (once) and resolves when it is ready; `isLoaded()` says
// whether it is. Both default to a module loaded synchronously (Node).
export function defineCOS({ core, createHost, flavour, version, load = () => Promise.resolve(), isLoaded = () => true }) {
  const whenReady = () => load().then(() => undefined);

  class COS {
    constructor(options) {
      if (options === undefined) options = {};
      if (options === null || typeof options !== 'object') throw paramErr('options should be an object');
      this.options = options;
      this._events = Object.create(null);
      this._host = options.Host || createHost(options);
      this._host.owner = this;
      // Callbacks of task calls by task id, called again when a failed task is restarted and settles.
      this._taskCallbacks = new Map();
      this._core = new core.CosCore(this._host, options, flavour, this._host.defaultProtocol(), (name, data, err) => {
        if (name !== 'inner-task-settled') return this.emit(name, data);
        const cb = this._taskCallbacks.get(data.id);
        if (!err) this._taskCallbacks.delete(data.id);
        if (cb) safeCall(cb, err || null, err ? undefined : data.data);
      });
    }

    on(name, fn) {
      if (typeof fn !== 'function') throw new TypeError('cos-wasm: listener should be a function');
      (this._events[name] || (this._events[name] = [])).push(fn);
      this._syncListening();
      return this;
    }

    off(name, fn) {
      const list = this._events[name];
      if (!list) return this;
      if (fn === undefined) delete this._events[name];
      else this._events[name] = list.filter((f) => f !== fn);
      this._syncListening();
      return this;
    }

    _syncListening() {
      const n = (e) => (this._events[e] ? this._events[e].length : 0);
      this._core.setListening(n('list-update') + n('task-list-update') > 0);
    }

    /** The upload queue: `[{id, Bucket, Region, Key, FilePath, state, loaded, size, speed, percent, hashPercent, error}]`. */
    getTaskList() {
      return this._core.getTaskList();
    }

    pauseTask(id) {
      return this._core.pauseTask(String(id));
    }

    restartTask(id) {
      return this._core.restartTask(String(id));
    }

    /** Stops the task, settles its callback/Promise with a TaskCanceled error and aborts its multipart upload. */
    cancelTask(id) {
      return this._core.cancelTask(String(id));
    }

    isUploadRunning() {
      return this.getTaskList().some((t) => t.state === 'waiting' || t.state === 'checking' || t.state === 'uploading');
    }

    /**
     * The object's URL, pre-signed unless `Sign: false`. Returns it synchronously when the instance
     * holds keys; with getAuthorization the signed URL arrives through `callback(err, {Url})`.
     */
    getObjectUrl(params, callback) {
      if (!isLoaded() && typeof callback === 'function') {
        // Before the module is ready the URL only comes through the callback.
        whenReady().then(() => this.getObjectUrl(params, callback), (err) => safeCall(callback, err, undefined));
        return undefined;
      }
      let url;
      try {
        url = this._core.getObjectUrlSync(params || {});
      } catch (err) {
        if (typeof callback !== 'function') throw err;
        safeCall(callback, err, undefined);
        return undefined;
      }
      if (typeof callback === 'function') {
        this._core.call('getObjectUrl', params || {}).then(
          (data) => safeCall(callback, null, data),
          (err) => safeCall(callback, err, undefined),
        );
      }
      return url;
    }

    emit(name, data) {
      const list = this._events[name];
      if (!list) return;
      for (const fn of list.slice()) {
        try { fn(data); } catch (e) { if (typeof console !== 'undefined') console.error('cos-wasm: a listener threw', e); }
      }
    }
  }

  for (const name of METHODS) {
    COS.prototype[name] = function (params, callback) {
      if (typeof params === 'function' && callback === undefined) { callback = params; params = {}; }
      if (params === undefined) params = {};
      if (callback !== undefined && callback !== null && typeof callback !== 'function') {
        const err = paramErr('callback should be a function');
        return Promise.reject(err);
      }
      let taskId;
      if (callback && TASK_METHODS.has(name) && params && typeof params === 'object') {
        const ready = params.onTaskReady || params.TaskReady;
        params = Object.assign({}, params, {
          onTaskReady: (id) => {
            taskId = id;
            this._taskCallbacks.set(id, callback);
            if (typeof ready === 'function') ready(id);
          },
        });
        delete params.TaskReady;
      }
      const promise = this._core.call(name, params);
      if (!callback) return promise;
      promise.then(
        (data) => { this._taskCallbacks.delete(taskId); safeCall(callback, null, data); },
        (err) => {
          // Kept only while the task can still be restarted.
          if (err && err.code === 'TaskCanceled') this._taskCallbacks.delete(taskId);
          safeCall(callback, err, undefined);
        },
      );
      return undefined;
    };
  }

  /** Resolves when the wasm module is ready; `await COS.ready` works too (it is thenable). */
  COS.ready = function ready() {
    return whenReady();
  };
  COS.ready.then = (resolve, reject) => whenReady().then(resolve, reject);
  COS.ready.catch = (reject) => whenReady().catch(reject);
  COS.ready.finally = (fn) => whenReady().finally(fn);

  const staticHost = createHost({});
  let scratch = null;
  /** The official static signer: same inputs, byte-identical Authorization strings. */
  COS.getAuthorization = function (params) {
    // A lazily loaded core (web, mini-program) has the fast path only once its wasm is loaded.
    const flat = core.getAuthorizationFlat ? flatten(params) : undefined;
    // Huge params take the general path: the scratch buffer stays small (wasm memory never shrinks).
    if (flat !== undefined && flat.length <= 65536) {
      if (scratch === null) scratch = flatScratch(core);
      const n = core.getAuthorizationFlat(scratch.write(flat), params.ForceSignHost !== false, Number(params.SystemClockOffset) || 0, flavour === 'wx');
      // 0: the general path signs or explains the error.
      if (n > 0) return scratch.read(n);
    }
    return core.getAuthorization(staticHost, params || {}, flavour);
  };
  /** Incremental MD5 / CRC-64 (hex / decimal string) from the wasm core, for callers who hash files themselves. */
  COS.Md5Hasher = core.Md5Hasher;
  COS.Crc64Hasher = core.Crc64Hasher;
  COS.version = version;
  COS.flavour = flavour;
  return COS;
}

// Plain-params fields the fast path sends as text, and fields it reads itself or ignores.
// Plain fields go as one tag letter each (src/presign.rs FLAT_FIELDS: 'A' + index).
const FLAT_FIELDS = new Map(['SecretId', 'SecretKey', 'Method', 'method', 'Key', 'Pathname', 'pathname', 'KeyTime', 'Expires', 'Bucket', 'Region'].map((k, i) => [k, String.fromCharCode(65 + i)]));
const OTHER_FIELDS = new Set(['Query', 'Headers', 'ForceSignHost', 'SystemClockOffset', 'UseRawKey', 'StartTime']);
const isText = (v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/**
 * Plain getAuthorization params as one string for the core's fast path (see getAuthorizationFlat):
 * `<tag>value\0` per field, `?name\0value\0` per Query entry, `:name\0value\0` per header.
 * undefined when anything is unusual (the general path then validates and explains).
 */
function flatten(p) {
  if (!p || typeof p !== 'object' || Object.getPrototypeOf(p) !== Object.prototype) return undefined;
  let s = '';
  for (const k in p) {
    const v = p[k];
    const tag = FLAT_FIELDS.get(k);
    if (tag !== undefined) {
      if (v === undefined || v === null) continue;
      if (typeof v === 'string') {
        if (v.indexOf('\0') !== -1) return undefined;
      } else if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
      s += tag + v + '\0';
    } else if (!OTHER_FIELDS.has(k)) return undefined;
  }
  if (p.ForceSignHost !== undefined && typeof p.ForceSignHost !== 'boolean') return undefined;
  if (p.SystemClockOffset !== undefined && !isText(p.SystemClockOffset)) return undefined;
  return flattenPairs(flattenPairs(s, '?', p.Query), ':', p.Headers);
}

function flattenPairs(s, prefix, obj) {
  if (s === undefined || obj === undefined || obj === null) return s;
  if (typeof obj !== 'object' || Object.getPrototypeOf(obj) !== Object.prototype) return undefined;
  for (const k in obj) {
    const v = obj[k];
    // As the general path: undefined is left out, null signs as an empty value.
    if (v === undefined) continue;
    if (k.indexOf('\0') !== -1) return undefined;
    if (v === null) s += prefix + k + '\0\0';
    else if (typeof v === 'string') {
      if (v.indexOf('\0') !== -1) return undefined;
      s += prefix + k + '\0' + v + '\0';
    } else if (isText(v) || typeof v === 'boolean') s += prefix + k + '\0' + v + '\0';
    else return undefined;
  }
  return s;
}

/** The core's sign scratch buffer: `write` puts a string there as UTF-8 (growing it as needed) and returns the byte count; `read` takes the answer back. */
function flatScratch(core) {
  const memory = core.wasmMemory();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let ptr = 0;
  let cap = 0;
  let view = null;
  // Growing the wasm memory replaces its buffer: the view is remade then.
  const current = () => {
    if (view === null || view.buffer !== memory.buffer) view = new Uint8Array(memory.buffer, ptr, cap);
    return view;
  };
  return {
    write(s) {
      if (s.length * 3 > cap) {
        cap = Math.max(s.length * 3, 1024);
        ptr = core.signScratch(cap);
        view = null;
      }
      return encoder.encodeInto(s, current()).written;
    },
    /** The first `n` bytes as text (the core writes its answer there). */
    read(n) {
      return decoder.decode(current().subarray(0, n));
    },
  };
}

function paramErr(message) {
  const e = new Error(message);
  e.code = 'Error';
  e.error = { message, code: 'Error' };
  e.headers = {};
  return e;
}

function safeCall(fn, err, data) {
  try {
    fn(err, data);
  } catch (e) {
    if (typeof console !== 'undefined') console.error('cos-wasm: a callback threw an exception', e);
  }
}
