// sliceUploadFile, uploadFile(s) and the task queue: resumable, bounded, observable.
// Shared by Node, Chromium and the simulated mini-program runtime.
import { ok, equal, rejects, officialError } from './assert.mjs';
import { patternBytes, uniqueKey, sleep } from './data.mjs';
import { abortController } from './signal.mjs';

const MiB = 1024 * 1024;

async function stored(env, key) {
  return (await env.admin.objects(key)).find((o) => o.key === key);
}

/**
 * Successful UploadPart requests per part number for one key, from the server's log. With
 * `partSize`, also a request whose client went away after sending the whole part (logged with
 * status 0): the server stored that part, and a resuming client finds and reuses it.
 */
async function partUploads(env, key) {
  const enc = encodeURIComponent(key).replace(/%2F/g, '/');
  const counts = {};
  for (const r of await env.admin.requestLog()) {
    // Stored, as the server logs it: a part whose answer the client never heard counts too.
    if (r.op !== 'UploadPart' || !r.stored || !r.url.includes(enc + '?')) continue;
    const n = /partNumber=(\d+)/.exec(r.url)[1];
    counts[n] = (counts[n] || 0) + 1;
  }
  return counts;
}

async function waitFor(cond, what, ms = 20000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await sleep(20);
  }
}

function taskOf(cos, id) {
  return cos.getTaskList().find((t) => t.id === id);
}

export const tests = [
  {
    name: 'failed tasks trimmed from the queue (UploadQueueSize) are forgotten: their bodies and callbacks go',
    async run(env) {
      const cos = new env.COS(env.options({ RetryTimes: 0, UploadQueueSize: 1 }));
      const base = cos._host.liveHandles();
      const P = { Bucket: env.bucket, Region: env.region };
      await env.admin.fault({ op: 'PutObject', times: 3, status: 403, code: 'AccessDenied' });
      const errors = [];
      for (let i = 0; i < 3; i++) {
        const Body = await env.body(patternBytes(300, i));
        await new Promise((resolve) => cos.putObject({ ...P, Key: uniqueKey('trim'), Body, onProgress: () => {} }, (err) => { errors.push(err && err.code); resolve(); }));
      }
      await env.admin.clearFaults();
      equal(errors.join(), 'AccessDenied,AccessDenied,AccessDenied');
      // The newest failed task stays (restartable); the two older ones were trimmed and let go.
      equal(cos.getTaskList().length, 1, 'tasks listed');
      equal(cos._taskCallbacks.size, 1, 'callbacks kept for restart');
      const held = cos._host.liveHandles() - base;
      // Its body, onProgress and the onTaskReady the class adds for callback-style task calls.
      ok(held > 0 && held <= 3, 'the kept task holds its own params only (' + held + ' live)');
      ok(cos.cancelTask(cos.getTaskList()[0].id));
      equal(cos._taskCallbacks.size, 0, 'no callback kept after the cancel');
      await waitFor(() => cos._host.liveHandles() === base, 'every handle given back');
    },
  },
  {
    name: 'calls and tasks give back every host value they held: bodies, callbacks and getObject answers',
    async run(env) {
      const cos = new env.COS(env.options({ RetryTimes: 0, ChunkRetryTimes: 0 }));
      const live = () => cos._host.liveHandles();
      const base = live();
      const P = { Bucket: env.bucket, Region: env.region };
      const key = uniqueKey('handles');
      const bytes = patternBytes(3 * MiB + 5, 61);
      const noop = () => {};
      await cos.putObject({ ...P, Key: key, Body: await env.body(bytes.subarray(0, 4096)), onProgress: noop });
      for (let i = 0; i < 3; i++) await cos.getObject({ ...P, Key: key, DataType: 'arraybuffer' });
      await cos.headObject({ ...P, Key: key });
      await cos.getObjectUrl({ ...P, Key: key }, noop);
      await cos.sliceUploadFile({ ...P, Key: key + '-slice', ...(await env.file(bytes, 'handles.bin')), ChunkSize: MiB, onProgress: noop, onHashProgress: noop });
      await cos.uploadFiles({ files: [{ ...P, Key: key + '-f1', Body: await env.body(bytes.subarray(0, 1000)) }, { ...P, Key: key + '-f2', Body: await env.body(bytes.subarray(0, 2000)) }], onProgress: noop, onFileFinish: noop });
      const { UploadId } = await cos.multipartInit({ ...P, Key: key + '-mp' });
      await cos.multipartUpload({ ...P, Key: key + '-mp', UploadId, PartNumber: 1, Body: await env.body(bytes.subarray(0, 100)) });
      await cos.multipartAbort({ ...P, Key: key + '-mp', UploadId });
      await cos.deleteObject({ ...P, Key: key + '-f1' });
      // A task that failed holds its body and callbacks (it can be restarted) until it is canceled...
      await env.admin.fault({ op: 'PutObject', times: 1, status: 403, code: 'AccessDenied' });
      let failedId;
      await rejects(cos.putObject({ ...P, Key: key + '-fail', Body: await env.body(bytes.subarray(0, 500)), onProgress: noop, onTaskReady: (id) => { failedId = id; } }));
      ok(live() > base, 'a failed task keeps its params');
      ok(cos.cancelTask(failedId), 'cancelTask of the failed task');
      // ...or restarted to success.
      await env.admin.fault({ op: 'UploadPart', nth: 2, times: 1, status: 403, code: 'AccessDenied' });
      let sliceId;
      await rejects(cos.sliceUploadFile({ ...P, Key: key + '-again', Body: await env.body(bytes), ChunkSize: MiB, AsyncLimit: 1, onProgress: noop, onTaskReady: (id) => { sliceId = id; } }));
      await env.admin.clearFaults();
      ok(cos.restartTask(sliceId), 'restartTask');
      await waitFor(() => cos.getTaskList().find((t) => t.id === sliceId).state === 'success', 'the restarted task');
      await waitFor(() => live() === base, 'every handle given back (' + live() + ' live, ' + base + ' at the start)', 5000);
    },
  },
  {
    name: 'sliceUploadFile: 64 MiB with 4 parts in flight, monotonic progress, official result fields',
    async run(env) {
      const cos = new env.COS(env.options({ ChunkParallelLimit: 4, ProgressInterval: 50 }));
      const key = uniqueKey('slice64') + '.bin';
      const bytes = patternBytes(64 * MiB, 64);
      const progress = [];
      let taskId = null;
      let hashed = 0;
      const data = await cos.sliceUploadFile({
        Bucket: env.bucket, Region: env.region, Key: key, ...(await env.file(bytes, 'big.bin')), ChunkSize: 8 * MiB,
        onTaskReady: (id) => { taskId = id; },
        onProgress: (p) => progress.push(p),
        onHashProgress: () => { hashed += 1; },
      });
      ok(taskId, 'onTaskReady gave a task id');
      equal(data.Bucket, env.bucket);
      equal(data.Key, key);
      ok(data.Location.endsWith(key), 'Location');
      ok(/-8"$/.test(data.ETag), 'multipart ETag: ' + data.ETag);
      ok(data.UploadId, 'UploadId');
      equal((await stored(env, key)).md5, env.md5(bytes));
      ok(progress.length >= 3, 'intermediate progress events: ' + progress.length);
      for (let i = 1; i < progress.length; i++) ok(progress[i].loaded >= progress[i - 1].loaded, 'progress never moves backwards');
      const last = progress[progress.length - 1];
      equal(last.loaded, 64 * MiB);
      equal(last.percent, 1);
      const task = taskOf(cos, taskId);
      equal(task.state, 'success');
      equal(task.loaded, 64 * MiB);
      equal((await env.admin.uploads()).filter((u) => u.key === key).length, 0, 'no upload left open');
    },
  },
  {
    name: 'pause then restart: in-flight parts stop, finished parts are never resent',
    async run(env) {
      const cos = new env.COS(env.options({ ChunkParallelLimit: 2 }));
      const key = uniqueKey('pause');
      const bytes = patternBytes(12 * MiB, 12);
      await env.admin.fault({ op: 'UploadPart', delayMs: 150 });
      let id;
      const states = [];
      cos.on('list-update', ({ list }) => { const t = list.find((x) => x.id === id); if (t) states.push(t.state); });
      const done = cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, ...(await env.file(bytes)), ChunkSize: MiB, onTaskReady: (t) => { id = t; } });
      await waitFor(() => id && taskOf(cos, id).loaded >= 3 * MiB, 'three parts');
      cos.pauseTask(id);
      equal(taskOf(cos, id).state, 'paused');
      const pausedAt = taskOf(cos, id).loaded;
      await sleep(400);
      ok(taskOf(cos, id).loaded >= pausedAt, 'progress kept while paused');
      await env.admin.clearFaults();
      cos.restartTask(id);
      const data = await done;
      equal((await stored(env, key)).md5, env.md5(bytes));
      ok(data.UploadId);
      // A part on the wire at the pause may be stored without its answer being heard: the restart
      // finds it in the upload's part list and verifies it, so it still counts once.
      const counts = await partUploads(env, key);
      for (let n = 1; n <= 12; n++) equal(counts[n], 1, 'part ' + n + ' stored once');
      equal(states[states.length - 1], 'success', 'list-update ends in success');
      ok(states.includes('paused'), 'paused state was published');
    },
  },
  {
    name: 'a new instance (reload / app restart) resumes from the checkpoint with the same UploadId',
    async run(env) {
      const key = uniqueKey('resume');
      const bytes = patternBytes(10 * MiB, 10);
      const file = await env.file(bytes, 'resume.bin');
      const first = new env.COS(env.options({ ChunkParallelLimit: 1 }));
      await env.admin.fault({ op: 'UploadPart', delayMs: 100 });
      let id;
      first.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, ...file, ChunkSize: MiB, onTaskReady: (t) => { id = t; } }).catch(() => {});
      await waitFor(() => id && taskOf(first, id).loaded >= 4 * MiB, 'four parts');
      first.pauseTask(id); // the page goes away: nothing more from this instance
      await env.admin.clearFaults();
      // A reload comes later than the server's last write: let a part that was on the wire land.
      const storedParts = async () => (await env.admin.uploads()).filter((u) => u.key === key).map((u) => u.parts.length).join();
      let seen = await storedParts();
      await waitFor(async () => { await sleep(250); const now = await storedParts(); const same = now === seen; seen = now; return same; }, 'the server to settle');
      const uploads = (await env.admin.uploads()).filter((u) => u.key === key);
      equal(uploads.length, 1);
      const second = new env.COS(env.options({ ChunkParallelLimit: 3 }));
      let hashEvents = 0;
      const data = await second.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, ...file, ChunkSize: MiB, onHashProgress: () => { hashEvents += 1; } });
      equal(data.UploadId, uploads[0].uploadId, 'same UploadId');
      ok(hashEvents > 0, 'reused parts were verified by hashing');
      equal((await stored(env, key)).md5, env.md5(bytes));
      // The paused instance may have delivered an in-flight part without hearing the answer; it is
      // stored, so the new instance verifies and reuses it: every part is stored exactly once.
      const counts = await partUploads(env, key);
      for (let n = 1; n <= 10; n++) equal(counts[n], 1, 'part ' + n + ' stored once');
    },
  },
  {
    name: 'a server part whose ETag does not match the local part is uploaded again',
    async run(env) {
      const key = uniqueKey('mismatch');
      const bytes = patternBytes(5 * MiB, 5);
      const file = await env.file(bytes, 'mm.bin');
      const cos = new env.COS(env.options({ ChunkParallelLimit: 1 }));
      await env.admin.fault({ op: 'UploadPart', delayMs: 100 });
      let id;
      cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, ...file, ChunkSize: MiB, onTaskReady: (t) => { id = t; } }).catch(() => {});
      await waitFor(() => id && taskOf(cos, id).loaded >= 3 * MiB, 'three parts');
      cos.pauseTask(id);
      await env.admin.clearFaults();
      const upload = (await env.admin.uploads()).find((u) => u.key === key);
      // Someone overwrites part 2 with other bytes of the same size.
      await cos.multipartUpload({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: upload.uploadId, PartNumber: 2, Body: await env.body(patternBytes(MiB, 999)) });
      const fresh = new env.COS(env.options());
      const data = await fresh.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, ...file, ChunkSize: MiB });
      equal(data.UploadId, upload.uploadId);
      equal((await stored(env, key)).md5, env.md5(bytes), 'final object is the local file');
      const counts = await partUploads(env, key);
      equal(counts[1], 1, 'part 1 reused');
      equal(counts[2], 3, 'part 2: original, overwrite, re-upload');
    },
  },
  {
    name: 'cancelTask settles the caller with a clear error and leaves no multipart upload behind',
    async run(env) {
      const key = uniqueKey('cancel');
      const bytes = patternBytes(8 * MiB, 8);
      const cos = new env.COS(env.options({ ChunkParallelLimit: 1 }));
      await env.admin.fault({ op: 'UploadPart', delayMs: 100 });
      let id;
      const p = cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, ...(await env.file(bytes)), ChunkSize: MiB, onTaskReady: (t) => { id = t; } });
      await waitFor(() => id && taskOf(cos, id).loaded >= 2 * MiB, 'two parts');
      cos.cancelTask(id);
      officialError(await rejects(p), { code: 'TaskCanceled' });
      equal(taskOf(cos, id).state, 'canceled');
      await env.admin.clearFaults();
      await waitFor(async () => (await env.admin.uploads()).filter((u) => u.key === key).length === 0, 'the upload to be aborted', 5000);
      const listed = await cos.multipartList({ Bucket: env.bucket, Region: env.region, Prefix: key });
      equal(listed.Upload.length, 0, 'multipartList is empty');
      equal(await stored(env, key), undefined, 'no object');
    },
  },
  {
    name: 'uploadFile picks a simple upload up to SliceSize and multipart above it; onFileFinish',
    async run(env) {
      const cos = new env.COS(env.options());
      await env.admin.resetCounters();
      const finished = [];
      const small = patternBytes(MiB, 21), large = patternBytes(3 * MiB, 22);
      const ks = uniqueKey('uf-small'), kl = uniqueKey('uf-large');
      await cos.uploadFile({ Bucket: env.bucket, Region: env.region, Key: ks, ...(await env.file(small)), SliceSize: MiB, onFileFinish: (e, d, o) => finished.push([e, d, o]) });
      await cos.uploadFile({ Bucket: env.bucket, Region: env.region, Key: kl, ...(await env.file(large)), SliceSize: MiB, onFileFinish: (e, d, o) => finished.push([e, d, o]) });
      const c = await env.admin.counters();
      equal(c.requests.PutObject, 1, 'one simple upload');
      equal(c.requests.UploadPart, 3, 'three parts');
      equal(finished.length, 2);
      equal(finished[0][0], null);
      equal(finished[0][2].Key, ks);
      equal((await stored(env, kl)).md5, env.md5(large));
    },
  },
  {
    name: 'uploadFiles: 20 mixed files, never more than FileParallelLimit=3 in flight, per-file results',
    async run(env) {
      const cos = new env.COS(env.options({ FileParallelLimit: 3, ChunkParallelLimit: 2 }));
      await env.admin.fault({ op: 'UploadPart', delayMs: 20 });
      await env.admin.fault({ op: 'PutObject', delayMs: 20 });
      const files = [];
      const expect = {};
      for (let i = 0; i < 20; i++) {
        const size = [0, 1, 1000, 300 * 1024, 1.5 * MiB, 2.5 * MiB][i % 6];
        const bytes = patternBytes(size, 100 + i);
        const key = uniqueKey('batch-' + i);
        expect[key] = env.md5(bytes);
        files.push({ Bucket: env.bucket, Region: env.region, Key: key, ...(await env.file(bytes, 'f' + i + '.bin')) });
      }
      let maxRunning = 0;
      let lastTotal = 0;
      const watch = ({ list }) => {
        const running = list.filter((t) => t.state === 'checking' || t.state === 'uploading').length;
        maxRunning = Math.max(maxRunning, running);
      };
      cos.on('list-update', watch);
      const finishes = [];
      const data = await cos.uploadFiles({
        files, SliceSize: MiB,
        onProgress: (p) => { ok(p.loaded >= lastTotal, 'aggregate progress monotonic'); lastTotal = p.loaded; },
        onFileFinish: (err, d, options) => finishes.push([err, options.Key]),
      });
      cos.off('list-update', watch);
      await env.admin.clearFaults();
      equal(data.files.length, 20);
      for (const f of data.files) {
        equal(f.error, null, 'no error for ' + f.options.Key);
        ok(f.data && f.data.statusCode === 200, 'data for ' + f.options.Key);
      }
      equal(finishes.length, 20);
      ok(maxRunning <= 3, 'at most 3 files in flight, saw ' + maxRunning);
      ok(maxRunning >= 2, 'files did run in parallel, saw ' + maxRunning);
      for (const [key, md5] of Object.entries(expect)) equal((await stored(env, key)).md5, md5, key);
    },
  },
  {
    name: 'temporary keys with ScopeLimit: one getAuthorization call covers a whole multipart upload',
    async run(env) {
      let calls = 0;
      const cos = new env.COS(env.options({
        SecretId: undefined, SecretKey: undefined, ChunkParallelLimit: 4,
        getAuthorization(options, cb) {
          calls += 1;
          env.admin.sts().then((k) => cb({ ...k, ScopeLimit: true }));
        },
      }));
      const bytes = patternBytes(6 * MiB, 6);
      const key = uniqueKey('scoped');
      await cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(bytes), ChunkSize: MiB });
      equal((await stored(env, key)).md5, env.md5(bytes));
      ok(calls <= 2, 'getAuthorization calls: ' + calls);
    },
  },
  {
    name: 'CRC64 mismatch at Complete is an error, never a success',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('crc');
      await env.admin.fault({ op: 'CompleteMultipartUpload', nth: 1, crc64: '12345' });
      const e = await rejects(cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(patternBytes(2 * MiB, 2)), ChunkSize: MiB }));
      officialError(e, { code: 'CRC64Mismatch' });
      await env.admin.clearFaults();
    },
  },
  {
    name: 'signal: aborting mid-sliceUploadFile settles with TaskCanceled and leaves no multipart upload behind',
    async run(env) {
      const key = uniqueKey('abort-slice');
      const bytes = patternBytes(8 * MiB, 9);
      const cos = new env.COS(env.options({ ChunkParallelLimit: 1 }));
      await env.admin.fault({ op: 'UploadPart', delayMs: 100 });
      const ctl = abortController();
      let id;
      const p = cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, ...(await env.file(bytes)), ChunkSize: MiB, signal: ctl.signal, onTaskReady: (t) => { id = t; } });
      await waitFor(() => id && taskOf(cos, id).loaded >= 2 * MiB, 'two parts');
      ctl.abort();
      officialError(await rejects(p), { code: 'TaskCanceled' });
      equal(taskOf(cos, id).state, 'canceled', 'the task is canceled, as cancelTask leaves it');
      equal(ctl.listeners(), 0, 'no listener left on the signal');
      await env.admin.clearFaults();
      await waitFor(async () => (await env.admin.uploads()).filter((u) => u.key === key).length === 0, 'the upload to be aborted', 5000);
      equal(await stored(env, key), undefined, 'no object');
    },
  },
  {
    name: 'sliceCopyFile: multipart copy aborted by signal leaves no upload; the next copy is right; select reads it back',
    async run(env) {
      const src = uniqueKey('copy-src');
      const dst = uniqueKey('copy-dst');
      const bytes = patternBytes(3 * MiB + 100, 12);
      const cos = new env.COS(env.options({ CopyChunkParallelLimit: 1, CopySliceSize: MiB, CopyChunkSize: MiB }));
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: src, Body: await env.body(bytes) });
      const P = { Bucket: env.bucket, Region: env.region, Key: dst, CopySource: env.bucket + '.cos.' + env.region + '.myqcloud.com/' + encodeURIComponent(src).replace(/%2F/g, '/') };
      await env.admin.fault({ op: 'UploadPartCopy', delayMs: 150 });
      const ctl = abortController();
      const p = cos.sliceCopyFile({ ...P, signal: ctl.signal });
      await waitFor(async () => (await env.admin.uploads()).some((u) => u.key === dst && u.parts.length >= 1), 'a part copied');
      ctl.abort();
      officialError(await rejects(p), { code: 'TaskCanceled' });
      equal(ctl.listeners(), 0, 'no listener left on the signal');
      await env.admin.clearFaults();
      await waitFor(async () => (await env.admin.uploads()).filter((u) => u.key === dst).length === 0, 'the upload to be aborted', 5000);
      equal(await stored(env, dst), undefined, 'no object');
      const seen = [];
      const data = await cos.sliceCopyFile({ ...P, onProgress: (i) => seen.push(i.loaded) });
      ok(/-4"$/.test(data.ETag), 'a 4-part ETag: ' + data.ETag);
      equal((await stored(env, dst)).md5, env.md5(bytes), 'the copy has the source bytes');
      equal(seen[seen.length - 1], bytes.length, 'last progress');
      // Mini-programs have no select (neither has cos-wx-sdk-v5; their wasm is built without it).
      if (env.COS.flavour === 'wx') {
        equal(typeof cos.selectObjectContent, 'undefined', 'no selectObjectContent in mini-programs');
        return;
      }
      // A CSV put next to it, queried: the records come back as the host's bytes value (a Buffer in Node, text elsewhere).
      const csv = uniqueKey('sel') + '.csv';
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: csv, Body: 'name,age\nann,30\nbob,25\n' });
      const sel = await cos.selectObjectContent({
        Bucket: env.bucket, Region: env.region, Key: csv, SelectType: 2,
        SelectRequest: { Expression: 'Select s.name from COSObject s where s.age > 26', ExpressionType: 'SQL', InputSerialization: { CSV: { FileHeaderInfo: 'USE' } }, OutputSerialization: { CSV: {} } },
      });
      const text = typeof sel.Payload === 'string' ? sel.Payload : String.fromCharCode.apply(null, Array.from(sel.Payload));
      equal(text, 'ann\n', 'records');
      equal(sel.Stats.BytesReturned, '4', 'Stats');
    },
  },
  {
    name: 'signal: uploadFiles entries: one aborted mid-upload, one aborted before, the others upload',
    async run(env) {
      const cos = new env.COS(env.options({ FileParallelLimit: 4, ChunkParallelLimit: 1 }));
      await env.admin.fault({ op: 'UploadPart', delayMs: 100 });
      const mid = abortController(), pre = abortController();
      pre.abort();
      const sizes = [1000, 4 * MiB, 1000, 2 * MiB];
      const files = [];
      for (let i = 0; i < sizes.length; i++) {
        const f = { Bucket: env.bucket, Region: env.region, Key: uniqueKey('abort-entry-' + i), ...(await env.file(patternBytes(sizes[i], 40 + i))) };
        if (i === 1) f.signal = mid.signal;
        if (i === 2) f.signal = pre.signal;
        files.push(f);
      }
      const p = cos.uploadFiles({ files, SliceSize: MiB });
      await waitFor(() => cos.getTaskList().some((t) => t.Key === files[1].Key && t.loaded >= MiB), 'a part of the second file');
      mid.abort();
      const data = await p;
      await env.admin.clearFaults();
      equal(data.files.length, 4);
      for (const i of [0, 3]) {
        equal(data.files[i].error, null, 'file ' + i + ' uploaded');
        equal((await stored(env, files[i].Key)).size, sizes[i]);
      }
      for (const i of [1, 2]) {
        equal(data.files[i].error && data.files[i].error.code, 'TaskCanceled', 'file ' + i + ' canceled');
        equal(await stored(env, files[i].Key), undefined, 'no object for file ' + i);
        equal(cos.getTaskList().find((t) => t.Key === files[i].Key).state, 'canceled');
      }
      const log = await env.admin.requestLog();
      equal(log.filter((r) => r.url.includes(encodeURIComponent(files[2].Key))).length, 0, 'nothing sent for the pre-aborted file');
      await waitFor(async () => (await env.admin.uploads()).filter((u) => u.key === files[1].Key).length === 0, 'the upload to be aborted', 5000);
      equal(mid.listeners() + pre.listeners(), 0, 'no listener left on the signals');
    },
  },
  {
    name: 'signal: aborting uploadFiles itself cancels every file and settles with the cancel error',
    async run(env) {
      const cos = new env.COS(env.options({ FileParallelLimit: 1, ChunkParallelLimit: 1 }));
      await env.admin.fault({ op: 'UploadPart', delayMs: 100 });
      const ctl = abortController();
      const files = [];
      for (let i = 0; i < 3; i++) files.push({ Bucket: env.bucket, Region: env.region, Key: uniqueKey('abort-all-' + i), ...(await env.file(patternBytes(3 * MiB, 50 + i))) });
      const finished = [];
      const p = cos.uploadFiles({ files, SliceSize: MiB, signal: ctl.signal, onFileFinish: (err) => finished.push(err && err.code) });
      await waitFor(() => cos.getTaskList().some((t) => t.loaded >= MiB), 'a part');
      ctl.abort();
      officialError(await rejects(p), { code: 'TaskCanceled' });
      await waitFor(() => finished.length === 3, 'every file to finish');
      equal(finished.join(), 'TaskCanceled,TaskCanceled,TaskCanceled');
      for (const f of files) equal(cos.getTaskList().find((t) => t.Key === f.Key).state, 'canceled');
      await env.admin.clearFaults();
      await waitFor(async () => (await env.admin.uploads()).filter((u) => files.some((f) => f.Key === u.key)).length === 0, 'the uploads to be aborted', 5000);
      for (const f of files) equal(await stored(env, f.Key), undefined, 'no object');
      equal(ctl.listeners(), 0, 'no listener left on the signal');
    },
  },
];
