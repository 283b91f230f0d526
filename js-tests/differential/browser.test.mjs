// Differential suite in headless Chromium: every row of cases.mjs through the official cos-js-sdk-v5
// dist and through cos-wasm (pkg/web.js) in one page, each against a local COS server of its own
// (real CORS: the page is on 127.0.0.1, buckets on *.localhost); compared in Node.
import { test, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, BUCKET, REGION, SECRET_ID, SECRET_KEY, startServer } from '../lib/node-env.mjs';
import { startStatic } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';
import { rows, knownOn } from './cases.mjs';
import { checkRow } from './normalise.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const noBrowser = fs.existsSync(CHROMIUM) ? false : 'no Chromium at ' + CHROMIUM;

const servers = {};
let web;
let browser;
let page;
let list = rows().map((r) => ({ name: r.name, skip: noBrowser }));

/** pkg/ may be briefly missing while another build replaces it. */
async function waitForPkg() {
  for (let i = 0; i < 60 && !fs.existsSync(path.join(ROOT, 'pkg', 'web.js')); i++) await new Promise((r) => setTimeout(r, 1000));
}

if (!noBrowser) {
  await waitForPkg();
  [servers.official, servers.wasm] = await Promise.all([startServer({ quiet: true }), startServer({ quiet: true })]);
  web = await startStatic({ '/pkg/': path.join(ROOT, 'pkg'), '/node_modules/': path.join(ROOT, 'node_modules'), '/js-tests/': path.join(ROOT, 'js-tests') });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  const q = new URLSearchParams({ officialPort: servers.official.port, wasmPort: servers.wasm.port, bucket: BUCKET, region: REGION, sid: SECRET_ID, skey: SECRET_KEY });
  // A rebuild of pkg/ may remove web.js for a moment: load the page again then.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(web.url + '/js-tests/differential/page.html?' + q);
      await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
      break;
    } catch (e) {
      if (attempt >= 4) throw e;
      await waitForPkg();
    }
  }
  list = await page.evaluate(() => window.rowList);
}

after(async () => {
  await browser?.close();
  await web?.close();
  await Promise.all(Object.values(servers).map((s) => s.stop()));
});

const byName = new Map(rows().map((r) => [r.name, r]));
for (const { name, skip } of list) {
  const row = byName.get(name);
  test('chromium: ' + name, { skip: skip || false, todo: knownOn(row, 'browser') }, async (t) => {
    const r = await page.evaluate((n) => window.runRow(n), name);
    if (r.failed) throw new Error(r.failed);
    checkRow(t, row, r.official, r.wasm, { official: servers.official.port, wasm: servers.wasm.port }, 'browser');
  });
}
