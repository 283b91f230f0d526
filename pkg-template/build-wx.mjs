// Assembles the WeChat mini-program flavour (pkg/miniprogram/) from the MVP build of the wasm.
// Usage: node pkg-template/build-wx.mjs <cargo's .wasm> <out dir> [demo copy dir]
//
// 1. wasm: lower what it may still use beyond MVP (core/alloc are built for MVP from source, but the
//    lowering stays as a guard) — sign-ext, memory.copy/fill, saturating float-to-int — drop global exports (iOS WXWebAssembly
//    cannot export globals; wasm-core.js never reads them), then optimise and validate with binaryen at
//    the MVP feature set (wx-optimise.mjs). Anything else fails the build.
// 2. brotli: cos_wasm.wasm.br (WXWebAssembly.instantiate takes .wasm.br paths, base library >= 2.14).
// 3. JS: entry-wx.js + wasm-core.js + the wx host, one CommonJS file, with UTF-8 codecs injected for
//    the TextEncoder/TextDecoder wasm-core.js names; checked to reference none of the globals wx lacks.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { methodNamesOf } from './method-names.mjs';
import binaryen from 'binaryen';
import { lowerToMvp, optimiseMvp } from './wx-optimise.mjs';

const BUDGET = 400 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const [wasmFile, outDir, demoDir] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!wasmFile || !outDir) {
  console.error('usage: node pkg-template/build-wx.mjs <cargo .wasm> <out dir> [demo copy dir]');
  process.exit(2);
}
const version = /^version\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8'))[1];
const die = (msg) => { console.error('build-wx: ' + msg); process.exit(1); };

const driverSrc = fs.readFileSync(path.join(here, 'src/wasm-core.js'), 'utf8');

// --- 1. wasm at the MVP feature set --------------------------------------------------------------
const F = binaryen.Features;
const mod = binaryen.readBinary(fs.readFileSync(wasmFile));
if (!lowerToMvp(binaryen, mod)) die('the wasm uses features beyond sign-ext, bulk memory and non-trapping float-to-int (see above)');
const dropped = [];
for (let i = mod.getNumExports() - 1; i >= 0; i--) {
  const e = binaryen.getExportInfo(mod.getExportByIndex(i));
  if (e.kind !== binaryen.ExternalGlobal) continue;
  if (driverSrc.includes(e.name)) die('wasm-core.js reads the exported global ' + e.name + ', which iOS WXWebAssembly cannot export');
  mod.removeExport(e.name);
  dropped.push(e.name);
}
// i64 across the JS boundary needs BigInt integration in the engine: not assumed either.
const i64At = [];
for (let i = 0; i < mod.getNumFunctions(); i++) {
  const f = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
  if (!f.module) continue;
  if ([...binaryen.expandType(f.params), ...binaryen.expandType(f.results)].includes(binaryen.i64)) i64At.push('import ' + f.base);
}
for (let i = 0; i < mod.getNumExports(); i++) {
  const e = binaryen.getExportInfo(mod.getExportByIndex(i));
  if (e.kind !== binaryen.ExternalFunction) continue;
  const f = binaryen.getFunctionInfo(mod.getFunction(e.value));
  if ([...binaryen.expandType(f.params), ...binaryen.expandType(f.results)].includes(binaryen.i64)) i64At.push('export ' + e.name);
}
if (i64At.length) die('i64 at the JS boundary (needs BigInt integration): ' + i64At.join(', '));
mod.setFeatures(F.MVP);
if (!mod.validate()) die('the lowered wasm is not valid WebAssembly MVP (see above)');
optimiseMvp(binaryen, mod);
if (!mod.validate()) die('the optimised wasm is not valid WebAssembly MVP');
const wasm = mod.emitBinary();
mod.dispose();
// Binaryen reads back what it wrote, still at MVP: a last check on the bytes that ship.
const check = binaryen.readBinary(wasm);
check.setFeatures(F.MVP);
if (!check.validate()) die('the emitted wasm does not validate at MVP');
check.dispose();
const br = zlib.brotliCompressSync(wasm, {
  params: {
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC,
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: wasm.length,
  },
});
if (Buffer.compare(zlib.brotliDecompressSync(br), Buffer.from(wasm)) !== 0) die('brotli round trip failed');

// --- 2. JS ----------------------------------------------------------------------------------------
const result = await esbuild.build({
  entryPoints: [path.join(here, 'src/entry-wx.js')],
  bundle: true,
  write: false,
  format: 'cjs',
  platform: 'neutral',
  // Mini-program JS engines: iOS JavaScriptCore since iOS 14 (WXWebAssembly needs WeChat 8), Android V8.
  target: 'es2017',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  inject: [path.join(here, 'miniprogram/text-codec.js')],
  define: { __VERSION__: JSON.stringify(version), __METHOD_NAMES__: JSON.stringify(await methodNamesOf(wasmFile)), 'import.meta.url': '""' },
  // require() returns the class itself, as cos-wx-sdk-v5's does.
  footer: { js: 'module.exports=module.exports.default;module.exports.default=module.exports;module.exports.COS=module.exports;' },
});
const js = result.outputFiles[0].text;
// What the mini-program runtime lacks must not even be named (a name would be a ReferenceError
// waiting on some code path). `require(` too: the bundle is one self-contained file.
const forbidden = ['TextEncoder', 'TextDecoder', 'WebAssembly', 'fetch', 'XMLHttpRequest', 'Blob', 'URL', 'FormData',
  'Response', 'Request', 'Headers', 'AbortController', 'localStorage', 'require'];
// String literals (messages) may name them.
const code = js.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
for (const name of forbidden) {
  const re = new RegExp('(?<![\\w$.])' + name + '(?![\\w$])', 'g');
  const hits = [...code.matchAll(re)].filter((m) => !(name === 'WebAssembly' && code.slice(m.index - 2, m.index) === 'WX'));
  if (hits.length) die('the bundle references ' + name + ' (' + hits.length + 'x), which mini-programs lack: ' + JSON.stringify(code.slice(Math.max(0, hits[0].index - 60), hits[0].index + 40)));
}

// --- 3. output -------------------------------------------------------------------------------------
fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'index.js'), js);
fs.writeFileSync(path.join(outDir, 'cos_wasm.wasm.br'), br);
const total = js.length + br.length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';
console.log('pkg/miniprogram built: cos-wasm ' + version + ' (wasm MVP' + (dropped.length ? '; dropped global exports ' + dropped.join(', ') : '') + ')');
console.log('  index.js ' + kb(js.length) + ' + cos_wasm.wasm.br ' + kb(br.length) + ' (wasm ' + kb(wasm.length) + ') = ' + kb(total) + ' of the ' + kb(BUDGET) + ' budget');
if (total > BUDGET) die('the mini-program flavour is ' + kb(total) + ', over the ' + kb(BUDGET) + ' budget');

if (demoDir) {
  fs.rmSync(demoDir, { recursive: true, force: true });
  fs.cpSync(outDir, demoDir, { recursive: true });
  console.log('  copied to ' + path.relative(root, demoDir) + '/');
}
