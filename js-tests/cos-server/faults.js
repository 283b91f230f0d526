'use strict';
// Fault injection: each fault names an operation and which of its calls it hits, counted from the
// moment the fault was added. Several faults may hit one call; their effects are merged.
//
// Fault spec: {op, nth?=1, times?=1, status?, code?, message?, delayMs?, dropAfterBytes?,
//              completeError?:{code,message}, whitespaceChunks?, crc64?, stall?,
//              respond?:{status?, headers?, body?, close?}}
// A fault with only delayMs (no nth/times) hits every matching call. op '*' (or none) = any op.
const http = require('node:http');
const { CODES, CODE_FOR_STATUS } = require('./errors');

const EFFECTS = ['status', 'code', 'message', 'delayMs', 'dropAfterBytes', 'completeError', 'whitespaceChunks', 'crc64', 'stall', 'respond'];

/** `respond`: a whole raw response, checked here so a bad one is refused when the fault is added. */
function normaliseRespond(r) {
  if (typeof r !== 'object') throw new TypeError('fault respond must be an object {status, headers, body, close}');
  const status = r.status === undefined ? 200 : Number(r.status);
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new TypeError('fault respond.status must be an HTTP status code');
  const headers = {};
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object' || Array.isArray(r.headers)) throw new TypeError('fault respond.headers must be an object');
    for (const [k, v] of Object.entries(r.headers)) {
      http.validateHeaderName(k);
      http.validateHeaderValue(k, String(v));
      headers[k] = String(v);
    }
  }
  const body = r.body === undefined || r.body === null ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(String(r.body), 'utf8');
  return { status, headers, body, close: !!r.close };
}

function normalise(f) {
  if (!f || typeof f !== 'object') throw new TypeError('fault must be an object');
  if (!EFFECTS.some((k) => f[k] !== undefined && f[k] !== null && f[k] !== false)) {
    throw new TypeError('fault has no effect; give one of ' + EFFECTS.join(', '));
  }
  const onlyDelay = f.delayMs !== undefined && EFFECTS.every((k) => k === 'delayMs' || f[k] === undefined);
  const every = onlyDelay && f.nth === undefined && f.times === undefined;
  const nth = f.nth === undefined ? 1 : Number(f.nth);
  const times = f.times === undefined ? 1 : Number(f.times);
  if (!every && (!Number.isInteger(nth) || nth < 1 || !Number.isInteger(times) || times < 1)) {
    throw new TypeError('fault nth/times must be positive integers');
  }
  let error = null;
  if (f.status !== undefined || f.code !== undefined) {
    const code = f.code || CODE_FOR_STATUS[f.status] || 'InternalError';
    const status = Number(f.status) || (CODES[code] ? CODES[code][0] : 500);
    error = { status, code, message: f.message || (CODES[code] ? CODES[code][1] : code) };
  }
  return {
    spec: { ...f },
    op: f.op && f.op !== '*' ? String(f.op) : null,
    every,
    nth,
    times,
    seen: 0,
    error,
    delayMs: f.delayMs !== undefined ? Math.max(0, Number(f.delayMs) || 0) : 0,
    dropAfterBytes: f.dropAfterBytes !== undefined && f.dropAfterBytes !== null ? Math.max(0, Number(f.dropAfterBytes) || 0) : null,
    completeError: f.completeError ? { code: f.completeError.code || 'InternalError', message: f.completeError.message || 'We encountered an internal error. Please try again.' } : null,
    whitespaceChunks: Math.max(0, Number(f.whitespaceChunks) || 0),
    crc64: f.crc64 !== undefined && f.crc64 !== null ? String(f.crc64) : null,
    stall: !!f.stall,
    respond: f.respond !== undefined && f.respond !== null && f.respond !== false ? normaliseRespond(f.respond) : null,
  };
}

class Faults {
  constructor() {
    this.list = [];
  }

  add(f) {
    const n = normalise(f);
    this.list.push(n);
    return n.spec;
  }

  clear() {
    this.list = [];
  }

  /**
   * Count this call against every fault for `op` and merge the ones that hit it.
   * @returns null or {error, delayMs, dropAfterBytes, completeError, whitespaceChunks, crc64, stall, respond}
   */
  take(op) {
    let hit = null;
    for (const f of this.list) {
      if (f.op && f.op !== op) continue;
      f.seen += 1;
      const hits = f.every || (f.seen >= f.nth && f.seen < f.nth + f.times);
      if (!hits) continue;
      hit = hit || { error: null, delayMs: 0, dropAfterBytes: null, completeError: null, whitespaceChunks: 0, crc64: null, stall: false, respond: null };
      hit.error = hit.error || f.error;
      hit.delayMs = Math.max(hit.delayMs, f.delayMs);
      if (f.dropAfterBytes !== null) hit.dropAfterBytes = hit.dropAfterBytes === null ? f.dropAfterBytes : Math.min(hit.dropAfterBytes, f.dropAfterBytes);
      hit.completeError = hit.completeError || f.completeError;
      hit.whitespaceChunks = Math.max(hit.whitespaceChunks, f.whitespaceChunks);
      hit.crc64 = hit.crc64 ?? f.crc64;
      hit.stall = hit.stall || f.stall;
      hit.respond = hit.respond || f.respond;
    }
    return hit;
  }

  describe() {
    return this.list.map((f) => {
      const spec = { ...f.spec, seen: f.seen };
      // A respond body may be large or binary: describe it by size.
      if (f.respond) spec.respond = { status: f.respond.status, headers: f.respond.headers, bodyBytes: f.respond.body.length, close: f.respond.close };
      return spec;
    });
  }
}

module.exports = { Faults };
