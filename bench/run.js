#!/usr/bin/env node
'use strict';
// cos-wasm benchmarks: every figure is a ratio against a peer measured in the same run, medians over
// rounds with min–max, candidates interleaved round by round. See bench/README.md for the method.
//
//   node bench/run.js            the default run (~5 min on 2 cores, 4 GiB upload included); writes bench/RESULTS.md
//   node bench/run.js --full     the same (accepted for compatibility: the 4 GiB run is fast enough to be default)
//   node bench/run.js --smoke    tiny sizes, one round each (a few seconds; the tests run this)
//   --only=hash,browser-hash,sign,size,upload,browser-upload,queue,memory,scale   a subset
//   --rounds=N                   rounds per comparison (default 5, at least 5 for published figures)
//   --out=FILE                   where to write the markdown (default bench/RESULTS.md; smoke: bench/out/)

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const C = require('./lib/common');
const { ROWS } = require('./lib/rows');
const { measureSizes, PART_ROWS, FLAVOURS, breakdown, partCells } = require('./lib/size');
const { explain } = require('./lib/explain');

const { MiB, stats, pairedRatio, fmtStats, fmtRatio, fmtNum, verdict, runNodeChild, interleave } = C;
const args = C.parseArgs(process.argv.slice(2));
const smoke = !!args.smoke;
const full = !!args.full;
const only = args.only ? new Set(String(args.only).split(',')) : null;
const want = (s) => !only || only.has(s);

const cfg = smoke ? {
  rounds: 1, hashMiB: 8, browserHashMiB: 8, signCount: 2000,
  uploadMiB: 12, browserUploadMiB: 6, part: MiB, concurrency: 4,
  queueCount: 30, queueSize: 4096, queueParallel: 3, queueRounds: 1,
  memMiB: 16, memPart: MiB, memConcurrency: 4, bigMemMiB: null,
  scaleCounts: [100, 200, 400], scaleSize: 1024,
} : {
  rounds: Number(args.rounds || 5), hashMiB: 256, browserHashMiB: 256, signCount: 50000,
  uploadMiB: 512, browserUploadMiB: 256, part: 8 * MiB, concurrency: 4,
  queueCount: 1000, queueSize: 4096, queueParallel: 3, queueRounds: Math.max(9, Number(args.rounds || 5)),
  memMiB: 1024, memPart: 8 * MiB, memConcurrency: 4, bigMemMiB: 4096,
  scaleCounts: [10000, 50000, 100000], scaleSize: 1024,
};
const outFile = args.out ? path.resolve(String(args.out)) : smoke
  ? path.join(C.ROOT, 'bench/out/RESULTS.smoke.md') : path.join(C.ROOT, 'bench/RESULTS.md');

const rows = new Map(); // id → row
const errors = [];
const details = [];
const log = (...a) => console.error('[bench]', ...a);

function row(id, r) {
  rows.set(id, { id, ...r });
}

/** A row comparing "ours" with "peer" (both lists of per-round values, paired by round). */
function ratioRow(id, { ours, peer, peerName, unit, op, target, digits, targetText }) {
  const ratio = pairedRatio(ours, peer);
  row(id, {
    ours: fmtStats(stats(ours), unit, digits),
    peerName,
    peer: fmtStats(stats(peer), unit, digits),
    ratio: fmtRatio(ratio),
    ratioMedian: ratio.median,
    target: target === undefined ? (targetText || 'report') : (op === '>=' ? '≥ ' : '≤ ') + target.toFixed(1) + '×',
    result: target === undefined ? '—' : verdict(ratio, op, target),
  });
}

function failRows(ids, e) {
  const msg = String(e && e.message || e).split('\n')[0].slice(0, 160);
  errors.push(e);
  for (const id of ids) row(id, { ours: 'error: ' + msg, peerName: '', peer: '', ratio: '', target: '', result: 'ERROR' });
}

async function section(name, ids, fn) {
  if (!want(name)) {
    for (const id of ids) if (!rows.has(id)) row(id, { ours: 'not run (--only)', peerName: '', peer: '', ratio: '', target: '', result: '—' });
    return;
  }
  const t0 = Date.now();
  log(name + '…');
  try {
    await fn();
  } catch (e) {
    console.error(e);
    failRows(ids.filter((id) => !rows.has(id)), e);
  }
  log(name + ' done in ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s');
}

let server = null;
async function getServer() {
  if (!server) {
    const { startServerProcess } = require('./lib/server');
    server = await startServerProcess();
    log('local COS server on port ' + server.port + ' (pid ' + server.pid + ')');
  }
  return server;
}

let browserEnv = null;
async function getBrowser() {
  if (!browserEnv) {
    const { startBrowser } = require('./lib/browser');
    browserEnv = await startBrowser();
  }
  return browserEnv;
}

const tmp = C.mkTempDir('cos-bench-');
const files = new Map();
function tempFile(mib) {
  if (!files.has(mib)) files.set(mib, C.makeTempFile(tmp, 'data-' + mib + 'MiB.bin', mib * MiB));
  return files.get(mib);
}
function dropTempFile(mib) {
  const p = files.get(mib);
  if (p) { fs.rmSync(p, { force: true }); files.delete(mib); }
}

const child = (name) => path.join(__dirname, 'child', name);

async function hashRows(where, res) {
  const u = 'MiB/s';
  const md5 = res.md5;
  const w = where.toLowerCase();
  ratioRow('md5-' + w + '-hashwasm', { ours: md5['cos-wasm'], peer: md5['hash-wasm'], peerName: 'hash-wasm 4.13 createMD5', unit: u, op: '>=', target: 1.0 });
  ratioRow('md5-' + w + '-spark', { ours: md5['cos-wasm'], peer: md5['spark-md5'], peerName: 'spark-md5 3.0.2', unit: u, op: '>=', target: where === 'Node' ? 1.8 : undefined });
  ratioRow('md5-' + w + '-jsmd5', { ours: md5['cos-wasm'], peer: md5['js-md5 (cos-js-sdk-v5)'], peerName: 'js-md5 (cos-js-sdk-v5 1.10.1 lib/md5.js, binary strings)', unit: u });
  if (md5['node:crypto']) ratioRow('md5-node-crypto', { ours: md5['cos-wasm'], peer: md5['node:crypto'], peerName: 'node:crypto (OpenSSL)', unit: u, targetText: 'report (ratio to native)' });
  const crc = res.crc64;
  ratioRow('crc64-' + w + '-hashwasm', { ours: crc['cos-wasm'], peer: crc['hash-wasm'], peerName: 'hash-wasm 4.13 createCRC64', unit: u, op: '>=', target: where === 'Node' ? 1.0 : undefined });
  if (crc['crc64-ecma182.js']) ratioRow('crc64-node-ecma182', { ours: crc['cos-wasm'], peer: crc['crc64-ecma182.js'], peerName: 'crc64-ecma182.js 2.0.2 (emscripten; used by cos-nodejs-sdk-v5)', unit: u });
  details.push({ what: 'hash throughput, ' + where + ' (MiB/s per round)', data: res });
}

/**
 * A copy of the package under test for the whole run, so a rebuild of pkg/ by someone else mid-run
 * cannot mix two builds in one comparison. Returns a short description (hash of the wasm, build time).
 */
function snapshotPackage() {
  const src = C.pkgDir();
  const wasm = path.join(src, 'cos_wasm_bg.wasm');
  const listing = () => {
    const out = [];
    (function walk(d) {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(p + ':' + fs.statSync(p).mtimeMs + ':' + fs.statSync(p).size);
      }
    })(src);
    return out.sort().join('\n');
  };
  const newest = () => Math.max(...listing().split('\n').map((l) => Number(l.split(':').slice(-2)[0])));
  // pkg/ may be being rebuilt by someone else: wait until it has been quiet for a while (at most 3 min).
  const deadline = Date.now() + 180000;
  for (;;) {
    let ready = false;
    try { ready = fs.existsSync(wasm) && Date.now() - newest() > (smoke ? 2000 : 15000); } catch { ready = false; }
    if (ready) {
      const before = listing();
      const dst = path.join(tmp, 'pkg');
      fs.rmSync(dst, { recursive: true, force: true });
      fs.cpSync(src, dst, { recursive: true });
      if (listing() === before) {
        process.env.COS_WASM_PKG = dst;
        const sha = require('node:crypto').createHash('sha256').update(fs.readFileSync(path.join(dst, 'cos_wasm_bg.wasm'))).digest('hex').slice(0, 12);
        return path.relative(C.ROOT, src) + ' (wasm sha256 ' + sha + ', built ' + fs.statSync(wasm).mtime.toISOString().slice(0, 16).replace('T', ' ') + ' UTC)';
      }
    }
    if (Date.now() > deadline) throw new Error(src + ' is missing or keeps changing: run ./x build');
    log('waiting for ' + src + ' to settle (being rebuilt?)');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
  }
}
let pkgInfo = '';

async function main() {
  const started = Date.now();
  pkgInfo = snapshotPackage();
  log((smoke ? 'smoke run' : 'run') + ', ' + cfg.rounds + ' round(s) per comparison; scratch in ' + tmp);

  await section('hash', ['md5-node-hashwasm', 'md5-node-spark', 'md5-node-jsmd5', 'md5-node-crypto', 'crc64-node-hashwasm', 'crc64-node-ecma182'], async () => {
    const res = await runNodeChild(child('hash-node.js'), ['--mib=' + cfg.hashMiB, '--rounds=' + cfg.rounds]);
    await hashRows('Node', res);
  });

  await section('browser-hash', ['md5-chromium-hashwasm', 'md5-chromium-spark', 'md5-chromium-jsmd5', 'crc64-chromium-hashwasm'], async () => {
    const { browserHash } = require('./lib/browser');
    const res = await browserHash(await getBrowser(), { mib: cfg.browserHashMiB, rounds: cfg.rounds });
    await hashRows('Chromium', res);
  });

  await section('sign', ['sign-js', 'sign-node'], async () => {
    const res = await runNodeChild(child('sign-node.js'), ['--count=' + cfg.signCount, '--rounds=' + cfg.rounds]);
    ratioRow('sign-js', { ours: res['cos-wasm'], peer: res['cos-js-sdk-v5'], peerName: 'cos-js-sdk-v5 1.10.1 (byte-identical output)', unit: '/s', op: '>=', target: 2.0 });
    ratioRow('sign-node', { ours: res['cos-wasm'], peer: res['cos-nodejs-sdk-v5'], peerName: 'cos-nodejs-sdk-v5 3.0.0 (node:crypto HMAC)', unit: '/s', op: '>=', target: 2.0 });
    details.push({ what: 'signatures per second (per round)', data: res });
  });

  await section('size', ['size-browser-gzip', 'size-browser-brotli', 'size-miniprogram-gzip', 'size-miniprogram-brotli', 'size-miniprogram-raw', ...PART_ROWS.map((r) => r.id)], async () => {
    const kib = (n) => fmtNum(n / 1024, 1) + ' KiB';
    for (const s of measureSizes()) {
      const id = 'size-' + (s.name === 'browser' ? 'browser' : 'miniprogram');
      for (const kind of s.name === 'browser' ? ['gzip', 'brotli'] : ['gzip', 'brotli', 'raw']) {
        if (!s.ours) {
          row(id + '-' + kind, { ours: 'pkg/miniprogram/ not built yet', peerName: s.peerName + ' (dist/*.min.js)', peer: kib(s.peer[kind]), ratio: '', target: '≤ 1.0×', result: 'n/a' });
          continue;
        }
        const r = s.ours[kind] / s.peer[kind];
        const isRaw = kind === 'raw';
        row(id + '-' + kind, {
          ours: kib(s.ours[kind]) + (isRaw ? '' : ' (raw ' + kib(s.ours.raw) + ')'),
          peerName: s.peerName + ' (dist/*.min.js)',
          peer: kib(s.peer[kind]) + (isRaw ? '' : ' (raw ' + kib(s.peer.raw) + ')'),
          ratio: fmtNum(r, 2) + '×', ratioMedian: r, target: isRaw ? 'report' : '≤ 1.0×', result: isRaw ? '—' : r <= 1.0 ? 'met' : 'MISSED',
        });
      }
      details.push({ what: 'size, ' + s.name, data: { ours: s.ours, peer: s.peer } });
    }
    // By part, from a build that keeps function names (smoke runs only reuse one whose code is the
    // shipped code: the build takes a minute when src/ changed). When src/ does not build (someone
    // mid-edit), a names build left by an earlier run still serves if it is the shipped code.
    for (const [id, name] of FLAVOURS) {
      let b;
      let err = null;
      try {
        b = await breakdown(name, smoke ? 'cached' : 'build');
      } catch (e) {
        log('size by part, ' + name + ': ' + String(e.message).split('\n')[0]);
        b = await breakdown(name, 'cached');
        if (b && !b.parts.core) {
          err = e;
          errors.push(e);
        }
      }
      for (const [rid, r] of Object.entries(partCells(id, b, err))) row(rid, r);
      if (b) {
        const { parts, whole, modules, largest } = b;
        details.push({ what: 'size by part, ' + name + ' (' + b.source + '; bytes; gzip/brotli of each part compressed alone; whole = the shipped wasm and JS compressed as they are)', data: { parts, whole, modules, largest } });
      }
    }
  });

  await section('upload', ['upload-node-wall', 'upload-node-cpu', 'upload-node-rss', 'upload-node-ceiling'], async () => {
    const srv = await getServer();
    const file = tempFile(cfg.uploadMiB);
    const { rawDelete } = require('./lib/raw-client');
    const etags = {};
    const res = await interleave(cfg.rounds, { wasm: 'wasm', official: 'official', raw: 'raw' }, async (client, _, r) => {
      const key = 'bench/upload-node/' + client + '-' + r + '.bin';
      const out = await runNodeChild(child('upload-node.js'), [
        '--client=' + client, '--port=' + srv.port, '--file=' + file, '--key=' + key,
        '--part=' + cfg.part, '--concurrency=' + cfg.concurrency, '--tmp=' + tmp,
      ]);
      etags[client] = out.etag;
      await rawDelete({ port: srv.port, key });
      return out;
    });
    const pick = (c, k) => res[c].map((x) => x[k]);
    const mibs = (c) => res[c].map((x) => cfg.uploadMiB / (x.wallMs / 1000));
    const p = 'cos-nodejs-sdk-v5 3.0.0';
    ratioRow('upload-node-wall', { ours: pick('wasm', 'wallMs').map((x) => x / 1000), peer: pick('official', 'wallMs').map((x) => x / 1000), peerName: p, unit: 's', op: '<=', target: 0.9, digits: 2 });
    ratioRow('upload-node-cpu', { ours: pick('wasm', 'cpuMs').map((x) => x / 1000), peer: pick('official', 'cpuMs').map((x) => x / 1000), peerName: p, unit: 's', op: '<=', target: 0.8, digits: 2 });
    ratioRow('upload-node-rss', { ours: pick('wasm', 'peakRss').map((x) => x / MiB), peer: pick('official', 'peakRss').map((x) => x / MiB), peerName: p, unit: 'MiB', op: '<=', target: 1.0, digits: 1 });
    ratioRow('upload-node-ceiling', { ours: pick('wasm', 'wallMs').map((x) => x / 1000), peer: pick('raw', 'wallMs').map((x) => x / 1000), peerName: 'raw node:http PUTs, no SDK', unit: 's', digits: 2, targetText: 'report (our wall / ceiling wall)' });
    details.push({ what: 'sliceUploadFile Node, ' + cfg.uploadMiB + ' MiB (per round; MiB/s: wasm ' + mibs('wasm').map((x) => x.toFixed(0)).join(', ') + '; official ' + mibs('official').map((x) => x.toFixed(0)).join(', ') + '; raw ' + mibs('raw').map((x) => x.toFixed(0)).join(', ') + ')', data: res });
    if (new Set(Object.values(etags)).size !== 1) details.push({ what: 'note: multipart ETags differ between clients', data: etags });
    dropTempFile(cfg.uploadMiB);
  });

  await section('browser-upload', ['upload-chromium-wall', 'upload-chromium-busy', 'upload-chromium-cpu', 'upload-chromium-ceiling', 'upload-chromium-official-ceiling'], async () => {
    const srv = await getServer();
    const env = await getBrowser();
    const { browserUpload } = require('./lib/browser');
    const { rawDelete } = require('./lib/raw-client');
    const file = tempFile(cfg.browserUploadMiB);
    const res = await interleave(cfg.rounds, { wasm: 'wasm', official: 'official', raw: 'raw' }, async (sdk, _, r) => {
      const key = 'bench/upload-browser/' + sdk + '-' + r + '.bin';
      const out = await browserUpload(env, { sdk, port: srv.port, file, part: cfg.part, concurrency: cfg.concurrency, key });
      await rawDelete({ port: srv.port, key });
      return out;
    });
    const pick = (c, k) => res[c].map((x) => x[k]);
    const p = 'cos-js-sdk-v5 1.10.1 (dist min.js)';
    ratioRow('upload-chromium-wall', { ours: pick('wasm', 'wallMs').map((x) => x / 1000), peer: pick('official', 'wallMs').map((x) => x / 1000), peerName: p, unit: 's', op: '<=', target: 0.9, digits: 2 });
    ratioRow('upload-chromium-busy', { ours: pick('wasm', 'busyMs'), peer: pick('official', 'busyMs'), peerName: p, unit: 'ms', op: '<=', target: 0.8, digits: 0 });
    if (res.wasm[0].browserCpuMs !== undefined) {
      ratioRow('upload-chromium-cpu', { ours: pick('wasm', 'browserCpuMs').map((x) => x / 1000), peer: pick('official', 'browserCpuMs').map((x) => x / 1000), peerName: p, unit: 's', digits: 2, targetText: 'report (user + system, /proc)' });
    }
    const raw = 'raw XHR PUTs of the same File slices, no SDK (bench/page/raw-cos.mjs)';
    ratioRow('upload-chromium-ceiling', { ours: pick('wasm', 'wallMs').map((x) => x / 1000), peer: pick('raw', 'wallMs').map((x) => x / 1000), peerName: raw, unit: 's', digits: 2, targetText: 'report (our wall / ceiling wall)' });
    ratioRow('upload-chromium-official-ceiling', { ours: pick('official', 'wallMs').map((x) => x / 1000), peer: pick('raw', 'wallMs').map((x) => x / 1000), peerName: raw, unit: 's', digits: 2, targetText: 'report (cos-js-sdk-v5 wall / ceiling wall)' });
    details.push({ what: 'sliceUploadFile Chromium, ' + cfg.browserUploadMiB + ' MiB (per round)', data: res });
    dropTempFile(cfg.browserUploadMiB);
  });

  await section('queue', ['queue-node', 'queue-node-ceiling'], async () => {
    const srv = await getServer();
    // Rounds here are ~1 s each and noisy: take more of them.
    const res = await interleave(cfg.queueRounds, { wasm: 'wasm', official: 'official', raw: 'raw' }, (client, _, r) => runNodeChild(child('queue-node.js'), [
      '--client=' + client, '--port=' + srv.port, '--count=' + cfg.queueCount, '--size=' + cfg.queueSize,
      '--parallel=' + cfg.queueParallel, '--prefix=bench/queue/' + client + '-' + r + '/',
    ]));
    const pick = (c) => res[c].map((x) => x.objectsPerSec);
    ratioRow('queue-node', { ours: pick('wasm'), peer: pick('official'), peerName: 'cos-nodejs-sdk-v5 3.0.0', unit: '/s', op: '>=', target: 1.2, digits: 0 });
    ratioRow('queue-node-ceiling', { ours: pick('wasm'), peer: pick('raw'), peerName: 'raw node:http PUTs, same ' + cfg.queueParallel + ' in flight', unit: '/s', digits: 0 });
    details.push({ what: 'putObject ×' + cfg.queueCount + ' (' + cfg.queueSize + ' B each) through the queue, ' + cfg.queueParallel + ' in flight (per round)', data: res });
  });

  await section('memory', ['memory-1gib', 'memory-4gib'], async () => {
    const srv = await getServer();
    const { rawDelete } = require('./lib/raw-client');
    const sizes = [['memory-1gib', cfg.memMiB], ['memory-4gib', cfg.bigMemMiB]];
    for (const [id, mib] of sizes) {
      if (!mib) {
        row(id, { ours: 'skipped (smoke run)', peerName: '', peer: '', ratio: '', target: '≤ 96 MiB', result: '—' });
        continue;
      }
      const file = tempFile(mib);
      const out = {};
      for (const client of ['wasm', 'official']) {
        const key = 'bench/memory/' + client + '-' + mib + '.bin';
        out[client] = await runNodeChild(child('upload-node.js'), [
          '--client=' + client, '--port=' + srv.port, '--file=' + file, '--key=' + key,
          '--part=' + cfg.memPart, '--concurrency=' + cfg.memConcurrency, '--tmp=' + tmp,
        ]);
        await rawDelete({ port: srv.port, key });
      }
      dropTempFile(mib);
      const g = out.wasm.growth;
      const ok = g !== null && g <= 96 * MiB;
      row(id, {
        ours: fmtNum(g / MiB, 1) + ' MiB (peak ' + fmtNum(out.wasm.peakRss / MiB, 1) + ' MiB, ' + fmtNum(mib / (out.wasm.wallMs / 1000), 0) + ' MiB/s)',
        peerName: 'cos-nodejs-sdk-v5 3.0.0, for reference',
        peer: fmtNum(out.official.growth / MiB, 1) + ' MiB (peak ' + fmtNum(out.official.peakRss / MiB, 1) + ' MiB)',
        ratio: '', target: '≤ 96 MiB' + (smoke ? ' (' + mib + ' MiB in smoke)' : ''), result: ok ? 'met' : 'MISSED',
      });
      details.push({ what: 'memory bound, ' + mib + ' MiB file, ' + cfg.memPart / MiB + ' MiB parts, ' + cfg.memConcurrency + ' in flight', data: out });
    }
  });

  await section('scale', ['scale-10k-memory', 'scale-10k-cpu', 'scale-50k-memory', 'scale-100k-memory', 'scale-cpu-flat', 'scale-10k-v8-defaults'], async () => {
    const srv = await getServer();
    const [small, mid, large] = cfg.scaleCounts;
    // V8's young generation fixed at its default largest size (16 MiB semi-spaces) in every child: how
    // far V8 grows it is a fixed cost of a busy process, not of a queued file, and where it falls
    // depended on the size (building 50,000 entries grew it before the baseline, 10,000 did not).
    // The row with V8's defaults (and a short warm-up) shows those costs, beside node:http alone.
    const YOUNG = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
    const run = (client, count, v8Args = YOUNG, warm = smoke ? 20 : 500) => runNodeChild(child('scale-node.js'), [
      '--client=' + client, '--port=' + srv.port, '--count=' + count, '--size=' + cfg.scaleSize,
      '--prefix=bench/scale/' + client + '-' + count + '/', '--warm=' + warm,
    ], { nodeArgs: ['--expose-gc', ...v8Args] });
    // One process per client per size; the official SDK and node:http alone only at the smallest size
    // (at 10,000 files the official SDK takes ~3× our wall, and the section must stay within minutes).
    const res = await interleave(1, { wasm: 'wasm', official: 'official', raw: 'raw' }, (client) => run(client, small));
    const wasmAt = { [small]: res.wasm[0] };
    for (const n of [mid, large]) wasmAt[n] = await run('wasm', n);
    // Everything counted, as the first runs of this section did: V8's defaults and a 20-file warm-up.
    const defaults = await interleave(1, { wasm: 'wasm', raw: 'raw' }, (client) => run(client, small, [], 20));
    const KB = 1000;
    const perFile = (r, k) => r[k] / r.count;
    const kb = (x) => fmtNum(x / KB, 2) + ' KB';
    const parts = (r) => ' (wasm ' + kb(perFile(r, 'wasmGrowth')) + ', JS heap peak ' + kb(perFile(r, 'heapPeak')) + ', of which results ' + kb(perFile(r, 'resultsHeap')) + ')';
    const tag = smoke ? ' (' + small + '/' + mid + '/' + large + ' files in smoke)' : '';
    const official = res.official[0];
    const raw = res.raw[0];
    const memRatio = perFile(wasmAt[small], 'growth') / perFile(official, 'growth');
    const memOk = perFile(wasmAt[small], 'growth') <= 2 * KB && memRatio <= 1.0;
    row('scale-10k-memory', {
      ours: kb(perFile(wasmAt[small], 'growth')) + parts(wasmAt[small]),
      peerName: 'cos-nodejs-sdk-v5 3.0.0, same entries',
      peer: kb(perFile(official, 'growth')) + ' (JS heap peak ' + kb(perFile(official, 'heapPeak')) + ', results ' + kb(perFile(official, 'resultsHeap')) + '); node:http with no SDK, results kept alike: ' + kb(perFile(raw, 'growth')),
      ratio: fmtNum(memRatio, 2) + '×', ratioMedian: memRatio, target: '≤ 2 KB and ≤ 1.0×' + tag, result: memOk ? 'met' : 'MISSED',
    });
    const defRatio = perFile(defaults.wasm[0], 'growth') / perFile(defaults.raw[0], 'growth');
    row('scale-10k-v8-defaults', {
      ours: kb(perFile(defaults.wasm[0], 'growth')) + ' (V8 young generation +' + fmtNum((defaults.wasm[0].spaces.new_space || 0) / MiB, 0) + ' MiB)',
      peerName: 'node:http with no SDK, same entries, 3 in flight, results kept as the official SDK shapes them',
      peer: kb(perFile(defaults.raw[0], 'growth')) + ' (V8 young generation +' + fmtNum((defaults.raw[0].spaces.new_space || 0) / MiB, 0) + ' MiB)',
      ratio: fmtNum(defRatio, 2) + '×', ratioMedian: defRatio, target: 'report' + tag, result: '—',
    });
    const us = (r) => perFile(r, 'cpuMs') * 1000;
    row('scale-10k-cpu', {
      ours: fmtNum(us(wasmAt[small]), 0) + ' µs (wall ' + fmtNum(wasmAt[small].wallMs / 1000, 1) + ' s)',
      peerName: 'cos-nodejs-sdk-v5 3.0.0', peer: fmtNum(us(official), 0) + ' µs (wall ' + fmtNum(official.wallMs / 1000, 1) + ' s)',
      ratio: fmtNum(us(wasmAt[small]) / us(official), 2) + '×', ratioMedian: us(wasmAt[small]) / us(official), target: 'report' + tag, result: '—',
    });
    for (const [id, n] of [['scale-50k-memory', mid], ['scale-100k-memory', large]]) {
      const g = perFile(wasmAt[n], 'growth');
      row(id, {
        ours: kb(g) + parts(wasmAt[n]) + ', wall ' + fmtNum(wasmAt[n].wallMs / 1000, 1) + ' s',
        peerName: 'cos-nodejs-sdk-v5: not run at this size (see the ×10,000 row for its wall)', peer: '', ratio: '',
        target: '≤ 2 KB' + tag, result: g <= 2 * KB ? 'met' : 'MISSED',
      });
    }
    // What one more queued file costs, fixed costs (V8's young generation growing to its size, sockets,
    // code) left out: the slope between the two largest runs.
    const marginal = (wasmAt[large].growth - wasmAt[mid].growth) / (large - mid);
    rows.get('scale-100k-memory').ours += '; marginal ' + kb(marginal) + ' per file (' + mid + ' → ' + large + ')';
    const flat = us(wasmAt[large]) / us(wasmAt[small]);
    row('scale-cpu-flat', {
      ours: fmtNum(us(wasmAt[large]), 0) + ' µs per file at ' + large + ' (' + mid + ': ' + fmtNum(us(wasmAt[mid]), 0) + ' µs)',
      peerName: 'cos-wasm itself at ' + small + ' files', peer: fmtNum(us(wasmAt[small]), 0) + ' µs',
      ratio: fmtNum(flat, 2) + '×', ratioMedian: flat, target: '≤ 1.2×' + tag, result: flat <= 1.2 ? 'met' : 'MISSED',
    });
    details.push({ what: 'uploadFiles of ' + cfg.scaleSize + ' B Buffers (bytes and ms per run; per file = ÷ count)', data: { wasm: wasmAt, official, raw, v8Defaults: { wasm: defaults.wasm[0], raw: defaults.raw[0] } } });
  });

  if (browserEnv) await browserEnv.close();
  if (server) await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });

  const md = render({ seconds: (Date.now() - started) / 1000, browserVersion: browserEnv && browserEnv.browser.version() });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, md);
  process.stdout.write(md);
  log('wrote ' + path.relative(process.cwd(), outFile) + ' in ' + ((Date.now() - started) / 1000).toFixed(0) + ' s');
  if (errors.length) {
    log(errors.length + ' section(s) failed');
    process.exitCode = 1;
  }
}

function cpuModel() {
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1].trim() : os.cpus()[0].model;
  } catch {
    return os.cpus()[0] ? os.cpus()[0].model : 'unknown';
  }
}

function render({ seconds, browserVersion }) {
  const esc = (s) => String(s === undefined ? '' : s).replace(/\|/g, '\\|');
  const lines = [];
  lines.push('# cos-wasm benchmark results' + (smoke ? ' (SMOKE RUN: tiny sizes, 1 round; not figures)' : ''));
  lines.push('');
  lines.push('Generated by `./x bench`' + (full ? ' --full' : '') + ' on ' + new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC in ' + fmtNum(seconds / 60, 1) + ' min: ' +
    os.cpus().length + ' × ' + cpuModel() + ', ' + fmtNum(os.totalmem() / 2 ** 30, 0) + ' GiB, Node ' + process.version +
    (browserVersion ? ', Chromium ' + browserVersion : '') + '; cos-wasm from ' + pkgInfo + '. Method: [bench/README.md](README.md).');
  lines.push('');
  lines.push('Each cell is the median over ' + cfg.rounds + ' round(s) with (min–max). The ratio is cos-wasm ÷ peer, computed per round (both ran back to back) and then the median taken; higher is better for throughputs (MiB/s, /s), lower for times, memory and sizes.');
  lines.push('');
  lines.push('Workloads: MD5/CRC-64 of ' + cfg.hashMiB + ' MiB (Chromium: ' + cfg.browserHashMiB + ' MiB) in 1 MiB slices, incremental; ' +
    cfg.signCount + ' signatures per round; sliceUploadFile of a ' + cfg.uploadMiB + ' MiB file (Node, from disk) and a ' + cfg.browserUploadMiB + ' MiB File from an <input type=file> (Chromium), ' +
    cfg.part / MiB + ' MiB parts, ' + cfg.concurrency + ' in flight, to the local COS server in its own process; ' +
    cfg.queueCount + ' × ' + cfg.queueSize / 1024 + ' KiB putObject, ' + cfg.queueParallel + ' in flight (FileParallelLimit), ' + cfg.queueRounds + ' rounds; memory bound: ' +
    cfg.memMiB + ' MiB' + (cfg.bigMemMiB ? ' and ' + cfg.bigMemMiB + ' MiB' : '') + ' files, ' + cfg.memPart / MiB + ' MiB parts, ' + cfg.memConcurrency + ' in flight; uploadFiles of ' +
    cfg.scaleCounts.join(' / ') + ' × ' + cfg.scaleSize + ' B Buffers (one round: each run is seconds to minutes long).');
  lines.push('');
  lines.push('| benchmark | cos-wasm | peer | peer figure | cos-wasm ÷ peer | target | result |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const { id, label } of ROWS) {
    const r = rows.get(id) || { ours: 'not run', peerName: '', peer: '', ratio: '', target: '', result: '—' };
    lines.push('| ' + [label, r.ours, r.peerName, r.peer, r.ratio, r.target, r.result].map(esc).join(' | ') + ' |');
  }
  lines.push('');
  const missed = ROWS.filter(({ id }) => rows.get(id) && rows.get(id).result === 'MISSED');
  const met = ROWS.filter(({ id }) => rows.get(id) && rows.get(id).result === 'met');
  lines.push('Targets met: ' + met.length + '; missed: ' + missed.length + (missed.length ? ' (' + missed.map((r) => r.label).join('; ') + ')' : '') + '.');
  lines.push('');
  const notes = ROWS.map(({ id, label }) => ({ label, text: explain(id, rows.get(id)) })).filter((n) => n.text);
  if (notes.length) {
    lines.push('## What limits us, row by row');
    lines.push('');
    for (const n of notes) lines.push('- **' + n.label + '.** ' + n.text);
    lines.push('');
  }
  lines.push('<details><summary>Per-round figures</summary>');
  lines.push('');
  for (const d of details) {
    lines.push('**' + d.what + '**');
    lines.push('');
    lines.push('```json');
    lines.push(JSON.stringify(d.data, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(2)) : v)));
    lines.push('```');
    lines.push('');
  }
  lines.push('</details>');
  lines.push('');
  return lines.join('\n');
}

main().catch(async (e) => {
  console.error(e);
  try { if (browserEnv) await browserEnv.close(); } catch { /* ignore */ }
  try { if (server) await server.stop(); } catch { /* ignore */ }
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
