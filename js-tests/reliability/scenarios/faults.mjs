// Faults survived: server errors, connection resets, timeouts, Complete's 200 + <Error>, temporary
// keys expiring mid-upload, a server clock an hour off, integrity mismatches, corruption in transit,
// many pause/restart cycles. The process-kill scenario is in kill.mjs.
import {
  MiB, patternBytes, waitFor, settle, check, eq, assertShape, describeError, partCounts, partNumberOf, corruptingAgent, trackingAgent,
} from '../lib/harness.mjs';

/** Starts a sliceUploadFile and exposes its task id. */
function startSlice(cos, params) {
  const t = { id: null };
  const ready = params.onTaskReady;
  t.promise = cos.sliceUploadFile({ ...params, onTaskReady: (id) => { t.id = id; if (ready) ready(id); } });
  t.promise.catch(() => {});
  t.task = () => cos.getTaskList().find((x) => x.id === t.id);
  return t;
}

function storedParts(ctx, key) {
  const u = ctx.uploads(key)[0];
  return u ? u.parts.length : 0;
}

/** Every part of `uploadId` stored by exactly one successful request. */
function eachPartOnce(ctx, uploadId, parts) {
  const counts = partCounts(ctx.requests(), uploadId);
  for (let n = 1; n <= parts; n++) eq(counts[n], 1, 'successful UploadPart requests for part ' + n);
  return counts;
}

export const scenarios = [
  {
    id: 'random-5xx-resets',
    group: 'faults',
    name: '5xx and connection resets on random parts (and on List/Initiate/Complete): completes, only failed parts resent',
    async run(ctx) {
      const size = 24 * MiB + 12345;
      const parts = 25;
      const bytes = patternBytes(size, 101);
      const key = 'faults/random-5xx.bin';
      const filePath = ctx.file(bytes);
      const picks = ctx.rng.pick(8, 1, parts);
      const injected = [];
      picks.forEach((nth, i) => {
        if (i % 2 === 0) {
          const status = [500, 502, 503, 504][(i / 2) % 4];
          ctx.server.addFault({ op: 'UploadPart', nth, status });
          injected.push('call ' + nth + ': HTTP ' + status);
        } else {
          const dropAfterBytes = ctx.rng.int(0, 512 * 1024);
          ctx.server.addFault({ op: 'UploadPart', nth, dropAfterBytes });
          injected.push('call ' + nth + ': reset after ' + dropAfterBytes + ' B');
        }
      });
      ctx.server.addFault({ op: 'ListMultipartUploads', nth: 1, status: 503 });
      ctx.server.addFault({ op: 'InitiateMultipartUpload', nth: 1, status: 500 });
      ctx.server.addFault({ op: 'CompleteMultipartUpload', nth: 1, status: 503, code: 'SlowDown' });
      ctx.note('UploadPart faults (by arrival order): ' + injected.join(', '));
      const cos = ctx.cos({ ChunkParallelLimit: 4 });
      const data = await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, FilePath: filePath, ChunkSize: MiB });
      ctx.expectObject(key, bytes);
      const log = ctx.requests();
      const up = log.filter((r) => r.op === 'UploadPart');
      const failed = up.filter((r) => r.status !== 200);
      eq(failed.length, 8, 'failed UploadPart requests (one per injected fault)');
      const counts = eachPartOnce(ctx, data.UploadId, parts);
      const perPart = {};
      for (const r of up) perPart[partNumberOf(r.url)] = (perPart[partNumberOf(r.url)] || 0) + 1;
      const failedParts = new Set(failed.map((r) => partNumberOf(r.url)));
      for (let n = 1; n <= parts; n++) {
        const fails = failed.filter((r) => partNumberOf(r.url) === n).length;
        eq(perPart[n], 1 + fails, 'requests for part ' + n + ' = 1 + its failures');
      }
      eq(up.length, parts + 8, 'UploadPart requests in all');
      for (const op of ['ListMultipartUploads', 'InitiateMultipartUpload', 'CompleteMultipartUpload']) {
        eq(log.filter((r) => r.op === op).length, 2, op + ' attempts (one failure, one success)');
      }
      check(log.filter((r) => r.headers['x-cos-sdk-retry'] === 'true').length >= 8, 'retries are marked x-cos-sdk-retry');
      ctx.note('parts resent: ' + [...failedParts].sort((a, b) => a - b).join(', ') + ' (each exactly once more); ' + Object.keys(counts).length + ' parts stored once each');
    },
  },
  {
    id: 'timeouts',
    group: 'faults',
    name: 'timeouts: two stalled parts and a stalled Complete are retried after Timeout; the upload completes',
    async run(ctx) {
      const bytes = patternBytes(8 * MiB + 1, 102);
      const key = 'faults/timeouts.bin';
      const picks = ctx.rng.pick(2, 1, 9);
      for (const nth of picks) ctx.server.addFault({ op: 'UploadPart', nth, stall: true });
      ctx.server.addFault({ op: 'CompleteMultipartUpload', nth: 1, stall: true });
      const cos = ctx.cos({ Timeout: 3000, ChunkParallelLimit: 3 });
      const t0 = Date.now();
      const data = await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: bytes, ChunkSize: MiB });
      ctx.expectObject(key, bytes);
      await ctx.quiesce();
      const log = ctx.requests();
      eachPartOnce(ctx, data.UploadId, 9);
      const up = log.filter((r) => r.op === 'UploadPart');
      const unanswered = up.filter((r) => r.status === 0);
      // On a loaded machine an unstalled part may time out too; what matters is that only the
      // parts that timed out were sent again.
      check(unanswered.length >= 2, 'the two stalled parts timed out (' + unanswered.length + ' unanswered)');
      for (let n = 1; n <= 9; n++) {
        const mine = up.filter((r) => partNumberOf(r.url) === n);
        eq(mine.length, 1 + mine.filter((r) => r.status === 0).length, 'requests for part ' + n + ' = 1 + its timed-out ones');
      }
      check(log.filter((r) => r.op === 'CompleteMultipartUpload').length >= 2, 'Complete: one timed out, then answered');
      ctx.note('stalled UploadPart calls ' + picks.join(', ') + ' and the first Complete; ' + unanswered.length + ' parts timed out; done in ' + (Date.now() - t0) + ' ms');
    },
  },
  {
    id: 'complete-200-error',
    group: 'faults',
    name: 'Complete answers 200 + <Error>: retried once → right object; every time → an error (never success), resumed later with the same UploadId',
    async run(ctx) {
      const bytes = patternBytes(5 * MiB + 77, 103);
      const filePath = ctx.file(bytes);
      // Once: the engine retries Complete and succeeds.
      const k1 = 'faults/complete-once.bin';
      ctx.server.addFault({ op: 'CompleteMultipartUpload', nth: 1, completeError: { code: 'InternalError', message: 'merge failed' } });
      const cos = ctx.cos();
      const d1 = await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: k1, FilePath: filePath, ChunkSize: MiB });
      ctx.expectObject(k1, bytes);
      eq(ctx.requests().filter((r) => r.op === 'CompleteMultipartUpload' && r.url.startsWith('/' + k1)).length, 2, 'Complete attempts');
      check(/-6"$/.test(d1.ETag), 'multipart ETag ' + d1.ETag);
      // Every attempt: the call fails with the server's code, nothing is stored, the upload stays for a resume.
      const k2 = 'faults/complete-always.bin';
      ctx.server.clearFaults();
      ctx.server.addFault({ op: 'CompleteMultipartUpload', nth: 1, times: 10, completeError: { code: 'InternalError', message: 'merge failed' } });
      const r2 = await settle(cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: k2, FilePath: filePath, ChunkSize: MiB }));
      check(!r2.ok, 'a Complete that always answers <Error> must not be reported as success');
      assertShape(r2.error, { code: 'InternalError' });
      eq(r2.error.statusCode, 200, 'statusCode of a 200 + <Error>');
      check(r2.error.UploadId, 'the error names the UploadId');
      eq(ctx.object(k2), undefined, 'no object stored');
      const open = ctx.uploads(k2);
      eq(open.length, 1, 'upload kept for a resume');
      ctx.server.clearFaults();
      // A new instance (e.g. after a restart of the app) resumes from the checkpoint.
      const before = ctx.requests().length;
      const d2 = await ctx.cos().sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: k2, FilePath: filePath, ChunkSize: MiB });
      eq(d2.UploadId, open[0].uploadId, 'resumed the same UploadId');
      eq(ctx.requests().slice(before).filter((r) => r.op === 'UploadPart').length, 0, 'no part resent on resume');
      ctx.expectObject(k2, bytes);
      ctx.note('failure reported as ' + describeError(r2.error));
    },
  },
  {
    id: 'temp-keys-expire-midway',
    group: 'faults',
    name: 'temporary keys expire mid-upload (server clock jumps past ExpiredTime): getAuthorization is called again, the upload finishes',
    async run(ctx) {
      const bytes = patternBytes(8 * MiB, 104);
      const key = 'faults/sts-expire.bin';
      let calls = 0;
      const cos = ctx.cos({
        SecretId: undefined, SecretKey: undefined, ChunkParallelLimit: 1,
        getAuthorization(options, cb) { calls += 1; cb(ctx.server.issueTempKeys({ durationSeconds: 600 })); },
      });
      ctx.server.addFault({ op: 'UploadPart', delayMs: 30 });
      const t = startSlice(cos, { Bucket: ctx.B, Region: ctx.R, Key: key, FilePath: ctx.file(bytes), ChunkSize: MiB });
      await waitFor(() => storedParts(ctx, key) >= 3, 'three parts stored');
      const callsBefore = calls;
      // Ten minutes and a bit later, as far as the server is concerned: the keys have expired.
      ctx.server.setClockOffset(700 * 1000);
      const r = await settle(t.promise);
      const refused = ctx.requests().filter((x) => x.status === 403).length;
      ctx.note('getAuthorization calls: ' + callsBefore + ' before the keys expired, ' + calls + ' in all; requests refused with 403: ' + refused);
      if (!r.ok) {
        // The user gives up: cancelTask should abort the upload (with what credentials it can get).
        cos.cancelTask(t.id);
        const gone = await settle(waitFor(() => ctx.uploads(key).length === 0, 'the upload to be aborted', 5000));
        throw new Error('the upload failed instead of fetching fresh keys: ' + describeError(r.error) +
          (gone.ok ? '' : '; cancelTask then could not abort the upload either (' + ctx.requests().filter((x) => x.op === 'AbortMultipartUpload').map((x) => 'Abort → HTTP ' + x.status).join(', ') + ')'));
      }
      check(calls > callsBefore, 'getAuthorization called again after the keys expired');
      ctx.expectObject(key, bytes);
    },
  },
  {
    id: 'temp-keys-short-lived',
    group: 'faults',
    name: 'short-lived temporary keys (62 s): refreshed 60 s before ExpiredTime, never refused, the upload finishes',
    async run(ctx) {
      const bytes = patternBytes(12 * MiB, 105);
      const key = 'faults/sts-short.bin';
      let calls = 0;
      const cos = ctx.cos({
        SecretId: undefined, SecretKey: undefined, ChunkParallelLimit: 1,
        getAuthorization(options, cb) { calls += 1; cb(ctx.server.issueTempKeys({ durationSeconds: 62 })); },
      });
      ctx.server.addFault({ op: 'UploadPart', delayMs: 350 });
      const t0 = Date.now();
      await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: bytes, ChunkSize: MiB });
      const secs = (Date.now() - t0) / 1000;
      ctx.expectObject(key, bytes);
      eq(ctx.requests().filter((r) => r.status === 403).length, 0, 'requests refused');
      check(calls >= 2, 'keys refreshed during a ' + secs.toFixed(1) + ' s upload (getAuthorization calls: ' + calls + ')');
      // Usable for 1–2 s each (whole seconds): at most about one call per second, not one per request.
      check(calls <= Math.ceil(secs) + 2, 'not fetched per request: ' + calls + ' calls in ' + secs.toFixed(1) + ' s');
      ctx.note('getAuthorization called ' + calls + ' times in ' + secs.toFixed(1) + ' s for ' + ctx.requests().length + ' requests (keys usable for 1–2 s each)');
    },
  },
  {
    id: 'clock-hour-off-permanent',
    group: 'faults',
    name: 'server clock one hour ahead / behind, permanent keys: skew corrected once, multipart upload completes',
    async run(ctx) {
      const bytes = patternBytes(4 * MiB + 3, 106);
      for (const [label, off] of [['ahead', 3600e3], ['behind', -3600e3]]) {
        ctx.server.setClockOffset(off);
        const key = 'faults/skew-' + label + '.bin';
        const before = ctx.requests().length;
        const d = await ctx.cos().sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, FilePath: ctx.file(bytes), ChunkSize: MiB });
        ctx.expectObject(key, bytes);
        const log = ctx.requests().slice(before);
        const refused = log.filter((r) => r.status === 403).length;
        eq(refused, 1, 'clock ' + label + ': requests refused before the correction');
        eachPartOnce(ctx, d.UploadId, 5);
      }
    },
  },
  {
    id: 'clock-hour-off-temp-keys',
    group: 'faults',
    name: 'server (and STS) clock one hour ahead / behind, temporary keys: upload completes, keys reused (not fetched per request)',
    async run(ctx) {
      const bytes = patternBytes(6 * MiB, 107);
      const problems = [];
      for (const [label, off] of [['ahead', 3600e3], ['behind', -3600e3]]) {
        ctx.server.setClockOffset(off);
        const key = 'faults/skew-sts-' + label + '.bin';
        let calls = 0;
        const cos = ctx.cos({
          SecretId: undefined, SecretKey: undefined,
          getAuthorization(options, cb) { calls += 1; cb(ctx.server.issueTempKeys({})); },
        });
        const before = ctx.requests().length;
        await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, FilePath: ctx.file(bytes), ChunkSize: MiB });
        ctx.expectObject(key, bytes);
        const requests = ctx.requests().slice(before).length;
        ctx.note('clock ' + label + ': ' + calls + ' getAuthorization calls for ' + requests + ' requests');
        if (calls > 2) problems.push('clock ' + label + ': getAuthorization called ' + calls + ' times for ' + requests + ' requests (keys valid for 30 minutes)');
      }
      if (problems.length) throw new Error(problems.join('; '));
    },
  },
  {
    id: 'crc64-part',
    group: 'faults',
    name: 'CRC64 mismatch on UploadPart: once → the part is resent, right object; on every attempt → CRC64Mismatch error, then restartTask finishes',
    async run(ctx) {
      const bytes = patternBytes(6 * MiB, 108);
      const filePath = ctx.file(bytes);
      const k1 = 'faults/crc-part-once.bin';
      const nth = ctx.rng.int(1, 6);
      ctx.server.addFault({ op: 'UploadPart', nth, crc64: '12345' });
      const cos = ctx.cos({ ChunkParallelLimit: 1 });
      const d1 = await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: k1, FilePath: filePath, ChunkSize: MiB });
      ctx.expectObject(k1, bytes);
      const c1 = partCounts(ctx.requests(), d1.UploadId);
      eq(c1[nth], 2, 'part ' + nth + ' (wrong CRC64 in its answer) sent twice');
      eq(Object.values(c1).reduce((a, b) => a + b, 0), 7, 'the other parts once');
      // Part 3 answered with a wrong CRC64 on each of its 4 attempts (the larger of RetryTimes 3
      // and ChunkRetryTimes 2).
      ctx.server.clearFaults();
      const k2 = 'faults/crc-part-always.bin';
      ctx.server.addFault({ op: 'UploadPart', nth: 3, times: 4, crc64: '12345' });
      const t = startSlice(cos, { Bucket: ctx.B, Region: ctx.R, Key: k2, FilePath: filePath, ChunkSize: MiB });
      const r = await settle(t.promise);
      check(!r.ok, 'a part whose CRC64 never matches must fail the upload');
      assertShape(r.error, { code: 'CRC64Mismatch' });
      eq(r.error.attempts, 4, 'err.attempts');
      eq(ctx.object(k2), undefined, 'nothing completed');
      eq(t.task().state, 'error', 'task state');
      ctx.server.clearFaults();
      check(cos.restartTask(t.id), 'restartTask accepted');
      await waitFor(() => t.task().state === 'success', 'the restarted task to succeed');
      ctx.expectObject(k2, bytes);
      const id2 = new URLSearchParams(ctx.requests().filter((x) => x.op === 'CompleteMultipartUpload' && x.url.startsWith('/' + k2)).pop().url.split('?')[1]).get('uploadId');
      const c3 = partCounts(ctx.requests(), id2);
      eq(c3[1], 1, 'part 1 not resent after the restart');
      eq(c3[2], 1, 'part 2 not resent after the restart');
      // Each refused answer came with the part stored: the restart lists it, finds its ETag is the
      // local part's MD5, and keeps it.
      eq(c3[3], 4, 'part 3: four refused answers, its stored copy verified and kept by the restart');
      ctx.note('error: ' + describeError(r.error));
    },
  },
  {
    id: 'crc64-put-small',
    group: 'faults',
    name: 'CRC64 mismatch on putObject (1 MiB): an error, never success; non-numeric x-cos-hash-crc64ecma too',
    async run(ctx) {
      const bytes = patternBytes(MiB, 109);
      const key = 'faults/crc-put.bin';
      const cos = ctx.cos();
      for (const value of ['12345', 'not-a-number', '']) {
        ctx.server.addFault({ op: 'PutObject', nth: 1, crc64: value });
        const r = await settle(cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: bytes }));
        if (value === '') {
          // An empty header is no claim at all; either outcome is acceptable, but never a wrong object.
          ctx.note('empty x-cos-hash-crc64ecma: ' + (r.ok ? 'accepted' : describeError(r.error)));
          continue;
        }
        check(!r.ok, 'x-cos-hash-crc64ecma: ' + JSON.stringify(value) + ' must be an error');
        assertShape(r.error, { code: 'CRC64Mismatch' });
      }
      ctx.server.clearFaults();
      await cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: bytes });
      ctx.expectObject(key, bytes);
    },
  },
  {
    id: 'crc64-put-large',
    group: 'faults',
    name: 'CRC64 mismatch on putObject of 17 MiB (above the 16 MiB pre-hash limit): an error, never success',
    async run(ctx) {
      const bytes = patternBytes(17 * MiB, 110);
      const key = 'faults/crc-put-large.bin';
      const cos = ctx.cos();
      ctx.server.addFault({ op: 'PutObject', nth: 1, crc64: '12345' });
      const r = await settle(cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: key, FilePath: ctx.file(bytes) }));
      ctx.server.clearFaults();
      await cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: bytes });
      ctx.expectObject(key, bytes);
      check(!r.ok, 'putObject of 17 MiB answered with a wrong x-cos-hash-crc64ecma resolved as a success (statusCode ' + (r.value && r.value.statusCode) + ')');
      assertShape(r.error, { code: 'CRC64Mismatch' });
    },
  },
  {
    id: 'corruption-in-transit',
    group: 'faults',
    name: 'bytes corrupted in transit: BadDigest with UploadCheckContentMd5, CRC64Mismatch without (putObject); a corrupted part is never kept',
    async run(ctx) {
      const bytes = patternBytes(300 * 1024, 111);
      const B = ctx.B, R = ctx.R;
      // putObject, Content-MD5 on: COS refuses the body.
      const k1 = 'faults/corrupt-md5.bin';
      let agent = corruptingAgent((m, p) => m === 'PUT' && p.startsWith('/' + k1));
      const r1 = await settle(ctx.cos({ UploadCheckContentMd5: true, HttpAgent: agent }).putObject({ Bucket: B, Region: R, Key: k1, Body: bytes }));
      eq(agent.state.corrupted.length, 1, 'one request corrupted');
      check(!r1.ok, 'a corrupted body with Content-MD5 must fail');
      assertShape(r1.error, { code: 'BadDigest' });
      eq(r1.error.statusCode, 400);
      eq(ctx.object(k1), undefined, 'nothing stored');
      // putObject, no Content-MD5: COS stores what it got; the CRC64 check reports it.
      const k2 = 'faults/corrupt-crc.bin';
      agent = corruptingAgent((m, p) => m === 'PUT' && p.startsWith('/' + k2));
      const r2 = await settle(ctx.cos({ HttpAgent: agent }).putObject({ Bucket: B, Region: R, Key: k2, Body: bytes }));
      check(!r2.ok, 'a corrupted body must not be reported as stored');
      assertShape(r2.error, { code: 'CRC64Mismatch' });
      // The user retries both: right objects.
      await ctx.cos().putObject({ Bucket: B, Region: R, Key: k1, Body: bytes });
      await ctx.cos().putObject({ Bucket: B, Region: R, Key: k2, Body: bytes });
      ctx.expectObject(k1, bytes);
      ctx.expectObject(k2, bytes);
      // Multipart, part 2 corrupted once: with and without Content-MD5.
      const big = patternBytes(4 * MiB + 5, 112);
      const filePath = ctx.file(big);
      for (const md5opt of [false, true]) {
        const key = 'faults/corrupt-part-' + (md5opt ? 'md5' : 'crc') + '.bin';
        agent = corruptingAgent((m, p) => m === 'PUT' && p.startsWith('/' + key + '?partNumber=2&'));
        const cos = ctx.cos({ UploadCheckContentMd5: md5opt, HttpAgent: agent, ChunkParallelLimit: 2 });
        const t = startSlice(cos, { Bucket: B, Region: R, Key: key, FilePath: filePath, ChunkSize: MiB });
        const r = await settle(t.promise);
        eq(agent.state.corrupted.length, 1, 'part 2 corrupted once');
        if (r.ok) {
          ctx.note((md5opt ? 'Content-MD5' : 'CRC64') + ': corrupted part 2 resent, upload completed');
        } else {
          ctx.note((md5opt ? 'Content-MD5' : 'CRC64') + ': upload failed with ' + describeError(r.error) + ', restartTask finished it');
          assertShape(r.error);
          check(['BadDigest', 'CRC64Mismatch'].includes(r.error.code), 'integrity error code, got ' + r.error.code);
          check(cos.restartTask(t.id), 'restartTask');
          await waitFor(() => t.task().state === 'success', 'the restarted upload');
        }
        ctx.expectObject(key, big);
      }
    },
  },
  {
    id: 'retries-do-not-nest',
    group: 'faults',
    name: 'one retry layer per request: a part that always fails is sent 1 + max(RetryTimes, ChunkRetryTimes) times (nested layers sent it up to 12), a put 1 + RetryTimes times, and the error says how many attempts and how long',
    async run(ctx) {
      const B = ctx.B;
      const R = ctx.R;
      const cos = ctx.cos({ RetryTimes: 3, ChunkRetryTimes: 2, RetryDelay: 5 });
      const count = (pred) => ctx.requests().filter(pred).length;
      // Part 2 answers 503 every time.
      ctx.server.addFault({ op: 'UploadPart', nth: 2, times: 1000, status: 503 });
      const key = 'faults/nest.bin';
      const r = await settle(cos.sliceUploadFile({ Bucket: B, Region: R, Key: key, Body: patternBytes(3 * MiB, 9), ChunkSize: MiB, AsyncLimit: 1 }));
      ctx.server.clearFaults();
      check(!r.ok, 'the upload failed');
      assertShape(r.error);
      const part2 = count((e) => e.op === 'UploadPart' && /partNumber=2\b/.test(e.url) && e.status === 503);
      eq(part2, 4, 'requests for the failing part (1 + max(RetryTimes, ChunkRetryTimes))');
      eq(r.error.attempts, 4, 'err.attempts');
      check(typeof r.error.elapsedMs === 'number' && r.error.elapsedMs >= 0, 'err.elapsedMs is a number');
      for (const t of cos.getTaskList()) if (t.Key === key) cos.cancelTask(t.id);
      await waitFor(() => ctx.uploads(key).length === 0, 'the canceled upload to be aborted', 10000);
      // A simple put: its own request loop only.
      const before = count((e) => e.op === 'PutObject');
      ctx.server.addFault({ op: 'PutObject', times: 1000, status: 503 });
      const p = await settle(cos.putObject({ Bucket: B, Region: R, Key: 'faults/nest-put', Body: 'x' }));
      ctx.server.clearFaults();
      check(!p.ok, 'the put failed');
      eq(count((e) => e.op === 'PutObject') - before, 4, 'PutObject requests (1 + RetryTimes)');
      eq(p.error.attempts, 4, 'err.attempts of the put');
      ctx.note('part: ' + part2 + ' attempts in ' + r.error.elapsedMs + ' ms; put: ' + p.error.attempts + ' attempts in ' + p.error.elapsedMs + ' ms');
    },
  },
  {
    id: 'pause-cancel-during-complete',
    group: 'faults',
    name: 'pauseTask and cancelTask while Complete is in flight are refused: the stored object is reported as a success, never as canceled or NoSuchUpload',
    async run(ctx) {
      const bytes = patternBytes(3 * MiB + 5, 121);
      for (const action of ['pauseTask', 'cancelTask']) {
        const key = 'faults/commit-' + action + '.bin';
        const cos = ctx.cos();
        // Complete waits 400 ms in the server: the pause or cancel lands while it is on its way.
        ctx.server.addFault({ op: 'CompleteMultipartUpload', delayMs: 400 });
        const t = startSlice(cos, { Bucket: ctx.B, Region: ctx.R, Key: key, Body: bytes, ChunkSize: MiB });
        await waitFor(() => [...ctx.watch.active].some((e) => e.method === 'POST' && /[?&]uploadId=/.test(e.url)), 'Complete in flight');
        eq(cos[action](t.id), false, action + ' during Complete');
        const r = await settle(t.promise);
        ctx.server.clearFaults();
        check(r.ok, action + ' during Complete: the task ended with ' + (r.ok ? '' : describeError(r.error)));
        eq(t.task().state, 'success', 'task state after ' + action);
        ctx.expectObject(key, bytes);
      }
    },
  },
  {
    id: 'pause-restart-cancel-storm-50',
    group: 'faults',
    name: 'a storm of pause/restart/cancel on 50 tasks: every task whose object is stored ends as a success; canceled tasks leave no object and no upload',
    timeoutMs: 120000,
    async run(ctx) {
      const cos = ctx.cos({ FileParallelLimit: 5, ChunkParallelLimit: 2 });
      ctx.server.addFault({ op: 'UploadPart', delayMs: 20 });
      ctx.server.addFault({ op: 'CompleteMultipartUpload', delayMs: 60 });
      const tasks = [];
      for (let i = 0; i < 50; i++) {
        const bytes = patternBytes(2 * MiB + i, 200 + i);
        tasks.push({ key: 'faults/storm-' + i + '.bin', bytes, t: startSlice(cos, { Bucket: ctx.B, Region: ctx.R, Key: 'faults/storm-' + i + '.bin', Body: bytes, ChunkSize: MiB }) });
      }
      await waitFor(() => tasks.every((x) => x.t.id), 'the task ids');
      const rnd = ctx.rng.next;
      const deadline = Date.now() + 4000;
      while (Date.now() < deadline && tasks.some((x) => !['success', 'canceled'].includes(x.t.task().state))) {
        const x = tasks[Math.floor(rnd() * tasks.length)];
        const roll = rnd();
        if (roll < 0.45) cos.pauseTask(x.t.id);
        else if (roll < 0.9) cos.restartTask(x.t.id);
        else if (roll < 0.93) cos.cancelTask(x.t.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      for (const x of tasks) if (['paused', 'error'].includes(x.t.task().state)) cos.restartTask(x.t.id);
      const results = await Promise.all(tasks.map((x) => settle(x.t.promise)));
      ctx.server.clearFaults();
      await ctx.quiesce();
      let ok = 0;
      let canceled = 0;
      for (const [i, x] of tasks.entries()) {
        const stored = ctx.object(x.key);
        const r = results[i];
        if (r.ok) {
          ok += 1;
          ctx.expectObject(x.key, x.bytes);
        } else {
          check(r.error.code === 'TaskCanceled', x.key + ' ended with ' + describeError(r.error));
          check(!stored, x.key + ' is stored whole but its task ended canceled');
          canceled += 1;
        }
      }
      ctx.note(ok + ' succeeded, ' + canceled + ' canceled');
    },
  },
  {
    id: 'pause-restart-50',
    group: 'faults',
    name: '50 pause/restart cycles on one upload: byte-identical object, every part stored once (duplicates only for parts a pause cut off)',
    timeoutMs: 150000,
    async run(ctx) {
      // Odd cycles pause as soon as the restarted task has sent a part (it waits in the server's
      // 150 ms delay, so it cannot finish); even cycles wait until one more part is stored. At most
      // two parts finish per cycle: 64 parts outlast 50 cycles.
      const parts = 64;
      const bytes = patternBytes(parts * MiB - 1000, 113);
      const key = 'faults/pause-50.bin';
      const agent = trackingAgent();
      const cos = ctx.cos({ ChunkParallelLimit: 2, HttpAgent: agent });
      ctx.server.addFault({ op: 'UploadPart', delayMs: 150 });
      const states = [];
      cos.on('list-update', ({ list }) => { const x = list.find((y) => y.id === t.id); if (x) states.push(x.state); });
      const progress = [];
      const t = startSlice(cos, { Bucket: ctx.B, Region: ctx.R, Key: key, FilePath: ctx.file(bytes), ChunkSize: MiB, onProgress: (p) => progress.push(p.loaded) });
      const partsInFlight = () => [...agent.inFlight].map((e) => partNumberOf(e.path)).filter((n) => n !== null);
      const cutOff = {}; // part number → pauses that found it in flight (client side)
      let settled = false;
      t.promise.then(() => { settled = true; }, () => { settled = true; });
      const stored = () => storedParts(ctx, key);
      await waitFor(() => t.id && t.task(), 'the task id');
      let emptyCycles = 0;
      for (let cycle = 1; cycle <= 50; cycle++) {
        const have = stored();
        const sent = agent.started;
        if (cycle % 2) await waitFor(() => (agent.started > sent && partsInFlight().length > 0) || t.task().state === 'success', 'a part sent (cycle ' + cycle + ')');
        else await waitFor(() => stored() > have || t.task().state === 'success', 'one more part stored (cycle ' + cycle + ')');
        if (t.task().state === 'success') throw new Error('the upload finished after only ' + (cycle - 1) + ' cycles; use more parts');
        const cut = partsInFlight();
        if (!cut.length) emptyCycles += 1;
        for (const n of cut) cutOff[n] = (cutOff[n] || 0) + 1;
        check(cos.pauseTask(t.id), 'pauseTask accepted (cycle ' + cycle + ')');
        eq(t.task().state, 'paused', 'state after pause');
        await waitFor(() => partsInFlight().length === 0, 'pauseTask to abort the part requests in flight (cycle ' + cycle + ')', 5000);
        check(!settled, 'the call settled during cycle ' + cycle);
        check(cos.restartTask(t.id), 'restartTask accepted (cycle ' + cycle + ')');
      }
      const data = await t.promise;
      ctx.expectObject(key, bytes);
      // A part whose answer a pause cut off may be stored all the same: the restart finds it listed
      // and verified, so it counts as stored once.
      const counts = partCounts(ctx.requests(), data.UploadId, { stored: true });
      const dups = [];
      for (let n = 1; n <= parts; n++) {
        check(counts[n] >= 1, 'part ' + n + ' stored');
        const allowed = 1 + (cutOff[n] || 0);
        check(counts[n] <= allowed, 'part ' + n + ' stored ' + counts[n] + ' times, but only ' + (cutOff[n] || 0) + ' pauses cut it off');
        if (counts[n] > 1) dups.push(n + '×' + counts[n]);
      }
      eq(states[states.length - 1], 'success', 'last list-update state');
      check(states.filter((x) => x === 'paused').length >= 50, 'every pause published');
      const cut = Object.values(cutOff).reduce((a, b) => a + b, 0);
      ctx.note('part requests cut off by pauses: ' + cut + ' (' + emptyCycles + ' pauses found none in flight); parts stored more than once: ' + (dups.join(', ') || 'none'));
      const back = [];
      for (let i = 1; i < progress.length; i++) if (progress[i] < progress[i - 1]) back.push(progress[i - 1] + ' → ' + progress[i]);
      if (back.length) throw new Error('onProgress went backwards ' + back.length + ' times (README: "Progress never goes backwards"), e.g. ' + back.slice(0, 3).join(', '));
    },
  },
];
