// Prints the size table from target/opt (made by measure.sh): raw, gzip -9, brotli -q 11.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const size = (files) => {
  const b = files.map((f) => fs.readFileSync(f));
  const sum = (g) => b.reduce((n, x) => n + g(x), 0);
  return {
    raw: sum((x) => x.length),
    gz: sum((x) => zlib.gzipSync(x, { level: 9 }).length),
    br: sum((x) => zlib.brotliCompressSync(x, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length),
  };
};
const kb = (n) => (n / 1000).toFixed(1);
const opt = (n) => path.join(here, 'target/opt', n);
const rows = [
  ['pure core (signer, XML, plan, CRC-64, MD5, error decoding) + exports', [opt('core.wasm')]],
  ['whole pure core: + checkpoints, queue, progress, params, MIME', [opt('core-full.wasm')]],
  ['core + sans-IO part upload', [opt('sansio.wasm')]],
  ['core + lean-async part upload', [opt('lean.wasm')]],
  ['core + sans-IO + resume step (paged ListParts)', [opt('sansio-resume.wasm')]],
  ['core + lean-async + resume step (paged ListParts)', [opt('lean-resume.wasm')]],
  ['core + sans-IO + simple-call path + 6 methods', [opt('sansio-simple6.wasm')]],
  ['core + lean-async + simple-call path + 6 methods', [opt('lean-simple6.wasm')]],
  ['core + sans-IO + simple-call path + 12 methods', [opt('sansio-simple12.wasm')]],
  ['core + lean-async + simple-call path + 12 methods', [opt('lean-simple12.wasm')]],
  ['core + sans-IO, all of the above', [opt('sansio-all.wasm')]],
  ['core + lean-async, all of the above', [opt('lean-all.wasm')]],
  ['sans-IO JS driver + browser host, minified', [opt('driver-web.min.js')]],
  ['current full build: cos_wasm_opt.wasm', [path.join(ROOT, 'target/wasm-bindgen/cos_wasm_opt.wasm')]],
  ['current page: pkg/web.js + pkg/cos_wasm_bg.wasm', [path.join(ROOT, 'pkg/web.js'), path.join(ROOT, 'pkg/cos_wasm_bg.wasm')]],
];
const core = size(rows[0][1]);
console.log('| build | raw KB | gzip KB | brotli KB | gzip − core |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, files] of rows) {
  if (!files.every((f) => fs.existsSync(f))) { console.log(`| ${name} | (missing: ${files.map((f) => path.relative(ROOT, f)).join(', ')}) | | | |`); continue; }
  const s = size(files);
  const d = files[0].endsWith('.wasm') && files.length === 1 ? (s.gz - core.gz >= 0 ? '+' : '') + kb(s.gz - core.gz) : '';
  console.log(`| ${name} | ${kb(s.raw)} | ${kb(s.gz)} | ${kb(s.br)} | ${d} |`);
}
