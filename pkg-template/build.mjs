// Assembles the npm package in pkg/ from pkg-template/ and the optimised wasm of the browser and the
// Node builds (each flavour's wasm has only what its hosts can use: Cargo.toml's features).
// Usage: node pkg-template/build.mjs <web .wasm> <node .wasm> <pkg dir>
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { methodNamesOf } from './method-names.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [wasmFile, nodeWasmFile, outDir] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!outDir) {
  console.error('usage: node pkg-template/build.mjs <web .wasm> <node .wasm> <pkg dir>');
  process.exit(2);
}
const root = path.resolve(here, '..');
const version = /^version\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8'))[1];

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });

const common = {
  bundle: true,
  define: { __VERSION__: JSON.stringify(version), __METHOD_NAMES__: JSON.stringify(await methodNamesOf(wasmFile)) },
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
  format: 'cjs',
  platform: 'node',
  target: 'node18',
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
