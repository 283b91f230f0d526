// sliceCopyFile under failure: part copies that fail are retried (and only they), a failed copy is
// resumed by the next call without copying its finished parts again, and a canceled copy leaves no
// upload open. selectObjectContent: a damaged answer is an error, never data.
import { createRequire } from 'node:module';
import { MiB, patternBytes, waitFor, check, eq, assertShape, partNumberOf } from '../lib/harness.mjs';

/** Successful (200) UploadPartCopy requests per part number of one upload. */
function copyCounts(entries, uploadId) {
  const counts = {};
  for (const r of entries) {
    if (r.op !== 'UploadPartCopy' || r.status !== 200 || uploadIdOf(r.url) !== uploadId) continue;
    counts[partNumberOf(r.url)] = (counts[partNumberOf(r.url)] || 0) + 1;
  }
  return counts;
}

const uploadIdOf = (url) => new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('uploadId');

const PARTS = 5;

/** Puts a source object of PARTS MiB + a bit; returns its key, bytes and CopySource. */
async function source(ctx, cos, name) {
  const bytes = patternBytes((PARTS - 1) * MiB + 4321, 211);
  const key = 'copy/' + name + '-src.bin';
  await cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: bytes });
  return { key, bytes, CopySource: ctx.B + '.cos.' + ctx.R + '.myqcloud.com/' + key };
}

const copyParams = (ctx, src, key) => ({ Bucket: ctx.B, Region: ctx.R, Key: key, CopySource: src.CopySource, CopySliceSize: MiB, CopyChunkSize: MiB });

export const scenarios = [
  {
    id: 'copy-part-faults',
    group: 'copy',
    name: 'sliceCopyFile: 5xx on two part copies and on Complete: retried, each part copied once, right object',
    async run(ctx) {
      const cos = ctx.cos({ CopyChunkParallelLimit: 2 });
      const src = await source(ctx, cos, 'faults');
      const key = 'copy/faults-dst.bin';
      ctx.server.addFault({ op: 'UploadPartCopy', nth: 2, status: 503, code: 'SlowDown' });
      ctx.server.addFault({ op: 'UploadPartCopy', nth: 4, status: 500 });
      ctx.server.addFault({ op: 'CompleteMultipartUpload', nth: 1, status: 503 });
      const progress = [];
      const data = await cos.sliceCopyFile({ ...copyParams(ctx, src, key), onProgress: (p) => progress.push(p) });
      ctx.expectObject(key, src.bytes);
      check(typeof data.ETag === 'string' && data.ETag.endsWith('-' + PARTS + '"'), 'a multipart ETag of ' + PARTS + ' parts: ' + data.ETag);
      const log = ctx.requests();
      const copies = log.filter((r) => r.op === 'UploadPartCopy');
      eq(copies.filter((r) => r.status !== 200).length, 2, 'failed UploadPartCopy requests');
      eq(copies.length, PARTS + 2, 'UploadPartCopy requests in all (each part once, plus the two retried)');
      const counts = copyCounts(log, uploadIdOf(copies[0].url));
      for (let n = 1; n <= PARTS; n++) eq(counts[n], 1, 'successful copies of part ' + n);
      check(copies.filter((r) => r.headers['x-cos-sdk-retry'] === 'true').length === 2, 'the two retries are marked x-cos-sdk-retry');
      eq(log.filter((r) => r.op === 'CompleteMultipartUpload').length, 2, 'Complete attempts (one failure, one success)');
      const last = progress[progress.length - 1];
      check(last && last.loaded === src.bytes.length && last.total === src.bytes.length && last.percent === 1, 'last progress is the whole size: ' + JSON.stringify(last));
      ctx.note('parts retried: ' + copies.filter((r) => r.status !== 200).map((r) => partNumberOf(r.url)).join(', '));
    },
  },
  {
    id: 'copy-resume',
    group: 'copy',
    name: 'sliceCopyFile: a part that keeps failing fails the copy (upload kept); the next call resumes it, copying only the missing parts',
    async run(ctx) {
      const cos = ctx.cos({ CopyChunkParallelLimit: 1 });
      const src = await source(ctx, cos, 'resume');
      const key = 'copy/resume-dst.bin';
      // The third part copy and every retry of it fail.
      ctx.server.addFault({ op: 'UploadPartCopy', nth: 3, times: 20, status: 500 });
      let err = null;
      await cos.sliceCopyFile(copyParams(ctx, src, key)).catch((e) => { err = e; });
      check(err !== null, 'the first copy fails');
      assertShape(err);
      eq(err.code, 'InternalError', 'error code');
      check(typeof err.UploadId === 'string' && err.UploadId.length > 0, 'the error names the kept upload');
      const open = ctx.uploads(key);
      eq(open.length, 1, 'uploads left for the resume');
      eq(open[0].parts.length, 2, 'parts copied before the failure');
      ctx.server.clearFaults();
      const before = ctx.requests().length;
      // A new instance: the resume comes from the checkpoint file, not from memory.
      const data = await ctx.cos({ CopyChunkParallelLimit: 1 }).sliceCopyFile(copyParams(ctx, src, key));
      ctx.expectObject(key, src.bytes);
      const log = ctx.requests().slice(before);
      const copies = log.filter((r) => r.op === 'UploadPartCopy');
      eq(copies.map((r) => partNumberOf(r.url)).join(','), '3,4,5', 'parts copied by the resumed call');
      eq(log.filter((r) => r.op === 'InitiateMultipartUpload').length, 0, 'no new upload');
      check(copies.every((r) => uploadIdOf(r.url) === err.UploadId), 'the resumed call uses the kept upload');
      check(typeof data.ETag === 'string', 'data has the ETag');
    },
  },
  {
    id: 'copy-cancel',
    group: 'copy',
    name: 'sliceCopyFile with a signal aborted mid-copy: TaskCanceled, its upload aborted, no object',
    async run(ctx) {
      const cos = ctx.cos({ CopyChunkParallelLimit: 2 });
      const src = await source(ctx, cos, 'cancel');
      const key = 'copy/cancel-dst.bin';
      ctx.server.addFault({ op: 'UploadPartCopy', delayMs: 300 });
      const ac = new AbortController();
      const p = cos.sliceCopyFile({ ...copyParams(ctx, src, key), signal: ac.signal });
      let err = null;
      p.catch((e) => { err = e; });
      await waitFor(() => ctx.requests().some((r) => r.op === 'UploadPartCopy' && r.status === 200), 'a first part copied', 10000);
      ac.abort();
      await waitFor(() => err !== null, 'the call to settle after the abort', 10000);
      eq(err.code, 'TaskCanceled', 'error code');
      await ctx.quiesce();
      eq(ctx.uploads(key).length, 0, 'uploads left open');
      check(!ctx.object(key), 'no object was made');
      check(ctx.requests().some((r) => r.op === 'AbortMultipartUpload' && r.status === 204), 'the upload was aborted');
      // An instance's next copy of the same source starts afresh (nothing recorded for resume).
      const data = await cos.sliceCopyFile(copyParams(ctx, src, key));
      ctx.expectObject(key, src.bytes);
      check(typeof data.ETag === 'string', 'the next copy completes');
    },
  },
];

// selectObjectContent's answer is checked message by message: damage is an error, never records.
const require = createRequire(import.meta.url);
const { frame } = require('../../cos-server/select.js');

const event = (type) => ({ ':event-type': type, ':content-type': 'application/octet-stream', ':message-type': 'event' });
const SELECT = { Expression: 'Select * from COSObject', ExpressionType: 'SQL', InputSerialization: { CSV: {} }, OutputSerialization: { CSV: {} } };

scenarios.push({
  id: 'select-damaged-answer',
  group: 'select',
  name: 'selectObjectContent: a flipped payload byte, a flipped length, a cut answer, no End event: each an error naming the damage, never data',
  async run(ctx) {
    const cos = ctx.cos();
    const key = 'select/a.csv';
    await cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: 'a,1\nb,2\n' });
    const params = { Bucket: ctx.B, Region: ctx.R, Key: key, SelectType: 2, SelectRequest: SELECT };
    const good = await cos.selectObjectContent(params);
    eq(Buffer.from(good.Payload).toString(), 'a,1\nb,2\n', 'records of the intact answer');
    const records = frame(event('Records'), Buffer.from('a,1\nb,2\n'));
    const end = frame(event('End'));
    const flip = (buf, at) => { const b = Buffer.from(buf); b[at] ^= 1; return b; };
    const cases = [
      ['a payload byte flipped', Buffer.concat([flip(records, records.length - 6), end]), 'message CRC32 mismatch'],
      ['the total length flipped', Buffer.concat([flip(records, 3), end]), 'prelude CRC32 mismatch'],
      ['cut in the middle of a message', Buffer.concat([records, end]).subarray(0, records.length + 10), 'cut short'],
      ['no End event', records, 'ended before its End event'],
    ];
    for (const [what, body, needle] of cases) {
      ctx.server.addFault({ op: 'SelectObjectContent', respond: { status: 200, headers: { 'Content-Type': 'application/octet-stream', 'x-cos-request-id': 'REQ0000000001' }, body } });
      let err = null;
      let data = null;
      await cos.selectObjectContent(params).then((d) => { data = d; }, (e) => { err = e; });
      check(data === null, what + ': no data');
      check(err !== null && String(err.message).includes(needle), what + ': error names the damage (' + (err && err.message) + ')');
      assertShape(err);
      eq(err.statusCode, 200, what + ': statusCode of the damaged answer');
    }
    ctx.note('4 damaged answers refused');
  },
});
