'use strict';
// A local, offline, COS-compatible HTTP server for tests: addressing, signature checks, CORS,
// the upload operations, admin endpoints, fault injection, an injectable clock.
// See README.md in this directory for the API and the fidelity decisions.
const crypto = require('node:crypto');
const dns = require('node:dns');
const http = require('node:http');
const { CosError, err } = require('./errors');
const buckets = require('./buckets');
const { Store } = require('./store');
const { Faults } = require('./faults');
const { Meter } = require('./streams');
const auth = require('./auth');
const cors = require('./cors');
const xml = require('./xml');

const { BUCKET_CONFIGS } = buckets;
// Later tables win: buckets.js answers HEAD Bucket with the region header.
const OPS = { ...require('./ops').OPS, ...require('./objects').OPS, ...buckets.OPS };

const DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  credentials: [{ secretId: 'AKIDLOCALTESTKEY0000000000000000000', secretKey: 'LocalTestSecretKey000000000000000' }],
  buckets: [{ name: 'examplebucket-1250000000', region: 'ap-guangzhou' }],
  dataDir: undefined,
  minPartSize: 1024 * 1024, // COS's minimum: 1 MB (not S3's 5 MiB)
  maxObjectSize: 5 * 1024 ** 3,
  pathStyle: 'forbid', // 'allow' | 'forbid' (403 PathStyleDomainForbidden, like buckets created after 2024-01-01)
  baseDomain: 'localhost', // virtual hosts: <bucket>.cos.<region>.<baseDomain>
  extraDomains: ['myqcloud.com', 'tencentcos.cn'], // also accepted when a test resolves real names to 127.0.0.1
  consecutiveParts: true, // Complete: part numbers must run 1..N (docs); false = S3 semantics (gaps allowed)
  appendCrc64: false, // APPEND responses carry x-cos-hash-crc64ecma (COS does not list it)
  uin: '100000000001', // Initiator in list results
  logLimit: 5000,
  quiet: false, // true: do not print unexpected internal errors (they are server bugs) on stderr
};

const ADMIN_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Max-Age': '600',
};

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Which COS action a request is (docs/wire-format.md#operations), from method, key, sub-resource and copy header. Every
 * sub-resource is its own operation, so `PUT key?acl` or `DELETE key?tagging` never touch the
 * object. Bucket configuration sub-resources come from the table in buckets.js.
 */
function detectOp(method, key, has, header) {
  if (method === 'OPTIONS') return 'OptionsObject';
  if (key) {
    switch (method) {
      case 'HEAD':
        return 'HeadObject';
      case 'GET':
        if (has('uploadId')) return 'ListParts';
        if (has('acl')) return 'GetObjectACL';
        if (has('tagging')) return 'GetObjectTagging';
        return 'GetObject';
      case 'PUT':
        if (has('partNumber') || has('uploadId')) return header('x-cos-copy-source') !== undefined ? 'UploadPartCopy' : 'UploadPart';
        if (has('acl')) return 'PutObjectACL';
        if (has('tagging')) return 'PutObjectTagging';
        return header('x-cos-copy-source') !== undefined ? 'PutObjectCopy' : 'PutObject';
      case 'POST':
        if (has('uploads')) return 'InitiateMultipartUpload';
        if (has('uploadId')) return 'CompleteMultipartUpload';
        if (has('append')) return 'AppendObject';
        if (has('restore')) return 'PostObjectRestore';
        if (has('select')) return 'SelectObjectContent';
        return 'Unsupported';
      case 'DELETE':
        if (has('uploadId')) return 'AbortMultipartUpload';
        if (has('tagging')) return 'DeleteObjectTagging';
        return 'DeleteObject';
      default:
        return 'Unsupported';
    }
  }
  const row = BUCKET_CONFIGS.find((r) => has(r.sub));
  switch (method) {
    case 'HEAD':
      return 'HeadBucket';
    case 'GET':
      if (has('uploads')) return 'ListMultipartUploads';
      if (has('versions')) return 'ListObjectVersions';
      if (has('location')) return 'GetBucketLocation';
      if (has('acl')) return 'GetBucketACL';
      if (has('inventory') && !has('id')) return 'ListBucketInventory';
      return row ? 'GetBucket' + row.name : 'GetBucket';
    case 'PUT':
      if (has('acl')) return 'PutBucketACL';
      return row ? 'PutBucket' + row.name : 'PutBucket';
    case 'DELETE':
      return row ? 'DeleteBucket' + row.name : 'DeleteBucket';
    case 'POST':
      if (has('delete')) return 'DeleteMultipleObjects';
      if (has('inventory')) return 'PostBucketInventory';
      if (has('uploads') || has('uploadId') || has('append')) return 'InitiateMultipartUpload'; // no key: InvalidURI
      return 'PostObject'; // POST Object goes to the bucket root
    default:
      return 'Unsupported';
  }
}

/**
 * A path made only of '/' and '.' segments ('//////', './') names the bucket itself, as on COS: the
 * official SDKs refuse such keys for getObject by default because COS answers them with a listing.
 */
function rootIfEmpty(key) {
  return key && key.split('/').every((seg) => seg === '' || seg === '.') ? '' : key;
}

/** Split the raw query into decoded [name, value] pairs ('+' is not a space in COS URLs). */
function parseQuery(raw) {
  const out = [];
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = i < 0 ? part : part.slice(0, i);
    const v = i < 0 ? '' : part.slice(i + 1);
    out.push([decodeURIComponent(k), decodeURIComponent(v)]);
  }
  return out;
}

/** Per-request state and response helpers handed to the operations. */
class Ctx {
  constructor(server, req, res, expectContinue) {
    this.server = server;
    this.store = server.store;
    this.req = req;
    this.res = res;
    this.method = req.method;
    this.headers = req.headers;
    this.expectContinue = expectContinue;
    this.requestId = server.nextRequestId();
    this.traceId = crypto.randomBytes(24).toString('base64');
    this.op = 'Unknown';
    this.bytesIn = 0;
    this.stored = false;
    this.logEntry = null;
    this.meter = null;
    this.fault = null;
    this.signed = false;
    this.corsRule = null;
    this.closed = false;
    this.extraErrorHeaders = null;
    res.on('close', () => {
      if (!res.writableFinished) this.closed = true;
    });
    // A client that goes away mid-body makes `req` emit 'error' (aborted); never let that crash us.
    req.on('error', () => {});
    // Anything left of a body we did not read (early errors) is drained so the client gets
    // the response and the connection can be reused.
    res.on('finish', () => {
      if (!req.complete && !req.destroyed) {
        req.unpipe();
        req.resume();
      }
    });
  }

  nowMs() {
    return this.server.now();
  }

  q(name) {
    const hit = this.query.find(([k]) => k === name);
    return hit ? hit[1] : undefined;
  }

  has(name) {
    return this.query.some(([k]) => k === name);
  }

  /** UploadPart stored its part: logged as such, also when the client left before the answer (the
   * request's log entry is made when the connection closes, which may come first). */
  markStored() {
    this.stored = true;
    if (this.logEntry) this.logEntry.stored = true;
  }

  /** The request body as a stream (counted, fault-aware, throttleable). Sends 100-continue if asked. */
  body() {
    if (this.meter) return this.meter;
    if (this.expectContinue && !this.res.headersSent) this.res.writeContinue();
    const req = this.req;
    const fault = this.fault;
    this.meter = new Meter({
      onBytes: (n) => {
        this.bytesIn += n;
        this.server.countBytes(this.op, n);
      },
      dropAfter: fault && fault.dropAfterBytes !== null ? fault.dropAfterBytes : null,
      onDrop: () => req.socket.destroy(),
    });
    const meter = this.meter;
    meter.on('error', () => {}); // consumers see errors through their own pipelines
    req.on('error', (e) => meter.destroy(e));
    req.on('close', () => {
      if (!req.complete) meter.destroy(Object.assign(new Error('client aborted the request'), { code: 'ECONNRESET' }));
    });
    req.pipe(meter);
    return meter;
  }

  /** Honour x-cos-traffic-limit (bit/s) on the request body. */
  throttle(bitsPerSecond) {
    if (bitsPerSecond) this.body().setRate(bitsPerSecond);
  }

  /** http://<host>/<encoded key> (path-style: /<bucket>/<key>). */
  location(key) {
    const path = (this.pathStyle ? '/' + this.bucket.name : '') + '/' + auth.uriEncode(key).replace(/%2F/g, '/');
    return 'http://' + (this.headers.host || this.server.hostFor(this.bucket)) + path;
  }

  writeHead(status, headers) {
    const h = {
      Date: new Date(this.nowMs()).toUTCString(),
      Server: 'tencent-cos',
      'x-cos-request-id': this.requestId,
      ...headers,
    };
    if (this.fault && this.fault.crc64 !== null) h['x-cos-hash-crc64ecma'] = this.fault.crc64;
    const origin = this.headers.origin;
    if (origin !== undefined) h.Vary = 'Origin';
    if (this.corsRule) {
      h['Access-Control-Allow-Origin'] = origin;
      const expose = [...this.corsRule.expose];
      if (this.corsRule.isDefault) for (const k of Object.keys(h)) if (/^x-cos-meta-/i.test(k)) expose.push(k);
      if (expose.length) h['Access-Control-Expose-Headers'] = expose.join(', ');
    }
    this.res.writeHead(status, h);
  }

  send(status, headers, body) {
    const buf = body === undefined ? null : Buffer.from(body);
    const h = { ...headers };
    if (buf) h['Content-Length'] = String(buf.length);
    else if (h['Content-Length'] === undefined && status !== 204 && status !== 304) h['Content-Length'] = '0';
    this.writeHead(status, h);
    if (buf && this.method !== 'HEAD') this.res.end(buf);
    else this.res.end();
  }

  errorBody(code, message) {
    return xml.errorXml({
      code,
      message,
      resource: (this.headers.host || '') + (this.rawPath || '/'),
      requestId: this.requestId,
      traceId: this.traceId,
    });
  }

  fail(e) {
    if (!(e instanceof CosError)) {
      if (!this.server.opts.quiet) console.error('cos-server: internal error', e);
      e = new CosError('InternalError', 'We encountered an internal error: ' + (e && e.message));
    }
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    const h = { 'x-cos-trace-id': this.traceId, 'Content-Type': 'application/xml', ...(this.extraErrorHeaders || {}) };
    if (this.method === 'HEAD') {
      // HEAD errors carry no body, as on COS.
      h['Content-Length'] = '0';
      this.writeHead(e.status, h);
      this.res.end();
      return;
    }
    this.send(e.status, h, this.errorBody(e.code, e.message));
  }
}

class CosServer {
  constructor(opts = {}) {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.opts = { ...DEFAULTS, ...given };
    if (opts && opts.pathStyle === true) this.opts.pathStyle = 'allow';
    if (opts && opts.pathStyle === false) this.opts.pathStyle = 'forbid';
    this.clockOffset = 0;
    this.faults = new Faults();
    this.permanent = new Map(this.opts.credentials.map((c) => [c.secretId, { secretKey: c.secretKey }]));
    this.temporary = new Map();
    this.log = [];
    this.requestSeq = 0;
    this.resetCounters();
    this.lookupCredential = (id) => this.permanent.get(id) || this.temporary.get(id) || null;
    const domains = [this.opts.baseDomain, ...(this.opts.extraDomains || [])].map((d) => d.replace(/[.]/g, '\\.'));
    this.vhostRe = new RegExp('^([a-z0-9][a-z0-9-]*)\\.cos\\.([a-z0-9-]+)\\.(?:' + domains.join('|') + ')$');
    this.serviceRe = new RegExp('^(?:service\\.cos|cos\\.([a-z0-9-]+))\\.(?:' + domains.join('|') + ')$');
  }

  async start() {
    this.store = await Store.open(this.opts.dataDir);
    for (const b of this.opts.buckets) {
      const bucket = this.store.addBucket({ ...b, corsRules: cors.normaliseRules(b.cors) }, this.now());
      // An explicit rule list is what GET ?cors reports; the default rule is not (README).
      if (b.cors !== undefined && b.cors !== null && typeof b.cors !== 'boolean') bucket.configs.set('cors', buckets.corsConfigOf(bucket.corsRules));
    }
    this.http = http.createServer({ requestTimeout: 0, headersTimeout: 60000, keepAliveTimeout: 30000, maxHeaderSize: 65536 });
    this.http.on('request', (req, res) => this.handle(req, res, false));
    this.http.on('checkContinue', (req, res) => this.handle(req, res, true));
    await new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port, this.opts.host, resolve);
    });
    this.port = this.http.address().port;
    this.url = 'http://' + (this.opts.host.includes(':') ? '[' + this.opts.host + ']' : this.opts.host) + ':' + this.port;
    return this;
  }

  async stop() {
    if (!this.http) return;
    const closed = new Promise((r) => this.http.close(r));
    this.http.closeAllConnections();
    await closed;
    this.http = null;
    await this.store.close();
  }

  now() {
    return Date.now() + this.clockOffset;
  }

  setClockOffset(ms) {
    this.clockOffset = Number(ms) || 0;
  }

  nextRequestId() {
    this.requestSeq += 1;
    return Buffer.from(Math.floor(this.now() / 1000).toString(16) + '_' + this.requestSeq.toString(16).padStart(8, '0') + '_' + crypto.randomBytes(3).toString('hex')).toString('base64');
  }

  hostFor(bucket) {
    return bucket.name + '.cos.' + bucket.region + '.' + this.opts.baseDomain + ':' + this.port;
  }

  anonymousAllowed(bucket, method) {
    // The `public` start option, or a public bucket ACL set through PUT Bucket / PUT ?acl.
    const p = bucket && (bucket.public || (bucket.acl !== 'private' && bucket.acl));
    if (p === true || p === 'read-write' || p === 'public-read-write') return true;
    if (p === 'read' || p === 'public-read') return method === 'GET' || method === 'HEAD';
    return false;
  }

  /** An object's own public-read ACL (x-cos-acl or PUT ?acl) lets anyone GET / HEAD it. */
  objectPublic(ctx) {
    if (!ctx.bucket || !ctx.key || (ctx.op !== 'GetObject' && ctx.op !== 'HeadObject')) return false;
    const o = ctx.bucket.objects.get(ctx.key);
    if (!o) return false;
    if (o.aclGrants) return o.aclGrants.some((g) => g.uri === 'http://cam.qcloud.com/groups/global/AllUsers' && (g.permission === 'READ' || g.permission === 'FULL_CONTROL'));
    return o.acl === 'public-read' || o.acl === 'public-read-write';
  }

  // ---------------------------------------------------------------- counters, log, faults, keys

  resetCounters() {
    this.stats = { total: 0, requests: {}, bytes: {} };
  }

  counters() {
    return JSON.parse(JSON.stringify(this.stats));
  }

  count(op) {
    this.stats.total += 1;
    this.stats.requests[op] = (this.stats.requests[op] || 0) + 1;
    this.stats.bytes[op] = this.stats.bytes[op] || 0;
  }

  countBytes(op, n) {
    this.stats.bytes[op] = (this.stats.bytes[op] || 0) + n;
  }

  requestLog() {
    return this.log.slice();
  }

  addFault(f) {
    return this.faults.add(f);
  }

  clearFaults() {
    this.faults.clear();
  }

  issueTempKeys({ durationSeconds = 1800 } = {}) {
    const start = Math.floor(this.now() / 1000);
    const keys = {
      TmpSecretId: 'AKIDTMP' + crypto.randomBytes(21).toString('base64url').replace(/[-_]/g, 'x'),
      TmpSecretKey: crypto.randomBytes(24).toString('base64url').replace(/[-_]/g, 'y'),
      SecurityToken: crypto.randomBytes(96).toString('base64url'),
      StartTime: start,
      ExpiredTime: start + Number(durationSeconds),
    };
    this.temporary.set(keys.TmpSecretId, { secretKey: keys.TmpSecretKey, token: keys.SecurityToken, expiredTime: keys.ExpiredTime });
    return keys;
  }

  objects(bucketName, prefix = '') {
    const b = this.store && this.store.buckets.get(bucketName);
    if (!b) return [];
    return [...b.objects.values()]
      .filter((o) => o.key.startsWith(prefix || ''))
      .sort((a, c) => (a.key < c.key ? -1 : 1))
      .map((o) => ({
        key: o.key,
        size: o.size,
        md5: o.md5,
        crc64: o.crc64.toString(),
        etag: o.etag,
        type: o.type,
        headers: { ...o.headers },
        meta: { ...o.meta },
        storageClass: o.storageClass,
        acl: o.acl,
        grants: { ...o.grants },
        tagging: o.tagging,
        sse: { ...o.sse },
        lastModified: new Date(o.mtime).toISOString(),
        segments: o.segments.length,
        versionId: o.versionId || 'null',
        restore: o.restore ? { tier: o.restore.tier, expiry: new Date(o.restore.expiry).toISOString() } : undefined,
      }));
  }

  uploads(bucketName) {
    const b = this.store && this.store.buckets.get(bucketName);
    if (!b) return [];
    return [...b.uploads.values()]
      .filter((u) => u.state === 'open')
      .sort((a, c) => (a.key < c.key ? -1 : a.key > c.key ? 1 : a.initiated - c.initiated))
      .map((u) => ({
        key: u.key,
        uploadId: u.uploadId,
        initiated: new Date(u.initiated).toISOString(),
        storageClass: u.attrs.storageClass,
        headers: { ...u.attrs.headers },
        meta: { ...u.attrs.meta },
        parts: [...u.parts.values()].sort((x, y) => x.partNumber - y.partNumber).map((p) => ({ partNumber: p.partNumber, size: p.size, etag: p.etag, crc64: p.crc64.toString() })),
      }));
  }

  // ---------------------------------------------------------------- request handling

  async handle(req, res, expectContinue) {
    const ctx = new Ctx(this, req, res, expectContinue);
    const started = Date.now();
    const url = req.url || '/';
    const qi = url.indexOf('?');
    ctx.rawPath = qi < 0 ? url : url.slice(0, qi);
    const hostname = String(req.headers.host || '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
    const vhost = this.vhostRe.exec(hostname);

    if (!vhost && (ctx.rawPath === '/sts' || ctx.rawPath === '/_admin' || ctx.rawPath.startsWith('/_admin/'))) {
      return this.admin(ctx, qi < 0 ? '' : url.slice(qi + 1)).catch((e) => this.adminError(ctx, e));
    }

    let routeError = null;
    let path = '/';
    try {
      ctx.query = parseQuery(qi < 0 ? '' : url.slice(qi + 1));
      path = decodeURIComponent(ctx.rawPath);
    } catch {
      ctx.query = ctx.query || [];
      routeError = err('InvalidURI');
    }
    ctx.signPath = path;
    const has = (n) => ctx.has(n);
    const header = (n) => req.headers[n];
    const service = !vhost && this.serviceRe.exec(hostname);
    let bucketName;
    if (!vhost && path === '/' && (service || this.opts.pathStyle === 'allow')) {
      // GET Service: service.cos.<domain> (all regions) or cos.<region>.<domain>.
      ctx.key = '';
      ctx.serviceRegion = service ? service[1] : undefined;
      ctx.op = req.method === 'OPTIONS' ? 'OptionsObject' : req.method === 'GET' && path === '/' ? 'GetService' : 'Unsupported';
    } else if (vhost) {
      bucketName = vhost[1];
      ctx.key = rootIfEmpty(path.slice(1));
      ctx.op = detectOp(req.method, ctx.key, has, header);
      const b = this.store.buckets.get(bucketName);
      if (b && b.region === vhost[2]) ctx.bucket = b;
      else if (ctx.op === 'PutBucket') ctx.newBucket = { name: bucketName, region: vhost[2], exists: !!b };
      // A preflight for a bucket that does not exist yet gets the default rule, so that a browser
      // can create one (README: fidelity choices).
      else if (ctx.op !== 'OptionsObject') routeError = routeError || err('NoSuchBucket');
    } else {
      // Path-style: /<bucket>/<key> on any other host.
      ctx.pathStyle = true;
      const rest = path.slice(1);
      const i = rest.indexOf('/');
      bucketName = i < 0 ? rest : rest.slice(0, i);
      ctx.key = i < 0 ? '' : rootIfEmpty(rest.slice(i + 1));
      ctx.op = detectOp(req.method, ctx.key, has, header);
      const b = this.store.buckets.get(bucketName);
      // PUT Bucket path-style: the region comes from a cos.<region>.<domain> host, else the first bucket's.
      const region = (service && service[1]) || this.opts.buckets[0].region;
      if (this.opts.pathStyle !== 'allow' && (b || ctx.op === 'PutBucket')) routeError = routeError || err('PathStyleDomainForbidden');
      else if (b) ctx.bucket = b;
      else if (ctx.op === 'PutBucket') ctx.newBucket = { name: bucketName, region, exists: false };
      else routeError = routeError || err('NoSuchBucket');
    }
    this.count(ctx.op);
    res.on('close', () => {
      ctx.logEntry = {
        op: ctx.op,
        method: req.method,
        url,
        status: res.writableFinished ? res.statusCode : 0,
        headers: { ...req.headers },
        bytes: ctx.bytesIn,
        stored: ctx.stored,
        ms: Date.now() - started,
        requestId: ctx.requestId,
      };
      this.log.push(ctx.logEntry);
      if (this.log.length > this.opts.logLimit) this.log.splice(0, this.log.length - this.opts.logLimit);
    });

    try {
      // CORS headers for the actual response (also on errors, so browsers can read them).
      const rules = ctx.bucket ? ctx.bucket.corsRules : [cors.DEFAULT_RULE];
      if (req.headers.origin !== undefined && ctx.op !== 'OptionsObject') ctx.corsRule = cors.matchActual(rules, req.headers.origin, req.method);

      const fault = this.faults.take(ctx.op);
      ctx.fault = fault;
      if (fault) {
        if (fault.delayMs) {
          await sleep(fault.delayMs);
          if (ctx.closed) return;
        }
        if (fault.stall) {
          req.resume(); // accept the body, never answer
          return;
        }
        if (fault.dropAfterBytes !== null) {
          ctx.body().resume(); // the meter destroys the socket at the threshold (or at the end)
          return;
        }
        if (fault.respond) return this.respondRaw(ctx, fault.respond);
        if (fault.error) throw new CosError(fault.error.code, fault.error.message, fault.error.status);
      }
      if (routeError) throw routeError;
      if (ctx.op === 'OptionsObject') return this.preflight(ctx, rules);
      const handler = OPS[ctx.op];
      if (!handler) throw err('MethodNotAllowed');
      if (ctx.op !== 'PostObject') this.authenticate(ctx);
      await handler(ctx);
    } catch (e) {
      if (ctx.closed) return;
      ctx.fail(e);
    }
  }

  /**
   * Fault `respond`: exactly the given status, headers and body (no Date, Server, request id or
   * CORS headers); Content-Length is the body's unless the fault gives one (or Transfer-Encoding).
   * `close` destroys the connection once the body is written, so a larger Content-Length makes a
   * truncated response. The request body is not read.
   */
  respondRaw(ctx, r) {
    const { res } = ctx;
    const h = { ...r.headers };
    const names = Object.keys(h).map((k) => k.toLowerCase());
    if (!names.includes('content-length') && !names.includes('transfer-encoding')) h['Content-Length'] = String(r.body.length);
    res.sendDate = false;
    res.writeHead(r.status, h);
    const body = ctx.method === 'HEAD' ? Buffer.alloc(0) : r.body;
    if (r.close) {
      res.write(body, () => res.destroy());
      return;
    }
    res.end(body);
  }

  /** Header or query-string signature (docs/wire-format.md#verification); anonymous only on public buckets. */
  authenticate(ctx) {
    const h = ctx.headers;
    let q = null;
    if (h.authorization !== undefined) {
      q = auth.parseAuthString(h.authorization);
    } else if (ctx.query.some(([k]) => /^q-/i.test(k))) {
      q = {};
      for (const [k, v] of ctx.query) if (/^q-/i.test(k) && q[k.toLowerCase()] === undefined) q[k.toLowerCase()] = v;
    } else if (ctx.has('sign')) {
      const sign = ctx.q('sign');
      if (!/^q-/i.test(sign) && ctx.bucket && auth.verifyV4Sign({ sign, bucket: ctx.bucket.name, key: ctx.key, nowSec: Math.floor(this.now() / 1000), lookup: this.lookupCredential })) {
        ctx.signed = true;
        return;
      }
      q = auth.parseAuthString(sign);
    }
    if (!q) {
      if (this.anonymousAllowed(ctx.bucket, ctx.method) || this.objectPublic(ctx)) return;
      throw err('AccessDenied');
    }
    auth.verifySignature({
      q,
      method: ctx.method,
      pathname: ctx.signPath,
      query: ctx.query,
      headers: h,
      token: h['x-cos-security-token'] ?? ctx.q('x-cos-security-token'),
      nowSec: Math.floor(this.now() / 1000),
      lookup: this.lookupCredential,
    });
    ctx.signed = true;
  }

  /** OPTIONS Object (CORS preflight): unsigned; 403 when no rule matches. */
  preflight(ctx, rules) {
    const origin = ctx.headers.origin;
    const method = ctx.headers['access-control-request-method'];
    if (!origin || !method) throw err('InvalidRequest', 'Insufficient information. Origin and Access-Control-Request-Method are required.');
    const reqHeaders = String(ctx.headers['access-control-request-headers'] || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const rule = cors.matchPreflight(rules, origin, method, reqHeaders);
    if (!rule) throw err('AccessDenied', 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.');
    const h = {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': rule.methods.join(','),
      Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    };
    if (reqHeaders.length) h['Access-Control-Allow-Headers'] = ctx.headers['access-control-request-headers'];
    if (rule.expose.length) h['Access-Control-Expose-Headers'] = rule.expose.join(', ');
    if (rule.maxAge) h['Access-Control-Max-Age'] = String(rule.maxAge);
    ctx.send(200, h);
  }

  // ---------------------------------------------------------------- admin endpoints

  async admin(ctx, rawQuery) {
    const { req, res } = ctx;
    const params = new URLSearchParams(rawQuery);
    const json = (status, value) => {
      const body = Buffer.from(JSON.stringify(value === undefined ? { ok: true } : value));
      res.writeHead(status, { ...ADMIN_CORS, 'Content-Type': 'application/json', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, ADMIN_CORS);
      return res.end();
    }
    const readJson = async () => {
      let s = '';
      for await (const c of req) {
        s += c;
        if (s.length > 1 << 20) throw new Error('admin body too large');
      }
      return s.trim() ? JSON.parse(s) : {};
    };
    const p = ctx.rawPath;
    const route = req.method + ' ' + p;
    switch (route) {
      case 'GET /_admin':
      case 'GET /_admin/':
        return json(200, { url: this.url, port: this.port, baseDomain: this.opts.baseDomain, buckets: [...this.store.buckets.values()].map((b) => ({ name: b.name, region: b.region, host: this.hostFor(b) })), pathStyle: this.opts.pathStyle, minPartSize: this.opts.minPartSize });
      case 'GET /_admin/counters':
        return json(200, this.counters());
      case 'POST /_admin/counters/reset':
        this.resetCounters();
        return json(200);
      case 'POST /_admin/faults':
        return json(200, { ok: true, fault: this.addFault(await readJson()) });
      case 'GET /_admin/faults':
        return json(200, this.faults.describe());
      case 'POST /_admin/faults/clear':
        this.clearFaults();
        return json(200);
      case 'POST /_admin/clock': {
        const b = await readJson();
        this.setClockOffset(b.offsetMs);
        return json(200, { ok: true, offsetMs: this.clockOffset });
      }
      case 'GET /_admin/objects':
        return json(200, this.objects(params.get('bucket') || this.opts.buckets[0].name, params.get('prefix') || ''));
      case 'GET /_admin/uploads':
        return json(200, this.uploads(params.get('bucket') || this.opts.buckets[0].name));
      case 'GET /_admin/requests':
        return json(200, this.requestLog());
      case 'GET /sts':
      case 'POST /sts':
        return json(200, this.issueTempKeys({ durationSeconds: Number(params.get('durationSeconds')) || undefined }));
      default:
        return json(404, { error: 'no such admin endpoint: ' + route });
    }
  }

  adminError(ctx, e) {
    if (ctx.res.headersSent) return ctx.res.destroy();
    const body = JSON.stringify({ error: String(e && e.message) });
    ctx.res.writeHead(400, { ...ADMIN_CORS, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    ctx.res.end(body);
  }
}

/**
 * Start a server. Resolves to an object with port, url, stop() and the inspection/fault API
 * (counters, resetCounters, addFault, clearFaults, setClockOffset, objects, uploads, requestLog,
 * issueTempKeys). See README.md.
 */
async function startCosServer(opts = {}) {
  const s = new CosServer(opts);
  await s.start();
  return s;
}

/**
 * A keep-alive http.Agent that resolves localhost and every *.localhost name to 127.0.0.1
 * (Node's resolver does not), for talking to virtual-host bucket URLs from Node.
 */
function localhostAgent(options = {}) {
  const lookup = (hostname, opts, cb) => {
    if (typeof opts === 'function') {
      cb = opts;
      opts = {};
    }
    const h = String(hostname).toLowerCase().replace(/\.$/, '');
    if (h === 'localhost' || h.endsWith('.localhost')) {
      if (opts && opts.all) return cb(null, [{ address: '127.0.0.1', family: 4 }]);
      return cb(null, '127.0.0.1', 4);
    }
    return dns.lookup(hostname, opts, cb);
  };
  return new http.Agent({ keepAlive: true, ...options, lookup });
}

module.exports = { startCosServer, localhostAgent, CosServer, DEFAULTS };
