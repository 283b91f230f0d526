// Browser / bundler entry (ESM): the wasm sits beside this file and is streamed in once.
import init, * as core from 'cos-wasm-glue';
import { defineCOS } from './cos.js';
import { createBrowserHost } from './hosts/browser.js';

await init({ module_or_path: new URL('./cos_wasm_bg.wasm', import.meta.url) });

const COS = defineCOS({ core, createHost: createBrowserHost, flavour: 'js', version: __VERSION__ });
export default COS;
export { COS };
