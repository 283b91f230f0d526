// Constructor and per-call options the official SDK documents (and a few of ours), end to end.
// Shared by Node, Chromium and the simulated mini-program runtime.
import { ok, equal, rejects, officialError } from './assert.mjs';
import { patternBytes, uniqueKey, sleep } from './data.mjs';

const MiB = 1024 * 1024;

async function stored(env, key) {
  return (await env.admin.objects(key)).find((o) => o.key === key);
}

function b64(hex) {
  let bin = '';
  for (let i = 0; i < hex.length; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(bin);
}

/** Requests the server saw for one key (path match), optionally of one op. */
async function requestsFor(env, key, op) {
  const enc = encodeURIComponent(key).replace(/%2F/g, '/');
  return (await env.admin.requestLog()).filter((r) => r.url.includes(enc) && (!op || r.op === op));
}

async function waitFor(cond, what, ms = 20000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await sleep(20);
  }
}

export const tests = [
  {
    name: 'UploadCheckContentMd5 and UploadAddMetaMd5: putObject sends Content-MD5 and x-cos-meta-md5',
    async run(env) {
      const cos = new env.COS(env.options({ UploadCheckContentMd5: true, UploadAddMetaMd5: true }));
      const key = uniqueKey('md5opt');
      const bytes = patternBytes(300 * 1024, 31);
      const md5 = env.md5(bytes);
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(bytes) });
      const put = (await requestsFor(env, key, 'PutObject')).pop();
      equal(put.headers['content-md5'], b64(md5), 'Content-MD5 is the base64 of the binary MD5');
      equal(put.headers['x-cos-meta-md5'], md5, 'x-cos-meta-md5 is the hex MD5');
      const head = await cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key });
      equal(head.headers['x-cos-meta-md5'], md5);
    },
  },
  {
    name: 'UploadCheckContentMd5 on sliceUploadFile: every part carries its Content-MD5',
    async run(env) {
      const cos = new env.COS(env.options({ UploadCheckContentMd5: true }));
      const key = uniqueKey('partmd5');
      const bytes = patternBytes(3 * MiB + 5, 32);
      await cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(bytes), ChunkSize: MiB });
      const parts = (await requestsFor(env, key, 'UploadPart')).filter((r) => r.status === 200);
      equal(parts.length, 4);
      for (const p of parts) {
        const n = Number(/partNumber=(\d+)/.exec(p.url)[1]);
        const slice = bytes.subarray((n - 1) * MiB, Math.min(n * MiB, bytes.length));
        equal(p.headers['content-md5'], b64(env.md5(slice)), 'part ' + n);
      }
      equal((await stored(env, key)).md5, env.md5(bytes));
    },
  },
  {
    name: 'Timeout: a stalled request fails with "timeout"; with retries left the next attempt succeeds',
    async run(env) {
      const B = env.bucket, R = env.region;
      const key = uniqueKey('timeout');
      await env.admin.fault({ op: 'PutObject', nth: 1, times: 1, stall: true });
      const once = new env.COS(env.options({ Timeout: 400, RetryTimes: 0 }));
      const err = await rejects(once.putObject({ Bucket: B, Region: R, Key: key, Body: 'slow' }));
      officialError(err);
      equal(err.message, 'timeout');
      await env.admin.clearFaults();
      await env.admin.fault({ op: 'PutObject', nth: 1, times: 1, stall: true });
      const retrying = new env.COS(env.options({ Timeout: 400, RetryTimes: 1, RetryDelay: 10 }));
      const d = await retrying.putObject({ Bucket: B, Region: R, Key: key, Body: 'second try' });
      equal(d.statusCode, 200);
      equal((await stored(env, key)).size, 'second try'.length);
    },
  },
  {
    name: 'StallTimeout ends a request whose answer never comes, with no Timeout set, and the error says how many attempts',
    async run(env) {
      const cos = new env.COS(env.options({ StallTimeout: 800, RetryTimes: 1, RetryDelay: 10 }));
      const key = uniqueKey('stall-guard');
      await env.admin.fault({ op: 'HeadObject', times: 2, stall: true });
      const t0 = Date.now();
      const err = await rejects(cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key }));
      const ms = Date.now() - t0;
      await env.admin.clearFaults();
      officialError(err);
      equal(err.message, 'timeout');
      equal(err.attempts, 2, 'err.attempts');
      ok(ms < 10000, 'settled after ' + ms + ' ms');
    },
  },
  {
    name: 'a part that keeps timing out puts the task in error; restartTask finishes it without resending done parts',
    async run(env) {
      const cos = new env.COS(env.options({ Timeout: 400, RetryTimes: 0, ChunkRetryTimes: 0, ChunkParallelLimit: 1 }));
      const key = uniqueKey('stall');
      const bytes = patternBytes(4 * MiB, 33);
      await env.admin.fault({ op: 'UploadPart', nth: 3, times: 1, stall: true });
      let id;
      const states = [];
      cos.on('list-update', ({ list }) => { const t = list.find((x) => x.id === id); if (t) states.push(t.state); });
      const first = cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, ...(await env.file(bytes, 'stall.bin')), ChunkSize: MiB, onTaskReady: (t) => { id = t; } });
      const err = await rejects(first);
      officialError(err);
      equal(err.message, 'timeout');
      ok(err.UploadId, 'the error names the UploadId to resume');
      const task = cos.getTaskList().find((t) => t.id === id);
      equal(task.state, 'error');
      await env.admin.clearFaults();
      ok(cos.restartTask(id), 'restartTask accepts a task in error');
      await waitFor(() => cos.getTaskList().find((t) => t.id === id).state === 'success', 'the restarted task to succeed');
      equal(states[states.length - 1], 'success');
      equal((await stored(env, key)).md5, env.md5(bytes));
      const ok200 = (await requestsFor(env, key, 'UploadPart')).filter((r) => r.status === 200).map((r) => /partNumber=(\d+)/.exec(r.url)[1]);
      equal(ok200.filter((n) => n === '1').length, 1, 'part 1 sent once');
      equal(ok200.filter((n) => n === '2').length, 1, 'part 2 sent once');
    },
  },
  {
    name: 'KeepUploadOnCancel keeps the multipart upload on the server for a later resume',
    async run(env) {
      const cos = new env.COS(env.options({ ChunkParallelLimit: 1 }));
      const key = uniqueKey('keep');
      const bytes = patternBytes(6 * MiB, 34);
      await env.admin.fault({ op: 'UploadPart', delayMs: 80 });
      let id;
      const p = cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(bytes), ChunkSize: MiB, KeepUploadOnCancel: true, onTaskReady: (t) => { id = t; } });
      await waitFor(() => id && cos.getTaskList().find((t) => t.id === id).loaded >= MiB, 'a part');
      cos.cancelTask(id);
      officialError(await rejects(p), { code: 'TaskCanceled' });
      await env.admin.clearFaults();
      await sleep(200);
      const left = (await env.admin.uploads()).filter((u) => u.key === key);
      equal(left.length, 1, 'the upload is kept');
      await cos.multipartAbort({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: left[0].uploadId });
    },
  },
  {
    name: 'cancelTask while Initiate is on its way still leaves no multipart upload behind',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('cancel-init');
      await env.admin.fault({ op: 'InitiateMultipartUpload', delayMs: 300 });
      let id;
      const p = cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(patternBytes(3 * MiB, 36)), ChunkSize: MiB, onTaskReady: (t) => { id = t; } });
      await sleep(100);
      equal(cos.getTaskList().find((t) => t.id === id).state, 'checking', 'Initiate is in flight');
      cos.cancelTask(id);
      officialError(await rejects(p), { code: 'TaskCanceled' });
      await env.admin.clearFaults();
      await waitFor(async () => (await env.admin.uploads()).filter((u) => u.key === key).length === 0 && (await requestsFor(env, key, 'AbortMultipartUpload')).length === 1, 'the late upload to be aborted', 5000);
      equal((await requestsFor(env, key, 'UploadPart')).length, 0, 'no part was sent');
    },
  },
  {
    name: 'restartTask of a failed uploadFile: onProgress keeps firing, onFileFinish and the callback are called again',
    async run(env) {
      const cos = new env.COS(env.options({ ChunkRetryTimes: 0, ProgressInterval: 10 }));
      const key = uniqueKey('again');
      const bytes = patternBytes(3 * MiB, 37);
      await env.admin.fault({ op: 'UploadPart', nth: 2, times: 1, status: 403, code: 'AccessDenied' });
      let id;
      const finishes = [];
      const results = [];
      let progressAfterRestart = 0;
      let restarted = false;
      cos.uploadFile({
        Bucket: env.bucket, Region: env.region, Key: key, ...(await env.file(bytes, 'again.bin')), SliceSize: MiB, ChunkSize: MiB, AsyncLimit: 1,
        onTaskReady: (t) => { id = t; },
        onProgress: () => { if (restarted) progressAfterRestart += 1; },
        onFileFinish: (err, data, options) => finishes.push([err && err.code, data && data.ETag, options.TaskId, options.Key]),
      }, (err, data) => results.push([err && err.code, data && data.ETag]));
      await waitFor(() => results.length === 1, 'the first failure');
      equal(results[0][0], 'AccessDenied');
      equal(finishes.length, 1);
      equal(finishes[0][0], 'AccessDenied');
      equal(finishes[0][2], id, 'onFileFinish options carry the TaskId');
      await env.admin.clearFaults();
      restarted = true;
      ok(cos.restartTask(id));
      await waitFor(() => results.length === 2 && finishes.length === 2, 'the second settle');
      equal(results[1][0], null);
      ok(/-3"$/.test(results[1][1]), 'multipart ETag ' + results[1][1]);
      equal(finishes[1][0], null);
      equal(finishes[1][3], key);
      ok(progressAfterRestart > 0, 'onProgress fires after the restart');
      equal((await stored(env, key)).md5, env.md5(bytes));
    },
  },
  {
    name: 'getAuthorization is asked once when many requests start together (3 files, 3 parts each in flight)',
    async run(env) {
      let calls = 0;
      const cos = new env.COS(env.options({
        SecretId: undefined, SecretKey: undefined, FileParallelLimit: 3, ChunkParallelLimit: 3,
        getAuthorization(options, cb) {
          calls += 1;
          // A slow STS endpoint: every request that starts meanwhile must wait for this answer.
          env.admin.sts().then((k) => setTimeout(() => cb(k), 100));
        },
      }));
      const files = [];
      for (let i = 0; i < 3; i++) files.push({ Bucket: env.bucket, Region: env.region, Key: uniqueKey('sts-once-' + i), Body: await env.body(patternBytes(3 * MiB, 40 + i)), ChunkSize: MiB });
      const data = await cos.uploadFiles({ files, SliceSize: MiB });
      for (const f of data.files) equal(f.error, null);
      equal(calls, 1, 'one getAuthorization call for every request');
    },
  },
  {
    name: 'params may be class instances (own fields and getters are read, as the official SDK does)',
    async run(env) {
      class UploadParams {
        constructor(key) { this.Bucket = env.bucket; this.Region = env.region; this.Key = key; this.Body = 'from a class'; }
      }
      const cos = new env.COS(env.options());
      const key = uniqueKey('class');
      const d = await cos.putObject(new UploadParams(key));
      equal(d.statusCode, 200);
      equal((await stored(env, key)).size, 'from a class'.length);
      // Getters on the prototype chain (a base class's included); an own field shadows a getter.
      class Base { get Region() { return env.region; } get Key() { return 'shadowed'; } }
      class Derived extends Base {
        constructor(k) { super(); Object.defineProperty(this, 'Key', { value: k, enumerable: true }); }
        get Bucket() { return env.bucket; }
        get Body() { return 'from getters'; }
        get Headers() { return { 'x-cos-meta-via': 'getter' }; }
      }
      const key2 = uniqueKey('class-getters');
      equal((await cos.putObject(new Derived(key2))).statusCode, 200);
      const s = await stored(env, key2);
      equal(s.size, 'from getters'.length);
      equal(s.meta['x-cos-meta-via'], 'getter');
    },
  },
  {
    name: 'a failed task shows its error object in the task list',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('err-task');
      await env.admin.fault({ op: 'PutObject', nth: 1, times: 1, status: 403, code: 'AccessDenied' });
      let id;
      await rejects(cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'x', onTaskReady: (t) => { id = t; } }));
      const task = cos.getTaskList().find((t) => t.id === id);
      equal(task.state, 'error');
      equal(task.error.code, 'AccessDenied');
      equal(task.error.statusCode, 403);
      ok(task.error.message, 'message');
    },
  },
  {
    name: 'Content-Type: sliceUploadFile takes it from the key when not given; ContentType wins',
    async run(env) {
      const cos = new env.COS(env.options());
      const k1 = uniqueKey('ctype') + '.mp4';
      const k2 = uniqueKey('ctype') + '.mp4';
      const bytes = patternBytes(2 * MiB + 1, 35);
      await cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: k1, Body: await env.body(bytes), ChunkSize: MiB });
      await cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: k2, Body: await env.body(bytes), ChunkSize: MiB, ContentType: 'application/x-custom' });
      equal((await stored(env, k1)).headers['content-type'], 'video/mp4');
      equal((await stored(env, k2)).headers['content-type'], 'application/x-custom');
    },
  },
  {
    name: 'callback style works for every kind of call and settles exactly once',
    async run(env) {
      const cos = new env.COS(env.options());
      const B = env.bucket, R = env.region;
      const key = uniqueKey('cb');
      const cb = (method, params) => new Promise((resolve, reject) => {
        let calls = 0;
        const ret = cos[method](params, (err, data) => {
          calls += 1;
          setTimeout(() => (calls === 1 ? (err ? reject(err) : resolve(data)) : reject(new Error(method + ' callback called ' + calls + ' times'))), 50);
        });
        equal(ret, undefined, method + ' returns undefined with a callback');
      });
      const init = await cb('multipartInit', { Bucket: B, Region: R, Key: key });
      const part = await cb('multipartUpload', { Bucket: B, Region: R, Key: key, UploadId: init.UploadId, PartNumber: 1, Body: 'one part' });
      const parts = await cb('multipartListPart', { Bucket: B, Region: R, Key: key, UploadId: init.UploadId });
      equal(parts.Part.length, 1);
      const done = await cb('multipartComplete', { Bucket: B, Region: R, Key: key, UploadId: init.UploadId, Parts: [{ PartNumber: 1, ETag: part.ETag }] });
      ok(done.Location.endsWith(key));
      const up = await cb('uploadFile', { Bucket: B, Region: R, Key: key + '-uf', Body: await env.body(patternBytes(10, 1)) });
      equal(up.statusCode, 200);
      const files = await cb('uploadFiles', { files: [{ Bucket: B, Region: R, Key: key + '-ufs', Body: await env.body(patternBytes(10, 2)) }] });
      equal(files.files[0].error, null);
      const err = await rejects(cb('headObject', { Bucket: B, Region: R, Key: key + '-missing' }));
      officialError(err, { status: 404 });
      const del = await cb('deleteObject', { Bucket: B, Region: R, Key: key });
      equal(del.statusCode, 204);
    },
  },
  {
    name: 'getTaskList and isUploadRunning show the task as soon as putObject, sliceUploadFile, uploadFile and uploadFiles return',
    async run(env) {
      const cos = new env.COS(env.options());
      const B = { Bucket: env.bucket, Region: env.region };
      const key = uniqueKey('listed');
      const bodies = [];
      for (let i = 0; i < 5; i++) bodies.push(await env.body(patternBytes(1000 + i, 40 + i)));
      const settled = [];
      const cb = (resolve) => (err) => resolve(err);
      let before = cos.getTaskList().length;
      const calls = [
        ['putObject', 1, (done) => cos.putObject({ ...B, Key: key + '-put', Body: bodies[0] }, done)],
        ['sliceUploadFile', 1, (done) => cos.sliceUploadFile({ ...B, Key: key + '-slice', Body: bodies[1] }, done)],
        ['uploadFile', 1, (done) => cos.uploadFile({ ...B, Key: key + '-file', Body: bodies[2] }, done)],
        ['uploadFiles', 2, (done) => cos.uploadFiles({ files: [{ ...B, Key: key + '-files-1', Body: bodies[3] }, { ...B, Key: key + '-files-2', Body: bodies[4] }] }, done)],
      ];
      for (const [method, added, call] of calls) {
        settled.push(new Promise((resolve) => call(cb(resolve))));
        const list = cos.getTaskList();
        equal(list.length, before + added, method + ' queued its task(s) before returning');
        ok(list.slice(before).every((t) => t.Key.startsWith(key + '-')), method + ': the new tasks are its own');
        ok(cos.isUploadRunning(), method + ': isUploadRunning');
        before = list.length;
      }
      for (const err of await Promise.all(settled)) equal(err, null);
      ok(!cos.isUploadRunning(), 'nothing runs once all settled');
      ok(cos.getTaskList().every((t) => t.state === 'success'), 'every task succeeded');
    },
  },
  {
    name: 'cos.options changed after construction take effect on the next call (ChunkSize, getAuthorization)',
    async run(env) {
      const cos = new env.COS(env.options({ ChunkParallelLimit: 1 }));
      const B = { Bucket: env.bucket, Region: env.region };
      const key = uniqueKey('live-opts');
      cos.options.ChunkSize = 2 * MiB;
      await cos.sliceUploadFile({ ...B, Key: key, Body: await env.body(patternBytes(3 * MiB, 50)) });
      equal((await requestsFor(env, key, 'UploadPart')).length, 2, 'two 2 MiB parts, not three of 1 MiB');
      // Swapping the keys for a signer: every later request asks it.
      const asked = [];
      const keys = { id: cos.options.SecretId, key: cos.options.SecretKey };
      delete cos.options.SecretId;
      delete cos.options.SecretKey;
      cos.options.getAuthorization = (o, done) => {
        asked.push(o.Key);
        done(env.COS.getAuthorization({ SecretId: keys.id, SecretKey: keys.key, Method: o.Method, Pathname: o.Pathname, Query: o.Query, Headers: o.Headers }));
      };
      equal((await cos.headObject({ ...B, Key: key })).statusCode, 200);
      equal(asked.join(), key);
    },
  },
  {
    name: 'calls made from inside onTaskReady and a list-update listener run (the first call is still on the stack)',
    async run(env) {
      const cos = new env.COS(env.options());
      const B = { Bucket: env.bucket, Region: env.region };
      const key = uniqueKey('nested');
      const lists = [];
      const listener = () => lists.push(cos.getTaskList().length);
      cos.on('list-update', listener);
      let inner = null;
      const outer = cos.putObject({ ...B, Key: key + '-outer', Body: 'outer', onTaskReady: () => {
        if (!inner) inner = cos.putObject({ ...B, Key: key + '-inner', Body: 'inner' });
      } });
      ok(inner, 'the inner call was made from onTaskReady');
      equal(cos.getTaskList().filter((t) => t.Key.startsWith(key)).length, 2);
      equal((await outer).statusCode, 200);
      equal((await inner).statusCode, 200);
      cos.off('list-update', listener);
      ok(lists.length > 0, 'list-update fired');
      equal((await stored(env, key + '-inner')).size, 5);
    },
  },
];
