'use strict';
// The COS operations (docs/wire-format.md#operations). Each handler gets the request context built by index.js (bucket,
// key, query, body stream, response helpers) and either answers or throws a CosError.
const crypto = require('node:crypto');
const busboy = require('busboy');
const { err, CosError } = require('./errors');
const { combine } = require('./crc64');
const xml = require('./xml');
const auth = require('./auth');
const { Throttle } = require('./streams');
const { typeForKey } = require('./mime');

const MAX_KEY_BYTES = 850;
const MAX_META_BYTES = 2048;
const MAX_PARTS = 10000;
const MAX_PART_SIZE = 5 * 1024 ** 3;
const COMPLETE_BODY_LIMIT = 2 * 1024 * 1024;
const TRAFFIC_MIN = 819200;
const TRAFFIC_MAX = 838860800;
const STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'ARCHIVE', 'DEEP_ARCHIVE', 'INTELLIGENT_TIERING', 'MAZ_STANDARD', 'MAZ_STANDARD_IA', 'MAZ_INTELLIGENT_TIERING', 'MAZ_ARCHIVE'];
const ACLS = ['default', 'private', 'public-read', 'public-read-write'];
// Object headers persisted by PUT/POST/Initiate/first APPEND and echoed by HEAD/GET.
const STORED_HEADERS = ['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'];
const GRANTS = ['x-cos-grant-read', 'x-cos-grant-read-acp', 'x-cos-grant-write-acp', 'x-cos-grant-full-control'];
const RESPONSE_OVERRIDES = ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding'];

// ------------------------------------------------------------------ helpers

function quoted(hex) {
  return '"' + hex + '"';
}

function unquote(etag) {
  return String(etag).trim().replace(/^"|"$/g, '').toLowerCase();
}

function isoTime(ms) {
  return new Date(ms).toISOString();
}

/** Object key rules: at most 850 UTF-8 bytes, no leading `/` or `\`. */
function checkKey(key) {
  if (!key) throw err('InvalidURI', 'The object key must not be empty.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw err('InvalidURI', 'The object key is longer than ' + MAX_KEY_BYTES + ' bytes.');
  if (key[0] === '/' || key[0] === '\\') throw err('InvalidURI', 'The object key must not start with "/" or "\\".');
}

/** Content-MD5: base64 of 16 bytes, else InvalidDigest. */
function parseContentMd5(v) {
  if (v === undefined) return null;
  const s = String(v).trim();
  const b = Buffer.from(s, 'base64');
  if (!/^[A-Za-z0-9+/]{22}==$/.test(s) || b.length !== 16) throw err('InvalidDigest');
  return b;
}

function checkMd5(expected, actual) {
  if (expected && !expected.equals(actual)) throw err('BadDigest');
}

/** x-cos-traffic-limit (header or query): integer bit/s within [819200, 838860800]. */
function trafficLimit(value) {
  if (value === undefined || value === null || value === '') return 0;
  const s = String(value).trim();
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < TRAFFIC_MIN || n > TRAFFIC_MAX) {
    throw err('InvalidArgument', 'x-cos-traffic-limit must be an integer between ' + TRAFFIC_MIN + ' and ' + TRAFFIC_MAX + ' (bit/s).');
  }
  return n;
}

/**
 * Validate and collect the object attributes a write request carries (PUT, POST form, Initiate,
 * APPEND). `h` is a lower-case header map (for POST: the form fields, `acl` mapped to x-cos-acl).
 */
function writeAttributes(h, ctx, key) {
  const headers = {};
  for (const name of STORED_HEADERS) {
    const v = h[name];
    if (v !== undefined && v !== '') headers[name] = String(v);
  }
  if (!headers['content-type']) headers['content-type'] = typeForKey(key);

  const meta = {};
  let metaBytes = 0;
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith('x-cos-meta-')) continue;
    const suffix = name.slice('x-cos-meta-'.length);
    if (!/^[a-z0-9-]+$/.test(suffix)) throw err('InvalidArgument', 'Metadata names (x-cos-meta-*) may contain only letters, digits and "-": ' + name);
    meta[name] = String(value);
    metaBytes += Buffer.byteLength(suffix) + Buffer.byteLength(String(value));
  }
  if (metaBytes > MAX_META_BYTES) throw err('KeyTooLong');

  let storageClass = 'STANDARD';
  if (h['x-cos-storage-class'] !== undefined && h['x-cos-storage-class'] !== '') {
    storageClass = String(h['x-cos-storage-class']).toUpperCase();
    if (!STORAGE_CLASSES.includes(storageClass)) throw err('InvalidArgument', 'Invalid storage class: ' + h['x-cos-storage-class']);
  }

  let acl;
  if (h['x-cos-acl'] !== undefined && h['x-cos-acl'] !== '') {
    acl = String(h['x-cos-acl']);
    if (!ACLS.includes(acl)) throw err('InvalidArgument', 'Invalid x-cos-acl: ' + acl);
  }
  const grants = {};
  for (const g of GRANTS) if (h[g]) grants[g] = String(h[g]);

  let tagging;
  if (h['x-cos-tagging']) {
    tagging = String(h['x-cos-tagging']);
    if (tagging.split('&').filter(Boolean).length > 10) throw err('InvalidArgument', 'An object can have at most 10 tags.');
  }

  const sse = {};
  const alg = h['x-cos-server-side-encryption'];
  if (alg !== undefined) {
    if (alg !== 'AES256' && alg !== 'cos/kms') throw err('InvalidArgument', 'x-cos-server-side-encryption must be AES256 or cos/kms.');
    sse['x-cos-server-side-encryption'] = alg;
    if (alg === 'cos/kms' && h['x-cos-server-side-encryption-cos-kms-key-id']) sse['x-cos-server-side-encryption-cos-kms-key-id'] = String(h['x-cos-server-side-encryption-cos-kms-key-id']);
  }
  const cAlg = h['x-cos-server-side-encryption-customer-algorithm'];
  if (cAlg !== undefined || h['x-cos-server-side-encryption-customer-key'] !== undefined) {
    const key = Buffer.from(String(h['x-cos-server-side-encryption-customer-key'] || ''), 'base64');
    const md5 = crypto.createHash('md5').update(key).digest('base64');
    if (cAlg !== 'AES256' || key.length !== 32 || h['x-cos-server-side-encryption-customer-key-md5'] !== md5) {
      throw err('InvalidArgument', 'SSE-C needs customer-algorithm AES256, a base64 256-bit customer-key and its customer-key-MD5.');
    }
    sse['x-cos-server-side-encryption-customer-algorithm'] = 'AES256';
    sse['x-cos-server-side-encryption-customer-key-MD5'] = md5;
  }

  return {
    headers,
    meta,
    storageClass,
    acl,
    grants,
    tagging,
    sse,
    contentMd5: parseContentMd5(h['content-md5']),
    trafficLimit: trafficLimit(h['x-cos-traffic-limit'] ?? (ctx && ctx.q('x-cos-traffic-limit'))),
    forbidOverwrite: String(h['x-cos-forbid-overwrite'] || '').toLowerCase() === 'true',
  };
}

/** A bucket's default encryption (PUT ?encryption) applies to writes that ask for none. */
function bucketDefaults(bucket, attrs) {
  const conf = bucket.configs && bucket.configs.get('encryption');
  if (!conf || attrs.sse['x-cos-server-side-encryption'] || attrs.sse['x-cos-server-side-encryption-customer-algorithm']) return attrs;
  const rule = [].concat(conf.Rule)[0];
  const alg = rule && rule.ApplyServerSideEncryptionByDefault && rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm;
  if (alg === 'AES256' || alg === 'SM4') attrs.sse['x-cos-server-side-encryption'] = alg;
  else if (alg === 'KMS') attrs.sse['x-cos-server-side-encryption'] = 'cos/kms';
  return attrs;
}

/** Content-Length as a number; null for chunked bodies when allowed; else 411. */
function contentLength(ctx, { chunkedOk = false } = {}) {
  const cl = ctx.headers['content-length'];
  if (cl !== undefined) return Number(cl);
  if (chunkedOk && /chunked/i.test(ctx.headers['transfer-encoding'] || '')) return null;
  throw err('MissingContentLength');
}

function newObject(key, attrs, fields, nowMs) {
  return {
    key,
    size: 0,
    md5: '',
    crc64: 0n,
    etag: '',
    type: 'normal',
    headers: attrs.headers,
    meta: attrs.meta,
    storageClass: attrs.storageClass,
    acl: attrs.acl,
    grants: attrs.grants,
    tagging: attrs.tagging,
    sse: attrs.sse,
    mtime: nowMs,
    segments: [],
    readers: 0,
    dead: false,
    ...fields,
  };
}

/** Headers describing an object (HEAD/GET, docs/wire-format.md#head-and-get-object). */
function objectHeaders(obj) {
  const h = {
    'Content-Type': obj.headers['content-type'] || 'application/octet-stream',
    ETag: obj.etag,
    'Last-Modified': new Date(obj.mtime).toUTCString(),
    'x-cos-hash-crc64ecma': obj.crc64.toString(),
  };
  for (const name of STORED_HEADERS) if (name !== 'content-type' && obj.headers[name]) h[name] = obj.headers[name];
  Object.assign(h, obj.meta, obj.sse);
  if (obj.storageClass !== 'STANDARD') h['x-cos-storage-class'] = obj.storageClass;
  if (obj.type === 'appendable') h['x-cos-object-type'] = 'appendable';
  if (obj.tagging) h['x-cos-tagging-count'] = String(obj.tagging.split('&').filter(Boolean).length);
  if (obj.versionId && obj.versionId !== 'null') h['x-cos-version-id'] = obj.versionId;
  if (obj.restore) h['x-cos-restore'] = 'ongoing-request="false", expiry-date="' + new Date(obj.restore.expiry).toUTCString() + '"';
  return h;
}

/** x-cos-version-id on writes once the bucket has versioning configured. */
function versionHeader(bucket, obj) {
  return bucket.versioning && obj.versionId ? { 'x-cos-version-id': obj.versionId } : {};
}

const COLD = ['ARCHIVE', 'DEEP_ARCHIVE', 'MAZ_ARCHIVE'];

/** Archived objects can be read only while a restored copy exists. */
function readable(obj) {
  return !COLD.includes(obj.storageClass) || (obj.restore && obj.restore.expiry > Date.now());
}

function ownerId(ctx) {
  const m = /-(\d+)$/.exec(ctx.bucket.name);
  return m ? m[1] : ctx.bucket.name;
}

// ------------------------------------------------------------------ simple objects

async function PutObject(ctx) {
  checkKey(ctx.key);
  const a = bucketDefaults(ctx.bucket, writeAttributes(ctx.headers, ctx, ctx.key));
  const len = contentLength(ctx, { chunkedOk: true });
  const max = ctx.server.opts.maxObjectSize;
  if (len !== null && len > max) throw err('EntityTooLarge');
  if (a.forbidOverwrite && ctx.bucket.objects.has(ctx.key)) throw err('FileAlreadyExists');
  ctx.throttle(a.trafficLimit);
  const r = await ctx.store.receive(ctx.body(), { maxBytes: max });
  try {
    checkMd5(a.contentMd5, r.md5);
    if (a.forbidOverwrite && ctx.bucket.objects.has(ctx.key)) throw err('FileAlreadyExists');
  } catch (e) {
    await ctx.store.unlink(r.path);
    throw e;
  }
  const md5 = r.md5.toString('hex');
  const obj = newObject(ctx.key, a, { size: r.size, md5, crc64: r.crc, etag: quoted(md5), segments: [{ path: r.path, size: r.size }] }, ctx.nowMs());
  ctx.store.putObject(ctx.bucket, obj);
  ctx.send(200, { ETag: obj.etag, 'x-cos-hash-crc64ecma': obj.crc64.toString(), ...a.sse, ...versionHeader(ctx.bucket, obj) });
}

async function AppendObject(ctx) {
  checkKey(ctx.key);
  const posText = ctx.q('position');
  if (posText === undefined || posText === '') throw err('InvalidArgument', 'APPEND needs the position parameter.');
  if (!/^\d+$/.test(posText)) throw err('InvalidArgument', 'position must be a non-negative integer.');
  const position = Number(posText);
  const len = contentLength(ctx);
  const existing = ctx.bucket.objects.get(ctx.key);
  if (existing && existing.type !== 'appendable') throw err('ObjectNotAppendable');
  const current = existing ? existing.size : 0;
  if (position !== current) throw err('AppendPositionErr');
  if (current + len > ctx.server.opts.maxObjectSize) throw err('EntityTooLarge');
  // Metadata headers count only when the append creates the object.
  const a = bucketDefaults(ctx.bucket, writeAttributes(ctx.headers, ctx, ctx.key));
  ctx.throttle(a.trafficLimit);
  const running = existing ? existing.appendMd5.copy() : crypto.createHash('md5');
  const r = await ctx.store.receive(ctx.body(), { maxBytes: ctx.server.opts.maxObjectSize - current, alsoHash: running });
  const now = ctx.bucket.objects.get(ctx.key);
  try {
    checkMd5(a.contentMd5, r.md5);
    // Another writer got in while this body streamed.
    if (now !== existing) throw now && now.type !== 'appendable' ? err('ObjectNotAppendable') : err('AppendPositionErr');
    if (now && now.size !== current) throw err('AppendPositionErr');
  } catch (e) {
    await ctx.store.unlink(r.path);
    throw e;
  }
  let obj = existing;
  if (!obj) {
    obj = newObject(ctx.key, a, { type: 'appendable', crc64: r.crc }, ctx.nowMs());
    ctx.store.putObject(ctx.bucket, obj);
  } else {
    obj.crc64 = combine(obj.crc64, r.crc, r.size);
  }
  obj.segments.push({ path: r.path, size: r.size });
  obj.size += r.size;
  obj.appendMd5 = running;
  obj.md5 = running.copy().digest('hex');
  obj.etag = quoted(obj.md5);
  obj.mtime = ctx.nowMs();
  const h = { 'x-cos-next-append-position': String(obj.size), ETag: obj.etag, 'x-cos-content-sha1': r.md5.toString('hex') };
  if (ctx.server.opts.appendCrc64) h['x-cos-hash-crc64ecma'] = obj.crc64.toString();
  ctx.send(200, h);
}

/** If-* conditionals (RFC 7232 order). Returns 304/412 or 0. */
function preconditions(ctx, obj) {
  const h = ctx.headers;
  const etag = unquote(obj.etag);
  const mtimeSec = Math.floor(obj.mtime / 1000);
  const list = (v) => v.split(',').map((x) => unquote(x.replace(/^W\//, '')));
  if (h['if-match'] !== undefined) {
    const tags = list(h['if-match']);
    if (!tags.includes('*') && !tags.includes(etag)) return 412;
  } else if (h['if-unmodified-since'] !== undefined) {
    const t = Date.parse(h['if-unmodified-since']);
    if (Number.isFinite(t) && mtimeSec > Math.floor(t / 1000)) return 412;
  }
  if (h['if-none-match'] !== undefined) {
    const tags = list(h['if-none-match']);
    if (tags.includes('*') || tags.includes(etag)) return 304;
  } else if (h['if-modified-since'] !== undefined) {
    const t = Date.parse(h['if-modified-since']);
    if (Number.isFinite(t) && mtimeSec <= Math.floor(t / 1000)) return 304;
  }
  return 0;
}

/** The object a request names (?versionId= picks a version; a delete marker answers 405/404). */
function findObject(ctx) {
  checkKey(ctx.key);
  const vid = ctx.q('versionId');
  if (vid === undefined || vid === '') {
    const obj = ctx.bucket.objects.get(ctx.key);
    if (!obj) throw err('NoSuchKey');
    return obj;
  }
  const v = ctx.store.findVersion(ctx.bucket, ctx.key, vid);
  if (!v) throw err(/^[A-Za-z0-9_=-]+$/.test(vid) ? 'NoSuchVersion' : 'InvalidArgument');
  if (v.marker) {
    ctx.extraErrorHeaders = { 'x-cos-delete-marker': 'true', 'x-cos-version-id': v.versionId };
    throw err('MethodNotAllowed');
  }
  return v;
}

function lookupObject(ctx) {
  const obj = findObject(ctx);
  const pre = preconditions(ctx, obj);
  if (pre === 412) throw err('PreconditionFailed');
  if (pre === 304) {
    ctx.send(304, { ETag: obj.etag, 'Last-Modified': new Date(obj.mtime).toUTCString() });
    return null;
  }
  return obj;
}

async function HeadObject(ctx) {
  const obj = lookupObject(ctx);
  if (!obj) return;
  ctx.send(200, { ...objectHeaders(obj), 'Content-Length': String(obj.size) });
}

/** Parse a single `bytes=` range. Returns [start, end], 'unsatisfiable', or null (ignore, send all). */
function parseRange(value, size) {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value || '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

async function GetObject(ctx) {
  const obj = lookupObject(ctx);
  if (!obj) return;
  if (!readable(obj)) throw err('InvalidObjectState');
  const rate = trafficLimit(ctx.headers['x-cos-traffic-limit'] ?? ctx.q('x-cos-traffic-limit'));
  const h = { ...objectHeaders(obj), 'Accept-Ranges': 'bytes' };
  // response-* overrides are honoured for signed requests only, as COS does.
  if (ctx.signed) {
    for (const name of RESPONSE_OVERRIDES) {
      const v = ctx.q('response-' + name);
      if (v === undefined) continue;
      delete h[name];
      if (name === 'content-type') h['Content-Type'] = v;
      else h[name] = v;
    }
  }
  let start = 0;
  let end = obj.size - 1;
  let status = 200;
  if (ctx.headers.range !== undefined) {
    const r = parseRange(ctx.headers.range, obj.size);
    if (r === 'unsatisfiable') {
      ctx.extraErrorHeaders = { 'Content-Range': 'bytes */' + obj.size };
      throw err('InvalidRange');
    }
    if (r) {
      [start, end] = r;
      status = 206;
      h['Content-Range'] = 'bytes ' + start + '-' + end + '/' + obj.size;
    }
  }
  h['Content-Length'] = String(Math.max(0, end - start + 1));
  ctx.writeHead(status, h);
  if (end < start) return ctx.res.end();
  let stream = ctx.store.readRange(obj, start, end);
  if (rate) stream = stream.pipe(new Throttle(rate));
  stream.on('error', () => ctx.res.destroy());
  ctx.res.on('close', () => stream.destroy());
  stream.pipe(ctx.res);
}

async function DeleteObject(ctx) {
  checkKey(ctx.key);
  const vid = ctx.q('versionId');
  const r = ctx.store.deleteObject(ctx.bucket, ctx.key, vid === '' ? undefined : vid, ctx.nowMs());
  const h = {};
  if (r.versionId) h['x-cos-version-id'] = r.versionId;
  if (r.marker) h['x-cos-delete-marker'] = 'true';
  ctx.send(204, h);
}

async function HeadBucket(ctx) {
  ctx.send(200, {});
}

// ------------------------------------------------------------------ POST Object (browser form)

/**
 * POST Object (docs/wire-format.md#post-object-policy): multipart/form-data with policy + q-* fields, or the header-style
 * `Signature` field the mini-program SDK sends, or an Authorization header; `file` must be last.
 */
async function PostObject(ctx) {
  if (!/^multipart\/form-data/i.test(ctx.headers['content-type'] || '')) throw err('MalformedPOSTRequest', 'POST Object needs a multipart/form-data body.');
  let bb;
  try {
    bb = busboy({ headers: ctx.headers, defParamCharset: 'utf8', limits: { fieldSize: 1 << 20, fields: 1000, parts: 1100 } });
  } catch {
    throw err('MalformedPOSTRequest');
  }
  const fields = new Map(); // lower-case name → value (first wins)
  let fileCount = 0;
  let fieldAfterFile = false;
  let truncated = false;
  let r = null; // the received file, once on disk

  // Resolves when the form is fully parsed and the file is on disk; rejects on the first error
  // (authentication fails as soon as the `file` part starts, before any file byte is stored).
  const done = new Promise((resolve, reject) => {
    let closed = false;
    let pending = false;
    const settle = () => closed && !pending && resolve();
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) truncated = true;
      if (fileCount) {
        fieldAfterFile = true;
        return;
      }
      const k = name.toLowerCase();
      if (!fields.has(k)) fields.set(k, value);
    });
    bb.on('file', (name, stream, info) => {
      if (name.toLowerCase() !== 'file' || ++fileCount > 1) {
        stream.resume();
        return;
      }
      pending = true;
      receiveFormFile(ctx, fields, stream, info.filename).then(
        (got) => {
          r = got;
          pending = false;
          settle();
        },
        (e) => {
          stream.resume();
          reject(e);
        },
      );
    });
    bb.on('error', () => reject(err('MalformedPOSTRequest')));
    bb.on('close', () => {
      closed = true;
      settle();
    });
  });
  const body = ctx.body();
  body.on('error', (e) => bb.destroy(e));
  body.pipe(bb);
  try {
    await done;
    if (fileCount === 0) throw err('IncorrectNumberOfFilesInPostRequest');
    if (fileCount > 1) throw err('IncorrectNumberOfFilesInPostRequest');
    if (fieldAfterFile) throw err('MalformedPOSTRequest', 'The file field must be the last field of the form.');
    if (truncated) throw err('MalformedPOSTRequest', 'A form field is too large.');
    if (r.lengthRange) {
      if (r.file.size < r.lengthRange[0]) throw err('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed by the policy (content-length-range).');
      if (r.file.size > r.lengthRange[1]) throw err('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed by the policy (content-length-range).');
    }
    checkMd5(r.attrs.contentMd5, r.file.md5);
    if (r.attrs.forbidOverwrite && ctx.bucket.objects.has(r.key)) throw err('FileAlreadyExists');
  } catch (e) {
    // Stop parsing; destroying busboy also fails a half-received file (its temp file is removed).
    body.unpipe(bb);
    bb.on('error', () => {});
    bb.destroy();
    if (r) await ctx.store.unlink(r.file.path);
    throw e;
  }
  const md5 = r.file.md5.toString('hex');
  const obj = newObject(r.key, r.attrs, { size: r.file.size, md5, crc64: r.file.crc, etag: quoted(md5), segments: [{ path: r.file.path, size: r.file.size }] }, ctx.nowMs());
  ctx.store.putObject(ctx.bucket, obj);

  const location = ctx.location(r.key);
  const common = { ETag: obj.etag, 'x-cos-hash-crc64ecma': obj.crc64.toString(), ...r.attrs.sse };
  const redirect = fields.get('success_action_redirect');
  if (redirect) {
    const sep = redirect.includes('?') ? '&' : '?';
    const target = redirect + sep + 'bucket=' + auth.uriEncode(ctx.bucket.name) + '&key=' + auth.uriEncode(r.key) + '&etag=' + auth.uriEncode(obj.etag);
    return ctx.send(303, { ...common, Location: target });
  }
  const status = ['200', '201', '204'].includes(fields.get('success_action_status')) ? Number(fields.get('success_action_status')) : 204;
  if (status === 201) {
    // Undocumented for COS; S3's PostResponse shape (README: fidelity choices).
    const body = xml.doc('PostResponse', [xml.tx('Location', location), xml.tx('Bucket', ctx.bucket.name), xml.tx('Key', r.key), xml.tx('ETag', obj.etag)]);
    return ctx.send(201, { ...common, Location: location, 'Content-Type': 'application/xml' }, body);
  }
  ctx.send(status, { ...common, Location: location });
}

/** Authenticate the form (fields are complete when `file` starts), then stream the file to disk. */
async function receiveFormFile(ctx, fields, stream, filename) {
  const rawKey = fields.get('key');
  if (rawKey === undefined || rawKey === '') throw err('InvalidArgument', 'Bucket POST must contain a field named "key".');
  const key = rawKey.split('${filename}').join(filename || '');
  checkKey(key);
  // Form fields act as the request headers of the new object; the field is `acl`, not x-cos-acl.
  const h = {};
  for (const [k, v] of fields) h[k] = v;
  if (fields.has('acl')) h['x-cos-acl'] = fields.get('acl');
  delete h['x-cos-security-token'];
  const attrs = bucketDefaults(ctx.bucket, writeAttributes(h, null, key));

  let lengthRange = null;
  const nowMs = ctx.nowMs();
  if (fields.has('policy')) {
    const values = (name) => {
      if (name === 'bucket') return ctx.bucket.name;
      if (name === 'key') return key;
      if (name === 'q-sign-time') return fields.get('q-key-time');
      return fields.get(name);
    };
    ({ lengthRange } = auth.verifyPolicy({ fields, values, nowMs, lookup: ctx.server.lookupCredential }));
    ctx.signed = true;
  } else if (fields.has('signature') || ctx.headers.authorization) {
    // Header-style signature (cos-wx-sdk-v5 postObject): signed headers are looked up among the
    // form fields first (they describe the object), then among the HTTP headers (host).
    const q = auth.parseAuthString(fields.get('signature') || ctx.headers.authorization);
    const headers = { ...ctx.headers, ...Object.fromEntries(fields) };
    if (fields.has('acl')) headers['x-cos-acl'] = fields.get('acl');
    auth.verifySignature({
      q,
      method: ctx.method,
      pathname: ctx.signPath,
      query: ctx.query,
      headers,
      token: fields.get('x-cos-security-token') || ctx.headers['x-cos-security-token'],
      nowSec: Math.floor(nowMs / 1000),
      lookup: ctx.server.lookupCredential,
    });
    ctx.signed = true;
  } else if (!ctx.server.anonymousAllowed(ctx.bucket, 'POST')) {
    throw err('AccessDenied');
  }
  ctx.throttle(attrs.trafficLimit);
  const file = await ctx.store.receive(stream, { maxBytes: ctx.server.opts.maxObjectSize });
  return { key, attrs, file, lengthRange };
}

// ------------------------------------------------------------------ multipart

function newUploadId(nowMs) {
  return String(Math.floor(nowMs / 1000)).padStart(10, '0') + crypto.randomBytes(32).toString('hex');
}

async function InitiateMultipartUpload(ctx) {
  checkKey(ctx.key);
  const a = bucketDefaults(ctx.bucket, writeAttributes(ctx.headers, ctx, ctx.key));
  const upload = {
    key: ctx.key,
    uploadId: newUploadId(ctx.nowMs()),
    initiated: ctx.nowMs(),
    attrs: a,
    parts: new Map(),
    state: 'open',
  };
  ctx.bucket.uploads.set(upload.uploadId, upload);
  const body = xml.doc('InitiateMultipartUploadResult', [xml.tx('Bucket', ctx.bucket.name), xml.tx('Key', ctx.key), xml.tx('UploadId', upload.uploadId)]);
  ctx.send(200, { 'Content-Type': 'application/xml', ...a.sse }, body);
}

/** The open upload named by ?uploadId= for this key, else NoSuchUpload. */
function openUpload(ctx) {
  const id = ctx.q('uploadId');
  const u = id ? ctx.bucket.uploads.get(id) : null;
  if (!u || u.key !== ctx.key || u.state !== 'open') throw err('NoSuchUpload');
  return u;
}

async function UploadPart(ctx) {
  checkKey(ctx.key);
  const pn = ctx.q('partNumber');
  if (pn === undefined || !/^\d+$/.test(pn) || Number(pn) < 1 || Number(pn) > MAX_PARTS) {
    throw err('InvalidArgument', 'partNumber must be an integer between 1 and ' + MAX_PARTS + '.');
  }
  if (!ctx.q('uploadId')) throw err('InvalidArgument', 'Upload Part needs the uploadId parameter.');
  const partNumber = Number(pn);
  const upload = openUpload(ctx);
  const len = contentLength(ctx); // COS takes no chunked parts
  if (len > MAX_PART_SIZE) throw err('EntityTooLarge');
  const expectMd5 = parseContentMd5(ctx.headers['content-md5']);
  ctx.throttle(trafficLimit(ctx.headers['x-cos-traffic-limit'] ?? ctx.q('x-cos-traffic-limit')));
  const r = await ctx.store.receive(ctx.body(), { maxBytes: MAX_PART_SIZE });
  try {
    // Aborted or completed while the body streamed: the write fails, as in-flight parts do on COS.
    if (upload.state !== 'open' || ctx.bucket.uploads.get(upload.uploadId) !== upload) throw err('NoSuchUpload');
    checkMd5(expectMd5, r.md5);
  } catch (e) {
    await ctx.store.unlink(r.path);
    throw e;
  }
  const md5 = r.md5.toString('hex');
  const part = { partNumber, size: r.size, md5: r.md5, etag: quoted(md5), crc64: r.crc, path: r.path, mtime: ctx.nowMs() };
  const old = upload.parts.get(partNumber);
  upload.parts.set(partNumber, part);
  ctx.markStored();
  if (old) ctx.store.unlink(old.path);
  ctx.send(200, { ETag: part.etag, 'x-cos-hash-crc64ecma': part.crc64.toString(), ...upload.attrs.sse });
}

function encodingType(ctx) {
  const e = ctx.q('encoding-type');
  if (e === undefined || e === '') return null;
  if (e !== 'url') throw err('InvalidArgument', 'encoding-type must be "url".');
  return e;
}

/** encoding-type=url: UrlEncode but keep "/" readable (as S3 does). */
function maybeEncode(enc, s) {
  if (!enc || s === undefined || s === null) return s;
  return auth.uriEncode(s).replace(/%2F/g, '/');
}

function intParam(ctx, name, { def, min, max, clampMax = false }) {
  const v = ctx.q(name);
  if (v === undefined || v === '') return def;
  if (!/^\d+$/.test(v)) throw err('InvalidArgument', name + ' must be an integer.');
  let n = Number(v);
  if (n < min) throw err('InvalidArgument', name + ' must be at least ' + min + '.');
  if (n > max) {
    if (!clampMax) throw err('InvalidArgument', name + ' must be at most ' + max + '.');
    n = max;
  }
  return n;
}

async function ListParts(ctx) {
  checkKey(ctx.key);
  const upload = openUpload(ctx);
  const enc = encodingType(ctx);
  const maxParts = intParam(ctx, 'max-parts', { def: 1000, min: 1, max: 1000, clampMax: true });
  const marker = intParam(ctx, 'part-number-marker', { def: 0, min: 0, max: Number.MAX_SAFE_INTEGER });
  const all = [...upload.parts.values()].sort((a, b) => a.partNumber - b.partNumber).filter((p) => p.partNumber > marker);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  const id = ownerId(ctx);
  const children = [
    xml.tx('Bucket', ctx.bucket.name),
    enc ? xml.tx('EncodingType', enc) : '',
    xml.tx('Key', maybeEncode(enc, upload.key)),
    xml.tx('UploadId', upload.uploadId),
    xml.el('Initiator', xml.initiator(ctx.server.opts.uin)),
    xml.el('Owner', xml.owner(id)),
    xml.tx('PartNumberMarker', String(marker)),
    ...page.map((p) => xml.el('Part', [xml.tx('PartNumber', String(p.partNumber)), xml.tx('LastModified', isoTime(p.mtime)), xml.tx('ETag', p.etag), xml.tx('Size', String(p.size))])),
    truncated ? xml.tx('NextPartNumberMarker', String(page[page.length - 1].partNumber)) : '',
    xml.tx('StorageClass', upload.attrs.storageClass),
    xml.tx('MaxParts', String(maxParts)),
    xml.tx('IsTruncated', truncated ? 'true' : 'false'),
  ];
  ctx.send(200, { 'Content-Type': 'application/xml' }, xml.doc('ListPartsResult', children));
}

/** Read a small request body (Complete XML) with a hard size cap. */
async function readSmallBody(ctx, limit) {
  const chunks = [];
  let size = 0;
  for await (const c of ctx.body()) {
    size += c.length;
    if (size > limit) throw err('XMLSizeLimit');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function CompleteMultipartUpload(ctx) {
  checkKey(ctx.key);
  // Validation order: docs/wire-format.md#complete-multipart-upload.
  const upload = openUpload(ctx);
  const bodyMd5 = parseContentMd5(ctx.headers['content-md5']);
  const body = await readSmallBody(ctx, COMPLETE_BODY_LIMIT);
  checkMd5(bodyMd5, crypto.createHash('md5').update(body).digest());
  if (upload.state !== 'open' || ctx.bucket.uploads.get(upload.uploadId) !== upload) throw err('NoSuchUpload');
  const listed = xml.parseCompleteBody(body.toString('utf8'));
  for (let i = 1; i < listed.length; i++) {
    if (listed[i].partNumber <= listed[i - 1].partNumber) throw err('InvalidPartOrder');
  }
  const parts = listed.map((l) => {
    const p = upload.parts.get(l.partNumber);
    if (!p || unquote(p.etag) !== unquote(l.etag)) throw err('InvalidPart', 'Part ' + l.partNumber + ' was not uploaded or its ETag does not match.');
    return p;
  });
  if (ctx.server.opts.consecutiveParts) {
    parts.forEach((p, i) => {
      if (p.partNumber !== i + 1) throw err('InvalidPart', 'Part numbers must be consecutive from 1; part ' + (i + 1) + ' is missing.');
    });
  }
  const min = ctx.server.opts.minPartSize;
  for (let i = 0; i < parts.length - 1; i++) {
    if (parts[i].size < min) throw err('EntityTooSmall', 'Part ' + parts[i].partNumber + ' is ' + parts[i].size + ' bytes; every part except the last must be at least ' + min + ' bytes.');
  }
  const forbid = upload.attrs.forbidOverwrite || String(ctx.headers['x-cos-forbid-overwrite'] || '').toLowerCase() === 'true';
  if (forbid && ctx.bucket.objects.has(ctx.key)) throw err('FileAlreadyExists');

  const fault = ctx.fault || {};
  let crc = 0n;
  let size = 0;
  for (const p of parts) {
    crc = combine(crc, p.crc64, p.size);
    size += p.size;
  }
  const etagHex = crypto.createHash('md5').update(Buffer.concat(parts.map((p) => p.md5))).digest('hex');
  const etag = '"' + etagHex + '-' + parts.length + '"';

  // From here on the status line is out: failures can only be reported as 200 + <Error>, as COS does.
  upload.state = 'completing';
  const versionId = ctx.bucket.versioning === 'Enabled' ? ctx.store.constructor.newVersionId() : undefined;
  ctx.writeHead(200, { 'Content-Type': 'application/xml', 'x-cos-hash-crc64ecma': crc.toString(), ...upload.attrs.sse, ...(versionId ? { 'x-cos-version-id': versionId } : {}) });
  const res = ctx.res;
  for (let i = 0; i < fault.whitespaceChunks; i++) {
    res.write(' \n');
    await sleep(20);
  }
  if (fault.completeError) {
    upload.state = 'open';
    return res.end(ctx.errorBody(fault.completeError.code, fault.completeError.message));
  }
  // Merging = hashing the parts for the object's MD5; keep the connection alive if it takes long.
  const keepAlive = setInterval(() => res.write(' '), 1000);
  let md5;
  try {
    md5 = (await ctx.store.md5OfSegments(parts)).digest('hex');
  } catch {
    upload.state = 'open';
    return res.end(ctx.errorBody('InternalError', 'Merging the parts failed.'));
  } finally {
    clearInterval(keepAlive);
  }
  const obj = newObject(ctx.key, upload.attrs, { size, md5, crc64: crc, etag, versionId, segments: parts.map((p) => ({ path: p.path, size: p.size })) }, ctx.nowMs());
  ctx.store.putObject(ctx.bucket, obj);
  ctx.store.disposeUpload(ctx.bucket, upload, new Set(parts));
  upload.state = 'completed';
  res.end(xml.doc('CompleteMultipartUploadResult', [
    xml.tx('Location', ctx.location(ctx.key)),
    xml.tx('Bucket', ctx.bucket.name),
    xml.tx('Key', ctx.key),
    xml.tx('ETag', etag),
  ], xml.COMPLETE_NS));
}

async function AbortMultipartUpload(ctx) {
  checkKey(ctx.key);
  const upload = openUpload(ctx);
  upload.state = 'aborted';
  ctx.store.disposeUpload(ctx.bucket, upload);
  ctx.send(204, {});
}

async function ListMultipartUploads(ctx) {
  const enc = encodingType(ctx);
  const prefix = ctx.q('prefix') || '';
  const delimiter = ctx.q('delimiter') || '';
  const keyMarker = ctx.q('key-marker') || '';
  const idMarker = keyMarker ? ctx.q('upload-id-marker') || '' : '';
  const max = intParam(ctx, 'max-uploads', { def: 1000, min: 1, max: 1000 });
  const all = [...ctx.bucket.uploads.values()]
    .filter((u) => u.state === 'open' && u.key.startsWith(prefix))
    .filter((u) => !keyMarker || u.key > keyMarker || (idMarker && u.key === keyMarker && u.uploadId > idMarker))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.uploadId < b.uploadId ? -1 : 1));
  const entries = []; // {upload} | {prefix}
  let truncated = false;
  for (const u of all) {
    let cp = null;
    if (delimiter) {
      const i = u.key.indexOf(delimiter, prefix.length);
      if (i >= 0) cp = u.key.slice(0, i + delimiter.length);
    }
    if (cp) {
      if (keyMarker && cp <= keyMarker) continue; // this prefix was returned on an earlier page
      if (entries.length && entries[entries.length - 1].prefix === cp) continue;
    }
    if (entries.length === max) {
      truncated = true;
      break;
    }
    entries.push(cp ? { prefix: cp } : { upload: u });
  }
  const last = entries[entries.length - 1];
  const id = ownerId(ctx);
  const children = [
    xml.tx('Bucket', ctx.bucket.name),
    enc ? xml.tx('EncodingType', enc) : '',
    xml.tx('KeyMarker', maybeEncode(enc, keyMarker)),
    xml.tx('UploadIdMarker', idMarker),
    xml.tx('NextKeyMarker', truncated ? maybeEncode(enc, last.upload ? last.upload.key : last.prefix) : ''),
    xml.tx('NextUploadIdMarker', truncated && last.upload ? last.upload.uploadId : ''),
    xml.tx('MaxUploads', String(max)),
    xml.tx('IsTruncated', truncated ? 'true' : 'false'),
    xml.tx('Prefix', maybeEncode(enc, prefix)),
    xml.tx('Delimiter', maybeEncode(enc, delimiter)),
    ...entries.filter((e) => e.upload).map(({ upload: u }) => xml.el('Upload', [
      xml.tx('Key', maybeEncode(enc, u.key)),
      xml.tx('UploadId', u.uploadId),
      xml.tx('StorageClass', u.attrs.storageClass),
      xml.el('Initiator', xml.initiator(ctx.server.opts.uin)),
      xml.el('Owner', xml.owner(id)),
      xml.tx('Initiated', isoTime(u.initiated)),
    ])),
    ...entries.filter((e) => e.prefix).map((e) => xml.el('CommonPrefixes', xml.tx('Prefix', maybeEncode(enc, e.prefix)))),
  ];
  ctx.send(200, { 'Content-Type': 'application/xml' }, xml.doc('ListMultipartUploadsResult', children));
}

const OPS = {
  PutObject,
  PostObject,
  AppendObject,
  HeadObject,
  GetObject,
  DeleteObject,
  HeadBucket,
  InitiateMultipartUpload,
  UploadPart,
  ListParts,
  CompleteMultipartUpload,
  AbortMultipartUpload,
  ListMultipartUploads,
};

module.exports = {
  OPS, CosError, STORAGE_CLASSES, COLD, parseRange, writeAttributes, checkKey, quoted, unquote, isoTime, objectHeaders, newObject,
  findObject, readable, versionHeader, bucketDefaults, preconditions, parseContentMd5, checkMd5, readSmallBody, encodingType, maybeEncode, intParam, ownerId, contentLength, trafficLimit, openUpload, MAX_PARTS,
};
