'use strict';
// Headless Chromium (Debian's, through playwright-core): a static origin serving pkg/, node_modules/
// and bench/page/, and helpers to run the in-page benchmarks.

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { ROOT, pkgDir } = require('./common');

async function startBrowser() {
  const { launchChromium } = await import(pathToFileURL(path.join(ROOT, 'js-tests/lib/chromium.mjs')).href);
  const { startStatic } = await import(pathToFileURL(path.join(ROOT, 'js-tests/lib/static-server.mjs')).href);
  const web = await startStatic({
    '/pkg/': pkgDir(),
    '/node_modules/': path.join(ROOT, 'node_modules'),
    '/page/': path.join(ROOT, 'bench/page'),
  });
  const browser = await launchChromium();
  return {
    web,
    browser,
    /** A fresh context (its own renderer) with `page` loaded and `window.ready` set. */
    async open(page, query = {}) {
      const context = await browser.newContext();
      const p = await context.newPage();
      const errors = [];
      p.on('pageerror', (e) => errors.push(String(e && e.stack || e)));
      await p.goto(web.url + '/page/' + page + '?' + new URLSearchParams(query));
      try {
        await p.waitForFunction(() => window.ready === true, null, { timeout: 60000 });
      } catch (e) {
        throw new Error('page ' + page + ' did not load: ' + errors.join('\n') + '\n' + e.message);
      }
      return { page: p, context, errors, close: () => context.close() };
    },
    async close() {
      await browser.close().catch(() => {});
      await web.close();
    },
  };
}

/** MD5 and CRC-64 in the page: {md5: {results, digests}, crc64: {...}}. */
async function browserHash(env, { mib, rounds }) {
  const { page, close } = await env.open('index.html');
  try {
    await page.evaluate((n) => window.prepareHash(n), mib);
    const out = {};
    for (const algo of ['md5', 'crc64']) {
      const r = await page.evaluate(({ a, n }) => window.runHash(a, n), { a: algo, n: rounds });
      if (new Set(Object.values(r.digests)).size !== 1) throw new Error('browser ' + algo + ' digests disagree: ' + JSON.stringify(r.digests));
      out[algo] = r.results;
    }
    return out;
  } finally {
    await close();
  }
}

/**
 * CPU time (user + system, ms) of the Chromium processes this process started (browser,
 * renderers, network service, GPU/utility), from /proc; undefined where there is no /proc.
 */
function browserCpuMs() {
  const procs = new Map(); // pid → {ppid, ms, chromium}
  try {
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = fs.readFileSync('/proc/' + d + '/stat', 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const chromium = /chrom/.test(fs.readFileSync('/proc/' + d + '/cmdline', 'utf8'));
        procs.set(Number(d), { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * 1000 / CLOCK_TICKS, chromium });
      } catch { /* the process ended meanwhile */ }
    }
  } catch {
    return undefined;
  }
  const ours = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = procs.get(p)?.ppid ?? 0, hops++) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, p] of procs) if (p.chromium && ours(pid)) total += p.ms;
  return total;
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * One sliceUploadFile of `file` (a path) in a fresh page that loads only `sdk` ('wasm' | 'official').
 * Main-thread busy time is the page's renderer main thread, from CDP Performance.getMetrics:
 * TaskDuration (all tasks the main thread ran: script, wasm, GC, parsing, layout, event dispatch)
 * and ScriptDuration, read just before and just after the upload.
 */
async function browserUpload(env, { sdk, port, file, part, concurrency, key }) {
  const { page, context, close, errors } = await env.open('upload.html', { sdk, port, part, concurrency });
  try {
    // A disk-backed File from an <input type=file>, as a user's upload is (and Chromium keeps Blobs
    // built in memory only up to ~128 MiB here: larger ones fail to read back).
    await page.setInputFiles('#file', file);
    if (await page.evaluate(() => window.useFileInput()) <= 0) throw new Error('the page got no file');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const m0 = await metrics();
    const cpu0 = browserCpuMs(env.browser);
    const r = await page.evaluate((k) => window.upload(k), key);
    const cpu1 = browserCpuMs(env.browser);
    const m1 = await metrics();
    if (errors.length) throw new Error('page errors: ' + errors.join('\n'));
    return {
      ...r,
      busyMs: (m1.TaskDuration - m0.TaskDuration) * 1000,
      scriptMs: (m1.ScriptDuration - m0.ScriptDuration) * 1000,
      gcHeapMax: m1.JSHeapTotalSize,
      browserCpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
    };
  } finally {
    await close();
  }
}

module.exports = { startBrowser, browserHash, browserUpload };
