// Assembles the npm package in pkg/ from pkg-template/ and the wasm-bindgen output of the browser
// and the Node builds (each flavour's wasm has only what its hosts can use: Cargo.toml's features).
// Usage: node pkg-template/build.mjs <web wasm-bindgen out dir> <web optimised .wasm>
//          <node wasm-bindgen out dir> <node optimised .wasm> <pkg dir>
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { methodNamesOf } from './method-names.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [bindgenDir, wasmFile, nodeBindgenDir, nodeWasmFile, outDir] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!outDir) {
  console.error('usage: node pkg-template/build.mjs <web bindgen dir> <web .wasm> <node bindgen dir> <node .wasm> <pkg dir>');
  process.exit(2);
}
const root = path.resolve(here, '..');
const version = /^version\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8'))[1];

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });

const glue = path.join(bindgenDir, 'cos_wasm.js');
const common = {
  bundle: true,
  alias: { 'cos-wasm-glue': glue },
  define: { __VERSION__: JSON.stringify(version), __METHOD_NAMES__: JSON.stringify(await methodNamesOf(glue, wasmFile)) },
  legalComments: 'none',
  logLevel: 'warning',
};

await esbuild.build({
  ...common,
  entryPoints: [path.join(here, 'src/entry-web.js')],
  outfile: path.join(outDir, 'web.js'),
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
});

await esbuild.build({
  ...common,
  entryPoints: [path.join(here, 'src/entry-node.js')],
  outfile: path.join(outDir, 'node.cjs'),
  // Node's own glue (its wasm exports what only Node can use).
  alias: { 'cos-wasm-glue': path.join(nodeBindgenDir, 'cos_wasm.js') },
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  // The glue's default wasm URL (import.meta.url) is never used here: entry-node.js passes the bytes.
  define: { ...common.define, 'import.meta.url': '"file:///"' },
  // entry-node.js has one default export: make require() return the class itself.
  footer: { js: 'module.exports = module.exports.default; module.exports.default = module.exports; module.exports.COS = module.exports;' },
});

fs.writeFileSync(
  path.join(outDir, 'node.mjs'),
  "import COS from './node.cjs';\nexport default COS;\nexport { COS };\n",
);
fs.copyFileSync(wasmFile, path.join(outDir, 'cos_wasm_bg.wasm'));
fs.copyFileSync(nodeWasmFile, path.join(outDir, 'cos_wasm_node.wasm'));
// The package README (pkg-template/README.md) and the licence (repo root); missing ones fail the build.
for (const src of [path.join(here, 'index.d.ts'), path.join(here, 'README.md'), path.join(root, 'LICENSE')]) {
  fs.copyFileSync(src, path.join(outDir, path.basename(src)));
}
const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
pkg.version = version;
fs.writeFileSync(path.join(outDir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
console.log('pkg/ built: cos-wasm ' + version);
