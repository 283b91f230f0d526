'use strict';
// One multipart upload of a file on disk in its own process, by one client:
//   --client=wasm      cos-wasm's sliceUploadFile
//   --client=official  cos-nodejs-sdk-v5's sliceUploadFile
//   --client=raw       no SDK: initiate, concurrent PUTs of the same parts streamed from the file, complete
// Prints {wallMs, cpuMs, peakRss, baseRss, growth, ...} as one JSON line. Wall and CPU cover the upload
// call only (not start-up); peakRss is the process's VmHWM over its whole life, growth the VmHWM
// during the upload minus the RSS just before it.
// Usage: node upload-node.js --client=wasm --port=N --file=F --key=K --part=BYTES --concurrency=N [--tmp=DIR]

const path = require('node:path');
const { ROOT, PKG, parseArgs, peakRss, currentRss, resetPeakRss } = require('../lib/common');
const { BUCKET, REGION, SECRET_ID, SECRET_KEY, rawMultipartUpload } = require('../lib/raw-client');

const a = parseArgs(process.argv.slice(2));
const port = Number(a.port);
const part = Number(a.part);
const concurrency = Number(a.concurrency);
const domain = '{Bucket}.cos.{Region}.localhost:' + port;

function upload() {
  if (a.client === 'wasm') {
    const COS = require(PKG);
    const cos = new COS({
      SecretId: SECRET_ID, SecretKey: SECRET_KEY, Domain: domain, Protocol: 'http:',
      ChunkParallelLimit: concurrency, ChunkSize: part,
      CheckpointPath: path.join(a.tmp || require('node:os').tmpdir(), 'cp-' + process.pid + '.json'),
    });
    return () => cos.sliceUploadFile({ Bucket: BUCKET, Region: REGION, Key: a.key, FilePath: a.file, ChunkSize: part })
      .then((d) => ({ etag: d.ETag }));
  }
  if (a.client === 'official') {
    const COS = require(path.join(ROOT, 'node_modules/cos-nodejs-sdk-v5'));
    // `Ip` is the SDK's own option for sending to an address while signing and sending the bucket's Host.
    const cos = new COS({
      SecretId: SECRET_ID, SecretKey: SECRET_KEY, Domain: domain, Protocol: 'http:', Ip: '127.0.0.1:' + port,
      ChunkParallelLimit: concurrency, ChunkSize: part,
    });
    return () => new Promise((resolve, reject) => {
      cos.sliceUploadFile({ Bucket: BUCKET, Region: REGION, Key: a.key, FilePath: a.file, ChunkSize: part }, (err, d) => {
        if (err) reject(Object.assign(new Error('official sliceUploadFile failed: ' + JSON.stringify(err)), { err }));
        else resolve({ etag: d.ETag });
      });
    });
  }
  if (a.client === 'raw') {
    return () => rawMultipartUpload({ port, key: a.key, file: a.file, part, concurrency });
  }
  throw new Error('unknown --client ' + a.client);
}

async function main() {
  const run = upload();
  const startupPeak = peakRss();
  if (global.gc) global.gc();
  const reset = resetPeakRss();
  const baseRss = currentRss();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await run();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const uploadPeak = peakRss();
  const out = {
    client: a.client,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    cpuUserMs: cpu.user / 1000,
    cpuSysMs: cpu.system / 1000,
    baseRss,
    peakRss: Math.max(startupPeak, uploadPeak),
    growth: reset ? uploadPeak - baseRss : null,
    etag: r && r.etag,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  // Keep-alive sockets would hold the process open.
  process.exit(0);
}

main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
