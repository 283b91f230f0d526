// A separate Node process that runs one sliceUploadFile against the suite's server and reports on
// stdout, one JSON object per line: {event: 'ready'|'progress'|'done'|'error', …}. Used by the
// process-kill scenario (SIGKILLed mid-upload, then run again with the same CheckpointPath) and by
// the soak (its own RSS, sampled while it uploads 4 GiB).
//
// argv[2] is a JSON object: {port, bucket, region, secretId, secretKey, key, filePath,
// checkpointPath, chunkSize, parallel, sampleMs}.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const a = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const COS = require(path.join(ROOT, 'pkg'));
const cos = new COS({
  SecretId: a.secretId,
  SecretKey: a.secretKey,
  Domain: '{Bucket}.cos.{Region}.localhost:' + a.port,
  Protocol: 'http:',
  CheckpointPath: a.checkpointPath,
  ChunkParallelLimit: a.parallel || 3,
  RetryDelay: 20,
  ProgressInterval: 100,
});
if (global.gc) global.gc();
const base = process.memoryUsage();
let peakRss = base.rss;
let peakExternal = base.external + base.arrayBuffers;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
}, a.sampleMs || 50);
out({ event: 'ready', pid: process.pid, rss: base.rss });
let hashed = 0;
const t0 = Date.now();
cos.sliceUploadFile({
  Bucket: a.bucket,
  Region: a.region,
  Key: a.key,
  FilePath: a.filePath,
  ChunkSize: a.chunkSize,
  onHashProgress: (p) => { hashed = p.loaded; },
  onProgress: (p) => out({ event: 'progress', loaded: p.loaded, total: p.total }),
}).then(
  (data) => {
    clearInterval(sampler);
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    out({ event: 'done', data: { UploadId: data.UploadId, ETag: data.ETag, Key: data.Key }, hashed, ms: Date.now() - t0, baseRss: base.rss, peakRss, baseExternal: base.external + base.arrayBuffers, peakExternal });
    process.exit(0);
  },
  (err) => {
    clearInterval(sampler);
    out({ event: 'error', error: { code: err.code, message: err.message, statusCode: err.statusCode } });
    process.exit(1);
  },
);
