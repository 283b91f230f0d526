// Signature verification: the COS doc vectors (docs/wire-format.md#test-vectors), every vector and captured SDK
// request in tests/fixtures/sign-vectors.json, and the verification rules over real HTTP (every auth error code).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import {
  startCosServer, SID, SKEY, BUCKET, REGION, sign, keyTimeNow, cos, code, request, hostOf, objectPath, formData, xmlValue,
} from '../testlib/raw.mjs';

const require = createRequire(import.meta.url);
const auth = require('../auth.js');
const VECTORS = JSON.parse(fs.readFileSync(new URL('../../../tests/fixtures/sign-vectors.json', import.meta.url), 'utf8'));
const DOC_ID = 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q';
const DOC_KEY = 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz';
const docLookup = (id) => (id === DOC_ID ? { secretKey: DOC_KEY } : null);

/** Verify an Authorization string against a request description; returns true or the error code. */
function verify({ authorization, method, pathname, query = [], headers = {}, lookup = docLookup }) {
  const q = auth.parseAuthString(authorization);
  const nowSec = Number(q['q-sign-time'].split(';')[0]) + 1;
  const h = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = String(v);
  try {
    auth.verifySignature({ q, method, pathname, query, headers: h, nowSec, lookup });
    return true;
  } catch (e) {
    return e.code + ': ' + e.message;
  }
}

function authString(id, keyTime, headerList, paramList, sig) {
  return 'q-sign-algorithm=sha1&q-ak=' + id + '&q-sign-time=' + keyTime + '&q-key-time=' + keyTime + '&q-header-list=' + headerList + '&q-url-param-list=' + paramList + '&q-signature=' + sig;
}

const HOST_A = 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com';
const HEADERS_A = {
  Date: 'Thu, 16 May 2019 06:45:51 GMT', Host: HOST_A, 'Content-Type': 'text/plain', 'Content-Length': '13',
  'Content-MD5': 'mQ/fVh815F3k6TAUm8m0eg==', 'x-cos-acl': 'private', 'x-cos-grant-read': 'uin="100000000011"',
};

test('COS doc vectors A, A\', B, C, D, E verify; a wrong signature does not', () => {
  const A = authString(DOC_ID, '1557989151;1557996351', 'content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read', '', '3b8851a11a569213c17ba8fa7dcf2abec6935172');
  assert.equal(verify({ authorization: A, method: 'PUT', pathname: '/exampleobject(腾讯云)', headers: HEADERS_A }), true, 'A');
  assert.equal(auth.signHttpString(DOC_KEY, '1557989151;1557996351', '1557989151;1557996351', 'x').length, 40);

  const A2 = authString(DOC_ID, '1557989151;1557996351', 'content-length;content-md5;content-type;host;x-cos-acl;x-cos-grant-read', '', 'fc4e4717b501da12715d5fc84a4880a87ad2b7ab');
  assert.equal(verify({ authorization: A2, method: 'PUT', pathname: '/exampleobject(腾讯云)', headers: HEADERS_A }), true, "A'");

  const B = authString(DOC_ID, '1557989753;1557996953', 'date;host', 'response-cache-control;response-content-type', '01681b8c9d798a678e43b685a9f1bba0f6c0e012');
  assert.equal(verify({
    authorization: B, method: 'GET', pathname: '/exampleobject(腾讯云)',
    query: [['response-content-type', 'application/octet-stream'], ['response-cache-control', 'max-age=600']],
    headers: { Date: 'Thu, 16 May 2019 06:55:53 GMT', Host: HOST_A },
  }), true, 'B');

  const C = authString('QmFzZTY0IGlzIGEgZ2VuZXJp', '1480932292;1481012292', 'host;x-cos-content-sha1;x-cos-stroage-class', '', 'ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a');
  assert.equal(verify({
    authorization: C, method: 'PUT', pathname: '/testfile2',
    headers: { Host: 'testbucket-125000000.cos.ap-guangzhou.myqcloud.com', 'x-cos-content-sha1': 'db8ac1c259eb89d4a131b253bacfca5f319d54f2', 'x-cos-stroage-class': 'nearline' },
    lookup: (id) => (id === 'QmFzZTY0IGlzIGEgZ2VuZXJp' ? { secretKey: 'AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM' } : null),
  }), true, 'C');

  const D = authString(DOC_ID, '1585130821;1585138021', 'content-type;host', 'uploads', '868cb906f547d154529482aa863c62265ea6b532');
  assert.equal(verify({ authorization: D, method: 'POST', pathname: '/exampleobject', query: [['uploads', '']], headers: { Host: HOST_A, 'Content-Type': 'video/mp4' } }), true, 'D');

  const E = authString(DOC_ID, '1700000000;1700003600', 'host;x-cos-meta-x', 'partnumber;uploadid', '6c4f9300962abe093b4c0e5e358790c7f6310804');
  assert.equal(verify({ authorization: E, method: 'PUT', pathname: '/a b/中.txt', query: [['partNumber', '1'], ['uploadId', 'X']], headers: { Host: 'h.local:9000', 'x-cos-meta-x': '' } }), true, 'E');

  const bad = A.replace('3b8851a1', '3b8851a2');
  assert.match(verify({ authorization: bad, method: 'PUT', pathname: '/exampleobject(腾讯云)', headers: HEADERS_A }), /^SignatureDoesNotMatch/);
  assert.match(verify({ authorization: E, method: 'PUT', pathname: '/a b/中.txt', query: [['partNumber', '1'], ['uploadId', 'X']], headers: { Host: 'h.local:9000' } }), /^SignatureDoesNotMatch.*x-cos-meta-x/, 'listed header absent');
});

test('sign-vectors.json: every static vector (js and wx outputs) verifies', () => {
  let n = 0;
  for (const v of VECTORS.static_getAuthorization) {
    const inp = v.input;
    let pathname = inp.Pathname || inp.Key || '';
    if (!pathname.startsWith('/')) pathname = '/' + pathname;
    const headers = { ...(inp.Headers || {}) };
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host') && inp.Bucket && inp.Region) headers.Host = inp.Bucket + '.cos.' + inp.Region + '.myqcloud.com';
    const query = Object.entries(inp.Query || {}).map(([k, val]) => [k, String(val)]);
    for (const [sdk, out] of Object.entries(v.output)) {
      assert.equal(verify({ authorization: out, method: inp.Method || 'get', pathname, query, headers }), true, v.id + ' ' + sdk);
      n++;
    }
  }
  assert.equal(n, 18);
});

function requestsOf(capture) {
  const out = [];
  for (const r of Object.values(capture.results)) for (const q of r.requests || []) if (q.method) out.push(q);
  return out;
}

test('sign-vectors.json: every captured js/wx SDK request verifies (Host = URL host)', () => {
  let n = 0;
  for (const r of [...requestsOf(VECTORS.instance_request_captures_js), ...requestsOf(VECTORS.instance_request_captures_wx)]) {
    const headers = { ...(r.headers || r.header) };
    const authorization = headers.Authorization;
    delete headers.Authorization;
    const url = new URL(r.url);
    headers.Host = url.host;
    // wx.request drops Content-Length from its header object but the runtime sends it.
    if (r.dataBytes !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) headers['Content-Length'] = r.dataBytes;
    const query = url.search.slice(1).split('&').filter(Boolean).map((p) => p.split('=').map(decodeURIComponent)).map(([k, v = '']) => [k, v]);
    for (const [k, v] of Object.entries(r.qs || {})) query.push([k, String(v)]);
    let method = r.method;
    let pathname = decodeURIComponent(url.pathname);
    let auth2 = authorization;
    if (r.api === 'wx.uploadFile') {
      // postObject: header-style signature also in the form; signed headers come from the form.
      auth2 = r.formData.Signature;
      Object.assign(headers, r.formData, { 'x-cos-acl': r.formData.acl });
      method = 'POST';
      pathname = '/';
    }
    assert.equal(verify({ authorization: auth2, method, pathname, query, headers }), true, r.method + ' ' + r.url);
    n++;
  }
  assert.ok(n >= 20, 'captured requests checked: ' + n);
  // Pre-signed URLs (getObjectUrl): the q-* fields travel in the query string.
  const urls = VECTORS.instance_request_captures_js.results;
  for (const [method, href] of [['GET', urls.getObjectUrl_sync], ['PUT', urls.getObjectUrl_put.Url]]) {
    const url = new URL(href);
    const query = [...url.searchParams];
    const authorization = query.filter(([k]) => k.startsWith('q-')).map(([k, v]) => k + '=' + v).join('&');
    assert.equal(verify({ authorization, method, pathname: decodeURIComponent(url.pathname), query, headers: { Host: url.host } }), true, 'pre-signed ' + method);
  }
});

test('POST policy vector (sign-vectors.json) and POST policy verification', () => {
  const v = VECTORS.post_policy_signature.vector;
  assert.equal(auth.policySignature(v.SecretKey, v.qKeyTime, Buffer.from(v.policyJson)), v.qSignature);
  const fields = new Map([['policy', v.policyBase64], ['q-sign-algorithm', 'sha1'], ['q-ak', v.SecretId], ['q-key-time', v.qKeyTime], ['q-signature', v.qSignature], ['key', 'dir/a.jpg']]);
  const values = (n) => (n === 'bucket' ? 'examplebucket-1250000000' : n === 'q-sign-time' ? fields.get('q-key-time') : fields.get(n));
  const r = auth.verifyPolicy({ fields, values, nowMs: 1700000100 * 1000, lookup: docLookup });
  assert.equal(r.cred.secretKey, DOC_KEY);
});

// ------------------------------------------------------------------ over HTTP

let server;
before(async () => {
  server = await startCosServer({ port: 0, credentials: [{ secretId: SID, secretKey: SKEY }], buckets: [{ name: BUCKET, region: REGION }, { name: 'pub-1250000000', region: REGION, public: true }, { name: 'ro-1250000000', region: REGION, public: 'read' }] });
});
after(() => server.stop());

test('header signature accepted; Date / Server / x-cos-request-id on every response', async () => {
  const r = await cos(server, { method: 'PUT', key: 'auth/ok.txt', body: 'hi', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(r.status, 200);
  assert.ok(r.headers.date && Math.abs(Date.parse(r.headers.date) - Date.now()) < 5000);
  assert.equal(r.headers.server, 'tencent-cos');
  assert.ok(r.headers['x-cos-request-id']);
  assert.equal(r.headers['x-cos-trace-id'], undefined, 'trace id only on errors');
});

test('errors: exact XML body, x-cos-trace-id, RequestId = header; HEAD errors have no body', async () => {
  const r = await cos(server, { method: 'GET', key: 'auth/missing' });
  assert.equal(r.status, 404);
  assert.equal(r.headers['content-type'], 'application/xml');
  const expected = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n  <Code>NoSuchKey</Code>\n  <Message>The specified key does not exist.</Message>\n"
    + '  <Resource>' + hostOf(server) + '/auth/missing</Resource>\n  <RequestId>' + r.headers['x-cos-request-id'] + '</RequestId>\n  <TraceId>' + r.headers['x-cos-trace-id'] + '</TraceId>\n</Error>';
  assert.equal(r.text, expected);
  const h = await cos(server, { method: 'HEAD', key: 'auth/missing' });
  assert.equal(h.status, 404);
  assert.equal(h.body.length, 0);
  assert.ok(h.headers['x-cos-request-id'] && h.headers['x-cos-trace-id']);
});

test('pre-signed URL (query-string signature), with and without a signed query parameter', async () => {
  await cos(server, { method: 'PUT', key: 'auth/url.txt', body: 'presigned' });
  const r = await cos(server, { method: 'GET', key: 'auth/url.txt', auth: 'query' });
  assert.equal(r.status, 200);
  assert.equal(r.text, 'presigned');
  const r2 = await cos(server, { method: 'GET', key: 'auth/url.txt', query: { 'response-content-type': 'text/x-over' }, auth: 'query' });
  assert.equal(r2.status, 200);
  assert.equal(r2.headers['content-type'], 'text/x-over', 'response-* override honoured for signed requests');
  // Tamper with a signed query value.
  const keyTime = keyTimeNow();
  const a = sign({ method: 'GET', path: '/auth/url.txt', query: { 'response-content-type': 'a' }, headers: { host: hostOf(server) }, keyTime });
  const t = await request(server.port, { path: '/auth/url.txt?response-content-type=b', headers: { Host: hostOf(server), Authorization: a } });
  assert.equal(code(t), 'SignatureDoesNotMatch');
});

test('expired → AccessDenied "Request has expired"; start > now+15 min → RequestTimeTooSkewed; +10 min is fine', async () => {
  const now = Math.floor(Date.now() / 1000);
  const old = await cos(server, { key: 'auth/url.txt', keyTime: (now - 1000) + ';' + (now - 100) });
  assert.equal(old.status, 403);
  assert.equal(code(old), 'AccessDenied');
  assert.equal(xmlValue(old.text, 'Message'), 'Request has expired');
  const future = await cos(server, { key: 'auth/url.txt', keyTime: (now + 1000) + ';' + (now + 2000) });
  assert.equal(future.status, 403);
  assert.equal(code(future), 'RequestTimeTooSkewed');
  const near = await cos(server, { key: 'auth/url.txt', keyTime: (now + 600) + ';' + (now + 2000) });
  assert.equal(near.status, 200);
  const garbage = await cos(server, { key: 'auth/url.txt', keyTime: 'yesterday;tomorrow' });
  assert.equal(code(garbage), 'AccessDenied');
});

test('server clock offset: a client signing with real time gets "Request has expired" and a Date one hour ahead', async () => {
  server.setClockOffset(3600 * 1000);
  try {
    const r = await cos(server, { key: 'auth/url.txt', keyTime: keyTimeNow(0) });
    assert.equal(xmlValue(r.text, 'Message'), 'Request has expired');
    assert.ok(Math.abs(Date.parse(r.headers.date) - (Date.now() + 3600e3)) < 5000, 'Date follows the server clock');
    const ok = await cos(server, { key: 'auth/url.txt', keyTime: keyTimeNow(3600e3) });
    assert.equal(ok.status, 200, 'signed with the corrected clock');
  } finally {
    server.setClockOffset(0);
  }
});

test('unknown SecretId → InvalidAccessKeyId; wrong key → SignatureDoesNotMatch; bad algorithm / incomplete → AccessDenied', async () => {
  assert.equal(code(await cos(server, { key: 'auth/url.txt', auth: { secretId: 'AKIDnobody' } })), 'InvalidAccessKeyId');
  const wrong = await cos(server, { key: 'auth/url.txt', auth: { secretKey: 'not-the-key' } });
  assert.equal(wrong.status, 403);
  assert.equal(code(wrong), 'SignatureDoesNotMatch');
  const a = sign({ method: 'GET', path: '/auth/url.txt', headers: { host: hostOf(server) }, keyTime: keyTimeNow() });
  const md5alg = await request(server.port, { path: '/auth/url.txt', headers: { Host: hostOf(server), Authorization: a.replace('q-sign-algorithm=sha1', 'q-sign-algorithm=md5') } });
  assert.equal(code(md5alg), 'AccessDenied');
  const incomplete = await request(server.port, { path: '/auth/url.txt', headers: { Host: hostOf(server), Authorization: a.replace(/&q-signature=.*/, '') } });
  assert.equal(code(incomplete), 'AccessDenied');
  const junk = await request(server.port, { path: '/auth/url.txt', headers: { Host: hostOf(server), Authorization: 'garbage without any q fields' } });
  assert.equal(junk.status, 403);
});

test('signed headers: tampering fails, unsigned headers may change, empty values are present-with-empty-value', async () => {
  const host = hostOf(server);
  const keyTime = keyTimeNow();
  const a = sign({ method: 'PUT', path: '/auth/h.txt', headers: { host, 'x-cos-meta-a': 'one', 'content-length': '2' }, keyTime });
  const tampered = await request(server.port, { method: 'PUT', path: '/auth/h.txt', headers: { Host: host, Authorization: a, 'x-cos-meta-a': 'two', 'Content-Length': '2' }, body: 'hi' });
  assert.equal(code(tampered), 'SignatureDoesNotMatch');
  const extra = await request(server.port, { method: 'PUT', path: '/auth/h.txt', headers: { Host: host, Authorization: a, 'x-cos-meta-a': 'one', 'Content-Length': '2', 'Content-Type': 'text/x-unsigned', 'x-cos-meta-b': 'unsigned' }, body: 'hi' });
  assert.equal(extra.status, 200);
  const missing = await request(server.port, { method: 'PUT', path: '/auth/h.txt', headers: { Host: host, Authorization: a, 'Content-Length': '2' }, body: 'hi' });
  assert.equal(code(missing), 'SignatureDoesNotMatch');
  // Cache-Control: '' signed with an empty value (cos-js-sdk-v5 does this).
  const r = await cos(server, { method: 'PUT', key: 'auth/empty.txt', body: 'x', headers: { 'Cache-Control': '' } });
  assert.equal(r.status, 200);
  // Host with a different port is a different signed value.
  const wrongHost = sign({ method: 'GET', path: '/auth/h.txt', headers: { host: host.replace(/:\d+$/, ':1') }, keyTime });
  assert.equal(code(await request(server.port, { path: '/auth/h.txt', headers: { Host: host, Authorization: wrongHost } })), 'SignatureDoesNotMatch');
  // Unicode/space key: the signed path is the decoded path.
  const u = await cos(server, { method: 'PUT', key: 'auth/中文 (1)+!*.txt', body: 'u' });
  assert.equal(u.status, 200);
  const encodedPathSigned = sign({ method: 'PUT', path: objectPath('auth/中文.txt'), headers: { host }, keyTime });
  assert.equal(code(await request(server.port, { method: 'PUT', path: objectPath('auth/中文.txt'), headers: { Host: host, Authorization: encodedPathSigned, 'Content-Length': '1' }, body: 'x' })), 'SignatureDoesNotMatch', 'signing the %-encoded path is wrong');
});

test('anonymous: AccessDenied on a private bucket; allowed on public buckets (read-only ones refuse writes)', async () => {
  const r = await cos(server, { key: 'auth/url.txt', auth: false });
  assert.equal(r.status, 403);
  assert.equal(code(r), 'AccessDenied');
  const put = await cos(server, { method: 'PUT', key: 'anon.txt', body: 'open', auth: false, bucket: 'pub-1250000000' });
  assert.equal(put.status, 200);
  assert.equal((await cos(server, { key: 'anon.txt', auth: false, bucket: 'pub-1250000000' })).text, 'open');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'x', body: 'x', auth: false, bucket: 'ro-1250000000' })), 'AccessDenied');
  assert.equal((await cos(server, { method: 'HEAD', key: 'x', auth: false, bucket: 'ro-1250000000' })).status, 404);
});

test('temporary keys: token required and checked (InvalidAccessKeyId), expiry → ExpiredToken; pre-signed with token', async () => {
  const k = server.issueTempKeys({ durationSeconds: 600 });
  assert.match(String(k.StartTime), /^\d{10}$/);
  assert.equal(k.ExpiredTime - k.StartTime, 600);
  const creds = { secretId: k.TmpSecretId, secretKey: k.TmpSecretKey };
  const ok = await cos(server, { method: 'PUT', key: 'auth/tmp.txt', body: 't', auth: creds, token: k.SecurityToken });
  assert.equal(ok.status, 200);
  assert.equal(code(await cos(server, { method: 'PUT', key: 'auth/tmp.txt', body: 't', auth: creds })), 'InvalidAccessKeyId', 'no token');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'auth/tmp.txt', body: 't', auth: creds, token: 'forged' })), 'InvalidAccessKeyId', 'wrong token');
  const url = await cos(server, { key: 'auth/tmp.txt', auth: { ...creds, inQuery: true }, token: k.SecurityToken });
  assert.equal(url.status, 200, 'token as URL parameter');
  server.setClockOffset(700 * 1000);
  try {
    const late = await cos(server, { key: 'auth/tmp.txt', auth: { ...creds, keyTime: keyTimeNow(700e3) }, token: k.SecurityToken });
    assert.equal(late.status, 403);
    assert.equal(code(late), 'ExpiredToken');
  } finally {
    server.setClockOffset(0);
  }
});

test('end to end: spec vector A as a real request (doc keys, server clock in 2019)', async () => {
  const s = await startCosServer({ credentials: [{ secretId: DOC_ID, secretKey: DOC_KEY }], buckets: [{ name: 'examplebucket-1250000000', region: 'ap-beijing' }] });
  try {
    s.setClockOffset(1557989151 * 1000 + 60000 - Date.now());
    const A = authString(DOC_ID, '1557989151;1557996351', 'content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read', '', '3b8851a11a569213c17ba8fa7dcf2abec6935172');
    const r = await request(s.port, { method: 'PUT', path: '/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)', headers: { ...HEADERS_A, Authorization: A }, body: 'ObjectContent' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.etag, '"' + Buffer.from('mQ/fVh815F3k6TAUm8m0eg==', 'base64').toString('hex') + '"');
    assert.equal(s.objects('examplebucket-1250000000')[0].key, 'exampleobject(腾讯云)');
  } finally {
    await s.stop();
  }
});

test('end to end: the captured cos-wx-sdk-v5 postObject (header-style Signature form field)', async () => {
  const s = await startCosServer({ credentials: [{ secretId: DOC_ID, secretKey: DOC_KEY }], buckets: [{ name: 'examplebucket-1250000000', region: 'ap-guangzhou' }] });
  try {
    s.setClockOffset(1700000100 * 1000 - Date.now());
    const cap = VECTORS.instance_request_captures_wx.results.postObject.requests[0];
    const fields = Object.entries(cap.formData).map(([k, v]) => [k, String(v)]);
    const form = formData(fields, { filename: 'photo.jpg', content: 'JPEGDATA', type: 'image/jpeg' });
    const host = 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com';
    const r = await request(s.port, { method: 'POST', path: '/', headers: { Host: host, 'Content-Type': form.contentType, 'Content-Length': form.body.length, ...Object.fromEntries(Object.entries(cap.header).filter(([k]) => k !== 'Content-Type')) }, body: form.body });
    assert.equal(r.status, 200, r.text);
    const obj = s.objects('examplebucket-1250000000')[0];
    assert.equal(obj.key, 'dir/photo.jpg');
    assert.equal(obj.acl, 'public-read');
    assert.equal(obj.meta['x-cos-meta-a'], 'b');
    assert.equal(obj.headers['content-type'], 'image/jpeg');
    // The same form with a changed signed field fails.
    const bad = formData(fields.map(([k, v]) => [k, k === 'x-cos-meta-a' ? 'c' : v]), { filename: 'photo.jpg', content: 'JPEGDATA' });
    const r2 = await request(s.port, { method: 'POST', path: '/', headers: { Host: host, 'Content-Type': bad.contentType }, body: bad.body });
    assert.equal(code(r2), 'SignatureDoesNotMatch');
  } finally {
    await s.stop();
  }
});
