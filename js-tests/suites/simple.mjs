// Simple and multipart operations, end to end against the local COS server. Runs unchanged in
// Node, headless Chromium and the simulated mini-program runtime: `env` adapts bodies and I/O.
import { ok, equal, match, rejects, officialError } from './assert.mjs';
import { patternBytes, uniqueKey, sleep } from './data.mjs';
import { abortController } from './signal.mjs';

const MiB = 1024 * 1024;

async function stored(env, key) {
  const list = await env.admin.objects(key);
  return list.find((o) => o.key === key);
}

function call(cos, method, params) {
  // Callback style, to prove both styles work.
  return new Promise((resolve, reject) => {
    const ret = cos[method](params, (err, data) => (err ? reject(err) : resolve(data)));
    equal(ret, undefined, method + ' with a callback returns undefined');
  });
}

export const tests = [
  {
    name: 'putObject/headObject/getObject round trips: 0 B, 1 B, 5 MiB, unicode key',
    async run(env) {
      const cos = new env.COS(env.options());
      for (const [size, key] of [
        [0, uniqueKey('empty')],
        [1, uniqueKey('one')],
        [5 * MiB, uniqueKey('five')],
        [1000, 'dir/中文 文件 (1)+#?%.txt'],
      ]) {
        const bytes = patternBytes(size, size + 7);
        const data = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(bytes) });
        equal(data.statusCode, 200, 'put statusCode');
        match(data.ETag, /^"[0-9a-f]{32}"$/, 'put ETag');
        equal(data.ETag, '"' + env.md5(bytes) + '"', 'ETag is the MD5 of what was sent');
        ok(typeof data.RequestId === 'string' && data.RequestId.length > 0, 'RequestId');
        ok(data.Location.endsWith('/' + encodeURIComponent(key).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())), 'Location ends with the encoded key: ' + data.Location);
        const obj = await stored(env, key);
        ok(obj, 'object stored: ' + key);
        equal(obj.size, size, 'stored size');
        equal(obj.md5, env.md5(bytes), 'stored MD5');
        const head = await call(cos, 'headObject', { Bucket: env.bucket, Region: env.region, Key: key });
        equal(head.statusCode, 200);
        equal(head.headers['content-length'], String(size), 'HEAD content-length');
        equal(head.ETag, data.ETag, 'HEAD ETag');
        const got = await cos.getObject({ Bucket: env.bucket, Region: env.region, Key: key, DataType: 'arraybuffer' });
        equal(got.statusCode, 200);
        equal(env.md5(new Uint8Array(got.Body)), env.md5(bytes), 'GET body');
      }
    },
  },
  {
    name: 'putObject accepts every body kind: string, ArrayBuffer, typed array, DataView, the host body, a file',
    async run(env) {
      const cos = new env.COS(env.options());
      const bytes = patternBytes(70000, 77);
      const kinds = [
        ['string', 'héllo wörld', new TextEncoder().encode('héllo wörld')],
        ['ArrayBuffer', bytes.slice().buffer, bytes],
        ['Uint8Array view', new Uint8Array(bytes.buffer, 100, 5000), bytes.subarray(100, 5100)],
        ['DataView', new DataView(bytes.buffer, 7, 999), bytes.subarray(7, 1006)],
        ['host body', await env.body(bytes), bytes],
      ];
      for (const [kind, body, expect] of kinds) {
        const key = uniqueKey('kind');
        const d = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: body });
        equal(d.ETag, '"' + env.md5(expect) + '"', kind);
        equal((await stored(env, key)).size, expect.length, kind + ' size');
      }
      const key = uniqueKey('kind-file');
      const d = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, ...(await env.file(bytes, 'kind.bin')) });
      equal(d.ETag, '"' + env.md5(bytes) + '"', 'file');
    },
  },
  {
    name: 'putObject maps every official header parameter and x-cos-meta-*',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('meta') + '.bin';
      await cos.putObject({
        Bucket: env.bucket, Region: env.region, Key: key, Body: 'hello headers',
        CacheControl: 'max-age=7200', ContentDisposition: 'attachment; filename="a.txt"', ContentEncoding: 'identity',
        ContentType: 'text/x-test', Expires: 'Wed, 21 Oct 2037 07:28:00 GMT', ACL: 'private',
        GrantRead: 'id="100000000001"', GrantFullControl: 'id="100000000002"', StorageClass: 'STANDARD_IA',
        'x-cos-meta-author': 'zhang san', Headers: { 'x-cos-meta-extra': '42', 'x-cos-traffic-limit': 838860800 },
      });
      const obj = await stored(env, key);
      const h = obj.headers;
      equal(h['cache-control'], 'max-age=7200');
      equal(h['content-disposition'], 'attachment; filename="a.txt"');
      equal(h['content-type'], 'text/x-test');
      equal(h['expires'], 'Wed, 21 Oct 2037 07:28:00 GMT');
      equal(obj.meta['x-cos-meta-author'] ?? obj.meta.author, 'zhang san');
      equal(obj.meta['x-cos-meta-extra'] ?? obj.meta.extra, '42');
      const head = await cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key });
      equal(head.headers['x-cos-storage-class'], 'STANDARD_IA');
      equal(head.headers['x-cos-meta-author'], 'zhang san');
      const log = await env.admin.requestLog();
      const put = log.filter((r) => r.op === 'PutObject' && r.url.includes(encodeURIComponent(key).slice(0, 10))).pop();
      ok(put, 'PUT seen by the server');
      equal(put.headers['x-cos-acl'], 'private');
      equal(put.headers['x-cos-grant-read'], 'id="100000000001"');
      equal(put.headers['x-cos-grant-full-control'], 'id="100000000002"');
      equal(put.headers['x-cos-traffic-limit'], '838860800');
    },
  },
  {
    name: 'folder markers: a key ending in / with an empty body; a non-empty body is refused',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('folder') + '/';
      const data = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: '' });
      equal(data.statusCode, 200);
      const before = (await env.admin.counters()).total;
      await rejects(cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'x' }), (e) => officialError(e, { messageIncludes: 'Key' }));
      equal((await env.admin.counters()).total, before, 'nothing sent');
    },
  },
  {
    name: 'bad input names the parameter, in the official shape, and sends nothing',
    async run(env) {
      const cos = new env.COS(env.options());
      const before = (await env.admin.counters()).total;
      const b = env.bucket, r = env.region;
      const cases = [
        [{ Region: r, Key: 'k', Body: 'x' }, 'missing param Bucket'],
        [{ Bucket: b, Key: 'k', Body: 'x' }, 'missing param Region'],
        [{ Bucket: b, Region: r, Body: 'x' }, 'missing param Key'],
        [{ Bucket: 'noappid', Region: r, Key: 'k', Body: 'x' }, 'Bucket should format as "test-1250000000".'],
        [{ Bucket: b, Region: 'cos.ap-guangzhou', Key: 'k', Body: 'x' }, 'Region'],
        [{ Bucket: b, Region: 'AP GZ', Key: 'k', Body: 'x' }, 'Region format error.'],
        [{ Bucket: b, Region: r, Key: 'k', Body: 42 }, 'body format error'],
        [{ Bucket: b, Region: r, Key: 'k', Body: { a: 1 } }, 'body format error'],
        [{ Bucket: b, Region: r, Key: 'k', Body: 'x', TrafficLimit: 100 }, 'TrafficLimit'],
        [{ Bucket: b, Region: r, Key: 'k', Body: 'x', StorageClass: 'GOLD' }, 'StorageClass'],
        [{ Bucket: b, Region: r, Key: 'k', Body: 'x', ACL: 'everyone' }, 'ACL'],
        [{ Bucket: b, Region: r, Key: 'k'.repeat(851), Body: 'x' }, '850'],
        [{ Bucket: b, Region: r, Key: 'k', Body: 'x', onProgress: 'nope' }, 'onProgress'],
      ];
      for (const [params, needle] of cases) {
        await rejects(cos.putObject(params), (e) => officialError(e, { messageIncludes: needle }), needle);
      }
      await rejects(cos.appendObject({ Bucket: b, Region: r, Key: 'k', Body: 'x', Position: -1 }), (e) => officialError(e, { messageIncludes: 'Position' }));
      await rejects(cos.multipartUpload({ Bucket: b, Region: r, Key: 'k', Body: 'x', UploadId: 'u', PartNumber: 0 }), (e) => officialError(e, { messageIncludes: 'PartNumber' }));
      await rejects(cos.multipartUpload({ Bucket: b, Region: r, Key: 'k', Body: 'x', UploadId: 'u', PartNumber: 10001 }), (e) => officialError(e, { messageIncludes: 'PartNumber' }));
      await rejects(cos.multipartComplete({ Bucket: b, Region: r, Key: 'k', UploadId: 'u', Parts: [{ PartNumber: 2, ETag: '"a"' }, { PartNumber: 1, ETag: '"b"' }] }), (e) => officialError(e, { messageIncludes: 'ascending' }));
      const badCallback = cos.putObject({ Bucket: b, Region: r, Key: 'k', Body: 'x' }, 'not a function');
      equal(typeof badCallback.then, 'function', 'bad callback gives a rejected promise');
      await rejects(badCallback, (e) => officialError(e, { messageIncludes: 'callback' }));
      equal((await env.admin.counters()).total, before, 'no request reached the server');
    },
  },
  {
    name: 'server errors come back in the official shape (NoSuchKey on getObject, 404 on headObject)',
    async run(env) {
      const cos = new env.COS(env.options());
      const err = await rejects(cos.getObject({ Bucket: env.bucket, Region: env.region, Key: uniqueKey('missing') }));
      officialError(err, { code: 'NoSuchKey', status: 404 });
      ok(err.RequestId, 'RequestId');
      equal(err.error.Code, 'NoSuchKey');
      const head = await rejects(cos.headObject({ Bucket: env.bucket, Region: env.region, Key: uniqueKey('missing') }));
      officialError(head, { status: 404 });
      const wrong = new env.COS(env.options({ SecretKey: 'wrong-secret-key' }));
      const denied = await rejects(wrong.putObject({ Bucket: env.bucket, Region: env.region, Key: 'x', Body: 'x' }));
      officialError(denied, { code: 'SignatureDoesNotMatch', status: 403 });
    },
  },
  {
    name: 'temporary keys from getAuthorization (cached across requests)',
    async run(env) {
      let calls = 0;
      const cos = new env.COS(env.options({
        SecretId: undefined, SecretKey: undefined,
        getAuthorization(options, callback) {
          calls += 1;
          ok(options.Bucket === env.bucket && options.Region === env.region, 'options carry Bucket/Region');
          ok(Array.isArray(options.Scope), 'options carry Scope');
          env.admin.sts().then(callback);
        },
      }));
      for (let i = 0; i < 3; i++) {
        const d = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: uniqueKey('sts'), Body: 'temp ' + i });
        equal(d.statusCode, 200);
      }
      equal(calls, 1, 'one getAuthorization call for three requests');
    },
  },
  {
    name: 'a ready Authorization from getAuthorization is used as is',
    async run(env) {
      const key = uniqueKey('ready');
      const cos = new env.COS(env.options({
        SecretId: undefined, SecretKey: undefined,
        getAuthorization(options, callback) {
          callback({ Authorization: env.COS.getAuthorization({ SecretId: env.secretId, SecretKey: env.secretKey, Method: options.Method, Pathname: options.Pathname, Query: options.Query, Headers: options.Headers }) });
        },
      }));
      const d = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'signed elsewhere' });
      equal(d.statusCode, 200);
      const bad = new env.COS(env.options({ SecretId: undefined, SecretKey: undefined, getAuthorization(o, cb) { cb({ Authorization: 'garbage' }); } }));
      await rejects(bad.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'x' }), (e) => officialError(e, { messageIncludes: 'getAuthorization' }));
    },
  },
  {
    name: 'a clock one hour off is corrected from the server Date and the call succeeds',
    async run(env) {
      await env.admin.clock(3600 * 1000);
      try {
        const cos = new env.COS(env.options());
        const d = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: uniqueKey('skew'), Body: 'tick' });
        equal(d.statusCode, 200);
        const d2 = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: uniqueKey('skew'), Body: 'tock' });
        equal(d2.statusCode, 200, 'the offset sticks');
      } finally {
        await env.admin.clock(0);
      }
    },
  },
  {
    name: 'getObjectUrl gives a pre-signed URL that downloads the object; static getAuthorization signs',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('share') + '.txt';
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'share me' });
      const url = cos.getObjectUrl({ Bucket: env.bucket, Region: env.region, Key: key, Expires: 60 });
      match(url, /q-signature=[0-9a-f]{40}/);
      ok(!url.includes(env.secretKey), 'no SecretKey in the URL');
      const text = await env.fetchText(url);
      equal(text, 'share me');
      const viaCb = await new Promise((res, rej) => cos.getObjectUrl({ Bucket: env.bucket, Region: env.region, Key: key }, (e, d) => (e ? rej(e) : res(d))));
      equal(await env.fetchText(viaCb.Url), 'share me');
      const auth = env.COS.getAuthorization({ SecretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q', SecretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz', Method: 'PUT', Key: 'x.bin', Headers: { Host: 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com' }, KeyTime: '1699999970;1700000570' });
      match(auth, /q-signature=e2b20736da6e156748e1cecef85ed96e4eea18ea$/, 'official vector expires-600-clock-offset');
    },
  },
  {
    name: 'appendObject: first append creates, next position from headers, wrong position and normal object fail with COS codes',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('append');
      const a = await cos.appendObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'hello ', Position: 0 });
      equal(a.headers['x-cos-next-append-position'], '6');
      const head = await cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key });
      equal(head.headers['x-cos-object-type'], 'appendable');
      const pos = Number(head.headers['content-length']);
      const b = await cos.appendObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'world', Position: pos });
      equal(b.headers['x-cos-next-append-position'], '11');
      equal((await stored(env, key)).md5, env.md5(new TextEncoder().encode('hello world')));
      const wrong = await rejects(cos.appendObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'x', Position: 3 }));
      officialError(wrong, { code: 'AppendPositionErr', status: 409 });
      const normal = uniqueKey('normal');
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: normal, Body: 'n' });
      const na = await rejects(cos.appendObject({ Bucket: env.bucket, Region: env.region, Key: normal, Body: 'x', Position: 1 }));
      officialError(na, { code: 'ObjectNotAppendable', status: 409 });
    },
  },
  {
    name: 'postObject: policy-signed form upload with prefix folder, ACL, storage class and meta',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = 'uploads/' + uniqueKey('post') + '.txt';
      const bytes = patternBytes(3000, 9);
      const d = await cos.postObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(bytes, 'post.txt'), ACL: 'private', StorageClass: 'STANDARD_IA', 'x-cos-meta-from': 'form' });
      ok(d.statusCode === 200 || d.statusCode === 204, 'status ' + d.statusCode);
      equal(d.ETag, '"' + env.md5(bytes) + '"');
      ok(d.Location.endsWith(key), 'Location');
      const obj = await stored(env, key);
      equal(obj.md5, env.md5(bytes));
      equal(obj.meta['x-cos-meta-from'] ?? obj.meta.from, 'form');
    },
  },
  {
    name: 'multipart calls: init, upload, list parts (paging), list uploads, complete, abort',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = 'mp/' + uniqueKey('multi');
      const init = await cos.multipartInit({ Bucket: env.bucket, Region: env.region, Key: key, ContentType: 'application/x-test', 'x-cos-meta-k': 'v', StorageClass: 'STANDARD' });
      equal(init.Key, key);
      match(init.UploadId, /.+/);
      const p1 = patternBytes(MiB, 1), p2 = patternBytes(MiB, 2), p3 = patternBytes(1000, 3);
      const parts = [];
      for (const [n, b] of [[1, p1], [2, p2], [3, p3]]) {
        const r = await cos.multipartUpload({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: init.UploadId, PartNumber: n, Body: await env.body(b) });
        equal(r.ETag, '"' + env.md5(b) + '"');
        parts.push({ PartNumber: n, ETag: r.ETag });
      }
      const page1 = await cos.multipartListPart({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: init.UploadId, MaxParts: 2 });
      equal(page1.Part.length, 2);
      equal(page1.IsTruncated, 'true');
      const page2 = await cos.multipartListPart({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: init.UploadId, PartNumberMarker: page1.NextPartNumberMarker });
      equal(page2.Part.length, 1);
      equal(page2.Part[0].PartNumber, '3');
      const list = await cos.multipartList({ Bucket: env.bucket, Region: env.region, Prefix: 'mp/', EncodingType: 'url' });
      ok(list.Upload.some((u) => u.Key === key && u.UploadId === init.UploadId), 'listed, key decoded');
      const folders = await cos.multipartList({ Bucket: env.bucket, Region: env.region, Delimiter: '/' });
      ok(folders.CommonPrefixes.some((p) => p.Prefix === 'mp/'), 'CommonPrefixes');
      const done = await cos.multipartComplete({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: init.UploadId, Parts: parts });
      match(done.ETag, /-3"$/);
      ok(done.Location.endsWith(key));
      const all = new Uint8Array(2 * MiB + 1000);
      all.set(p1, 0); all.set(p2, MiB); all.set(p3, 2 * MiB);
      equal((await stored(env, key)).md5, env.md5(all));
      const again = await rejects(cos.multipartAbort({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: init.UploadId }));
      officialError(again, { code: 'NoSuchUpload', status: 404 });
      const other = await cos.multipartInit({ Bucket: env.bucket, Region: env.region, Key: key });
      const ab = await cos.multipartAbort({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: other.UploadId });
      equal(ab.statusCode, 204);
    },
  },
  {
    name: 'documented multipart errors: EntityTooSmall, InvalidPart, InvalidPartOrder (server), NoSuchUpload, BadDigest',
    async run(env) {
      const cos = new env.COS(env.options());
      const B = env.bucket, R = env.region;
      const key = uniqueKey('errs');
      const init = await cos.multipartInit({ Bucket: B, Region: R, Key: key });
      const small1 = await cos.multipartUpload({ Bucket: B, Region: R, Key: key, UploadId: init.UploadId, PartNumber: 1, Body: 'tiny' });
      const small2 = await cos.multipartUpload({ Bucket: B, Region: R, Key: key, UploadId: init.UploadId, PartNumber: 2, Body: 'tiny2' });
      officialError(await rejects(cos.multipartComplete({ Bucket: B, Region: R, Key: key, UploadId: init.UploadId, Parts: [{ PartNumber: 1, ETag: small1.ETag }, { PartNumber: 2, ETag: small2.ETag }] })), { code: 'EntityTooSmall', status: 400 });
      officialError(await rejects(cos.multipartComplete({ Bucket: B, Region: R, Key: key, UploadId: init.UploadId, Parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] })), { code: 'InvalidPart', status: 400 });
      officialError(await rejects(cos.multipartUpload({ Bucket: B, Region: R, Key: key, UploadId: 'nosuchupload', PartNumber: 1, Body: 'x' })), { code: 'NoSuchUpload', status: 404 });
      officialError(await rejects(cos.putObject({ Bucket: B, Region: R, Key: key, Body: 'abc', ContentMD5: '1B2M2Y8AsgTpgAmY7PhCfg==' })), { code: 'BadDigest', status: 400 });
      await cos.multipartAbort({ Bucket: B, Region: R, Key: key, UploadId: init.UploadId });
    },
  },
  {
    name: 'retries: 5xx is retried with backoff (server counts the attempts); 4xx is not',
    async run(env) {
      const cos = new env.COS(env.options({ RetryDelay: 10 }));
      const key = uniqueKey('retry');
      await env.admin.resetCounters();
      await env.admin.fault({ op: 'PutObject', nth: 1, times: 2, status: 503, code: 'ServiceUnavailable' });
      const d = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'persist' });
      equal(d.statusCode, 200);
      equal((await env.admin.counters()).requests.PutObject, 3, 'two failures then success');
      await env.admin.resetCounters();
      await env.admin.fault({ op: 'PutObject', nth: 1, times: 1, status: 403, code: 'AccessDenied' });
      officialError(await rejects(cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'no' })), { code: 'AccessDenied', status: 403 });
      equal((await env.admin.counters()).requests.PutObject, 1, '4xx not retried');
      await env.admin.resetCounters();
      await env.admin.fault({ op: 'PutObject', nth: 1, times: 10, status: 500, code: 'InternalError' });
      const cos2 = new env.COS(env.options({ RetryDelay: 5, RetryTimes: 2 }));
      officialError(await rejects(cos2.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'x' })), { code: 'InternalError', status: 500 });
      equal((await env.admin.counters()).requests.PutObject, 3, 'bounded by RetryTimes');
      await env.admin.clearFaults();
      await env.admin.resetCounters();
      await env.admin.fault({ op: 'PutObject', nth: 1, dropAfterBytes: 10 });
      const big = patternBytes(200000, 4);
      const d2 = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: await env.body(big) });
      equal(d2.ETag, '"' + env.md5(big) + '"', 'connection drop retried');
      equal((await env.admin.counters()).requests.PutObject, 2);
      await env.admin.clearFaults();
    },
  },
  {
    name: 'multipartComplete: 200 with <Error> is an error; whitespace keep-alive before the result is fine',
    async run(env) {
      const cos = new env.COS(env.options());
      const B = env.bucket, R = env.region;
      const key = uniqueKey('complete');
      const init = await cos.multipartInit({ Bucket: B, Region: R, Key: key });
      const p = await cos.multipartUpload({ Bucket: B, Region: R, Key: key, UploadId: init.UploadId, PartNumber: 1, Body: 'only part' });
      await env.admin.fault({ op: 'CompleteMultipartUpload', nth: 1, completeError: { code: 'InternalError', message: 'merge failed' } });
      const e = await rejects(cos.multipartComplete({ Bucket: B, Region: R, Key: key, UploadId: init.UploadId, Parts: [{ PartNumber: 1, ETag: p.ETag }] }));
      officialError(e, { code: 'InternalError', status: 200 });
      await env.admin.fault({ op: 'CompleteMultipartUpload', nth: 1, whitespaceChunks: 3 });
      const ok2 = await cos.multipartComplete({ Bucket: B, Region: R, Key: key, UploadId: init.UploadId, Parts: [{ PartNumber: 1, ETag: p.ETag }] });
      match(ok2.ETag, /-1"$/);
      await env.admin.clearFaults();
    },
  },
  {
    name: 'signal: an aborted signal settles putObject (Promise and callback) and headObject at once with the cancel error, sending nothing',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('pre-aborted');
      const ctl = abortController();
      ctl.abort();
      const before = (await env.admin.counters()).total;
      officialError(await rejects(cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'never sent', signal: ctl.signal })), { code: 'TaskCanceled' });
      const viaCallback = await new Promise((resolve) => {
        cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'never sent', signal: ctl.signal }, (err, data) => resolve([err, data]));
      });
      officialError(viaCallback[0], { code: 'TaskCanceled' });
      equal(viaCallback[1], undefined);
      officialError(await rejects(cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key, signal: ctl.signal })), { code: 'TaskCanceled' });
      equal((await env.admin.counters()).total, before, 'nothing sent');
      equal(await stored(env, key), undefined, 'no object');
      equal(cos.getTaskList().length, 0, 'no task made');
      equal(ctl.listeners(), 0, 'no listener left on the signal');
      // Something that is not a signal is bad input.
      await rejects(cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key, signal: {} }), (e) => officialError(e, { messageIncludes: 'signal' }));
    },
  },
  {
    name: 'signal: a call that settles normally leaves no listener; an abort after it changes nothing',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('signal-ok');
      const ctl = abortController();
      const put = await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'kept', signal: ctl.signal });
      equal(put.statusCode, 200);
      const head = await cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key, signal: ctl.signal });
      equal(head.statusCode, 200);
      equal(ctl.listeners(), 0, 'no listener left on the signal');
      ctl.abort();
      equal((await stored(env, key)).size, 4, 'the object stays');
    },
  },
];
