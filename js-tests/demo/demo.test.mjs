// The demo page end to end in headless Chromium: www-demo/serve.js's start() serves the page and the
// local COS server; a person's steps (pick files, pause, resume, cancel, reload and re-pick, a bad
// bucket) are driven through the page's own controls; what landed is checked on the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../lib/chromium.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { start } = require(path.join(ROOT, 'www-demo/serve.js'));
const ARTIFACTS = path.join(ROOT, 'js-tests/artifacts');
const BUCKET = 'examplebucket-1250000000';
const MiB = 1024 * 1024;

let demo, browser, page, tmp;
const files = {};
const pageErrors = [];

function makeFile(name, size) {
  const p = path.join(tmp, name);
  const buf = crypto.randomBytes(size);
  fs.writeFileSync(p, buf);
  files[name] = {
    path: p,
    size,
    md5: crypto.createHash('md5').update(buf).digest('hex'),
    sha256: crypto.createHash('sha256').update(buf).digest('hex'),
  };
}

const row = (key) => page.locator(`li.task[data-key="${key}"]`);
const stateOf = (key) => row(key).locator('.t-state').textContent();

async function waitState(key, label, timeout = 30000) {
  await page.waitForFunction(([k, l]) => {
    const el = document.querySelector(`li.task[data-key="${k}"] .t-state`);
    return el && el.textContent === l;
  }, [key, label], { timeout, polling: 50 });
}

/** Waits until the task's progress bar shows at least `pct` percent while it is still uploading. */
async function waitProgress(key, pct, timeout = 30000) {
  await page.waitForFunction(([k, p]) => {
    const el = document.querySelector(`li.task[data-key="${k}"] progress`);
    return el && el.value >= p;
  }, [key, pct], { timeout, polling: 20 });
}

/** The words of a failed row once the page has finished working out why it failed. */
async function failureText(key, timeout = 30000) {
  const sel = `li.task.s-error[data-key="${key}"] .t-error[aria-busy="false"] .t-error-text`;
  await page.waitForSelector(sel, { timeout });
  return page.locator(sel).textContent();
}

async function shot(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-demo-'));
  makeFile('big.bin', 40 * MiB);
  makeFile('notes.txt', 300 * 1024);
  makeFile('cancel-me.bin', 16 * MiB);
  makeFile('video.bin', 20 * MiB);
  makeFile('hello.txt', 2000);
  makeFile('tiny.txt', 100);
  // Two more buckets for the CORS diagnoses: one without any rule, one whose rule only allows reads.
  demo = await start({
    port: 0, cosPort: 0, cosServerOptions: {
      buckets: [
        { name: BUCKET, region: 'ap-guangzhou' },
        { name: 'nocors-1250000000', region: 'ap-guangzhou', cors: [] },
        { name: 'readcors-1250000000', region: 'ap-guangzhou', cors: [{ allowedOrigins: ['*'], allowedMethods: ['GET', 'HEAD'] }] },
      ],
    },
  });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e && e.stack || e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push('console: ' + m.text()); });
});

after(async () => {
  await browser?.close();
  await demo?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('serve.js serves the page, its config and the package', async () => {
  const cfg = await (await fetch(demo.url + 'config.json')).json();
  assert.equal(cfg.bucket, BUCKET);
  assert.equal(cfg.region, 'ap-guangzhou');
  assert.match(cfg.domain, /^\{Bucket\}\.cos\.\{Region\}\.localhost:\d+$/);
  assert.match(cfg.stsUrl, /\/sts$/);
  for (const p of ['', 'app.js', 'style.css', 'cos-wasm/web.js', 'cos-wasm/cos_wasm_bg.wasm']) {
    const r = await fetch(demo.url + p);
    assert.equal(r.status, 200, p);
  }
  assert.equal((await fetch(demo.url + 'cos-wasm/web.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await fetch(demo.url + 'cos-wasm/cos_wasm_bg.wasm')).headers.get('content-type'), 'application/wasm');
  for (const p of ['serve.js', '..%2fpackage.json', 'cos-wasm/..%2f..%2fCargo.toml', '..%2fCargo.toml', '%2e%2e/x']) {
    assert.equal((await fetch(demo.url + p)).status, 404, p);
  }
});

test('a person uploads, pauses, resumes, cancels, reloads and re-picks; every object is intact', async () => {
  await page.goto(demo.url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 20000 });
  assert.match(await page.locator('#target').textContent(), /examplebucket-1250000000.*ap-guangzhou.*local COS server.*temporary keys/);

  // Three files at once; the server is slowed so the large one can be caught mid-flight.
  await demo.cosServer.addFault({ op: 'UploadPart', delayMs: 150 });
  await page.setInputFiles('#file-input', [files['big.bin'].path, files['notes.txt'].path, files['cancel-me.bin'].path]);
  await page.waitForSelector('li.task[data-key="big.bin"]');
  assert.equal(await page.locator('li.task').count(), 3);

  // Cancel one multipart upload while its parts are in flight (the SDK must abort it on the server).
  await waitProgress('cancel-me.bin', 1);
  await row('cancel-me.bin').getByRole('button', { name: 'Cancel cancel-me.bin' }).click();
  await waitState('cancel-me.bin', 'Canceled');

  // Pause the large one once bytes flow; it stays put while paused.
  await waitProgress('big.bin', 1);
  await row('big.bin').getByRole('button', { name: 'Pause big.bin' }).click();
  await waitState('big.bin', 'Paused');
  await waitState('notes.txt', 'Done');
  const pausedAt = await row('big.bin').locator('progress').evaluate((el) => el.value);
  await page.waitForTimeout(600);
  assert.equal(await stateOf('big.bin'), 'Paused');
  assert.equal(await row('big.bin').locator('progress').evaluate((el) => el.value), pausedAt, 'a paused task does not move');
  assert.ok(pausedAt < 100);
  await shot('demo-paused.png');

  // Resume it from the toolbar.
  await page.getByRole('button', { name: 'Resume all' }).click();
  // Mid-upload, once the page has measured a speed and tells the time left.
  await page.waitForFunction(() => {
    const r = document.querySelector('li.task[data-key="big.bin"]');
    return /\/s · .* left$/.test(r.querySelector('.t-meta').textContent) || r.querySelector('.t-state').textContent === 'Done';
  }, null, { timeout: 30000, polling: 20 });
  await shot('demo-mid-upload.png');
  await waitState('big.bin', 'Done', 45000);
  assert.equal(await stateOf('cancel-me.bin'), 'Canceled');

  // A finished task links to its object through a pre-signed URL that downloads the same bytes.
  const link = row('notes.txt').getByRole('link', { name: 'Download notes.txt' });
  await link.waitFor();
  const href = await link.getAttribute('href');
  assert.match(href, /q-signature=/);
  const got = await page.evaluate(async (url) => {
    const r = await fetch(url);
    const buf = await r.arrayBuffer();
    const h = await crypto.subtle.digest('SHA-256', buf);
    return { status: r.status, size: buf.byteLength, sha256: [...new Uint8Array(h)].map((b) => b.toString(16).padStart(2, '0')).join('') };
  }, href);
  assert.deepEqual(got, { status: 200, size: files['notes.txt'].size, sha256: files['notes.txt'].sha256 });

  await shot('demo-finished.png');

  // Reload in the middle of an upload; the page offers to resume; re-picking the file continues it.
  await demo.cosServer.clearFaults();
  await demo.cosServer.addFault({ op: 'UploadPart', delayMs: 250 });
  await page.setInputFiles('#file-input', files['video.bin'].path);
  let open = [];
  for (let i = 0; i < 300 && !(open.length === 1 && open[0].parts.length >= 4); i++) {
    await new Promise((r) => setTimeout(r, 20));
    open = (await demo.cosServer.uploads(BUCKET)).filter((u) => u.key === 'video.bin');
  }
  assert.equal(open.length, 1, 'one multipart upload open for video.bin before the reload');
  const storedBefore = open[0].parts.length;
  assert.ok(storedBefore >= 4 && storedBefore < 20, `reloading mid-upload (${storedBefore} of 20 parts stored)`);
  const logMark = (await demo.cosServer.requestLog()).length;
  await page.reload();
  await page.waitForSelector('html[data-ready="true"]', { timeout: 20000 });
  await page.waitForSelector('#resume:not([hidden])');
  assert.match(await page.locator('#resume-list').textContent(), /video\.bin.*had reached \d+%/);
  await shot('demo-reload-offer.png');
  await demo.cosServer.clearFaults();
  await page.setInputFiles('#resume-input', files['video.bin'].path);
  await page.waitForSelector('#resume', { state: 'hidden' });
  // Marked as continued once the SDK has checked the parts on COS and counts them as done.
  await row('video.bin').locator('.tag.cont').waitFor({ state: 'visible', timeout: 15000 });
  assert.match(await row('video.bin').locator('.tag.cont').getAttribute('title'), /MiB already on COS matched the file and were not sent again/);
  await waitState('video.bin', 'Done', 30000);
  const after = await demo.cosServer.uploads(BUCKET);
  assert.equal(after.length, 0, 'no multipart upload left open: ' + JSON.stringify(after));

  // The resumed upload reused the UploadId and skipped the parts already on the server.
  const log = await demo.cosServer.requestLog();
  const videoParts = log.filter((r) => r.op === 'UploadPart' && r.url.startsWith('/video.bin?') && r.status === 200);
  const uploadIds = new Set(videoParts.map((r) => new URL(r.url, 'http://x').searchParams.get('uploadId')));
  assert.equal(uploadIds.size, 1, 'one UploadId for video.bin');
  const sentAfter = log.slice(logMark).filter((r) => r.op === 'UploadPart' && r.url.startsWith('/video.bin?') && r.status === 200).length;
  assert.ok(sentAfter <= 20 - storedBefore, `resumed, not restarted: ${sentAfter} parts sent after the reload, ${storedBefore} were on the server`);
  assert.equal(log.filter((r) => r.op === 'InitiateMultipartUpload' && r.url.startsWith('/video.bin?')).length, 1, 'one InitiateMultipartUpload for video.bin');

  await shot('demo-resumed.png');

  // Dropping files works too (a drop event carrying a File, as a drag from the desktop does).
  const dropped = crypto.randomBytes(3000);
  await page.evaluate((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'dropped.txt', { type: 'text/plain' }));
    const zone = document.getElementById('drop');
    for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [...dropped]);
  await waitState('dropped.txt', 'Done');
  files['dropped.txt'] = { size: dropped.length, md5: crypto.createHash('md5').update(dropped).digest('hex') };

  // Errors in words: permanent keys with a wrong SecretKey (the page warns about permanent keys),
  // then a bucket that does not exist (browsers only see a failed request there).
  await page.getByRole('button', { name: 'Change…' }).click();
  await page.getByLabel('SecretId and SecretKey').check();
  assert.match(await page.locator('#keys-warning').textContent(), /Permanent keys do not belong in a browser/);
  await page.getByLabel('SecretId', { exact: true }).fill('AKIDLOCALTESTKEY0000000000000000000');
  await page.getByLabel('SecretKey', { exact: true }).fill('not-the-secret-key');
  await page.getByRole('button', { name: 'Save settings' }).click();
  assert.match(await page.locator('#target').textContent(), /with permanent keys/);
  // Settings survive a reload (the SecretKey only in this tab's sessionStorage).
  await page.reload();
  await page.waitForSelector('html[data-ready="true"]', { timeout: 20000 });
  assert.match(await page.locator('#target').textContent(), /with permanent keys/);
  await page.getByRole('button', { name: 'Change…' }).click();
  assert.equal(await page.getByLabel('SecretKey', { exact: true }).inputValue(), 'not-the-secret-key');
  assert.equal(await page.locator('#keys-warning').isVisible(), true);
  assert.equal(await page.evaluate(() => /not-the-secret-key/.test(JSON.stringify(localStorage))), false, 'the SecretKey is not in localStorage');
  await shot('demo-settings.png');
  await page.setInputFiles('#file-input', files['notes.txt'].path);
  const sigErr = page.locator('li.task.s-error[data-key="notes.txt"]');
  await sigErr.waitFor({ timeout: 15000 });
  assert.match(await sigErr.locator('.t-error-text').textContent(), /refused the signature/);
  assert.match(await sigErr.locator('.t-error-detail').textContent(), /^SignatureDoesNotMatch · HTTP 403 · /);
  await page.waitForFunction(() => /notes\.txt failed: COS refused the signature/.test(document.getElementById('status').textContent));
  // Retrying with the same settings fails the same way, and still says why.
  const refused = async () => (await demo.cosServer.requestLog()).filter((r) => r.op === 'PutObject' && r.url.startsWith('/notes.txt') && r.status === 403).length;
  const refusedBefore = await refused();
  await sigErr.getByRole('button', { name: 'Retry notes.txt' }).click();
  for (let i = 0; i < 200 && (await refused()) === refusedBefore; i++) await new Promise((r) => setTimeout(r, 25));
  await waitState('notes.txt', 'Failed');
  assert.match(await sigErr.locator('.t-error-text').textContent(), /refused the signature/);

  await page.getByLabel('Temporary keys from a URL').check();
  await page.getByLabel('Bucket', { exact: true }).fill('nosuchbucket-1250000000');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.setInputFiles('#file-input', files['hello.txt'].path);
  const netErr = page.locator('li.task.s-error[data-key="hello.txt"]');
  await netErr.waitFor({ timeout: 15000 });
  assert.match(await failureText('hello.txt'), /^Bucket “nosuchbucket-1250000000” does not exist: /);

  await page.getByLabel('Bucket', { exact: true }).fill(BUCKET);
  await page.getByLabel('Temporary-key URL').fill(demo.url + 'no-such-sts');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.setInputFiles('#file-input', files['tiny.txt'].path);
  const stsErr = page.locator('li.task.s-error[data-key="tiny.txt"]');
  await stsErr.waitFor({ timeout: 15000 });
  assert.match(await stsErr.locator('.t-error-text').textContent(), /^Could not get temporary keys: http:\/\/127\.0\.0\.1:\d+\/no-such-sts answered HTTP 404\.$/);
  await page.locator('#settings summary').click();
  await shot('demo-error.png');

  // Fixing the settings and retrying makes them all go through (a retry after a settings change
  // runs with the new settings).
  await page.getByRole('button', { name: 'Change…' }).click();
  await page.getByRole('button', { name: 'Back to the demo defaults' }).click();
  assert.match(await page.locator('#target').textContent(), /examplebucket-1250000000.*temporary keys/);
  await row('tiny.txt').getByRole('button', { name: 'Retry tiny.txt' }).click();
  await waitState('tiny.txt', 'Done');
  assert.equal(await page.evaluate(() => document.activeElement.closest('li.task')?.dataset.key), 'tiny.txt', 'focus stays on the retried task');
  await page.getByRole('button', { name: 'Resume all' }).click();
  await waitState('notes.txt', 'Done');
  await waitState('hello.txt', 'Done');
  assert.deepEqual(await page.locator('li.task').evaluateAll((els) => els.map((e) => e.dataset.key)), ['notes.txt', 'hello.txt', 'tiny.txt'], 'retried tasks keep their place');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  assert.equal(await page.locator('li.task').count(), 0);

  // Every stored object has its source file's bytes; the canceled one is not there.
  const objects = await demo.cosServer.objects(BUCKET, '');
  const byKey = Object.fromEntries(objects.map((o) => [o.key, o]));
  for (const name of ['big.bin', 'notes.txt', 'video.bin', 'dropped.txt', 'hello.txt', 'tiny.txt']) {
    assert.ok(byKey[name], name + ' stored');
    assert.equal(byKey[name].size, files[name].size, name + ' size');
    assert.equal(byKey[name].md5, files[name].md5, name + ' MD5');
  }
  assert.equal(byKey['cancel-me.bin'], undefined, 'the canceled file is not stored');
  // The canceled task's abort is sent in the background: give it a moment.
  let open2 = [];
  for (let i = 0; i < 50; i++) {
    open2 = await demo.cosServer.uploads(BUCKET);
    if (!open2.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(open2, [], 'no multipart upload left open');
  // The browser logs the failed requests of the two error steps; nothing else may go wrong.
  const expected = (e) => /Failed to load resource/.test(e) || /nosuchbucket-1250000000.*blocked by CORS policy/.test(e);
  assert.equal(Object.keys(byKey).sort().join(), 'big.bin,dropped.txt,hello.txt,notes.txt,tiny.txt,video.bin', 'nothing else stored');
  assert.deepEqual(pageErrors.filter((e) => !expected(e)), [], 'no page errors');
});

// ------------------------------------------------------------------ the demo never dead-ends

/** Opens the settings, applies `fill` to the form and saves. */
async function saveSettings(fill) {
  if (!(await page.locator('#settings').evaluate((d) => d.open))) await page.getByRole('button', { name: 'Change…' }).click();
  await fill();
  await page.getByRole('button', { name: 'Save settings' }).click();
}

async function demoDefaults() {
  if (!(await page.locator('#settings').evaluate((d) => d.open))) await page.getByRole('button', { name: 'Change…' }).click();
  await page.getByRole('button', { name: 'Back to the demo defaults' }).click();
  await page.locator('#settings summary').click();
}

/** The local server goes down and comes back on the same port, with nothing in it. */
async function restartCos() {
  const port = demo.cosServer.port;
  await demo.cosServer.stop();
  demo.cosServer.opts.port = port;
  await demo.cosServer.start();
}

async function freePort() {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** Each test starts from the demo defaults, an empty list and nothing waiting from a reload. */
async function freshPage() {
  await page.goto(demo.url);
  await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
  await page.reload();
  await page.waitForSelector('html[data-ready="true"]', { timeout: 20000 });
}

const expectedConsole = (e) => /Failed to load resource/.test(e) || /blocked by CORS policy/.test(e);

test('a settings error is shown at its field, in view, and described to screen readers', async () => {
  await freshPage();
  await page.getByRole('button', { name: 'Change…' }).click();
  for (const [label, value, id] of [['Bucket', 'Not A Bucket', 's-bucket'], ['FileParallelLimit', '0', 's-fpl']]) {
    await page.getByLabel(label, { exact: true }).fill(value);
    // Save sits below the fold: clicking it scrolls there, far from the Bucket field.
    await page.getByRole('button', { name: 'Save settings' }).click();
    const err = page.locator('#' + id + '-error');
    await err.waitFor({ state: 'visible' });
    const facts = await page.evaluate((fid) => {
      const input = document.getElementById(fid);
      const msg = document.getElementById(fid + '-error');
      const a = input.getBoundingClientRect();
      const m = msg.getBoundingClientRect();
      return {
        adjacent: input.nextElementSibling === msg,
        gap: m.top - a.bottom,
        inView: a.top >= -1 && m.bottom <= innerHeight + 1,
        describedFirst: input.getAttribute('aria-describedby').split(' ')[0],
        invalid: input.getAttribute('aria-invalid'),
        focused: document.activeElement === input,
        formError: !document.getElementById('settings-error').hidden,
      };
    }, id);
    assert.deepEqual({ ...facts, gap: facts.gap < 24 }, {
      adjacent: true, gap: true, inView: true, describedFirst: id + '-error', invalid: 'true', focused: true, formError: false,
    }, label);
    if (id === 's-bucket') {
      assert.match(await err.textContent(), /full bucket name/);
      await shot('demo-settings-error.png');
      // Fixing the field takes its message away.
      await page.getByLabel('Bucket', { exact: true }).fill(BUCKET);
      assert.equal(await err.count(), 0);
      assert.equal(await page.locator('#s-bucket').getAttribute('aria-describedby'), 's-bucket-hint');
    }
  }
  await page.getByLabel('FileParallelLimit', { exact: true }).fill('3');
  await page.getByRole('button', { name: 'Save settings' }).click();
  assert.equal(await page.locator('.field-error').count(), 0);
  await demoDefaults();
});

test('a failure keeps its own message; failed rows can be removed and cleared', async () => {
  await freshPage();
  for (const name of ['bound.txt', 'later-ok.txt', 'other-failure.txt', 'gone-too.txt']) makeFile(name, 5000);
  // The temporary-key service fails for this one...
  await saveSettings(() => page.getByLabel('Temporary-key URL').fill(demo.url + 'no-such-sts'));
  await page.setInputFiles('#file-input', files['bound.txt'].path);
  const bound = await failureText('bound.txt');
  assert.match(bound, /^Could not get temporary keys: http:\/\/127\.0\.0\.1:\d+\/no-such-sts answered HTTP 404\.$/);
  // ...then keys come fine and another upload succeeds, then a different failure happens.
  await demoDefaults();
  await page.setInputFiles('#file-input', files['later-ok.txt'].path);
  await waitState('later-ok.txt', 'Done');
  await saveSettings(() => page.getByLabel('Bucket', { exact: true }).fill('otherbucket-1250000000'));
  await page.setInputFiles('#file-input', [files['other-failure.txt'].path, files['gone-too.txt'].path]);
  assert.match(await failureText('other-failure.txt'), /^Bucket “otherbucket-1250000000” does not exist/);
  await failureText('gone-too.txt');
  // Redraws (any progress, or the page's minute tick) do not rewrite the first failure's words.
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  assert.equal(await row('bound.txt').locator('.t-error-text').textContent(), bound);

  // A failed row has Remove (and no Cancel); it leaves the list and focus stays in the list.
  assert.equal(await row('bound.txt').getByRole('button', { name: 'Cancel bound.txt' }).isVisible(), false);
  await row('bound.txt').getByRole('button', { name: 'Remove bound.txt from the list' }).click();
  assert.equal(await row('bound.txt').count(), 0);
  assert.ok(await page.evaluate(() => !!document.activeElement.closest('li.task') || document.activeElement.id === 'drop'));
  // "Clear finished" leaves failed rows (they can still be retried); "Clear failed" takes them.
  await page.getByRole('button', { name: 'Clear finished' }).click();
  assert.equal(await row('later-ok.txt').count(), 0);
  assert.equal(await page.locator('li.task.s-error').count(), 2);
  await page.getByRole('button', { name: 'Clear failed' }).click();
  assert.equal(await page.locator('li.task').count(), 0);
  await page.waitForFunction(() => document.getElementById('clear-failed').disabled, null, { timeout: 5000 });
  await demoDefaults();
});

test('wrong bucket, wrong region, wrong port, missing CORS rule and a stopped server each get their own message', async () => {
  await freshPage();
  for (const name of ['wrong-bucket.txt', 'wrong-region.txt', 'wrong-port.txt', 'stopped.txt', 'first.txt', 'no-cors.txt', 'read-cors.txt']) makeFile(name, 4000);
  // The page has talked to this server before (it only calls a server "stopped" if it answered once).
  await page.setInputFiles('#file-input', files['first.txt'].path);
  await waitState('first.txt', 'Done');

  await saveSettings(() => page.getByLabel('Bucket', { exact: true }).fill('nosuchbucket-1250000000'));
  await page.setInputFiles('#file-input', files['wrong-bucket.txt'].path);
  assert.match(await failureText('wrong-bucket.txt'),
    /^Bucket “nosuchbucket-1250000000” does not exist: nosuchbucket-1250000000\.cos\.ap-guangzhou\.localhost:\d+ answers NoSuchBucket, and no other region has it\. Check the bucket's full name/);
  await demoDefaults();

  await saveSettings(() => page.getByLabel('Region', { exact: true }).fill('ap-shanghai'));
  await page.setInputFiles('#file-input', files['wrong-region.txt'].path);
  assert.equal(await failureText('wrong-region.txt'),
    'Bucket “examplebucket-1250000000” is in region ap-guangzhou, not ap-shanghai. Set Region to ap-guangzhou in Settings, then press Retry.');
  await demoDefaults();

  const port = await freePort();
  await saveSettings(() => page.getByLabel('Domain', { exact: true }).fill('{Bucket}.cos.{Region}.localhost:' + port));
  await page.setInputFiles('#file-input', files['wrong-port.txt'].path);
  const cosPort = demo.cosServer.port;
  assert.equal(await failureText('wrong-port.txt'),
    `Nothing answers at examplebucket-1250000000.cos.ap-guangzhou.localhost:${port}. Check Domain (host and port) and Protocol in Settings. The demo's local COS server listens on port ${cosPort} (“Back to the demo defaults” in Settings).`);
  await demoDefaults();

  // No CORS rule at all: the browser only learns that something answers there.
  await saveSettings(() => page.getByLabel('Bucket', { exact: true }).fill('nocors-1250000000'));
  await page.setInputFiles('#file-input', files['no-cors.txt'].path);
  assert.match(await failureText('no-cors.txt'),
    /^nocors-1250000000\.cos\.ap-guangzhou\.localhost:\d+ answers, but not to this page: either bucket “nocors-1250000000” does not exist in ap-guangzhou \(check its name and region\), or it has no CORS rule for http:\/\/127\.0\.0\.1:\d+/);
  // A rule that lets the page read but not send headers: the bucket is there, the rule is the problem.
  await saveSettings(() => page.getByLabel('Bucket', { exact: true }).fill('readcors-1250000000'));
  await page.setInputFiles('#file-input', files['read-cors.txt'].path);
  assert.match(await failureText('read-cors.txt'),
    /^Bucket “readcors-1250000000” exists, but its CORS rule does not let this page \(http:\/\/127\.0\.0\.1:\d+\) upload\. Add the rule described at the bottom of the page, then press Retry\.$/);
  await demoDefaults();

  await demo.cosServer.stop();
  try {
    await page.setInputFiles('#file-input', files['stopped.txt'].path);
    // The temporary keys come from the same server, so that is what fails first.
    assert.match(await failureText('stopped.txt'), /stopped answering \(it answered at [^)]+\)\. Check that it is running and that this computer is online, then press Retry\.$/);
    await shot('demo-diagnosed.png');
  } finally {
    demo.cosServer.opts.port = cosPort;
    await demo.cosServer.start();
  }
  // Each case named its own cause: no two rows say the same.
  const texts = await page.locator('li.task.s-error .t-error-text').allTextContents();
  assert.equal(new Set(texts).size, 6, texts.join('\n'));
  // Fixed: Retry goes through.
  await row('stopped.txt').getByRole('button', { name: 'Retry stopped.txt' }).click();
  await waitState('stopped.txt', 'Done');
  await page.getByRole('button', { name: 'Clear failed' }).click();
  await page.getByRole('button', { name: 'Clear finished' }).click();
});

test('after the server lost an upload, Retry starts a fresh one; "continued" only when parts were reused', async () => {
  await freshPage();
  makeFile('lost.bin', 12 * MiB);
  await demo.cosServer.addFault({ op: 'UploadPart', delayMs: 250 });
  try {
    await page.setInputFiles('#file-input', files['lost.bin'].path);
    let open = [];
    for (let i = 0; i < 500 && !(open.length === 1 && open[0].parts.length >= 3); i++) {
      await new Promise((r) => setTimeout(r, 20));
      open = (await demo.cosServer.uploads(BUCKET)).filter((u) => u.key === 'lost.bin');
    }
    assert.ok(open.length === 1 && open[0].parts.length >= 3, 'parts on the server before it loses them');
    await restartCos();
    assert.match(await failureText('lost.bin'), /no longer exists on COS .*Retry starts it again from the first part\./);
    assert.match(await row('lost.bin').locator('.t-error-detail').textContent(), /^NoSuchUpload · HTTP 404/);
  } finally {
    await demo.cosServer.clearFaults();
  }
  await row('lost.bin').getByRole('button', { name: 'Retry lost.bin' }).click();
  await waitState('lost.bin', 'Done', 45000);
  assert.equal(await row('lost.bin').locator('.tag.cont').isVisible(), false, 'nothing was reused, so not "continued"');
  const [obj] = await demo.cosServer.objects(BUCKET, 'lost.bin');
  assert.equal(obj.md5, files['lost.bin'].md5);
  const inits = (await demo.cosServer.requestLog()).filter((r) => r.op === 'InitiateMultipartUpload' && r.url.startsWith('/lost.bin?'));
  assert.equal(inits.length, 2, 'a second upload was started');
  await page.getByRole('button', { name: 'Clear finished' }).click();
});

test('speed is smoothed and the time left is shown per file and in total', async () => {
  await freshPage();
  makeFile('speed.bin', 40 * MiB);
  // Parts held back by the server arrive in bursts: the raw per-interval speed swings.
  await demo.cosServer.addFault({ op: 'UploadPart', delayMs: 350 });
  try {
    await page.setInputFiles('#file-input', files['speed.bin'].path);
    const seen = await page.evaluate(() => new Promise((resolve) => {
      const out = { rates: [], meta: [], total: [] };
      const giveUp = Date.now() + 60000;
      const tick = () => {
        const r = document.querySelector('li.task[data-key="speed.bin"]');
        if (r) {
          const rate = Number(r.querySelector('.t-meta').dataset.rate);
          if (rate > 0 && rate !== out.rates[out.rates.length - 1]) out.rates.push(rate);
          if (/ left$/.test(r.querySelector('.t-meta').textContent)) out.meta.push(r.querySelector('.t-meta').textContent);
          if (/ left/.test(document.getElementById('total-text').textContent)) out.total.push(document.getElementById('total-text').textContent);
          if (r.querySelector('.t-state').textContent === 'Done') return resolve(out);
        }
        if (Date.now() > giveUp) return resolve(out);
        setTimeout(tick, 50);
      };
      tick();
    }));
    assert.ok(seen.rates.length >= 3, 'several speed figures shown: ' + seen.rates.join());
    const jumps = seen.rates.slice(1).map((v, i) => Math.max(v / seen.rates[i], seen.rates[i] / v));
    assert.ok(Math.max(...jumps) < 2, 'consecutive speeds within 2×: ' + seen.rates.map((r) => (r / MiB).toFixed(1)).join(' → '));
    assert.match(seen.meta[0], /MiB of 40\.0 MiB · [\d.]+ MiB\/s · (\d+ s|\d+ min( \d+ s)?|under a second) left$/);
    assert.match(seen.total[0], /· [\d.]+ MiB\/s · (\d+ s|\d+ min( \d+ s)?|under a second) left/);
  } finally {
    await demo.cosServer.clearFaults();
  }
  assert.deepEqual(pageErrors.filter((e) => !expectedConsole(e)), [], 'no page errors');
});
