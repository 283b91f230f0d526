// The reliability suite's harness: one in-process local COS server, a fresh context per scenario,
// and the bookkeeping every scenario gets for free afterwards — stored objects compared with their
// sources (MD5), open multipart uploads counted (only those the scenario chose to keep are allowed),
// bytes the server had to read more than once, faults and clock reset.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { patternBytes as sharedPatternBytes } from '../../suites/data.mjs';
import { BUCKET, REGION, SECRET_ID, SECRET_KEY, localOptions } from '../../lib/node-env.mjs';

const require = createRequire(import.meta.url);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { startCosServer, localhostAgent } = require(path.join(ROOT, 'js-tests/cos-server'));
export { localhostAgent };

export { BUCKET, REGION, SECRET_ID, SECRET_KEY } from '../../lib/node-env.mjs';
export const MiB = 1024 * 1024;

export function loadCOS() {
  return require(path.join(ROOT, 'pkg'));
}

export function md5(bytes) {
  return crypto.createHash('md5').update(bytes).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift32): the shared suites' patternBytes as a Buffer. */
export function patternBytes(size, seed = 1) {
  const bytes = sharedPatternBytes(size, seed);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

v8.setFlagsFromString('--expose-gc');
const gcNow = vm.runInNewContext('gc');

/** Process memory after two full garbage collections: {rss, heap, external} (external includes ArrayBuffers and wasm memory). */
export function memoryAfterGc() {
  gcNow();
  gcNow();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

/** A seeded PRNG (mulberry32): scenarios pick "random" parts reproducibly from the run's seed. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    /** k distinct integers from [lo, hi], sorted. */
    pick(k, lo, hi) {
      const s = new Set();
      while (s.size < k) s.add(lo + Math.floor(next() * (hi - lo + 1)));
      return [...s].sort((x, y) => x - y);
    },
  };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` (sync or async) every 10 ms; throws after `ms`. No fixed sleeps in scenarios. */
export async function waitFor(cond, what, ms = 30000) {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - t0 > ms) throw new Error('timed out after ' + ms + ' ms waiting for ' + what);
    await sleep(10);
  }
}

/**
 * Takes over `uncaughtException` while a scenario expects some: user callbacks that throw surface
 * there (cos-wasm rethrows them from a timer of their own). `errors` collects them; `restore()` lets
 * the timers already set fire (timers of equal delay run in order) and gives the handlers back.
 */
export function catchUncaught() {
  const errors = [];
  const others = process.listeners('uncaughtException');
  const mine = (e) => errors.push(e);
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', mine);
  let restored = false;
  return {
    errors,
    async restore() {
      if (restored) return;
      restored = true;
      await sleep(1);
      await sleep(1);
      process.removeListener('uncaughtException', mine);
      for (const f of others) process.on('uncaughtException', f);
    },
  };
}

export class Hang extends Error {}

/** Rejects with a Hang error when `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, what = 'the call') {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Hang(what + ' did not settle within ' + ms + ' ms')), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Settles to {ok, value} or {ok: false, error}; never throws. */
export async function settle(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

export class AssertionError extends Error {}

export function check(cond, msg) {
  if (!cond) throw new AssertionError(msg || 'assertion failed');
}

export function eq(actual, expected, msg) {
  if (actual !== expected) throw new AssertionError((msg ? msg + ': ' : '') + 'expected ' + show(expected) + ', got ' + show(actual));
}

export function show(v) {
  try {
    const s = JSON.stringify(v);
    return s && s.length > 300 ? s.slice(0, 300) + '…' : s;
  } catch {
    return String(v);
  }
}

/**
 * The official error shape: an Error instance with string code and message, an `error` object and
 * a `headers` object. Returns a list of what is wrong ([] when fine).
 */
export function shapeProblems(e, { needle, code, plain = false } = {}) {
  const p = [];
  if (!plain && !(e instanceof Error)) p.push('not an Error instance (' + Object.prototype.toString.call(e) + ')');
  if (!e || typeof e !== 'object') return p.concat('not an object: ' + show(e));
  if (typeof e.code !== 'string' || !e.code) p.push('no string err.code');
  if (typeof e.message !== 'string' || !e.message) p.push('no string err.message');
  if (!e.error || typeof e.error !== 'object') p.push('no err.error object');
  if (!e.headers || typeof e.headers !== 'object') p.push('no err.headers object');
  if (code !== undefined && e.code !== code) p.push('code ' + show(e.code) + ' instead of ' + show(code));
  if (needle !== undefined) {
    const needles = Array.isArray(needle) ? needle : [needle];
    if (!needles.some((n) => String(e.message).includes(n))) p.push('message ' + show(e.message) + ' does not name ' + needles.map(show).join(' or '));
  }
  return p;
}

export function assertShape(e, opts) {
  const p = shapeProblems(e, opts);
  if (p.length) throw new AssertionError('error not in the official shape: ' + p.join('; ') + ' — ' + describeError(e));
}

export function describeError(e) {
  if (!e || typeof e !== 'object') return show(e);
  return (e.code || e.name || 'Error') + ': ' + e.message + (e.statusCode !== undefined ? ' (HTTP ' + e.statusCode + ')' : '');
}

/** Successful (200) UploadPart requests per part number for one uploadId, from log entries. */
/**
 * Requests of each part of `uploadId` that answered `status` (200; null: any), or with `stored`,
 * that stored their part as the server logs it (also those whose answer the client never heard).
 */
export function partCounts(entries, uploadId, { status = 200, stored = false } = {}) {
  const counts = {};
  for (const r of entries) {
    if (r.op !== 'UploadPart') continue;
    const q = new URLSearchParams(r.url.slice(r.url.indexOf('?') + 1));
    if (uploadId && q.get('uploadId') !== uploadId) continue;
    const n = Number(q.get('partNumber'));
    const counted = stored ? r.stored : status === null || r.status === status;
    if (counted) counts[n] = (counts[n] || 0) + 1;
  }
  return counts;
}

export function keyPath(key) {
  return '/' + encodeURIComponent(key).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Bytes the server read more than once: for every part (uploadId, partNumber) and every simple
 * upload (method + path), all body bytes read minus the largest single attempt. A connection cut
 * after 100 KB and a full retry count 100 KB; a part sent twice in full counts its size.
 */
export function resentBytes(entries) {
  const groups = new Map();
  for (const r of entries) {
    if (!['UploadPart', 'PutObject', 'AppendObject', 'PostObject'].includes(r.op)) continue;
    let id;
    if (r.op === 'UploadPart') {
      const q = new URLSearchParams(r.url.slice(r.url.indexOf('?') + 1));
      id = 'part ' + q.get('uploadId') + ' ' + q.get('partNumber');
    } else {
      id = r.op + ' ' + r.url.split('?')[0] + (r.op === 'AppendObject' ? ' ' + r.url : '');
    }
    const g = groups.get(id) || { sum: 0, max: 0 };
    g.sum += r.bytes;
    g.max = Math.max(g.max, r.bytes);
    groups.set(id, g);
  }
  let total = 0;
  for (const g of groups.values()) total += g.sum - g.max;
  return total;
}

/**
 * Watches requests as they arrive at and leave the server (in-process): what is in flight now and
 * the most that was in flight at once, for requests matching a filter.
 */
export class ServerWatch {
  constructor(server) {
    this.server = server;
    this.active = new Set();
    this.watchers = [];
    this.onRequest = (req, res) => {
      const entry = { method: req.method, url: req.url, host: req.headers.host, start: Date.now() };
      this.active.add(entry);
      for (const w of this.watchers) w.update(this.active);
      res.on('close', () => {
        this.active.delete(entry);
        entry.end = Date.now();
        for (const w of this.watchers) w.update(this.active, entry);
      });
    };
    server.http.prependListener('request', this.onRequest);
    server.http.prependListener('checkContinue', this.onRequest);
  }

  /** Tracks the maximum number of matching requests in flight together. Call stop() when done. */
  track(filter) {
    const w = {
      max: 0,
      seen: 0,
      update: (active, ended) => {
        let n = 0;
        for (const e of active) if (filter(e)) n += 1;
        if (!ended) w.seen = Math.max(w.seen, n);
        w.max = Math.max(w.max, n);
      },
      stop: () => { this.watchers = this.watchers.filter((x) => x !== w); },
    };
    this.watchers.push(w);
    return w;
  }

  inFlight(filter) {
    return [...this.active].filter(filter);
  }

  close() {
    this.server.http.off('request', this.onRequest);
    this.server.http.off('checkContinue', this.onRequest);
  }
}

/** The part number of a request URL, or null. */
export function partNumberOf(url) {
  const m = /[?&]partNumber=(\d+)/.exec(url);
  return m ? Number(m[1]) : null;
}

/**
 * An http.Agent (resolving *.localhost) that corrupts request bodies in transit: for requests for
 * which `match(method, path)` is true (and while `budget` lasts), one byte of the first body chunk
 * is flipped on the wire. The caller's buffers are never touched.
 */
export function corruptingAgent(match, budget = 1) {
  const agent = localhostAgent({ maxSockets: 64 });
  const state = { left: budget, corrupted: [] };
  const add = agent.addRequest.bind(agent);
  agent.addRequest = (req, options) => {
    if (state.left > 0 && match(req.method, req.path)) {
      state.left -= 1;
      state.corrupted.push(req.method + ' ' + req.path);
      let done = false;
      const flip = (chunk) => {
        if (done || chunk == null || typeof chunk === 'function' || chunk.length === 0) return chunk;
        done = true;
        const copy = Buffer.from(chunk);
        copy[copy.length >> 1] ^= 0x5a;
        return copy;
      };
      const write = req.write.bind(req);
      const end = req.end.bind(req);
      req.write = (chunk, ...rest) => write(flip(chunk), ...rest);
      req.end = (chunk, ...rest) => end(flip(chunk), ...rest);
    }
    return add(req, options);
  };
  agent.state = state;
  return agent;
}

/**
 * An http.Agent (resolving *.localhost) that records the client's view of its requests: `inFlight`
 * holds those sent whose response has not ended yet, `started` counts every request.
 */
export function trackingAgent() {
  const agent = localhostAgent({ maxSockets: 64 });
  agent.inFlight = new Set();
  agent.started = 0;
  const add = agent.addRequest.bind(agent);
  agent.addRequest = (req, options) => {
    const entry = { method: req.method, path: req.path };
    agent.inFlight.add(entry);
    agent.started += 1;
    const done = () => agent.inFlight.delete(entry);
    req.on('close', done);
    req.on('response', (res) => { res.on('end', done); res.on('close', done); });
    return add(req, options);
  };
  return agent;
}

/** Scans text for any of the secrets; returns the secrets found. */
export function findSecrets(text, secrets) {
  return secrets.filter((s) => s && text.includes(s));
}

/** JSON of a value including every own property (non-enumerable `message`, `stack` too). */
export function deepJson(v) {
  const seen = new WeakSet();
  return JSON.stringify(v, function (k, x) {
    if (x && typeof x === 'object') {
      if (seen.has(x)) return '[cycle]';
      seen.add(x);
      if (x instanceof Error || Object.getOwnPropertyNames(x).some((n) => !Object.prototype.propertyIsEnumerable.call(x, n))) {
        const o = {};
        for (const n of Object.getOwnPropertyNames(x)) o[n] = x[n];
        return o;
      }
    }
    if (typeof x === 'bigint') return String(x);
    return x;
  });
}

/** Starts the suite's server and returns the harness. */
export async function createHarness({ seed = 1, verbose = false } = {}) {
  // A second permanent key, unique to this run, for the secret scan.
  const scanCredential = { secretId: 'AKIDSCAN' + crypto.randomBytes(12).toString('hex').toUpperCase(), secretKey: 'ScanSecret' + crypto.randomBytes(16).toString('hex') };
  const server = await startCosServer({
    port: 0,
    credentials: [{ secretId: SECRET_ID, secretKey: SECRET_KEY }, scanCredential],
    buckets: [{ name: BUCKET, region: REGION }],
    logLimit: 1_000_000,
  });
  const watch = new ServerWatch(server);
  const COS = loadCOS();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-reliability-'));
  let n = 0;
  const h = {
    server,
    watch,
    COS,
    seed,
    root,
    verbose,
    /** A fresh context for one scenario. */
    context(name) {
      n += 1;
      const dir = path.join(root, String(n).padStart(2, '0'));
      fs.mkdirSync(dir, { recursive: true });
      const ctx = {
        name,
        server,
        watch,
        COS,
        B: BUCKET,
        R: REGION,
        port: server.port,
        dir,
        rng: rng(seed * 7919 + n),
        md5,
        verbose,
        scanCredential,
        checkpointPath: path.join(dir, 'checkpoints.json'),
        expected: new Map(),
        kept: new Set(),
        notes: [],
        logStart: server.requestLog().length,
        /** new COS(...) options for the local server. Pass undefined to drop an option. */
        options(extra = {}) {
          return localOptions(server.port, { CheckpointPath: ctx.checkpointPath, RetryDelay: 20, ...extra });
        },
        cos(extra) {
          return new COS(ctx.options(extra));
        },
        /** Writes bytes to a file of this scenario; returns its path. */
        file(bytes, name = 'file.bin') {
          const p = path.join(dir, Math.random().toString(36).slice(2, 8) + '-' + name);
          fs.writeFileSync(p, bytes);
          return p;
        },
        /** After the scenario, the object `key` must exist with this content (bytes or hex MD5). */
        expectObject(key, bytesOrMd5) {
          ctx.expected.set(key, typeof bytesOrMd5 === 'string' ? bytesOrMd5 : md5(bytesOrMd5));
        },
        /** The user chose to keep this multipart upload open (KeepUploadOnCancel and the like). */
        keepUpload(uploadId) {
          ctx.kept.add(uploadId);
        },
        note(s) {
          ctx.notes.push(s);
        },
        /** Requests the server logged since the scenario started. */
        requests() {
          return server.requestLog().slice(ctx.logStart);
        },
        uploads(key) {
          return server.uploads(BUCKET).filter((u) => key === undefined || u.key === key);
        },
        object(key) {
          return server.objects(BUCKET, key).find((o) => o.key === key);
        },
        /** Waits until the server has no request in flight (aborted requests finish logging). */
        async quiesce(ms = 10000) {
          await waitFor(() => watch.active.size === 0, 'the server to have no request in flight', ms);
        },
      };
      return ctx;
    },
    /**
     * What the scenario left behind: objects that differ from their sources, uploads nobody chose
     * to keep (then aborted, so the next scenario starts clean), bytes read more than once.
     */
    async finish(ctx) {
      const problems = [];
      try { await ctx.quiesce(15000); } catch (e) { problems.push(e.message); }
      for (const [key, want] of ctx.expected) {
        const o = ctx.object(key);
        if (!o) problems.push('object ' + key + ' missing');
        else if (o.md5 !== want) problems.push('object ' + key + ' has MD5 ' + o.md5 + ', source ' + want);
      }
      const open = server.uploads(BUCKET);
      const orphans = open.filter((u) => !ctx.kept.has(u.uploadId));
      if (orphans.length) problems.push(orphans.length + ' multipart upload(s) left open that the user did not keep: ' + orphans.map((u) => u.key + ' (' + u.parts.length + ' parts)').join(', '));
      const bytesResent = resentBytes(ctx.requests());
      // Clean slate for the next scenario.
      server.clearFaults();
      server.setClockOffset(0);
      if (open.length) {
        const cos = new COS(ctx.options());
        for (const u of open) await settle(cos.multipartAbort({ Bucket: BUCKET, Region: REGION, Key: u.key, UploadId: u.uploadId }));
      }
      return { problems, orphans: orphans.length, bytesResent };
    },
    async close() {
      watch.close();
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
    http,
  };
  return h;
}
