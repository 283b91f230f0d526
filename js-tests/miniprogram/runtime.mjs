// A simulated WeChat mini-program runtime for tests: a Node `vm` context with what a mini-program's
// logic layer has, and nothing else.
//
//   present: the ECMAScript built-ins, console, timers, `wx` (request, uploadFile, file system, storage,
//            env, chooseMessageFile, toasts), WXWebAssembly, App/Page/getApp, a package-local require
//   absent:  TextEncoder, TextDecoder, fetch, URL, Blob, FormData, XMLHttpRequest, WebAssembly,
//            SharedArrayBuffer, FinalizationRegistry, WeakRef, queueMicrotask, eval/new Function
//
// The wx APIs are backed by Node http and fs and hold the SDK to the documented contracts:
//   - wx.request + wx.uploadFile: at most 10 tasks in flight; one more fails with "exceed max task
//     count" and counts as a violation (the peak is recorded).
//   - wx.request: `data` is sent as given (an ArrayBuffer as bytes, a string as UTF-8, any other
//     object — typed arrays included — as JSON); content-type defaults to application/json; success
//     for every HTTP status; response header names keep the server's case; `responseType:
//     'arraybuffer'` gives an ArrayBuffer, else text (JSON-parsed when dataType is 'json').
//   - wx.uploadFile: POST multipart/form-data from a file path; success has `data` (text) and
//     `statusCode` only: headers come through UploadTask.onHeadersReceived.
//   - FileSystemManager.readFile: position in [0, size - 1], length in [1, size - position];
//     anything else fails (real devices are looser and pad, which hides bugs).
//   - files: `wxfile://tmp_*` and `http://tmp/*` (picked files, read-only), `wxfile://usr/*`
//     (wx.env.USER_DATA_PATH, writable).
//   - WXWebAssembly.instantiate(path, imports): a .wasm or .wasm.br path inside the code package;
//     modules using any feature outside `wasmFeatures` (default: none beyond MVP) are refused.
//   - storage: strings in a Map that can outlive the runtime (an app restart), 1 MB per key.
import vm from 'node:vm';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { types } from 'node:util';
import { scanWasmFeatures } from './wasm-features.mjs';

export const MAX_WX_REQUESTS = 10;
const METHODS = new Set(['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT']);
const USER_DATA_PATH = 'wxfile://usr';
const STORAGE_ITEM_LIMIT = 1024 * 1024;
const STORAGE_TOTAL_LIMIT = 10 * 1024 * 1024;

/**
 * @param {object} o
 * @param {string} o.packageDir the code package root (WXWebAssembly and require resolve inside it)
 * @param {Map<string,string>} [o.storage] wx storage, shared across runtimes to simulate a restart
 * @param {http.Agent} [o.agent] agent for http:// requests (e.g. one resolving *.localhost)
 * @param {string[]} [o.wasmFeatures] post-MVP wasm features the runtime accepts
 * @param {number} [o.maxRequests] the wx.request + wx.uploadFile cap (10)
 * @param {string} [o.dataDir] where picked files and USER_DATA_PATH live; kept by dispose()
 */
export function createMiniProgramRuntime({ packageDir, storage = new Map(), agent, wasmFeatures = [], maxRequests = MAX_WX_REQUESTS, dataDir } = {}) {
  // dataDir (kept by dispose) lets files outlive the runtime, as they outlive an app restart.
  const base = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-mp-'));
  const tmpDir = path.join(base, 'tmp');
  const userDir = path.join(base, 'usr');
  fs.mkdirSync(tmpDir, { recursive: true });
  fs.mkdirSync(userDir, { recursive: true });

  const timers = new Set();
  const inflight = new Set();
  const net = { active: 0, peak: 0, violations: 0, requests: 0, uploads: 0, log: [] };
  const fileStats = { reads: 0, maxReadLength: 0, wholeFileReads: 0, refusedReads: 0, writes: 0 };
  const errors = []; // exceptions thrown by callbacks and timers inside the mini-program
  const wasmLoads = [];
  const chosenFiles = [];
  const toasts = [];
  let app = null;
  const pages = new Map();
  let disposed = false;

  const sandbox = {};
  const context = vm.createContext(sandbox, { name: 'mini-program', codeGeneration: { strings: false, wasm: false } });
  vm.runInContext(`
    delete globalThis.WebAssembly;
    delete globalThis.SharedArrayBuffer;
    delete globalThis.Atomics;
    delete globalThis.FinalizationRegistry;
    delete globalThis.WeakRef;
    delete globalThis.console;
  `, context);
  // Builders for values that must belong to the mini-program's realm (plain objects there are not
  // plain objects here, and the SDK checks prototypes).
  const inVm = vm.runInContext(`({
    json: (s) => JSON.parse(s),
    buffer: (n) => new ArrayBuffer(n),
    object: () => ({}),
    error: (m) => new Error(m),
  })`, context);

  function toVm(value) {
    return value === undefined ? undefined : inVm.json(JSON.stringify(value));
  }
  function vmBuffer(bytes) {
    const ab = inVm.buffer(bytes.byteLength);
    new Uint8Array(ab).set(bytes);
    return ab;
  }

  function later(fn, ms = 0) {
    if (disposed) return null;
    const t = setTimeout(() => {
      timers.delete(t);
      if (disposed) return;
      try {
        fn();
      } catch (e) {
        errors.push(e);
        console.error('mini-program: uncaught exception', e);
      }
    }, ms);
    timers.add(t);
    return t;
  }
  function invoke(fn, arg) {
    if (typeof fn !== 'function') return;
    try {
      fn(arg);
    } catch (e) {
      errors.push(e);
      console.error('mini-program: a callback threw', e);
    }
  }
  /** success or fail, then complete: as wx calls them, on a later turn. */
  function settle(opts, ok, res) {
    invoke(ok ? opts.success : opts.fail, res);
    invoke(opts.complete, res);
  }

  // --- files ---------------------------------------------------------------------------------------
  function realPath(p, forWrite = false) {
    if (typeof p !== 'string') return null;
    let dir, rest;
    if (p === USER_DATA_PATH || p.startsWith(USER_DATA_PATH + '/')) { dir = userDir; rest = p.slice(USER_DATA_PATH.length + 1); }
    else if (!forWrite && p.startsWith('wxfile://tmp_')) { dir = tmpDir; rest = p.slice('wxfile://'.length); }
    else if (!forWrite && p.startsWith('http://tmp/')) { dir = tmpDir; rest = p.slice('http://tmp/'.length); }
    else return null;
    const r = path.resolve(dir, rest || '.');
    return r === dir || r.startsWith(dir + path.sep) ? r : null;
  }
  const fsFail = (opts, api, msg) => later(() => settle(opts, false, toVm({ errMsg: api + ':fail ' + msg })));
  const fsOk = (opts, api, extra) => later(() => {
    const res = toVm({ errMsg: api + ':ok' });
    if (extra) extra(res);
    settle(opts, true, res);
  });

  function statsOf(st) {
    const s = toVm({ mode: st.mode, size: st.isFile() ? st.size : 0, lastAccessedTime: Math.floor(st.atimeMs / 1000), lastModifiedTime: Math.floor(st.mtimeMs / 1000) });
    const isFile = st.isFile(), isDir = st.isDirectory();
    s.isFile = vm.runInContext(`(v) => function isFile() { return v; }`, context)(isFile);
    s.isDirectory = vm.runInContext(`(v) => function isDirectory() { return v; }`, context)(isDir);
    return s;
  }

  const fileSystemManager = {
    stat(opts = {}) {
      const p = realPath(opts.path);
      let st;
      try { st = p && fs.statSync(p); } catch { st = null; }
      if (!st) return fsFail(opts, 'stat', 'no such file or directory ' + opts.path);
      return fsOk(opts, 'stat', (res) => { res.stats = statsOf(st); });
    },
    readFile(opts = {}) {
      const p = realPath(opts.filePath);
      let st;
      try { st = p && fs.statSync(p); } catch { st = null; }
      if (!st || !st.isFile()) return fsFail(opts, 'readFile', 'no such file or directory, open ' + opts.filePath);
      const size = st.size;
      const hasPos = opts.position !== undefined, hasLen = opts.length !== undefined;
      const position = hasPos ? opts.position : 0;
      if (hasPos && !(Number.isInteger(position) && position >= 0 && position <= size - 1)) {
        fileStats.refusedReads++;
        return fsFail(opts, 'readFile', 'the value of "position" is out of range: ' + position + ' (file size ' + size + ')');
      }
      const length = hasLen ? opts.length : size - position;
      if (hasLen && !(Number.isInteger(length) && length >= 1 && position + length <= size)) {
        fileStats.refusedReads++;
        return fsFail(opts, 'readFile', 'the value of "length" is out of range: ' + length + ' at ' + position + ' (file size ' + size + ')');
      }
      fileStats.reads++;
      fileStats.maxReadLength = Math.max(fileStats.maxReadLength, length);
      if (!hasPos && !hasLen) fileStats.wholeFileReads++;
      const buf = Buffer.alloc(length);
      const fd = fs.openSync(p, 'r');
      try { fs.readSync(fd, buf, 0, length, position); } finally { fs.closeSync(fd); }
      if (opts.encoding) {
        const text = buf.toString(opts.encoding === 'utf-8' ? 'utf8' : opts.encoding);
        return fsOk(opts, 'readFile', (res) => { res.data = text; });
      }
      return fsOk(opts, 'readFile', (res) => { res.data = vmBuffer(buf); });
    },
    writeFile(opts = {}) {
      const p = realPath(opts.filePath, true);
      if (!p) return fsFail(opts, 'writeFile', 'permission denied, open ' + opts.filePath);
      if (!fs.existsSync(path.dirname(p))) return fsFail(opts, 'writeFile', 'no such file or directory, open ' + opts.filePath);
      const d = opts.data;
      const bytes = types.isArrayBuffer(d) ? Buffer.from(d) : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(String(d), opts.encoding || 'utf8');
      fs.writeFileSync(p, bytes);
      fileStats.writes++;
      return fsOk(opts, 'writeFile');
    },
    unlink(opts = {}) {
      const p = realPath(opts.filePath, true);
      try { fs.unlinkSync(p); } catch { return fsFail(opts, 'unlink', 'no such file or directory ' + opts.filePath); }
      return fsOk(opts, 'unlink');
    },
    mkdir(opts = {}) {
      const p = realPath(opts.dirPath, true);
      if (!p) return fsFail(opts, 'mkdir', 'permission denied, open ' + opts.dirPath);
      try { fs.mkdirSync(p, { recursive: !!opts.recursive }); } catch (e) { return fsFail(opts, 'mkdir', e.code === 'EEXIST' ? 'file already exists ' + opts.dirPath : 'no such file or directory ' + opts.dirPath); }
      return fsOk(opts, 'mkdir');
    },
    rmdir(opts = {}) {
      const p = realPath(opts.dirPath, true);
      try { fs.rmSync(p, { recursive: !!opts.recursive }); } catch { return fsFail(opts, 'rmdir', 'no such file or directory ' + opts.dirPath); }
      return fsOk(opts, 'rmdir');
    },
    access(opts = {}) {
      const p = realPath(opts.path);
      return p && fs.existsSync(p) ? fsOk(opts, 'access') : fsFail(opts, 'access', 'no such file or directory ' + opts.path);
    },
  };

  // --- network -------------------------------------------------------------------------------------
  function admit(api, opts) {
    if (net.active >= maxRequests) {
      net.violations++;
      later(() => settle(opts, false, toVm({ errMsg: api + ':fail exceed max task count', errno: 600004 })));
      return false;
    }
    net.active++;
    net.peak = Math.max(net.peak, net.active);
    return true;
  }

  function headerFromRaw(raw) {
    const h = {};
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i];
      const existing = Object.keys(h).find((x) => x.toLowerCase() === k.toLowerCase());
      if (existing) h[existing] += ', ' + raw[i + 1];
      else h[k] = raw[i + 1];
    }
    return h;
  }

  /** One HTTP exchange with wx semantics: callbacks on a later turn, the slot freed after `complete`. */
  function exchange(api, opts, { method, url, headers, body, stream, onResponse, onSent }) {
    const task = { aborted: false, headerCbs: [], progressCbs: [], done: false };
    let req = null;
    let timer = null;
    const entry = { api, method, url, start: Date.now(), end: 0 };
    net.log.push(entry);
    const finish = (ok, res) => {
      if (task.done) return;
      task.done = true;
      entry.end = Date.now();
      inflight.delete(req);
      if (timer) { clearTimeout(timer); timers.delete(timer); }
      later(() => {
        try {
          settle(opts, ok, res);
        } finally {
          net.active--; // the task counts until its complete callback has run
        }
      });
    };
    let u;
    try { u = new URL(url); } catch { u = null; }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      finish(false, toVm({ errMsg: api + ':fail invalid url "' + url + '"' }));
    } else {
      const mod = u.protocol === 'https:' ? https : http;
      req = mod.request(u, { method, headers, agent: u.protocol === 'http:' ? agent : undefined }, (res) => {
        const header = headerFromRaw(res.rawHeaders);
        for (const cb of task.headerCbs) invoke(cb, toVm({ header }));
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', (e) => finish(false, toVm({ errMsg: api + ':fail ' + e.message })));
        res.on('aborted', () => finish(false, toVm({ errMsg: api + ':fail connection closed' })));
        res.on('end', () => { if (!task.done) finish(true, onResponse(res.statusCode, header, Buffer.concat(chunks))); });
      });
      inflight.add(req);
      req.on('error', (e) => finish(false, toVm({ errMsg: api + ':fail ' + (task.aborted ? 'abort' : e.message) })));
      const timeout = Number(opts.timeout) > 0 ? Number(opts.timeout) : 60000;
      timer = setTimeout(() => { timers.delete(timer); timer = null; req.destroy(); finish(false, toVm({ errMsg: api + ':fail timeout' })); }, timeout);
      timers.add(timer);
      if (stream) stream(req, (sent, total) => onSent && onSent(task, sent, total));
      else req.end(body);
    }
    return {
      abort() {
        if (task.done) return;
        task.aborted = true;
        if (req) req.destroy();
        finish(false, toVm({ errMsg: api + ':fail abort' }));
      },
      onHeadersReceived(cb) { task.headerCbs.push(cb); },
      offHeadersReceived(cb) { task.headerCbs = cb ? task.headerCbs.filter((f) => f !== cb) : []; },
      _task: task,
    };
  }

  const wx = {
    env: toVm({ USER_DATA_PATH }),
    getFileSystemManager: () => fileSystemManager,

    request(opts = {}) {
      const method = String(opts.method || 'GET');
      if (!METHODS.has(method)) { later(() => settle(opts, false, toVm({ errMsg: 'request:fail invalid method ' + method }))); return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} }; }
      if (!admit('request', opts)) return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
      net.requests++;
      const headers = {};
      for (const [k, v] of Object.entries(opts.header || {})) if (k.toLowerCase() !== 'referer') headers[k] = String(v);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      let url = String(opts.url);
      let body;
      const d = opts.data;
      if (d === undefined || d === null) body = undefined;
      else if (types.isArrayBuffer(d)) body = Buffer.from(d);
      else if (typeof d === 'string') body = Buffer.from(d, 'utf8');
      else if (method === 'GET') url += (url.includes('?') ? '&' : '?') + new URLSearchParams(Object.entries(d).map(([k, v]) => [k, String(v)]));
      else body = Buffer.from(JSON.stringify(d)); // typed arrays too: wx takes ArrayBuffer only
      if (body !== undefined) headers['content-length'] = String(body.length);
      else if (method === 'PUT' || method === 'POST') headers['content-length'] = '0';
      return exchange('request', opts, {
        method, url, headers, body,
        onResponse(statusCode, header, raw) {
          const res = toVm({ statusCode, header, errMsg: 'request:ok' });
          if (opts.responseType === 'arraybuffer') res.data = vmBuffer(raw);
          else {
            res.data = raw.toString('utf8');
            if ((opts.dataType || 'json') === 'json') { try { res.data = inVm.json(res.data); } catch { /* stays text */ } }
          }
          return res;
        },
      });
    },

    uploadFile(opts = {}) {
      const p = realPath(opts.filePath);
      let st;
      try { st = p && fs.statSync(p); } catch { st = null; }
      if (!st || !st.isFile() || !opts.name) {
        later(() => settle(opts, false, toVm({ errMsg: 'uploadFile:fail ' + (!opts.name ? 'parameter error: name' : 'file not found ' + opts.filePath) })));
        return { abort() {}, onProgressUpdate() {}, offProgressUpdate() {}, onHeadersReceived() {}, offHeadersReceived() {} };
      }
      if (!admit('uploadFile', opts)) return { abort() {}, onProgressUpdate() {}, offProgressUpdate() {}, onHeadersReceived() {}, offHeadersReceived() {} };
      net.uploads++;
      const boundary = '----WxUploadBoundary' + Math.random().toString(16).slice(2);
      let head = '';
      for (const [k, v] of Object.entries(opts.formData || {})) {
        head += '--' + boundary + '\r\nContent-Disposition: form-data; name="' + k + '"\r\n\r\n' + String(v) + '\r\n';
      }
      head += '--' + boundary + '\r\nContent-Disposition: form-data; name="' + opts.name + '"; filename="' + path.basename(p) + '"\r\nContent-Type: application/octet-stream\r\n\r\n';
      const headBuf = Buffer.from(head, 'utf8');
      const tailBuf = Buffer.from('\r\n--' + boundary + '--\r\n', 'utf8');
      const headers = {};
      for (const [k, v] of Object.entries(opts.header || {})) {
        const l = k.toLowerCase();
        if (l !== 'referer' && l !== 'content-type' && l !== 'content-length') headers[k] = String(v);
      }
      headers['content-type'] = 'multipart/form-data; boundary=' + boundary;
      headers['content-length'] = String(headBuf.length + st.size + tailBuf.length);
      const total = st.size;
      let progressCbs = [];
      const t = exchange('uploadFile', opts, {
        method: 'POST', url: String(opts.url), headers,
        stream(req, sent) {
          req.write(headBuf);
          const rs = fs.createReadStream(p, { highWaterMark: 64 * 1024 });
          let n = 0;
          rs.on('data', (c) => {
            n += c.length;
            const ev = toVm({ progress: total ? Math.floor((n / total) * 100) : 100, totalBytesSent: n, totalBytesExpectedToSend: total });
            for (const cb of progressCbs) invoke(cb, ev);
            sent(n, total);
          });
          rs.on('end', () => req.end(tailBuf));
          rs.on('error', (e) => req.destroy(e));
          rs.pipe(req, { end: false });
        },
        onResponse(statusCode, header, raw) {
          return toVm({ statusCode, data: raw.toString('utf8'), errMsg: 'uploadFile:ok' });
        },
      });
      t.onProgressUpdate = (cb) => { progressCbs.push(cb); };
      t.offProgressUpdate = (cb) => { progressCbs = cb ? progressCbs.filter((f) => f !== cb) : []; };
      return t;
    },

    getStorageSync(key) {
      const v = storage.get(String(key));
      return v === undefined ? '' : toVm(JSON.parse(v));
    },
    setStorageSync(key, data) {
      const json = JSON.stringify(data === undefined ? '' : data);
      if (json.length > STORAGE_ITEM_LIMIT) throw inVm.error('setStorageSync:fail entry size limit reached');
      let total = json.length;
      for (const [k, v] of storage) if (k !== String(key)) total += v.length;
      if (total > STORAGE_TOTAL_LIMIT) throw inVm.error('setStorageSync:fail exceed storage max size 10MB');
      storage.set(String(key), json);
    },
    removeStorageSync(key) { storage.delete(String(key)); },
    getStorageInfoSync() { return toVm({ keys: [...storage.keys()], currentSize: 0, limitSize: 10240 }); },

    chooseMessageFile(opts = {}) {
      const files = chosenFiles.splice(0, Math.max(1, Number(opts.count) || 1));
      if (!files.length) return later(() => settle(opts, false, toVm({ errMsg: 'chooseMessageFile:fail cancel' })));
      later(() => settle(opts, true, toVm({ errMsg: 'chooseMessageFile:ok', tempFiles: files })));
    },
    showToast(opts = {}) { toasts.push(String(opts.title)); later(() => settle(opts, true, toVm({ errMsg: 'showToast:ok' }))); },
    showModal(opts = {}) { toasts.push(String(opts.title) + ': ' + String(opts.content)); later(() => settle(opts, true, toVm({ errMsg: 'showModal:ok', confirm: true, cancel: false }))); },
  };

  // --- WXWebAssembly --------------------------------------------------------------------------------
  const WXWebAssembly = {
    instantiate(p, imports) {
      return new Promise((resolve, reject) => {
        const fail = (m) => reject(inVm.error('WXWebAssembly.instantiate: ' + m));
        if (typeof p !== 'string') return fail('the first argument must be a path inside the code package');
        if (!/\.wasm(\.br)?$/.test(p)) return fail('only .wasm and .wasm.br files: ' + p);
        const file = path.resolve(packageDir, p.replace(/^\/+/, ''));
        if (!(file.startsWith(path.resolve(packageDir) + path.sep)) || !fs.existsSync(file)) return fail('no such file in the code package: ' + p);
        let bytes = fs.readFileSync(file);
        if (p.endsWith('.br')) {
          try { bytes = zlib.brotliDecompressSync(bytes); } catch (e) { return fail('bad brotli data in ' + p); }
        }
        let scan;
        try { scan = scanWasmFeatures(bytes); } catch (e) { return fail(e.message); }
        const refused = scan.features.filter((f) => !wasmFeatures.includes(f));
        wasmLoads.push({ path: p, size: bytes.length, features: scan.features, refused });
        if (refused.length) {
          return fail('CompileError: ' + p + ' needs WebAssembly features this runtime lacks: ' +
            refused.map((f) => f + ' (' + scan.where[f] + ')').join(', '));
        }
        WebAssembly.instantiate(bytes, imports).then(({ instance, module }) => {
          const r = inVm.object();
          r.instance = instance;
          r.module = module;
          resolve(r);
        }, (e) => fail(String(e && e.message || e)));
      });
    },
    Memory: WebAssembly.Memory,
    Table: WebAssembly.Table,
    Global: WebAssembly.Global,
  };

  // --- globals ---------------------------------------------------------------------------------------
  Object.assign(sandbox, {
    console,
    setTimeout: (fn, ms, ...args) => later(() => fn(...args), ms),
    clearTimeout(t) { if (t) { clearTimeout(t); timers.delete(t); } },
    setInterval(fn, ms, ...args) {
      const t = setInterval(() => { try { fn(...args); } catch (e) { errors.push(e); } }, ms);
      timers.add(t);
      return t;
    },
    clearInterval(t) { if (t) { clearInterval(t); timers.delete(t); } },
    wx,
    WXWebAssembly,
    App(def) { app = def; if (def && typeof def.onLaunch === 'function') def.onLaunch({}); },
    getApp() { return app; },
    Page(def) { pages.set(currentModule || '?', def); },
  });
  // Mini-programs have `global` (not the Node one): an empty object, like theirs.
  vm.runInContext('globalThis.global = {};', context);

  // --- require ---------------------------------------------------------------------------------------
  const cache = new Map();
  let currentModule = null;
  function load(file) {
    if (cache.has(file)) return cache.get(file).exports;
    const module = { exports: inVm.object() };
    cache.set(file, module);
    const code = fs.readFileSync(file, 'utf8');
    const fn = vm.runInContext('(function (require, module, exports) {' + code + '\n})', context, { filename: file });
    const prev = currentModule;
    currentModule = path.relative(packageDir, file).replace(/\\/g, '/').replace(/\.js$/, '');
    try {
      fn(requireFrom(path.dirname(file)), module, module.exports);
    } finally {
      currentModule = prev;
    }
    return module.exports;
  }
  function requireFrom(dir) {
    return function require(spec) {
      spec = String(spec);
      let file;
      if (spec.startsWith('/')) file = path.join(packageDir, spec);
      else if (spec.startsWith('.')) file = path.resolve(dir, spec);
      else file = path.join(packageDir, 'miniprogram_npm', spec); // what DevTools' npm build makes
      const candidates = [file, file + '.js', path.join(file, 'index.js')];
      const found = candidates.find((c) => c.startsWith(path.resolve(packageDir)) && fs.existsSync(c) && fs.statSync(c).isFile());
      if (!found) throw inVm.error('module "' + spec + '" is not defined');
      return load(found);
    };
  }

  return {
    context,
    wx,
    net,
    fileStats,
    errors,
    wasmLoads,
    toasts,
    pages,
    get app() { return app; },
    tmpDir,
    userDir,
    storage,
    /** Loads a JS file of the code package (path from its root), mini-program CommonJS style. */
    require: (p) => requireFrom(packageDir)(p.startsWith('/') || p.startsWith('.') ? p : '/' + p),
    run: (code) => vm.runInContext(code, context),
    toVm,
    vmBuffer,
    vmObject: () => inVm.object(),
    /**
     * A file as wx.chooseMessageFile / wx.chooseImage hand it out: a read-only temp path, as phones
     * name them (wxfile://tmp_…) or, with `devtools`, as WeChat DevTools does (http://tmp/…).
     */
    writeTempFile(bytes, name = 'file.bin', { devtools = false } = {}) {
      const base = 'tmp_' + Math.random().toString(36).slice(2, 10) + '-' + name.replace(/[^\w.-]+/g, '_');
      fs.writeFileSync(path.join(tmpDir, base), bytes);
      return devtools ? 'http://tmp/' + base : 'wxfile://' + base;
    },
    /** Queues files for the next wx.chooseMessageFile. */
    offerFiles(list) {
      for (const f of list) {
        const p = this.writeTempFile(f.bytes, f.name);
        chosenFiles.push({ path: p, size: f.bytes.length, name: f.name, type: 'file', time: Math.floor(Date.now() / 1000) });
      }
    },
    resetNetStats() {
      net.peak = net.active;
      net.violations = 0;
      net.requests = 0;
      net.uploads = 0;
      net.log.length = 0;
    },
    dispose() {
      disposed = true;
      for (const t of timers) { clearTimeout(t); clearInterval(t); }
      timers.clear();
      for (const r of inflight) if (r) r.destroy();
      if (!dataDir) fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
