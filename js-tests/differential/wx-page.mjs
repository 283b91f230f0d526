// The mini-program side of the differential suite: bundled by miniprogram.test.mjs and evaluated
// inside the simulated runtime, where cos-wx-sdk-v5 (dist) and cos-wasm (pkg/miniprogram) both run,
// so params, bodies and answers are that realm's own objects, as in a real mini-program.
import { rows, runsOn } from './cases.mjs';
import { makeCtx, runBoth, skipReason } from './run.mjs';

/**
 * `{rowList, runRow(name) → JSON text}`. `writeTempFile(bytes, name)` (from Node) makes a picked
 * file and returns its path; both sides get the same one.
 */
export function setup({ Official, WasmCOS, ports, bucket, region, sid, skey, writeTempFile }) {
  const options = (side, extra) => ({
    SecretId: sid, SecretKey: skey, Protocol: 'http:',
    // cos-wx-sdk-v5 always uses https unless the domain names its scheme.
    Domain: 'http://{Bucket}.cos.{Region}.localhost:' + ports[side], ServiceDomain: 'http://service.cos.localhost:' + ports[side], ...extra,
  });
  const files = new Map();
  const host = {
    name: 'wx',
    body: (u8) => u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength),
    file(bytes, name, row) {
      const k = row.id + '/' + name;
      if (!files.has(k)) files.set(k, writeTempFile(bytes, name));
      return { FilePath: files.get(k) };
    },
    outPath: () => { throw new Error('no downloads to a path in mini-programs'); },
  };
  // Object-level rows: mini-program apps upload, read and list objects; bucket administration is
  // not done from a phone.
  const admin = /^(put|delete|head)Bucket|^getBucket[A-Z]|^(list|post)Bucket|^getService$/;
  const all = rows().filter((r) => runsOn(r, 'wx') && (r.flavours || !admin.test(r.method)));
  const probe = { wasm: WasmCOS.prototype, official: Official.prototype };
  return {
    rowList: all.map((r) => ({ name: r.name, skip: skipReason(r, probe) })),
    async runRow(name) {
      const row = all.find((r) => r.name === name);
      const sides = {};
      for (const side of ['official', 'wasm']) {
        const extra = row.options ? row.options(options(side, {})) : {};
        const ref = new Official(options(side, extra));
        const cos = side === 'official' ? ref : new WasmCOS(options(side, extra));
        sides[side] = { cos, ref, ctx: makeCtx(row, { bucket, region, host, side }) };
      }
      try {
        // wx allows 10 requests in flight in all: the sides take turns.
        return JSON.stringify(await runBoth(row, sides, { parallel: false }));
      } catch (e) {
        return JSON.stringify({ failed: String((e && e.stack) || e) });
      }
    },
  };
}
