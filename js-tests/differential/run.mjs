// Runs one row of cases.mjs on both sides. Host-agnostic (Node and the browser page use it): the
// host supplies the clients and the body/file makers.
import { outcome } from './normalise.mjs';
import { patternBytes } from '../suites/data.mjs';
import { APPID } from './cases.mjs';

// A call that never settles is a difference too (reported as this error), not a hung suite.
export const CALL_TIMEOUT_MS = 20000;

/**
 * The row's ctx for one side. Both sides get the same keys and bucket names (each talks to its own
 * server). `host`: {name, body(textOrBytes), file(bytes, name, row), outPath?(name, row)}.
 */
export function makeCtx(row, { bucket, region, host, side }) {
  const B = { Bucket: bucket, Region: region };
  return {
    host: host.name,
    side,
    Bucket: bucket,
    Region: region,
    B,
    state: {},
    key: (name) => 'd/' + row.id + '/' + name,
    bucket: (n = '') => 'dx' + row.index + n + '-' + APPID,
    // A name COS accepts on any domain; the server resolves it to its own bucket.
    source: (key, b = bucket) => b + '.cos.' + region + '.myqcloud.com/' + encodeURIComponent(key).replace(/%2F/g, '/'),
    bytes: (size, seed = 1) => patternBytes(Math.floor(size), seed),
    body: (x) => host.body(typeof x === 'string' ? utf8(x) : x),
    file: (bytes, name) => host.file(bytes, name, row),
    outPath: (name) => host.outPath(name, row, side),
    readFile: (p) => host.readFile(p),
    sink: () => host.sink(),
    readable: (bytes) => host.readable(bytes),
  };
}

/** UTF-8 bytes of a string, without TextEncoder (mini-programs have none). */
function utf8(s) {
  const bin = unescape(encodeURIComponent(s));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function withTimeout(p) {
  let timer;
  return Promise.race([
    Promise.resolve(p).finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('no answer in ' + CALL_TIMEOUT_MS + ' ms'), { code: 'DifferentialTimeout' })), CALL_TIMEOUT_MS);
    }),
  ]);
}

/**
 * One side: setup through the official client `ref`, the call through `cos`, then the readback.
 * Resolves `{result, readback?}` (encoded outcomes); a failed setup rejects (the row is broken, not
 * cos-wasm).
 */
export async function runSide(row, { cos, ref, ctx }) {
  if (row.setup) {
    try {
      await row.setup(ctx, ref);
    } catch (e) {
      throw new Error('setup of "' + row.name + '" failed on the ' + ctx.side + ' side: ' + (e && (e.code + ' ' + e.message)));
    }
  }
  const params = row.params(ctx);
  const result = await outcome(() => withTimeout(row.call ? row.call(cos, params, ctx) : cos[row.method](params)));
  const out = { result };
  if (row.readback) out.readback = await outcome(() => row.readback(ctx, ref));
  return out;
}

/** Why a row cannot run on this host, or null. `wasm`/`official`: a client of each. */
export function skipReason(row, { wasm, official }) {
  if (typeof wasm[row.method] !== 'function') return 'not implemented in cos-wasm: ' + row.method;
  if (typeof official[row.method] !== 'function') return 'the official SDK on this host has no ' + row.method;
  return null;
}

/** Both sides of a row: `{official, wasm}`; one after the other where requests are capped (wx). */
export async function runBoth(row, sides, { parallel = true } = {}) {
  if (parallel) {
    const [official, wasm] = await Promise.all([runSide(row, sides.official), runSide(row, sides.wasm)]);
    return { official, wasm };
  }
  const official = await runSide(row, sides.official);
  return { official, wasm: await runSide(row, sides.wasm) };
}
