// Node entry (bundled to CommonJS): the wasm is compiled synchronously at require time.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as core from './wasm-core.js';
import { defineCOS } from './cos.js';
import { createNodeHost } from './hosts/node.js';

// Node's own wasm (all of Cargo.toml's features); the browser's cos_wasm_bg.wasm lacks downloadFile and Output.
core.start(new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'cos_wasm_node.wasm'))), core.imports()));

const COS = defineCOS({ core, methods: core.methodNames().split(','), createHost: (options) => createNodeHost(options, core), flavour: 'js', host: 'node', version: __VERSION__ });

/**
 * `selectObjectContentStream`: the records of a select as a Readable (Buffers), as the official Node
 * SDK returns them; `callback(err, {statusCode, headers, RequestId, Stats})` once the answer was read.
 * The answer is decoded and CRC-checked whole in wasm before the records are pushed, so the stream
 * starts when the answer is complete (a damaged answer never reaches it).
 */
COS.prototype.selectObjectContentStream = function selectObjectContentStream(params, callback) {
  const stream = new PassThrough();
  this.selectObjectContent(params).then(
    (data) => {
      const rest = Object.assign({}, data);
      delete rest.Payload;
      stream.end(data.Payload, () => setImmediate(() => typeof callback === 'function' && callback(null, rest)));
    },
    (err) => {
      // An unheard 'error' event would throw: a caller without a listener gets it through the callback.
      if (stream.listenerCount('error') > 0) stream.destroy(err);
      else stream.destroy();
      if (typeof callback === 'function') callback(err);
    },
  );
  return stream;
};

// getObject with a writable Output: an error is also emitted on it, as the official SDK does (only
// when it has an 'error' listener: an unheard 'error' would end the process).
const getObject = COS.prototype.getObject;
COS.prototype.getObject = function (params, callback) {
  const out = params && typeof params === 'object' ? params.Output : undefined;
  if (!out || typeof out !== 'object' || typeof out.emit !== 'function') return getObject.call(this, params, callback);
  const tell = (err) => { if (typeof out.listenerCount === 'function' && out.listenerCount('error') > 0) out.emit('error', err); };
  if (typeof callback === 'function') return getObject.call(this, params, (err, data) => { if (err) tell(err); callback(err, data); });
  return getObject.call(this, params).catch((err) => { tell(err); throw err; });
};

/** The object as a Readable (its body streamed, with backpressure); errors are emitted on it. */
COS.prototype.getObjectStream = function (params, callback) {
  const stream = new PassThrough();
  const p = params && typeof params === 'object' ? Object.assign({}, params, { Output: stream }) : params;
  getObject.call(this, p, (err, data) => {
    if (err) stream.destroy(err);
    if (typeof callback === 'function') callback(err, data);
  });
  return stream;
};

export default COS;
