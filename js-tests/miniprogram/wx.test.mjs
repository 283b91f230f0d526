// What only a mini-program can show: the 10-request cap under FileParallelLimit x ChunkParallelLimit,
// calls queued before the wasm is ready, wasm feature checks, FilePath inputs for every call shape,
// wx.uploadFile for POST Object, readFile ranges, checkpoints in wx storage across an app restart,
// and the example project's page driving uploads in the simulated runtime.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import binaryen from 'binaryen';
import { ROOT, startServer, md5, BUCKET, REGION } from '../lib/node-env.mjs';
import { patternBytes } from '../suites/data.mjs';
import { startRuntime, makeWxEnv, makePackage, PKG } from './harness.mjs';
import { createMiniProgramRuntime } from './runtime.mjs';
import { scanWasmFeatures } from './wasm-features.mjs';

const MiB = 1024 * 1024;
const WASM_OPT = path.join(ROOT, 'node_modules', 'binaryen', 'bin', 'wasm-opt');
let server;
const started = [];

function runtime(opts) {
  const mp = startRuntime(opts);
  started.push(mp);
  mp.env = () => makeWxEnv(mp.rt, server, mp.COS, mp.agent);
  // Params as a page would write them: plain objects of the mini-program's realm (functions and
  // ArrayBuffers kept as they are, nested plain data copied over).
  mp.p = (o) => {
    const out = mp.rt.vmObject();
    for (const [k, v] of Object.entries(o)) {
      out[k] = v && typeof v === 'object' && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) ? mp.rt.toVm(v) : v;
    }
    return out;
  };
  return mp;
}

async function stored(key) {
  return (await server.objects(BUCKET, key)).find((o) => o.key === key);
}

async function waitFor(cond, what, ms = 20000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withoutCustomSection(bytes, name) {
  const parts = [bytes.subarray(0, 8)];
  let p = 8;
  const leb = () => { let r = 0, s = 0, c; do { c = bytes[p++]; r |= (c & 0x7f) << s; s += 7; } while (c & 0x80); return r; };
  while (p < bytes.length) {
    const start = p;
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    let keep = true;
    if (id === 0) { const n = leb(); keep = bytes.subarray(p, p + n).toString() !== name; }
    if (keep) parts.push(bytes.subarray(start, end));
    p = end;
  }
  return Buffer.concat(parts);
}

function clean(mp) {
  assert.deepEqual(mp.rt.errors, [], 'no uncaught exception in the mini-program');
  assert.equal(mp.rt.net.violations, 0, 'the wx request cap was never exceeded');
  assert.equal(mp.rt.fileStats.refusedReads, 0, 'readFile always asked inside the file');
  assert.equal(mp.rt.fileStats.wholeFileReads, 0, 'no file was read whole');
}

before(async () => {
  server = await startServer();
});
after(async () => {
  for (const mp of started) { mp.dispose(); mp.agent.destroy(); }
  await server.stop();
});

test('the flavour fits the budget and its wasm is WebAssembly MVP (binaryen and the scanner agree)', async () => {
  const js = fs.statSync(path.join(PKG, 'index.js')).size;
  const br = fs.readFileSync(path.join(PKG, 'cos_wasm.wasm.br'));
  assert.ok(js + br.length < 400 * 1024, 'index.js + cos_wasm.wasm.br = ' + (js + br.length) + ' bytes');
  assert.deepEqual(fs.readdirSync(PKG).sort(), ['cos_wasm.wasm.br', 'index.js'], 'one folder, two files');
  const wasm = zlib.brotliDecompressSync(br);
  assert.deepEqual(scanWasmFeatures(wasm).features, []);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-mvp-'));
  fs.writeFileSync(path.join(tmp, 'wx.wasm'), wasm);
  // binaryen's own validator at the MVP feature set (exit status 0 = valid).
  const mvp = (file) => spawnSync(process.execPath, [WASM_OPT, '--mvp-features', file, '-o', path.join(tmp, 'out.wasm')], { stdio: 'ignore' }).status;
  assert.equal(mvp(path.join(tmp, 'wx.wasm')), 0, 'binaryen validates the shipped module at MVP');
  // The browser build (Rust's default features) is refused by both. wasm-opt would take the features
  // its target_features section lists, so that section goes first.
  const browser = fs.readFileSync(path.join(ROOT, 'pkg', 'cos_wasm_bg.wasm'));
  const found = scanWasmFeatures(browser).features;
  assert.ok(found.includes('sign-ext') && found.includes('bulk-memory'), 'browser build features: ' + found);
  fs.writeFileSync(path.join(tmp, 'browser.wasm'), withoutCustomSection(browser, 'target_features'));
  assert.notEqual(mvp(path.join(tmp, 'browser.wasm')), 0, 'binaryen refuses the browser build at MVP');
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the scanner finds each post-MVP feature it is meant to refuse', () => {
  const F = binaryen.Features;
  const cases = [
    ['sign-ext', F.SignExt, (m) => m.i32.extend8_s(m.i32.const(1))],
    ['bulk-memory', F.BulkMemory | F.BulkMemoryOpt, (m) => m.block(null, [m.memory.copy(m.i32.const(0), m.i32.const(8), m.i32.const(4)), m.i32.const(0)], binaryen.i32)],
    ['nontrapping-float-to-int', F.NontrappingFPToInt, (m) => m.i32.trunc_s_sat.f64(m.f64.const(1.5))],
    ['mvp', F.MVP, (m) => m.i32.add(m.i32.const(1), m.i32.const(2))],
  ];
  for (const [name, features, body] of cases) {
    const m = new binaryen.Module();
    m.setFeatures(features);
    m.setMemory(1, 1, 'memory');
    m.addFunction('f', binaryen.none, binaryen.i32, [], body(m));
    m.addFunctionExport('f', 'f');
    assert.ok(m.validate(), name + ' module is valid');
    const got = scanWasmFeatures(m.emitBinary()).features;
    assert.deepEqual(got, name === 'mvp' ? [] : [name], name);
    m.dispose();
  }
  const g = new binaryen.Module();
  g.addGlobal('g', binaryen.i32, false, g.i32.const(7));
  g.addGlobalExport('g', 'g');
  assert.deepEqual(scanWasmFeatures(g.emitBinary()).features, ['global-export'], 'iOS cannot export globals');
  g.dispose();
});

test('WXWebAssembly refuses a module built with post-MVP features; calls fail with a clear error', async () => {
  // The same package, but with the browser build's wasm (sign-ext, bulk memory, reference types...).
  const dir = makePackage();
  fs.writeFileSync(path.join(dir, 'cos-wasm', 'cos_wasm.wasm.br'), zlib.brotliCompressSync(fs.readFileSync(path.join(ROOT, 'pkg', 'cos_wasm_bg.wasm'))));
  const mp = runtime({ packageDir: dir });
  const err = await mp.COS.ready.then(() => null, (e) => e);
  assert.ok(err, 'loading must fail');
  assert.equal(err.code, 'WasmLoadError');
  assert.match(err.message, /sign-ext/);
  assert.ok(mp.rt.wasmLoads[0].refused.length > 0);
  const cos = new mp.COS(mp.env().options());
  const callErr = await cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: 'never', Body: 'x' })).then(() => null, (e) => e);
  assert.equal(callErr && callErr.code, 'WasmLoadError');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('static getAuthorization in the mini-program signs every official vector as cos-wx-sdk-v5 does', async () => {
  const mp = runtime();
  await mp.COS.ready;
  const vectors = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/sign-vectors.json'), 'utf8')).static_getAuthorization;
  // Vectors without KeyTime sign "now": the sandbox's clock is set to the vector's.
  mp.rt.run('globalThis.__realNow = Date.now;');
  try {
    for (const v of vectors) {
      mp.rt.run(`Date.now = () => ${Number(v.mockDateNowMs || 1700000000500)};`);
      assert.equal(mp.COS.getAuthorization(mp.p(v.input)), v.output['cos-wx-sdk-v5@1.8.0'], v.id);
    }
  } finally {
    mp.rt.run('Date.now = globalThis.__realNow;');
  }
  clean(mp);
});

test('calls made right after require() queue until the wasm is ready, in order', async () => {
  const mp = runtime();
  const env = mp.env();
  // One upload at a time: the second starts after the first settles, so the order is the queue's
  // (with two in flight, which answer comes first is the network's).
  const cos = new mp.COS(env.options({ FileParallelLimit: 1 }));
  assert.deepEqual([...cos.getTaskList()], [], 'empty task list before ready');
  assert.throws(() => mp.COS.getAuthorization(mp.p({ SecretId: 'a', SecretKey: 'b' })), /still loading/);
  const order = [];
  const k1 = 'early/' + Date.now() + '-1', k2 = 'early/' + Date.now() + '-2';
  const p1 = cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: k1, Body: 'first' })).then((d) => { order.push(1); return d; });
  const p2 = new Promise((resolve, reject) => cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: k2, Body: 'second' }), (e, d) => { order.push(2); return e ? reject(e) : resolve(d); }));
  const url = await new Promise((resolve, reject) => {
    const ret = cos.getObjectUrl(mp.p({ Bucket: BUCKET, Region: REGION, Key: k1, Sign: false }), (e, d) => (e ? reject(e) : resolve(d.Url)));
    assert.equal(ret, undefined, 'no URL synchronously before ready');
  });
  assert.ok(url.endsWith('/' + k1));
  const [d1, d2] = await Promise.all([p1, p2]);
  assert.equal(d1.statusCode, 200);
  assert.equal(d2.statusCode, 200);
  assert.deepEqual(order, [1, 2]);
  assert.equal((await stored(k2)).md5, md5(new Uint8Array(Buffer.from('second'))));
  assert.equal(mp.rt.wasmLoads.length, 1, 'the wasm is instantiated once');
  clean(mp);
});

test('signals of calls made before the wasm is ready: one aborted while it loads sends nothing, the others run', async () => {
  const mp = runtime();
  const env = mp.env();
  const cos = new mp.COS(env.options());
  const controller = () => mp.rt.run(`(() => {
    const fns = new Set();
    const signal = { aborted: false, addEventListener(t, f) { fns.add(f); }, removeEventListener(t, f) { fns.delete(f); } };
    return { signal, abort() { signal.aborted = true; for (const f of [...fns]) f({ type: 'abort' }); } };
  })()`);
  const key = 'early-signal/' + Date.now();
  const heads = () => server.counters().requests.HeadObject || 0;
  const before = heads();
  const [kept, aborted] = [controller(), controller()];
  const put = cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key, Body: 'kept', signal: kept.signal }));
  const head = cos.headObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key, signal: aborted.signal }));
  aborted.abort();
  const err = await head.then(() => null, (e) => e);
  assert.equal(err && err.code, 'TaskCanceled');
  assert.equal((await put).statusCode, 200, 'the call whose signal did not abort runs');
  const later = await cos.headObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key, signal: controller().signal }));
  assert.equal(later.statusCode, 200, 'a call with a signal once loaded');
  assert.equal(heads(), before + 1, 'the aborted headObject sent nothing');
  clean(mp);
});

test('never more than 10 wx requests in flight with FileParallelLimit 3 x ChunkParallelLimit 6', async () => {
  const mp = runtime();
  await mp.COS.ready;
  const env = mp.env();
  const cos = new mp.COS(env.options({ FileParallelLimit: 3, ChunkParallelLimit: 6 }));
  await server.addFault({ op: 'UploadPart', delayMs: 60 });
  await server.addFault({ op: 'PutObject', delayMs: 60 });
  mp.rt.resetNetStats();
  const files = [];
  const expect = {};
  for (let i = 0; i < 6; i++) {
    const size = i === 5 ? 200 * 1024 : (4 + i) * MiB;
    const bytes = patternBytes(size, 300 + i);
    const key = 'cap/' + Date.now().toString(36) + '-' + i;
    expect[key] = md5(bytes);
    files.push({ Bucket: BUCKET, Region: REGION, Key: key, ...(await env.file(bytes, 'cap' + i + '.bin')), ChunkSize: MiB });
  }
  const data = await cos.uploadFiles(mp.p({ files: files.map((f) => ({ ...f })), SliceSize: MiB }));
  await server.clearFaults();
  for (const f of data.files) assert.equal(f.error, null, 'no error for ' + f.options.Key);
  for (const [key, sum] of Object.entries(expect)) assert.equal((await stored(key)).md5, sum, key);
  assert.equal(mp.rt.net.violations, 0, 'no request refused by the runtime');
  assert.equal(mp.rt.net.peak, 10, 'the cap was reached (18 parts wanted to run) and never passed');
  clean(mp);
});

test('the simulated runtime does refuse an 11th concurrent request (the cap test is not vacuous)', async () => {
  const mp = runtime();
  const url = 'http://' + BUCKET + '.cos.' + REGION + '.localhost:' + server.port + '/';
  await server.addFault({ op: '*', delayMs: 100 });
  const results = await Promise.all(Array.from({ length: 11 }, () => new Promise((resolve) => {
    mp.rt.wx.request({ url, method: 'GET', success: () => resolve('ok'), fail: (e) => resolve(e.errMsg) });
  })));
  await server.clearFaults();
  assert.equal(results.filter((r) => r === 'ok').length, 10);
  assert.match(results.find((r) => r !== 'ok'), /exceed max task count/);
  assert.equal(mp.rt.net.violations, 1);
});

test('FilePath inputs: putObject, appendObject, postObject (wx.uploadFile, no temp copy), multipart, sliceUploadFile', async () => {
  const mp = runtime();
  await mp.COS.ready;
  const env = mp.env();
  const cos = new mp.COS(env.options());
  const base = 'fp/' + Date.now().toString(36);
  const a = patternBytes(300 * 1024, 41);
  const fa = (await env.file(a, 'photo.jpg')).FilePath;
  // DevTools names picked files http://tmp/…
  const devPath = mp.rt.writeTempFile(a, 'photo.jpg', { devtools: true });
  assert.equal((await cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: base + '/dev.jpg', FilePath: devPath }))).ETag, '"' + md5(a) + '"');
  const put = await cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: base + '/put.jpg', FilePath: fa }));
  assert.equal(put.ETag, '"' + md5(a) + '"');
  const obj = await stored(base + '/put.jpg');
  assert.equal(obj.headers['content-type'], 'image/jpeg', 'content type from the key, not wx.request\'s application/json');

  const app1 = await cos.appendObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: base + '/append', FilePath: fa, Position: 0 }));
  assert.equal(app1.headers['x-cos-next-append-position'], String(a.length));

  const uploadsBefore = mp.rt.net.uploads;
  const writesBefore = mp.rt.fileStats.writes;
  const post = await cos.postObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: base + '/post.jpg', FilePath: fa }));
  assert.equal(post.ETag, '"' + md5(a) + '"');
  assert.equal(mp.rt.net.uploads, uploadsBefore + 1, 'POST Object went through wx.uploadFile');
  assert.equal(mp.rt.fileStats.writes, writesBefore, 'a FilePath is uploaded as is');

  const init = await cos.multipartInit(mp.p({ Bucket: BUCKET, Region: REGION, Key: base + '/mp' }));
  const part = await cos.multipartUpload(mp.p({ Bucket: BUCKET, Region: REGION, Key: base + '/mp', UploadId: init.UploadId, PartNumber: 1, FilePath: fa }));
  assert.equal(part.ETag, '"' + md5(a) + '"');
  await cos.multipartComplete(mp.p({ Bucket: BUCKET, Region: REGION, Key: base + '/mp', UploadId: init.UploadId, Parts: [{ PartNumber: 1, ETag: part.ETag }] }));
  assert.equal((await stored(base + '/mp')).md5, md5(a));

  // A big file is read part by part: nothing larger than a part is ever read.
  const big = patternBytes(20 * MiB, 42);
  const fb = await env.file(big, 'video.mp4');
  mp.rt.fileStats.maxReadLength = 0;
  await cos.sliceUploadFile(mp.p({ Bucket: BUCKET, Region: REGION, Key: base + '/big.mp4', FilePath: fb.FilePath, ChunkSize: 2 * MiB }));
  assert.equal((await stored(base + '/big.mp4')).md5, md5(big));
  assert.ok(mp.rt.fileStats.maxReadLength <= 2 * MiB, 'largest read ' + mp.rt.fileStats.maxReadLength);
  clean(mp);
});

test('postObject with an ArrayBuffer body: a temp file under USER_DATA_PATH, removed afterwards', async () => {
  const mp = runtime();
  await mp.COS.ready;
  const env = mp.env();
  const cos = new mp.COS(env.options());
  const bytes = patternBytes(5000, 43);
  const key = 'post/' + Date.now().toString(36) + '/${filename}';
  const d = await cos.postObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key, Body: await env.body(bytes) }));
  assert.equal(d.ETag, '"' + md5(bytes) + '"');
  assert.equal(mp.rt.net.uploads, 1);
  assert.equal(mp.rt.fileStats.writes, 1, 'written once to a temp file');
  await waitFor(() => fs.readdirSync(mp.rt.userDir).length === 0, 'the temp file to be removed', 2000);
  // An empty body works too (wx.uploadFile needs a file even then).
  const e = await cos.postObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: 'post/' + Date.now().toString(36) + '-empty', Body: await env.body(new Uint8Array(0)) }));
  assert.equal(e.ETag, '"d41d8cd98f00b204e9800998ecf8427e"');
  clean(mp);
});

test('responses: text by default, ArrayBuffer on request; a stalled request times out and is retried', async () => {
  const mp = runtime();
  await mp.COS.ready;
  const env = mp.env();
  const cos = new mp.COS(env.options({ Timeout: 300, RetryDelay: 5 }));
  const key = 'resp/' + Date.now().toString(36) + '.txt';
  await cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key, Body: '你好, wx' }));
  const text = await cos.getObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key }));
  assert.equal(text.Body, '你好, wx');
  const bin = await cos.getObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key, DataType: 'arraybuffer' }));
  assert.equal(mp.rt.run('(b) => b instanceof ArrayBuffer')(bin.Body), true, 'an ArrayBuffer of the mini-program');
  assert.equal(Buffer.from(bin.Body).toString('utf8'), '你好, wx');
  await server.resetCounters();
  await server.addFault({ op: 'PutObject', nth: 1, stall: true });
  const d = await cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key + '.2', Body: 'after a timeout' }));
  await server.clearFaults();
  assert.equal(d.statusCode, 200);
  assert.equal((await server.counters()).requests.PutObject, 2, 'timed out once, then retried');
  clean(mp);
});

test('checkpoints live in wx storage and survive an app restart (new runtime, same storage and files)', async () => {
  const storage = new Map();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-mp-data-'));
  const first = runtime({ storage, dataDir });
  await first.COS.ready;
  const env1 = first.env();
  const bytes = patternBytes(8 * MiB, 44);
  const file = await env1.file(bytes, 'restart.bin');
  const key = 'restart/' + Date.now().toString(36);
  const cos1 = new first.COS(env1.options({ ChunkParallelLimit: 1 }));
  await server.addFault({ op: 'UploadPart', delayMs: 100 });
  let id;
  cos1.sliceUploadFile(first.p({ Bucket: BUCKET, Region: REGION, Key: key, FilePath: file.FilePath, ChunkSize: MiB, onTaskReady: (t) => { id = t; } })).catch(() => {});
  await waitFor(() => id && cos1.getTaskList().find((t) => t.id === id).loaded >= 3 * MiB, 'three parts');
  cos1.pauseTask(id);
  await server.clearFaults();
  const uploadId = (await server.uploads(BUCKET)).find((u) => u.key === key).uploadId;
  const saved = storage.get('cos_wasm_upload_cache');
  assert.ok(saved && JSON.parse(saved).includes(uploadId), 'the checkpoint (with the UploadId) is in wx storage');
  assert.ok(!JSON.parse(saved).includes(env1.secretKey), 'no credential in the checkpoint');
  first.dispose();

  const second = runtime({ storage, dataDir });
  await second.COS.ready;
  const cos2 = new second.COS(second.env().options({ ChunkParallelLimit: 3 }));
  const data = await cos2.sliceUploadFile(second.p({ Bucket: BUCKET, Region: REGION, Key: key, FilePath: file.FilePath, ChunkSize: MiB }));
  assert.equal(data.UploadId, uploadId, 'resumed the same upload');
  assert.equal((await stored(key)).md5, md5(bytes));
  clean(second);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('the example project: its page picks files, uploads them and drives pause/resume/cancel', async () => {
  const demo = path.join(ROOT, 'www-demo', 'miniprogram');
  const dir = makePackage({ pages: path.join(demo, 'pages'), 'app.js': path.join(demo, 'app.js'), 'app.json': path.join(demo, 'app.json') });
  fs.writeFileSync(path.join(dir, 'config.js'), 'module.exports = ' + JSON.stringify({
    Bucket: BUCKET, Region: REGION, Prefix: 'demo/' + Date.now().toString(36) + '/', StsUrl: server.url + '/sts',
    Domain: '{Bucket}.cos.{Region}.localhost:' + server.port, Protocol: 'http:',
  }) + ';\n');
  const mp = runtime({ packageDir: dir });
  // DevTools loads app.js, then the page module; the page is then created and loaded.
  mp.rt.require('/app.js');
  mp.rt.require('/pages/index/index.js');
  const def = mp.rt.pages.get('pages/index/index');
  assert.ok(def, 'the page registered itself with Page()');
  const page = Object.assign(Object.create(def), {
    data: JSON.parse(JSON.stringify(def.data)),
    setData(d) { Object.assign(this.data, d); },
  });
  assert.equal(page.data.configured, true);
  page.onLoad({});
  const small = patternBytes(700 * 1024, 45), big = patternBytes(12 * MiB, 46), gone = patternBytes(16 * MiB, 47);
  mp.rt.offerFiles([{ name: 'small.bin', bytes: small }, { name: 'big.bin', bytes: big }, { name: 'gone.bin', bytes: gone }]);
  // Slow parts, so that what the page shows (redrawn every 200 ms) is still true when the test acts.
  await server.addFault({ op: 'UploadPart', delayMs: 150 });
  page.choose();
  const task = (name) => page.data.tasks.find((t) => t.key.endsWith(name));
  const under = (name) => () => task(name) && task(name).state === 'uploading' && task(name).percent >= 10 && task(name).percent <= 50;
  await waitFor(under('gone.bin'), 'gone.bin under way');
  page.cancel({ currentTarget: { dataset: { id: task('gone.bin').id } } });
  await waitFor(under('big.bin'), 'big.bin under way');
  page.pause({ currentTarget: { dataset: { id: task('big.bin').id } } });
  await waitFor(() => task('big.bin').state === 'paused' && task('big.bin').canResume, 'big.bin paused on screen');
  await server.clearFaults();
  page.resume({ currentTarget: { dataset: { id: task('big.bin').id } } });
  await waitFor(() => /2 \/ 3/.test(page.data.message), 'the summary message');
  await waitFor(() => task('big.bin').state === 'success', 'the list redrawn');
  assert.equal(task('small.bin').state, 'success');
  assert.equal(task('big.bin').state, 'success');
  assert.equal(task('big.bin').percent, 100);
  assert.equal(task('gone.bin').state, 'canceled');
  const prefix = JSON.parse(fs.readFileSync(path.join(dir, 'config.js'), 'utf8').replace(/^module\.exports = |;\s*$/g, '')).Prefix;
  assert.equal((await stored(prefix + 'big.bin')).md5, md5(big));
  assert.equal((await stored(prefix + 'small.bin')).md5, md5(small));
  assert.equal(await stored(prefix + 'gone.bin'), undefined);
  page.onUnload();
  clean(mp);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an exception thrown in a callback reaches the mini-program as uncaught (the upload stays consistent); HttpDNSServiceId goes to wx.request', async () => {
  const mp = runtime();
  await mp.COS.ready;
  const env = mp.env();
  const dns = [];
  const request = mp.rt.wx.request;
  mp.rt.wx.request = (o) => {
    dns.push(o.enableHttpDNS + ':' + o.httpDNSServiceId);
    return request(o);
  };
  const cos = new mp.COS(env.options({ HttpDNSServiceId: 'dns-provider-id' }));
  const key = 'throws/' + Date.now().toString(36);
  await new Promise((resolve) => {
    cos.putObject(mp.p({ Bucket: BUCKET, Region: REGION, Key: key, Body: 'x' }), () => {
      resolve();
      throw new Error('thrown by the callback');
    });
  });
  await waitFor(() => mp.rt.errors.length > 0, 'the uncaught error');
  assert.deepEqual(mp.rt.errors.map((e) => e.message), ['thrown by the callback']);
  // Arrays made in the mini-program's realm: compared as text.
  assert.equal(JSON.stringify(cos.getTaskList().map((t) => t.state)), '["success"]');
  assert.ok(await stored(key), 'stored');
  assert.deepEqual([...new Set(dns)], ['true:dns-provider-id']);
  mp.rt.errors.length = 0;
  clean(mp);
});
