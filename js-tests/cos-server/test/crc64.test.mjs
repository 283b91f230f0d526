// CRC-64/XZ: the vectors of docs/wire-format.md#crc-64, combine (zlib crc_combine scheme) against direct computation,
// cross-check with the crc64-ecma182.js package, and throughput.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Crc64, crc64, combine } = require('../crc64.js');
const ref = require('crc64-ecma182.js');

test('CRC-64/XZ vectors', () => {
  assert.equal(crc64(Buffer.from('')), '0');
  assert.equal(crc64(Buffer.from('a')), '3675645893302102789');
  assert.equal(crc64(Buffer.from('123456789')), '11051210869376104954');
  assert.equal(crc64(Buffer.from('hello world')), '5981764153023615706');
  assert.equal(crc64(Buffer.alloc(1024 * 1024)), '6947770692288575170');
});

test('incremental updates at every split point equal one-shot', () => {
  const data = crypto.randomBytes(300);
  const whole = crc64(data);
  for (let i = 0; i <= data.length; i += 7) {
    const c = new Crc64();
    c.update(data.subarray(0, i));
    c.update(data.subarray(i));
    assert.equal(c.digest(), whole, 'split at ' + i);
  }
});

test('matches crc64-ecma182.js on random inputs of many sizes', () => {
  for (const n of [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096, 65537]) {
    const d = crypto.randomBytes(n);
    assert.equal(crc64(d), ref.crc64(d), 'size ' + n);
  }
});

test('combine: spec vector and random splits equal the direct CRC', () => {
  assert.equal(combine(6947770692288575170n, 5981764153023615706n, 11).toString(), '5067300650443936035');
  assert.equal(combine('6947770692288575170', '5981764153023615706', 11).toString(), '5067300650443936035');
  const data = crypto.randomBytes(3 * 1024 * 1024 + 12345);
  const direct = crc64(data);
  for (const cuts of [[0], [1], [1024 * 1024, 2 * 1024 * 1024], [5, 77, 1024 * 1024 + 3, 3 * 1024 * 1024]]) {
    const bounds = [0, ...cuts, data.length];
    let acc = 0n;
    for (let i = 0; i < bounds.length - 1; i++) {
      const part = data.subarray(bounds[i], bounds[i + 1]);
      acc = combine(acc, crc64(part), part.length);
    }
    assert.equal(acc.toString(), direct, 'cuts ' + cuts);
  }
  assert.equal(combine(123n, 0n, 0).toString(), '123', 'empty second part');
});

test('throughput (hundreds of MiB/s expected)', (t) => {
  const buf = crypto.randomBytes(32 * 1024 * 1024);
  const c = new Crc64();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < buf.length; i += 1 << 20) c.update(buf.subarray(i, i + (1 << 20)));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = 32 / secs;
  t.diagnostic('crc64: ' + rate.toFixed(0) + ' MiB/s');
  assert.ok(rate > 100, 'crc64 too slow: ' + rate.toFixed(0) + ' MiB/s');
});
