// Browser / bundler entry (ESM): the wasm sits beside this file (bundlers follow the
// `new URL(..., import.meta.url)`) and is compiled once; the I/O worker (hosts/browser.js) runs the
// same compiled module. No top-level await (older bundlers' default targets refuse it): compiling
// starts at import, calls wait for it, `await COS.ready()` waits explicitly. Importing reads no
// browser global (server-side rendering imports this file in Node): `in` checks only.
import { imports, start } from './wasm-core.js';
import { defineCOS } from './cos.js';
import { lazyCore, loadError } from './lazy-core.js';
import { createBrowserHost, setWasmModule, runIoWorker } from './hosts/browser.js';

const IO_WORKER_FLAG = 'cos-wasm-io-worker';
// esbuild's default (iife) output leaves import.meta empty: a classic script then names its own URL.
const here = import.meta.url ? new URL(import.meta.url)
  : 'document' in globalThis && document.currentScript && document.currentScript.src ? new URL(document.currentScript.src) : null;
const isIoWorker = typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope &&
  here !== null && here.searchParams.has(IO_WORKER_FLAG);

function wasmUrl() {
  // Written out so that bundlers see the asset and emit it.
  if (import.meta.url) return new URL('./cos_wasm_bg.wasm', import.meta.url);
  if (here) return new URL('./cos_wasm_bg.wasm', here);
  throw loadError('cannot tell where cos_wasm_bg.wasm is (no import.meta.url): bundle as an ES module, or serve the wasm beside the script');
}

async function instantiate() {
  // Compiled here, so the I/O worker can instantiate the same module.
  const url = wasmUrl();
  let wasmModule;
  try {
    wasmModule = await compileWasm(url);
  } catch (e) {
    // Vite's dev server pre-bundles this file into <cacheDir>/deps/, away from the wasm; the default
    // cacheDir, node_modules/.vite, sits beside the package's own folder. (Not written as
    // new URL(..., import.meta.url): bundlers would take it for an asset of the package.)
    if (!/\/\.vite\/deps[^/]*\/[^/]*$/.test(url.pathname)) throw e;
    wasmModule = await compileWasm(new URL('../../cos-wasm/cos_wasm_bg.wasm', url));
  }
  start(await WebAssembly.instantiate(wasmModule, imports()));
  // Only this package's own web.js may be started as a worker: in a bundle, import.meta.url is the app's chunk.
  // (webpack writes the source file's file: URL there.)
  const ownFile = here !== null && here.protocol !== 'file:' && /\/web\.js$/.test(here.pathname);
  let fileUrl = null;
  if (ownFile) {
    const u = new URL(here.href);
    u.searchParams.set(IO_WORKER_FLAG, '');
    fileUrl = u.href;
  }
  setWasmModule(wasmModule, fileUrl);
}

async function compileWasm(url) {
  if (url.protocol === 'file:') {
    throw loadError('this is the browser build (web.js), loaded from ' + url.href + ': in Node, import cos-wasm through its "node" export condition (node.mjs / node.cjs)');
  }
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw loadError('could not load ' + url + ' (' + ((e && e.message) || e) + ')');
  }
  if (!response.ok) throw loadError('could not load ' + url + ' (HTTP ' + response.status + ')');
  // Streaming compilation needs the application/wasm type; servers that send another compile from the bytes.
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/i.test(response.headers.get('Content-Type') || '')) {
    return WebAssembly.compileStreaming(response);
  }
  const bytes = await response.arrayBuffer();
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    // Typically an HTML fallback page served where the wasm should be.
    throw loadError(url + ' is not the wasm module (' + response.headers.get('Content-Type') + ', ' + bytes.byteLength + ' bytes): ' + ((e && e.message) || e));
  }
}

const { core, load, isLoaded } = lazyCore(instantiate);
// __METHOD_NAMES__: the core's methodNames(), read from this wasm by the build (method-names.mjs).
const COS = defineCOS({ core, methods: __METHOD_NAMES__, load, isLoaded, createHost: createBrowserHost, flavour: 'js', version: __VERSION__ });

if (isIoWorker) {
  // This file started as the I/O worker (where a CSP refuses Blob-URL workers): the page sends the module.
  runIoWorker();
} else if ('window' in globalThis || typeof WorkerGlobalScope !== 'undefined') {
  // In a page (or a worker that uses the SDK) start compiling now, so the first call rarely waits.
  // Not in Node (server-side rendering): nothing would use it there.
  load().catch(() => {}); // the error reaches the calls and COS.ready()
}

export default COS;
export { COS };
