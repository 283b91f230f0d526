// How web apps load cos-wasm, each then uploading a File in Chromium to the local COS server:
// - bundled with Vite into one app chunk (from the packed package): the I/O worker must start from
//   its own source (a Blob URL) and do the hashing and sending; a worker started from the bundle's
//   URL would run the whole app a second time inside a worker;
// - unbundled under a strict Content-Security-Policy that refuses Blob-URL workers: the worker then
//   starts from the package's own web.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startServer, localOptions, BUCKET, REGION } from '../lib/node-env.mjs';
import { startStatic } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';
import { patternBytes } from '../suites/data.mjs';

// Workers only from this origin's files (no blob:), wasm allowed, requests to the local COS server.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' http://*.localhost:*";

let tmp, server, web, cspWeb, cspDist, browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-vite-'));
  const app = path.join(tmp, 'app');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  const tgz = execFileSync('npm', ['pack', path.join(ROOT, 'pkg'), '--pack-destination', tmp, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp]);
  fs.renameSync(path.join(tmp, 'package'), path.join(app, 'node_modules', 'cos-wasm'));
  fs.writeFileSync(path.join(app, 'index.html'), '<!doctype html><input type="file" id="f"><script type="module" src="/main.js"></script>\n');
  fs.writeFileSync(path.join(app, 'main.js'), [
    "import COS from 'cos-wasm';",
    '// App code with a side effect, which must run once, in the page only.',
    "fetch('/app-started?in=' + (typeof document === 'undefined' ? 'worker' : 'page')).catch(() => {});",
    'window.COS = COS;',
    'window.appReady = true;',
  ].join('\n'));
  const { build } = await import(path.join(ROOT, 'node_modules/vite/dist/node/index.js'));
  await build({ root: app, logLevel: 'silent', build: { outDir: path.join(tmp, 'dist') } });
  server = await startServer();
  web = await startStatic({ '/': path.join(tmp, 'dist') });
  // The unbundled package under a CSP that allows workers only from this origin's files.
  const page = path.join(tmp, 'csp');
  fs.mkdirSync(page);
  fs.writeFileSync(path.join(page, 'index.html'), '<!doctype html><input type="file" id="f"><script type="module" src="/page.js"></script>\n');
  fs.writeFileSync(path.join(page, 'page.js'), "import COS from '/cos-wasm/web.js';\nwindow.COS = COS;\nwindow.appReady = true;\n");
  cspDist = await startStatic({ '/': path.join(tmp, 'dist') }, { headers: { 'Content-Security-Policy': CSP } });
  cspWeb = await startStatic({ '/cos-wasm/': path.join(app, 'node_modules', 'cos-wasm'), '/': page }, {
    headers: { 'Content-Security-Policy': CSP },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await web?.close();
  await cspWeb?.close();
  await cspDist?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Opens `url`, uploads `bytes` as a File with sliceUploadFile (2 MiB parts) and returns what happened. */
async function uploadFrom(url, bytes) {
  const file = path.join(tmp, 'upload-' + Date.now() + '.bin');
  fs.writeFileSync(file, bytes);
  const page = await browser.newPage();
  const errors = [];
  const started = [];
  const violations = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) violations.push(m.text()); });
  page.on('request', (r) => { if (r.url().includes('/app-started')) started.push(new URL(r.url()).searchParams.get('in')); });
  await page.goto(url);
  await page.waitForFunction(() => window.appReady === true, null, { timeout: 30000 });
  await page.setInputFiles('#f', file);
  const key = 'loading/' + Date.now() + '.bin';
  const r = await page.evaluate(async ([opts, Bucket, Region, Key]) => {
    const cos = new window.COS(opts);
    const d = await cos.sliceUploadFile({ Bucket, Region, Key, Body: document.getElementById('f').files[0], ChunkSize: 2 * 1024 * 1024 });
    return { statusCode: d.statusCode, ETag: d.ETag };
  }, [localOptions(new URL(server.url).port), BUCKET, REGION, key]);
  const workers = [];
  for (const w of page.workers()) workers.push({ url: w.url(), stats: await w.evaluate(() => self.cosWasmStats || null) });
  await page.close();
  const [stored] = server.objects(BUCKET, key);
  return { r, stored, io: workers.find((w) => w.stats), workers, errors, started, violations };
}

test('bundled with Vite: the app runs once, a Blob-URL worker hashes and sends the parts, the object is intact', async () => {
  const dist = fs.readdirSync(path.join(tmp, 'dist', 'assets'));
  assert.equal(dist.filter((f) => f.endsWith('.js')).length, 1, 'the SDK is bundled into the app chunk: ' + dist);
  assert.equal(dist.filter((f) => f.endsWith('.wasm')).length, 1, 'Vite emitted the wasm as an asset: ' + dist);
  const bytes = patternBytes(9 * 1024 * 1024 + 17);
  const { r, stored, io, workers, errors, started } = await uploadFrom(web.url + '/', bytes);
  assert.equal(r.statusCode, 200);
  assert.equal(stored.size, bytes.length);
  assert.equal(stored.md5, crypto.createHash('md5').update(bytes).digest('hex'));
  assert.ok(io, 'an I/O worker ran: ' + JSON.stringify(workers));
  assert.ok(io.url.startsWith('blob:'), 'the worker runs its own source, not ' + io.url);
  assert.equal(io.stats.hashed, 5, 'the worker hashed every part');
  assert.equal(io.stats.sent, 5, 'the worker sent every part');
  assert.deepEqual(started, ['page'], 'the app ran once, in the page');
  assert.deepEqual(errors, []);
});

test('unbundled under a CSP without worker-src blob:, the worker starts from the package\'s web.js', async () => {
  const bytes = patternBytes(5 * 1024 * 1024 + 3);
  const { r, stored, io, workers, errors, violations } = await uploadFrom(cspWeb.url + '/', bytes);
  assert.equal(r.statusCode, 200);
  assert.equal(stored.md5, crypto.createHash('md5').update(bytes).digest('hex'));
  assert.ok(violations.some((v) => /blob:/.test(v)), 'the CSP refused the Blob-URL worker: ' + JSON.stringify(violations));
  assert.ok(io, 'an I/O worker ran: ' + JSON.stringify(workers));
  assert.match(io.url, /\/cos-wasm\/web\.js\?cos-wasm-io-worker/);
  assert.equal(io.stats.hashed, 3);
  assert.equal(io.stats.sent, 3);
  assert.deepEqual(errors, []);
});

test('bundled and under that CSP, no worker can start: the page hashes and sends the parts itself', async () => {
  const bytes = patternBytes(5 * 1024 * 1024 + 1);
  const { r, stored, io, errors, started } = await uploadFrom(cspDist.url + '/', bytes);
  assert.equal(r.statusCode, 200);
  assert.equal(stored.md5, crypto.createHash('md5').update(bytes).digest('hex'));
  assert.equal(io, undefined, 'no I/O worker ran');
  assert.deepEqual(started, ['page'], 'the app ran once, in the page');
  assert.deepEqual(errors, []);
});
