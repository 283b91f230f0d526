// Browser / bundler entry (ESM): the wasm sits beside this file and is streamed in once.
// The same file, started as a module Worker with `?cos-wasm-hash-worker`, is the hashing worker:
// it runs this wasm's MD5/CRC-64 over Blob ranges so parts are hashed off the page's main thread.
import init, * as core from 'cos-wasm-glue';
import { defineCOS } from './cos.js';
import { createBrowserHost, setHashWorkerUrl } from './hosts/browser.js';

await init({ module_or_path: new URL('./cos_wasm_bg.wasm', import.meta.url) });

const WORKER_FLAG = 'cos-wasm-hash-worker';
const isHashWorker = typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope &&
  new URL(import.meta.url).searchParams.has(WORKER_FLAG);

if (isHashWorker) {
  const STEP = 4 * 1024 * 1024;
  globalThis.onmessage = async ({ data: { id, blob, start, end, md5 } }) => {
    const crc = new core.Crc64Hasher();
    const m = md5 ? new core.Md5Hasher() : null;
    try {
      for (let p = start; p < end; p += STEP) {
        const bytes = new Uint8Array(await blob.slice(p, Math.min(p + STEP, end)).arrayBuffer());
        crc.update(bytes);
        if (m) m.update(bytes);
      }
      globalThis.postMessage({ id, crc64: crc.digest(), md5: m ? m.digest() : undefined });
    } catch (e) {
      globalThis.postMessage({ id, error: String((e && e.message) || e) });
    } finally {
      crc.free();
      if (m) m.free();
    }
  };
  globalThis.postMessage({ ready: true });
} else {
  const url = new URL(import.meta.url);
  url.searchParams.set(WORKER_FLAG, '');
  setHashWorkerUrl(url.href);
}

const COS = defineCOS({ core, createHost: createBrowserHost, flavour: 'js', version: __VERSION__ });
export default COS;
export { COS };
