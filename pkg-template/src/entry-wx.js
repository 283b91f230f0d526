// WeChat mini-program entry (bundled to CommonJS as pkg/miniprogram/index.js):
//   const COS = require('./cos-wasm/index.js');
// The wasm (cos_wasm.wasm.br beside this file) is instantiated through WXWebAssembly, which only
// takes a path inside the code package and is asynchronous. `require` still returns the COS class at
// once: instances made before the module is ready queue their calls until it is (lazy-core.js;
// `await COS.ready()` to wait explicitly; `COS.init({ wasmPath })` when the folder is not at /cos-wasm/).
import { imports, start } from './wasm-core.js';
import { defineCOS } from './cos.js';
import { lazyCore, loadError } from './lazy-core.js';
import { createWxHost } from './hosts/wx.js';

const WASM_FILE = 'cos_wasm.wasm.br';
// Where the folder sits when copied to the project root, or built by DevTools' "构建 npm".
const DEFAULT_PATHS = ['/cos-wasm/' + WASM_FILE, '/miniprogram_npm/cos-wasm/' + WASM_FILE];

let wasmPath = null;

async function instantiate() {
  if (typeof WXWebAssembly === 'undefined' || !WXWebAssembly || typeof WXWebAssembly.instantiate !== 'function') {
    throw loadError('WXWebAssembly is missing: base library 2.14.0 or later is needed (.wasm.br support)');
  }
  const paths = wasmPath ? [wasmPath] : DEFAULT_PATHS;
  const errors = [];
  for (const p of paths) {
    let r;
    try {
      r = await WXWebAssembly.instantiate(p, imports());
    } catch (e) {
      errors.push(p + ': ' + ((e && (e.message || e.errMsg)) || e));
      continue;
    }
    start(r && r.instance ? r.instance : r);
    return;
  }
  throw loadError('cannot instantiate the wasm (' + errors.join('; ') + '). Copy the whole cos-wasm folder to the ' +
    'root of the mini-program, or call COS.init({ wasmPath: "/path/in/package/' + WASM_FILE + '" }) first.');
}

const { core, load, isLoaded } = lazyCore(instantiate);

// 'wx' signs as cos-wx-sdk-v5 does.
// __METHOD_NAMES__: the core's methodNames(), read from this wasm by the build (method-names.mjs).
const COS = defineCOS({ core, methods: __METHOD_NAMES__, load, isLoaded, createHost: createWxHost, flavour: 'wx', version: __VERSION__ });

/** Loads the wasm now; `wasmPath` is its path inside the code package when not at /cos-wasm/. */
COS.init = function (options) {
  if (options && options.wasmPath && !isLoaded()) wasmPath = String(options.wasmPath);
  return load();
};

export default COS;
