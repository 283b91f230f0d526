// End-to-end check of the engine prototypes against the local COS server (its own process):
//   node bench/engine-proto/e2e.mjs [--engine=sansio,lean] [--mib=24] [--compare=3] [--server=DIR]
// For each engine: a 24 MiB file in 1 MiB parts, 4 in flight, checked against the stored object;
// then the same with two injected 503s on UploadPart (retried), with the server clock an hour ahead
// (corrected once), and a cancel after the first progress (TaskCanceled, no upload left open).
// --compare=N: N rounds of wall/CPU against pkg/node.cjs sliceUploadFile (same part size and
// parallelism), alternating; rough figures, this process does both.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { upload, call } from './driver.mjs';
import { nodeHost } from './host-node.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
// --server=DIR: another copy of js-tests/cos-server (e.g. a snapshot while it is being edited).
const serverDir = path.resolve(args.server || path.join(ROOT, 'js-tests/cos-server'));
const { localhostAgent } = require(serverDir);
const engines = (args.engine || 'sansio,lean').split(',');
const MIB = 1 << 20;
const size = Number(args.mib || 24) * MIB;
const BUCKET = 'examplebucket-1250000000', REGION = 'ap-guangzhou';
const SecretId = 'AKIDLOCALTESTKEY0000000000000000000', SecretKey = 'LocalTestSecretKey000000000000000';

const server = spawn(process.execPath, [path.join(serverDir, 'cli.js'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((res) => server.stdout.once('data', (d) => res(String(d).trim().split('\n')[0])));
const port = new URL(base).port;
const agent = localhostAgent();
const admin = async (p, body) => (await fetch(base + '/_admin/' + p, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })).json();

const file = path.join(os.tmpdir(), 'engine-proto-' + process.pid + '.bin');
fs.writeFileSync(file, crypto.randomBytes(size));
const md5 = crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');

async function load(name) {
  // measure.sh's build with every extension (resume, 12 simple methods) when there is one.
  const all = path.join(here, 'target/opt', name + '-all.wasm');
  if (fs.existsSync(all)) return (await WebAssembly.instantiate(fs.readFileSync(all))).instance.exports;
  const opt = path.join(here, 'target/opt', name + '.wasm');
  const raw = path.join(here, 'target/wasm32-unknown-unknown/release', 'proto_' + name + '.wasm');
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(fs.existsSync(opt) ? opt : raw));
  return instance.exports;
}

function run(w, key, extra = {}) {
  const u = upload(w, nodeHost(file, agent), {
    SecretId, SecretKey, Host: `${BUCKET}.cos.${REGION}.localhost:${port}`, Protocol: 'http:', Key: key,
    Size: size, ChunkSize: MIB, ParallelLimit: 4, RetryDelay: 20, ...extra,
  });
  return u;
}

function check(cond, what) {
  if (!cond) { console.error('FAIL ' + what); process.exitCode = 1; } else console.log('ok   ' + what);
}

const stored = async (key) => (await admin('objects?prefix=' + encodeURIComponent(key))).find((o) => o.key === key);

try {
  for (const name of engines) {
    const w = await load(name);
    let last = 0, backwards = false, events = 0;
    const key = `proto/${name}/big.bin`;
    const r = await run(w, key, { onProgress: (p) => { events++; backwards ||= p.loaded < last; last = p.loaded; } }).done;
    const o = await stored(key);
    check(o && o.size === size && o.md5 === md5 && o.crc64 === r.crc64, `${name}: ${size / MIB} MiB stored intact (md5, crc64 ${r.crc64})`);
    check(!backwards && last === size && events > 24, `${name}: progress monotonic to ${last} in ${events} events`);

    await admin('faults', { op: 'UploadPart', nth: 3, times: 2, status: 503 });
    const r2 = await run(w, key + '.retry').done;
    await admin('faults/clear', {});
    const log = async (suffix, status) => (await admin('requests')).filter((x) => x.url.startsWith('/' + key + suffix + '?') && x.status === status).length;
    const hits = await log('.retry', 503);
    check(r2.crc64 === r.crc64 && hits === 2, `${name}: two 503s on UploadPart retried (${hits} answered 503)`);

    await admin('clock', { offsetMs: 3600_000 });
    const r3 = await run(w, key + '.skew').done.catch((e) => e);
    await admin('clock', { offsetMs: 0 });
    const denied = await log('.skew', 403);
    check(r3.crc64 === r.crc64 && denied === 1, `${name}: server clock +1 h corrected once (${denied} answered 403, ${r3.code || 'ok'})`);

    let u;
    u = run(w, key + '.cancel', { onProgress: () => u && u.cancel() });
    const e = await u.done.then(() => ({}), (x) => x);
    await new Promise((res) => setTimeout(res, 100));
    const open = (await admin('uploads')).filter((x) => x.key === key + '.cancel');
    check(e.code === 'TaskCanceled' && open.length === 0 && !(await stored(key + '.cancel')), `${name}: cancel settles TaskCanceled and aborts (open uploads: ${open.length})`);

    if (w.call_start) {
      const o = { SecretId, SecretKey, Host: `${BUCKET}.cos.${REGION}.localhost:${port}`, Protocol: 'http:' };
      const host = nodeHost(file, agent);
      // Table order in common/src/simple.rs: 0 headObject, 1 deleteObject, 8 headBucket (the local
      // server has no tagging, ACL or bucket listing).
      const head = await call(w, host, 0, o, [['Key', key]]).done;
      const bucket = await call(w, host, 8, o, []).done;
      const del = await call(w, host, 1, o, [['Key', key + '.retry']]).done;
      const gone = await call(w, host, 0, o, [['Key', key + '.retry']]).done.catch((x) => x);
      const noKey = await call(w, host, 0, o, []).done.catch((x) => x);
      check(head.statusCode === 200 && head.headers['x-cos-hash-crc64ecma'] === r.crc64 && bucket.statusCode === 200
        && del.statusCode === 204 && gone.statusCode === 404 && !(await stored(key + '.retry')) && noKey.message === 'missing param Key',
      `${name}: simple calls (headObject, headBucket, deleteObject, then 404; missing Key refused)`);
    }

    if (w.call_start) {
      // Resume: an upload left open (its Abort refused) after part 9 failed; then resumed by UploadId.
      const rk = key + '.resume';
      await admin('faults', { op: 'UploadPart', nth: 9, status: 400, code: 'InvalidArgument' });
      await admin('faults', { op: 'AbortMultipartUpload', status: 403, code: 'AccessDenied' });
      const failed = await run(w, rk, { ParallelLimit: 1 }).done.catch((x) => x);
      await admin('faults/clear', {});
      const left = (await admin('uploads')).find((x) => x.key === rk);
      const had = left ? left.parts.length : -1;
      const before = (await admin('requests')).length;
      const r4 = await run(w, rk, { UploadId: left && left.uploadId }).done.catch((x) => x);
      const puts = (await admin('requests')).slice(before).filter((x) => x.op === 'UploadPart').length;
      check(failed.code === 'InvalidArgument' && had === 8 && r4.crc64 === r.crc64 && puts === size / MIB - had,
        `${name}: resume lists ${had} parts and sends the other ${puts}`);
    }
  }

  const rounds = Number(args.compare || 0);
  if (rounds) {
    const COS = require(path.join(ROOT, 'pkg/node.cjs'));
    const cos = new COS({ SecretId, SecretKey, Domain: '{Bucket}.cos.{Region}.localhost:' + port, Protocol: 'http:', ChunkParallelLimit: 4, ChunkSize: MIB, CheckpointPath: file + '.cp.json' });
    const candidates = {
      'pkg/node.cjs sliceUploadFile': () => cos.sliceUploadFile({ Bucket: BUCKET, Region: REGION, Key: 'cmp/sdk.bin', FilePath: file, ChunkSize: MIB }),
    };
    for (const name of engines) {
      const w = await load(name);
      candidates[name] = () => run(w, 'cmp/' + name + '.bin').done;
    }
    const res = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
    const names = Object.keys(candidates);
    for (let i = 0; i < rounds; i++) {
      for (let j = 0; j < names.length; j++) {
        const k = names[(i + j) % names.length];
        const c0 = process.cpuUsage(), t0 = performance.now();
        await candidates[k]();
        const c = process.cpuUsage(c0);
        res[k].push([performance.now() - t0, (c.user + c.system) / 1000]);
      }
    }
    const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
    console.log(`\n${size / MIB} MiB, 1 MiB parts, 4 in flight, ${rounds} rounds (median wall / CPU ms):`);
    for (const k of names) console.log(`  ${k.padEnd(32)} ${med(res[k].map((x) => x[0])).toFixed(0).padStart(6)} ${med(res[k].map((x) => x[1])).toFixed(0).padStart(6)}`);
  }
} finally {
  server.kill();
  fs.rmSync(file, { force: true });
  fs.rmSync(file + '.cp.json', { force: true });
  agent.destroy();
}
