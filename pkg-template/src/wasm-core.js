// The JS side of the wasm module's boundary (src/wasm/): its imports, which call the host shims, and
// the wrappers of its exports that the COS class uses. Values cross as bytes in wasm memory, in the
// format of src/boundary.rs: a one-byte tag, then little-endian u32 lengths / counts / handles, f64
// numbers and UTF-8 text. Instantiate with `imports()`, then hand the instance to `start()`.
// No generated glue: this file is the whole of it, and names no global a mini-program lacks
// (TextEncoder/TextDecoder are injected there).

const NULL = 0, FALSE = 1, TRUE = 2, NUM = 3, STR = 4, ARR = 5, OBJ = 6, HELD = 7, ERR = 8, BYTES = 9;
/** Deeper parameter trees are cut off (cycles, hostile input). */
const MAX_DEPTH = 12;
/** COS's XML answers are a few hundred KB at most: a larger one is refused before it is copied. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Bytes hashed per call of the hashers (their input is copied into wasm memory this much at a time). */
const HASH_CHUNK = 256 * 1024;

let ex = null;
let u8 = new Uint8Array(0);
let dv = new DataView(u8.buffer);
const utf8In = new TextDecoder();
const utf8Out = new TextEncoder();

/** Views of wasm memory, made again when it grew (growing detaches the old buffer). */
function mem() {
  if (u8.buffer !== ex.memory.buffer) {
    u8 = new Uint8Array(ex.memory.buffer);
    dv = new DataView(ex.memory.buffer);
  }
  return u8;
}

// --- host shims by number ------------------------------------------------------------------------

const hosts = [];
const freeHosts = [];
function register(host) {
  const id = freeHosts.length > 0 ? freeHosts.pop() : hosts.length;
  hosts[id] = host;
  return id;
}
const staticIds = new WeakMap();
/** The number of a host that static calls use (never given back). */
function staticId(host) {
  let id = staticIds.get(host);
  if (id === undefined) staticIds.set(host, (id = register(host)));
  return id;
}

// --- JS values to bytes --------------------------------------------------------------------------

/** Params objects whose fields the core reads: plain objects of this realm, and any object that
 * `Object.prototype.toString` calls `[object Object]` (other realms, class instances), as the
 * official SDK reads fields of whatever it is given. Blobs, buffers, dates… stay host values. */
function isPlain(v) {
  // Streams (Node's have `pipe`, web ReadableStreams `getReader`) are bodies and outputs the
  // host reads or writes, never params trees, though a Node stream prints as `[object Object]`.
  try {
    if (typeof v.pipe === 'function' || typeof v.getReader === 'function') return false;
  } catch (e) {
    return false;
  }
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype || Object.prototype.toString.call(v) === '[object Object]';
}

function read(obj, k) {
  try {
    return obj[k];
  } catch (e) {
    return undefined;
  }
}

class Encoder {
  constructor() {
    this.b = new Uint8Array(1024);
    this.v = new DataView(this.b.buffer);
    this.n = 0;
  }

  room(k) {
    if (this.n + k <= this.b.length) return;
    const b = new Uint8Array(Math.max(this.b.length * 2, this.n + k));
    b.set(this.b.subarray(0, this.n));
    this.b = b;
    this.v = new DataView(b.buffer);
  }

  tag(t) {
    this.room(1);
    this.b[this.n++] = t;
  }

  u32(x) {
    this.room(4);
    this.v.setUint32(this.n, x, true);
    this.n += 4;
  }

  num(x) {
    this.room(9);
    this.b[this.n++] = NUM;
    this.v.setFloat64(this.n, x, true);
    this.n += 8;
  }

  /** u32 byte length, then UTF-8 (ASCII written here; the rest by TextEncoder). */
  text(s) {
    this.room(4 + s.length * 3);
    const b = this.b;
    let p = this.n + 4;
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[p++] = c;
    }
    if (i < s.length) p += utf8Out.encodeInto(s.slice(i), b.subarray(p)).written;
    this.v.setUint32(this.n, p - this.n - 4, true);
    this.n = p;
  }

  str(s) {
    this.tag(STR);
    this.text(s);
  }

  held(h) {
    this.tag(HELD);
    this.u32(h);
  }

  value(v, host, depth) {
    if (v === undefined || v === null) return this.tag(NULL);
    switch (typeof v) {
      case 'boolean': return this.tag(v ? TRUE : FALSE);
      case 'number': return this.num(v);
      case 'string': return this.str(v);
      case 'function': return this.held(host.hold(v));
      case 'object': break;
      // BigInt, Symbol: the host decides.
      default: return this.held(host.hold(v));
    }
    if (depth >= MAX_DEPTH) return this.tag(NULL);
    if (Array.isArray(v)) {
      this.tag(ARR);
      this.u32(v.length);
      for (let i = 0; i < v.length; i++) this.value(read(v, i), host, depth + 1);
      return;
    }
    if (!isPlain(v)) return this.held(host.hold(v));
    this.tag(OBJ);
    const countAt = this.n;
    this.u32(0);
    let count = 0;
    const keys = Object.keys(v);
    for (const k of keys) {
      const x = read(v, k);
      if (x === undefined) continue;
      this.text(k);
      this.value(x, host, depth + 1);
      count++;
    }
    // A class instance's getters (`get Key() {…}` on its prototype chain), read as the official
    // SDK reads any property it is given; own fields already read win.
    for (let proto = Object.getPrototypeOf(v); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const k of Object.getOwnPropertyNames(proto)) {
        const d = Object.getOwnPropertyDescriptor(proto, k);
        if (!d || typeof d.get !== 'function' || keys.includes(k)) continue;
        const x = read(v, k);
        if (x === undefined) continue;
        this.text(k);
        this.value(x, host, depth + 1);
        keys.push(k);
        count++;
      }
    }
    this.v.setUint32(countAt, count, true);
  }

  /** The bytes, copied into wasm memory: [address, length] for an export to take. */
  pass() {
    const ptr = ex.cosw_alloc(this.n);
    mem().set(this.b.subarray(0, this.n), ptr);
    return [ptr, this.n];
  }
}

// User getters may call the SDK while a value is being written: each write takes its own encoder.
let spare = null;
function encoder() {
  const e = spare || new Encoder();
  spare = null;
  e.n = 0;
  return e;
}
function done(e) {
  if (e.b.length <= 1 << 16) spare = e;
}

/** `value` (a JS value; functions and host objects held in `host`) in wasm memory. */
function passValue(value, host) {
  const e = encoder();
  try {
    e.value(value, host, 0);
    return e.pass();
  } finally {
    done(e);
  }
}

function passBytes(bytes) {
  const ptr = ex.cosw_alloc(bytes.length);
  mem().set(bytes, ptr);
  return [ptr, bytes.length];
}

function passText(s) {
  return passBytes(utf8Out.encode(s));
}

/** A reply an import returns at once: `[u32 length][bytes]` in wasm memory (the core frees it). */
function reply(bytes) {
  const ptr = ex.cosw_alloc(bytes.length + 4);
  mem();
  dv.setUint32(ptr, bytes.length, true);
  u8.set(bytes, ptr + 4);
  return ptr;
}

function encoded(build) {
  const e = encoder();
  try {
    build(e);
    return e.b.slice(0, e.n);
  } finally {
    done(e);
  }
}

// --- bytes to JS values --------------------------------------------------------------------------

function text(p, n) {
  const b = mem();
  // Short ASCII text (field names, most values) is quicker made here than by TextDecoder's call.
  if (n <= 12) {
    let s = '';
    for (let i = p; i < p + n; i++) {
      const c = b[i];
      if (c >= 0x80) return utf8In.decode(b.subarray(p, p + n));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8In.decode(b.subarray(p, p + n));
}

/** The value at `p` in wasm memory; held values are looked up in `host`. */
function decode(p, host) {
  let at = p;
  const u32 = () => {
    const x = dv.getUint32(at, true);
    at += 4;
    return x;
  };
  const name = () => {
    const n = u32();
    at += n;
    return text(at - n, n);
  };
  const value = () => {
    const t = u8[at++];
    switch (t) {
      case NULL: return null;
      case FALSE: return false;
      case TRUE: return true;
      case NUM: {
        const x = dv.getFloat64(at, true);
        at += 8;
        return x;
      }
      case STR: return name();
      case ARR: {
        const a = new Array(u32());
        for (let i = 0; i < a.length; i++) a[i] = value();
        return a;
      }
      case OBJ: {
        const o = {};
        for (let n = u32(); n > 0; n--) {
          const k = name();
          // A field named `__proto__` stays a plain field.
          if (k === '__proto__') Object.defineProperty(o, k, { value: value(), writable: true, enumerable: true, configurable: true });
          else o[k] = value();
        }
        return o;
      }
      case HELD: return host.get(u32());
      case ERR: {
        // The SDK's error object: an Error, `message` first, then its fields in order.
        let n = u32() - 1;
        name();
        const e = new Error(value());
        for (; n > 0; n--) {
          const k = name();
          e[k] = value();
        }
        return e;
      }
      case BYTES: {
        const n = u32();
        at += n;
        return u8.slice(at - n, at);
      }
      default: throw new Error('cos-wasm: bad value tag ' + t);
    }
  };
  mem();
  return value();
}

/** What an export gave: `[u32 length][bytes]` at `p`. */
function outText(p) {
  mem();
  return text(p + 4, dv.getUint32(p, true));
}

/** `[1][value]` or `[0][error]` at `p` (after the length): the value, or the error thrown. */
function outResult(p, host) {
  mem();
  const v = decode(p + 5, host);
  if (u8[p + 4] !== 1) throw v;
  return v;
}

// --- the imports ---------------------------------------------------------------------------------

/** The part of a host failure the core reads. */
function failure(e) {
  const message = typeof e === 'string' ? e : e && typeof e.message === 'string' ? e.message : '';
  const f = { message };
  if (e && e.param === true) f.param = true;
  if (e && typeof e.kind === 'string') f.kind = e.kind;
  return f;
}

function settle(op, ok, bytes) {
  const [ptr, n] = bytes.length > 0 ? passBytes(bytes) : [0, 0];
  ex.cosw_settle(op, ok ? 1 : 0, ptr, n);
}

function settleFailure(op, e) {
  settle(op, false, encoded((w) => w.value(failure(e), null, 0)));
}

function settleValue(op, v, host) {
  settle(op, true, encoded((w) => w.value(v, host, 0)));
}

/** Settles `op` with what `run()` resolves to (`then(value)`), or its failure. */
function later(op, run, then) {
  let p;
  try {
    p = Promise.resolve(run());
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then(then, (e) => settleFailure(op, e));
}

const asBytes = (v) => (v instanceof Uint8Array ? v : ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v));

function settleResponse(op, res, responseType, host) {
  let body = res && res.body;
  body = typeof body === 'string' ? utf8Out.encode(body) : body instanceof Uint8Array ? body : new Uint8Array(0);
  if (responseType === 'bytes' && body.length > MAX_RESPONSE_BYTES) {
    return settleFailure(op, { kind: 'invalid', message: "the server's answer is too large to be a COS response" });
  }
  const meta = encoded((w) => {
    // An object of the fields the answer has.
    w.tag(OBJ);
    const countAt = w.n;
    w.u32(0);
    let count = 0;
    const field = (name) => {
      w.text(name);
      count++;
    };
    if (typeof res.status === 'number') { field('status'); w.num(res.status); }
    if (res.headers && typeof res.headers === 'object') { field('headers'); w.value(res.headers, host, 0); }
    if (res.native !== undefined) { field('native'); w.held(host.hold(res.native)); }
    if (typeof res.written === 'number') { field('written'); w.num(res.written); }
    if (typeof res.crc64 === 'string') { field('crc64'); w.str(res.crc64); }
    w.v.setUint32(countAt, count, true);
  });
  const n = 4 + body.length + meta.length;
  const ptr = ex.cosw_alloc(n);
  mem();
  dv.setUint32(ptr, body.length, true);
  u8.set(body, ptr + 4);
  u8.set(meta, ptr + 4 + body.length);
  ex.cosw_settle(op, 1, ptr, n);
}

let resolved = null;
const calls = [];
const freeCalls = [];

function imports() {
  return {
    cos: {
      host_send(h, op, p, n, progress) {
        const host = hosts[h];
        const req = decode(p, host);
        const onProgress = progress >= 0 ? (sent) => ex.cosw_progress(progress, sent) : undefined;
        later(op, () => host.send(req, onProgress), (res) => settleResponse(op, res, req.responseType, host));
      },
      host_abort: (h, id) => hosts[h].abort(id),
      host_open(h, op, handle, p, n) {
        const host = hosts[h];
        let r;
        try {
          r = handle >= 0 ? host.open(handle, false) : host.open(text(p, n), true);
        } catch (e) {
          return reply(encoded((w) => { w.tag(0); w.value(failure(e), null, 0); }));
        }
        if (r instanceof Promise) {
          r.then((v) => settleValue(op, v, host), (e) => settleFailure(op, e));
          return 0;
        }
        return reply(encoded((w) => { w.tag(1); w.value(r, host, 0); }));
      },
      host_read(h, op, source, start, end) {
        later(op, () => hosts[h].read(source, start, end), (v) => settle(op, true, asBytes(v)));
      },
      host_close: (h, source) => hosts[h].close(source),
      host_sleep(h, op, ms) {
        later(op, () => hosts[h].sleep(ms), () => settle(op, true, []));
      },
      host_now: (h) => hosts[h].now(),
      host_random: (h) => hosts[h].random(),
      host_storage_get(h, p, n) {
        const v = hosts[h].storageGet(text(p, n));
        return typeof v === 'string' ? reply(utf8Out.encode(v)) : 0;
      },
      host_storage_set: (h, kp, kn, vp, vn) => hosts[h].storageSet(text(kp, kn), text(vp, vn)),
      host_invoke(h, fn, p) {
        const host = hosts[h];
        host.invoke(fn, decode(p, host));
      },
      host_get_authorization(h, op, fn, p) {
        const host = hosts[h];
        const options = decode(p, host);
        later(op, () => host.getAuthorization(fn, options), (v) => settleValue(op, v, host));
      },
      host_hold(h, p) {
        const host = hosts[h];
        return host.hold(decode(p, host));
      },
      host_retain: (h, handle) => hosts[h].retain(handle),
      host_release: (h, handle) => hosts[h].release(handle),
      host_unpack(h, op, on, tp, tn, into, at, count) {
        hosts[h].unpack(mem().slice(op, op + on), text(tp, tn), into, at, count);
      },
      host_open_write(h, op, p, n, size, keep) {
        const host = hosts[h];
        if (typeof host.openWrite !== 'function') return 0;
        const path = text(p, n);
        later(op, () => host.openWrite(path, size, keep !== 0), (v) => settleValue(op, v, host));
        return 1;
      },
      host_close_write(h, op, file) {
        const host = hosts[h];
        if (typeof host.closeWrite !== 'function') return 0;
        later(op, () => host.closeWrite(file), () => settle(op, true, []));
        return 1;
      },
      host_hash_range(h, op, source, start, end, md5) {
        const host = hosts[h];
        if (typeof host.hashRange !== 'function') return 0;
        let p;
        try {
          p = host.hashRange(source, start, end, md5 !== 0);
        } catch (e) {
          p = Promise.reject(e);
        }
        if (!p || typeof p.then !== 'function') return 0;
        p.then((v) => settleValue(op, v, host), (e) => settleFailure(op, e));
        return 1;
      },
      host_bytes_value(h, p, n) {
        const host = hosts[h];
        if (typeof host.bytesValue !== 'function') return -1;
        return host.hold(host.bytesValue(mem().slice(p, p + n)));
      },
      host_to_lower: (p, n) => reply(utf8Out.encode(text(p, n).toLowerCase())),
      host_forget(h) {
        hosts[h] = undefined;
        freeHosts.push(h);
      },
      host_date_now: () => Date.now(),
      host_queue_tasks() {
        if (resolved === null) resolved = Promise.resolve();
        resolved.then(ex.cosw_run_tasks);
      },
      host_done(token, ok, p) {
        const c = calls[token];
        calls[token] = undefined;
        freeCalls.push(token);
        const v = decode(p, c.host);
        (ok ? c.resolve : c.reject)(v);
      },
    },
  };
}

/** The instantiated module: what every wrapper below calls. */
function start(instance) {
  ex = instance.exports;
}

// --- the exports, wrapped --------------------------------------------------------------------------

// A COS object collected gives its core instance back (its running calls and tasks keep it alive).
const instances = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((id) => ex.cosw_drop(id)) : null;

class CosCore {
  /** `host`: the JS host shim; `options`: the user's constructor options; `emit(name, data)`. */
  constructor(host, options, flavour, defaultProtocol, emit) {
    this._host = host;
    const [p, n] = passValue([options, flavour, defaultProtocol, typeof emit === 'function' ? emit : null], host);
    this._id = outResult(ex.cosw_new(register(host), p, n), host);
    if (instances) instances.register(this, this._id);
  }

  newCallId() {
    return ex.cosw_new_call_id(this._id);
  }

  /** Runs an official method, then `resolve(data)` or `reject(err)`; `id` from newCallId, for cancelCall. */
  callWith(name, params, id, resolve, reject) {
    if (typeof id !== 'number') id = this.newCallId();
    const token = freeCalls.length > 0 ? freeCalls.pop() : calls.length;
    calls[token] = { resolve, reject, host: this._host };
    let p, n;
    try {
      [p, n] = passValue([name, params], this._host);
    } catch (e) {
      calls[token] = undefined;
      freeCalls.push(token);
      return reject(e);
    }
    ex.cosw_call(this._id, token, id, p, n);
  }

  setOptions(options) {
    const [p, n] = passValue(options, this._host);
    outResult(ex.cosw_set_options(this._id, p, n), this._host);
  }

  getTaskList() {
    const p = ex.cosw_task_list(this._id);
    return decode(p + 4, this._host);
  }

  setListening(on) {
    ex.cosw_set_listening(this._id, on ? 1 : 0);
  }

  pauseTask(id) {
    return this._taskOp(0, id);
  }

  restartTask(id) {
    return this._taskOp(1, id);
  }

  cancelTask(id) {
    return this._taskOp(2, id);
  }

  _taskOp(what, id) {
    const [p, n] = passText(String(id));
    return ex.cosw_task_op(this._id, what, p, n) !== 0;
  }

  cancelCall(id) {
    return ex.cosw_cancel_call(this._id, id) !== 0;
  }

  /** Synchronous getObjectUrl: signed when the instance holds keys, else unsigned. */
  getObjectUrlSync(params) {
    const [p, n] = passValue(params, this._host);
    return outResult(ex.cosw_object_url_sync(this._id, p, n), this._host);
  }
}

/** Every official method name the core answers, comma-separated. */
function methodNames() {
  return outText(ex.cosw_method_names());
}

/** Static `COS.getAuthorization`. */
function getAuthorization(host, params, flavour) {
  const [p, n] = passValue(params, host);
  return outResult(ex.cosw_static_auth(staticId(host), flavour === 'wx' ? 1 : 0, p, n), host);
}

/** The static signer's fast path over the scratch buffer (see cosw_sign_flat). */
function getAuthorizationFlat(len, forceSignHost, clockOffset, wx) {
  return ex.cosw_sign_flat(len, forceSignHost ? 1 : 0, clockOffset, wx ? 1 : 0);
}

function signScratch(capacity) {
  return ex.cosw_sign_scratch(capacity);
}

function wasmMemory() {
  return ex.memory;
}

// JS's own buffer in wasm memory for the hashers' input, grown as needed.
let scratch = 0;
let scratchSize = 0;

// A hasher collected without free() gives its memory back.
const hashers = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((h) => ex.cosw_hasher_free(h)) : null;

class Hasher {
  constructor(kind) {
    this._h = ex.cosw_hasher_new(kind);
    if (hashers) hashers.register(this, this._h, this);
  }

  update(data) {
    const bytes = asBytes(data);
    for (let at = 0; at < bytes.length; at += HASH_CHUNK) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + HASH_CHUNK));
      if (scratchSize < part.length) {
        if (scratch) ex.cosw_free(scratch, scratchSize);
        scratchSize = Math.max(part.length, 4096);
        scratch = ex.cosw_alloc(scratchSize);
      }
      mem().set(part, scratch);
      ex.cosw_hasher_update(this._h, scratch, part.length);
    }
  }

  digest() {
    return outText(ex.cosw_hasher_digest(this._h));
  }

  free() {
    if (!this._h) return;
    if (hashers) hashers.unregister(this);
    ex.cosw_hasher_free(this._h);
    this._h = 0;
  }
}

/** Incremental MD5: `update(bytes)`, then `digest()` (lower-case hex; the hasher starts over). */
class Md5Hasher extends Hasher {
  constructor() {
    super(0);
  }
}

/** Incremental CRC-64/XZ: `digest()` is the unsigned decimal COS sends. */
class Crc64Hasher extends Hasher {
  constructor() {
    super(1);
  }
}

function utilMd5(data) {
  const [p, n] = typeof data === 'string' ? passText(data) : passBytes(asBytes(data));
  return outText(ex.cosw_util_md5(p, n));
}

function utilBase64(s, urlSafe) {
  const [p, n] = passText(s);
  return outText(ex.cosw_util_base64(p, n, urlSafe ? 1 : 0));
}

function utilXml2json(host, xml) {
  const [p, n] = passText(xml);
  return outResult(ex.cosw_util_xml2json(p, n), host);
}

function utilJson2xml(host, value) {
  const [p, n] = passValue(value, host);
  return outText(ex.cosw_util_json2xml(staticId(host), p, n));
}

/** `getV4Auth`'s signature, or undefined when it cannot be made. */
function signV4(secretId, secretKey, bucket, key, nowS, expiresS, random) {
  const [p, n] = passValue([secretId, secretKey, bucket, key, nowS, expiresS, random], null);
  return outText(ex.cosw_sign_v4(p, n)) || undefined;
}

export {
  imports, start, CosCore, methodNames, getAuthorization, getAuthorizationFlat, signScratch, wasmMemory,
  Md5Hasher, Crc64Hasher, utilMd5, utilBase64, utilXml2json, utilJson2xml, signV4,
};
