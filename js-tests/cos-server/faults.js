'use strict';
// Fault injection: each fault names an operation and which of its calls it hits, counted from the
// moment the fault was added. Several faults may hit one call; their effects are merged.
//
// Fault spec: {op, nth?=1, times?=1, status?, code?, message?, delayMs?, dropAfterBytes?,
//              completeError?:{code,message}, whitespaceChunks?, crc64?, stall?}
// A fault with only delayMs (no nth/times) hits every matching call. op '*' (or none) = any op.
const { CODES, CODE_FOR_STATUS } = require('./errors');

const EFFECTS = ['status', 'code', 'message', 'delayMs', 'dropAfterBytes', 'completeError', 'whitespaceChunks', 'crc64', 'stall'];

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
   * @returns null or {error, delayMs, dropAfterBytes, completeError, whitespaceChunks, crc64, stall}
   */
  take(op) {
    let hit = null;
    for (const f of this.list) {
      if (f.op && f.op !== op) continue;
      f.seen += 1;
      const hits = f.every || (f.seen >= f.nth && f.seen < f.nth + f.times);
      if (!hits) continue;
      hit = hit || { error: null, delayMs: 0, dropAfterBytes: null, completeError: null, whitespaceChunks: 0, crc64: null, stall: false };
      hit.error = hit.error || f.error;
      hit.delayMs = Math.max(hit.delayMs, f.delayMs);
      if (f.dropAfterBytes !== null) hit.dropAfterBytes = hit.dropAfterBytes === null ? f.dropAfterBytes : Math.min(hit.dropAfterBytes, f.dropAfterBytes);
      hit.completeError = hit.completeError || f.completeError;
      hit.whitespaceChunks = Math.max(hit.whitespaceChunks, f.whitespaceChunks);
      hit.crc64 = hit.crc64 ?? f.crc64;
      hit.stall = hit.stall || f.stall;
    }
    return hit;
  }

  describe() {
    return this.list.map((f) => ({ ...f.spec, seen: f.seen }));
  }
}

module.exports = { Faults };
