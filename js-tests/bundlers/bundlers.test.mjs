// `import COS from 'cos-wasm'` as a new user has it: the packed tarball installed into a fresh app,
// built at each bundler's default settings (Vite 5, 6 and latest, webpack 5, Rollup, esbuild), then
// run in headless Chromium, where the app itself uploads and downloads an object on the local COS
// server: a build that succeeds but fails at run time fails here. Also the Vite 5 dev server (its
// dependency pre-bundling) and server-side rendering (importing the package in Node).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, startServer, localOptions, BUCKET, REGION } from '../lib/node-env.mjs';
import { startStatic } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';

const require = createRequire(import.meta.url);
const importFromRoot = (p) => import(pathToFileURL(path.join(ROOT, 'node_modules', p)).href);

// The app: uploads a text object, reads it back and puts the outcome on window.result.
const APP = `import COS from 'cos-wasm';

const q = new URLSearchParams(location.search);
const cos = new COS(JSON.parse(q.get('opts')));
const target = { Bucket: q.get('bucket'), Region: q.get('region'), Key: q.get('key') };
cos.putObject({ ...target, Body: q.get('text') })
  .then((put) => cos.getObject(target).then((got) => ({ ok: true, put: put.statusCode, body: String(got.Body), flavour: COS.flavour })))
  .catch((e) => ({ ok: false, error: String((e && e.message) || e) }))
  .then((r) => { window.result = r; });
`;

let tmp, app, server, browser;
const statics = [];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-bundlers-'));
  const tgz = execFileSync('npm', ['pack', path.join(ROOT, 'pkg'), '--pack-destination', tmp, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  app = path.join(tmp, 'app');
  fs.mkdirSync(path.join(app, 'src'), { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'cos-wasm': 'file:../' + tgz } }, null, 2));
  // The tarball has no dependencies: installing it needs no network.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'pipe' });
  fs.writeFileSync(path.join(app, 'src', 'index.js'), APP);
  fs.writeFileSync(path.join(app, 'index.html'), '<!doctype html><script type="module" src="/src/index.js"></script>\n');
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const s of statics) await s.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Opens `url` (an app page), waits for the app's upload and checks the object on the server. */
async function runApp(url, tool) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const key = 'bundlers/' + tool + '-' + Date.now() + '.txt';
  const text = 'uploaded by an app bundled with ' + tool;
  const q = new URLSearchParams({ opts: JSON.stringify(localOptions(server.port)), bucket: BUCKET, region: REGION, key, text });
  try {
    await page.goto(url + (url.includes('?') ? '&' : '?') + q);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 60000 }).catch(() => {});
    const r = await page.evaluate(() => window.result);
    assert.ok(r, tool + ': the app never finished; page errors: ' + JSON.stringify(errors));
    assert.equal(r.ok, true, tool + ': ' + r.error + '; page errors: ' + JSON.stringify(errors));
    assert.equal(r.put, 200);
    assert.equal(r.body, text, 'getObject gives back what putObject sent');
    assert.equal(r.flavour, 'js');
    const [stored] = server.objects(BUCKET, key);
    assert.equal(stored && stored.size, Buffer.byteLength(text), 'the object is on the server');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
}

async function serve(dir) {
  const s = await startStatic({ '/': dir });
  statics.push(s);
  return s.url + '/';
}

const outDir = (tool) => path.join(tmp, 'out', tool);

for (const [tool, pkg] of [['Vite 5', 'vite5'], ['Vite 6', 'vite6'], ['Vite latest', 'vite']]) {
  test(tool + ': vite build at default settings, and the app uploads and downloads', async () => {
    const vite = await importFromRoot(pkg + '/dist/node/index.js');
    const out = outDir(pkg);
    await vite.build({ root: app, configFile: false, logLevel: 'silent', build: { outDir: out } });
    const assets = fs.readdirSync(path.join(out, 'assets'));
    assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 1, 'the wasm is emitted as an asset: ' + assets);
    await runApp(await serve(out), tool);
  });
}

test('Vite 5 dev server: the dependency is pre-bundled and the app uploads and downloads', async () => {
  const vite = await importFromRoot('vite5/dist/node/index.js');
  const dev = await vite.createServer({ root: app, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0, strictPort: false } });
  try {
    await dev.listen();
    await runApp(dev.resolvedUrls.local[0], 'the Vite 5 dev server');
    assert.ok(fs.existsSync(path.join(app, 'node_modules', '.vite', 'deps', 'cos-wasm.js')), 'cos-wasm was pre-bundled');
  } finally {
    await dev.close();
  }
});

test('webpack 5: production build, and the app uploads and downloads', async () => {
  const webpack = require(path.join(ROOT, 'node_modules', 'webpack'));
  const out = outDir('webpack');
  // Defaults: ./src/index.js to dist/main.js (only the output folder moved, and the mode said).
  const pack = (config) => new Promise((resolve, reject) => webpack({ mode: 'production', context: app, ...config }, (err, s) => (err ? reject(err) : resolve(s))))
    .then((s) => s.toJson({ all: false, errors: true, warnings: true, assets: true }));
  const info = await pack({ output: { path: out } });
  assert.deepEqual(info.errors.map((e) => e.message), []);
  // Only the size hints (the wasm is over webpack's 244 KiB hint), and README's assetFilter quiets them.
  for (const w of info.warnings) assert.match(w.message, /size limit|exceed the recommended size|performance/i, 'unexpected warning');
  const quiet = await pack({ output: { path: out + '-quiet' }, performance: { assetFilter: (file) => !file.endsWith('.wasm') } });
  assert.deepEqual(quiet.warnings.map((w) => w.message), [], 'no warning with the wasm left out of the size hints');
  assert.ok(info.assets.some((a) => a.name.endsWith('.wasm')), 'the wasm is emitted as an asset');
  fs.writeFileSync(path.join(out, 'index.html'), '<!doctype html><script src="main.js"></script>\n');
  await runApp(await serve(out), 'webpack 5');
});

test('Rollup with @rollup/plugin-node-resolve and @web/rollup-plugin-import-meta-assets, and the app uploads and downloads', async () => {
  const { rollup } = require(path.join(ROOT, 'node_modules', 'rollup'));
  const { nodeResolve } = require(path.join(ROOT, 'node_modules', '@rollup/plugin-node-resolve'));
  const { importMetaAssets } = await importFromRoot('@web/rollup-plugin-import-meta-assets/index.mjs');
  const out = outDir('rollup');
  const warnings = [];
  const bundle = await rollup({ input: path.join(app, 'src', 'index.js'), plugins: [nodeResolve(), importMetaAssets()], onwarn: (w) => warnings.push(w.message) });
  await bundle.write({ dir: out });
  await bundle.close();
  assert.deepEqual(warnings, []);
  assert.ok(fs.readdirSync(path.join(out, 'assets')).some((f) => f.endsWith('.wasm')), 'the wasm is emitted as an asset');
  fs.writeFileSync(path.join(out, 'index.html'), '<!doctype html><script type="module" src="index.js"></script>\n');
  await runApp(await serve(out), 'Rollup');
});

test('esbuild: --bundle at default settings (an iife) with the wasm copied beside it, and the app uploads and downloads', async () => {
  const esbuild = require(path.join(ROOT, 'node_modules', 'esbuild'));
  const out = outDir('esbuild');
  await esbuild.build({ entryPoints: [path.join(app, 'src', 'index.js')], bundle: true, outdir: out, logLevel: 'silent' });
  // esbuild does not emit assets named by `new URL(..., import.meta.url)`: the wasm goes beside the script.
  fs.copyFileSync(path.join(app, 'node_modules', 'cos-wasm', 'cos_wasm_bg.wasm'), path.join(out, 'cos_wasm_bg.wasm'));
  fs.writeFileSync(path.join(out, 'index.html'), '<!doctype html><script src="index.js"></script>\n');
  await runApp(await serve(out), 'esbuild');
});

test('server-side rendering: importing either entry in Node reads no window, document or self', () => {
  // What an SSR bundle does when it resolves the "import"/"default" condition: cos-wasm/web (web.js).
  const script = `
    import { createRequire } from 'node:module';
    const probe = (strict) => {
      for (const name of ['window', 'document', 'self']) {
        if (strict) Object.defineProperty(globalThis, name, { configurable: true, get() { throw new Error('read ' + name + ' at import'); } });
        else delete globalThis[name];
      }
    };
    probe(true);
    const web = (await import('cos-wasm/web')).default;
    const node = (await import('cos-wasm')).default;
    const cjs = createRequire(import.meta.url)('cos-wasm');
    probe(false);
    new web({ SecretId: 'a', SecretKey: 'b' });
    const webReady = await web.ready().then(() => 'ready', (e) => e.code + ': ' + e.message);
    await node.ready;
    const url = new node({ SecretId: 'a', SecretKey: 'b' }).getObjectUrl({ Bucket: 'examplebucket-1250000000', Region: 'ap-guangzhou', Key: 'k' });
    console.log(JSON.stringify({ web: web.flavour, webReady, same: node === cjs, url }));
  `;
  const file = path.join(app, 'ssr.mjs');
  fs.writeFileSync(file, script);
  const r = JSON.parse(execFileSync(process.execPath, ['--no-warnings', file], { cwd: app, encoding: 'utf8' }).trim().split('\n').pop());
  assert.equal(r.web, 'js');
  // web.js in Node: no load starts at import; a call or ready() says which entry to use.
  assert.match(r.webReady, /^WasmLoadError: .*"node" export condition/);
  assert.equal(r.same, true, 'import and require give the same class');
  assert.match(r.url, /^https:\/\/examplebucket-1250000000\.cos\.ap-guangzhou\.myqcloud\.com\/k\?.*q-signature=/);
});
