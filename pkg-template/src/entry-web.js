// Browser / bundler entry (ESM): the wasm sits beside this file (bundlers follow the
// `new URL(..., import.meta.url)`) and is compiled once; the I/O worker (hosts/browser.js) runs the
// same compiled module.
import init, * as core from 'cos-wasm-glue';
import { defineCOS } from './cos.js';
import { createBrowserHost, setWasmModule } from './hosts/browser.js';

// Compiled here, not by the glue, so the I/O worker can instantiate the same module.
const wasmUrl = new URL('./cos_wasm_bg.wasm', import.meta.url);
const wasmModule = await compileWasm(wasmUrl);
await init({ module_or_path: wasmModule });
setWasmModule(wasmModule);

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
