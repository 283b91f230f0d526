// Fault injection, counters, request log, admin HTTP endpoints, the CLI, and hardening
// (client aborts, temp-file cleanup).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  startCosServer, localhostAgent, SID, SKEY, BUCKET, REGION, cos, code, request, hostOf, xmlValue, pattern, md5hex, sign, keyTimeNow, objectPath,
} from '../testlib/raw.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
let server;
before(async () => {
  server = await startCosServer({ credentials: [{ secretId: SID, secretKey: SKEY }], buckets: [{ name: BUCKET, region: REGION }], minPartSize: 1 });
});
after(() => server.stop());

function admin(method, p, body) {
  return request(server.port, { method, path: p, headers: { Host: '127.0.0.1:' + server.port, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined }).then((r) => ({ ...r, json: JSON.parse(r.text) }));
}

test('error faults: nth/times window counted from when the fault was added; counters count every attempt', async () => {
  server.clearFaults();
  server.resetCounters();
  await cos(server, { method: 'PUT', key: 'f/warm', body: 'w' }); // before the fault: not counted by it
  server.addFault({ op: 'PutObject', nth: 2, times: 2, status: 503, code: 'ServiceUnavailable' });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await cos(server, { method: 'PUT', key: 'f/a', body: 'x' })).status);
  assert.deepEqual(statuses, [200, 503, 503, 200, 200]);
  server.addFault({ op: 'HeadObject', code: 'SlowDown' });
  const h = await cos(server, { method: 'HEAD', key: 'f/a' });
  assert.equal(h.status, 503, 'status from the code table');
  assert.equal(h.body.length, 0);
  server.addFault({ op: 'GetObject', status: 500 });
  const g = await cos(server, { key: 'f/a' });
  assert.equal(g.status, 500);
  assert.equal(code(g), 'InternalError');
  server.addFault({ op: 'GetObject', status: 400, code: 'Custom', message: 'custom message' });
  const c = await cos(server, { key: 'f/a' });
  assert.equal(code(c), 'Custom');
  assert.equal(xmlValue(c.text, 'Message'), 'custom message');
  assert.equal((await cos(server, { key: 'f/a' })).status, 200, 'faults used up');
  const counters = server.counters();
  assert.equal(counters.requests.PutObject, 6);
  assert.equal(counters.bytes.PutObject, 4, 'faulted calls never read their body');
  assert.equal(counters.requests.HeadObject, 1);
  assert.equal(counters.total, 6 + 1 + 3);
  server.resetCounters();
  assert.deepEqual(server.counters(), { total: 0, requests: {}, bytes: {} });
  assert.throws(() => server.addFault({ op: 'PutObject' }), /no effect/);
  server.clearFaults();
});

test('delayMs alone delays every matching call; with nth only that call', async () => {
  server.addFault({ op: 'HeadObject', delayMs: 150 });
  for (let i = 0; i < 2; i++) {
    const t0 = Date.now();
    await cos(server, { method: 'HEAD', key: 'f/a' });
    assert.ok(Date.now() - t0 >= 140);
  }
  server.clearFaults();
  server.addFault({ op: 'HeadObject', delayMs: 150, nth: 2 });
  let t0 = Date.now();
  await cos(server, { method: 'HEAD', key: 'f/a' });
  assert.ok(Date.now() - t0 < 120, 'first call not delayed');
  t0 = Date.now();
  await cos(server, { method: 'HEAD', key: 'f/a' });
  assert.ok(Date.now() - t0 >= 140, 'second call delayed');
  server.clearFaults();
});

test('dropAfterBytes destroys the connection mid-body; nothing is stored; the request is logged with status 0', async () => {
  server.addFault({ op: 'PutObject', dropAfterBytes: 1000 });
  await assert.rejects(cos(server, { method: 'PUT', key: 'f/drop', body: pattern(200000, 1) }), /socket hang up|ECONNRESET|EPIPE/);
  assert.equal(server.objects(BUCKET, 'f/drop').length, 0);
  const entry = server.requestLog().filter((r) => r.op === 'PutObject').pop();
  assert.equal(entry.status, 0);
  assert.ok(entry.bytes >= 1000 && entry.bytes < 200000, 'bytes read before the drop: ' + entry.bytes);
  assert.equal((await cos(server, { method: 'PUT', key: 'f/drop', body: 'ok' })).status, 200, 'next call fine');
  server.addFault({ op: 'GetObject', dropAfterBytes: 0 });
  await assert.rejects(cos(server, { key: 'f/drop' }), /socket hang up|ECONNRESET/);
  server.clearFaults();
});

test('stall: accepted, never answered', async () => {
  server.addFault({ op: 'GetObject', stall: true });
  await assert.rejects(cos(server, { key: 'f/drop', timeoutMs: 300 }), /timeout/);
  assert.equal((await cos(server, { key: 'f/drop' })).status, 200);
  server.clearFaults();
});

test('Complete faults: completeError → 200 + <Error> (upload kept); whitespaceChunks before the XML; crc64 override', async () => {
  const key = 'f/complete';
  const id = xmlValue((await cos(server, { method: 'POST', key, query: { uploads: '' } })).text, 'UploadId');
  const etag = (await cos(server, { method: 'PUT', key, query: { partNumber: '1', uploadId: id }, body: 'only part' })).headers.etag;
  const body = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>' + etag + '</ETag></Part></CompleteMultipartUpload>';
  server.addFault({ op: 'CompleteMultipartUpload', completeError: { code: 'InternalError', message: 'merge failed' } });
  const e = await cos(server, { method: 'POST', key, query: { uploadId: id }, body });
  assert.equal(e.status, 200);
  assert.equal(code(e), 'InternalError');
  assert.equal(xmlValue(e.text, 'Message'), 'merge failed');
  assert.ok(server.uploads(BUCKET).some((u) => u.uploadId === id), 'upload still open');
  server.addFault({ op: 'CompleteMultipartUpload', whitespaceChunks: 3, crc64: '12345' });
  const ok = await cos(server, { method: 'POST', key, query: { uploadId: id }, body });
  assert.equal(ok.status, 200);
  assert.match(ok.text, /^\s+<\?xml/);
  assert.equal(ok.text.length - ok.text.trimStart().length, 6, 'three " \\n" chunks');
  assert.match(xmlValue(ok.text, 'ETag'), /-1&quot;$/);
  assert.equal(ok.headers['x-cos-hash-crc64ecma'], '12345');
  assert.equal(server.objects(BUCKET, key)[0].crc64 !== '12345', true, 'stored CRC is the real one');
  server.addFault({ op: 'PutObject', crc64: '1' });
  assert.equal((await cos(server, { method: 'PUT', key: 'f/c', body: 'x' })).headers['x-cos-hash-crc64ecma'], '1');
  server.clearFaults();
});

test('respond: the whole response replaced (status, headers, body); close truncates; bad specs refused', async () => {
  server.clearFaults();
  // Exactly what was given: no Date, Server, request id; Content-Length from the body.
  server.addFault({ op: 'ListParts', respond: { status: 200, headers: { 'Content-Type': 'application/xml', 'x-test': 'a' }, body: '<ListPartsResult><Part>' } });
  const r = await cos(server, { key: 'f/resp', query: { uploadId: 'nope' } });
  assert.equal(r.status, 200);
  assert.equal(r.text, '<ListPartsResult><Part>');
  assert.equal(r.headers['x-test'], 'a');
  assert.equal(r.headers['content-length'], String('<ListPartsResult><Part>'.length));
  for (const h of ['date', 'server', 'x-cos-request-id']) assert.equal(r.headers[h], undefined, h + ' absent');
  assert.equal((await cos(server, { key: 'f/resp', query: { uploadId: 'nope' } })).status, 404, 'one call only; then the real answer');
  // Unsigned and with a body: the request is neither authenticated nor read.
  server.resetCounters();
  server.addFault({ op: 'UploadPart', respond: { status: 200 } });
  const p = await cos(server, { method: 'PUT', key: 'f/resp', query: { partNumber: '1', uploadId: 'x' }, body: pattern(100000, 1), auth: false });
  assert.equal(p.status, 200);
  assert.equal(p.headers.etag, undefined, 'no ETag');
  assert.equal(p.body.length, 0);
  assert.equal(server.counters().bytes.UploadPart, 0, 'body not read');
  // HEAD: headers only.
  server.addFault({ op: 'HeadObject', respond: { status: 200, headers: { 'x-cos-hash-crc64ecma': 'not-a-number' }, body: 'ignored' } });
  const h = await cos(server, { method: 'HEAD', key: 'f/resp' });
  assert.equal(h.headers['x-cos-hash-crc64ecma'], 'not-a-number');
  assert.equal(h.body.length, 0);
  // close: a Content-Length larger than the body is a truncated response, then the socket closes.
  server.addFault({ op: 'GetObject', respond: { status: 200, headers: { 'Content-Length': '1000000' }, body: 'only this much', close: true } });
  await assert.rejects(cos(server, { key: 'f/resp', timeoutMs: 5000 }), /aborted|ECONNRESET|socket hang up/);
  const logged = server.requestLog().filter((e) => e.op === 'GetObject').pop();
  assert.equal(logged.status, 0, 'logged as not completed');
  // Buffers and large bodies pass through unchanged.
  const big = pattern(3 * 1024 * 1024, 7);
  server.addFault({ op: 'GetObject', respond: { status: 500, body: big } });
  const g = await cos(server, { key: 'f/resp' });
  assert.equal(g.status, 500);
  assert.equal(md5hex(g.body), md5hex(big));
  // Described by size; bad specs refused when added (also over HTTP).
  server.addFault({ op: 'GetObject', respond: { status: 201, body: 'xyz' } });
  const d = server.faults.describe().pop();
  assert.deepEqual(d.respond, { status: 201, headers: {}, bodyBytes: 3, close: false });
  assert.throws(() => server.addFault({ op: 'GetObject', respond: true }), /respond must be an object/);
  assert.throws(() => server.addFault({ op: 'GetObject', respond: { status: 42 } }), /status/);
  assert.throws(() => server.addFault({ op: 'GetObject', respond: { headers: { 'bad name': 'x' } } }), /[Hh]eader name/);
  assert.throws(() => server.addFault({ op: 'GetObject', respond: { headers: { 'x-a': 'line\r\nbreak' } } }), /[Ii]nvalid character/);
  const viaHttp = await admin('POST', '/_admin/faults', { op: 'GetObject', respond: { status: 503, headers: { 'Retry-After': '1' }, body: 'busy' } });
  assert.equal(viaHttp.status, 200);
  server.clearFaults();
  server.addFault({ op: 'GetObject', respond: { status: 503, headers: { 'Retry-After': '1' }, body: 'busy' } });
  const b = await cos(server, { key: 'f/resp' });
  assert.deepEqual([b.status, b.headers['retry-after'], b.text], [503, '1', 'busy']);
  assert.equal((await admin('POST', '/_admin/faults', { op: 'GetObject', respond: 'x' })).status, 400);
  server.clearFaults();
});

test('request log: op, method, url as received, status, lower-case headers, bytes', async () => {
  const key = 'f/log 中';
  await cos(server, { method: 'PUT', key, body: 'abcdef', headers: { 'x-cos-meta-Tag': 'T' } });
  const e = server.requestLog().pop();
  assert.equal(e.op, 'PutObject');
  assert.equal(e.method, 'PUT');
  assert.equal(e.url, objectPath(key));
  assert.equal(e.status, 200);
  assert.equal(e.bytes, 6);
  assert.equal(e.headers['x-cos-meta-tag'], 'T');
  assert.equal(e.headers.host, hostOf(server));
});

test('admin HTTP endpoints: counters, reset, faults, clock, objects, uploads, requests, sts', async () => {
  assert.equal((await admin('POST', '/_admin/counters/reset')).json.ok, true);
  await cos(server, { method: 'PUT', key: 'adm/x', body: 'xyz', headers: { 'x-cos-meta-a': 'b' } });
  const c = await admin('GET', '/_admin/counters');
  assert.equal(c.json.total, 1);
  assert.equal(c.json.requests.PutObject, 1);
  assert.equal(c.json.bytes.PutObject, 3);
  await admin('POST', '/_admin/faults', { op: 'GetObject', status: 503 });
  assert.equal((await cos(server, { key: 'adm/x' })).status, 503);
  await admin('POST', '/_admin/faults', { op: 'GetObject', status: 503 });
  await admin('POST', '/_admin/faults/clear');
  assert.equal((await cos(server, { key: 'adm/x' })).status, 200);
  const objs = await admin('GET', '/_admin/objects?bucket=' + BUCKET + '&prefix=adm%2F');
  assert.equal(objs.json.length, 1);
  assert.equal(objs.json[0].md5, md5hex('xyz'));
  assert.equal(objs.json[0].meta['x-cos-meta-a'], 'b');
  const id = xmlValue((await cos(server, { method: 'POST', key: 'adm/u', query: { uploads: '' } })).text, 'UploadId');
  await cos(server, { method: 'PUT', key: 'adm/u', query: { partNumber: '1', uploadId: id }, body: 'p' });
  const ups = await admin('GET', '/_admin/uploads?bucket=' + BUCKET);
  const u = ups.json.find((x) => x.uploadId === id);
  assert.deepEqual(u.parts.map((p) => [p.partNumber, p.size, p.etag]), [[1, 1, '"' + md5hex('p') + '"']]);
  const reqs = await admin('GET', '/_admin/requests');
  assert.ok(reqs.json.length > 0 && reqs.json.some((r) => r.op === 'UploadPart'));
  await admin('POST', '/_admin/clock', { offsetMs: 3600e3 });
  assert.equal(xmlValue((await cos(server, { key: 'adm/x', keyTime: keyTimeNow(0) })).text, 'Message'), 'Request has expired');
  await admin('POST', '/_admin/clock', { offsetMs: 0 });
  const sts = await admin('GET', '/sts');
  assert.ok(sts.json.TmpSecretId && sts.json.TmpSecretKey && sts.json.SecurityToken);
  const r = await cos(server, { key: 'adm/x', auth: { secretId: sts.json.TmpSecretId, secretKey: sts.json.TmpSecretKey }, token: sts.json.SecurityToken });
  assert.equal(r.status, 200);
  assert.equal((await admin('GET', '/_admin/nope')).status, 404);
  assert.equal((await admin('POST', '/_admin/faults', { op: 'GetObject' })).status, 400, 'a fault without effect is refused');
  assert.equal((await admin('GET', '/_admin')).json.port, server.port);
});

test('localhostAgent resolves *.localhost to 127.0.0.1', async () => {
  const agent = localhostAgent();
  const url = 'http://' + hostOf(server) + '/adm/x';
  const status = await new Promise((resolve, reject) => http.get(url, { agent }, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject));
  assert.equal(status, 403, 'reached the server (unsigned)');
  agent.destroy();
});

test('hardening: a client abort mid-PUT leaves no temp file and no object; the server keeps serving', async () => {
  const dir = path.join(server.store.dir, 'objects');
  const before = fs.readdirSync(dir).length;
  const host = hostOf(server);
  await new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: '/f/aborted', headers: { Host: host, 'Content-Length': 1000000, Authorization: sign({ method: 'PUT', path: '/f/aborted', headers: { host }, keyTime: keyTimeNow() }) }, agent: false });
    req.on('error', () => {});
    req.write(pattern(300000, 1));
    setTimeout(() => { req.destroy(); resolve(); }, 100);
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fs.readdirSync(dir).length, before, 'temp file removed');
  assert.equal(server.objects(BUCKET, 'f/aborted').length, 0);
  const e = server.requestLog().filter((r) => r.url === '/f/aborted').pop();
  assert.equal(e.status, 0);
  assert.equal((await cos(server, { method: 'PUT', key: 'f/after', body: 'fine' })).status, 200);
});

test('hardening: overwrite and delete free the object files (after readers finish)', async () => {
  const dir = path.join(server.store.dir, 'objects');
  await cos(server, { method: 'PUT', key: 'f/gc', body: pattern(1000, 1) });
  const n = fs.readdirSync(dir).length;
  await cos(server, { method: 'PUT', key: 'f/gc', body: pattern(1000, 2) });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fs.readdirSync(dir).length, n);
  await cos(server, { method: 'DELETE', key: 'f/gc' });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fs.readdirSync(dir).length, n - 1);
});

test('CLI: prints the base URL first, serves signed requests, stops on SIGTERM', async () => {
  const dataDir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'cos-cli-'));
  const child = spawn(process.execPath, [path.join(HERE, '..', 'cli.js'), '--port', '0', '--secret-id', 'AKIDcli', '--secret-key', 'cliKey', '--bucket', 'clibucket-1250000000', '--region', 'ap-shanghai', '--data-dir', dataDir, '--min-part-size', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.on('exit', (c) => reject(new Error('cli exited ' + c)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(url).port);
    const fake = { port, clockOffset: 0 };
    const r = await cos(fake, { method: 'PUT', key: 'cli.txt', body: 'from cli', bucket: 'clibucket-1250000000', region: 'ap-shanghai', auth: { secretId: 'AKIDcli', secretKey: 'cliKey' } });
    assert.equal(r.status, 200, r.text);
    const objs = JSON.parse((await request(port, { path: '/_admin/objects?bucket=clibucket-1250000000', headers: { Host: '127.0.0.1:' + port } })).text);
    assert.equal(objs[0].md5, md5hex('from cli'));
    assert.ok(fs.readdirSync(path.join(dataDir, 'objects')).length >= 1, 'bytes under --data-dir');
    const code2 = await new Promise((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    assert.equal(code2, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
