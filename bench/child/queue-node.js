'use strict';
// Many small putObject calls issued at once, so they go through the client's task queue
// (FileParallelLimit in flight; both SDKs queue putObject by default), in its own process:
//   --client=wasm | official | raw (no SDK: the same PUTs, the same number in flight)
// Prints {wallMs, cpuMs, objectsPerSec, peakRss} as one JSON line.
// Usage: node queue-node.js --client=wasm --port=N --count=1000 --size=4096 --parallel=3 --prefix=P

const crypto = require('node:crypto');
const http = require('node:http');
const path = require('node:path');
const { ROOT, PKG, parseArgs, peakRss } = require('../lib/common');
const { BUCKET, REGION, SECRET_ID, SECRET_KEY, rawPut } = require('../lib/raw-client');

const a = parseArgs(process.argv.slice(2));
const port = Number(a.port);
const count = Number(a.count || 1000);
const size = Number(a.size || 4096);
const parallel = Number(a.parallel || 3);
const prefix = a.prefix || 'queue/' + process.pid + '/';
const domain = '{Bucket}.cos.{Region}.localhost:' + port;

const bodies = Array.from({ length: count }, () => crypto.randomBytes(size));
const key = (i) => prefix + String(i).padStart(5, '0') + '.bin';

function client() {
  if (a.client === 'wasm') {
    const COS = require(PKG);
    const cos = new COS({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Domain: domain, Protocol: 'http:', FileParallelLimit: parallel });
    return (i) => cos.putObject({ Bucket: BUCKET, Region: REGION, Key: key(i), Body: bodies[i] });
  }
  if (a.client === 'official') {
    const COS = require(path.join(ROOT, 'node_modules/cos-nodejs-sdk-v5'));
    const cos = new COS({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Domain: domain, Protocol: 'http:', Ip: '127.0.0.1:' + port, FileParallelLimit: parallel });
    return (i) => new Promise((resolve, reject) => {
      cos.putObject({ Bucket: BUCKET, Region: REGION, Key: key(i), Body: bodies[i] }, (err, d) => (err ? reject(new Error(JSON.stringify(err))) : resolve(d)));
    });
  }
  if (a.client === 'raw') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
    let active = 0;
    const waiting = [];
    return async (i) => {
      if (active >= parallel) await new Promise((r) => waiting.push(r));
      active++;
      try {
        return await rawPut({ port, agent, key: key(i), body: bodies[i] });
      } finally {
        active--;
        if (waiting.length) waiting.shift()();
      }
    };
  }
  throw new Error('unknown --client ' + a.client);
}

async function main() {
  const put = client();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const all = [];
  for (let i = 0; i < count; i++) all.push(put(i));
  await Promise.all(all);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({
    client: a.client, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, objectsPerSec: count / (wallMs / 1000), peakRss: peakRss(),
  }) + '\n');
  process.exit(0);
}

main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
