// What the differential suite compares, and every normalisation it applies, in one place. Both
// sides' results go through the same rules: values are replaced by their shape (time, server ids,
// the two servers' ports, signature times), never dropped, so a malformed value still differs.
// Fields are left out only where listed here: cos-wasm's documented extras where the official
// answer lacks them, internals the official SDK leaks, SDK-worded messages, err.url's query.
// Per-row exceptions live in cases.mjs (`deliberate`: documented differences; KNOWN: reported ones).
// Host-agnostic: `encode` also runs in the browser page and the mini-program; `compare` in Node.

// --- 1. Encoding: any result as plain JSON, so browser results cross into Node intact. ---

const HEX = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');

/** UTF-8 text of small byte arrays, or null; without TextDecoder (mini-programs have none). */
function utf8Text(u8) {
  if (u8.length > 4096) return null;
  try {
    return decodeURIComponent(escape(String.fromCharCode.apply(null, u8)));
  } catch {
    return null;
  }
}

/** Bytes as `{$bytes: size, text | hex}`: what the caller got, not which container it came in. */
function bytesOf(u8) {
  const text = utf8Text(u8);
  if (text !== null) return { $bytes: u8.length, text };
  if (u8.length <= 256) return { $bytes: u8.length, hex: HEX(u8) };
  // FNV-1a: enough to tell two large bodies apart in a diff.
  let h = 0x811c9dc5;
  for (let i = 0; i < u8.length; i++) h = Math.imul(h ^ u8[i], 0x01000193) >>> 0;
  return { $bytes: u8.length, fnv: h.toString(16) };
}

/**
 * A JSON-safe copy: Buffers/typed arrays/ArrayBuffers → `{$bytes}` (their container type in `$type`,
 * which is compared: `Body` as a Buffer vs a string is a real difference), Blobs → `{$blob}`, functions
 * → `'<function>'`, Errors → their own enumerable fields plus `message` (`$error: true`).
 */
export async function encode(v, seen = new Set()) {
  if (v === undefined) return { $undefined: true };
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'function') return '<function>';
  if (typeof v === 'bigint') return { $bigint: String(v) };
  if (typeof v !== 'object') return String(v);
  if (seen.has(v)) return '<cycle>';
  seen.add(v);
  try {
    if (typeof Blob !== 'undefined' && v instanceof Blob) {
      return { $type: v.constructor.name, $blob: v.type, ...bytesOf(new Uint8Array(await v.arrayBuffer())) };
    }
    if (v instanceof ArrayBuffer) return { $type: 'ArrayBuffer', ...bytesOf(new Uint8Array(v)) };
    if (ArrayBuffer.isView(v)) {
      const t = typeof Buffer !== 'undefined' && Buffer.isBuffer(v) ? 'Buffer' : v.constructor.name;
      return { $type: t, ...bytesOf(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    }
    if (Array.isArray(v)) {
      const out = [];
      for (const x of v) out.push(await encode(x, seen));
      return out;
    }
    const out = {};
    if (v instanceof Error) {
      out.$error = true;
      out.message = v.message;
    }
    for (const k of Object.keys(v)) {
      // A stream's internals (Node Readable) are not part of any answer; a field set to undefined
      // reads as an absent one.
      if (k.startsWith('_') || v[k] === undefined) continue;
      out[k] = await encode(v[k], seen);
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

/** What a call produced: `{data}` or `{err}` (encoded), or `{threw}` when it threw synchronously. */
export async function outcome(promiseOrFn) {
  try {
    const p = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn;
    return { data: await encode(await p) };
  } catch (e) {
    return { err: await encode(e) };
  }
}

// --- 2. Normalisation: the one list of what legitimately differs between two correct answers. ---

const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;
const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/;
const REQUEST_ID = /^[A-Za-z0-9+/=_-]{8,}$/;
// The local server's UploadIds: 10-digit time + 64 hex; its version ids: 10+ word characters.
const UPLOAD_ID = /\b\d{10}[0-9a-f]{64}\b/g;
const VERSION_ID = /^[A-Za-z0-9._-]{10,}$/;

/**
 * Values replaced by their shape, by field name (compared case-insensitively, in `data`, `err`,
 * `headers` and every nested object). A value that does not have the shape is left as it is, so
 * a malformed id or date still shows up as a difference.
 */
export const NORMALISATIONS = [
  { fields: ['date', 'last-modified'], shape: HTTP_DATE, as: '<http-date>', why: 'response time of each request' },
  { fields: ['LastModified', 'Initiated', 'CreationDate'], shape: ISO_DATE, as: '<iso-date>', why: 'time an object, upload or bucket was made on each server' },
  { fields: ['RequestId', 'x-cos-request-id', 'TraceId', 'x-cos-trace-id'], shape: REQUEST_ID, as: '<request-id>', why: 'a new id per request' },
  { fields: ['UploadId', 'UploadIdMarker', 'NextUploadIdMarker'], shape: /^\d{10}[0-9a-f]{64}$/, as: '<upload-id>', why: 'server-generated, contains the time' },
  { fields: ['VersionId', 'x-cos-version-id', 'VersionIdMarker', 'NextVersionIdMarker'], shape: VERSION_ID, as: '<version-id>', why: 'server-generated (the literal "null" is kept)' },
  { fields: ['TaskId'], shape: /^[\w-]{3,}$/, as: '<task-id>', why: 'an opaque id of the SDK\'s own (a UUID in the official SDKs)' },
  // The official SDKs' err.url keeps only the query parameters a method passes as its "action"
  // (`?append`, `?uploads`), dropping the others (`uploadId`, `partNumber`, `prefix`): an artifact
  // of how each method builds its request. cos-wasm gives the URL it requested. Compared: the URL
  // up to the query.
  { fields: ['url'], shape: /^https?:\/\/[^?]*\?/, as: (v) => v.slice(0, v.indexOf('?')), why: 'query of err.url (see above)' },
];

/** Inside any string: each side's server port (the two sides use two servers) and UploadIds (in URLs, Locations, messages). */
export const STRING_NORMALISATIONS = [
  { why: 'each side talks to its own server', apply: (s, ctx) => s.split('localhost:' + ctx.port).join('localhost:<port>').split('127.0.0.1:' + ctx.port).join('127.0.0.1:<port>') },
  { why: 'UploadIds inside URLs and messages', apply: (s) => s.replace(UPLOAD_ID, '<upload-id>') },
  // x-cos-restore: ongoing-request="false", expiry-date="<http date>"
  { why: 'restore expiry time', apply: (s) => s.replace(/expiry-date="[^"]*"/, 'expiry-date="<http-date>"') },
  // A signature's validity window starts now, so its times and HMAC differ per call; the rest of a
  // signed URL or Authorization (which fields, signed header and parameter lists, order) is compared.
  // getV4Auth's signed text: a=appid&b=bucket&k=SecretId&t=now&e=expiry&r=random&f=/path.
  { why: 'getV4Auth times and random number', apply: (s) => (/^a=\d+&b=/.test(s) ? s.replace(/&(t|e|r)=\d+/g, '&$1=<n>') : s) },
  { why: 'signature times and HMAC', apply: (s) => s.replace(/(q-(?:sign|key)-time=)\d+(?:;|%3B)\d+/g, '$1<time>').replace(/(q-signature=)[0-9a-f]{40}/g, '$1<hmac>') },
];

/**
 * Fields cos-wasm adds on purpose (README: options beyond the official ones, clear errors), ignored
 * only where the official answer lacks them.
 */
export const DELIBERATE_EXTRAS = {
  err: ['attempts', 'elapsedMs', 'error', 'headers', 'name'],
  // cos-wasm gives the browser SDK's error shape on every host (docs/official-sdk-behaviour.md,
  // "Responses and errors"); cos-wx-sdk-v5's errors are plain `{error, statusCode, headers, url,
  // method}`, without these, and carry a parameter error's message as `error` itself (a string
  // where cos-wasm has `{message, code}` with the same message).
  wxErr: ['code', 'message', 'name', 'RequestId'],
};

/**
 * Internal state the official SDK leaks into its answers, ignored where cos-wasm lacks it:
 * `switchHost` (cos-nodejs-sdk-v5 marks whether its retry would move to another host).
 */
export const OFFICIAL_INTERNALS = ['switchHost'];

const byField = new Map();
for (const rule of NORMALISATIONS) for (const f of rule.fields) byField.set(f.toLowerCase(), rule);

/** `v` with the rules above applied (`ctx.port`: that side's server port). */
export function normalise(v, ctx, field = '') {
  if (typeof v === 'string') {
    const rule = byField.get(field.toLowerCase());
    let s = v;
    if (rule && rule.shape.test(v) && !(rule.as === '<version-id>' && v === 'null')) {
      if (typeof rule.as === 'string') return rule.as;
      s = rule.as(v);
    }
    for (const r of STRING_NORMALISATIONS) s = r.apply(s, ctx);
    return s;
  }
  if (Array.isArray(v)) return v.map((x) => normalise(x, ctx, field));
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v)) out[k] = normalise(v[k], ctx, k);
    return out;
  }
  return v;
}

// --- 3. What is compared. ---

/**
 * The part of an outcome that must match. `data`: all of it. `err`: `code`, `statusCode`, `error`,
 * `headers`, `url`, `method`, `RequestId` and any other field the official error has; `message` only
 * when the official one is COS's own (`error.Message`): the SDKs' own wording of a parameter error
 * is not part of the contract. Whether it is an `Error` instance is not compared (the official Node
 * SDK mixes both).
 */
export function projection(o) {
  if (o.data !== undefined) return { data: o.data };
  const e = o.err || {};
  const out = { ...e };
  delete out.$error;
  delete out.stack;
  return { err: out };
}

function cosMessage(err) {
  return err && err.error && typeof err.error === 'object' && typeof err.error.Message === 'string' ? err.error.Message : null;
}

function pathMatches(pattern, path) {
  const p = pattern.split('.');
  if (p.length !== path.length) return false;
  return p.every((seg, i) => seg === '*' || seg === String(path[i]));
}

/**
 * Differences between the official and cos-wasm outcomes (already normalised) as readable lines;
 * `ignore`: dotted paths (`*` matches one segment) left out on purpose by a row.
 */
export function compare(official, wasm, ignore = [], host = '') {
  const a = projection(official);
  const b = projection(wasm);
  const lines = [];
  if ('err' in a && 'err' in b && cosMessage(a.err) === null) {
    delete a.err.message;
    delete b.err.message;
  }
  const skip = (path) => ignore.some((p) => pathMatches(p, path));
  const show = (v) => {
    const s = JSON.stringify(v);
    return s === undefined ? 'undefined' : s.length > 1200 ? s.slice(0, 1200) + '…' : s;
  };
  const walk = (x, y, path) => {
    if (skip(path)) return;
    const where = path.join('.') || '(root)';
    if (x === y) return;
    const xo = x !== null && typeof x === 'object';
    const yo = y !== null && typeof y === 'object';
    if (xo && yo && Array.isArray(x) === Array.isArray(y)) {
      // Whether an error is an Error instance is not compared (the official Node SDK mixes both).
      if (!Array.isArray(x)) {
        x = { ...x };
        y = { ...y };
        delete x.$error;
        delete y.$error;
        for (const k of OFFICIAL_INTERNALS) if (!(k in y)) delete x[k];
        // An SDK error, at the top or inside an answer (uploadFiles' files[].error).
        const last = String(path[path.length - 1]);
        if (/^err(or)?$/.test(last) && ('code' in x || (host === 'wx' && 'error' in x))) {
          const extras = host === 'wx' ? [...DELIBERATE_EXTRAS.err, ...DELIBERATE_EXTRAS.wxErr] : DELIBERATE_EXTRAS.err;
          for (const k of extras) if (!(k in x)) delete y[k];
          if (host === 'wx' && typeof x.error === 'string' && y.error && y.error.message === x.error) y.error = x.error;
        }
      }
      if (Array.isArray(x)) {
        if (x.length !== y.length) lines.push(`${where}: official has ${x.length} items, cos-wasm ${y.length}`);
        for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i], [...path, i]);
        for (let i = y.length; i < x.length; i++) if (!skip([...path, i])) lines.push(`${where}.${i}: only official: ${show(x[i])}`);
        for (let i = x.length; i < y.length; i++) if (!skip([...path, i])) lines.push(`${where}.${i}: only cos-wasm: ${show(y[i])}`);
        return;
      }
      for (const k of Object.keys(x)) {
        if (!(k in y)) { if (!skip([...path, k])) lines.push(`${[...path, k].join('.')}: missing in cos-wasm (official ${show(x[k])})`); } else walk(x[k], y[k], [...path, k]);
      }
      for (const k of Object.keys(y)) if (!(k in x) && !skip([...path, k])) lines.push(`${[...path, k].join('.')}: only in cos-wasm (${show(y[k])})`);
      return;
    }
    lines.push(`${where}: official ${show(x)} ≠ cos-wasm ${show(y)}`);
  };
  if ('data' in a && 'err' in b) {
    lines.push(`official succeeded, cos-wasm failed: ${show(b.err)}`);
    lines.push(`  official data: ${show(a.data)}`);
  } else if ('err' in a && 'data' in b) {
    lines.push(`official failed, cos-wasm succeeded: ${show(b.data)}`);
    lines.push(`  official error: ${show(a.err)}`);
  } else {
    walk(a, b, []);
  }
  return lines;
}

/**
 * A row marked `deliberate: 'why'` is a documented difference: both sides must fail (or both
 * succeed); the details are reported, not asserted.
 */
export function sameKind(official, wasm) {
  return ('err' in official.result) === ('err' in wasm.result);
}

/** Every difference of one row: its call's outcome, then its readback (each side normalised with its own server's port). */
export function rowDifferences(row, official, wasm, ports, host) {
  const n = (v, side) => normalise(v, { port: ports[side] });
  const lines = compare(n(official.result, 'official'), n(wasm.result, 'wasm'), row.ignore, host);
  if (official.readback) {
    for (const l of compare(n(official.readback, 'official'), n(wasm.readback, 'wasm'), [], host)) lines.push('readback: ' + l);
  }
  return lines;
}

/** A row's `deliberate` reason on `host`: a string for every host, or `{host: why}`. */
export function deliberateOn(row, host) {
  const d = row.deliberate;
  return typeof d === 'string' ? d : d && typeof d === 'object' ? d[host] : undefined;
}

/** The verdict of one row (node:test context `t`): throws the readable diff, or notes a deliberate one. */
export function checkRow(t, row, official, wasm, ports, host) {
  const lines = rowDifferences(row, official, wasm, ports, host);
  const why = deliberateOn(row, host);
  if (why) {
    if (!sameKind(official, wasm)) throw new Error(row.method + ': ' + lines.join('\n  '));
    if (lines.length) t.diagnostic('deliberate difference (' + why + '): ' + lines.length + ' lines');
    return;
  }
  if (lines.length) throw new Error(row.method + ' differs from the official SDK:\n  ' + lines.join('\n  '));
  if (row.known && row.known[host]) t.diagnostic('reported difference no longer seen: remove "' + row.name + '" from KNOWN in cases.mjs');
}
