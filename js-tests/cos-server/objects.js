'use strict';
// Object operations beyond the upload paths: bucket listings (GET Bucket, ?versions), batch
// delete, copy (whole object and part), ACL, tagging, restore and select. Sub-resources are their
// own operations (index.js routes them), so none of these ever rewrites an object's bytes unless
// it is a copy.
const crypto = require('node:crypto');
const { err, CosError } = require('./errors');
const xml = require('./xml');
const o = require('./ops');
const { runSelect } = require('./select');

const { tx, el } = xml;

// ------------------------------------------------------------------ listing

/**
 * One page of a listing. `items` are sorted {key, ...}; keys sharing `prefix` + text up to the
 * delimiter fold into one common prefix, which counts once against `max` (as COS does).
 * Returns {entries: [{item} | {prefix}], truncated, last}.
 */
function page(items, { prefix, delimiter, max, after }) {
  const entries = [];
  let truncated = false;
  for (const it of items) {
    if (!it.key.startsWith(prefix)) continue;
    if (after && !after(it)) continue;
    let cp = null;
    if (delimiter) {
      const i = it.key.indexOf(delimiter, prefix.length);
      if (i >= 0) cp = it.key.slice(0, i + delimiter.length);
    }
    if (cp && entries.length && entries[entries.length - 1].prefix === cp) continue;
    if (cp && after && after.markerKey !== undefined && cp <= after.markerKey) continue; // returned on an earlier page
    if (entries.length === max) {
      truncated = max > 0;
      break;
    }
    entries.push(cp ? { prefix: cp, key: cp } : { item: it, key: it.key });
  }
  return { entries, truncated, last: entries[entries.length - 1] };
}

function listParams(ctx) {
  return {
    enc: o.encodingType(ctx),
    prefix: ctx.q('prefix') || '',
    delimiter: ctx.q('delimiter') || '',
    max: o.intParam(ctx, 'max-keys', { def: 1000, min: 0, max: 1000, clampMax: true }),
  };
}

function owner(ctx) {
  return el('Owner', xml.owner(o.ownerId(ctx)));
}

/** GET Bucket (List Objects v1). */
async function GetBucket(ctx) {
  const { enc, prefix, delimiter, max } = listParams(ctx);
  const marker = ctx.q('marker') || '';
  const items = [...ctx.bucket.objects.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const after = (it) => !marker || it.key > marker;
  after.markerKey = marker || undefined;
  const { entries, truncated, last } = page(items, { prefix, delimiter, max, after });
  const e = (s) => o.maybeEncode(enc, s);
  const children = [
    tx('Name', ctx.bucket.name),
    enc ? tx('EncodingType', enc) : '',
    tx('Prefix', e(prefix)),
    tx('Marker', e(marker)),
    tx('MaxKeys', String(max)),
    delimiter ? tx('Delimiter', e(delimiter)) : '',
    tx('IsTruncated', truncated ? 'true' : 'false'),
    truncated ? tx('NextMarker', e(last.key)) : '',
    ...entries.filter((x) => x.prefix).map((x) => el('CommonPrefixes', tx('Prefix', e(x.prefix)))),
    ...entries.filter((x) => x.item).map(({ item: obj }) => el('Contents', [
      tx('Key', e(obj.key)),
      tx('LastModified', o.isoTime(obj.mtime)),
      tx('ETag', obj.etag),
      tx('Size', String(obj.size)),
      owner(ctx),
      tx('StorageClass', obj.storageClass),
    ])),
  ];
  ctx.send(200, { 'Content-Type': 'application/xml' }, xml.doc('ListBucketResult', children));
}

/** GET Bucket ?versions: every version and delete marker, newest first within a key. */
async function ListObjectVersions(ctx) {
  const { enc, prefix, delimiter, max } = listParams(ctx);
  const keyMarker = ctx.q('key-marker') || '';
  const vidMarker = keyMarker ? ctx.q('version-id-marker') || '' : '';
  const keys = new Set([...ctx.bucket.objects.keys(), ...ctx.bucket.versions.keys()]);
  const items = [];
  for (const key of [...keys].sort()) {
    for (const [i, v] of ctx.store.versionList(ctx.bucket, key).entries()) items.push({ key, v, latest: i === 0 });
  }
  let passed = false;
  const after = (it) => {
    if (!keyMarker || it.key > keyMarker) return true;
    if (it.key < keyMarker || !vidMarker) return false;
    // Same key as the marker: only the versions after the marker version.
    if (passed) return true;
    if ((it.v.versionId || 'null') === vidMarker) passed = true;
    return false;
  };
  after.markerKey = keyMarker || undefined;
  const { entries, truncated, last } = page(items, { prefix, delimiter, max, after });
  const e = (s) => o.maybeEncode(enc, s);
  const children = [
    enc ? tx('EncodingType', enc) : '',
    tx('Name', ctx.bucket.name),
    tx('Prefix', e(prefix)),
    tx('KeyMarker', e(keyMarker)),
    tx('VersionIdMarker', vidMarker),
    tx('MaxKeys', String(max)),
    delimiter ? tx('Delimiter', e(delimiter)) : '',
    tx('IsTruncated', truncated ? 'true' : 'false'),
    truncated ? tx('NextKeyMarker', e(last.key)) : '',
    truncated ? tx('NextVersionIdMarker', last.item ? last.item.v.versionId || 'null' : '') : '',
    ...entries.filter((x) => x.prefix).map((x) => el('CommonPrefixes', tx('Prefix', e(x.prefix)))),
    ...entries.filter((x) => x.item).map(({ item }) => {
      const { v } = item;
      const common = [tx('Key', e(item.key)), tx('VersionId', v.versionId || 'null'), tx('IsLatest', item.latest ? 'true' : 'false'), tx('LastModified', o.isoTime(v.mtime))];
      if (v.marker) return el('DeleteMarker', [...common, owner(ctx)]);
      return el('Version', [...common, tx('ETag', v.etag), tx('Size', String(v.size)), tx('StorageClass', v.storageClass), owner(ctx)]);
    }),
  ];
  ctx.send(200, { 'Content-Type': 'application/xml' }, xml.doc('ListVersionsResult', children));
}

// ------------------------------------------------------------------ batch delete

async function readXml(ctx, root, { md5Required = false, limit = 2 * 1024 * 1024 } = {}) {
  const md5 = o.parseContentMd5(ctx.headers['content-md5']);
  if (md5Required && !md5) throw err('MissingContentMD5');
  const body = await o.readSmallBody(ctx, limit);
  o.checkMd5(md5, crypto.createHash('md5').update(body).digest());
  return { value: xml.parseBody(body.toString('utf8'), root), raw: body };
}

/** POST /?delete: up to 1000 keys; Quiet lists only the failures; Content-MD5 is required. */
async function DeleteMultipleObjects(ctx) {
  const { value } = await readXml(ctx, 'Delete', { md5Required: true });
  const quiet = String(value.Quiet || '').toLowerCase() === 'true';
  const objects = xml.list(value.Object);
  if (objects.length === 0 || objects.length > 1000) throw err('MalformedXML', 'Delete must name between 1 and 1000 objects.');
  const deleted = [];
  const errors = [];
  for (const ob of objects) {
    const key = ob && typeof ob === 'object' ? ob.Key : undefined;
    if (typeof key !== 'string') throw err('MalformedXML', 'Every Object needs a Key.');
    const vid = typeof ob.VersionId === 'string' && ob.VersionId !== '' ? ob.VersionId : undefined;
    try {
      o.checkKey(key);
      const r = ctx.store.deleteObject(ctx.bucket, key, vid, ctx.nowMs());
      const d = [tx('Key', key)];
      if (vid) d.push(tx('VersionId', vid));
      if (r.marker) d.push(tx('DeleteMarker', 'true'), tx('DeleteMarkerVersionId', r.versionId));
      deleted.push(el('Deleted', d));
    } catch (e) {
      if (!(e instanceof CosError)) throw e;
      errors.push(el('Error', [tx('Key', key), vid ? tx('VersionId', vid) : '', tx('Code', e.code), tx('Message', e.message)]));
    }
  }
  ctx.send(200, { 'Content-Type': 'application/xml' }, xml.doc('DeleteResult', [...(quiet ? [] : deleted), ...errors]));
}

// ------------------------------------------------------------------ copy

/**
 * x-cos-copy-source: <bucket>.cos.<region>.<domain>/<url-encoded key>[?versionId=…] → the source
 * object, after the x-cos-copy-source-If-* conditions.
 */
function copySource(ctx) {
  const raw = String(ctx.headers['x-cos-copy-source'] || '').trim().replace(/^https?:\/\//i, '');
  const m = /^([a-z0-9][a-z0-9-]*-\d+)\.cos\.([a-z0-9-]+)\.[^/]+\/(.+)$/i.exec(raw);
  if (!m) throw err('InvalidArgument', 'x-cos-copy-source must be <bucket>.cos.<region>.myqcloud.com/<key>.');
  let [, bucketName, region, rest] = m;
  let vid;
  const qi = rest.indexOf('?versionId=');
  if (qi >= 0) {
    vid = rest.slice(qi + '?versionId='.length);
    rest = rest.slice(0, qi);
  }
  let key;
  try {
    key = decodeURIComponent(rest);
  } catch {
    throw err('InvalidArgument', 'x-cos-copy-source has a bad %-encoding.');
  }
  const b = ctx.store.buckets.get(bucketName.toLowerCase());
  if (!b || b.region !== region.toLowerCase()) throw err('NoSuchBucket');
  let src;
  if (vid) {
    src = ctx.store.findVersion(b, key, vid);
    if (!src) throw err('NoSuchVersion');
    if (src.marker) throw err('InvalidRequest', 'The source of a copy request may not be a delete marker.');
  } else {
    src = b.objects.get(key);
    if (!src) throw err('NoSuchKey');
  }
  if (!o.readable(src)) throw err('InvalidObjectState');
  const h = ctx.headers;
  const cond = {};
  for (const n of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) if (h['x-cos-copy-source-' + n] !== undefined) cond[n] = h['x-cos-copy-source-' + n];
  if (o.preconditions({ headers: cond }, src)) throw err('PreconditionFailed');
  return { bucket: b, key, obj: src };
}

async function copyBytes(ctx, src, start, end) {
  return ctx.store.receive(ctx.store.readRange(src, start, end));
}

function isoSeconds(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** PUT Object - Copy (same bucket or across buckets). */
async function PutObjectCopy(ctx) {
  o.checkKey(ctx.key);
  const src = copySource(ctx);
  const h = ctx.headers;
  const directive = h['x-cos-metadata-directive'] === undefined ? 'Copy' : String(h['x-cos-metadata-directive']);
  if (directive !== 'Copy' && directive !== 'Replaced') throw err('InvalidArgument', 'x-cos-metadata-directive must be Copy or Replaced.');
  const requested = o.bucketDefaults(ctx.bucket, o.writeAttributes(h, ctx, ctx.key));
  const sameObject = src.bucket === ctx.bucket && src.key === ctx.key;
  const classChange = h['x-cos-storage-class'] !== undefined && requested.storageClass !== src.obj.storageClass;
  if (sameObject && directive === 'Copy' && !classChange) {
    throw err('InvalidRequest', 'This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class or encryption attributes.');
  }
  if (requested.forbidOverwrite && ctx.bucket.objects.has(ctx.key)) throw err('FileAlreadyExists');
  const attrs = directive === 'Replaced' ? requested : {
    ...requested,
    headers: { ...src.obj.headers },
    meta: { ...src.obj.meta },
    tagging: h['x-cos-tagging'] !== undefined ? requested.tagging : src.obj.tagging,
  };
  if (h['x-cos-storage-class'] === undefined) attrs.storageClass = directive === 'Copy' && sameObject ? src.obj.storageClass : 'STANDARD';
  const r = await copyBytes(ctx, src.obj, 0, src.obj.size - 1);
  const md5 = r.md5.toString('hex');
  const obj = o.newObject(ctx.key, attrs, { size: r.size, md5, crc64: r.crc, etag: o.quoted(md5), segments: [{ path: r.path, size: r.size }] }, ctx.nowMs());
  ctx.store.putObject(ctx.bucket, obj);
  const headers = { 'Content-Type': 'application/xml', ...attrs.sse, ...o.versionHeader(ctx.bucket, obj) };
  if (src.obj.versionId && src.obj.versionId !== 'null') headers['x-cos-copy-source-version-id'] = src.obj.versionId;
  const body = xml.doc('CopyObjectResult', [
    tx('ETag', obj.etag),
    tx('CRC64', obj.crc64.toString()),
    tx('LastModified', isoSeconds(obj.mtime)),
    ctx.bucket.versioning ? tx('VersionId', obj.versionId) : '',
  ]);
  ctx.send(200, headers, body);
}

/** Upload Part - Copy: a part from (a byte range of) another object. */
async function UploadPartCopy(ctx) {
  o.checkKey(ctx.key);
  const pn = ctx.q('partNumber');
  if (pn === undefined || !/^\d+$/.test(pn) || Number(pn) < 1 || Number(pn) > o.MAX_PARTS) throw err('InvalidArgument', 'partNumber must be an integer between 1 and ' + o.MAX_PARTS + '.');
  if (!ctx.q('uploadId')) throw err('InvalidArgument', 'Upload Part - Copy needs the uploadId parameter.');
  const upload = o.openUpload(ctx);
  const src = copySource(ctx);
  let start = 0;
  let end = src.obj.size - 1;
  const range = ctx.headers['x-cos-copy-source-range'];
  if (range !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(String(range).trim());
    if (!m) throw err('InvalidArgument', 'x-cos-copy-source-range must be bytes=first-last.');
    start = Number(m[1]);
    end = Number(m[2]);
    if (start > end || end >= src.obj.size) throw err('InvalidArgument', 'Range specified is not valid for source object of size: ' + src.obj.size);
  }
  const r = await copyBytes(ctx, src.obj, start, end);
  if (upload.state !== 'open' || ctx.bucket.uploads.get(upload.uploadId) !== upload) {
    await ctx.store.unlink(r.path);
    throw err('NoSuchUpload');
  }
  const md5 = r.md5.toString('hex');
  const part = { partNumber: Number(pn), size: r.size, md5: r.md5, etag: o.quoted(md5), crc64: r.crc, path: r.path, mtime: ctx.nowMs() };
  const old = upload.parts.get(part.partNumber);
  upload.parts.set(part.partNumber, part);
  if (old) ctx.store.unlink(old.path);
  const headers = { 'Content-Type': 'application/xml', 'x-cos-hash-crc64ecma': part.crc64.toString() };
  if (src.obj.versionId && src.obj.versionId !== 'null') headers['x-cos-copy-source-version-id'] = src.obj.versionId;
  ctx.send(200, headers, xml.doc('CopyPartResult', [tx('ETag', part.etag), tx('LastModified', isoSeconds(part.mtime))]));
}

// ------------------------------------------------------------------ ACL (objects and buckets)

const PERMISSIONS = ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL'];
const ALL_USERS = 'http://cam.qcloud.com/groups/global/AllUsers';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const HEADER_PERMISSION = {
  'x-cos-grant-read': 'READ',
  'x-cos-grant-write': 'WRITE',
  'x-cos-grant-read-acp': 'READ_ACP',
  'x-cos-grant-write-acp': 'WRITE_ACP',
  'x-cos-grant-full-control': 'FULL_CONTROL',
};

function ownerUin(ctx) {
  const uin = ctx.server.opts.uin;
  return 'qcs::cam::uin/' + uin + ':uin/' + uin;
}

/** `id="a",uri="b"` → grants. */
function headerGrants(value, permission) {
  const out = [];
  for (const part of String(value).split(',')) {
    const m = /^\s*(id|uri)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
    if (!m) throw err('InvalidArgument', 'Grant headers take id="…" or uri="…" entries.');
    out.push(m[1].toLowerCase() === 'id' ? { id: m[2], permission } : { uri: m[2], permission });
  }
  return out;
}

/** Every grant of a resource (object or bucket), owner first, as COS lists them. */
function grantsOf(ctx, res) {
  const out = [{ id: ownerUin(ctx), permission: 'FULL_CONTROL' }];
  if (res.aclGrants) return res.aclGrants;
  if (res.acl === 'public-read') out.push({ uri: ALL_USERS, permission: 'READ' });
  if (res.acl === 'public-read-write') out.push({ uri: ALL_USERS, permission: 'READ' }, { uri: ALL_USERS, permission: 'WRITE' });
  for (const [h, v] of Object.entries(res.grants || {})) if (HEADER_PERMISSION[h]) out.push(...headerGrants(v, HEADER_PERMISSION[h]));
  return out;
}

function aclXml(ctx, res) {
  const who = ownerUin(ctx);
  const grant = (g) => el('Grant', [
    '<Grantee xmlns:xsi="' + XSI + '" xsi:type="' + (g.uri ? 'Group' : 'CanonicalUser') + '">' + (g.uri ? tx('URI', g.uri) : tx('ID', g.id) + tx('DisplayName', g.id)) + '</Grantee>',
    tx('Permission', g.permission),
  ]);
  return xml.doc('AccessControlPolicy', [
    el('Owner', [tx('ID', who), tx('DisplayName', who)]),
    el('AccessControlList', grantsOf(ctx, res).map(grant)),
  ]);
}

/** PUT ?acl: x-cos-acl / x-cos-grant-* headers, or an AccessControlPolicy body (not both). */
async function putAcl(ctx, res, { allowed, writeGrant }) {
  const h = ctx.headers;
  // Empty headers count as absent: the official SDKs send GrantRead: '' back as they got it.
  const grantHeaders = Object.keys(HEADER_PERMISSION).filter((n) => h[n] && (writeGrant || n !== 'x-cos-grant-write'));
  const hasHeaders = !!h['x-cos-acl'] || grantHeaders.length > 0;
  const body = await o.readSmallBody(ctx, 64 * 1024);
  o.checkMd5(o.parseContentMd5(h['content-md5']), crypto.createHash('md5').update(body).digest());
  if (hasHeaders && body.length) throw err('InvalidRequest', 'Specify an ACL either in headers or in the body, not both.');
  if (!hasHeaders && !body.length) throw err('InvalidRequest', 'PUT ?acl needs x-cos-acl, x-cos-grant-* or an AccessControlPolicy body.');
  if (hasHeaders) {
    const acl = h['x-cos-acl'] ? String(h['x-cos-acl']) : undefined;
    if (acl !== undefined && !allowed.includes(acl)) throw err('InvalidArgument', 'Invalid x-cos-acl: ' + acl);
    const grants = {};
    for (const n of grantHeaders) {
      headerGrants(h[n], HEADER_PERMISSION[n]); // validate
      grants[n] = String(h[n]);
    }
    res.acl = acl;
    res.grants = grants;
    res.aclGrants = undefined;
    return;
  }
  const policy = xml.parseBody(body.toString('utf8'), 'AccessControlPolicy');
  const acl = policy && policy.AccessControlList;
  if (!acl || typeof acl !== 'object') throw err('MalformedXML', 'AccessControlPolicy needs an AccessControlList.');
  const grants = xml.list(acl.Grant).map((g) => {
    const grantee = g && g.Grantee;
    if (!grantee || typeof grantee !== 'object' || !PERMISSIONS.includes(g.Permission)) throw err('MalformedXML', 'Every Grant needs a Grantee and a Permission (' + PERMISSIONS.join(', ') + ').');
    if (grantee.URI) return { uri: grantee.URI, permission: g.Permission };
    if (!grantee.ID) throw err('MalformedXML', 'A Grantee needs an ID or a URI.');
    return { id: grantee.ID, permission: g.Permission };
  });
  res.acl = undefined;
  res.grants = {};
  res.aclGrants = grants;
}

function aclHeader(res) {
  return res.acl ? { 'x-cos-acl': res.acl } : {};
}

async function GetObjectACL(ctx) {
  const obj = o.findObject(ctx);
  ctx.send(200, { 'Content-Type': 'application/xml', ...aclHeader({ acl: obj.acl || 'default' }) }, aclXml(ctx, obj));
}

async function PutObjectACL(ctx) {
  const obj = o.findObject(ctx);
  await putAcl(ctx, obj, { allowed: ['default', 'private', 'public-read', 'public-read-write'], writeGrant: false });
  ctx.send(200, {});
}

// ------------------------------------------------------------------ tagging

/** A Tagging body → [[key, value]] (unique keys, sizes checked). */
function parseTags(value, max) {
  const set = value && typeof value === 'object' ? value.TagSet : undefined;
  if (set === undefined) throw err('MalformedXML', 'Tagging needs a TagSet.');
  const tags = xml.list(set && typeof set === 'object' ? set.Tag : undefined).map((t) => {
    if (!t || typeof t !== 'object' || typeof t.Key !== 'string') throw err('MalformedXML', 'Every Tag needs a Key and a Value.');
    return [t.Key, typeof t.Value === 'string' ? t.Value : ''];
  });
  if (tags.length > max) throw err('InvalidTag', 'At most ' + max + ' tags are allowed.');
  const seen = new Set();
  for (const [k, v] of tags) {
    if (!k || k.length > 128 || v.length > 256) throw err('InvalidTag', 'Tag keys are 1–128 characters, values up to 256.');
    if (seen.has(k)) throw err('InvalidTag', 'Cannot provide multiple Tags with the same key: ' + k);
    seen.add(k);
  }
  return tags;
}

function tagsXml(tags) {
  return xml.doc('Tagging', [el('TagSet', tags.map(([k, v]) => el('Tag', [tx('Key', k), tx('Value', v)])))]);
}

function tagsOf(obj) {
  return String(obj.tagging || '').split('&').filter(Boolean).map((p) => {
    const i = p.indexOf('=');
    const d = (s) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    return i < 0 ? [d(p), ''] : [d(p.slice(0, i)), d(p.slice(i + 1))];
  });
}

async function GetObjectTagging(ctx) {
  const obj = o.findObject(ctx);
  ctx.send(200, { 'Content-Type': 'application/xml', ...o.versionHeader(ctx.bucket, obj) }, tagsXml(tagsOf(obj)));
}

async function PutObjectTagging(ctx) {
  const obj = o.findObject(ctx);
  const { value } = await readXml(ctx, 'Tagging', { limit: 64 * 1024 });
  const tags = parseTags(value, 10);
  obj.tagging = tags.map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&') || undefined;
  ctx.send(200, o.versionHeader(ctx.bucket, obj));
}

async function DeleteObjectTagging(ctx) {
  const obj = o.findObject(ctx);
  obj.tagging = undefined;
  ctx.send(204, o.versionHeader(ctx.bucket, obj));
}

// ------------------------------------------------------------------ restore

const TIERS = ['Expedited', 'Standard', 'Bulk'];

/**
 * POST ?restore (archive classes only). The restored copy is available at once (a test server
 * does not wait hours): 202 for the first request, 200 when it only extends the days.
 */
async function PostObjectRestore(ctx) {
  const obj = o.findObject(ctx);
  const { value } = await readXml(ctx, 'RestoreRequest', { limit: 64 * 1024 });
  const days = value && typeof value === 'object' ? value.Days : undefined;
  if (typeof days !== 'string' || !/^\d+$/.test(days) || Number(days) < 1) throw err('MalformedXML', 'RestoreRequest needs Days (a positive integer).');
  const job = value.CASJobParameters;
  const tier = job && typeof job === 'object' && job.Tier !== undefined ? job.Tier : 'Standard';
  if (!TIERS.includes(tier)) throw err('MalformedXML', 'Tier must be one of ' + TIERS.join(', ') + '.');
  if (!o.COLD.includes(obj.storageClass)) throw err('InvalidObjectState', 'Restore is not allowed for the object\'s current storage class.');
  if (obj.storageClass === 'DEEP_ARCHIVE' && tier === 'Expedited') throw err('InvalidArgument', 'DEEP_ARCHIVE objects cannot be restored with the Expedited tier.');
  const first = !obj.restore;
  obj.restore = { expiry: ctx.nowMs() + Number(days) * 86400000, tier };
  ctx.send(first ? 202 : 200, {});
}

// ------------------------------------------------------------------ select

async function SelectObjectContent(ctx) {
  const obj = o.findObject(ctx);
  if (ctx.q('select-type') !== '2') throw err('InvalidArgument', 'select-type must be 2.');
  const { value } = await readXml(ctx, 'SelectRequest', { limit: 256 * 1024 });
  if (!o.readable(obj)) throw err('InvalidObjectState');
  const chunks = [];
  for await (const c of ctx.store.readRange(obj, 0, obj.size - 1)) chunks.push(c);
  const frames = runSelect(value, Buffer.concat(chunks)); // throws CosError before any byte is sent
  ctx.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' });
  for (const f of frames) ctx.res.write(f);
  ctx.res.end();
}

const OPS = {
  GetBucket,
  ListObjectVersions,
  DeleteMultipleObjects,
  PutObjectCopy,
  UploadPartCopy,
  GetObjectACL,
  PutObjectACL,
  GetObjectTagging,
  PutObjectTagging,
  DeleteObjectTagging,
  PostObjectRestore,
  SelectObjectContent,
};

module.exports = { OPS, aclXml, putAcl, aclHeader, parseTags, tagsXml, readXml, ownerUin, ALL_USERS };
