// Node entry (bundled to CommonJS): the wasm is compiled synchronously at require time.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { initSync } from 'cos-wasm-glue';
import * as core from 'cos-wasm-glue';
import { defineCOS } from './cos.js';
import { createNodeHost } from './hosts/node.js';

initSync({ module: fs.readFileSync(path.join(__dirname, 'cos_wasm_bg.wasm')) });

const COS = defineCOS({ core, methods: core.methodNames().split(','), createHost: (options) => createNodeHost(options, core), flavour: 'js', version: __VERSION__ });

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

export default COS;
