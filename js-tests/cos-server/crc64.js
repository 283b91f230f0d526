'use strict';
// CRC-64/XZ (the COS `x-cos-hash-crc64ecma` checksum): reflected polynomial 0xC96C5795D7870F42,
// init and xorout all ones, printed as an unsigned decimal string (docs/wire-format.md#crc-64).
//
// The hot loop works on two unsigned 32-bit halves and slicing-by-8 tables, so no BigInt is touched
// per byte; BigInt is used only to hand the result out and in `combine` (which runs once per part).

const POLY_LO = 0xd7870f42;
const POLY_HI = 0xc96c5795;

// TLO[k * 256 + b] / THI[...]: the CRC of byte b followed by k zero bytes (slicing-by-8 tables).
const TLO = new Uint32Array(8 * 256);
const THI = new Uint32Array(8 * 256);
(function buildTables() {
  for (let b = 0; b < 256; b++) {
    let lo = b;
    let hi = 0;
    for (let i = 0; i < 8; i++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi >>>= 1;
      if (lsb) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    TLO[b] = lo;
    THI[b] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const plo = TLO[(k - 1) * 256 + b];
      const phi = THI[(k - 1) * 256 + b];
      const idx = plo & 0xff;
      // shift the previous entry right by 8 and fold the byte that fell out
      TLO[k * 256 + b] = (((plo >>> 8) | (phi << 24)) ^ TLO[idx]) >>> 0;
      THI[k * 256 + b] = ((phi >>> 8) ^ THI[idx]) >>> 0;
    }
  }
})();

/** Incremental CRC-64/XZ. `update(bytes)` any number of times, then `digest()` (decimal string). */
class Crc64 {
  constructor() {
    // Internal register, already inverted (init = ~0).
    this.lo = 0xffffffff;
    this.hi = 0xffffffff;
    this.length = 0;
  }

  update(buf) {
    let lo = this.lo;
    let hi = this.hi;
    const n = buf.length;
    let i = 0;
    const end8 = n - (n % 8);
    for (; i < end8; i += 8) {
      lo ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
      hi ^= buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
      const nlo = TLO[1792 + (lo & 0xff)] ^ TLO[1536 + ((lo >>> 8) & 0xff)] ^ TLO[1280 + ((lo >>> 16) & 0xff)] ^ TLO[1024 + (lo >>> 24)]
        ^ TLO[768 + (hi & 0xff)] ^ TLO[512 + ((hi >>> 8) & 0xff)] ^ TLO[256 + ((hi >>> 16) & 0xff)] ^ TLO[hi >>> 24];
      const nhi = THI[1792 + (lo & 0xff)] ^ THI[1536 + ((lo >>> 8) & 0xff)] ^ THI[1280 + ((lo >>> 16) & 0xff)] ^ THI[1024 + (lo >>> 24)]
        ^ THI[768 + (hi & 0xff)] ^ THI[512 + ((hi >>> 8) & 0xff)] ^ THI[256 + ((hi >>> 16) & 0xff)] ^ THI[hi >>> 24];
      lo = nlo;
      hi = nhi;
    }
    for (; i < n; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TLO[idx];
      hi = (hi >>> 8) ^ THI[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.length += n;
    return this;
  }

  /** The CRC as a BigInt. */
  value() {
    return (BigInt((~this.hi) >>> 0) << 32n) | BigInt((~this.lo) >>> 0);
  }

  /** The CRC as COS prints it: unsigned 64-bit decimal. */
  digest() {
    return this.value().toString();
  }
}

function crc64(buf) {
  return new Crc64().update(buf).digest();
}

// ---- combine: CRC(A || B) from CRC(A), CRC(B), len(B) (zlib crc32_combine scheme, 64-bit) ----
// Appending len(B) zero bytes to A multiplies A's register by x^(8·len(B)) mod P; we do that with
// GF(2) 64×64 matrices (each a 64-entry array of BigInt columns). The operator for a given length is
// cached because multipart uploads mostly use one part size.

const MASK64 = (1n << 64n) - 1n;

function gf2Times(mat, vec) {
  let sum = 0n;
  let i = 0;
  while (vec) {
    if (vec & 1n) sum ^= mat[i];
    vec >>= 1n;
    i++;
  }
  return sum;
}

function gf2Square(mat) {
  const sq = new Array(64);
  for (let n = 0; n < 64; n++) sq[n] = gf2Times(mat, mat[n]);
  return sq;
}

function gf2Multiply(a, b) {
  // (a·b) applied to v = a(b(v)): columns of the product are a applied to b's columns.
  const out = new Array(64);
  for (let n = 0; n < 64; n++) out[n] = gf2Times(a, b[n]);
  return out;
}

// The operator for one zero bit, then for 2^k zero *bytes*, built lazily.
let powers = null; // powers[k] = operator for 2^k zero bytes
function bytePowers() {
  if (powers) return powers;
  const oneBit = new Array(64);
  oneBit[0] = 0xc96c5795d7870f42n;
  let row = 1n;
  for (let n = 1; n < 64; n++) {
    oneBit[n] = row;
    row <<= 1n;
  }
  let op = gf2Square(oneBit); // 2 bits
  op = gf2Square(op); // 4 bits
  op = gf2Square(op); // 8 bits = 1 byte
  powers = [op];
  for (let k = 1; k < 64; k++) powers.push(gf2Square(powers[k - 1]));
  return powers;
}

const shiftCache = new Map();
function shiftOperator(len) {
  let op = shiftCache.get(len);
  if (op) return op;
  const p = bytePowers();
  let n = BigInt(len);
  let k = 0;
  while (n) {
    if (n & 1n) op = op ? gf2Multiply(p[k], op) : p[k];
    n >>= 1n;
    k++;
  }
  if (shiftCache.size > 64) shiftCache.clear();
  shiftCache.set(len, op);
  return op;
}

/** CRC of A‖B given crc1 = CRC(A), crc2 = CRC(B) (BigInt or decimal string) and len2 = len(B). */
function combine(crc1, crc2, len2) {
  const a = BigInt(crc1) & MASK64;
  const b = BigInt(crc2) & MASK64;
  if (!len2) return a;
  return gf2Times(shiftOperator(len2), a) ^ b;
}

module.exports = { Crc64, crc64, combine };
