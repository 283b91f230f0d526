// The `COS` class: the official SDK's call shapes mapped onto the wasm core, nothing more.
// Every method takes `(params, callback)`; without a callback it returns a Promise.

const METHODS = [
  'putObject', 'postObject', 'appendObject', 'headObject', 'getObject', 'deleteObject',
  'multipartList', 'multipartInit', 'multipartUpload', 'multipartListPart', 'multipartComplete', 'multipartAbort',
  'sliceUploadFile', 'uploadFile', 'uploadFiles', 'abortUploadTask',
];

export function defineCOS({ core, createHost, flavour, version }) {
  class COS {
    constructor(options) {
      if (options === undefined) options = {};
      if (options === null || typeof options !== 'object') throw new TypeError('cos-wasm: options should be an object');
      this.options = options;
      this._events = Object.create(null);
      this._host = options.Host || createHost(options);
      this._host.owner = this;
      this._core = new core.CosCore(this._host, options, flavour, this._host.defaultProtocol(), (name, data) => this.emit(name, data));
    }

    on(name, fn) {
      if (typeof fn !== 'function') throw new TypeError('cos-wasm: listener should be a function');
      (this._events[name] || (this._events[name] = [])).push(fn);
      return this;
    }

    off(name, fn) {
      const list = this._events[name];
      if (!list) return this;
      if (fn === undefined) delete this._events[name];
      else this._events[name] = list.filter((f) => f !== fn);
      return this;
    }

    emit(name, data) {
      const list = this._events[name];
      if (!list) return;
      for (const fn of list.slice()) {
        try { fn(data); } catch (e) { if (typeof console !== 'undefined') console.error('cos-wasm: a listener threw', e); }
      }
    }
  }

  for (const name of METHODS) {
    COS.prototype[name] = function (params, callback) {
      if (typeof params === 'function' && callback === undefined) { callback = params; params = {}; }
      if (params === undefined) params = {};
      if (callback !== undefined && callback !== null && typeof callback !== 'function') {
        const err = paramErr('callback should be a function');
        return Promise.reject(err);
      }
      const promise = this._core.call(name, params);
      if (!callback) return promise;
      promise.then(
        (data) => safeCall(callback, null, data),
        (err) => safeCall(callback, err, undefined),
      );
      return undefined;
    };
  }

  COS.version = version;
  COS.flavour = flavour;
  return COS;
}

function paramErr(message) {
  const e = new Error(message);
  e.code = 'Error';
  e.error = { message, code: 'Error' };
  e.headers = {};
  return e;
}

function safeCall(fn, err, data) {
  try {
    fn(err, data);
  } catch (e) {
    if (typeof console !== 'undefined') console.error('cos-wasm: a callback threw an exception', e);
  }
}
