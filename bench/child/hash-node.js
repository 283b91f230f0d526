'use strict';
// MD5 and CRC-64 throughput in Node, incremental over 1 MiB slices (as an uploader hashes a file it
// reads in slices). Every candidate hashes the same slices in every round; the order rotates.
// Usage: node hash-node.js --mib=256 --rounds=5   → one JSON line {md5: {name: [MiB/s...]}, crc64: {...}}

const crypto = require('node:crypto');
const path = require('node:path');
const { ROOT, PKG, MiB, parseArgs } = require('../lib/common');

const args = parseArgs(process.argv.slice(2));
const total = Number(args.mib || 256);
const rounds = Number(args.rounds || 5);
const slice = MiB;

const COS = require(PKG);
const hashwasm = require(path.join(ROOT, 'node_modules/hash-wasm'));
const SparkMD5 = require(path.join(ROOT, 'node_modules/spark-md5'));
const jsMd5 = require(path.join(ROOT, 'node_modules/cos-js-sdk-v5/lib/md5.js'));
const crc64ecma182 = require(path.join(ROOT, 'node_modules/crc64-ecma182.js'));

// One ArrayBuffer per slice, as a file reader hands them out (no slice shares memory with another).
const buffers = [];
const seed = crypto.randomBytes(slice);
for (let i = 0; i < total; i++) {
  const b = new Uint8Array(slice);
  b.set(seed);
  new DataView(b.buffer).setUint32(0, i, true);
  buffers.push(b);
}

const binStr = new Map(buffers.map((b) => [b, Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')]));

async function main() {
  const hwMd5 = await hashwasm.createMD5();
  const hwCrc = await hashwasm.createCRC64();

  // Each candidate is a factory of incremental states: {update(Uint8Array), digest() → string}.
  const md5 = {
    'cos-wasm': () => {
      const h = new COS.Md5Hasher();
      return { update: (b) => h.update(b), digest: () => { const d = h.digest(); h.free(); return d; } };
    },
    'hash-wasm': () => {
      hwMd5.init();
      return { update: (b) => hwMd5.update(b), digest: () => hwMd5.digest('hex') };
    },
    'spark-md5': () => {
      const h = new SparkMD5.ArrayBuffer();
      return { update: (b) => h.append(b.buffer), digest: () => h.end() };
    },
    // cos-js-sdk-v5 hashes files with its bundled js-md5 fed FileReader binary strings; the strings
    // are made before the clock starts (in the SDK that conversion is extra work on top).
    'js-md5 (cos-js-sdk-v5)': () => {
      const h = jsMd5.getCtx();
      return { update: (b) => h.update(binStr.get(b), true), digest: () => h.digest('hex') };
    },
    'node:crypto': () => {
      const h = crypto.createHash('md5');
      return { update: (b) => h.update(b), digest: () => h.digest('hex') };
    },
  };

  const crc64 = {
    'cos-wasm': () => {
      const h = new COS.Crc64Hasher();
      return { update: (b) => h.update(b), digest: () => { const d = h.digest(); h.free(); return d; } };
    },
    'hash-wasm': () => {
      hwCrc.init();
      return { update: (b) => hwCrc.update(b), digest: () => BigInt('0x' + hwCrc.digest('hex')).toString() };
    },
    'crc64-ecma182.js': () => {
      let prev = '0';
      return { update: (b) => { prev = crc64ecma182.crc64(Buffer.from(b.buffer, b.byteOffset, b.byteLength), prev); }, digest: () => prev };
    },
  };

  const result = {};
  for (const [algo, cands] of Object.entries({ md5, crc64 })) {
    result[algo] = runRounds(cands, rounds);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

/**
 * `rounds` rounds; in each, every candidate hashes all the slices, but the candidates take turns
 * batch by batch (8 MiB each, order rotating), so a burst of load from other processes on this shared
 * machine hits them all alike. Each candidate's time is the sum of its own batches (and its digest).
 */
function runRounds(cands, n) {
  const names = Object.keys(cands);
  const out = Object.fromEntries(names.map((k) => [k, []]));
  const batch = 8;
  const once = (bufs, r) => {
    const states = names.map((k) => cands[k]());
    const secs = names.map(() => 0);
    const digests = {};
    for (let i = 0; i < bufs.length; i += batch) {
      const part = bufs.slice(i, i + batch);
      for (let k = 0; k < names.length; k++) {
        const j = (k + r + i / batch) % names.length;
        const t0 = process.hrtime.bigint();
        for (const b of part) states[j].update(b);
        secs[j] += Number(process.hrtime.bigint() - t0) / 1e9;
      }
    }
    names.forEach((k, j) => {
      const t0 = process.hrtime.bigint();
      digests[k] = states[j].digest();
      secs[j] += Number(process.hrtime.bigint() - t0) / 1e9;
    });
    if (new Set(Object.values(digests)).size !== 1) throw new Error('digests disagree: ' + JSON.stringify(digests));
    return secs;
  };
  once(buffers.slice(0, 8), 0); // warm-up (JIT, wasm tier-up), untimed
  for (let r = 0; r < n; r++) {
    const secs = once(buffers, r);
    names.forEach((k, j) => out[k].push(total / secs[j]));
  }
  return out;
}

main().catch((e) => { console.error(e); process.exit(1); });
