// What every host shim shares: the handle table for values the wasm core must not copy
// (callbacks, Blobs, ArrayBuffers), user-function calls that cannot break the SDK, timers.

/** Body types the core may receive from JS, besides strings. */
export function isBinary(v) {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

export function toBytes(v) {
  try {
    const buffer = v instanceof ArrayBuffer ? v : v.buffer;
    if (buffer && buffer.detached === true) throw new TypeError('the buffer was transferred');
    if (v instanceof Uint8Array) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  } catch (e) {
    // A detached (transferred) ArrayBuffer: the bytes are gone.
    throw paramError('params body format error: Body is a detached ArrayBuffer (' + ((e && e.message) || e) + ')');
  }
}

export function paramError(message) {
  return { param: true, message };
}

/** COS's XML answers are a few hundred KB at most: a larger answer is refused while it arrives. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
export const TOO_LARGE = "the server's answer is too large to be a COS response (over 16 MiB)";

/** Default of the StallTimeout option: a request that moves no byte for this long is ended and retried. */
const DEFAULT_STALL_MS = 60000;

/** The stall guard in ms (0 = off), from the instance's options. */
export function stallTimeout(options) {
  const v = options && options.StallTimeout;
  return v === undefined || v === null ? DEFAULT_STALL_MS : Math.max(0, Number(v) || 0);
}

export const BODY_ERROR =
  'params body format error, Only allow File|Blob|String|ArrayBuffer|TypedArray (or FilePath).';

export function createBaseHost() {
  const handles = new Map();
  // Shares beyond the first, by handle: a call and each task it queued release their own share.
  const extraShares = new Map();
  let nextHandle = 1;
  const host = {
    /** The COS instance, `this` for getAuthorization. Set by the COS constructor. */
    owner: undefined,
    hold(value) {
      const id = nextHandle++;
      handles.set(id, value);
      return id;
    },
    get(id) {
      return handles.get(id);
    },
    retain(id) {
      if (handles.has(id)) extraShares.set(id, (extraShares.get(id) || 0) + 1);
    },
    release(id) {
      const extra = extraShares.get(id);
      if (extra === undefined) handles.delete(id);
      else if (extra === 1) extraShares.delete(id);
      else extraShares.set(id, extra - 1);
    },
    /** Values held for the core right now (tests check that calls and tasks give theirs back). */
    liveHandles() {
      return handles.size;
    },
    invoke(id, args) {
      const fn = handles.get(id);
      if (typeof fn !== 'function') return;
      try {
        fn.apply(undefined, args);
      } catch (e) {
        // The SDK's state is already consistent: the exception surfaces on its own task.
        reportCallbackError(e);
      }
    },
    getAuthorization(id, options) {
      const fn = handles.get(id);
      return new Promise((resolve, reject) => {
        let settled = false;
        const timer = setTimeout(() => {
          if (!settled) {
            settled = true;
            reject(new Error('getAuthorization did not call its callback within 60 seconds'));
          }
        }, 60000);
        const fail = (e) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(e);
        };
        try {
          const returned = fn.call(host.owner, options, (result) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(result);
          });
          // An async getAuthorization that rejects fails the call now (and the rejection is handled).
          if (returned && typeof returned.then === 'function') returned.then(undefined, fail);
        } catch (e) {
          fail(e);
        }
      });
    },
    sleep(ms) {
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
    now() {
      return Date.now();
    },
    random() {
      return Math.random();
    },
  };
  return host;
}

/**
 * A user function's exception, thrown again on a task of its own: it surfaces as it does with the
 * official SDKs (Node's uncaughtException, the page's error event, the mini-program's onError),
 * and never breaks the upload or queue that called the function.
 */
export function reportCallbackError(e) {
  setTimeout(() => {
    throw e;
  }, 0);
}

/** Upload-body sources opened by a host, by id. */
export function createSourceTable() {
  const sources = new Map();
  let next = 1;
  return {
    add(source) {
      const id = next++;
      sources.set(id, source);
      return id;
    },
    get(id) {
      const s = sources.get(id);
      if (!s) throw new Error('cos-wasm: unknown body source ' + id);
      return s;
    },
    delete(id) {
      const s = sources.get(id);
      sources.delete(id);
      return s;
    },
  };
}
