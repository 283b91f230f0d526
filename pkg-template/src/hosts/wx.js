// WeChat mini-program host: wx.request (ArrayBuffer bodies), wx.uploadFile for POST Object, files by
// FilePath through the FileSystemManager (read by range), checkpoints in wx storage.
// No TextEncoder/TextDecoder, fetch, URL, Blob or XMLHttpRequest here: none exist in mini-programs.
import { createBaseHost, createRequestTable, createSourceTable, paramError, BODY_ERROR, stallTimeout } from './common.js';
import { utf8Decode } from '../../miniprogram/text-codec.js';

/** wx.request, wx.uploadFile and wx.downloadFile share one cap of 10 tasks in flight per mini-program. */
export const MAX_WX_REQUESTS = 10;
/** FileSystemManager.readFile is asked for at most this much at once. */
const READ_CHUNK = 8 * 1024 * 1024;
// The runtime sets these itself (Referer cannot be set at all; wx.uploadFile writes its own multipart type).
const FORBIDDEN = new Set(['host', 'content-length', 'referer', 'connection', 'user-agent', 'date', 'expect', 'accept-encoding']);
const ABORTED = { kind: 'aborted', message: 'aborted' };

// One FIFO for the whole mini-program (every COS instance, every upload): a request waits here until
// fewer than MAX_WX_REQUESTS wx tasks are running, so the cap holds whatever FileParallelLimit and
// ChunkParallelLimit multiply to.
const gate = { active: 0, waiting: [] };

function pump() {
  while (gate.active < MAX_WX_REQUESTS && gate.waiting.length) {
    const job = gate.waiting.shift();
    gate.active++;
    let released = false;
    // Called when the wx task has completed; the next request starts on a later turn, after the
    // runtime has finished its own bookkeeping for the finished task.
    const release = () => {
      if (released) return;
      released = true;
      gate.active--;
      setTimeout(pump, 0);
    };
    try {
      job.run(release);
    } catch (e) {
      release();
      job.fail(e);
    }
  }
}

function isArrayBuffer(v) {
  // By tag, not instanceof: buffers may come from another context (worker, plugin, native bridge).
  return v instanceof ArrayBuffer || Object.prototype.toString.call(v) === '[object ArrayBuffer]';
}

function asBytes(v) {
  if (isArrayBuffer(v)) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

/** The exact bytes as an ArrayBuffer of their own (wx.request sends the whole buffer it is given). */
function ownBuffer(u8) {
  return u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8.buffer : u8.slice().buffer;
}

function lowerHeaders(h) {
  const out = {};
  if (!h || typeof h !== 'object') return out;
  for (const k of Object.keys(h)) {
    const v = h[k];
    if (v == null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function wxError(res) {
  return String((res && (res.errMsg || res.message)) || res || 'unknown error');
}

function transportError(res, state) {
  // Only an abort we asked for is one: "net::ERR_CONNECTION_ABORTED" is a network error to retry.
  if (state.aborted) return ABORTED;
  const msg = wxError(res);
  if (/time\s?out|TIMED_OUT/i.test(msg)) return { kind: 'timeout', message: msg };
  return { kind: 'network', message: msg };
}

export function createWxHost(hostOptions = {}) {
  // wx.request shows no bytes moving, so the stall guard bounds a request as a whole here (wx's own
  // default limit is the same 60 s).
  const wxTimeout = (req) => (req.timeout > 0 ? req.timeout : stallTimeout(hostOptions) || undefined);
  const host = createBaseHost();
  const sources = createSourceTable();
  const inFlight = createRequestTable();
  let fsm = null;
  const fs = () => fsm || (fsm = wx.getFileSystemManager());

  function fsCall(method, args) {
    return new Promise((resolve, reject) => {
      fs()[method]({ ...args, success: resolve, fail: (e) => reject(new Error(method + ' ' + (args.filePath || args.path) + ': ' + wxError(e))) });
    });
  }

  /** [start, end) of a file as one ArrayBuffer, read with readFile's position/length (never the whole file). */
  async function readRange(path, start, end) {
    const len = end - start;
    if (len <= 0) return new ArrayBuffer(0); // readFile refuses length 0
    const parts = [];
    for (let pos = start; pos < end;) {
      const n = Math.min(READ_CHUNK, end - pos);
      const res = await fsCall('readFile', { filePath: path, position: pos, length: n });
      const got = asBytes(res.data);
      if (!got || got.byteLength !== n) {
        throw new Error('FilePath "' + path + '" changed while uploading: read ' + (got ? got.byteLength : 0) + ' of ' + n + ' bytes at ' + pos);
      }
      parts.push(got);
      pos += n;
    }
    if (parts.length === 1) return ownBuffer(parts[0]);
    const out = new Uint8Array(len);
    let off = 0;
    for (const p of parts) { out.set(p, off); off += p.byteLength; }
    return out.buffer;
  }

  /** A request body as an ArrayBuffer (or undefined when there is none). */
  async function bodyBuffer(body, method) {
    if (body == null) return method === 'PUT' || method === 'POST' ? new ArrayBuffer(0) : undefined;
    if (body instanceof Uint8Array) return ownBuffer(body);
    const src = sources.get(body.source);
    if (src.bytes) return ownBuffer(src.bytes.subarray(body.start, body.end));
    return readRange(src.path, body.start, body.end);
  }

  function headerObject(req, form) {
    const h = {};
    for (const [k, v] of req.headers) {
      const l = k.toLowerCase();
      if (FORBIDDEN.has(l) || (form && l === 'content-type')) continue;
      h[k] = v;
    }
    return h;
  }

  function sendRequest(req, onProgress, state, release) {
    return bodyBuffer(req.body, req.method).then(
      (data) => new Promise((resolve, reject) => {
        if (state.aborted) { release(); reject(ABORTED); return; }
        const size = data ? data.byteLength : 0;
        let reported = false;
        const options = {
          url: req.url,
          method: req.method,
          header: headerObject(req, false),
          data,
          responseType: 'arraybuffer',
          dataType: '其他', // anything but 'json': the body is not parsed
          timeout: wxTimeout(req),
          success(res) {
            release();
            const headers = lowerHeaders(res.header);
            const raw = typeof res.data === 'string' ? res.data : asBytes(res.data) || new Uint8Array(0);
            if (onProgress && size && !reported) onProgress(size);
            const out = { status: res.statusCode, headers };
            if (req.responseType === 'native' && res.statusCode < 300) {
              // No Blob in mini-programs: 'blob' and 'arraybuffer' both give an ArrayBuffer, as cos-wx-sdk-v5 does.
              const wantsBinary = req.dataType === 'arraybuffer' || req.dataType === 'blob';
              if (typeof raw === 'string') out.native = raw;
              else out.native = wantsBinary ? ownBuffer(raw) : utf8Decode(raw);
            } else {
              out.body = raw;
            }
            resolve(out);
          },
          fail(res) {
            release();
            reject(transportError(res, state));
          },
          complete() {
            release();
          },
        };
        // HttpDNSServiceId: wx.request resolves through that HttpDNS provider, as cos-wx-sdk-v5 asks it to.
        if (hostOptions.HttpDNSServiceId) {
          options.enableHttpDNS = true;
          options.httpDNSServiceId = hostOptions.HttpDNSServiceId;
        }
        let task;
        try {
          task = wx.request(options);
        } catch (e) {
          release();
          reject({ kind: 'network', message: 'wx.request: ' + wxError(e) });
          return;
        }
        state.task = task;
        if (state.aborted && task) task.abort();
        if (onProgress && task && typeof task.onProgressUpdate === 'function') {
          task.onProgressUpdate((p) => {
            reported = true;
            onProgress(Math.min(Number(p.totalBytesSent) || 0, size));
          });
        }
      }),
      (e) => {
        release();
        throw { kind: 'network', message: e && e.message ? e.message : String(e) };
      },
    );
  }

  /** POST Object through wx.uploadFile: the file part must be a file, so bytes go to a temp file first. */
  async function sendForm(req, onProgress, state, release) {
    const body = req.body;
    const file = body.file;
    let filePath = null;
    let tempDir = null;
    let size = 0;
    function cleanup() {
      const dir = tempDir;
      if (!dir) return;
      tempDir = null;
      fs().rmdir({ dirPath: dir, recursive: true, fail() {} });
    }
    try {
      const src = file && !(file instanceof Uint8Array) ? sources.get(file.source) : null;
      if (src && src.path && file.start === 0 && file.end === src.size) {
        filePath = src.path;
        size = src.size;
      } else {
        const data = file == null ? new ArrayBuffer(0) : await bodyBuffer(file, 'POST');
        size = data.byteLength;
        // A directory of its own keeps the part's file name (the form's ${filename}).
        const name = String(body.fileName || 'file').replace(/[\\/:*?"<>|\r\n]+/g, '_').slice(-100) || 'file';
        tempDir = wx.env.USER_DATA_PATH + '/cos-wasm-post-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
        await fsCall('mkdir', { dirPath: tempDir, recursive: true });
        filePath = tempDir + '/' + name;
        await fsCall('writeFile', { filePath, data });
      }
    } catch (e) {
      cleanup();
      release();
      throw { kind: 'network', message: e && e.message ? e.message : String(e) };
    }
    if (state.aborted) { cleanup(); release(); throw ABORTED; }
    return new Promise((resolve, reject) => {
      const formData = {};
      for (const [k, v] of body.form) formData[k] = v;
      let received = null;
      let reported = false;
      const done = () => { release(); cleanup(); };
      const options = {
        url: req.url,
        filePath,
        name: 'file',
        formData,
        header: headerObject(req, true),
        timeout: wxTimeout(req),
        success(res) {
          done();
          if (onProgress && size && !reported) onProgress(size);
          // uploadFile's result has no headers: they come from onHeadersReceived (ETag, request id).
          const headers = lowerHeaders(Object.assign({}, received, res.header));
          resolve({ status: res.statusCode, headers, body: typeof res.data === 'string' ? res.data : asBytes(res.data) || '' });
        },
        fail(res) {
          done();
          reject(transportError(res, state));
        },
        complete: done,
      };
      let task;
      try {
        task = wx.uploadFile(options);
      } catch (e) {
        done();
        reject({ kind: 'network', message: 'wx.uploadFile: ' + wxError(e) });
        return;
      }
      state.task = task;
      if (state.aborted && task) task.abort();
      if (task && typeof task.onHeadersReceived === 'function') task.onHeadersReceived((r) => { received = r && r.header; });
      if (onProgress && task && typeof task.onProgressUpdate === 'function') {
        task.onProgressUpdate((p) => {
          reported = true;
          onProgress(Math.min(Number(p.totalBytesSent) || 0, size));
        });
      }
    });
  }

  host.send = (req, onProgress) => {
    const state = { aborted: false, queued: true, task: null };
    let slot = -1;
    return new Promise((resolve, reject) => {
      const job = {
        fail: reject,
        run(release) {
          state.queued = false;
          const run = req.body && req.body.form ? sendForm : sendRequest;
          run(req, onProgress, state, release).then(resolve, reject);
        },
      };
      slot = inFlight.add(req.id, () => {
        state.aborted = true;
        if (state.queued) {
          const i = gate.waiting.indexOf(job);
          if (i >= 0) gate.waiting.splice(i, 1);
          reject(ABORTED);
        } else if (state.task) {
          state.task.abort();
        }
      });
      gate.waiting.push(job);
      pump();
    }).then(
      (r) => { inFlight.remove(slot, req.id); return r; },
      (e) => { inFlight.remove(slot, req.id); throw e; },
    );
  };

  host.abort = (id) => inFlight.abort(id);

  // A held body opens at once (its task is queued before the method returns), a path after stat.
  const openPath = async (ref) => {
    let res;
    try {
      res = await fsCall('stat', { path: ref, recursive: false });
    } catch (e) {
      throw paramError('FilePath "' + ref + '" cannot be read: ' + e.message);
    }
    const st = res.stats;
    if (!st || (typeof st.isFile === 'function' && !st.isFile())) throw paramError('FilePath "' + ref + '" is not a file');
    const size = Number(st.size) || 0;
    const id = sources.add({ path: ref, size });
    const lm = Number(st.lastModifiedTime);
    return { id, size, name: ref, lastModified: Number.isFinite(lm) ? lm * 1000 : undefined, persistent: true };
  };
  host.open = (ref, isPath) => {
    if (isPath) return openPath(ref);
    const bytes = asBytes(host.get(ref));
    if (bytes) return { id: sources.add({ bytes }), size: bytes.byteLength, persistent: false };
    throw paramError(BODY_ERROR);
  };

  host.read = async (id, start, end) => {
    const src = sources.get(id);
    if (src.bytes) return src.bytes.slice(start, end);
    return new Uint8Array(await readRange(src.path, start, end));
  };

  host.close = (id) => {
    sources.delete(id);
  };

  host.storageGet = (key) => {
    try {
      const v = wx.getStorageSync(key);
      return typeof v === 'string' && v !== '' ? v : null; // a missing key reads as ''
    } catch {
      return null;
    }
  };
  host.storageSet = (key, value) => {
    try {
      wx.setStorageSync(key, value);
    } catch { /* storage full (10 MB per mini-program): resume then only works until the app is closed */ }
  };
  // Select results (selectObjectContent's Payload) are UTF-8 text, as in browsers.
  host.bytesValue = (u8) => utf8Decode(u8);
  host.defaultProtocol = () => 'https:';
  return host;
}
