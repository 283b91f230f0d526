// Addressing, CORS and the simple-object operations over raw HTTP: PUT, POST (form), APPEND,
// HEAD, GET, DELETE — every rule and error code of docs/wire-format.md (addressing,
// POST policy, the object operations, OPTIONS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  startCosServer, SID, SKEY, BUCKET, REGION, cos, code, request, hostOf, md5hex, md5b64, rawSocket, formData, policyFields, keyTimeNow, xmlValue, pattern, sign,
} from '../testlib/raw.mjs';

const require = createRequire(import.meta.url);
const ref = require('crc64-ecma182.js');

let server;
let open; // path-style allowed, custom CORS
before(async () => {
  server = await startCosServer({
    credentials: [{ secretId: SID, secretKey: SKEY }],
    buckets: [
      { name: BUCKET, region: REGION },
      { name: 'nocors-1250000000', region: REGION, cors: [] },
      { name: 'strict-1250000000', region: REGION, cors: [{ allowedOrigins: ['http://app.example.com', 'https://*.example.org'], allowedMethods: ['PUT', 'GET'], allowedHeaders: ['authorization', 'x-cos-*', 'content-type'], exposeHeaders: ['ETag'], maxAgeSeconds: 60 }] },
    ],
  });
  open = await startCosServer({ credentials: [{ secretId: SID, secretKey: SKEY }], buckets: [{ name: BUCKET, region: REGION }], pathStyle: 'allow' });
});
after(async () => {
  await server.stop();
  await open.stop();
});

// ------------------------------------------------------------------ addressing

test('addressing: unknown bucket / wrong region → NoSuchBucket; path-style → PathStyleDomainForbidden unless allowed', async () => {
  assert.equal(code(await cos(server, { key: 'k', bucket: 'nobucket-1250000000' })), 'NoSuchBucket');
  assert.equal((await cos(server, { key: 'k', region: 'ap-beijing' })).status, 404);
  const ps = await request(server.port, { path: '/' + BUCKET + '/k', headers: { Host: '127.0.0.1:' + server.port } });
  assert.equal(ps.status, 403);
  assert.equal(code(ps), 'PathStyleDomainForbidden');
  // Allowed: the signed path is the full /<bucket>/<key>.
  const host = '127.0.0.1:' + open.port;
  const keyTime = keyTimeNow();
  const put = await request(open.port, { method: 'PUT', path: '/' + BUCKET + '/dir/p%20s.txt', headers: { Host: host, 'Content-Length': '2', Authorization: sign({ method: 'PUT', path: '/' + BUCKET + '/dir/p s.txt', headers: { host }, keyTime }) }, body: 'ps' });
  assert.equal(put.status, 200, put.text);
  assert.equal(open.objects(BUCKET)[0].key, 'dir/p s.txt');
  // Real-COS host names are accepted too (for clients that resolve them to 127.0.0.1).
  const real = await cos(server, { method: 'PUT', key: 'realhost.txt', body: 'r', host: BUCKET + '.cos.' + REGION + '.myqcloud.com' });
  assert.equal(real.status, 200);
});

test('admin paths exist only off bucket hosts; on a bucket host they are object keys', async () => {
  const onBucket = await cos(server, { key: '_admin/counters' });
  assert.equal(code(onBucket), 'NoSuchKey');
  const admin = await request(server.port, { path: '/_admin/counters', headers: { Host: 'localhost:' + server.port } });
  assert.equal(admin.status, 200);
  assert.equal(typeof JSON.parse(admin.text).total, 'number');
});

test('unsupported methods → 405 MethodNotAllowed; bad %-encoding → InvalidURI', async () => {
  assert.equal(code(await cos(server, { method: 'PATCH', key: 'k', body: 'x' })), 'MethodNotAllowed');
  assert.equal(code(await cos(server, { method: 'PATCH', key: '' })), 'MethodNotAllowed');
  assert.equal((await cos(server, { method: 'POST', key: 'k' })).status, 405);
  const bad = await request(server.port, { path: '/%E4%B8', headers: { Host: hostOf(server) } });
  assert.equal(code(bad), 'InvalidURI');
  assert.equal((await cos(server, { method: 'HEAD', key: '' })).status, 200, 'HEAD bucket');
});

// ------------------------------------------------------------------ CORS

test('CORS preflight: default rule allows everything, unsigned; exposes ETag and the COS headers', async () => {
  const r = await request(server.port, { method: 'OPTIONS', path: '/any/key', headers: { Host: hostOf(server), Origin: 'http://127.0.0.1:9', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization, x-cos-meta-a, content-type' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], 'http://127.0.0.1:9');
  assert.match(r.headers['access-control-allow-methods'], /PUT/);
  assert.equal(r.headers['access-control-allow-headers'], 'authorization, x-cos-meta-a, content-type');
  for (const h of ['ETag', 'x-cos-hash-crc64ecma', 'x-cos-request-id', 'Date', 'x-cos-next-append-position', 'Location', 'Last-Modified']) assert.ok(r.headers['access-control-expose-headers'].includes(h), h);
  assert.ok(r.headers['x-cos-request-id']);
  const noOrigin = await request(server.port, { method: 'OPTIONS', path: '/k', headers: { Host: hostOf(server) } });
  assert.equal(noOrigin.status, 400);
});

test('CORS preflight: no rules → 403; custom rules match origin (wildcards), method and headers', async () => {
  const pre = (bucket, origin, method, headers) => request(server.port, { method: 'OPTIONS', path: '/k', headers: { Host: hostOf(server, bucket), Origin: origin, 'Access-Control-Request-Method': method, ...(headers ? { 'Access-Control-Request-Headers': headers } : {}) } });
  const none = await pre('nocors-1250000000', 'http://a', 'GET');
  assert.equal(none.status, 403);
  assert.equal(code(none), 'AccessDenied');
  assert.equal((await pre('strict-1250000000', 'http://app.example.com', 'PUT', 'Authorization, x-cos-meta-z')).status, 200);
  assert.equal((await pre('strict-1250000000', 'https://x.example.org', 'GET')).status, 200, 'wildcard origin');
  assert.equal((await pre('strict-1250000000', 'http://evil.com', 'PUT')).status, 403, 'origin');
  assert.equal((await pre('strict-1250000000', 'http://app.example.com', 'DELETE')).status, 403, 'method');
  assert.equal((await pre('strict-1250000000', 'http://app.example.com', 'PUT', 'x-custom')).status, 403, 'header');
  const ok = await pre('strict-1250000000', 'http://app.example.com', 'PUT');
  assert.equal(ok.headers['access-control-max-age'], '60');
  assert.equal(ok.headers['access-control-expose-headers'], 'ETag');
});

test('CORS on actual responses (including errors): Allow-Origin, Vary: Origin, x-cos-meta-* exposed', async () => {
  await cos(server, { method: 'PUT', key: 'cors/m.txt', body: 'm', headers: { 'x-cos-meta-color': 'blue' } });
  const h = await cos(server, { method: 'HEAD', key: 'cors/m.txt', headers: { Origin: 'http://127.0.0.1:9' }, unsigned: ['Origin'] });
  assert.equal(h.headers['access-control-allow-origin'], 'http://127.0.0.1:9');
  assert.match(h.headers.vary, /Origin/);
  assert.ok(h.headers['access-control-expose-headers'].includes('x-cos-meta-color'));
  const e = await cos(server, { key: 'cors/missing', headers: { Origin: 'http://127.0.0.1:9' }, unsigned: ['Origin'] });
  assert.equal(e.status, 404);
  assert.equal(e.headers['access-control-allow-origin'], 'http://127.0.0.1:9');
  const denied = await cos(server, { key: 'cors/m.txt', auth: false, headers: { Origin: 'http://x' } });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers['access-control-allow-origin'], 'http://x');
  const strict = await cos(server, { key: 'k', bucket: 'strict-1250000000', headers: { Origin: 'http://evil.com' }, unsigned: ['Origin'] });
  assert.equal(strict.headers['access-control-allow-origin'], undefined);
  const admin = await request(server.port, { method: 'OPTIONS', path: '/_admin/faults', headers: { Host: '127.0.0.1:' + server.port, Origin: 'http://x', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(admin.status, 204);
  assert.equal(admin.headers['access-control-allow-origin'], '*');
});

// ------------------------------------------------------------------ PUT Object

test('PUT: ETag = quoted MD5, x-cos-hash-crc64ecma = CRC-64/XZ, stored headers/meta; chunked bodies', async () => {
  const body = pattern(100000, 3);
  const r = await cos(server, {
    method: 'PUT', key: 'put/a.bin', body,
    headers: { 'Content-Type': 'application/x-test', 'Cache-Control': 'max-age=1', 'Content-Disposition': 'attachment', 'Content-Encoding': 'identity', 'Content-Language': 'zh-CN', Expires: 'Wed, 21 Oct 2037 07:28:00 GMT', 'x-cos-meta-author': 'zhang san', 'x-cos-acl': 'private', 'x-cos-grant-read': 'id="1"', 'x-cos-tagging': 'a=1&b=2', 'x-cos-server-side-encryption': 'AES256' },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.etag, '"' + md5hex(body) + '"');
  assert.equal(r.headers['x-cos-hash-crc64ecma'], ref.crc64(body));
  assert.equal(r.headers['x-cos-server-side-encryption'], 'AES256');
  const [o] = server.objects(BUCKET, 'put/a.bin');
  assert.deepEqual(o.headers, { 'content-type': 'application/x-test', 'cache-control': 'max-age=1', 'content-disposition': 'attachment', 'content-encoding': 'identity', 'content-language': 'zh-CN', expires: 'Wed, 21 Oct 2037 07:28:00 GMT' });
  assert.deepEqual(o.meta, { 'x-cos-meta-author': 'zhang san' });
  assert.equal(o.md5, md5hex(body));
  assert.equal(o.crc64, ref.crc64(body));
  assert.equal(o.type, 'normal');
  assert.equal(o.acl, 'private');
  assert.equal(o.storageClass, 'STANDARD');
  async function* chunks() {
    for (let i = 0; i < 5; i++) yield pattern(7000, i);
  }
  const c = await cos(server, { method: 'PUT', key: 'put/chunked.bin', body: chunks(), headers: { 'Transfer-Encoding': 'chunked' } });
  assert.equal(c.status, 200, c.text);
  assert.equal(server.objects(BUCKET, 'put/chunked.bin')[0].size, 35000);
});

test('PUT: Content-MD5 mismatch → BadDigest, malformed → InvalidDigest', async () => {
  const bad = await cos(server, { method: 'PUT', key: 'put/md5', body: 'abc', headers: { 'Content-MD5': md5b64('abd') } });
  assert.equal(bad.status, 400);
  assert.equal(code(bad), 'BadDigest');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'put/md5', body: 'abc', headers: { 'Content-MD5': 'nope' } })), 'InvalidDigest');
  assert.equal((await cos(server, { method: 'PUT', key: 'put/md5', body: 'abc', headers: { 'Content-MD5': md5b64('abc') } })).status, 200);
  assert.equal(server.objects(BUCKET, 'put/md5').length, 1);
});

test('PUT: metadata > 2 KB → KeyTooLong; bad meta name, storage class, ACL, traffic limit, tags, SSE → InvalidArgument', async () => {
  assert.equal(code(await cos(server, { method: 'PUT', key: 'put/m', body: 'x', headers: { 'x-cos-meta-big': 'v'.repeat(2050) } })), 'KeyTooLong');
  assert.equal((await cos(server, { method: 'PUT', key: 'put/m', body: 'x', headers: { 'x-cos-meta-a': 'v'.repeat(2000) } })).status, 200);
  for (const [h, v] of [['x-cos-meta-bad_name', 'x'], ['x-cos-storage-class', 'GOLD'], ['x-cos-acl', 'everyone'], ['x-cos-traffic-limit', '100'], ['x-cos-traffic-limit', '838860801'], ['x-cos-traffic-limit', 'fast'], ['x-cos-tagging', 'a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11'], ['x-cos-server-side-encryption', 'rot13']]) {
    const r = await cos(server, { method: 'PUT', key: 'put/m', body: 'x', headers: { [h]: v } });
    assert.equal(r.status, 400, h + ': ' + v);
    assert.equal(code(r), 'InvalidArgument', h);
  }
  const q = await cos(server, { method: 'PUT', key: 'put/m', body: 'x', query: { 'x-cos-traffic-limit': '5' } });
  assert.equal(code(q), 'InvalidArgument', 'traffic limit as a query parameter');
});

test('PUT: storage class shows on HEAD only when not STANDARD; keys > 850 bytes → InvalidURI', async () => {
  await cos(server, { method: 'PUT', key: 'put/ia', body: 'x', headers: { 'x-cos-storage-class': 'standard_ia' } });
  assert.equal((await cos(server, { method: 'HEAD', key: 'put/ia' })).headers['x-cos-storage-class'], 'STANDARD_IA');
  await cos(server, { method: 'PUT', key: 'put/std', body: 'x', headers: { 'x-cos-storage-class': 'STANDARD' } });
  assert.equal((await cos(server, { method: 'HEAD', key: 'put/std' })).headers['x-cos-storage-class'], undefined);
  assert.equal((await cos(server, { method: 'PUT', key: 'k'.repeat(850), body: 'x' })).status, 200);
  const long = await cos(server, { method: 'PUT', key: 'k'.repeat(851), body: 'x' });
  assert.equal(code(long), 'InvalidURI');
  assert.equal(code(await cos(server, { method: 'PUT', key: '中'.repeat(284), body: 'x' })), 'InvalidURI', '852 UTF-8 bytes');
});

test('PUT: x-cos-forbid-overwrite → 409 FileAlreadyExists; no Content-Length → 411', async () => {
  assert.equal((await cos(server, { method: 'PUT', key: 'put/once', body: '1', headers: { 'x-cos-forbid-overwrite': 'true' } })).status, 200);
  const again = await cos(server, { method: 'PUT', key: 'put/once', body: '2', headers: { 'x-cos-forbid-overwrite': 'true' } });
  assert.equal(again.status, 409);
  assert.equal(code(again), 'FileAlreadyExists');
  assert.equal((await cos(server, { method: 'PUT', key: 'put/once', body: '3' })).status, 200, 'overwrite allowed without the header');
  const host = hostOf(server);
  const auth = sign({ method: 'PUT', path: '/put/nolen', headers: { host }, keyTime: keyTimeNow() });
  const raw = await rawSocket(server.port, 'PUT /put/nolen HTTP/1.1\r\nHost: ' + host + '\r\nAuthorization: ' + auth + '\r\nConnection: close\r\n\r\n');
  assert.match(raw, /^HTTP\/1.1 411/);
  assert.match(raw, /<Code>MissingContentLength<\/Code>/);
});

test('PUT: x-cos-traffic-limit throttles the upload to the given rate', async () => {
  const body = pattern(60 * 1024, 9); // 491520 bits at 819200 bit/s ≈ 0.6 s
  const t0 = Date.now();
  const r = await cos(server, { method: 'PUT', key: 'put/slow', body, headers: { 'x-cos-traffic-limit': '819200' } });
  const ms = Date.now() - t0;
  assert.equal(r.status, 200);
  assert.ok(ms >= 450, 'took ' + ms + ' ms');
});

test('Expect: 100-continue: the body is requested only once the request passes checks', async () => {
  const host = hostOf(server);
  const raw = await rawSocket(server.port, 'PUT /put/expect HTTP/1.1\r\nHost: ' + host + '\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n', 300);
  assert.match(raw, /^HTTP\/1.1 403/, 'unsigned: refused without 100 Continue');
  assert.doesNotMatch(raw, /100 Continue/);
});

// ------------------------------------------------------------------ POST Object

function postForm(fields, file, opts) {
  const f = formData(fields, file, opts);
  return cos(server, { method: 'POST', key: '', body: f.body, headers: { 'Content-Type': f.contentType }, auth: false });
}
function policy(conditions, { keyTime = keyTimeNow(), expiration = new Date(Date.now() + 600e3).toISOString(), ...rest } = {}) {
  return policyFields({ keyTime, expiration, conditions: [{ 'q-sign-algorithm': 'sha1' }, { 'q-ak': SID }, { 'q-sign-time': keyTime }, ...conditions], ...rest });
}

test('POST Object: policy form upload (204 + Location + ETag), form metadata stored, file part type ignored', async () => {
  const bytes = pattern(5000, 5);
  const fields = [['key', 'post/${filename}'], ['Content-Type', 'text/x-form'], ['acl', 'public-read'], ['x-cos-meta-from', 'form'], ['x-cos-storage-class', 'STANDARD_IA'], ...policy([{ bucket: BUCKET }, ['starts-with', '$key', 'post/'], { acl: 'public-read' }, ['content-length-range', 1, 10000], ['starts-with', '$Content-Type', 'text/']])];
  const r = await postForm(fields, { filename: 'a.txt', content: bytes, type: 'image/png' });
  assert.equal(r.status, 204, r.text);
  assert.equal(r.headers.etag, '"' + md5hex(bytes) + '"');
  assert.equal(r.headers.location, 'http://' + hostOf(server) + '/post/a.txt');
  assert.equal(r.headers['x-cos-hash-crc64ecma'], ref.crc64(bytes));
  const [o] = server.objects(BUCKET, 'post/a.txt');
  assert.equal(o.md5, md5hex(bytes));
  assert.equal(o.headers['content-type'], 'text/x-form');
  assert.equal(o.meta['x-cos-meta-from'], 'form');
  assert.equal(o.acl, 'public-read');
  assert.equal(o.storageClass, 'STANDARD_IA');
});

test('POST Object: success_action_status 200/201, success_action_redirect → 303', async () => {
  const r200 = await postForm([['key', 'post/s200'], ['success_action_status', '200'], ...policy([])], { content: 'x' });
  assert.equal(r200.status, 200);
  const r201 = await postForm([['key', 'post/s201'], ['success_action_status', '201'], ...policy([])], { content: 'x' });
  assert.equal(r201.status, 201);
  assert.equal(xmlValue(r201.text, 'Key'), 'post/s201');
  const red = await postForm([['key', 'post/r ed'], ['success_action_redirect', 'http://app.example.com/done'], ...policy([])], { content: 'x' });
  assert.equal(red.status, 303);
  assert.equal(red.headers.location, 'http://app.example.com/done?bucket=' + BUCKET + '&key=post%2Fr%20ed&etag=%22' + md5hex('x') + '%22');
});

test('POST Object: policy failures (expired, signature, conditions, length range, malformed policy)', async () => {
  const file = { content: 'hello' };
  const expired = await postForm([['key', 'post/e'], ...policy([], { expiration: new Date(Date.now() - 1000).toISOString() })], file);
  assert.equal(expired.status, 403);
  assert.match(xmlValue(expired.text, 'Message'), /expired/);
  const keyExpired = await postForm([['key', 'post/e'], ...policy([], { keyTime: (Math.floor(Date.now() / 1000) - 100) + ';' + (Math.floor(Date.now() / 1000) - 10) })], file);
  assert.equal(xmlValue(keyExpired.text, 'Message'), 'Request has expired');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([], { secretKey: 'wrong' })], file)), 'SignatureDoesNotMatch');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([], { secretId: 'AKIDnobody' })], file)), 'InvalidAccessKeyId');
  const eq = await postForm([['key', 'post/e'], ...policy([{ key: 'post/other' }])], file);
  assert.equal(eq.status, 403);
  assert.equal(code(eq), 'AccessDenied');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([['starts-with', '$key', 'up/']])], file)), 'AccessDenied');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([{ 'x-cos-meta-a': 'b' }])], file)), 'AccessDenied', 'constrained field must be present');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([{ bucket: 'other-1250000000' }])], file)), 'AccessDenied');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([['content-length-range', 10, 100]])], file)), 'EntityTooSmall');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([['content-length-range', 0, 3]])], file)), 'EntityTooLarge');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([['in', '$key', 'x']])], file)), 'InvalidPolicyDocument');
  assert.equal(code(await postForm([['key', 'post/e'], ...policy([], { policyText: '{not json' })], file)), 'InvalidPolicyDocument');
  const kt = keyTimeNow();
  const noAk = policyFields({ keyTime: kt, expiration: new Date(Date.now() + 600e3).toISOString(), conditions: [{ 'q-sign-algorithm': 'sha1' }, { 'q-sign-time': kt }] });
  assert.equal(code(await postForm([['key', 'post/e'], ...noAk], file)), 'AccessDenied', 'q-ak must be constrained');
  assert.equal(server.objects(BUCKET, 'post/e').length, 0);
});

test('POST Object: form shape errors (file not last, no file, two files, no key, not multipart, anonymous)', async () => {
  const p = policy([]);
  assert.equal(code(await postForm([['key', 'post/f'], ...p, ['x-cos-meta-late', '1']], { content: 'x' }, { fileAt: p.length + 1 })), 'MalformedPOSTRequest', 'file not last');
  assert.equal(code(await postForm([['key', 'post/f'], ...p], null)), 'IncorrectNumberOfFilesInPostRequest');
  assert.equal(code(await postForm([['key', 'post/f'], ...p], { content: 'x' }, { extraFiles: [{ content: 'y' }] })), 'IncorrectNumberOfFilesInPostRequest');
  assert.equal(code(await postForm(p, { content: 'x' })), 'InvalidArgument', 'key missing');
  assert.equal(code(await cos(server, { method: 'POST', key: '', body: 'key=a', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, auth: false })), 'MalformedPOSTRequest');
  assert.equal(code(await postForm([['key', 'post/f']], { content: 'x' })), 'AccessDenied', 'anonymous on a private bucket');
  const broken = await cos(server, { method: 'POST', key: '', body: '--zz\r\nContent-Disposition: form-data; name="key"\r\n\r\nabc', headers: { 'Content-Type': 'multipart/form-data; boundary=zz' }, auth: false });
  assert.equal(broken.status, 400);
  assert.equal(server.objects(BUCKET, 'post/f').length, 0);
});

test('POST Object: temporary keys put x-cos-security-token in the form; Content-MD5 field is checked', async () => {
  const k = server.issueTempKeys();
  const kt = keyTimeNow();
  const fields = [['key', 'post/tmp'], ['x-cos-security-token', k.SecurityToken], ...policyFields({ secretId: k.TmpSecretId, secretKey: k.TmpSecretKey, keyTime: kt, expiration: new Date(Date.now() + 60e3).toISOString(), conditions: [{ 'q-sign-algorithm': 'sha1' }, { 'q-ak': k.TmpSecretId }, { 'q-sign-time': kt }, { 'x-cos-security-token': k.SecurityToken }] })];
  assert.equal((await postForm(fields, { content: 'tmp' })).status, 204);
  assert.equal(code(await postForm(fields.filter(([n]) => n !== 'x-cos-security-token'), { content: 'tmp' })), 'InvalidAccessKeyId');
  assert.equal(code(await postForm([['key', 'post/md5'], ['Content-MD5', md5b64('other')], ...policy([])], { content: 'tmp' })), 'BadDigest');
});

// ------------------------------------------------------------------ APPEND

test('APPEND: create at 0 (appendable), continue, next position; CRC/MD5 of the whole; PUT makes it normal', async () => {
  const a = await cos(server, { method: 'POST', key: 'app/log', query: { append: '', position: '0' }, body: 'hello ', headers: { 'Content-Type': 'text/plain', 'x-cos-meta-k': 'v' } });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.headers['x-cos-next-append-position'], '6');
  assert.equal(a.headers['x-cos-content-sha1'], md5hex('hello '));
  const b = await cos(server, { method: 'POST', key: 'app/log', query: { append: '', position: '6' }, body: 'world' });
  assert.equal(b.headers['x-cos-next-append-position'], '11');
  assert.equal(b.headers.etag, '"' + md5hex('hello world') + '"');
  const head = await cos(server, { method: 'HEAD', key: 'app/log' });
  assert.equal(head.headers['x-cos-object-type'], 'appendable');
  assert.equal(head.headers['content-length'], '11');
  assert.equal(head.headers['x-cos-hash-crc64ecma'], ref.crc64(Buffer.from('hello world')));
  assert.equal(head.headers['x-cos-meta-k'], 'v');
  assert.equal((await cos(server, { key: 'app/log' })).text, 'hello world');
  const [o] = server.objects(BUCKET, 'app/log');
  assert.equal(o.type, 'appendable');
  assert.equal(o.md5, md5hex('hello world'));
  assert.equal((await cos(server, { key: 'app/log', headers: { Range: 'bytes=4-7' } })).text, 'o wo', 'range across appended segments');
  await cos(server, { method: 'PUT', key: 'app/log', body: 'now normal' });
  assert.equal((await cos(server, { method: 'HEAD', key: 'app/log' })).headers['x-cos-object-type'], undefined);
});

test('APPEND errors: AppendPositionErr (409, exact message), ObjectNotAppendable, missing/bad position, 411', async () => {
  await cos(server, { method: 'POST', key: 'app/e', query: { append: '', position: '0' }, body: 'abc' });
  const wrong = await cos(server, { method: 'POST', key: 'app/e', query: { append: '', position: '1' }, body: 'x' });
  assert.equal(wrong.status, 409);
  assert.equal(code(wrong), 'AppendPositionErr');
  assert.equal(xmlValue(wrong.text, 'Message'), 'Position not equal object length');
  assert.equal(code(await cos(server, { method: 'POST', key: 'app/absent', query: { append: '', position: '5' }, body: 'x' })), 'AppendPositionErr');
  await cos(server, { method: 'PUT', key: 'app/normal', body: 'n' });
  const na = await cos(server, { method: 'POST', key: 'app/normal', query: { append: '', position: '1' }, body: 'x' });
  assert.equal(na.status, 409);
  assert.equal(code(na), 'ObjectNotAppendable');
  const missing = await cos(server, { method: 'POST', key: 'app/e', query: { append: '' }, body: 'x' });
  assert.equal(missing.status, 400);
  assert.equal(code(missing), 'InvalidArgument');
  assert.equal(code(await cos(server, { method: 'POST', key: 'app/e', query: { append: '', position: '-1' }, body: 'x' })), 'InvalidArgument');
  assert.equal(code(await cos(server, { method: 'POST', key: 'app/e', query: { append: '', position: '3' }, body: 'x', headers: { 'Content-MD5': md5b64('y') } })), 'BadDigest');
  assert.equal(server.objects(BUCKET, 'app/e')[0].size, 3);
});

// ------------------------------------------------------------------ HEAD / GET / DELETE

test('HEAD/GET: headers, conditionals (304/412), ranges (206/416), response-* overrides; DELETE 204', async () => {
  const body = pattern(1000, 8);
  const put = await cos(server, { method: 'PUT', key: 'get/o', body, headers: { 'Content-Type': 'text/x-o', 'Cache-Control': 'no-cache', 'x-cos-meta-a': '1' } });
  const etag = put.headers.etag;
  const h = await cos(server, { method: 'HEAD', key: 'get/o' });
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.equal(h.headers['content-length'], '1000');
  assert.equal(h.headers['content-type'], 'text/x-o');
  assert.equal(h.headers['cache-control'], 'no-cache');
  assert.equal(h.headers['x-cos-meta-a'], '1');
  assert.equal(h.headers.etag, etag);
  assert.equal(h.headers['x-cos-hash-crc64ecma'], ref.crc64(body));
  assert.ok(h.headers['last-modified']);
  assert.equal((await cos(server, { method: 'HEAD', key: 'get/o', headers: { 'If-None-Match': etag } })).status, 304);
  assert.equal((await cos(server, { method: 'HEAD', key: 'get/o', headers: { 'If-Match': '"nope"' } })).status, 412);
  assert.equal((await cos(server, { method: 'HEAD', key: 'get/o', headers: { 'If-Match': etag } })).status, 200);
  assert.equal((await cos(server, { method: 'GET', key: 'get/o', headers: { 'If-Modified-Since': new Date(Date.now() + 60e3).toUTCString() } })).status, 304);
  const pf = await cos(server, { method: 'GET', key: 'get/o', headers: { 'If-Unmodified-Since': new Date(Date.now() - 3600e3).toUTCString() } });
  assert.equal(pf.status, 412);
  assert.equal(code(pf), 'PreconditionFailed');
  const g = await cos(server, { key: 'get/o' });
  assert.equal(g.status, 200);
  assert.equal(g.headers['accept-ranges'], 'bytes');
  assert.ok(g.body.equals(body));
  const r = await cos(server, { key: 'get/o', headers: { Range: 'bytes=10-19' } });
  assert.equal(r.status, 206);
  assert.equal(r.headers['content-range'], 'bytes 10-19/1000');
  assert.ok(r.body.equals(body.subarray(10, 20)));
  assert.ok((await cos(server, { key: 'get/o', headers: { Range: 'bytes=-5' } })).body.equals(body.subarray(995)));
  assert.ok((await cos(server, { key: 'get/o', headers: { Range: 'bytes=990-' } })).body.equals(body.subarray(990)));
  const bad = await cos(server, { key: 'get/o', headers: { Range: 'bytes=1000-1001' } });
  assert.equal(bad.status, 416);
  assert.equal(code(bad), 'InvalidRange');
  assert.equal(bad.headers['content-range'], 'bytes */1000');
  const o = await cos(server, { key: 'get/o', query: { 'response-content-type': 'application/json', 'response-content-disposition': 'inline', 'response-cache-control': 'max-age=5' } });
  assert.equal(o.headers['content-type'], 'application/json');
  assert.equal(o.headers['content-disposition'], 'inline');
  assert.equal(o.headers['cache-control'], 'max-age=5');
  assert.equal((await cos(server, { method: 'DELETE', key: 'get/o' })).status, 204);
  assert.equal((await cos(server, { method: 'DELETE', key: 'get/o' })).status, 204, 'deleting a missing key is 204 too');
  assert.equal(code(await cos(server, { key: 'get/o' })), 'NoSuchKey');
});

test('GET: x-cos-traffic-limit throttles the download', async () => {
  await cos(server, { method: 'PUT', key: 'get/slow', body: pattern(60 * 1024, 2) });
  const t0 = Date.now();
  const g = await cos(server, { key: 'get/slow', headers: { 'x-cos-traffic-limit': '819200' } });
  assert.equal(g.body.length, 60 * 1024);
  assert.ok(Date.now() - t0 >= 450, 'took ' + (Date.now() - t0) + ' ms');
});
