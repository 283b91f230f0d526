// Browser conformance: the official cos-js-sdk-v5 (dist/cos-js-sdk-v5.min.js) in headless Chromium.
// The page is served from 127.0.0.1 and talks to <bucket>.cos.<region>.localhost:PORT (Chromium
// resolves *.localhost to loopback), so every request goes through real CORS preflights.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCosServer, SID, SKEY, BUCKET, REGION, MiB, md5hex, pattern } from '../testlib/raw.mjs';
import { startStatic } from '../../lib/static-server.mjs';
import { launchChromium } from '../../lib/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const skip = fs.existsSync(CHROMIUM) ? false : 'no Chromium at ' + CHROMIUM;

let server;
let web;
let browser;
let page;

before(async () => {
  if (skip) return;
  server = await startCosServer({ port: 0, credentials: [{ secretId: SID, secretKey: SKEY }], buckets: [{ name: BUCKET, region: REGION }] });
  web = await startStatic({ '/node_modules/': path.join(ROOT, 'node_modules'), '/': path.join(HERE, '..', 'testlib') });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(web.url + '/blank.html');
  await page.waitForFunction(() => typeof window.COS === 'function');
});

after(async () => {
  await browser?.close();
  await web?.close();
  await server?.stop();
});

/** Same bytes as testlib pattern(), generated inside the page. */
const PATTERN_SRC = `(size, seed) => { const out = new Uint8Array(size); let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff; } return out; }`;

test('cos-js-sdk-v5 sliceUploadFile: 3 MiB in 1 MiB parts through CORS; stored MD5 matches', { skip }, async () => {
  server.resetCounters();
  const result = await page.evaluate(async ({ port, bucket, region, sid, skey, patternSrc }) => {
    const pattern = (0, eval)(patternSrc);
    const cos = new window.COS({ SecretId: sid, SecretKey: skey, Domain: '{Bucket}.cos.{Region}.localhost:' + port, Protocol: 'http:' });
    const file = new File([pattern(3 * 1024 * 1024, 33)], 'three.bin', { lastModified: 1700000000000 });
    try {
      const d = await cos.sliceUploadFile({ Bucket: bucket, Region: region, Key: 'browser/three.bin', Body: file, ChunkSize: 1024 * 1024 });
      return { ok: true, ETag: d.ETag, statusCode: d.statusCode, crc: d.headers && d.headers['x-cos-hash-crc64ecma'] };
    } catch (e) {
      return { ok: false, error: JSON.stringify(e) + ' ' + e };
    }
  }, { port: server.port, bucket: BUCKET, region: REGION, sid: SID, skey: SKEY, patternSrc: PATTERN_SRC });
  assert.ok(result.ok, result.error);
  assert.match(result.ETag, /-3"$/);
  assert.ok(result.crc, 'x-cos-hash-crc64ecma is readable (exposed)');
  const o = server.objects(BUCKET, 'browser/three.bin')[0];
  assert.equal(o.md5, md5hex(pattern(3 * MiB, 33)));
  const c = server.counters();
  assert.equal(c.requests.UploadPart, 3);
  assert.ok(c.requests.OptionsObject >= 1, 'preflights were made');
});

test('cos-js-sdk-v5 putObject/headObject: metadata readable via CORS; temp keys from /sts; server errors arrive intact', { skip }, async () => {
  const result = await page.evaluate(async ({ port, bucket, region, sid, skey, serverUrl }) => {
    const opts = { Domain: '{Bucket}.cos.{Region}.localhost:' + port, Protocol: 'http:' };
    const cos = new window.COS({ SecretId: sid, SecretKey: skey, ...opts });
    const B = { Bucket: bucket, Region: region };
    const put = await cos.putObject({ ...B, Key: 'browser/meta.txt', Body: 'hello browser', ContentType: 'text/plain', 'x-cos-meta-color': 'blue' });
    const head = await cos.headObject({ ...B, Key: 'browser/meta.txt' });
    const sts = new window.COS({
      ...opts,
      getAuthorization(o, cb) {
        fetch(serverUrl + '/sts').then((r) => r.json()).then((k) => cb(k));
      },
    });
    const viaSts = await sts.putObject({ ...B, Key: 'browser/sts.txt', Body: 'temporary' });
    const wrong = new window.COS({ SecretId: sid, SecretKey: 'wrong', ...opts });
    const err = await wrong.putObject({ ...B, Key: 'browser/x', Body: 'x' }).catch((e) => e);
    const missing = await cos.getObject({ ...B, Key: 'browser/missing' }).catch((e) => e);
    return {
      putETag: put.ETag,
      meta: head.headers['x-cos-meta-color'],
      length: head.headers['content-length'],
      stsStatus: viaSts.statusCode,
      errCode: err.code,
      errStatus: err.statusCode,
      missingCode: missing.code,
      requestId: missing.RequestId,
    };
  }, { port: server.port, bucket: BUCKET, region: REGION, sid: SID, skey: SKEY, serverUrl: server.url });
  assert.equal(result.putETag, '"' + md5hex('hello browser') + '"');
  assert.equal(result.meta, 'blue');
  assert.equal(result.length, '13');
  assert.equal(result.stsStatus, 200);
  assert.equal(result.errCode, 'SignatureDoesNotMatch');
  assert.equal(result.errStatus, 403);
  assert.equal(result.missingCode, 'NoSuchKey');
  assert.ok(result.requestId);
  assert.equal(server.objects(BUCKET, 'browser/sts.txt')[0].md5, md5hex('temporary'));
});

test('cos-js-sdk-v5 beyond uploads through CORS: listing, copy, batch delete, tagging, ACL, select, service, bucket configs, postBucketInventory', { skip }, async () => {
  const r = await page.evaluate(async ({ port, bucket, region, sid, skey }) => {
    const cos = new window.COS({ SecretId: sid, SecretKey: skey, Domain: '{Bucket}.cos.{Region}.localhost:' + port, ServiceDomain: 'service.cos.localhost:' + port, Protocol: 'http:' });
    const B = { Bucket: bucket, Region: region };
    const N = { Bucket: 'browsermade-1250000000', Region: 'ap-chengdu' };
    const out = {};
    const step = async (name, fn) => {
      try {
        out[name] = await fn();
      } catch (e) {
        out[name] = { error: e.code || String(e), statusCode: e.statusCode };
      }
    };
    await cos.putObject({ ...B, Key: 'bx/a.csv', Body: 'x,y\n1,2\n3,4\n' });
    await step('list', async () => (await cos.getBucket({ ...B, Prefix: 'bx/', Delimiter: '/' })).Contents.map((c) => c.Key));
    await step('copy', async () => (await cos.putObjectCopy({ ...B, Key: 'bx/b.csv', CopySource: bucket + '.cos.' + region + '.myqcloud.com/bx/a.csv' })).ETag);
    await step('tag', async () => {
      await cos.putObjectTagging({ ...B, Key: 'bx/b.csv', Tags: [{ Key: 'k', Value: 'v' }] });
      return (await cos.getObjectTagging({ ...B, Key: 'bx/b.csv' })).Tags;
    });
    await step('acl', async () => (await cos.getObjectAcl({ ...B, Key: 'bx/b.csv' })).ACL);
    await step('select', async () => {
      const d = await cos.selectObjectContent({ ...B, Key: 'bx/a.csv', SelectType: 2, SelectRequest: { Expression: 'Select _2 from COSObject where _1 > 1', ExpressionType: 'SQL', InputSerialization: { CSV: { FileHeaderInfo: 'IGNORE' } }, OutputSerialization: { CSV: {} } } });
      return { payload: String(d.Payload), hasBody: typeof d.Body === 'string' && d.Body.length > 0 }; // this SDK returns no Stats
    });
    await step('versions', async () => (await cos.listObjectVersions({ ...B, Prefix: 'bx/' })).Versions.length);
    await step('delete', async () => (await cos.deleteMultipleObject({ ...B, Objects: [{ Key: 'bx/a.csv' }, { Key: 'bx/b.csv' }] })).Deleted.length);
    await step('service', async () => (await cos.getService({})).Buckets.map((b) => b.Name));
    await step('putBucket', async () => (await cos.putBucket(N)).statusCode);
    await step('region', async () => (await cos.headBucket(N)).headers['x-cos-bucket-region']);
    await step('cors', async () => {
      await cos.putBucketCors({ ...N, CORSRules: [{ AllowedOrigin: ['*'], AllowedMethod: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'], AllowedHeader: ['*'], ExposeHeader: ['ETag'] }] });
      return (await cos.getBucketCors(N)).CORSRules.length;
    });
    const inventory = { Id: 'once', Destination: { COSBucketDestination: { Format: 'CSV', AccountId: '100000000001', Bucket: 'qcs::cos:ap-chengdu::' + N.Bucket } } };
    await step('postInventory', async () => (await cos.postBucketInventory({ ...N, Id: 'once', InventoryConfiguration: inventory })).statusCode);
    await step('postInventoryBad', async () => cos.postBucketInventory({ ...N, Id: 'other', InventoryConfiguration: inventory }));
    await step('deleteBucket', async () => (await cos.deleteBucket(N)).statusCode);
    return out;
  }, { port: server.port, bucket: BUCKET, region: REGION, sid: SID, skey: SKEY });
  assert.deepEqual(r.list, ['bx/a.csv']);
  assert.equal(r.copy, '"' + md5hex('x,y\n1,2\n3,4\n') + '"');
  assert.deepEqual(r.tag, [{ Key: 'k', Value: 'v' }]);
  assert.equal(r.acl, 'default');
  assert.deepEqual(r.select, { payload: '4\n', hasBody: true });
  assert.equal(r.versions, 2);
  assert.equal(r.delete, 2);
  assert.deepEqual(r.service, [BUCKET]);
  assert.equal(r.putBucket, 200);
  assert.equal(r.region, 'ap-chengdu');
  assert.equal(r.cors, 1);
  assert.equal(r.postInventory, 200);
  assert.deepEqual(r.postInventoryBad, { error: 'InvalidArgument', statusCode: 400 });
  assert.equal(r.deleteBucket, 204);
});
