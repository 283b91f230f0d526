// Web ReadableStream bodies (length unknown): read in parts of ChunkSize, never whole. Shared by
// Node (which also takes them) and Chromium; mini-programs have no streams.
import { ok, equal, match, rejects } from './assert.mjs';
import { patternBytes, uniqueKey, sleep } from './data.mjs';

const MiB = 1024 * 1024;

/**
 * A ReadableStream giving `bytes` in `step`-byte chunks, one per pull (a pull-based source: it
 * makes a chunk only when asked); `failAt`: an error once that many bytes went out. `pulled()`:
 * bytes handed out so far.
 */
function webStream(bytes, { step = 64 * 1024, failAt = null } = {}) {
  let pos = 0;
  const stream = new ReadableStream({
    async pull(controller) {
      await sleep(0);
      if (failAt !== null && pos >= failAt) { controller.error(new Error('source went away')); return; }
      if (pos >= bytes.length) { controller.close(); return; }
      const end = Math.min(pos + step, bytes.length);
      controller.enqueue(bytes.slice(pos, end));
      pos = end;
    },
  }, { highWaterMark: 1 });
  return { stream, pulled: () => pos };
}

async function ops(env, key, from) {
  const enc = encodeURIComponent(key).replace(/%2F/g, '/');
  // Browsers' CORS preflights are not the SDK's requests.
  return (await env.admin.requestLog()).slice(from).filter((r) => r.url.includes(enc) && r.op !== 'OptionsObject').map((r) => r.op);
}

export const tests = [
  {
    name: 'a ReadableStream Body of unknown length: multipart in ChunkSize parts, stored intact',
    async run(env) {
      const cos = new env.COS(env.options());
      const bytes = patternBytes(3.5 * MiB, 41);
      const key = uniqueKey('rs');
      const from = (await env.admin.requestLog()).length;
      const { stream } = webStream(bytes);
      const data = await cos.uploadFile({ Bucket: env.bucket, Region: env.region, Key: key, Body: stream, ChunkSize: MiB });
      equal(data.Key, key);
      const seen = await ops(env, key, from);
      equal(seen.filter((o) => o === 'UploadPart').length, 4, 'parts');
      const [o] = await env.admin.objects(key);
      equal(o && o.md5, env.md5(bytes), 'stored bytes');
    },
  },
  {
    name: 'a ReadableStream is read no further ahead than the parts in flight (bounded memory)',
    async run(env) {
      const cos = new env.COS(env.options({ ChunkParallelLimit: 2 }));
      const bytes = patternBytes(8 * MiB, 42);
      const key = uniqueKey('rs-bound');
      // Parts are held back by the server: the stream must wait, not be read to its end.
      await env.admin.fault({ op: 'UploadPart', delayMs: 400 });
      const src = webStream(bytes);
      const run = cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, Body: src.stream, ChunkSize: MiB });
      await sleep(300);
      // 2 parts in flight and 1 being read, plus the stream's own queue of one chunk.
      ok(src.pulled() <= 3 * MiB + 128 * 1024, 'read ahead ' + src.pulled() + ' bytes');
      await run;
      await env.admin.clearFaults();
      const [o] = await env.admin.objects(key);
      equal(o && o.md5, env.md5(bytes), 'stored bytes');
    },
  },
  {
    name: 'a ReadableStream that errors mid-way fails the upload and leaves no multipart upload open',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('rs-fail');
      const { stream } = webStream(patternBytes(4 * MiB, 43), { failAt: 2.5 * MiB });
      const err = await rejects(cos.sliceUploadFile({ Bucket: env.bucket, Region: env.region, Key: key, Body: stream, ChunkSize: MiB }));
      match(err.message, /source went away/);
      const open = (await env.admin.uploads()).filter((u) => u.key === key);
      equal(open.length, 0, 'open uploads');
      equal((await env.admin.objects(key)).length, 0, 'objects');
    },
  },
  {
    name: 'a short ReadableStream is one PUT',
    async run(env) {
      const cos = new env.COS(env.options());
      const bytes = patternBytes(5000, 44);
      const key = uniqueKey('rs-short');
      const from = (await env.admin.requestLog()).length;
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: webStream(bytes).stream });
      equal((await ops(env, key, from)).join(), 'PutObject');
      const [o] = await env.admin.objects(key);
      equal(o && o.md5, env.md5(bytes), 'stored bytes');
    },
  },
];
