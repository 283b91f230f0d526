// Node host: node:http/https with keep-alive, files read by range (fs handles), request bodies
// streamed from disk, checkpoints in a small JSON file.
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createBaseHost, createRequestTable, createSourceTable, isBinary, toBytes, paramError, BODY_ERROR, MAX_RESPONSE_BYTES, TOO_LARGE, stallTimeout } from './common.js';

// `*.localhost` is loopback (RFC 6761); browsers resolve it so, glibc does not.
function lookup(hostname, opts, cb) {
  if (typeof opts === 'function') { cb = opts; opts = {}; }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (opts && opts.all) return cb(null, [{ address: '127.0.0.1', family: 4 }]);
    return cb(null, '127.0.0.1', 4);
  }
  return dns.lookup(hostname, opts, cb);
}

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64, lookup }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64, lookup }),
};
// `KeepAlive: false` (cos-nodejs-sdk-v5's option): a connection per request, each sent with
// `Connection: close` (Node sends that only from agents without a socket cap).
const closingAgents = {
  'http:': new http.Agent({ keepAlive: false, lookup }),
  'https:': new https.Agent({ keepAlive: false, lookup }),
};

function isReadable(v) {
  return v !== null && typeof v === 'object' && typeof v.pipe === 'function' && typeof v.read === 'function' && typeof v.on === 'function';
}

/** Resolves when `w` can take more (or is gone). */
function drained(w) {
  return new Promise((resolve) => {
    const done = () => { w.off('drain', done); w.off('close', done); resolve(); };
    w.on('drain', done);
    w.on('close', done);
  });
}

/**
 * A Readable read on demand: `next(max)` gives its next bytes (at most `max`; empty at its end), so
 * nothing is read ahead of what the core asks for (the stream's own buffer aside). Its error rejects.
 */
function streamReader(s) {
  let ended = false;
  let error = null;
  let waiters = [];
  const wake = () => { const w = waiters; waiters = []; for (const f of w) f(); };
  const onEnd = () => { ended = true; wake(); };
  const onError = (e) => { error = e || new Error('the Body stream failed'); wake(); };
  const onClose = () => { if (!ended && !error) error = new Error('the Body stream closed before its end'); wake(); };
  s.on('readable', wake);
  s.on('end', onEnd);
  s.on('error', onError);
  s.on('close', onClose);
  return {
    async next(max) {
      for (;;) {
        if (error) throw new Error('the Body stream failed: ' + ((error && error.message) || error));
        const c = s.read();
        if (c !== null) {
          let b = typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.isBuffer(c) ? c : Buffer.from(c.buffer ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : c);
          if (b.length > max) {
            s.unshift(b.subarray(max));
            b = b.subarray(0, max);
          }
          if (b.length === 0) continue;
          return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        }
        if (ended || s.readableEnded) return new Uint8Array(0);
        await new Promise((resolve) => waiters.push(resolve));
      }
    },
    release() {
      s.off('readable', wake);
      s.off('end', onEnd);
      s.off('close', onClose);
      // Its error listener stays: an error after the upload ended must not end the process.
    },
  };
}

function headersOf(res) {
  const out = {};
  for (const [k, v] of Object.entries(res.headers)) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function defaultCheckpointPath() {
  return path.join(os.homedir() || os.tmpdir(), '.cos-wasm', 'upload-checkpoints.json');
}

export function createNodeHost(options = {}, core = null) {
  const host = createBaseHost();
  const sources = createSourceTable();
  const inFlight = createRequestTable();
  const checkpointPath = options.CheckpointPath || defaultCheckpointPath();

  host.send = (req, onProgress) => new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const mod = url.protocol === 'https:' ? https : http;
    const headers = {};
    for (const [k, v] of req.headers) headers[k] = v;
    let settled = false;
    let deadline = null;
    let slot = -1;
    // What a stream Body sent: {written, crc64}, given back with the answer.
    let streamed = null;
    // The core drops its progress callback when the request settles; streams may still emit after an abort.
    const progress = onProgress ? (n) => { if (!settled) onProgress(n); } : null;
    const finish = () => {
      settled = true;
      inFlight.remove(slot, req.id);
      if (deadline) clearTimeout(deadline);
    };
    const fail = (e) => { if (!settled) { finish(); reject(e); } };
    // cos-nodejs-sdk-v5's transport options, read per request as it reads them: UserAgent replaces
    // Node's default one, StrictSsl: false accepts any certificate, KeepAlive: false closes each connection.
    if (options.UserAgent) headers['User-Agent'] = String(options.UserAgent);
    const agent = options.HttpAgent || (options.KeepAlive === false ? closingAgents : agents)[url.protocol];
    const r = mod.request(url, { method: req.method, headers, agent, rejectUnauthorized: options.StrictSsl !== false }, (res) => {
      // A getObject Output / downloadFile answer goes from the socket to its destination here.
      if (res.statusCode < 300 && (req.responseType === 'stream' || req.responseType === 'file')) {
        const done = (extra) => {
          if (settled) return;
          finish();
          resolve(Object.assign({ status: res.statusCode, headers: headersOf(res) }, extra));
        };
        if (req.responseType === 'stream') pipeToOutput(r, res, host.get(req.output), progress, done, fail);
        else writeToFile(res, writes.get(req.file), req.offset, progress, () => settled).then(done, (e) => { r.destroy(); fail(e); });
        return;
      }
      const chunks = [];
      let received = 0;
      // Answers that go to wasm (XML, error bodies) are capped while they arrive; a getObject body goes to the user.
      const capped = !(req.responseType === 'native' && res.statusCode < 300);
      res.on('data', (c) => {
        received += c.length;
        if (capped && received > MAX_RESPONSE_BYTES) {
          r.destroy();
          fail({ kind: 'invalid', message: TOO_LARGE });
          return;
        }
        chunks.push(c);
      });
      res.on('error', (e) => fail({ kind: 'network', message: e.message }));
      res.on('aborted', () => fail({ kind: 'network', message: 'connection closed before the response ended' }));
      res.on('end', () => {
        if (settled) return;
        finish();
        const body = Buffer.concat(chunks);
        const out = { status: res.statusCode, headers: headersOf(res) };
        if (streamed) Object.assign(out, streamed);
        if (req.responseType === 'native' && res.statusCode < 300) {
          out.native = req.dataType === 'text' ? body.toString('utf8') : req.dataType === 'arraybuffer'
            ? body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) : body;
        } else {
          out.body = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        }
        resolve(out);
      });
    });
    slot = inFlight.add(req.id, () => { r.destroy(); fail({ kind: 'aborted', message: 'aborted' }); });
    // Timeout bounds the whole request; the stall guard ends one that moves no byte either way.
    if (req.timeout) {
      deadline = setTimeout(() => { r.destroy(); fail({ kind: 'timeout', message: 'no complete answer within Timeout (' + req.timeout + ' ms)' }); }, req.timeout);
    }
    const stallMs = stallTimeout(options);
    if (stallMs) r.setTimeout(stallMs, () => { r.destroy(); fail({ kind: 'timeout', message: 'the connection stalled: no byte sent or received for ' + stallMs + ' ms' }); });
    r.on('error', (e) => fail({ kind: 'network', message: e.message || String(e) }));
    const body = req.body;
    if (body == null) { r.end(); return; }
    if (body.form) { sendForm(r, body, progress, fail); return; }
    if (body instanceof Uint8Array) {
      r.end(body, () => progress && progress(body.byteLength));
      return;
    }
    if (body.stream !== undefined) {
      // A stream Body of known length (putObject with ContentLength): piped as it is read, hashed on the way.
      const src = sources.get(body.stream);
      pumpStream(src.reader, body.len, r, progress).then((stats) => {
        streamed = stats;
        if (!r.destroyed) r.end();
      }, (e) => {
        r.destroy();
        fail({ kind: 'invalid', message: (e && e.message) || String(e) });
      });
      return;
    }
    const src = sources.get(body.source);
    if (src.bytes) {
      const part = src.bytes.subarray(body.start, body.end);
      r.end(part, () => progress && progress(part.byteLength));
      return;
    }
    if (src.blob) {
      src.blob.slice(body.start, body.end).arrayBuffer().then((b) => r.end(Buffer.from(b)), (e) => fail({ kind: 'network', message: e.message }));
      return;
    }
    // A file range, streamed: the part never sits whole in memory.
    pumpFile(src, body.start, body.end, r, progress).then(() => { if (!r.destroyed) r.end(); }, (e) => {
      r.destroy();
      fail({ kind: 'network', message: 'reading ' + src.path + ': ' + e.message });
    });
  });

  // Sends the next `len` bytes of a stream Body into `r`, waiting for the socket to drain.
  async function pumpStream(reader, len, r, progress) {
    const crc = core && core.Crc64Hasher ? new core.Crc64Hasher() : null;
    let sent = 0;
    try {
      while (sent < len) {
        const b = await reader.next(Math.min(len - sent, 1024 * 1024));
        if (r.destroyed) return null;
        if (b.length === 0) throw new Error('the Body stream ended after ' + sent + ' bytes, before its ContentLength (' + len + ')');
        if (crc) crc.update(b);
        sent += b.length;
        if (!r.write(b)) await drained(r);
        if (progress) progress(sent);
      }
      return { written: sent, crc64: crc ? crc.digest() : undefined };
    } finally {
      if (crc) crc.free();
    }
  }

  // getObject Output: the body is piped into the user's writable (its backpressure holds the
  // socket). Once bytes reached it a failure is final: sending again would write them twice.
  function pipeToOutput(r, res, out, progress, done, fail) {
    if (!out || typeof out.write !== 'function') {
      r.destroy();
      fail({ kind: 'invalid', message: 'param Output should be a writable stream or a file path' });
      return;
    }
    let written = 0;
    const broken = (message) => {
      out.off('error', onOutputError);
      r.destroy();
      fail(written > 0 ? { kind: 'invalid', message: message + ' after ' + written + ' bytes were written to Output' } : { kind: 'network', message });
    };
    const onOutputError = (e) => broken('Output failed: ' + ((e && e.message) || e));
    out.on('error', onOutputError);
    res.on('data', (c) => { written += c.length; if (progress) progress(written); });
    res.on('error', (e) => broken(e.message));
    res.on('aborted', () => broken('connection closed before the response ended'));
    res.on('end', () => { out.off('error', onOutputError); done({ written }); });
    res.pipe(out);
  }

  // downloadFile / getObject to a path: the body written at its offset in the file, hashed
  // (CRC-64) on the way with the core's hasher; the next chunk is read only after the last write.
  async function writeToFile(res, file, offset, progress, isSettled) {
    const crc = core && core.Crc64Hasher ? new core.Crc64Hasher() : null;
    let written = 0;
    try {
      for await (const chunk of res) {
        if (isSettled()) return {};
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await file.handle.write(chunk, off, chunk.length - off, offset + written + off);
          off += bytesWritten;
        }
        if (crc) crc.update(chunk);
        written += chunk.length;
        if (progress) progress(written);
      }
      if (!res.complete) throw new Error('connection closed before the response ended');
      return { written, crc64: crc ? crc.digest() : undefined };
    } catch (e) {
      if (e && e.code && e.syscall) throw { kind: 'invalid', message: 'writing ' + file.path + ': ' + e.message };
      throw { kind: 'network', message: (e && e.message) || String(e) };
    } finally {
      if (crc) crc.free();
    }
  }

  const writes = createSourceTable();
  host.openWrite = async (filePath, size, keep) => {
    let handle = null;
    let kept = false;
    if (keep) {
      try {
        const st = await fs.promises.stat(filePath);
        if (st.isFile() && st.size === size) { handle = await fs.promises.open(filePath, 'r+'); kept = true; }
      } catch { /* not there: a new file */ }
    }
    if (!handle) {
      try {
        handle = await fs.promises.open(filePath, 'w');
        if (size > 0) await handle.truncate(size);
      } catch (e) {
        if (handle) await handle.close().catch(() => {});
        throw paramError('FilePath "' + filePath + '" cannot be written: ' + (e.code || e.message));
      }
    }
    return { id: writes.add({ path: filePath, handle }), kept };
  };
  host.closeWrite = async (id) => {
    const f = writes.delete(id);
    if (f) await f.handle.close();
  };

  // Streams file bytes [start, end) into `r` through buffers reused from a pool: a buffer goes
  // back to the file only after the socket has taken its bytes (the write callback). A read
  // stream would leave a fresh 256 KiB Buffer of garbage per chunk, which is what grew RSS.
  const PUMP_CHUNK = 256 * 1024;
  const pumpBuffers = [];
  async function pumpFile(src, start, end, r, progress) {
    const bufs = [pumpBuffers.pop() || Buffer.allocUnsafe(PUMP_CHUNK), pumpBuffers.pop() || Buffer.allocUnsafe(PUMP_CHUNK)];
    const writes = [null, null];
    let sent = 0;
    try {
      for (let pos = start, i = 0; pos < end; i ^= 1) {
        if (writes[i]) await writes[i];
        if (r.destroyed) return;
        const { bytesRead } = await (src.handle || await fileHandle(src)).read(bufs[i], 0, Math.min(PUMP_CHUNK, end - pos), pos);
        if (bytesRead === 0) throw new Error('the file changed while it was being read (short read); upload it again');
        pos += bytesRead;
        writes[i] = new Promise((resolve, reject) => r.write(bufs[i].subarray(0, bytesRead), (e) => {
          if (e) { reject(e); return; }
          sent += bytesRead;
          if (progress) progress(sent);
          resolve();
        }));
        writes[i].catch(() => {}); // awaited later, or never if the other write failed first
      }
      await Promise.all(writes);
    } finally {
      // Only buffers no write still holds go back (a failed request may not have released them).
      Promise.allSettled(writes).then(() => { if (pumpBuffers.length < 16) pumpBuffers.push(...bufs); });
    }
  }

  // multipart/form-data for POST Object, the file part last and streamed.
  function sendForm(r, body, progress, fail) {
    const boundary = '----cos-wasm-' + Math.random().toString(16).slice(2) + Date.now().toString(16);
    let head = '';
    for (const [k, v] of body.form) {
      head += '--' + boundary + '\r\nContent-Disposition: form-data; name="' + k + '"\r\n\r\n' + v + '\r\n';
    }
    const fileName = String(body.fileName).replace(/["\r\n]/g, '_');
    head += '--' + boundary + '\r\nContent-Disposition: form-data; name="file"; filename="' + fileName + '"\r\nContent-Type: application/octet-stream\r\n\r\n';
    const tail = '\r\n--' + boundary + '--\r\n';
    const headBuf = Buffer.from(head, 'utf8');
    const tailBuf = Buffer.from(tail, 'utf8');
    const file = body.file;
    const fileLen = file == null ? 0 : file instanceof Uint8Array ? file.byteLength : file.end - file.start;
    r.setHeader('Content-Type', 'multipart/form-data; boundary=' + boundary);
    r.setHeader('Content-Length', headBuf.length + fileLen + tailBuf.length);
    r.write(headBuf);
    const finish = () => { r.end(tailBuf); if (progress) progress(fileLen); };
    if (file == null) return finish();
    if (file instanceof Uint8Array) { r.write(file); return finish(); }
    const src = sources.get(file.source);
    if (src.bytes) { r.write(src.bytes.subarray(file.start, file.end)); return finish(); }
    if (src.blob) {
      src.blob.slice(file.start, file.end).arrayBuffer().then((b) => { r.write(Buffer.from(b)); finish(); }, (e) => fail({ kind: 'network', message: e.message }));
      return;
    }
    const stream = fs.createReadStream(src.path, { start: file.start, end: file.end - 1, highWaterMark: 256 * 1024 });
    let sent = 0;
    stream.on('data', (c) => { sent += c.length; if (progress) progress(sent); });
    stream.on('error', (e) => { r.destroy(e); fail({ kind: 'network', message: e.message }); });
    stream.on('end', () => r.end(tailBuf));
    stream.pipe(r, { end: false });
  }
  host.abort = (id) => inFlight.abort(id);

  // A held body opens at once (its task is queued before the method returns), a path after stat.
  const openPath = async (ref) => {
    let st;
    try {
      st = await fs.promises.stat(ref);
    } catch (e) {
      throw paramError('FilePath "' + ref + '" cannot be read: ' + e.code);
    }
    if (!st.isFile()) throw paramError('FilePath "' + ref + '" is not a file');
    try {
      await fs.promises.access(ref, fs.constants.R_OK);
    } catch (e) {
      throw paramError('FilePath "' + ref + '" cannot be read: ' + e.code);
    }
    // The file is opened when it is first read: a batch of 100,000 queued files holds no
    // descriptor per waiting file (the process limit is often 1,024).
    const id = sources.add({ path: ref, handle: null, opening: null, closed: false });
    return { id, size: st.size, name: ref, lastModified: Math.floor(st.mtimeMs), persistent: true };
  };
  host.open = (ref, isPath) => {
    if (isPath) return openPath(ref);
    const v = host.get(ref);
    if (v !== null && typeof v === 'object' && typeof v.getReader === 'function' && !isReadable(v)) {
      if (v.locked) throw paramError('params body format error: the Body ReadableStream is locked (already being read)');
      return { id: sources.add({ reader: streamReader(Readable.fromWeb(v)) }), size: 0, persistent: false, streamed: true, canPipe: true };
    }
    if (isReadable(v)) {
      // Read once, front to back, by the core's part reads: its length is not known here.
      return { id: sources.add({ reader: streamReader(v) }), size: 0, persistent: false, streamed: true, canPipe: true };
    }
    if (isBinary(v)) {
      const bytes = toBytes(v);
      return { id: sources.add({ bytes }), size: bytes.byteLength, persistent: false };
    }
    if (typeof Blob !== 'undefined' && v instanceof Blob) {
      const isFile = typeof File !== 'undefined' && v instanceof File;
      return { id: sources.add({ blob: v }), size: v.size, type: v.type || undefined, name: isFile ? v.name : undefined, lastModified: isFile ? v.lastModified : undefined, persistent: false };
    }
    throw paramError(BODY_ERROR);
  };
  host.read = async (id, start, end) => {
    const src = sources.get(id);
    if (src.reader) return src.reader.next(end - start);
    if (src.bytes) return src.bytes.slice(start, end);
    if (src.blob) return new Uint8Array(await src.blob.slice(start, end).arrayBuffer());
    const len = end - start;
    const buf = Buffer.allocUnsafe(len);
    let off = 0;
    while (off < len) {
      const { bytesRead } = await (src.handle || await fileHandle(src)).read(buf, off, len - off, start + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, off);
  };
  // File ranges are hashed here with the core's own hashers, through one reused buffer per range:
  // the default (the core reading 1 MiB Buffers) leaves a fresh Buffer of garbage per step.
  const HASH_STEP = 1024 * 1024;
  const hashBuffers = [];
  host.hashRange = (id, start, end, md5) => {
    const src = sources.get(id);
    if (!src.path || !core || !core.Crc64Hasher) return null;
    return (async () => {
      const buf = hashBuffers.pop() || Buffer.allocUnsafe(HASH_STEP);
      const crc = new core.Crc64Hasher();
      const m = md5 ? new core.Md5Hasher() : null;
      try {
        for (let pos = start; pos < end;) {
          const { bytesRead } = await (src.handle || await fileHandle(src)).read(buf, 0, Math.min(buf.length, end - pos), pos);
          if (bytesRead === 0) throw new Error('the file changed while it was being read (short read); upload it again');
          const view = buf.subarray(0, bytesRead);
          crc.update(view);
          if (m) m.update(view);
          pos += bytesRead;
        }
        return { crc64: crc.digest(), md5: m ? m.digest() : undefined };
      } finally {
        crc.free();
        if (m) m.free();
        if (hashBuffers.length < 8) hashBuffers.push(buf);
      }
    })();
  };
  host.close = (id) => {
    const src = sources.delete(id);
    if (!src) return;
    if (src.reader) src.reader.release();
    if (!src.path) return;
    src.closed = true;
    if (src.handle) src.handle.close().catch(() => {});
    else if (src.opening) src.opening.then((h) => h.close(), () => {}).catch(() => {});
  };

  /** The open file of a FilePath source, opened on first use (once). */
  function fileHandle(src) {
    if (!src.opening) {
      src.opening = fs.promises.open(src.path, 'r').then((h) => {
        if (src.closed) {
          h.close().catch(() => {});
          throw new Error('the upload ended');
        }
        src.handle = h;
        return h;
      });
    }
    return src.opening;
  }

  let store = null;
  function loadStore() {
    if (store) return store;
    try { store = JSON.parse(fs.readFileSync(checkpointPath, 'utf8')); } catch { store = {}; }
    if (!store || typeof store !== 'object') store = {};
    return store;
  }
  host.storageGet = (key) => {
    const v = loadStore()[key];
    return typeof v === 'string' ? v : null;
  };
  host.storageSet = (key, value) => {
    const s = loadStore();
    s[key] = value;
    try {
      fs.mkdirSync(path.dirname(checkpointPath), { recursive: true });
      const tmp = checkpointPath + '.' + process.pid + '.tmp';
      fs.writeFileSync(tmp, JSON.stringify(s), { mode: 0o600 });
      fs.renameSync(tmp, checkpointPath);
    } catch { /* read-only home: resume then only works within this process */ }
  };
  // Select results (selectObjectContent's Payload) are Buffers in Node, as the official SDK gives them.
  host.bytesValue = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  host.defaultProtocol = () => 'https:';
  return host;
}
