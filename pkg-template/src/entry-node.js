// Node entry (bundled to CommonJS): the wasm is compiled synchronously at require time.
import fs from 'node:fs';
import path from 'node:path';
import { initSync } from 'cos-wasm-glue';
import * as core from 'cos-wasm-glue';
import { defineCOS } from './cos.js';
import { createNodeHost } from './hosts/node.js';

initSync({ module: fs.readFileSync(path.join(__dirname, 'cos_wasm_bg.wasm')) });

const COS = defineCOS({ core, methods: core.methodNames().split(','), createHost: (options) => createNodeHost(options, core), flavour: 'js', version: __VERSION__ });
export default COS;
