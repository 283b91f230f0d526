// The one JS driver of the engine prototypes (sans-IO and lean async export the same functions):
// it performs the actions wasm returns and reports what happened as events. It decides nothing;
// a host (host-node.mjs, host-web.mjs) only knows how to send a request and read a source range.
const te = new TextEncoder();
const td = new TextDecoder();

class Enc {
  constructor() { this.b = []; }
  u8(v) { this.b.push(Uint8Array.of(v)); return this; }
  u32(v) { const a = new Uint8Array(4); new DataView(a.buffer).setUint32(0, v, true); this.b.push(a); return this; }
  f64(v) { const a = new Uint8Array(8); new DataView(a.buffer).setFloat64(0, v, true); this.b.push(a); return this; }
  blob(v) { this.u32(v.length); this.b.push(v); return this; }
  str(v) { return this.blob(te.encode(v)); }
}

/** Calls export `fn` with the bytes of `enc` in the module's input buffer; returns its output bytes. */
function invoke(w, fn, enc) {
  const len = enc.b.reduce((n, p) => n + p.length, 0);
  const ptr = w.buf(len);
  const m = new Uint8Array(w.memory.buffer, ptr, len);
  let o = 0;
  for (const p of enc.b) { m.set(p, o); o += p.length; }
  const n = w[fn](len);
  return new Uint8Array(w.memory.buffer, w.out_ptr(), n).slice();
}

/** CRC-64 of one chunk, continued from `crc` (BigInt), by the module's hasher. */
export function crc64(w, crc, chunk) {
  const ptr = w.buf(chunk.length); // may grow memory: take the buffer after it
  new Uint8Array(w.memory.buffer, ptr, chunk.length).set(chunk);
  return w.crc64_update(crc, chunk.length);
}

const cfg = (e, o) => e
  .str(o.SecretId).str(o.SecretKey).str(o.Host).str(o.Protocol || 'https:').str(o.Key || '')
  .f64(o.Size || 0).f64(o.ChunkSize || 1048576).u32(o.ParallelLimit || 3).u32(o.RetryTimes ?? 3)
  .f64(o.RetryDelay ?? 200).u32((Math.random() * 2 ** 32) >>> 0).str(o.UploadId || '');

/** One upload: resolves with {Location, ETag, crc64} or rejects with {code, message, statusCode}. */
export const upload = (w, host, o) => session(w, host, 0, 'upload_start', cfg(new Enc().f64(Date.now()), o), o);

let handles = 0;
/** Simple method number `method` (the engine's table order) with flat params; resolves with its JSON result. */
export function call(w, host, method, o, params) {
  const h = ++handles;
  const e = cfg(new Enc().u32(h).u32(method).f64(Date.now()), o).u32(params.length);
  for (const [k, v] of params) e.str(k).str(String(v));
  return session(w, host, h, 'call_start', e, o);
}

function session(w, host, handle, start, enc, o) {
  const inflight = new Map();
  let settle;
  const done = new Promise((res, rej) => { settle = [res, rej]; });
  const event = (tag, id, f) => {
    const e = new Enc().u32(handle).f64(Date.now()).u8(tag).u32(id);
    if (f) f(e);
    run(invoke(w, 'event', e));
  };
  const run = (out) => {
    const v = new DataView(out.buffer);
    let p = 0;
    const u32 = () => { p += 4; return v.getUint32(p - 4, true); };
    const f64 = () => { p += 8; return v.getFloat64(p - 8, true); };
    const blob = () => { const n = u32(); p += n; return out.subarray(p - n, p); };
    const str = () => td.decode(blob());
    const fail = () => {
      const code = str(), message = str();
      settle[1](Object.assign(new Error(message), { code, statusCode: u32() || undefined }));
    };
    while (p < out.length) {
      const tag = out[p++];
      if (tag === 1) {
        const id = u32(), method = str(), url = str(), headers = {};
        for (let n = u32(); n--;) { const k = str(); headers[k] = str(); }
        const kind = out[p++];
        const body = kind === 1 ? blob().slice() : kind === 2 ? { start: f64(), end: f64() } : null;
        const req = host.send({ method, url, headers, body }, (loaded) => event(5, id, (e) => e.f64(loaded)));
        inflight.set(id, req);
        req.done.then(
          (r) => inflight.delete(id) && event(1, id, (e) => e.u32(r.status).str(r.headers).blob(r.body)),
          () => inflight.delete(id) && event(2, id),
        );
      } else if (tag === 2) {
        const id = u32(), start = f64(), end = f64();
        let crc = 0n;
        host.read(start, end, (chunk) => { crc = crc64(w, crc, chunk); }).then(
          () => event(3, id, (e) => e.u32(Number(BigInt.asUintN(32, crc))).u32(Number(BigInt.asUintN(64, crc) >> 32n))),
          // An unreadable source fails the part like a lost response would.
          () => event(3, id, (e) => e.u32(0).u32(0)),
        );
      } else if (tag === 3) {
        const id = u32();
        setTimeout(() => event(4, id), f64());
      } else if (tag === 4) {
        const id = u32();
        inflight.get(id)?.abort();
        inflight.delete(id);
      } else if (tag === 5) {
        const loaded = f64(), total = f64();
        o.onProgress?.({ loaded, total, percent: total ? loaded / total : 1 });
      } else if (tag === 6) {
        if (!out[p++]) fail();
        else {
          const Location = str(), ETag = str(), lo = u32(), hi = u32();
          settle[0]({ Location, ETag, crc64: String((BigInt(hi) << 32n) | BigInt(lo)) });
        }
      } else {
        u32();
        if (out[p++]) settle[0](JSON.parse(str()));
        else fail();
      }
    }
  };
  run(invoke(w, start, enc));
  return { done, cancel: () => event(6, 0) };
}
