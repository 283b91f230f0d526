// Conformance: Tencent's official cos-nodejs-sdk-v5 (reference client) against the local server.
// The SDK's own 'before-send' hook hands its request module our localhostAgent, so virtual-host
// names under .localhost reach 127.0.0.1 without touching DNS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startCosServer, localhostAgent, SID, SKEY, BUCKET, REGION, MiB, md5hex, pattern } from '../testlib/raw.mjs';

const require = createRequire(import.meta.url);
const COS = require('cos-nodejs-sdk-v5');
const ref = require('crc64-ecma182.js');

let server;
let agent;
let tmp;
const B = { Bucket: BUCKET, Region: REGION };

function client(extra = {}) {
  const cos = new COS({ SecretId: SID, SecretKey: SKEY, Domain: '{Bucket}.cos.{Region}.localhost:' + server.port, Protocol: 'http:', ...extra });
  cos.on('before-send', (opt) => {
    opt.agent = agent;
  });
  return cos;
}

function stored(key) {
  return server.objects(BUCKET, key).find((o) => o.key === key);
}

before(async () => {
  server = await startCosServer({ port: 0, credentials: [{ secretId: SID, secretKey: SKEY }], buckets: [{ name: BUCKET, region: REGION }] });
  agent = localhostAgent();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-sdk-node-'));
});
after(async () => {
  agent.destroy();
  await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('putObject / headObject / getObject with headers and metadata', async () => {
  const cos = client();
  const body = pattern(300000, 1);
  const key = 'sdk/中文 (1).bin';
  const put = await cos.putObject({ ...B, Key: key, Body: body, ContentType: 'application/x-sdk', CacheControl: 'max-age=60', StorageClass: 'STANDARD_IA', 'x-cos-meta-author': 'zhang san', ACL: 'private' });
  assert.equal(put.statusCode, 200);
  assert.equal(put.ETag, '"' + md5hex(body) + '"');
  assert.equal(put.headers['x-cos-hash-crc64ecma'], ref.crc64(body));
  const head = await cos.headObject({ ...B, Key: key });
  assert.equal(head.headers['content-length'], String(body.length));
  assert.equal(head.headers['x-cos-meta-author'], 'zhang san');
  assert.equal(head.headers['x-cos-storage-class'], 'STANDARD_IA');
  const got = await cos.getObject({ ...B, Key: key });
  assert.ok(Buffer.from(got.Body).equals(body));
  const o = stored(key);
  assert.equal(o.md5, md5hex(body));
  assert.equal(o.headers['content-type'], 'application/x-sdk');
  assert.equal(o.headers['cache-control'], 'max-age=60');
  const e = await cos.headObject({ ...B, Key: 'sdk/missing' }).catch((x) => x);
  assert.equal(e.statusCode, 404);
});

test('appendObject: create, continue, wrong position (AppendPositionErr)', async () => {
  const cos = client();
  const a = await cos.appendObject({ ...B, Key: 'sdk/append.log', Body: Buffer.from('hello '), Position: 0 });
  assert.equal(a.headers['x-cos-next-append-position'], '6');
  const b = await cos.appendObject({ ...B, Key: 'sdk/append.log', Body: Buffer.from('world'), Position: 6 });
  assert.equal(b.headers['x-cos-next-append-position'], '11');
  const err = await cos.appendObject({ ...B, Key: 'sdk/append.log', Body: Buffer.from('!'), Position: 3 }).catch((x) => x);
  assert.equal(err.statusCode, 409);
  assert.equal(err.code, 'AppendPositionErr');
  assert.equal(stored('sdk/append.log').md5, md5hex('hello world'));
  assert.equal((await cos.headObject({ ...B, Key: 'sdk/append.log' })).headers['x-cos-object-type'], 'appendable');
});

test('multipartInit / multipartUpload / multipartListPart / multipartList / multipartComplete / multipartAbort', async () => {
  const cos = client();
  const key = 'sdk/mp/parts.bin';
  const init = await cos.multipartInit({ ...B, Key: key, ContentType: 'video/x-sdk', 'x-cos-meta-k': 'v' });
  assert.match(init.UploadId, /^\d{10}[0-9a-f]{64}$/);
  const parts = [pattern(MiB, 1), pattern(MiB, 2), pattern(12345, 3)];
  const etags = [];
  for (let i = 0; i < parts.length; i++) {
    const r = await cos.multipartUpload({ ...B, Key: key, UploadId: init.UploadId, PartNumber: i + 1, Body: parts[i] });
    assert.equal(r.ETag, '"' + md5hex(parts[i]) + '"');
    etags.push({ PartNumber: i + 1, ETag: r.ETag });
  }
  const lp = await cos.multipartListPart({ ...B, Key: key, UploadId: init.UploadId, MaxParts: 2 });
  assert.equal(lp.Part.length, 2);
  assert.equal(lp.IsTruncated, 'true');
  const lp2 = await cos.multipartListPart({ ...B, Key: key, UploadId: init.UploadId, PartNumberMarker: lp.NextPartNumberMarker });
  assert.equal(lp2.Part.length, 1);
  const list = await cos.multipartList({ ...B, Prefix: 'sdk/mp/' });
  assert.ok(list.Upload.some((u) => u.UploadId === init.UploadId && u.Key === key));
  const done = await cos.multipartComplete({ ...B, Key: key, UploadId: init.UploadId, Parts: etags });
  assert.match(done.ETag, /^"[0-9a-f]{32}-3"$/);
  const all = Buffer.concat(parts);
  assert.equal(done.headers['x-cos-hash-crc64ecma'], ref.crc64(all));
  assert.equal(stored(key).md5, md5hex(all));
  assert.equal(stored(key).headers['content-type'], 'video/x-sdk');
  assert.equal(stored(key).meta['x-cos-meta-k'], 'v');
  const other = await cos.multipartInit({ ...B, Key: key });
  const ab = await cos.multipartAbort({ ...B, Key: key, UploadId: other.UploadId });
  assert.equal(ab.statusCode, 204);
  const again = await cos.multipartAbort({ ...B, Key: key, UploadId: other.UploadId }).catch((x) => x);
  assert.equal(again.code, 'NoSuchUpload');
  const small = await cos.multipartInit({ ...B, Key: 'sdk/mp/small' });
  const s1 = await cos.multipartUpload({ ...B, Key: 'sdk/mp/small', UploadId: small.UploadId, PartNumber: 1, Body: Buffer.from('tiny') });
  const s2 = await cos.multipartUpload({ ...B, Key: 'sdk/mp/small', UploadId: small.UploadId, PartNumber: 2, Body: Buffer.from('tiny') });
  const tooSmall = await cos.multipartComplete({ ...B, Key: 'sdk/mp/small', UploadId: small.UploadId, Parts: [{ PartNumber: 1, ETag: s1.ETag }, { PartNumber: 2, ETag: s2.ETag }] }).catch((x) => x);
  assert.equal(tooSmall.code, 'EntityTooSmall');
});

test('sliceUploadFile of a 20 MiB file (4 parts in flight); stored bytes match', async () => {
  const cos = client({ ChunkParallelLimit: 4 });
  const file = path.join(tmp, 'twenty.bin');
  const data = crypto.randomBytes(20 * MiB);
  fs.writeFileSync(file, data);
  server.resetCounters();
  const r = await cos.sliceUploadFile({ ...B, Key: 'sdk/slice/twenty.bin', FilePath: file, ChunkSize: 2 * MiB });
  assert.match(r.ETag, /-10"$/);
  const o = stored('sdk/slice/twenty.bin');
  assert.equal(o.size, data.length);
  assert.equal(o.md5, md5hex(data));
  assert.equal(server.counters().requests.UploadPart, 10);
  assert.equal(server.uploads(BUCKET).filter((u) => u.key === 'sdk/slice/twenty.bin').length, 0);
});

test('temporary keys (getAuthorization → server.issueTempKeys) and a pre-signed URL', async () => {
  const cos = new COS({
    Domain: '{Bucket}.cos.{Region}.localhost:' + server.port,
    Protocol: 'http:',
    getAuthorization(options, callback) {
      const k = server.issueTempKeys();
      callback({ TmpSecretId: k.TmpSecretId, TmpSecretKey: k.TmpSecretKey, SecurityToken: k.SecurityToken, StartTime: k.StartTime, ExpiredTime: k.ExpiredTime });
    },
  });
  cos.on('before-send', (opt) => {
    opt.agent = agent;
  });
  const r = await cos.putObject({ ...B, Key: 'sdk/sts.txt', Body: Buffer.from('temporary') });
  assert.equal(r.statusCode, 200);
  const url = client().getObjectUrl({ ...B, Key: 'sdk/sts.txt', Sign: true, Expires: 60 });
  const text = await new Promise((resolve, reject) => http.get(url, { agent }, (res) => {
    let s = '';
    res.on('data', (c) => { s += c; });
    res.on('end', () => resolve(res.statusCode + ' ' + s));
  }).on('error', reject));
  assert.equal(text, '200 temporary');
});

test('refused: wrong key (SignatureDoesNotMatch), expired KeyTime (AccessDenied "Request has expired"), tampered signed header', async () => {
  const wrong = await client({ SecretKey: 'not-the-secret' }).putObject({ ...B, Key: 'sdk/x', Body: Buffer.from('x') }).catch((e) => e);
  assert.equal(wrong.statusCode, 403);
  assert.equal(wrong.code, 'SignatureDoesNotMatch');

  const now = Math.floor(Date.now() / 1000);
  const expiredCos = new COS({
    Domain: '{Bucket}.cos.{Region}.localhost:' + server.port,
    Protocol: 'http:',
    getAuthorization(options, callback) {
      callback({ Authorization: COS.getAuthorization({ SecretId: SID, SecretKey: SKEY, Method: options.Method, Pathname: options.Pathname, Query: options.Query, Headers: options.Headers, KeyTime: (now - 3600) + ';' + (now - 1800) }) });
    },
  });
  expiredCos.on('before-send', (opt) => {
    opt.agent = agent;
  });
  const expired = await expiredCos.putObject({ ...B, Key: 'sdk/x', Body: Buffer.from('x') }).catch((e) => e);
  assert.equal(expired.statusCode, 403);
  assert.equal(expired.code, 'AccessDenied');
  assert.equal(expired.message, 'Request has expired');

  const tamper = client();
  tamper.on('before-send', (opt) => {
    opt.headers['x-cos-meta-a'] = 'changed after signing';
  });
  const tampered = await tamper.putObject({ ...B, Key: 'sdk/x', Body: Buffer.from('x'), 'x-cos-meta-a': 'signed' }).catch((e) => e);
  assert.equal(tampered.statusCode, 403);
  assert.equal(tampered.code, 'SignatureDoesNotMatch');
  assert.equal(stored('sdk/x'), undefined);
});

test('the SDK corrects a skewed clock from the server Date header', async () => {
  server.setClockOffset(3600 * 1000);
  try {
    const r = await client().putObject({ ...B, Key: 'sdk/skew', Body: Buffer.from('tick') });
    assert.equal(r.statusCode, 200);
  } finally {
    server.setClockOffset(0);
  }
});
