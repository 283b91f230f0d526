// COS.getAuthorization against the official browser SDK as an oracle: byte-identical output for
// hundreds of generated inputs (unicode keys, awkward query and header names and values, numbers,
// nulls), through both the flat fast path and the general one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const COS = require(path.join(ROOT, 'pkg'));

function officialSigner() {
  // cos-js-sdk-v5 warns that it is not meant for Node; the signer itself is plain JS.
  const warn = console.warn, error = console.error;
  console.warn = console.error = () => {};
  try { return require(path.join(ROOT, 'node_modules/cos-js-sdk-v5')).getAuthorization; } finally { console.warn = warn; console.error = error; }
}

function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
}

const PIECES = ['a', 'Z', '0', ' ', '/', '+', '?', '#', '%', '&', '=', ';', '中', '文', 'é', '!', "'", '(', ')', '*', '~', '-', '_', '.', '[', ']'];
const HEADER_NAMES = ['Content-Length', 'Content-MD5', 'Content-Disposition', 'Cache-Control', 'Expires', 'Host', 'Range', 'If-Match',
  'x-cos-meta-A', 'X-Cos-Acl', 'x-cos-traffic-limit', 'x-ci-thing', 'Origin', 'Date', 'Accept', 'X-Custom', 'Pic-Operations'];

function text(r, max) {
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

function params(r) {
  const p = { SecretId: 'AKID' + text(r, 6).replace(/[^A-Za-z0-9]/g, 'x'), SecretKey: 'key' + text(r, 8), KeyTime: '1700000000;1700000900' };
  p.Method = ['get', 'PUT', 'post', 'Delete', 'HEAD'][Math.floor(r() * 5)];
  p.Key = text(r, 12);
  if (r() < 0.7) {
    p.Query = {};
    for (let i = Math.floor(r() * 4); i > 0; i--) {
      const v = [text(r, 6), Math.floor(r() * 1e6), null, '', true][Math.floor(r() * 5)];
      p.Query[text(r, 5) || 'q'] = v;
    }
  }
  if (r() < 0.8) {
    p.Headers = {};
    for (let i = Math.floor(r() * 5); i > 0; i--) {
      const v = [text(r, 8), Math.floor(r() * 1e7), ''][Math.floor(r() * 3)];
      p.Headers[HEADER_NAMES[Math.floor(r() * HEADER_NAMES.length)]] = v;
    }
  }
  return p;
}

test('COS.getAuthorization equals cos-js-sdk-v5 for 500 generated inputs', () => {
  const official = officialSigner();
  const r = rng(20261125);
  for (let i = 0; i < 500; i++) {
    const p = params(r);
    const want = official(JSON.parse(JSON.stringify(p)));
    assert.equal(COS.getAuthorization(p), want, 'input ' + JSON.stringify(p));
    // The general path (taken for params the flat one does not know) gives the same bytes.
    const general = { ...p, Unused: 1 };
    assert.equal(COS.getAuthorization(general), want, 'general path, input ' + JSON.stringify(p));
  }
});

test('COS.getAuthorization: long values, growing inputs and alternating keys still equal cos-js-sdk-v5', () => {
  const official = officialSigner();
  const base = { SecretId: 'AKIDx', Method: 'PUT', Key: 'k/中文', KeyTime: '1700000000;1700000900' };
  // Growing flat strings (the scratch buffer grows), one past the flat path's limit (general path),
  // then short ones again; keys and key times alternate (the kept signing key must follow them).
  for (const len of [10, 400, 5000, 30000, 70000, 200, 10]) {
    for (const [key, kt] of [['s1', '1700000000;1700000900'], ['s2', '1700000000;1700000900'], ['s1', '1700000001;1700000901']]) {
      const p = { ...base, SecretKey: key, KeyTime: kt, Headers: { 'x-cos-meta-long': 'é'.repeat(len) } };
      assert.equal(COS.getAuthorization(p), official(JSON.parse(JSON.stringify(p))), `len ${len}, key ${key}, ${kt}`);
    }
  }
});
