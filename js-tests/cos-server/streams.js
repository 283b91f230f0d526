'use strict';
// Small stream pieces: the request-body meter (byte counting, drop-after-N fault, x-cos-traffic-limit
// throttling) and a response throttle. Transforms pass chunks through by reference: no copies.
const { Transform } = require('node:stream');

/** Delay so that `bytes` since `t0` do not exceed `bitsPerSecond`. */
function throttleWait(t0, bytes, bitsPerSecond) {
  if (!bitsPerSecond) return 0;
  const due = t0 + (bytes * 8 * 1000) / bitsPerSecond;
  return Math.max(0, due - Date.now());
}

class Meter extends Transform {
  /**
   * @param {object} o
   * @param {(n:number)=>void} o.onBytes  called with each chunk's length
   * @param {number|null} o.dropAfter     destroy the connection once this many bytes were read
   * @param {()=>void} o.onDrop
   */
  constructor({ onBytes, dropAfter = null, onDrop }) {
    super();
    this.onBytes = onBytes;
    this.dropAfter = dropAfter;
    this.onDrop = onDrop;
    this.bytes = 0;
    this.rate = 0; // bits/s; set by an operation that honours x-cos-traffic-limit
    this.t0 = 0;
  }

  setRate(bitsPerSecond) {
    this.rate = bitsPerSecond;
    this.t0 = Date.now();
    this.rateBytes = 0;
  }

  _transform(chunk, _enc, cb) {
    if (this.dropAfter !== null && this.bytes + chunk.length >= this.dropAfter) {
      const keep = this.dropAfter - this.bytes;
      this.bytes += keep;
      this.onBytes(keep);
      this.onDrop();
      return; // never call back: the socket is gone
    }
    this.bytes += chunk.length;
    this.onBytes(chunk.length);
    if (!this.rate) return cb(null, chunk);
    this.rateBytes += chunk.length;
    const wait = throttleWait(this.t0, this.rateBytes, this.rate);
    if (wait > 0) setTimeout(() => cb(null, chunk), wait);
    else cb(null, chunk);
  }

  _flush(cb) {
    // A drop fault on a body shorter than dropAfter drops at the end of the body.
    if (this.dropAfter !== null) return this.onDrop();
    cb();
  }
}

/** Pass-through limited to bitsPerSecond (GET with x-cos-traffic-limit). */
class Throttle extends Transform {
  constructor(bitsPerSecond) {
    super();
    this.rate = bitsPerSecond;
    this.t0 = Date.now();
    this.bytes = 0;
  }

  _transform(chunk, _enc, cb) {
    this.bytes += chunk.length;
    const wait = throttleWait(this.t0, this.bytes, this.rate);
    if (wait > 0) setTimeout(() => cb(null, chunk), wait);
    else cb(null, chunk);
  }
}

module.exports = { Meter, Throttle };
