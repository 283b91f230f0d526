// The wasm boundary (pkg-template/src/wasm-core.js ↔ src/boundary.rs) with values the suites rarely
// send: text of every width, fields named __proto__, class getters, cycles, deep and large trees,
// and wasm memory growing between calls. Through the built package, as users call it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const COS = require(path.join(ROOT, 'pkg'));

const cos = new COS({ SecretId: 'AKIDboundary', SecretKey: 'boundary-key' });
const base = { Bucket: 'examplebucket-1250000000', Region: 'ap-guangzhou', Sign: false };
/** The unsigned URL of `Key`, with `Query` (the core reads both from the params, then writes them back out). */
const url = (p) => cos.getObjectUrl({ ...base, ...p });
const decodedKey = (u) => decodeURIComponent(new URL(u).pathname.slice(1));

test('boundary: text of every UTF-8 width, short and long, crosses both ways unchanged', () => {
  const samples = ['a', 'é', '中文', '😀', 'x'.repeat(31) + 'é', 'é'.repeat(40), '中'.repeat(280), '😀a'.repeat(150)];
  for (const s of samples) {
    assert.equal(decodedKey(url({ Key: s })), s, s.slice(0, 20));
    // Query values are not limited: long text both ways.
    const long = s.repeat(200);
    assert.equal(new URL(url({ Key: 'k', Query: { v: long } })).searchParams.get('v'), long, s.slice(0, 20));
  }
});

test('boundary: a lone surrogate becomes U+FFFD, as TextEncoder writes it', () => {
  assert.equal(decodedKey(url({ Key: 'a\uD800b' })), 'a\uFFFDb');
});

test('boundary: fields named __proto__ stay plain fields, both ways', () => {
  const q = JSON.parse('{"__proto__": "1", "b": "2"}');
  const u = new URL(url({ Key: 'k', Query: q }));
  assert.equal(u.searchParams.get('__proto__'), '1');
  assert.equal(u.searchParams.get('b'), '2');
  const v = COS.util.xml2json('<R><__proto__>x</__proto__><A>1</A></R>');
  assert.equal(Object.getPrototypeOf(v.R), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(v.R, '__proto__'));
  assert.equal(v.R.A, '1');
});

test('boundary: class instances are read through their getters; a throwing getter is skipped', () => {
  class Params {
    constructor() { this.Bucket = base.Bucket; this.Region = base.Region; this.Sign = false; }
    get Key() { return 'from-getter'; }
    get Query() { throw new Error('not readable'); }
  }
  assert.equal(decodedKey(cos.getObjectUrl(new Params())), 'from-getter');
});

test('boundary: cyclic and very deep params neither hang nor crash', () => {
  const q = { a: '1' };
  q.self = q;
  let deep = {};
  for (let i = 0; i < 10000; i++) deep = { d: deep };
  const u = new URL(url({ Key: 'k', Query: q, Deep: deep }));
  assert.equal(u.searchParams.get('a'), '1');
});

test('boundary: large params and large inputs, with wasm memory growing between calls', () => {
  const big = crypto.randomBytes(48 * 1024 * 1024);
  const want = crypto.createHash('md5').update(big).digest('hex');
  assert.equal(COS.util.md5(big), want);
  const h = new COS.Md5Hasher();
  h.update(big.subarray(0, 1000003));
  h.update(big.subarray(1000003));
  assert.equal(h.digest(), want);
  h.free();
  const c = new COS.Crc64Hasher();
  c.update(new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]).buffer);
  assert.equal(c.digest(), '11051210869376104954');
  c.free();
  const value = 'v/'.repeat(2000000);
  assert.equal(new URL(url({ Key: 'k', Query: { v: value } })).searchParams.get('v'), value);
});

test('boundary: errors arrive as Error objects with the official fields', () => {
  const official = (e) => e instanceof Error && e.code === 'Error' && e.name === 'Error' && e.message.length > 0 &&
    e.error.message === e.message && typeof e.headers === 'object' && Object.keys(e).join() === 'name,code,error,headers';
  assert.throws(() => COS.util.xml2json('<a>'), official);
  assert.throws(() => new COS({ SecretId: {} }), official);
  return assert.rejects(cos.putObject({}), (e) => official(e) && /Bucket/.test(e.message));
});

test('boundary: numbers of every kind reach the core as the same number', () => {
  // Expires is read as a number and written into the signature's time range.
  for (const expires of [0, 1, 900, 2 ** 31, 2 ** 40]) {
    const signed = cos.getObjectUrl({ ...base, Sign: true, Key: 'k', Expires: expires });
    const t = /q-sign-time=(\d+)(?:;|%3B)(\d+)/.exec(signed);
    assert.ok(t, signed);
    assert.equal(Number(t[2]) - Number(t[1]), expires, 'Expires ' + expires);
  }
  for (const bad of [1.5, -1, NaN]) assert.throws(() => cos.getObjectUrl({ ...base, Sign: true, Key: 'k', Expires: bad }), /Expires/);
});

test('boundary: a getter that calls the SDK while its params are written gets its own answer', () => {
  class Params {
    constructor() { Object.assign(this, base); }
    get Key() { return decodedKey(url({ Key: 'inner' })) + '-outer'; }
  }
  assert.equal(decodedKey(cos.getObjectUrl(new Params())), 'inner-outer');
});

test('boundary: params that throw while read fail the call with that error, and the SDK goes on', async () => {
  const hostile = new Proxy({}, { ownKeys() { throw new Error('no keys here'); } });
  assert.throws(() => url({ Key: 'k', Query: hostile }), /no keys here/);
  await assert.rejects(cos.headObject({ ...base, Key: 'k', Headers: hostile }), /no keys here/);
  assert.equal(decodedKey(url({ Key: 'after' })), 'after');
});
