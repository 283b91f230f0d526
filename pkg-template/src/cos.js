// The `COS` class: the official SDK's call shapes mapped onto the wasm core, nothing more.
// Every method takes `(params, callback)`; without a callback it returns a Promise.

import { reportCallbackError } from './hosts/common.js';

// Calls that run as one queue task: restartTask after a failure settles their callback again.
const TASK_METHODS = new Set(['putObject', 'sliceUploadFile', 'uploadFile']);

// `methods`: the official method names the core answers, its one list (`methodNames()` of the wasm;
// baked in at build time where the wasm loads later). `load()` starts loading the wasm module (once)
// and resolves when it is ready; `isLoaded()` says whether it is. Both default to a module loaded
// synchronously (Node). `host`: which official SDK this build stands in for where they differ
// ('node', or by default the flavour: 'js' for browsers, 'wx').
export function defineCOS({ core, methods, createHost, flavour, host = flavour, version, load = () => Promise.resolve(), isLoaded = () => true }) {
  if (!Array.isArray(methods) || methods.length === 0) throw new Error('cos-wasm: built without the core\'s method list');
  const whenReady = () => load().then(() => undefined);

  class COS {
    constructor(options) {
      if (options === undefined) options = {};
      if (options === null || typeof options !== 'object') throw paramErr('options should be an object');
      // The instance's own copy, as the official SDKs keep one: changed later, it takes effect on
      // the next call (see _syncOptions).
      this.options = Object.assign({}, options);
      options = this.options;
      this._optionsSeen = optionsSnapshot(options);
      this._events = Object.create(null);
      this._host = options.Host || createHost(options);
      this._host.owner = this;
      // Callbacks of task calls by task id, called again when a failed task is restarted and settles.
      this._taskCallbacks = new Map();
      this._core = new core.CosCore(this._host, options, host, this._host.defaultProtocol(), (name, data, err) => {
        if (name === 'inner-task-retired') return void this._taskCallbacks.delete(data.id);
        if (name !== 'inner-task-settled') return this.emit(name, data);
        const cb = this._taskCallbacks.get(data.id);
        if (!err) this._taskCallbacks.delete(data.id);
        if (cb) safeCall(cb, err || null, err ? undefined : data.data);
      });
    }

    /**
     * Puts `cos.options` in force again when it changed since the last call (a new value of any
     * field, a field added or removed, a new `Credentials` key, or a new object): the official SDKs
     * read `cos.options` when they need a value, so a change applies to the calls made after it.
     * Comparing the fields costs far less than a request; bad new options fail the call.
     */
    _syncOptions() {
      const o = this.options;
      if (sameOptions(o, this._optionsSeen)) return;
      if (o === null || typeof o !== 'object') throw paramErr('options should be an object');
      this._core.setOptions(o);
      this._optionsSeen = optionsSnapshot(o);
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
      this._syncOptions();
      return this._core.restartTask(String(id));
    }

    /** Stops the task, settles its callback/Promise with a TaskCanceled error and aborts its multipart upload. */
    cancelTask(id) {
      return this._core.cancelTask(String(id));
    }

    /**
     * The official instance signer: an Authorization string for the given request, signed in wasm
     * with the keys in params or, as the official SDK does, the instance's own.
     */
    getAuth(params) {
      const p = params || {};
      const o = this.options;
      const signed = {};
      for (const k of ['Bucket', 'Region', 'Method', 'Key', 'Query', 'Headers', 'Expires', 'KeyTime']) {
        if (p[k] !== undefined) signed[k] = p[k];
      }
      const keys = signingKeys(p, o);
      signed.SecretId = keys.id || '';
      signed.SecretKey = keys.key || '';
      for (const k of ['UseRawKey', 'SystemClockOffset', 'ForceSignHost']) {
        if (o[k] !== undefined) signed[k] = o[k];
      }
      return COS.getAuthorization(signed);
    }

    /**
     * The older multi-field signature (`?sign=`), as cos-nodejs-sdk-v5's getV4Auth: the instance's
     * keys unless params give them; `Expires` in seconds (default 900).
     */
    getV4Auth(params) {
      const p = params || {};
      const o = this.options;
      const { id, key } = signingKeys(p, o);
      // The official helper logs and returns nothing here; a call that cannot sign says why.
      for (const [name, v] of [['SecretId', id], ['SecretKey', key], ['Bucket', p.Bucket]]) {
        if (!v || typeof v !== 'string') throw paramErr('missing param ' + name);
      }
      const expires = p.Expires === undefined ? 900 : Number(p.Expires);
      const now = Math.round((Date.now() + (Number(o.SystemClockOffset) || 0)) / 1000);
      const sig = core.signV4(id, key, p.Bucket, String(p.Key || ''), now, expires, Math.round(Math.random() * 2 ** 32) >>> 0);
      if (sig === undefined) throw paramErr('param Bucket should be in the format name-APPID');
      return sig;
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
      let signal = null;
      if (params && typeof params === 'object' && params.signal != null) {
        signal = params.signal;
        params = withoutSignal(params);
      }
      let url;
      try {
        this._syncOptions();
        if (signal !== null) checkSignal(signal);
        url = this._core.getObjectUrlSync(params || {});
      } catch (err) {
        if (typeof callback !== 'function') throw err;
        safeCall(callback, err, undefined);
        return undefined;
      }
      if (typeof callback === 'function') {
        const signed = callCore(this._core, 'getObjectUrl', params || {});
        (signal !== null ? untilAborted(signed, signal, null) : signed).then(
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
        try { fn(data); } catch (e) { reportCallbackError(e); }
      }
    }
  }

  for (const name of methods) {
    // Methods the class defines itself (getObjectUrl) keep their own shape.
    if (Object.prototype.hasOwnProperty.call(COS.prototype, name)) continue;
    COS.prototype[name] = function (params, callback) {
      if (typeof params === 'function' && callback === undefined) { callback = params; params = {}; }
      if (params === undefined) params = {};
      if (callback !== undefined && callback !== null && typeof callback !== 'function') {
        const err = paramErr('callback should be a function');
        return Promise.reject(err);
      }
      const isObject = params !== null && typeof params === 'object';
      let signal = null;
      if (isObject && params.signal != null) {
        signal = params.signal;
        params = withoutSignal(params);
      }
      // The queue tasks a signal cancels (by TaskId): this call's own, or each uploadFiles entry's.
      // Everything else a call runs stops by its call id.
      const files = name === 'uploadFiles' && isObject && Array.isArray(params.files) ? params.files : null;
      const tasks = (signal !== null && TASK_METHODS.has(name)) || files !== null ? taskCanceler(this) : null;
      let taskId;
      let promise;
      let callId = null;
      try {
        this._syncOptions();
        if (signal !== null) checkSignal(signal);
        if (isObject && (callback || tasks) && TASK_METHODS.has(name)) {
          params = onTaskReady(params, (id) => {
            taskId = id;
            if (callback) this._taskCallbacks.set(id, callback);
            if (tasks) tasks.add(id, null, signal);
          });
        }
        if (files !== null && (signal !== null || files.some((f) => f && f.signal != null))) {
          params = Object.assign({}, params, {
            files: files.map((f) => {
              if (!f || typeof f !== 'object') return f;
              const own = f.signal != null ? f.signal : null;
              if (own !== null && !isSignal(own)) throw paramErr('param files[] signal should be an AbortSignal');
              return onTaskReady(own !== null ? withoutSignal(f) : f, (id) => tasks.add(id, own, signal));
            }),
          });
        }
        if (signal !== null) {
          callId = this._core.newCallId();
          promise = callCore(this._core, name, params, callId);
        } else {
          promise = callCore(this._core, name, params);
        }
      } catch (err) {
        promise = Promise.reject(err);
      }
      if (signal !== null) {
        const core = this._core;
        const canceler = {
          cancelAll() {
            if (tasks) tasks.cancelAll();
            if (callId !== null) core.cancelCall(callId);
          },
        };
        // The call settles once what it runs has stopped (its requests aborted, its tasks
        // canceled). uploadFiles would resolve with every entry's outcome: it settles at once.
        promise = untilAborted(promise, signal, canceler, name !== 'uploadFiles');
      }
      if (tasks) promise.then(tasks.done, tasks.done);
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
  /** The official static helpers, computed in wasm. */
  COS.util = {
    /** Lower-case hex MD5 of a string (UTF-8) or of bytes (ArrayBuffer, typed array). */
    md5: (data) => core.utilMd5(typeof data === 'string' ? data : utilBytes(data)),
    /** Base64 of a string's UTF-8 bytes; `urlSafe` as the official helper's second argument. */
    encodeBase64: (text, urlSafe) => core.utilBase64(String(text), !!urlSafe),
    /** An XML document as the SDK shapes results: `{Root: {...}}`, repeated elements as arrays. */
    xml2json: (xml) => core.utilXml2json(staticHost, String(xml)),
    /** An object as XML, each field an element, arrays repeated. */
    json2xml: (obj) => core.utilJson2xml(staticHost, obj),
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

/** A core call as a Promise (the core settles the functions it is given; `id` from newCallId). */
function callCore(core, name, params, id) {
  return new Promise((resolve, reject) => core.callWith(name, params, id, resolve, reject));
}

function isSignal(s) {
  return s !== null && typeof s === 'object' && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
}

/** Throws the cancel error for an aborted signal, a param error for something that is no signal. */
function checkSignal(signal) {
  if (!isSignal(signal)) throw paramErr('params signal should be an AbortSignal');
  if (signal.aborted) throw canceledError();
}

function withoutSignal(params) {
  const p = Object.assign({}, params);
  delete p.signal;
  return p;
}

/** `params` whose onTaskReady (or TaskReady) also tells `fn` the task id. */
function onTaskReady(params, fn) {
  const user = params.onTaskReady || params.TaskReady;
  const p = Object.assign({}, params, {
    onTaskReady: (id) => {
      fn(id);
      if (typeof user === 'function') user(id);
    },
  });
  delete p.TaskReady;
  return p;
}

/**
 * The tasks of one call, canceled as cancelTask cancels them (TaskCanceled, the multipart upload
 * aborted) when a signal aborts: `add(id, own, call)` when a task is made, with the entry's own signal
 * and the call's (either null). A signal that aborted before the task existed cancels it as soon as it
 * does, before it starts. `done()` when the call settles removes every listener.
 */
function taskCanceler(cos) {
  const ids = [];
  const listeners = [];
  let settled = false;
  return {
    add(id, own, call) {
      ids.push(id);
      if ((own && own.aborted) || (call && call.aborted)) {
        cos.cancelTask(id);
      } else if (own && !settled) {
        const fn = () => cos.cancelTask(id);
        own.addEventListener('abort', fn);
        listeners.push([own, fn]);
      }
    },
    cancelAll() {
      for (const id of ids) cos.cancelTask(id);
    },
    done() {
      settled = true;
      for (const [signal, fn] of listeners) signal.removeEventListener('abort', fn);
      listeners.length = 0;
      ids.length = 0;
    },
  };
}

/**
 * `promise`, settled with the cancel error when `signal` aborts first. A call whose tasks settle
 * it (`settlesItself`) only has them canceled; any other settles at once.
 */
function untilAborted(promise, signal, tasks, settlesItself = false) {
  // Not a signal: the call already failed on it.
  if (!isSignal(signal)) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      if (tasks) tasks.cancelAll();
      if (!settlesItself) finish();
    };
    const finish = (ok, v) => {
      signal.removeEventListener('abort', onAbort);
      if (ok === true) resolve(v);
      else if (ok === false) reject(v);
      else reject(canceledError());
    };
    signal.addEventListener('abort', onAbort);
    promise.then((v) => finish(true, v), (e) => finish(false, e));
  });
}

/** The error cancelTask settles a task with (src/error.rs CosError::canceled, as error_to_js shapes it). */
function canceledError() {
  const e = new Error('task canceled');
  e.code = 'TaskCanceled';
  e.error = { message: 'task canceled', code: 'TaskCanceled' };
  e.headers = {};
  return e;
}

/**
 * The keys the instance signers use: those in params, else the instance's, read as the core reads
 * them (src/options.rs): `Credentials` with both keys, then SecretId/SecretKey, then lower case.
 */
function signingKeys(params, options) {
  const cred = options.Credentials;
  const fromCred = cred && typeof cred === 'object' && cred.secretId && cred.secretKey;
  return {
    id: params.SecretId || (fromCred ? cred.secretId : options.SecretId || options.secretId),
    key: params.SecretKey || (fromCred ? cred.secretKey : options.SecretKey || options.secretKey),
  };
}

/** What _syncOptions compares: the object, its fields, and the keys inside `Credentials`. */
function optionsSnapshot(o) {
  const cred = o && o.Credentials;
  return {
    object: o,
    fields: Object.assign({}, o),
    count: Object.keys(o).length,
    credId: cred ? cred.secretId : undefined,
    credKey: cred ? cred.secretKey : undefined,
  };
}

function sameOptions(o, seen) {
  if (o !== seen.object) return false;
  let count = 0;
  for (const k in o) {
    count++;
    if (!Object.is(o[k], seen.fields[k])) return false;
  }
  if (count !== seen.count) return false;
  const cred = o.Credentials;
  return !cred || (cred.secretId === seen.credId && cred.secretKey === seen.credKey);
}

/** Bytes for COS.util.md5: typed arrays and ArrayBuffers by their bytes, anything else as text. */
function utilBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return String(data);
}

function paramErr(message) {
  const e = new Error(message);
  e.code = 'Error';
  e.error = { message, code: 'Error' };
  e.headers = {};
  return e;
}

/** Calls a user callback; an exception it throws surfaces after it (see reportCallbackError). */
function safeCall(fn, err, data) {
  try {
    fn(err, data);
  } catch (e) {
    reportCallbackError(e);
  }
}
