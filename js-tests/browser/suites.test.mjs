// Runs the shared suites in headless Chromium against the packed npm package (npm pack of pkg/),
// served from one origin and talking to virtual-host bucket URLs on another (real CORS).
import { test, before, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startServer, BUCKET, REGION, SECRET_ID, SECRET_KEY } from '../lib/node-env.mjs';
import { startStatic } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';
import { tests as simple } from '../suites/simple.mjs';
import { tests as advanced } from '../suites/advanced.mjs';
import { tests as options } from '../suites/options.mjs';
import { tests as streams } from '../suites/streams.mjs';
import { tests as signal } from '../suites/signal.mjs';

let server, web, browser, page, tmp;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-browser-'));
  const tgz = execFileSync('npm', ['pack', path.join(ROOT, 'pkg'), '--pack-destination', tmp, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp]);
  server = await startServer();
  web = await startStatic({
    '/cos-wasm/': path.join(tmp, 'package'),
    '/suites/': path.join(ROOT, 'js-tests/suites'),
    '/node_modules/': path.join(ROOT, 'node_modules'),
    '/': path.join(ROOT, 'js-tests/browser'),
  });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  const q = new URLSearchParams({ server: server.url, bucket: BUCKET, region: REGION, sid: SECRET_ID, skey: SECRET_KEY });
  await page.goto(web.url + '/page.html?' + q);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  await web?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

for (const t of [...simple, ...advanced, ...options, ...streams, ...signal]) {
  test('chromium: ' + t.name, async () => {
    const r = await page.evaluate((name) => window.runTest(name), t.name);
    if (!r.ok) throw new Error(r.message);
  });
}

test('chromium: parts are hashed and sent by a worker running the same wasm, off the main thread', async () => {
  const stats = [];
  for (const w of page.workers()) stats.push({ url: w.url(), stats: await w.evaluate(() => self.cosWasmStats || null) });
  const io = stats.find((s) => s.stats);
  if (!io) throw new Error('no I/O worker; workers: ' + JSON.stringify(stats));
  // Started from its own source (a Blob URL), never from a file a bundler may have merged into the app.
  if (!io.url.startsWith('blob:')) throw new Error('the I/O worker runs ' + io.url);
  if (!io.stats.ready || io.stats.hashed === 0 || io.stats.sent === 0) throw new Error('the I/O worker did not do the work: ' + JSON.stringify(io.stats));
  // Its CRC-64s are checked against the server's for every part by the upload tests above.
});
