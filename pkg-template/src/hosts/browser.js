// Browser host: XMLHttpRequest (upload progress, abort, timeout), fetch where XHR is missing
// (service workers), Blob slices for bodies, localStorage for checkpoints.
import { createBaseHost, createRequestTable, createSourceTable, isBinary, toBytes, paramError, BODY_ERROR, MAX_RESPONSE_BYTES, TOO_LARGE, stallTimeout } from './common.js';

// Browsers refuse to let scripts set these; the browser sends its own.
const FORBIDDEN = new Set(['host', 'content-length', 'date', 'expect', 'connection', 'user-agent', 'origin', 'referer']);

/**
 * A ReadableStream read on demand: `next(max)` gives its next bytes (at most `max`; empty at its
 * end); the rest of a larger chunk waits for the next call. Its error rejects. `release()` cancels a
 * stream not read to its end (the upload stopped), so its source stops producing.
 */
export function webStreamReader(stream) {
  const reader = stream.getReader();
  let rest = null;
  let done = false;
  const encoder = new TextEncoder();
  const bytesOf = (v) => (typeof v === 'string' ? encoder.encode(v) : v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : null);
  return {
    async next(max) {
      while (!rest || rest.byteLength === 0) {
        if (done) return new Uint8Array(0);
        let r;
        try {
          r = await reader.read();
        } catch (e) {
          throw new Error('the Body stream failed: ' + ((e && e.message) || e));
        }
        if (r.done) { done = true; continue; }
        rest = bytesOf(r.value);
        if (!rest) throw new Error('the Body stream gave a chunk that is not bytes or text');
      }
      const out = rest.byteLength > max ? rest.subarray(0, max) : rest;
      rest = rest.byteLength > max ? rest.subarray(max) : null;
      return out;
    },
    release() {
      if (!done) reader.cancel().catch(() => {});
      else reader.releaseLock();
    },
  };
}

function parseHeaders(raw) {
  const out = {};
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Ends a request (`end(error)`) that moves no byte for `stallMs` (0 = never), or whose answer,
 * when it goes to wasm, grows past MAX_RESPONSE_BYTES. Every transfer event calls `touch`.
 */
function requestGuard(stallMs, end) {
  let timer = null;
  const guard = {
    touch() {
      if (!stallMs) return;
      clearTimeout(timer);
      timer = setTimeout(() => end({ kind: 'timeout', message: 'the connection stalled: no byte sent or received for ' + stallMs + ' ms' }), stallMs);
    },
    received(bytes, capped) {
      guard.touch();
      if (capped && bytes > MAX_RESPONSE_BYTES) end({ kind: 'invalid', message: TOO_LARGE });
    },
    stop() {
      clearTimeout(timer);
    },
  };
  guard.touch();
  return guard;
}

let wasmModule = null;
let workerFileUrl = null;
let ioWorker = null; // {worker, ready: Promise<boolean>, handlers, free, broken}, shared by every COS instance

/**
 * The compiled wasm module the page runs (the I/O worker instantiates the same one), and, when
 * this package's own web.js is served as a file, its URL for starting the worker where a CSP
 * refuses Blob-URL workers.
 */
export function setWasmModule(module, fileUrl) {
  wasmModule = module;
  workerFileUrl = fileUrl || null;
}

/** Turns the running module Worker (web.js started with `fileUrl`) into the I/O worker. */
export function runIoWorker() {
  ioWorkerMain();
}

// The I/O worker's whole program. It runs from a Blob URL (no file of its own to find, which a
// bundler would have renamed or merged into the app), instantiates the page's compiled wasm module
// with its JS imports stubbed and calls only the module's plain `cosw_hash_*` exports. Self-contained:
// it is started from its source text, so it may use nothing from this module's scope.
function ioWorkerMain() {
  let ex = null;
  // What this worker did, readable from devtools (and by the tests).
  const stats = { ready: false, hashed: 0, sent: 0 };
  self.cosWasmStats = stats;
  const xhrs = []; // by request id (the page reuses ids, as slots)
  const post = (m, transfer) => postMessage(m, transfer || []);
  const text = (ptr) => {
    const b = new Uint8Array(ex.memory.buffer);
    let end = ptr;
    while (b[end] !== 0) end++;
    return new TextDecoder().decode(b.subarray(ptr, end));
  };
  const hash = async ({ id, blob, start, end, md5 }) => {
    const h = ex.cosw_hash_new(md5 ? 1 : 0);
    try {
      const add = (bytes) => {
        for (let at = 0; at < bytes.length; at += 1 << 20) {
          const part = bytes.subarray(at, Math.min(bytes.length, at + (1 << 20)));
          const ptr = ex.cosw_hash_chunk(h, part.length);
          new Uint8Array(ex.memory.buffer, ptr, part.length).set(part);
          ex.cosw_hash_update(h, part.length);
        }
      };
      const range = blob.slice(start, end);
      if (typeof range.stream === 'function') {
        // A stream costs Chromium a third less CPU than arrayBuffer() reads of the same range.
        const reader = range.stream().getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) add(r.value);
      } else {
        for (let p = 0; p < range.size; p += 4 << 20) add(new Uint8Array(await range.slice(p, p + (4 << 20)).arrayBuffer()));
      }
      const [crc64, digest] = text(ex.cosw_hash_finish(h)).split(' ');
      stats.hashed++;
      post({ id, crc64, md5: md5 ? digest : undefined });
    } catch (e) {
      post({ id, error: String((e && e.message) || e) });
    } finally {
      ex.cosw_hash_free(h);
    }
  };
  // The page's host built and signed the request; this only moves the bytes.
  const send = ({ id, method, url, headers, blob, start, end, timeout }) => {
    const xhr = new XMLHttpRequest();
    xhrs[id] = xhr;
    const done = (m, transfer) => { xhrs[id] = undefined; post(m, transfer); };
    xhr.open(method, url, true);
    for (const [k, v] of headers) xhr.setRequestHeader(k, v);
    xhr.responseType = 'arraybuffer';
    if (timeout) xhr.timeout = timeout;
    // Every transfer event is reported: the page's guard watches for stalls and oversized answers.
    xhr.upload.onprogress = (e) => post({ id, progress: e.loaded });
    xhr.onprogress = (e) => post({ id, received: e.loaded });
    xhr.onload = () => done({ id, status: xhr.status, rawHeaders: xhr.getAllResponseHeaders(), body: xhr.response }, xhr.response ? [xhr.response] : []);
    xhr.onerror = () => done({ id, fail: 'network' });
    xhr.ontimeout = () => done({ id, fail: 'timeout' });
    xhr.onabort = () => done({ id, fail: 'aborted' });
    xhr.send(blob.slice(start, end));
    stats.sent++;
  };
  const start = async (module) => {
    const imports = {};
    for (const i of WebAssembly.Module.imports(module)) {
      if (!imports[i.module]) imports[i.module] = {};
      imports[i.module][i.name] = () => { throw new Error('cos-wasm I/O worker: ' + i.name + ' is not available here'); };
    }
    ex = (await WebAssembly.instantiate(module, imports)).exports;
    if (typeof ex.cosw_hash_new !== 'function') throw new Error('this wasm has no worker exports');
    stats.ready = true;
  };
  onmessage = ({ data }) => {
    if (data.type === 'init') start(data.module).then(() => post({ ready: true }), (e) => post({ ready: false, error: String((e && e.message) || e) }));
    else if (data.type === 'hash') hash(data);
    else if (data.type === 'send') send(data);
    else if (data.type === 'abort') { const x = xhrs[data.id]; if (x) x.abort(); }
  };
}

// One Worker running the same wasm: it hashes File ranges and sends the requests whose bodies are
// File ranges, so neither the bytes nor the XHR work touch the page's main thread. It starts from a
// Blob URL, else (a CSP without worker-src blob:) from web.js itself when that is a file of its own;
// `ready` resolves false if neither starts: everything then stays on the main thread.
function getIoWorker() {
  if (ioWorker) return ioWorker;
  // Reply handlers by request id, in slots reused once a request's last reply came (see ask).
  const handlers = [undefined];
  const free = [];
  const starts = [];
  if (wasmModule && typeof Worker !== 'undefined') {
    if (typeof Blob !== 'undefined' && typeof URL !== 'undefined' && URL.createObjectURL) {
      starts.push(() => {
        const src = URL.createObjectURL(new Blob(['(' + ioWorkerMain.toString() + ')();'], { type: 'text/javascript' }));
        return { worker: new Worker(src, { name: 'cos-wasm I/O' }), done: () => URL.revokeObjectURL(src) };
      });
    }
    if (workerFileUrl) starts.push(() => ({ worker: new Worker(workerFileUrl, { type: 'module', name: 'cos-wasm I/O' }), done: () => {} }));
  }
  let resolveReady;
  const ready = new Promise((resolve) => { resolveReady = resolve; });
  ioWorker = { worker: null, ready, handlers, free, broken: false };
  const lose = () => {
    ioWorker.broken = true;
    resolveReady(false);
    for (const h of handlers) if (h) h({ lost: true });
    handlers.length = 1;
    free.length = 0;
  };
  const attempt = (i) => {
    if (i >= starts.length) { lose(); return; }
    let started;
    try {
      started = starts[i]();
    } catch {
      attempt(i + 1);
      return;
    }
    const { worker, done } = started;
    let isReady = false;
    // A worker that neither starts nor fails (it should take milliseconds) must not hold uploads back.
    const stall = setTimeout(() => { if (!isReady) fail(); }, 15000);
    // Before it is ready a failure tries the next way to start; after, the worker is lost.
    const fail = () => {
      clearTimeout(stall);
      done();
      worker.onerror = worker.onmessage = worker.onmessageerror = null;
      worker.terminate();
      if (isReady) lose();
      else attempt(i + 1);
    };
    worker.onerror = fail;
    worker.onmessageerror = fail;
    worker.onmessage = ({ data }) => {
      if (data && data.ready !== undefined) {
        if (!data.ready) { fail(); return; }
        clearTimeout(stall);
        done();
        isReady = true;
        resolveReady(true);
        return;
      }
      const h = handlers[data.id];
      if (h) h(data);
    };
    ioWorker.worker = worker;
    worker.postMessage({ type: 'init', module: wasmModule });
  };
  attempt(0);
  return ioWorker;
}

/**
 * Posts `msg` to the worker; `onReply(data)` gets its replies until it returns true (done).
 * Request ids are slots, reused once a request's last reply came (as the Node host's request
 * table): a Map with an entry added and deleted per request gets a new hash table every few
 * requests, and each outgrown table keeps the requests it held reachable for the young-generation
 * GC. Reuse is safe because each side's messages arrive in order: the last reply for an id comes
 * before any message of the request that reuses it, and an abort posted for it before the worker
 * saw that request.
 */
function ask(w, msg, onReply) {
  const id = w.free.length > 0 ? w.free.pop() : w.handlers.length;
  w.handlers[id] = (data) => {
    if (onReply(data) && w.handlers[id] !== undefined) {
      w.handlers[id] = undefined;
      w.free.push(id);
    }
  };
  w.worker.postMessage({ ...msg, id });
  return id;
}

export function createBrowserHost(options = {}) {
  const host = createBaseHost();
  const sources = createSourceTable();
  const inFlight = createRequestTable();

  function bodyOf(body) {
    if (body == null) return null;
    if (body instanceof Uint8Array) return body;
    if (body.form) {
      // POST Object: a plain FormData, the file last.
      const fd = new FormData();
      for (const [k, v] of body.form) fd.append(k, v);
      const file = bodyOf(body.file);
      fd.append('file', file instanceof Blob ? file : new Blob(file ? [file] : []), body.fileName);
      return fd;
    }
    const src = sources.get(body.source);
    return src.blob ? src.blob.slice(body.start, body.end) : src.bytes.subarray(body.start, body.end);
  }

  function sendXhr(req, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(req.method, req.url, true);
      for (const [k, v] of req.headers) if (!FORBIDDEN.has(k.toLowerCase())) xhr.setRequestHeader(k, v);
      if (req.responseType === 'native') {
        xhr.responseType = req.dataType === 'blob' ? 'blob' : req.dataType === 'arraybuffer' ? 'arraybuffer' : 'text';
      } else {
        xhr.responseType = 'arraybuffer';
      }
      if (req.timeout) xhr.timeout = req.timeout;
      let ended = null;
      let slot = -1;
      const guard = requestGuard(stallTimeout(options), (e) => { ended = e; xhr.abort(); });
      if (xhr.upload) {
        xhr.upload.onprogress = (e) => {
          guard.touch();
          if (onProgress) onProgress(e.loaded);
        };
      }
      xhr.onprogress = (e) => guard.received(e.loaded, req.responseType !== 'native' || xhr.status >= 300);
      xhr.onloadend = () => guard.stop();
      xhr.onload = () => {
        inFlight.remove(slot, req.id);
        const headers = parseHeaders(xhr.getAllResponseHeaders());
        if (req.responseType === 'native' && xhr.status < 300) {
          resolve({ status: xhr.status, headers, body: null, native: xhr.response });
        } else if (req.responseType === 'native' && xhr.responseType !== 'arraybuffer') {
          const r = xhr.response;
          if (typeof r === 'string') resolve({ status: xhr.status, headers, body: r });
          else r.arrayBuffer().then((b) => resolve({ status: xhr.status, headers, body: new Uint8Array(b) }));
        } else {
          resolve({ status: xhr.status, headers, body: new Uint8Array(xhr.response || new ArrayBuffer(0)) });
        }
      };
      xhr.onerror = () => {
        inFlight.remove(slot, req.id);
        reject({ kind: 'network', message: 'CORS blocked or network error' });
      };
      xhr.ontimeout = () => {
        inFlight.remove(slot, req.id);
        reject({ kind: 'timeout', message: 'timeout' });
      };
      xhr.onabort = () => {
        inFlight.remove(slot, req.id);
        reject(ended || { kind: 'aborted', message: 'aborted' });
      };
      slot = inFlight.add(req.id, () => xhr.abort());
      xhr.send(bodyOf(req.body));
    });
  }

  async function sendFetch(req, onProgress) {
    const ctl = new AbortController();
    let ended = null;
    const end = (e) => { ended = e; ctl.abort(); };
    const timer = req.timeout ? setTimeout(() => end({ kind: 'timeout', message: 'timeout' }), req.timeout) : null;
    let guard = null;
    const slot = inFlight.add(req.id, () => ctl.abort());
    try {
      const headers = new Headers();
      for (const [k, v] of req.headers) if (!FORBIDDEN.has(k.toLowerCase())) headers.set(k, v);
      const body = bodyOf(req.body);
      const res = await fetch(req.url, { method: req.method, headers, body, signal: ctl.signal });
      // fetch shows no upload progress, so the stall guard watches the answer only.
      guard = requestGuard(stallTimeout(options), end);
      const out = { status: res.status, headers: {} };
      res.headers.forEach((v, k) => { out.headers[k] = v; });
      if (req.responseType === 'native' && res.status < 300) {
        out.native = req.dataType === 'blob' ? await res.blob() : req.dataType === 'arraybuffer' ? await res.arrayBuffer() : await res.text();
      } else {
        out.body = await readCapped(res, guard);
      }
      if (onProgress && body) onProgress(body.size ?? body.byteLength);
      return out;
    } catch (e) {
      if (ended) throw ended;
      if (e && e.name === 'AbortError') throw { kind: 'aborted', message: 'aborted' };
      throw { kind: 'network', message: 'CORS blocked or network error' };
    } finally {
      if (timer) clearTimeout(timer);
      if (guard) guard.stop();
      inFlight.remove(slot, req.id);
    }
  }

  /** A fetch answer's bytes, refused (through the guard) once past MAX_RESPONSE_BYTES. */
  async function readCapped(res, guard) {
    if (!res.body || !res.body.getReader) return new Uint8Array(await res.arrayBuffer());
    const reader = res.body.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      guard.received(total, true);
      chunks.push(value);
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.byteLength; }
    return out;
  }

  // A request whose body is a File/Blob range, sent by the worker (upload progress included).
  function sendInWorker(w, req, src, onProgress) {
    return new Promise((resolve, reject) => {
      const headers = req.headers.filter(([k]) => !FORBIDDEN.has(k.toLowerCase()));
      let id = 0;
      let slot = -1;
      let ended = null;
      let replied = false;
      // Once the last reply came, `id` may already serve another request.
      const abort = () => { if (!replied) w.worker.postMessage({ type: 'abort', id }); };
      const guard = requestGuard(stallTimeout(options), (e) => { ended = e; abort(); });
      id = ask(w, {
        type: 'send', method: req.method, url: req.url, headers, blob: src.blob,
        start: req.body.start, end: req.body.end, timeout: req.timeout,
      }, (d) => {
        if (d.progress !== undefined) {
          guard.touch();
          if (onProgress) onProgress(d.progress);
          return false;
        }
        // Worker requests carry XML answers only (parts, puts): always capped.
        if (d.received !== undefined) { guard.received(d.received, true); return false; }
        replied = true;
        guard.stop();
        inFlight.remove(slot, req.id);
        if (ended) reject(ended);
        else if (d.lost) reject({ kind: 'network', message: 'the upload worker stopped' });
        else if (d.fail) reject({ kind: d.fail, message: d.fail === 'network' ? 'CORS blocked or network error' : d.fail });
        else resolve({ status: d.status, headers: parseHeaders(d.rawHeaders), body: new Uint8Array(d.body || new ArrayBuffer(0)) });
        return true;
      });
      slot = inFlight.add(req.id, abort);
    });
  }

  const useXhr = typeof XMLHttpRequest !== 'undefined' && !options.UseFetch;
  const sendHere = useXhr ? sendXhr : sendFetch;
  host.send = (req, onProgress) => {
    const body = req.body;
    const src = body && body.source !== undefined && !body.form ? sources.get(body.source) : null;
    if (!src || !src.blob || !useXhr || req.responseType !== 'bytes' || options.UseWorker === false) return sendHere(req, onProgress);
    const w = getIoWorker();
    if (w.broken) return sendHere(req, onProgress);
    return w.ready.then((ok) => (ok && !w.broken ? sendInWorker(w, req, src, onProgress) : sendHere(req, onProgress)));
  };
  host.abort = (id) => inFlight.abort(id);
  // Synchronous: the call's task is queued before the method returns.
  host.open = (ref, isPath) => {
    if (isPath) throw paramError('FilePath is not available in browsers: pass the File as Body');
    const v = host.get(ref);
    if (typeof Blob !== 'undefined' && v instanceof Blob) {
      const isFile = typeof File !== 'undefined' && v instanceof File;
      const id = sources.add({ blob: v });
      return { id, size: v.size, type: v.type || undefined, name: isFile ? v.name : undefined, lastModified: isFile ? v.lastModified : undefined, persistent: isFile };
    }
    if (isBinary(v)) {
      const bytes = toBytes(v);
      return { id: sources.add({ bytes }), size: bytes.byteLength, persistent: false };
    }
    if (v !== null && typeof v === 'object' && typeof v.getReader === 'function') {
      // A ReadableStream: read once, by the core's part reads (XHR cannot send a stream).
      if (v.locked) throw paramError('params body format error: the Body ReadableStream is locked (already being read)');
      return { id: sources.add({ reader: webStreamReader(v) }), size: 0, persistent: false, streamed: true };
    }
    throw paramError(BODY_ERROR);
  };
  host.read = async (id, start, end) => {
    const src = sources.get(id);
    if (src.reader) return src.reader.next(end - start);
    if (src.bytes) return src.bytes.slice(start, end);
    return new Uint8Array(await src.blob.slice(start, end).arrayBuffer());
  };
  host.close = (id) => {
    const src = sources.delete(id);
    if (src && src.reader) src.reader.release();
  };
  // Hash a File/Blob range in the worker (null: the core reads and hashes it itself).
  host.hashRange = (id, start, end, md5) => {
    const src = sources.get(id);
    if (!src.blob || options.UseWorker === false) return null;
    const w = getIoWorker();
    if (w.broken) return null;
    return w.ready.then((ok) => {
      if (!ok || w.broken) return null;
      return new Promise((resolve) => {
        ask(w, { type: 'hash', blob: src.blob, start, end, md5 }, (d) => {
          resolve(d.lost || d.error ? null : { crc64: d.crc64, md5: d.md5 });
          return true;
        });
      });
    });
  };
  host.storageGet = (key) => {
    try { return globalThis.localStorage ? globalThis.localStorage.getItem(key) : null; } catch { return null; }
  };
  host.storageSet = (key, value) => {
    try { if (globalThis.localStorage) globalThis.localStorage.setItem(key, value); } catch { /* quota or privacy mode: resume just won't survive a reload */ }
  };
  // Select results (selectObjectContent's Payload) are UTF-8 text here, as the official SDK gives them.
  host.bytesValue = (u8) => new TextDecoder().decode(u8);
  host.defaultProtocol = () => (globalThis.location && globalThis.location.protocol === 'http:' ? 'http:' : 'https:');
  return host;
}
