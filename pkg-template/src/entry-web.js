// Browser / bundler entry (ESM): the wasm sits beside this file and is streamed in once.
// The same file, started as a module Worker with `?cos-wasm-hash-worker`, is the I/O worker: it
// runs this wasm's MD5/CRC-64 over File ranges and sends the requests whose bodies are File ranges,
// so parts are read, hashed and uploaded off the page's main thread.
import init, * as core from 'cos-wasm-glue';
import { defineCOS } from './cos.js';
import { createBrowserHost, setHashWorkerUrl } from './hosts/browser.js';

await init({ module_or_path: new URL('./cos_wasm_bg.wasm', import.meta.url) });

const WORKER_FLAG = 'cos-wasm-hash-worker';
const isHashWorker = typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope &&
  new URL(import.meta.url).searchParams.has(WORKER_FLAG);

if (isHashWorker) {
  const STEP = 4 * 1024 * 1024;
  const xhrs = new Map();
  const post = (m, transfer) => globalThis.postMessage(m, transfer || []);
  const hash = async ({ id, blob, start, end, md5 }) => {
    const crc = new core.Crc64Hasher();
    const m = md5 ? new core.Md5Hasher() : null;
    try {
      const add = (bytes) => { crc.update(bytes); if (m) m.update(bytes); };
      const range = blob.slice(start, end);
      if (typeof range.stream === 'function') {
        // A stream costs Chromium a third less CPU than arrayBuffer() reads of the same range.
        const reader = range.stream().getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) add(r.value);
      } else {
        for (let p = 0; p < range.size; p += STEP) add(new Uint8Array(await range.slice(p, p + STEP).arrayBuffer()));
      }
      post({ id, crc64: crc.digest(), md5: m ? m.digest() : undefined });
    } catch (e) {
      post({ id, error: String((e && e.message) || e) });
    } finally {
      crc.free();
      if (m) m.free();
    }
  };
  // The page's host built and signed the request; this only moves the bytes.
  const send = ({ id, method, url, headers, blob, start, end, timeout, progress }) => {
    const xhr = new XMLHttpRequest();
    xhrs.set(id, xhr);
    const done = (m, transfer) => { xhrs.delete(id); post(m, transfer); };
    xhr.open(method, url, true);
    for (const [k, v] of headers) xhr.setRequestHeader(k, v);
    xhr.responseType = 'arraybuffer';
    if (timeout) xhr.timeout = timeout;
    if (progress) xhr.upload.onprogress = (e) => post({ id, progress: e.loaded });
    xhr.onload = () => done({ id, status: xhr.status, rawHeaders: xhr.getAllResponseHeaders(), body: xhr.response }, xhr.response ? [xhr.response] : []);
    xhr.onerror = () => done({ id, fail: 'network' });
    xhr.ontimeout = () => done({ id, fail: 'timeout' });
    xhr.onabort = () => done({ id, fail: 'aborted' });
    xhr.send(blob.slice(start, end));
  };
  globalThis.onmessage = ({ data }) => {
    if (data.type === 'hash') hash(data);
    else if (data.type === 'send') send(data);
    else if (data.type === 'abort') { const x = xhrs.get(data.id); if (x) x.abort(); }
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
