'use strict';
// Signatures per second: the static COS.getAuthorization of cos-wasm and of both official SDKs, on
// the inputs an uploader signs for every part (PUT ?partNumber&uploadId with Host and Content-Length).
// Usage: node sign-node.js --count=50000 --rounds=5 → {name: [signatures/s...], outputs: {...}}

const path = require('node:path');
const { ROOT, PKG, interleave, parseArgs } = require('../lib/common');

const args = parseArgs(process.argv.slice(2));
const count = Number(args.count || 50000);
const rounds = Number(args.rounds || 5);

const COS = require(PKG);
const OfficialJs = require(path.join(ROOT, 'node_modules/cos-js-sdk-v5'));
const OfficialNode = require(path.join(ROOT, 'node_modules/cos-nodejs-sdk-v5'));

const input = {
  SecretId: 'AKIDLOCALTESTKEY0000000000000000000',
  SecretKey: 'LocalTestSecretKey000000000000000',
  Method: 'PUT',
  Key: 'videos/2024/旅行 vlog (final).mp4',
  Query: { partNumber: '17', uploadId: '1700000000a1b2c3d4e5f60718293a4b5c6d7e8f90' },
  Headers: {
    Host: 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com',
    'Content-Length': '8388608',
    'Content-Type': 'application/octet-stream',
  },
  KeyTime: '1700000000;1700000900',
};

const cands = {
  'cos-wasm': COS.getAuthorization,
  'cos-js-sdk-v5': OfficialJs.getAuthorization,
  'cos-nodejs-sdk-v5': OfficialNode.getAuthorization,
};

async function main() {
  const outputs = {};
  for (const [n, f] of Object.entries(cands)) {
    outputs[n] = f(input);
    for (let i = 0; i < 2000; i++) f(input); // warm-up (JIT, wasm tier-up)
  }
  if (outputs['cos-wasm'] !== outputs['cos-js-sdk-v5']) {
    throw new Error('cos-wasm and cos-js-sdk-v5 disagree:\n' + outputs['cos-wasm'] + '\n' + outputs['cos-js-sdk-v5']);
  }
  const res = await interleave(rounds, cands, (name, f) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) f(input);
    return count / (Number(process.hrtime.bigint() - t0) / 1e9);
  });
  process.stdout.write(JSON.stringify({ ...res, outputs }) + '\n');
}

main().catch((e) => { console.error(e); process.exit(1); });
