// Deterministic test bytes: the same (size, seed) gives the same content in Node and browsers,
// so expected digests can be computed on either side.
export function patternBytes(size, seed = 1) {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

let counter = 0;
export function uniqueKey(prefix = 'k') {
  counter += 1;
  return prefix + '-' + Date.now().toString(36) + '-' + counter + '-' + Math.random().toString(36).slice(2, 8);
}
