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
  // Held values by handle, in arrays with slots reused through a free list (as wasm-bindgen keeps
  // its own JS values): a long batch holds two values a file, and Maps that size cost ~3× the
  // memory, with each outgrown hash table left behind until a full GC.
  const values = [undefined];
  // Shares beyond the first, by handle (a call and each task it queued release their own share);
  // -1 marks a free slot.
  const extraShares = [-1];
  const freeSlots = [];
  let live = 0;
  const host = {
    /** The COS instance, `this` for getAuthorization. Set by the COS constructor. */
    owner: undefined,
    hold(value) {
      const id = freeSlots.length > 0 ? freeSlots.pop() : values.length;
      values[id] = value;
      extraShares[id] = 0;
      live++;
      return id;
    },
    get(id) {
      return values[id];
    },
    retain(id) {
      if (extraShares[id] >= 0) extraShares[id]++;
    },
    release(id) {
      const extra = extraShares[id];
      if (extra === undefined || extra < 0) return;
      if (extra > 0) {
        extraShares[id] = extra - 1;
        return;
      }
      values[id] = undefined;
      extraShares[id] = -1;
      freeSlots.push(id);
      live--;
    },
    /**
     * Values the core kept packed (src/packed.rs has the format): the `count` values in `ops`
     * become elements `at`… of the held array `into`. Strings are slices of `text`, made into one
     * string once (an entry kept alone keeps its chunk's text, up to ~256 KiB, alive with it).
     */
    unpack(ops, text, into, at, count) {
      const out = values[into];
      let i = 0;
      const num = () => {
        let n = 0;
        let scale = 1;
        for (;;) {
          const b = ops[i++];
          n += (b & 0x7f) * scale;
          if (b < 0x80) return n;
          scale *= 128;
        }
      };
      // A string referred to again (a shared one: field names, the bucket, header values) is
      // the same slice.
      const recentAt = new Array(128).fill(-1);
      const recent = new Array(128).fill('');
      // Objects made by `JSON.parse` hold all their fields in the object itself, and a spread
      // copy keeps that layout: a result entry's four objects then need no separate property
      // arrays (~100 bytes an entry). A field named `__proto__` stays a plain field this way.
      const shapes = { next: new Map(), template: null };
      const fields = [];
      let top = 0;
      const template = (base, n) => {
        let json = '{';
        for (let k = 0; k < n; k++) json += (k ? ',' : '') + JSON.stringify(fields[base + 2 * k]) + ':null';
        return JSON.parse(json + '}');
      };
      const value = () => {
        switch (ops[i++]) {
          case 0: return null;
          case 1: return false;
          case 2: return true;
          case 3: return num();
          case 4: {
            const p = num();
            const len = num();
            const slot = p & 127;
            if (recentAt[slot] === p && recent[slot].length === len) return recent[slot];
            const s = text.slice(p, p + len);
            recentAt[slot] = p;
            recent[slot] = s;
            return s;
          }
          case 5: {
            const a = new Array(num());
            for (let k = 0; k < a.length; k++) a[k] = value();
            return a;
          }
          case 6: {
            // Fields gather on `fields` (nested objects stack above and leave it as they
            // found it); objects with the same names are copies of one template.
            const n = num();
            const base = top;
            let node = shapes;
            for (let k = 0; k < n; k++) {
              const name = value();
              let next = node.next.get(name);
              if (next === undefined) node.next.set(name, (next = { next: new Map(), template: null }));
              node = next;
              fields[top++] = name;
              fields[top++] = value();
            }
            let o;
            if (n <= 16) {
              if (node.template === null) node.template = template(base, n);
              o = { ...node.template };
              for (let k = base; k < top; k += 2) o[fields[k]] = fields[k + 1];
            } else {
              o = {};
              for (let k = base; k < top; k += 2) Object.defineProperty(o, fields[k], { value: fields[k + 1], writable: true, enumerable: true, configurable: true });
            }
            top = base;
            return o;
          }
          case 7: {
            const id = num();
            const v = values[id];
            host.release(id);
            return v;
          }
          // Two strings joined (a Location: the batch's host and the entry's key).
          case 12: return value() + value();
          default: throw new Error('unpack: bad tag at ' + (i - 1));
        }
      };
      for (let k = 0; k < count; k++) out[at + k] = value();
    },
    /** Values held for the core right now (tests check that calls and tasks give theirs back). */
    liveHandles() {
      return live;
    },
    invoke(id, args) {
      const fn = values[id];
      if (typeof fn !== 'function') return;
      try {
        fn.apply(undefined, args);
      } catch (e) {
        // The SDK's state is already consistent: the exception surfaces on its own task.
        reportCallbackError(e);
      }
    },
    getAuthorization(id, options) {
      const fn = values[id];
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

/**
 * The abort functions of requests in flight, by the core's request id. Not a Map: a Map this small
 * with an entry added and deleted per request gets a new hash table every few requests, and each
 * old table keeps pointing to its successor and to the entries it held (each a closure over its
 * whole request). V8's young-generation GC takes such pointers from an old, dead table as live, so
 * every request's objects survived into the old generation until the next full GC (~4 KB a request,
 * most of the heap's growth in long batches). Slots in a plain array, reused, leave no such chain.
 */
export function createRequestTable() {
  const ids = [];
  const aborts = [];
  const free = [];
  return {
    /** Registers a request; returns its slot for `remove`. */
    add(id, abort) {
      const slot = free.length > 0 ? free.pop() : ids.length;
      ids[slot] = id;
      aborts[slot] = abort;
      return slot;
    },
    /** Unregisters request `id` from its slot (a second call finds the slot free or reused: no-op). */
    remove(slot, id) {
      if (ids[slot] !== id) return;
      ids[slot] = -1;
      aborts[slot] = undefined;
      free.push(slot);
    },
    /** Aborts the request with this id, if it is in flight (rare: a linear search is enough). */
    abort(id) {
      const slot = ids.indexOf(id);
      if (slot >= 0 && aborts[slot] !== undefined) aborts[slot]();
    },
  };
}

/** Upload-body sources opened by a host, by id (slots reused, as the handle table's). */
export function createSourceTable() {
  const sources = [undefined];
  const freeSlots = [];
  return {
    add(source) {
      const id = freeSlots.length > 0 ? freeSlots.pop() : sources.length;
      sources[id] = source;
      return id;
    },
    get(id) {
      const s = sources[id];
      if (!s) throw new Error('cos-wasm: unknown body source ' + id);
      return s;
    },
    delete(id) {
      const s = sources[id];
      if (s) {
        sources[id] = undefined;
        freeSlots.push(id);
      }
      return s;
    },
  };
}
