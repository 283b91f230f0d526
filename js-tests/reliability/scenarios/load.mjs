// Load: 500 small putObject tasks queued at once (FileParallelLimit respected, memory flat) and, in
// --soak, a 4 GiB file uploaded by a separate Node process whose peak RSS growth is bounded.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { MiB, patternBytes, md5, check, eq, partCounts, settle, memoryAfterGc } from '../lib/harness.mjs';
import { spawnUpload } from '../lib/child.mjs';

const mem = memoryAfterGc;

const mb = (n) => (n / MiB).toFixed(1) + ' MiB';

async function queueBatch(ctx, cos, prefix, count, seed) {
  const expected = new Map();
  const promises = [];
  for (let i = 0; i < count; i++) {
    const size = 1024 + ((i * 7919 + seed) % (7 * 1024 + 1)); // 1–8 KiB
    const body = patternBytes(size, seed + i);
    const key = prefix + String(i).padStart(4, '0');
    expected.set(key, md5(body));
    promises.push(cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: body }));
  }
  const results = await Promise.all(promises.map((p) => settle(p)));
  return { expected, results };
}

export const scenarios = [
  {
    id: 'load-500-small',
    group: 'load',
    name: '500 small putObject tasks (1–8 KiB) queued at once: all stored, FileParallelLimit=4 never exceeded, memory flat',
    timeoutMs: 150000,
    async run(ctx) {
      const limit = 4;
      const cos = ctx.cos({ FileParallelLimit: limit });
      // Warm-up (JIT, wasm memory growth), then the baseline.
      await queueBatch(ctx, cos, 'load/warm-', 50, 1);
      const before = mem();
      ctx.server.addFault({ op: 'PutObject', delayMs: 10 });
      let maxRunning = 0;
      let events = 0;
      const listener = ({ list }) => {
        events += 1;
        let running = 0;
        for (const t of list) if (t.state === 'checking' || t.state === 'uploading') running += 1;
        maxRunning = Math.max(maxRunning, running);
      };
      cos.on('list-update', listener);
      const serverSide = ctx.watch.track((e) => e.method === 'PUT' && e.url.startsWith('/load/run-'));
      const t0 = Date.now();
      const { expected, results } = await queueBatch(ctx, cos, 'load/run-', 500, 1000);
      const secs = (Date.now() - t0) / 1000;
      serverSide.stop();
      cos.off('list-update', listener);
      ctx.server.clearFaults();
      const failed = results.filter((r) => !r.ok);
      eq(failed.length, 0, 'failed uploads' + (failed.length ? ' (first: ' + failed[0].error.message + ')' : ''));
      const stored = new Map(ctx.server.objects(ctx.B, 'load/run-').map((o) => [o.key, o.md5]));
      let wrong = 0;
      for (const [k, m] of expected) if (stored.get(k) !== m) wrong += 1;
      eq(wrong, 0, 'objects missing or different from their source');
      eq(ctx.requests().filter((r) => r.op === 'PutObject' && r.url.startsWith('/load/run-')).length, 500, 'one PUT per upload');
      check(serverSide.max <= limit, 'at most ' + limit + ' PUTs in flight at the server, saw ' + serverSide.max);
      check(serverSide.max >= 2, 'uploads ran in parallel (' + serverSide.max + ')');
      check(maxRunning <= limit, 'at most ' + limit + ' running tasks in list-update, saw ' + maxRunning);
      eq(cos.getTaskList().filter((t) => t.state === 'success').length, 550, 'tasks in the list, all successful');
      const after = mem();
      const rssGrowth = after.rss - before.rss;
      const heapGrowth = after.heap - before.heap;
      ctx.note('500 uploads in ' + secs.toFixed(1) + ' s; max in flight: ' + serverSide.max + ' at the server, ' + maxRunning + ' in list-update (' + events + ' events)');
      ctx.note('memory before → after (after GC): RSS ' + mb(before.rss) + ' → ' + mb(after.rss) + ', heap ' + mb(before.heap) + ' → ' + mb(after.heap) + ', external+ArrayBuffers ' + mb(before.external) + ' → ' + mb(after.external));
      check(heapGrowth < 24 * MiB, 'JS heap growth ' + mb(heapGrowth) + ' (bound 24 MiB)');
      check(rssGrowth < 64 * MiB, 'RSS growth ' + mb(rssGrowth) + ' (bound 64 MiB)');
      return { memory: { before, after } };
    },
  },
  {
    id: 'soak-4gib',
    group: 'load',
    soak: true,
    name: '[soak] 4 GiB file (8 MiB parts, 4 in flight) uploaded by a separate Node process: completes, every part once, peak RSS growth ≤ 96 MiB',
    timeoutMs: 30 * 60 * 1000,
    async run(ctx) {
      const size = 4 * 1024 * MiB;
      const chunk = 8 * MiB;
      const parts = size / chunk;
      const filePath = path.join(ctx.dir, 'soak-4gib.bin');
      // A sparse file with distinct 64 KiB islands every 64 MiB: cheap to make, parts differ.
      const fd = fs.openSync(filePath, 'w');
      try {
        fs.ftruncateSync(fd, size);
        for (let off = 0, i = 0; off < size; off += 64 * MiB, i++) fs.writeSync(fd, patternBytes(64 * 1024, 500 + i), 0, 64 * 1024, off + (i * 4099) % (63 * MiB));
      } finally {
        fs.closeSync(fd);
      }
      const hash = crypto.createHash('md5');
      for await (const c of fs.createReadStream(filePath, { highWaterMark: 8 * MiB })) hash.update(c);
      const want = hash.digest('hex');
      const key = 'soak/4gib.bin';
      const child = spawnUpload(ctx, { key, filePath, chunkSize: chunk, parallel: 4, sampleMs: 25 }, { nodeArgs: ['--expose-gc'] });
      try {
        const { code } = await child.exit;
        const done = child.last('done');
        check(code === 0 && done, 'the uploader finished: ' + JSON.stringify(child.last('error') || child.stderr.slice(0, 800)));
        // Checked here (not left to the harness): the 4 GiB copy is deleted below.
        const o = ctx.object(key);
        check(o && o.size === size && o.md5 === want, 'stored object: ' + (o ? o.size + ' B, MD5 ' + o.md5 : 'missing') + '; source MD5 ' + want);
        const counts = partCounts(ctx.requests(), done.data.UploadId);
        for (let n = 1; n <= parts; n++) eq(counts[n], 1, 'part ' + n + ' sent once');
        const growth = done.peakRss - done.baseRss;
        ctx.note('4 GiB in ' + (done.ms / 1000).toFixed(1) + ' s (' + (size / MiB / (done.ms / 1000)).toFixed(0) + ' MiB/s); uploader RSS ' + mb(done.baseRss) + ' → peak ' + mb(done.peakRss) +
          ' (growth ' + mb(growth) + '); external+ArrayBuffers peak ' + mb(done.peakExternal) + ' (base ' + mb(done.baseExternal) + ')');
        check(growth <= 96 * MiB, 'peak RSS growth ' + mb(growth) + ' exceeds 96 MiB');
        return { soak: { ms: done.ms, baseRss: done.baseRss, peakRss: done.peakRss } };
      } finally {
        child.kill('SIGKILL');
        fs.rmSync(filePath, { force: true });
        // The server's copy is 4 GiB on disk: remove it.
        await settle(ctx.cos().deleteObject({ Bucket: ctx.B, Region: ctx.R, Key: key }));
      }
    },
  },
];
