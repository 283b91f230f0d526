// Node streams and downloads against the local COS server: downloadFile's resume, checks and
// cancel; getObject Output / getObjectStream with slow and failing writables.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Readable, Writable } from 'node:stream';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, BUCKET, REGION, startServer, localOptions } from '../lib/node-env.mjs';
import { patternBytes } from '../suites/data.mjs';

const require = createRequire(import.meta.url);
const COS = require(path.join(ROOT, 'pkg'));
const MiB = 1024 * 1024;
const B = { Bucket: BUCKET, Region: REGION };
const md5 = (b) => crypto.createHash('md5').update(b).digest('hex');

let server, tmp, cos;

before(async () => {
  server = await startServer({ quiet: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-streams-'));
  cos = new COS(localOptions(server.port, { CheckpointPath: path.join(tmp, 'checkpoints.json') }));
});
after(async () => {
  await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await server.clearFaults();
});

async function putBytes(key, bytes) {
  await cos.putObject({ ...B, Key: key, Body: Buffer.from(bytes) });
}

function getCount() {
  return server.requestLog().filter((r) => r.op === 'GetObject').length;
}

/** GetObject requests that reached the server (the log above has a request once its connection closed). */
function getsArrived() {
  return server.counters().requests.GetObject || 0;
}

/** 6 ranges of 1 MiB (the last one short), fetched one at a time so faults hit a known range. */
const SIZE = 5 * MiB + 1000;
const serial = (key, file, extra = {}) => ({ ...B, Key: key, FilePath: file, ChunkSize: MiB, ParallelLimit: 1, ...extra });

test('downloadFile resumes after a failure: only the missing ranges are fetched again', async () => {
  const bytes = patternBytes(SIZE, 21);
  await putBytes('dl/resume.bin', bytes);
  const file = path.join(tmp, 'resume.bin');
  // The 4th range is refused (AccessDenied is not retried): 3 ranges are in the file.
  await server.addFault({ op: 'GetObject', nth: 4, status: 403, code: 'AccessDenied' });
  const err = await cos.downloadFile(serial('dl/resume.bin', file)).then(() => null, (e) => e);
  assert.equal(err && err.code, 'AccessDenied');
  server.resetCounters();
  const before = getCount();
  const data = await cos.downloadFile(serial('dl/resume.bin', file));
  assert.equal(getCount() - before, 3, 'ranges 4, 5 and 6 only');
  assert.equal(data.statusCode, 206);
  assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes)));
  // Done: the checkpoint is gone, a new call fetches everything.
  const again = getCount();
  await cos.downloadFile(serial('dl/resume.bin', file));
  assert.equal(getCount() - again, 6);
});

test('downloadFile does not resume when the object changed since (same size, other ETag)', async () => {
  await putBytes('dl/changed.bin', patternBytes(SIZE, 1));
  const file = path.join(tmp, 'changed.bin');
  await server.addFault({ op: 'GetObject', nth: 3, status: 403, code: 'AccessDenied' });
  await assert.rejects(cos.downloadFile(serial('dl/changed.bin', file)), { code: 'AccessDenied' });
  const fresh = patternBytes(SIZE, 2);
  await putBytes('dl/changed.bin', fresh);
  const n = getCount();
  await cos.downloadFile(serial('dl/changed.bin', file));
  assert.equal(getCount() - n, 6, 'every range again');
  assert.ok(fs.readFileSync(file).equals(Buffer.from(fresh)));
});

test('downloadFile does not resume when the partial file is gone', async () => {
  const bytes = patternBytes(SIZE, 3);
  await putBytes('dl/gone.bin', bytes);
  const file = path.join(tmp, 'gone.bin');
  await server.addFault({ op: 'GetObject', nth: 3, status: 403, code: 'AccessDenied' });
  await assert.rejects(cos.downloadFile(serial('dl/gone.bin', file)), { code: 'AccessDenied' });
  fs.rmSync(file);
  const n = getCount();
  await cos.downloadFile(serial('dl/gone.bin', file));
  assert.equal(getCount() - n, 6);
  assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes)));
});

test('downloadFile checks the whole file against x-cos-hash-crc64ecma', async () => {
  const bytes = patternBytes(SIZE, 4);
  await putBytes('dl/crc.bin', bytes);
  const file = path.join(tmp, 'crc.bin');
  // The server states a CRC-64 the bytes do not have (consistently on every answer).
  await server.addFault({ op: 'HeadObject', crc64: '1234567890' });
  await server.addFault({ op: 'GetObject', times: 100, crc64: '1234567890' });
  const err = await cos.downloadFile(serial('dl/crc.bin', file)).then(() => null, (e) => e);
  assert.equal(err && err.code, 'CRC64Mismatch');
  assert.match(err.message, /local \d+, server 1234567890/);
  await server.clearFaults();
  // A mismatch is not resumed: the next call fetches every range.
  const n = getCount();
  await cos.downloadFile(serial('dl/crc.bin', file));
  assert.equal(getCount() - n, 6);
  assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes)));
});

test('downloadFile small object: one request, its CRC-64 checked too', async () => {
  await putBytes('dl/small.bin', patternBytes(5000, 5));
  const file = path.join(tmp, 'small.bin');
  await server.addFault({ op: 'GetObject', crc64: '42' });
  await assert.rejects(cos.downloadFile({ ...B, Key: 'dl/small.bin', FilePath: file }), { code: 'CRC64Mismatch' });
});

test('downloadFile fails with ObjectHasChanged when a range is of another object version', async () => {
  await putBytes('dl/moved.bin', patternBytes(SIZE, 6));
  await server.addFault({ op: 'GetObject', nth: 2, crc64: '999' });
  const err = await cos.downloadFile(serial('dl/moved.bin', path.join(tmp, 'moved.bin'))).then(() => null, (e) => e);
  assert.equal(err && err.code, 'ObjectHasChanged');
});

test('downloadFile retries a range the server failed (503) and a connection cut mid-range', async () => {
  const bytes = patternBytes(SIZE, 7);
  await putBytes('dl/retry.bin', bytes);
  const file = path.join(tmp, 'retry.bin');
  await server.addFault({ op: 'GetObject', nth: 2, status: 503, code: 'ServiceUnavailable' });
  // The 4th range: a 206 whose connection closes after 10 bytes of the 1 MiB it announced.
  await server.addFault({ op: 'GetObject', nth: 4, respond: { status: 206, headers: { 'Content-Length': String(MiB), 'Content-Range': 'bytes 2097152-3145727/' + SIZE }, body: 'x'.repeat(10), close: true } });
  const progress = [];
  await cos.downloadFile(serial('dl/retry.bin', file, { onProgress: (p) => progress.push(p.loaded) }));
  assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes)));
  assert.equal(progress[progress.length - 1], SIZE);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1], 'progress never goes back');
});

test('downloadFile is stopped by cancelTask(TaskId) and resumes later', async () => {
  const bytes = patternBytes(SIZE, 8);
  await putBytes('dl/cancel.bin', bytes);
  const file = path.join(tmp, 'cancel.bin');
  await server.addFault({ op: 'GetObject', delayMs: 150 });
  let ready = null;
  const run = cos.downloadFile(serial('dl/cancel.bin', file, {
    TaskId: 'dl-cancel',
    onTaskReady: (id) => { ready = id; },
    onProgress: (p) => { if (p.loaded >= 2 * MiB) cos.cancelTask('dl-cancel'); },
  }));
  const err = await run.then(() => null, (e) => e);
  assert.equal(ready, 'dl-cancel');
  assert.equal(err && err.code, 'TaskCanceled');
  await server.clearFaults();
  const n = getCount();
  await cos.downloadFile(serial('dl/cancel.bin', file));
  assert.ok(getCount() - n < 6, 'the ranges done before the cancel are kept');
  assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes)));
});

test('downloadFile: bad params name the parameter', async () => {
  await assert.rejects(cos.downloadFile({ ...B, Key: 'dl/x' }), { message: /FilePath/ });
  await assert.rejects(cos.downloadFile({ ...B, Key: 'dl/x', FilePath: path.join(tmp, 'x'), ChunkSize: -1 }), { message: /ChunkSize/ });
  await putBytes('dl/dir.bin', patternBytes(10, 1));
  await assert.rejects(cos.downloadFile({ ...B, Key: 'dl/dir.bin', FilePath: tmp }), { message: /FilePath/ });
});

test('getObject Output: a slow writable gets every byte (backpressure), and the answer has no Body', async () => {
  const bytes = patternBytes(6 * MiB, 9);
  await putBytes('st/slow.bin', bytes);
  const chunks = [];
  const out = new Writable({
    highWaterMark: 16 * 1024,
    write(c, _e, cb) { chunks.push(c); setImmediate(cb); },
  });
  const data = await cos.getObject({ ...B, Key: 'st/slow.bin', Output: out });
  assert.equal(data.Body, undefined);
  assert.equal(data.statusCode, 200);
  await new Promise((r) => (out.writableFinished ? r() : out.on('finish', r)));
  assert.ok(Buffer.concat(chunks).equals(Buffer.from(bytes)));
});

test('getObject Output: a writable that fails ends the call with its error (not retried)', async () => {
  await putBytes('st/fail.bin', patternBytes(MiB, 10));
  const out = new Writable({ write(_c, _e, cb) { cb(new Error('disk full')); } });
  out.on('error', () => {});
  // Counted as they arrive: the call fails while its connection is still being closed.
  const n = getsArrived();
  const err = await cos.getObject({ ...B, Key: 'st/fail.bin', Output: out }).then(() => null, (e) => e);
  assert.ok(err, 'the call fails');
  assert.match(err.message, /disk full/);
  await new Promise((r) => setTimeout(r, 300)); // time for a retry, were there one
  assert.equal(getsArrived() - n, 1, 'one request');
});

test('getObjectStream: the body as a Readable; an error is emitted on it and given to the callback', async () => {
  const bytes = patternBytes(3 * MiB, 11);
  await putBytes('st/stream.bin', bytes);
  const s = cos.getObjectStream({ ...B, Key: 'st/stream.bin' });
  const got = [];
  for await (const c of s) got.push(c);
  assert.ok(Buffer.concat(got).equals(Buffer.from(bytes)));

  let cbErr = null;
  const s2 = cos.getObjectStream({ ...B, Key: 'st/none' }, (e) => { cbErr = e; });
  const emitted = await new Promise((resolve) => s2.on('error', resolve));
  assert.equal(emitted.code, 'NoSuchKey');
  assert.equal(cbErr && cbErr.code, 'NoSuchKey');
});

/** A Readable giving `bytes` in chunks of `step`, asynchronously; `failAt`: an error once that many bytes went out. */
function slowReadable(bytes, { step = 64 * 1024, failAt = null } = {}) {
  let pos = 0;
  return new Readable({
    read() {
      setImmediate(() => {
        if (failAt !== null && pos >= failAt) { this.destroy(new Error('source went away')); return; }
        if (pos >= bytes.length) { this.push(null); return; }
        const end = Math.min(pos + step, bytes.length);
        this.push(Buffer.from(bytes.subarray(pos, end)));
        pos = end;
      });
    },
  });
}

async function storedMd5(key) {
  const [o] = await server.objects(BUCKET, key);
  return o && o.md5;
}

for (const method of ['uploadFile', 'sliceUploadFile', 'putObject']) {
  test(method + ' of a Readable of unknown length: a multipart upload of ChunkSize parts', async () => {
    const bytes = patternBytes(3.5 * MiB, 31);
    const key = 'up/' + method + '.bin';
    const log = server.requestLog().length;
    const data = await cos[method]({ ...B, Key: key, Body: slowReadable(bytes), ChunkSize: MiB });
    const ops = server.requestLog().slice(log).map((r) => r.op);
    assert.equal(ops.filter((o) => o === 'UploadPart').length, 4);
    assert.equal(ops.filter((o) => o === 'CompleteMultipartUpload').length, 1);
    assert.equal(data.Key, key);
    assert.equal(await storedMd5(key), md5(bytes));
    assert.deepEqual(server.uploads(BUCKET).filter((u) => u.key === key), []);
  });
}

test('a Readable that ends within its first part is one PUT', async () => {
  const bytes = patternBytes(300 * 1024, 32);
  const log = server.requestLog().length;
  await cos.uploadFile({ ...B, Key: 'up/short.bin', Body: slowReadable(bytes) });
  assert.deepEqual(server.requestLog().slice(log).map((r) => r.op), ['PutObject']);
  assert.equal(await storedMd5('up/short.bin'), md5(bytes));
});

test('a Readable that fails mid-way fails the upload and leaves no upload open', async () => {
  const bytes = patternBytes(4 * MiB, 33);
  const err = await cos.sliceUploadFile({ ...B, Key: 'up/broken.bin', Body: slowReadable(bytes, { failAt: 2.5 * MiB }), ChunkSize: MiB }).then(() => null, (e) => e);
  assert.ok(err, 'the call fails');
  assert.match(err.message, /source went away/);
  assert.deepEqual(server.uploads(BUCKET).filter((u) => u.key === 'up/broken.bin'), []);
  assert.deepEqual(await server.objects(BUCKET, 'up/broken.bin'), []);
});

test('a failed part of a stream upload is retried from memory; a refused one aborts the upload', async () => {
  const bytes = patternBytes(2.5 * MiB, 34);
  await server.addFault({ op: 'UploadPart', nth: 2, status: 503, code: 'ServiceUnavailable' });
  await cos.uploadFile({ ...B, Key: 'up/retried.bin', Body: slowReadable(bytes), ChunkSize: MiB });
  assert.equal(await storedMd5('up/retried.bin'), md5(bytes));
  await server.addFault({ op: 'UploadPart', nth: 2, status: 403, code: 'AccessDenied' });
  await assert.rejects(cos.uploadFile({ ...B, Key: 'up/refused.bin', Body: slowReadable(bytes), ChunkSize: MiB }), { code: 'AccessDenied' });
  assert.deepEqual(server.uploads(BUCKET).filter((u) => u.key === 'up/refused.bin'), []);
});

test('cancelTask stops a stream upload and aborts it', async () => {
  const bytes = patternBytes(4 * MiB, 35);
  await server.addFault({ op: 'UploadPart', delayMs: 100 });
  let id = null;
  const run = cos.uploadFile({ ...B, Key: 'up/canceled.bin', Body: slowReadable(bytes), ChunkSize: MiB, onTaskReady: (t) => { id = t; } });
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(id, 'onTaskReady gave the id');
  cos.cancelTask(id);
  await assert.rejects(run, { code: 'TaskCanceled' });
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(server.uploads(BUCKET).filter((u) => u.key === 'up/canceled.bin'), []);
});

test('putObject with ContentLength streams one PUT; a stream shorter than it fails', async () => {
  const bytes = patternBytes(3 * MiB, 36);
  const log = server.requestLog().length;
  await cos.putObject({ ...B, Key: 'up/one.bin', Body: slowReadable(bytes), ContentLength: bytes.length });
  assert.deepEqual(server.requestLog().slice(log).map((r) => r.op), ['PutObject']);
  assert.equal(await storedMd5('up/one.bin'), md5(bytes));
  const err = await cos.putObject({ ...B, Key: 'up/short-len.bin', Body: slowReadable(bytes.subarray(0, 1000)), ContentLength: 5000 }).then(() => null, (e) => e);
  assert.ok(err);
  assert.match(err.message, /ended after 1000 bytes/);
  assert.deepEqual(await server.objects(BUCKET, 'up/short-len.bin'), []);
});

test('downloadFile with a signal: aborting stops it with TaskCanceled and no range keeps going', async () => {
  await putBytes('dl/signal.bin', patternBytes(SIZE, 12));
  await server.addFault({ op: 'GetObject', delayMs: 300 });
  const ac = new AbortController();
  const run = cos.downloadFile(serial('dl/signal.bin', path.join(tmp, 'signal.bin'), { signal: ac.signal }));
  await new Promise((r) => setTimeout(r, 100));
  ac.abort();
  await assert.rejects(run, { code: 'TaskCanceled' });
  const n = getsArrived();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(getsArrived(), n, 'no range sent after the abort');
});
