// The wasm core behind an asynchronous load, shared by the web and mini-program entries: neither may
// wait for the module at import (top-level await breaks older bundlers; WXWebAssembly is async only),
// so `new COS()` stays synchronous and calls made before the module is ready wait for it, in order.
// The module's members are named statically: passing the namespace around would keep all of it in
// every bundle.
import * as wasm from './wasm-core.js';

/** The SDK's error for a module that did not load or is not loaded yet. */
export function loadError(message) {
  const e = new Error('cos-wasm: ' + message);
  e.code = 'WasmLoadError';
  e.error = { Code: 'WasmLoadError', Message: e.message };
  e.headers = {};
  return e;
}

function notReady(what) {
  return loadError(what + ' needs the wasm module, which is still loading: await COS.ready() first');
}

/**
 * `instantiate()` loads the module and starts it (wasm-core.js). Returns
 * `{ core, load, isLoaded }`: `core` is what defineCOS takes, `load()` starts loading once (a failed
 * load is retried by the next call) and resolves when the module is ready.
 */
/** A call canceled before the module loaded. */
const CANCELED = 'canceled';

export function lazyCore(instantiate) {
  let loaded = false;
  let loading = null;

  function load() {
    if (loaded) return Promise.resolve();
    if (!loading) {
      loading = Promise.resolve().then(instantiate).then(
        () => {
          loaded = true;
        },
        (e) => { loading = null; throw e; },
      );
    }
    return loading;
  }

  /** The wasm CosCore once loaded; until then calls wait for it, in the order they were made. */
  class LazyCore {
    constructor(...args) {
      this._args = args;
      this._core = null;
      // Loaded already: construct now, so bad options throw from `new COS()` as in the Node build.
      if (loaded) this._core = new wasm.CosCore(...args);
      else load().catch(() => {}); // the error reaches the calls
    }

    _now() {
      if (!this._core && loaded) {
        this._core = new wasm.CosCore(...this._args);
        if (this._listening) this._core.setListening(true);
      }
      return this._core;
    }

    setListening(on) {
      this._listening = on;
      if (loaded) this._now().setListening(on);
    }

    // Before the module is ready the new options simply replace the constructor's.
    setOptions(options) {
      if (loaded) this._now().setOptions(options);
      else this._args[1] = options;
    }

    // Runs `name`, then `resolve(data)` or `reject(err)`; `id`: none, the core's call id, or an
    // early token (it stands for the core's id once the call starts).
    callWith(name, params, id, resolve, reject) {
      if (loaded && typeof id !== 'string') return this._now().callWith(name, params, id, resolve, reject);
      load().then(() => {
        const core = this._now();
        if (typeof id !== 'string') return core.callWith(name, params, id, resolve, reject);
        const canceled = this._early.get(id) === CANCELED;
        const real = core.newCallId();
        this._early.set(id, real);
        const forget = () => { this._early.delete(id); };
        core.callWith(name, params, real, (v) => { forget(); resolve(v); }, (e) => { forget(); reject(e); });
        // Canceled while the module loaded: it stops as soon as it starts.
        if (canceled) core.cancelCall(real);
      }).catch(reject);
    }

    // Call ids come from the core. Before it is loaded a call gets a token of this object's own
    // (a string), which stands for the core's id once the call starts.
    newCallId() {
      if (loaded) return this._now().newCallId();
      if (!this._early) { this._early = new Map(); this._nextEarly = 1; }
      const token = 'early-' + this._nextEarly++;
      this._early.set(token, null);
      return token;
    }

    cancelCall(id) {
      if (typeof id === 'number') return this._now().cancelCall(id);
      const real = this._early.get(id);
      if (typeof real === 'number') return this._now().cancelCall(real);
      if (real === undefined) return false;
      this._early.set(id, CANCELED);
      return true;
    }

    // Before the module is ready no task exists yet.
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

  // The hashers are classes users construct themselves: the same once loaded, a clear error before.
  class Md5Hasher extends wasm.Md5Hasher {
    constructor() {
      if (!loaded) throw notReady('new COS.Md5Hasher()');
      super();
    }
  }
  class Crc64Hasher extends wasm.Crc64Hasher {
    constructor() {
      if (!loaded) throw notReady('new COS.Crc64Hasher()');
      super();
    }
  }

  const whenLoaded = (what, fn) => (...args) => {
    if (!loaded) throw notReady(what);
    return fn(...args);
  };

  const core = {
    CosCore: LazyCore,
    getAuthorization(host, params, flavour) {
      if (!loaded) throw notReady('COS.getAuthorization');
      return wasm.getAuthorization(host, params, flavour);
    },
    // The static signer's fast path, once loaded.
    get getAuthorizationFlat() {
      return loaded ? wasm.getAuthorizationFlat : undefined;
    },
    // COS.util's helpers run in wasm: a clear error before it is loaded.
    signV4: whenLoaded('getV4Auth', (...a) => wasm.signV4(...a)),
    utilMd5: whenLoaded('COS.util.md5', (d) => wasm.utilMd5(d)),
    utilBase64: whenLoaded('COS.util.encodeBase64', (t, safe) => wasm.utilBase64(t, safe)),
    utilXml2json: whenLoaded('COS.util.xml2json', (h, x) => wasm.utilXml2json(h, x)),
    utilJson2xml: whenLoaded('COS.util.json2xml', (h, v) => wasm.utilJson2xml(h, v)),
    signScratch: (capacity) => wasm.signScratch(capacity),
    wasmMemory: () => wasm.wasmMemory(),
    Md5Hasher,
    Crc64Hasher,
  };

  return { core, load, isLoaded: () => loaded };
}
