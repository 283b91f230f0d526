'use strict';
// One uploadFiles call of many small Buffer bodies in its own process (run with --expose-gc):
//   --client=wasm | official | raw
// raw: no SDK, the floor of Node itself: node:http with a keep-alive agent, 3 PUTs in flight (the
// SDKs' FileParallelLimit), and the results kept as the official SDK shapes them ({options, error,
// data: {statusCode, headers, Location, ETag}}, headers as node:http gives them).
// The entries and their bodies are the user's: they are built first, then a small warm-up batch runs
// (JIT, sockets, wasm memory for one task), then GC, and only then the baseline is taken.
// Prints one JSON line: {count, wallMs, cpuMs, baseRss, growth (VmHWM during the call − RSS before it),
// heapPeak (largest JS heap used, sampled, − before), wasmGrowth (wasm memory, which never shrinks,
// after − before), resultsHeap (JS heap the resolved data.files holds after GC), leftHeap (what
// remains after GC once the caller dropped the result), spaces (each V8 heap space's largest
// committed size during the call − before it)}.
// Usage: node --expose-gc scale-node.js --client=wasm --port=N --count=10000 --size=1024 --prefix=P [--warm=500]

const crypto = require('node:crypto');
const v8 = require('node:v8');
const path = require('node:path');
const { ROOT, PKG, parseArgs, peakRss, currentRss, resetPeakRss } = require('../lib/common');
const http = require('node:http');
const { BUCKET, REGION, SECRET_ID, SECRET_KEY, rawPut } = require('../lib/raw-client');

const a = parseArgs(process.argv.slice(2));
const port = Number(a.port);
const count = Number(a.count || 10000);
const size = Number(a.size || 1024);
const warm = Number(a.warm || 500);
const prefix = a.prefix || 'scale/' + process.pid + '/';
const domain = '{Bucket}.cos.{Region}.localhost:' + port;
if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');

// The wasm memory, seen from outside the package: the Node entry instantiates the module synchronously.
let wasmMemory = null;
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function (module, imports) {
  const inst = new Instance(module, imports);
  if (inst.exports.memory instanceof WebAssembly.Memory) wasmMemory = inst.exports.memory;
  return inst;
};
WebAssembly.Instance.prototype = Instance.prototype;
const wasmBytes = () => (wasmMemory ? wasmMemory.buffer.byteLength : 0);

function client() {
  if (a.client === 'wasm') {
    const COS = require(PKG);
    const cos = new COS({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Domain: domain, Protocol: 'http:' });
    return (files) => cos.uploadFiles({ files });
  }
  if (a.client === 'official') {
    const COS = require(path.join(ROOT, 'node_modules/cos-nodejs-sdk-v5'));
    const cos = new COS({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Domain: domain, Protocol: 'http:', Ip: '127.0.0.1:' + port });
    return (files) => new Promise((resolve, reject) => {
      cos.uploadFiles({ files }, (err, d) => (err ? reject(new Error(JSON.stringify(err))) : resolve(d)));
    });
  }
  if (a.client === 'raw') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
    const host = BUCKET + '.cos.' + REGION + '.localhost:' + port;
    return async (files) => {
      const out = new Array(files.length);
      let next = 0;
      const worker = async () => {
        while (next < files.length) {
          const i = next++;
          const f = files[i];
          const r = await rawPut({ port, agent, key: f.Key, body: f.Body });
          out[i] = {
            options: { Bucket: f.Bucket, Region: f.Region, Key: f.Key, Index: i },
            error: null,
            data: { statusCode: 200, headers: r.headers, Location: host + '/' + f.Key, ETag: r.headers.etag },
          };
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      return { files: out };
    };
  }
  throw new Error('unknown --client ' + a.client);
}

const entries = (n, p) => Array.from({ length: n }, (_, i) => ({
  Bucket: BUCKET, Region: REGION, Key: p + String(i).padStart(6, '0'), Body: crypto.randomBytes(size),
}));

function gc() {
  global.gc();
  global.gc();
}

async function main() {
  const upload = client();
  const files = entries(count, prefix);
  // Warm-up: the optimising compilers (V8's for JS, and for wasm) compile the hot paths during the
  // first few hundred files, a cost paid once per process (~5 MB for cos-wasm measured after a
  // 20-file warm-up, most of it its wasm's optimised code and compilation).
  await upload(entries(warm, prefix + 'warm/'));
  // Garbage through the young generation (fixed at its largest size by the parent, see run.js):
  // its pages are touched before the baseline, as in any process that has been busy a while.
  let junk = null;
  for (let i = 0; i < 4e6; i++) junk = { i, next: junk && i % 64 ? junk : null };
  junk = null;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const wasm0 = wasmBytes();
  const reset = resetPeakRss();
  const baseRss = currentRss();
  let heapPeak = 0;
  // The largest committed size of each V8 heap space (new, old, large objects, …) over the call, less
  // its size before: where the JS heap's share of the growth sits.
  const spaces0 = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  const spaces = {};
  const sample = () => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed - heap0);
    for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = Math.max(spaces[s.space_name] || 0, s.space_size - (spaces0[s.space_name] || 0));
  };
  const sampler = setInterval(sample, 25);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let data = await upload(files);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  // The result kept (as the caller keeps it) through full collections: what it costs once it
  // leaves the young generation, where it may still sit when the call resolves.
  gc();
  const hwm = peakRss();
  clearInterval(sampler);
  sample();
  const failed = data.files.filter((f) => f.error).length;
  const got = data.files.length;
  // The call's own promise chain lets go of the result only after this turn.
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
  const resultsAndLeft = process.memoryUsage().heapUsed - heap0;
  data = null;
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
  const leftHeap = process.memoryUsage().heapUsed - heap0;
  if (got !== count || failed) throw new Error(a.client + ': ' + got + ' results, ' + failed + ' failed');
  process.stdout.write(JSON.stringify({
    client: a.client, count, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, baseRss,
    growth: reset ? hwm - baseRss : null, heapPeak, wasmGrowth: wasmBytes() - wasm0,
    resultsHeap: resultsAndLeft - leftHeap, leftHeap, spaces,
  }) + '\n');
  process.exit(0);
}

main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
