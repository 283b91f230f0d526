// WeChat mini-program entry (bundled to CommonJS as pkg/miniprogram/index.js):
//   const COS = require('./cos-wasm/index.js');
// The wasm (cos_wasm.wasm.br beside this file) is instantiated through WXWebAssembly, which only
// takes a path inside the code package and is asynchronous. `require` still returns the COS class at
// once: instances made before the module is ready queue their calls until it is (`await COS.ready`
// to wait explicitly; `COS.init({ wasmPath })` when the folder is not at /cos-wasm/).
import * as glue from 'cos-wasm-glue'; // build-wx.mjs also exports __wbg_get_imports, __wbg_finalize_init
import { defineCOS } from './cos.js';
import { createWxHost } from './hosts/wx.js';

const WASM_FILE = 'cos_wasm.wasm.br';
// Where the folder sits when copied to the project root, or built by DevTools' "构建 npm".
const DEFAULT_PATHS = ['/cos-wasm/' + WASM_FILE, '/miniprogram_npm/cos-wasm/' + WASM_FILE];

let wasmPath = null;
let loaded = false;
let loading = null;

function loadError(message) {
  const e = new Error('cos-wasm: ' + message);
  e.code = 'WasmLoadError';
  e.error = { Code: 'WasmLoadError', Message: e.message };
  e.headers = {};
  return e;
}

async function instantiate() {
  if (typeof WXWebAssembly === 'undefined' || !WXWebAssembly || typeof WXWebAssembly.instantiate !== 'function') {
    throw loadError('WXWebAssembly is missing: base library 2.14.0 or later is needed (.wasm.br support)');
  }
  const paths = wasmPath ? [wasmPath] : DEFAULT_PATHS;
  const errors = [];
  for (const p of paths) {
    let r;
    try {
      r = await WXWebAssembly.instantiate(p, glue.__wbg_get_imports());
    } catch (e) {
      errors.push(p + ': ' + ((e && (e.message || e.errMsg)) || e));
      continue;
    }
    glue.__wbg_finalize_init(r && r.instance ? r.instance : r, r && r.module);
    return;
  }
  throw loadError('cannot instantiate the wasm (' + errors.join('; ') + '). Copy the whole cos-wasm folder to the ' +
    'root of the mini-program, or call COS.init({ wasmPath: "/path/in/package/' + WASM_FILE + '" }) first.');
}

/** Starts loading once; a failed load is retried by the next call. */
function load() {
  if (loaded) return Promise.resolve();
  if (!loading) {
    loading = instantiate().then(
      () => { loaded = true; },
      (e) => { loading = null; throw e; },
    );
  }
  return loading;
}

function notReady(what) {
  return loadError(what + ' needs the wasm module, which is still loading: await COS.ready first');
}

/** The wasm CosCore once loaded; until then calls wait for it, in the order they were made. */
class LazyCore {
  constructor(...args) {
    this._args = args;
    this._core = null;
    // Loaded already: construct now, so bad options throw from `new COS()` as in the other builds.
    if (loaded) this._core = new glue.CosCore(...args);
    else load().catch(() => {}); // the error reaches the calls
  }

  _now() {
    if (!this._core && loaded) {
      this._core = new glue.CosCore(...this._args);
      if (this._listening) this._core.setListening(true);
    }
    return this._core;
  }

  setListening(on) {
    this._listening = on;
    if (loaded) this._now().setListening(on);
  }

  call(name, params) {
    if (loaded) return this._now().call(name, params);
    return load().then(() => this._now().call(name, params));
  }

  getTaskList() {
    return loaded ? this._now().getTaskList() : [];
  }

  pauseTask(id) {
    return loaded ? this._now().pauseTask(id) : false;
  }

  restartTask(id) {
    return loaded ? this._now().restartTask(id) : false;
  }

  cancelTask(id) {
    return loaded ? this._now().cancelTask(id) : false;
  }

  getObjectUrlSync(params) {
    if (!loaded) throw notReady('getObjectUrl without a callback');
    return this._now().getObjectUrlSync(params);
  }
}

const core = {
  CosCore: LazyCore,
  getAuthorization(host, params, flavour) {
    if (!loaded) throw notReady('COS.getAuthorization');
    return glue.getAuthorization(host, params, flavour);
  },
  get getAuthorizationFlat() {
    return loaded ? glue.getAuthorizationFlat : undefined;
  },
  signScratch: (capacity) => glue.signScratch(capacity),
  wasmMemory: () => glue.wasmMemory(),
  Md5Hasher: glue.Md5Hasher,
  Crc64Hasher: glue.Crc64Hasher,
};

// 'wx' signs as cos-wx-sdk-v5 does.
const COS = defineCOS({ core, createHost: createWxHost, flavour: 'wx', version: __VERSION__ });

const getObjectUrl = COS.prototype.getObjectUrl;
COS.prototype.getObjectUrl = function (params, callback) {
  if (!loaded && typeof callback === 'function') {
    // Before the module is ready the URL only comes through the callback.
    load().then(() => getObjectUrl.call(this, params, callback), (err) => callback(err, undefined));
    return undefined;
  }
  return getObjectUrl.call(this, params, callback);
};

/** Loads the wasm now; `wasmPath` is its path inside the code package when not at /cos-wasm/. */
COS.init = function (options) {
  if (options && options.wasmPath && !loaded) wasmPath = String(options.wasmPath);
  return load();
};
/** A Promise that settles when the wasm module is ready (starts loading if nothing else has). */
Object.defineProperty(COS, 'ready', { get: load, enumerable: false });

export default COS;
