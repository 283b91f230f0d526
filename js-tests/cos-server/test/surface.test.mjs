// The surface beyond uploads over raw HTTP: sub-resource routing, GET Bucket listing, versions,
// batch delete, copy, ACL, tagging, restore, select framing, Content-Type inference, bucket
// create/delete/service and the bucket configuration table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { startCosServer, SID, SKEY, BUCKET, REGION, cos, code, md5hex, md5b64, xmlValue, xmlValues, unescapeXml, request, sign, keyTimeNow } from '../testlib/raw.mjs';

const require = createRequire(import.meta.url);
const { BUCKET_CONFIGS } = require('../buckets.js');

const OTHER = 'otherbucket-1250000000';
const OTHER_REGION = 'ap-beijing';
let server;

before(async () => {
  server = await startCosServer({
    credentials: [{ secretId: SID, secretKey: SKEY }],
    buckets: [{ name: BUCKET, region: REGION }, { name: OTHER, region: OTHER_REGION }],
    quiet: true,
  });
});
after(() => server.stop());

const stored = (key, bucket = BUCKET) => server.objects(bucket, key).find((o) => o.key === key);
const put = (key, body, headers = {}, bucket, region) => cos(server, { method: 'PUT', key, body, headers, bucket, region });
const xmlBody = (text, extra = {}) => ({ body: text, headers: { 'Content-Type': 'application/xml', 'Content-MD5': md5b64(text), ...extra } });

// ------------------------------------------------------------------ routing

test('sub-resources never touch the object: PUT ?acl, PUT/DELETE ?tagging, POST ?restore / ?select', async () => {
  await put('sub/keep.txt', 'precious bytes');
  const before = stored('sub/keep.txt');
  assert.equal((await cos(server, { method: 'PUT', key: 'sub/keep.txt', query: { acl: '' }, headers: { 'x-cos-acl': 'public-read' } })).status, 200);
  const tagging = '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>';
  assert.equal((await cos(server, { method: 'PUT', key: 'sub/keep.txt', query: { tagging: '' }, ...xmlBody(tagging) })).status, 200);
  let o = stored('sub/keep.txt');
  assert.equal(o.md5, before.md5);
  assert.equal(o.size, before.size);
  assert.equal(o.acl, 'public-read');
  assert.equal(o.tagging, 'a=1');
  assert.equal((await cos(server, { method: 'DELETE', key: 'sub/keep.txt', query: { tagging: '' } })).status, 204);
  o = stored('sub/keep.txt');
  assert.ok(o, 'DELETE ?tagging must not delete the object');
  assert.equal(o.md5, before.md5);
  assert.equal(o.tagging, undefined);
  const restore = await cos(server, { method: 'POST', key: 'sub/keep.txt', query: { restore: '' }, ...xmlBody('<RestoreRequest><Days>1</Days></RestoreRequest>') });
  assert.equal(code(restore), 'InvalidObjectState');
  assert.equal(stored('sub/keep.txt').md5, before.md5);
  // On a missing key they answer NoSuchKey instead of creating anything.
  assert.equal(code(await cos(server, { method: 'PUT', key: 'sub/none', query: { tagging: '' }, ...xmlBody(tagging) })), 'NoSuchKey');
  assert.equal(code(await cos(server, { method: 'GET', key: 'sub/none', query: { acl: '' } })), 'NoSuchKey');
  assert.equal(stored('sub/none'), undefined);
  // A GET ?acl answers the policy, never the object's bytes.
  const acl = await cos(server, { key: 'sub/keep.txt', query: { acl: '' } });
  assert.match(acl.text, /<AccessControlPolicy>/);
  assert.equal(acl.headers['x-cos-acl'], 'public-read');
  assert.match(acl.text, /<URI>http:\/\/cam\.qcloud\.com\/groups\/global\/AllUsers<\/URI><\/Grantee><Permission>READ</);
});

test('a path of only "/" and "." segments is the bucket (GET lists it); other keys starting with "/" stay InvalidURI', async () => {
  for (const key of ['//////', './', '/./']) {
    const r = await cos(server, { key });
    assert.equal(r.status, 200, key);
    assert.match(r.text, /<ListBucketResult>/, key);
  }
  assert.equal(code(await cos(server, { key: '//abc' })), 'InvalidURI');
});

test('object ACL: grant headers, AccessControlPolicy body, both or neither → InvalidRequest, bad permission → MalformedXML', async () => {
  await put('acl/o.txt', 'x');
  const g = await cos(server, { method: 'PUT', key: 'acl/o.txt', query: { acl: '' }, headers: { 'x-cos-grant-read': 'id="qcs::cam::uin/100000000011:uin/100000000011"' } });
  assert.equal(g.status, 200);
  let acl = await cos(server, { key: 'acl/o.txt', query: { acl: '' } });
  assert.deepEqual(xmlValues(acl.text, 'Permission'), ['FULL_CONTROL', 'READ']);
  assert.match(acl.text, /xsi:type="CanonicalUser"><ID>qcs::cam::uin\/100000000011:uin\/100000000011<\/ID>/);
  const policy = '<AccessControlPolicy><Owner><ID>qcs::cam::uin/100000000001:uin/100000000001</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://cam.qcloud.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>';
  assert.equal((await cos(server, { method: 'PUT', key: 'acl/o.txt', query: { acl: '' }, ...xmlBody(policy) })).status, 200);
  acl = await cos(server, { key: 'acl/o.txt', query: { acl: '' } });
  assert.deepEqual(xmlValues(acl.text, 'Permission'), ['READ']);
  assert.equal(code(await cos(server, { method: 'PUT', key: 'acl/o.txt', query: { acl: '' }, ...xmlBody(policy, { 'x-cos-acl': 'private' }) })), 'InvalidRequest');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'acl/o.txt', query: { acl: '' } })), 'InvalidRequest');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'acl/o.txt', query: { acl: '' }, ...xmlBody(policy.replace('<Permission>READ', '<Permission>EVERYTHING')) })), 'MalformedXML');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'acl/o.txt', query: { acl: '' }, headers: { 'x-cos-acl': 'world' } })), 'InvalidArgument');
  // An object's public-read ACL opens GET / HEAD of that object to anonymous requests, nothing else.
  assert.equal((await cos(server, { key: 'acl/o.txt', auth: false })).text, 'x', 'AllUsers READ grant from the body');
  await put('acl/p.txt', 'p', { 'x-cos-acl': 'public-read' });
  await put('acl/q.txt', 'q');
  assert.equal((await cos(server, { key: 'acl/p.txt', auth: false })).text, 'p');
  assert.equal((await cos(server, { method: 'HEAD', key: 'acl/p.txt', auth: false })).status, 200);
  assert.equal(code(await cos(server, { key: 'acl/q.txt', auth: false })), 'AccessDenied');
  assert.equal(code(await cos(server, { key: 'acl/p.txt', query: { acl: '' }, auth: false })), 'AccessDenied');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'acl/p.txt', body: 'overwrite', auth: false })), 'AccessDenied');
});

test('bucket default encryption applies to writes that ask for none', async () => {
  const conf = '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>';
  const b = 'encrypted-1250000000';
  await cos(server, { method: 'PUT', key: '', bucket: b });
  await cos(server, { method: 'PUT', key: '', query: { encryption: '' }, bucket: b, ...xmlBody(conf) });
  const p = await cos(server, { method: 'PUT', key: 'e.txt', body: 'e', bucket: b });
  assert.equal(p.headers['x-cos-server-side-encryption'], 'AES256');
  assert.equal((await cos(server, { method: 'HEAD', key: 'e.txt', bucket: b })).headers['x-cos-server-side-encryption'], 'AES256');
  const init = await cos(server, { method: 'POST', key: 'm.bin', query: { uploads: '' }, bucket: b });
  assert.equal(init.headers['x-cos-server-side-encryption'], 'AES256');
  const plain = await cos(server, { method: 'PUT', key: 'plain.txt', body: 'p' });
  assert.equal(plain.headers['x-cos-server-side-encryption'], undefined);
});

test('object tagging: TagSet round trip, empty TagSet, duplicate keys / > 10 tags → InvalidTag, wrong root → MalformedXML', async () => {
  await put('tag/o.txt', 'x', { 'x-cos-tagging': 'k%201=v%201' });
  let r = await cos(server, { key: 'tag/o.txt', query: { tagging: '' } });
  assert.equal(r.text.includes('<Tag><Key>k 1</Key><Value>v 1</Value></Tag>'), true, r.text);
  const tags = (n, dup) => '<Tagging><TagSet>' + Array.from({ length: n }, (_, i) => '<Tag><Key>k' + (dup ? 0 : i) + '</Key><Value>v</Value></Tag>').join('') + '</TagSet></Tagging>';
  assert.equal(code(await cos(server, { method: 'PUT', key: 'tag/o.txt', query: { tagging: '' }, ...xmlBody(tags(11)) })), 'InvalidTag');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'tag/o.txt', query: { tagging: '' }, ...xmlBody(tags(2, true)) })), 'InvalidTag');
  assert.equal(code(await cos(server, { method: 'PUT', key: 'tag/o.txt', query: { tagging: '' }, ...xmlBody('<Tags/>') })), 'MalformedXML');
  assert.equal((await cos(server, { method: 'PUT', key: 'tag/o.txt', query: { tagging: '' }, ...xmlBody(tags(10)) })).status, 200);
  r = await cos(server, { method: 'HEAD', key: 'tag/o.txt' });
  assert.equal(r.headers['x-cos-tagging-count'], '10');
  assert.equal((await cos(server, { method: 'PUT', key: 'tag/o.txt', query: { tagging: '' }, ...xmlBody('<Tagging><TagSet/></Tagging>') })).status, 200);
  r = await cos(server, { key: 'tag/o.txt', query: { tagging: '' } });
  assert.match(r.text, /<Tagging><TagSet\/><\/Tagging>/);
});

// ------------------------------------------------------------------ listing

test('GET Bucket: prefix, delimiter + CommonPrefixes, marker, max-keys paging with NextMarker, encoding-type=url', async () => {
  for (const k of ['ls/a.txt', 'ls/b/1', 'ls/b/2', 'ls/c.txt', 'ls/d/1', 'ls/e f+g.txt']) await put(k, k);
  let r = await cos(server, { key: '', query: { prefix: 'ls/', delimiter: '/' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/xml');
  assert.deepEqual(xmlValues(r.text, 'Key'), ['ls/a.txt', 'ls/c.txt', 'ls/e f+g.txt']);
  assert.deepEqual(xmlValues(r.text.replace(/<Prefix>ls\/<\/Prefix>/, ''), 'Prefix'), ['ls/b/', 'ls/d/']);
  assert.equal(xmlValue(r.text, 'IsTruncated'), 'false');
  assert.equal(xmlValue(r.text, 'NextMarker'), undefined);
  assert.match(r.text, /<Contents><Key>ls\/a.txt<\/Key><LastModified>[0-9T:.-]+Z<\/LastModified><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag><Size>8<\/Size><Owner><ID>1250000000<\/ID><DisplayName>1250000000<\/DisplayName><\/Owner><StorageClass>STANDARD<\/StorageClass><\/Contents>/);
  // Paging: common prefixes count against max-keys; NextMarker continues.
  const seen = [];
  let marker = '';
  for (let i = 0; i < 10; i++) {
    r = await cos(server, { key: '', query: { prefix: 'ls/', delimiter: '/', 'max-keys': '2', marker } });
    seen.push(...xmlValues(r.text, 'Key'), ...xmlValues(r.text.replace(/<Prefix>ls\/<\/Prefix>/, ''), 'Prefix'));
    if (xmlValue(r.text, 'IsTruncated') === 'false') break;
    marker = xmlValue(r.text, 'NextMarker');
    assert.ok(marker);
  }
  assert.deepEqual(seen.sort(), ['ls/a.txt', 'ls/b/', 'ls/c.txt', 'ls/d/', 'ls/e f+g.txt']);
  r = await cos(server, { key: '', query: { prefix: 'ls/e', 'encoding-type': 'url' } });
  assert.equal(xmlValue(r.text, 'EncodingType'), 'url');
  assert.deepEqual(xmlValues(r.text, 'Key'), ['ls/e%20f%2Bg.txt']);
  assert.equal(code(await cos(server, { key: '', query: { 'max-keys': 'many' } })), 'InvalidArgument');
  assert.equal(code(await cos(server, { key: '', query: { 'encoding-type': 'base64' } })), 'InvalidArgument');
  r = await cos(server, { key: '', query: { prefix: 'ls/', 'max-keys': '1001' } });
  assert.equal(xmlValue(r.text, 'MaxKeys'), '1000');
});

test('versioning: ids on PUT, ?versions lists versions and delete markers, GET/DELETE ?versionId', async () => {
  await put('v/pre.txt', 'before versioning');
  const conf = '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>';
  assert.equal((await cos(server, { method: 'PUT', key: '', query: { versioning: '' }, bucket: OTHER, region: OTHER_REGION, ...xmlBody(conf) })).status, 200);
  const p = (body) => put('v/k.txt', body, {}, OTHER, OTHER_REGION);
  const v1 = (await p('one')).headers['x-cos-version-id'];
  const v2 = (await p('two')).headers['x-cos-version-id'];
  assert.ok(v1 && v2 && v1 !== v2);
  const get = (query) => cos(server, { key: 'v/k.txt', query, bucket: OTHER, region: OTHER_REGION });
  assert.equal((await get({})).text, 'two');
  assert.equal((await get({ versionId: v1 })).text, 'one');
  const del = await cos(server, { method: 'DELETE', key: 'v/k.txt', bucket: OTHER, region: OTHER_REGION });
  assert.equal(del.headers['x-cos-delete-marker'], 'true');
  const markerId = del.headers['x-cos-version-id'];
  assert.equal(code(await get({})), 'NoSuchKey');
  const onMarker = await get({ versionId: markerId });
  assert.equal(onMarker.status, 405);
  assert.equal(onMarker.headers['x-cos-delete-marker'], 'true');
  assert.equal(code(await get({ versionId: 'MTg0NDUxbm9uZQ' })), 'NoSuchVersion');
  const list = await cos(server, { key: '', query: { versions: '', prefix: 'v/' }, bucket: OTHER, region: OTHER_REGION });
  assert.equal(list.status, 200);
  assert.match(list.text, /^<\?xml[^>]*>\s*<ListVersionsResult>/);
  assert.deepEqual(xmlValues(list.text, 'VersionId'), [markerId, v2, v1]);
  assert.deepEqual(xmlValues(list.text, 'IsLatest'), ['true', 'false', 'false']);
  assert.match(list.text, /<DeleteMarker><Key>v\/k.txt<\/Key><VersionId>[^<]+<\/VersionId><IsLatest>true<\/IsLatest>/);
  // Deleting the marker by id brings the previous version back.
  assert.equal((await cos(server, { method: 'DELETE', key: 'v/k.txt', query: { versionId: markerId }, bucket: OTHER, region: OTHER_REGION })).status, 204);
  assert.equal((await get({})).text, 'two');
  // Paging through versions with key-marker / version-id-marker.
  const page1 = await cos(server, { key: '', query: { versions: '', prefix: 'v/', 'max-keys': '1' }, bucket: OTHER, region: OTHER_REGION });
  assert.equal(xmlValue(page1.text, 'IsTruncated'), 'true');
  const page2 = await cos(server, { key: '', query: { versions: '', prefix: 'v/', 'key-marker': xmlValue(page1.text, 'NextKeyMarker'), 'version-id-marker': xmlValue(page1.text, 'NextVersionIdMarker') }, bucket: OTHER, region: OTHER_REGION });
  assert.deepEqual(xmlValues(page2.text, 'VersionId'), [v1]);
  // Complete sends the new version's id in its headers.
  const init = await cos(server, { method: 'POST', key: 'v/mp.bin', query: { uploads: '' }, bucket: OTHER, region: OTHER_REGION });
  const uploadId = xmlValue(init.text, 'UploadId');
  const part = await cos(server, { method: 'PUT', key: 'v/mp.bin', query: { partNumber: '1', uploadId }, body: 'part', bucket: OTHER, region: OTHER_REGION });
  const done = await cos(server, { method: 'POST', key: 'v/mp.bin', query: { uploadId }, body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>' + part.headers.etag + '</ETag></Part></CompleteMultipartUpload>', bucket: OTHER, region: OTHER_REGION });
  assert.equal(done.status, 200, done.text);
  const mpList = await cos(server, { key: '', query: { versions: '', prefix: 'v/mp' }, bucket: OTHER, region: OTHER_REGION });
  assert.deepEqual(xmlValues(mpList.text, 'VersionId'), [done.headers['x-cos-version-id']]);
  assert.equal(server.objects(OTHER, 'v/mp.bin')[0].versionId, done.headers['x-cos-version-id']);
  // An unversioned bucket lists every object once, VersionId null.
  const plain = await cos(server, { key: '', query: { versions: '', prefix: 'v/pre' } });
  assert.deepEqual(xmlValues(plain.text, 'VersionId'), ['null']);
});

// ------------------------------------------------------------------ batch delete

test('POST ?delete: Content-MD5 required, Quiet, per-key Error, Deleted for missing keys, MalformedXML', async () => {
  await put('del/a', 'a');
  await put('del/b', 'b');
  const doc = (quiet, keys) => '<Delete><Quiet>' + quiet + '</Quiet>' + keys.map((k) => '<Object><Key>' + k + '</Key></Object>').join('') + '</Delete>';
  const body = doc(false, ['del/a', 'del/none', '/bad']);
  assert.equal(code(await cos(server, { method: 'POST', key: '', query: { delete: '' }, body, headers: { 'Content-Type': 'application/xml' } })), 'MissingContentMD5');
  assert.equal(code(await cos(server, { method: 'POST', key: '', query: { delete: '' }, body, headers: { 'Content-MD5': md5b64('other') } })), 'BadDigest');
  let r = await cos(server, { method: 'POST', key: '', query: { delete: '' }, ...xmlBody(body) });
  assert.equal(r.status, 200);
  assert.match(r.text, /<DeleteResult><Deleted><Key>del\/a<\/Key><\/Deleted><Deleted><Key>del\/none<\/Key><\/Deleted><Error><Key>\/bad<\/Key><Code>InvalidURI<\/Code><Message>/);
  assert.equal(stored('del/a'), undefined);
  r = await cos(server, { method: 'POST', key: '', query: { delete: '' }, ...xmlBody(doc(true, ['del/b'])) });
  assert.match(r.text, /<DeleteResult\/>|<DeleteResult><\/DeleteResult>/);
  assert.equal(stored('del/b'), undefined);
  // Keys keep their spaces; indentation between elements is not content.
  await put('del/trailing ', 't');
  r = await cos(server, { method: 'POST', key: '', query: { delete: '' }, ...xmlBody('<Delete>\n  <Object>\n    <Key>del/trailing </Key>\n  </Object>\n</Delete>\n') });
  assert.match(r.text, /<Deleted><Key>del\/trailing <\/Key><\/Deleted>/);
  assert.equal(stored('del/trailing '), undefined);
  assert.equal(code(await cos(server, { method: 'POST', key: '', query: { delete: '' }, ...xmlBody('<Delete><Quiet>true</Quiet></Delete>') })), 'MalformedXML');
  assert.equal(code(await cos(server, { method: 'POST', key: '', query: { delete: '' }, ...xmlBody('<Delete><Object><Key>x</Key></Object>') })), 'MalformedXML');
});

// ------------------------------------------------------------------ copy

const src = (key, bucket = BUCKET, region = REGION) => bucket + '.cos.' + region + '.myqcloud.com/' + encodeURIComponent(key).replace(/%2F/g, '/');

test('PUT Object - Copy: same bucket and across buckets, metadata directive, conditions, errors', async () => {
  await put('cp/src 1.txt', 'copy me', { 'Content-Type': 'text/x-src', 'x-cos-meta-a': '1', 'x-cos-storage-class': 'STANDARD_IA' });
  let r = await cos(server, { method: 'PUT', key: 'cp/dst.txt', headers: { 'x-cos-copy-source': src('cp/src 1.txt') } });
  assert.equal(r.status, 200, r.text);
  assert.equal(unescapeXml(xmlValue(r.text, 'ETag')), '"' + md5hex('copy me') + '"');
  assert.match(xmlValue(r.text, 'LastModified'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(xmlValue(r.text, 'CRC64'), stored('cp/src 1.txt').crc64);
  let o = stored('cp/dst.txt');
  assert.equal(o.md5, md5hex('copy me'));
  assert.equal(o.headers['content-type'], 'text/x-src');
  assert.equal(o.meta['x-cos-meta-a'], '1');
  assert.equal(o.storageClass, 'STANDARD');
  r = await cos(server, { method: 'PUT', key: 'cp/dst.txt', headers: { 'x-cos-copy-source': src('cp/src 1.txt'), 'x-cos-metadata-directive': 'Replaced', 'Content-Type': 'text/x-new', 'x-cos-meta-b': '2' } });
  o = stored('cp/dst.txt');
  assert.equal(o.headers['content-type'], 'text/x-new');
  assert.deepEqual(o.meta, { 'x-cos-meta-b': '2' });
  r = await cos(server, { method: 'PUT', key: 'cp/x.txt', bucket: OTHER, region: OTHER_REGION, headers: { 'x-cos-copy-source': src('cp/src 1.txt') } });
  assert.equal(r.status, 200);
  assert.equal(stored('cp/x.txt', OTHER).md5, md5hex('copy me'));
  const copy = (headers) => cos(server, { method: 'PUT', key: 'cp/dst.txt', headers });
  assert.equal(code(await cos(server, { method: 'PUT', key: 'cp/src 1.txt', headers: { 'x-cos-copy-source': src('cp/src 1.txt') } })), 'InvalidRequest');
  assert.equal((await cos(server, { method: 'PUT', key: 'cp/src 1.txt', headers: { 'x-cos-copy-source': src('cp/src 1.txt'), 'x-cos-metadata-directive': 'Replaced' } })).status, 200);
  assert.equal(code(await copy({ 'x-cos-copy-source': src('cp/none') })), 'NoSuchKey');
  assert.equal(code(await copy({ 'x-cos-copy-source': 'not a source' })), 'InvalidArgument');
  assert.equal(code(await copy({ 'x-cos-copy-source': src('cp/src 1.txt', 'nobucket-1250000000') })), 'NoSuchBucket');
  assert.equal(code(await copy({ 'x-cos-copy-source': src('cp/src 1.txt'), 'x-cos-metadata-directive': 'Merge' })), 'InvalidArgument');
  assert.equal(code(await copy({ 'x-cos-copy-source': src('cp/src 1.txt'), 'x-cos-copy-source-If-Match': '"0000"' })), 'PreconditionFailed');
  assert.equal((await copy({ 'x-cos-copy-source': src('cp/src 1.txt'), 'x-cos-copy-source-If-Match': '"' + md5hex('copy me') + '"' })).status, 200);
});

test('Upload Part - Copy: whole source and x-cos-copy-source-range; bad ranges → InvalidArgument', async () => {
  const data = crypto.randomBytes(3 * 1024 * 1024);
  await put('pc/src.bin', data);
  const init = await cos(server, { method: 'POST', key: 'pc/dst.bin', query: { uploads: '' } });
  const uploadId = xmlValue(init.text, 'UploadId');
  const part = (n, range) => cos(server, { method: 'PUT', key: 'pc/dst.bin', query: { partNumber: String(n), uploadId }, headers: { 'x-cos-copy-source': src('pc/src.bin'), ...(range ? { 'x-cos-copy-source-range': range } : {}) } });
  const p1 = await part(1, 'bytes=0-1048575');
  assert.equal(p1.status, 200, p1.text);
  assert.match(p1.text, /<CopyPartResult><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag><LastModified>/);
  assert.equal(unescapeXml(xmlValue(p1.text, 'ETag')), '"' + md5hex(data.subarray(0, 1048576)) + '"');
  const p2 = await part(2, 'bytes=1048576-' + (data.length - 1));
  assert.equal(code(await part(3, 'bytes=5-' + data.length)), 'InvalidArgument');
  assert.equal(code(await part(3, 'bytes=9-1')), 'InvalidArgument');
  assert.equal(code(await part(3, '0-100')), 'InvalidArgument');
  const done = await cos(server, { method: 'POST', key: 'pc/dst.bin', query: { uploadId }, body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>' + xmlValue(p1.text, 'ETag') + '</ETag></Part><Part><PartNumber>2</PartNumber><ETag>' + xmlValue(p2.text, 'ETag') + '</ETag></Part></CompleteMultipartUpload>' });
  assert.equal(done.status, 200, done.text);
  assert.equal(stored('pc/dst.bin').md5, md5hex(data));
  const whole = await cos(server, { method: 'PUT', key: 'pc/other', query: { partNumber: '1', uploadId: 'nope' }, headers: { 'x-cos-copy-source': src('pc/src.bin') } });
  assert.equal(code(whole), 'NoSuchUpload');
});

// ------------------------------------------------------------------ Content-Type, restore, select

test('Content-Type: inferred from the key extension when none is sent (PUT, copy with Replaced, multipart)', async () => {
  await put('ct/page.html', '<p>');
  await put('ct/photo.JPG', 'x');
  await put('ct/noext', 'x');
  await put('ct/explicit.png', 'x', { 'Content-Type': 'text/plain' });
  assert.equal(stored('ct/page.html').headers['content-type'], 'text/html');
  assert.equal(stored('ct/photo.JPG').headers['content-type'], 'image/jpeg');
  assert.equal(stored('ct/noext').headers['content-type'], 'application/octet-stream');
  assert.equal(stored('ct/explicit.png').headers['content-type'], 'text/plain');
  assert.equal((await cos(server, { key: 'ct/page.html' })).headers['content-type'], 'text/html');
  const init = await cos(server, { method: 'POST', key: 'ct/movie.mp4', query: { uploads: '' } });
  assert.equal(init.status, 200);
  assert.equal(server.uploads(BUCKET).find((u) => u.key === 'ct/movie.mp4').headers['content-type'], 'video/mp4');
});

test('POST ?restore: archive classes only; 202 then 200; GET of an archived object needs a restore; DEEP_ARCHIVE has no Expedited', async () => {
  await put('rs/cold.bin', 'frozen', { 'x-cos-storage-class': 'ARCHIVE' });
  await put('rs/deep.bin', 'deeper', { 'x-cos-storage-class': 'DEEP_ARCHIVE' });
  assert.equal(code(await cos(server, { key: 'rs/cold.bin' })), 'InvalidObjectState');
  assert.equal((await cos(server, { method: 'HEAD', key: 'rs/cold.bin' })).status, 200);
  const req = (days, tier) => xmlBody('<RestoreRequest><Days>' + days + '</Days>' + (tier ? '<CASJobParameters><Tier>' + tier + '</Tier></CASJobParameters>' : '') + '</RestoreRequest>');
  assert.equal(code(await cos(server, { method: 'POST', key: 'rs/cold.bin', query: { restore: '' }, ...req('zero') })), 'MalformedXML');
  assert.equal(code(await cos(server, { method: 'POST', key: 'rs/cold.bin', query: { restore: '' }, ...req(1, 'Fastest') })), 'MalformedXML');
  assert.equal((await cos(server, { method: 'POST', key: 'rs/cold.bin', query: { restore: '' }, ...req(1, 'Expedited') })).status, 202);
  assert.equal((await cos(server, { method: 'POST', key: 'rs/cold.bin', query: { restore: '' }, ...req(2) })).status, 200);
  const head = await cos(server, { method: 'HEAD', key: 'rs/cold.bin' });
  assert.match(head.headers['x-cos-restore'], /^ongoing-request="false", expiry-date=".+GMT"$/);
  assert.equal((await cos(server, { key: 'rs/cold.bin' })).text, 'frozen');
  assert.equal(code(await cos(server, { method: 'POST', key: 'rs/deep.bin', query: { restore: '' }, ...req(1, 'Expedited') })), 'InvalidArgument');
  assert.equal((await cos(server, { method: 'POST', key: 'rs/deep.bin', query: { restore: '' }, ...req(1, 'Bulk') })).status, 202);
  assert.equal(code(await cos(server, { method: 'POST', key: 'rs/none', query: { restore: '' }, ...req(1) })), 'NoSuchKey');
});

/** An independent event-stream decoder that checks both CRCs. */
function decodeFrames(buf) {
  const out = [];
  let off = 0;
  while (off < buf.length) {
    const total = buf.readUInt32BE(off);
    const hlen = buf.readUInt32BE(off + 4);
    assert.equal(buf.readUInt32BE(off + 8), zlib.crc32(buf.subarray(off, off + 8)), 'prelude CRC');
    assert.equal(buf.readUInt32BE(off + total - 4), zlib.crc32(buf.subarray(off, off + total - 4)), 'message CRC');
    const headers = {};
    let p = off + 12;
    while (p < off + 12 + hlen) {
      const n = buf[p];
      const name = buf.toString('ascii', p + 1, p + 1 + n);
      assert.equal(buf[p + 1 + n], 7);
      const vlen = buf.readUInt16BE(p + 2 + n);
      headers[name] = buf.toString('utf8', p + 4 + n, p + 4 + n + vlen);
      p += 4 + n + vlen;
    }
    out.push({ headers, payload: buf.subarray(off + 12 + hlen, off + total - 4).toString('utf8') });
    off += total;
  }
  return out;
}

test('POST ?select: CSV and JSON subsets, event-stream frames with CRCs, Stats and End; SQL errors → 400', async () => {
  await put('sel/people.csv', 'name,age,city\nann,30,"Paris, FR"\nbob,25,Rome\ncid,41,Oslo\n');
  await put('sel/lines.json', '{"name":"ann","age":30,"tags":{"a":1}}\n{"name":"bob","age":25,"tags":{"a":2}}\n');
  const select = (key, expr, input, output, extra = '') => cos(server, { method: 'POST', key, query: { select: '', 'select-type': '2' }, ...xmlBody('<SelectRequest><Expression>' + expr + '</Expression><ExpressionType>SQL</ExpressionType><InputSerialization>' + input + '</InputSerialization><OutputSerialization>' + output + '</OutputSerialization>' + extra + '</SelectRequest>') });
  const csvIn = '<CSV><FileHeaderInfo>USE</FileHeaderInfo></CSV>';
  let r = await select('sel/people.csv', 'SELECT * FROM COSObject', csvIn, '<CSV/>');
  assert.equal(r.status, 200);
  let frames = decodeFrames(r.body);
  assert.deepEqual(frames.map((f) => f.headers[':event-type']), ['Records', 'Stats', 'End']);
  assert.equal(frames[0].headers[':message-type'], 'event');
  assert.equal(frames[0].payload, 'ann,30,"Paris, FR"\nbob,25,Rome\ncid,41,Oslo\n');
  assert.match(frames[1].payload, /^<Stats><BytesScanned>\d+<\/BytesScanned><BytesProcessed>\d+<\/BytesProcessed><BytesReturned>43<\/BytesReturned><\/Stats>$/);
  r = await select('sel/people.csv', "SELECT s.name, s.city FROM COSObject s WHERE s.age &gt; 26 AND city != 'Oslo'", csvIn, '<JSON><RecordDelimiter>,</RecordDelimiter></JSON>');
  assert.equal(decodeFrames(r.body)[0].payload, '{"name":"ann","city":"Paris, FR"},');
  r = await select('sel/people.csv', 'SELECT _1 FROM COSObject LIMIT 2', '<CSV><FileHeaderInfo>IGNORE</FileHeaderInfo></CSV>', '<CSV/>', '<RequestProgress><Enabled>TRUE</Enabled></RequestProgress>');
  frames = decodeFrames(r.body);
  assert.equal(frames[0].payload, 'ann\nbob\n');
  assert.deepEqual(frames.map((f) => f.headers[':event-type']), ['Records', 'Progress', 'Stats', 'End']);
  await put('sel/tabs.tsv', 'a\tb\n1\t2\n');
  r = await select('sel/tabs.tsv', 'SELECT b FROM COSObject', '<CSV><FileHeaderInfo>USE</FileHeaderInfo><FieldDelimiter>\t</FieldDelimiter><RecordDelimiter>\n</RecordDelimiter></CSV>', '<CSV><RecordDelimiter>;</RecordDelimiter></CSV>');
  assert.equal(decodeFrames(r.body)[0].payload, '2;', 'a tab and a newline survive the XML body');
  r = await select('sel/lines.json', 'SELECT s.name FROM COSObject s WHERE s.tags.a = 2', '<JSON><Type>LINES</Type></JSON>', '<JSON/>');
  assert.equal(decodeFrames(r.body)[0].payload, '{"name":"bob"}\n');
  r = await select('sel/lines.json', 'SELECT COUNT(*) FROM COSObject', '<JSON><Type>LINES</Type></JSON>', '<CSV/>');
  assert.equal(decodeFrames(r.body)[0].payload, '2\n');
  assert.equal(code(await select('sel/people.csv', 'DROP TABLE x', csvIn, '<CSV/>')), 'ParseUnexpectedToken');
  assert.equal(code(await select('sel/none.csv', 'SELECT * FROM COSObject', csvIn, '<CSV/>')), 'NoSuchKey');
  const wrongType = await cos(server, { method: 'POST', key: 'sel/people.csv', query: { select: '', 'select-type': '1' }, ...xmlBody('<SelectRequest/>') });
  assert.equal(code(wrongType), 'InvalidArgument');
});

// ------------------------------------------------------------------ buckets

test('PUT / HEAD / DELETE Bucket, GET ?location, GET Service (all regions and one region)', async () => {
  const name = 'created-1250000000';
  assert.equal(code(await cos(server, { method: 'HEAD', key: '', bucket: name, region: 'ap-shanghai' }).then((r) => ({ text: r.status === 404 ? '<Code>NoSuchBucket</Code>' : '' }))), 'NoSuchBucket');
  assert.equal((await cos(server, { method: 'PUT', key: '', bucket: name, region: 'ap-shanghai', headers: { 'x-cos-acl': 'public-read' } })).status, 200);
  assert.equal(code(await cos(server, { method: 'PUT', key: '', bucket: name, region: 'ap-shanghai' })), 'BucketAlreadyExists');
  assert.equal(code(await cos(server, { method: 'PUT', key: '', bucket: name, region: 'ap-chengdu' })), 'BucketAlreadyExists');
  assert.equal(code(await cos(server, { method: 'PUT', key: '', bucket: 'nodash', region: 'ap-shanghai' })), 'InvalidBucketName');
  assert.equal(code(await cos(server, { method: 'PUT', key: '', bucket: 'okname-1250000000', region: 'ap-shanghai', headers: { 'x-cos-acl': 'everyone' } })), 'InvalidArgument');
  const head = await cos(server, { method: 'HEAD', key: '', bucket: name, region: 'ap-shanghai' });
  assert.equal(head.headers['x-cos-bucket-region'], 'ap-shanghai');
  const loc = await cos(server, { key: '', query: { location: '' }, bucket: name, region: 'ap-shanghai' });
  assert.match(loc.text, /<LocationConstraint>ap-shanghai<\/LocationConstraint>/);
  // Public-read ACL: anonymous reads work.
  await cos(server, { method: 'PUT', key: 'pub.txt', body: 'open', bucket: name, region: 'ap-shanghai' });
  assert.equal((await cos(server, { key: 'pub.txt', bucket: name, region: 'ap-shanghai', auth: false })).text, 'open');
  assert.equal(code(await cos(server, { method: 'DELETE', key: '', bucket: name, region: 'ap-shanghai' })), 'BucketNotEmpty');
  // GET Service on service.cos.<domain> and cos.<region>.<domain>.
  const svc = async (host) => {
    const keyTime = keyTimeNow();
    return request(server.port, { path: '/', headers: { Host: host, Authorization: sign({ method: 'GET', path: '/', headers: { host }, keyTime }) } });
  };
  let s = await svc('service.cos.localhost:' + server.port);
  assert.equal(s.status, 200, s.text);
  const names = xmlValues(s.text, 'Name');
  assert.deepEqual(names, [...names].sort(), 'sorted by name');
  for (const n of [name, BUCKET, OTHER]) assert.ok(names.includes(n), n);
  assert.match(s.text, /<Owner><ID>qcs::cam::uin\/100000000001:uin\/100000000001<\/ID><DisplayName>100000000001<\/DisplayName><\/Owner><Buckets><Bucket><Name>/);
  assert.match(s.text, /<CreationDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/CreationDate><BucketType>cos<\/BucketType>/);
  s = await svc('cos.ap-shanghai.localhost:' + server.port);
  assert.deepEqual(xmlValues(s.text, 'Name'), [name]);
  const anon = await request(server.port, { path: '/', headers: { Host: 'service.cos.localhost:' + server.port } });
  assert.equal(code(anon), 'AccessDenied');
  assert.equal((await cos(server, { method: 'DELETE', key: 'pub.txt', bucket: name, region: 'ap-shanghai' })).status, 204);
  assert.equal((await cos(server, { method: 'DELETE', key: '', bucket: name, region: 'ap-shanghai' })).status, 204);
  assert.equal(code(await cos(server, { key: '', query: { location: '' }, bucket: name, region: 'ap-shanghai' })), 'NoSuchBucket');
});

test('bucket ACL: default private with the owner FULL_CONTROL; x-cos-grant-write allowed on buckets', async () => {
  const r = await cos(server, { key: '', query: { acl: '' } });
  assert.equal(r.headers['x-cos-acl'], 'private');
  assert.deepEqual(xmlValues(r.text, 'Permission'), ['FULL_CONTROL']);
  assert.equal((await cos(server, { method: 'PUT', key: '', query: { acl: '' }, bucket: OTHER, region: OTHER_REGION, headers: { 'x-cos-grant-write': 'id="qcs::cam::uin/100000000011:uin/100000000011"' } })).status, 200);
  const g = await cos(server, { key: '', query: { acl: '' }, bucket: OTHER, region: OTHER_REGION });
  assert.deepEqual(xmlValues(g.text, 'Permission'), ['FULL_CONTROL', 'WRITE']);
});

// One valid document per configuration row (the table is the contract).
const VALID = {
  cors: '<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>',
  lifecycle: '<LifecycleConfiguration><Rule><ID>r1</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>',
  policy: JSON.stringify({ version: '2.0', Statement: [{ Effect: 'allow', Principal: { qcs: ['qcs::cam::anyone:anyone'] }, Action: ['name/cos:GetObject'], Resource: ['qcs::cos:' + REGION + ':uid/1250000000:' + BUCKET + '/*'] }] }),
  tagging: '<Tagging><TagSet><Tag><Key>team</Key><Value>storage</Value></Tag></TagSet></Tagging>',
  versioning: '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>',
  replication: '<ReplicationConfiguration><Role>qcs::cam::uin/100000000001:uin/100000000001</Role><Rule><ID>r</ID><Status>Enabled</Status><Prefix>p/</Prefix><Destination><Bucket>qcs::cos:ap-beijing::' + OTHER + '</Bucket></Destination></Rule></ReplicationConfiguration>',
  website: '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>',
  referer: '<RefererConfiguration><Status>Enabled</Status><RefererType>White-List</RefererType><DomainList><Domain>*.example.com</Domain></DomainList><EmptyReferConfiguration>Allow</EmptyReferConfiguration></RefererConfiguration>',
  domain: '<DomainConfiguration><DomainRule><Status>ENABLED</Status><Name>www.example.com</Name><Type>REST</Type></DomainRule></DomainConfiguration>',
  origin: '<OriginConfiguration><OriginRule><RulePriority>1</RulePriority><OriginType>Proxy</OriginType><OriginCondition><HTTPStatusCode>404</HTTPStatusCode></OriginCondition><OriginParameter><Protocol>HTTP</Protocol></OriginParameter><OriginInfo><HostInfo><HostName>example.com</HostName></HostInfo></OriginInfo></OriginRule></OriginConfiguration>',
  logging: '<BucketLoggingStatus><LoggingEnabled><TargetBucket>' + OTHER + '</TargetBucket><TargetPrefix>logs/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>',
  inventory: '<InventoryConfiguration><Id>list1</Id><IsEnabled>true</IsEnabled><Destination><COSBucketDestination><Format>CSV</Format><AccountId>100000000001</AccountId><Bucket>qcs::cos:ap-guangzhou::' + BUCKET + '</Bucket></COSBucketDestination></Destination><Schedule><Frequency>Daily</Frequency></Schedule><IncludedObjectVersions>All</IncludedObjectVersions><OptionalFields><Field>Size</Field><Field>ETag</Field></OptionalFields></InventoryConfiguration>',
  accelerate: '<AccelerateConfiguration><Status>Enabled</Status><Type>COS</Type></AccelerateConfiguration>',
  encryption: '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
  intelligenttiering: '<IntelligentTieringConfiguration><Status>Enabled</Status><Transition><Days>30</Days><RequestFrequent>1</RequestFrequent></Transition></IntelligentTieringConfiguration>',
  'object-lock': '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>',
};

test('bucket configurations: every table row stores, validates and returns its document', async () => {
  assert.deepEqual(Object.keys(VALID).sort(), BUCKET_CONFIGS.map((r) => r.sub).sort());
  const B2 = 'configs-1250000000';
  await cos(server, { method: 'PUT', key: '', bucket: B2, region: REGION });
  const on = (method, row, extra = {}) => cos(server, { method, key: '', query: { [row.sub]: '', ...(row.byId ? { id: 'list1' } : {}) }, bucket: B2, ...extra });
  for (const row of BUCKET_CONFIGS) {
    const label = row.sub;
    const missing = await on('GET', row);
    if (row.missing) assert.equal(code(missing), row.missing, label);
    else assert.equal(missing.status, 200, label);
    if (row.sub === 'replication') {
      const conflict = await on('PUT', row, xmlBody(VALID[label]));
      assert.equal(code(conflict), 'InvalidRequest', 'replication needs versioning');
      await on('PUT', BUCKET_CONFIGS.find((r) => r.sub === 'versioning'), xmlBody('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>'));
    }
    const body = VALID[label];
    const type = row.json ? 'application/json' : 'application/xml';
    if (row.md5) assert.equal(code(await on('PUT', row, { body, headers: { 'Content-Type': type } })), 'MissingContentMD5', label);
    if (row.json) {
      assert.equal(code(await on('PUT', row, { body: '{"Statement": []}', headers: { 'Content-MD5': md5b64('{"Statement": []}') } })), 'MalformedPolicy');
    } else {
      assert.equal(code(await on('PUT', row, xmlBody('<Wrong/>'))), 'MalformedXML', label + ': wrong root');
      if (row.need) assert.equal(code(await on('PUT', row, xmlBody('<' + row.root + '></' + row.root + '>'))), 'MalformedXML', label + ': required children');
      assert.equal(code(await on('PUT', row, xmlBody(body.slice(0, -5)))), 'MalformedXML', label + ': not well-formed');
    }
    assert.equal(code(await on('PUT', row, { body, headers: { 'Content-MD5': md5b64(body + 'x') } })), 'BadDigest', label);
    const p = await on('PUT', row, { body, headers: { 'Content-Type': type, 'Content-MD5': md5b64(body) } });
    assert.equal(p.status, 200, label + ' ' + p.text);
    const g = await on('GET', row);
    assert.equal(g.status, 200, label);
    assert.equal(g.headers['content-type'], type, label);
    if (row.json) assert.deepEqual(JSON.parse(g.text), JSON.parse(body));
    else assert.equal(g.text.replace(/^<\?xml[^>]*>\s*/, ''), body, label);
    const d = await on('DELETE', row);
    if (row.noDelete) {
      assert.equal(d.status, 405, label);
      continue;
    }
    assert.equal(d.status, 204, label);
    const after = await on('GET', row);
    assert.equal(code(after), row.missing, label + ' after DELETE');
  }
});

test('bucket configurations: enum and field checks; inventory id rules, list and one-off POST', async () => {
  const row = (sub) => BUCKET_CONFIGS.find((r) => r.sub === sub);
  const on = (method, sub, query, extra) => cos(server, { method, key: '', query: { [sub]: '', ...query }, bucket: OTHER, region: OTHER_REGION, ...extra });
  assert.equal(code(await on('PUT', 'versioning', {}, xmlBody('<VersioningConfiguration><Status>On</Status></VersioningConfiguration>'))), 'InvalidArgument');
  assert.equal(code(await on('PUT', 'lifecycle', {}, xmlBody('<LifecycleConfiguration><Rule><ID>x</ID></Rule></LifecycleConfiguration>'))), 'MalformedXML');
  assert.equal(code(await on('PUT', 'cors', {}, xmlBody('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>'))), 'InvalidArgument');
  assert.equal(code(await on('PUT', 'tagging', {}, xmlBody('<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>'))), 'InvalidTag');
  assert.equal(code(await on('GET', 'accelerate', {})), undefined);
  assert.match((await on('GET', 'accelerate', {})).text, /<AccelerateConfiguration><Status>Suspended<\/Status><Type>COS<\/Type><\/AccelerateConfiguration>/);
  const inv = (id) => VALID.inventory.replace('<Id>list1</Id>', '<Id>' + id + '</Id>');
  assert.equal(code(await on('PUT', 'inventory', {}, xmlBody(inv('a')))), 'InvalidArgument');
  assert.equal(code(await on('PUT', 'inventory', { id: 'b' }, xmlBody(inv('a')))), 'InvalidArgument');
  for (const id of ['a', 'b']) assert.equal((await on('PUT', 'inventory', { id }, xmlBody(inv(id)))).status, 200);
  const list = await on('GET', 'inventory', {});
  assert.match(list.text, /^<\?xml[^>]*>\s*<ListInventoryConfigurationResult><InventoryConfiguration><Id>a<\/Id>.*<Id>b<\/Id>.*<IsTruncated>false<\/IsTruncated><\/ListInventoryConfigurationResult>$/s);
  assert.equal(code(await on('GET', 'inventory', { id: 'c' })), row('inventory').missing);
  const oneOff = '<InventoryConfiguration><Id>now</Id><Destination><COSBucketDestination><Format>CSV</Format><Bucket>qcs::cos:ap-beijing::' + OTHER + '</Bucket></COSBucketDestination></Destination></InventoryConfiguration>';
  assert.equal((await on('POST', 'inventory', { id: 'now' }, xmlBody(oneOff))).status, 200);
  assert.equal(code(await on('POST', 'inventory', { id: 'now' }, xmlBody('<InventoryConfiguration><Id>now</Id></InventoryConfiguration>'))), 'MalformedXML');
});

test('PUT / DELETE ?cors drive the preflights: a stored rule is enforced, no configuration → 403', async () => {
  const name = 'corsy-1250000000';
  await cos(server, { method: 'PUT', key: '', bucket: name, region: REGION });
  const preflight = (origin) => request(server.port, { method: 'OPTIONS', path: '/k', headers: { Host: name + '.cos.' + REGION + '.localhost:' + server.port, Origin: origin, 'Access-Control-Request-Method': 'PUT' } });
  assert.equal((await preflight('https://any.example.net')).status, 200, 'a new bucket has the server default rule');
  const rule = VALID.cors;
  await cos(server, { method: 'PUT', key: '', query: { cors: '' }, bucket: name, ...xmlBody(rule) });
  const ok = await preflight('https://a.example.com');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-max-age'], '60');
  assert.equal((await preflight('https://b.example.com')).status, 403);
  await cos(server, { method: 'DELETE', key: '', query: { cors: '' }, bucket: name });
  assert.equal((await preflight('https://a.example.com')).status, 403);
});

test('path-style (pathStyle: allow): GET / is GET Service, PUT /<bucket> creates it in the host\'s region, keys still route', async () => {
  const ps = await startCosServer({ credentials: [{ secretId: SID, secretKey: SKEY }], buckets: [{ name: BUCKET, region: REGION }], pathStyle: 'allow', quiet: true });
  try {
    const call = (method, host, p, query = '') => {
      const keyTime = keyTimeNow();
      const q = query ? { [query]: '' } : {};
      return request(ps.port, { method, path: p + (query ? '?' + query : ''), headers: { Host: host, Authorization: sign({ method, path: p, query: q, headers: { host }, keyTime }) } });
    };
    const regional = 'cos.ap-nanjing.localhost:' + ps.port;
    assert.equal((await call('PUT', regional, '/pathmade-1250000000')).status, 200);
    assert.match((await call('GET', regional, '/pathmade-1250000000', 'location')).text, /<LocationConstraint>ap-nanjing</);
    const svc = await call('GET', '127.0.0.1:' + ps.port, '/');
    assert.deepEqual(xmlValues(svc.text, 'Name'), [BUCKET, 'pathmade-1250000000']);
    const admin = await request(ps.port, { path: '/_admin', headers: { Host: '127.0.0.1:' + ps.port } });
    assert.deepEqual(JSON.parse(admin.text).buckets.map((b) => b.name), [BUCKET, 'pathmade-1250000000']);
    assert.equal(code(await call('GET', regional, '/' + BUCKET + '/missing')), 'NoSuchKey');
  } finally {
    await ps.stop();
  }
});
