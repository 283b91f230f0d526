// Browser / bundler entry (ESM): the wasm sits beside this file (bundlers follow the
// `new URL(..., import.meta.url)`) and is compiled once; the I/O worker (hosts/browser.js) runs the
// same compiled module.
import init, * as core from 'cos-wasm-glue';
import { defineCOS } from './cos.js';
import { createBrowserHost, setWasmModule, runIoWorker } from './hosts/browser.js';

const IO_WORKER_FLAG = 'cos-wasm-io-worker';
const here = new URL(import.meta.url);

if (typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope && here.searchParams.has(IO_WORKER_FLAG)) {
  // This file started as the I/O worker (where a CSP refuses Blob-URL workers): the page sends the module.
  runIoWorker();
} else {
  // Compiled here, not by the glue, so the I/O worker can instantiate the same module.
  const wasmModule = await compileWasm(new URL('./cos_wasm_bg.wasm', import.meta.url));
  await init({ module_or_path: wasmModule });
  // Only this package's own web.js may be started as a worker: in a bundle, import.meta.url is the app's chunk.
  const ownFile = /\/web\.js$/.test(here.pathname);
  if (ownFile) here.searchParams.set(IO_WORKER_FLAG, '');
  setWasmModule(wasmModule, ownFile ? here.href : null);
}

async function compileWasm(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error('cos-wasm: could not load ' + url + ' (HTTP ' + response.status + ')');
  // Streaming compilation needs the application/wasm type; servers that send another compile from the bytes.
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/i.test(response.headers.get('Content-Type') || '')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

const COS = defineCOS({ core, createHost: createBrowserHost, flavour: 'js', version: __VERSION__ });
export default COS;
export { COS };
