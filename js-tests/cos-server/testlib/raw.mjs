// Raw-HTTP helpers for the server's own tests: an independent COS signer (written from docs/wire-format.md#signing-steps,
// sharing no code with the server), a request function that talks to 127.0.0.1 with any Host
// header, and small parsers.
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import { patternBytes } from '../../suites/data.mjs';

const require = createRequire(import.meta.url);
export const { startCosServer, localhostAgent } = require('../index.js');

export const SID = 'AKIDLOCALTESTKEY0000000000000000000';
export const SKEY = 'LocalTestSecretKey000000000000000';
export const BUCKET = 'examplebucket-1250000000';
export const REGION = 'ap-guangzhou';
export const MiB = 1024 * 1024;

export function md5hex(b) {
  return crypto.createHash('md5').update(b).digest('hex');
}
export function md5b64(b) {
  return crypto.createHash('md5').update(b).digest('base64');
}

/** UrlEncode (docs/wire-format.md#encoding). */
export function enc(s) {
  return encodeURIComponent(String(s)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const hmac = (k, m) => crypto.createHmac('sha1', k).update(m).digest('hex');
const sha1 = (m) => crypto.createHash('sha1').update(m).digest('hex');

/**
 * Build an Authorization value. `query`/`headers` are plain objects of what to sign (names as sent).
 * Returns the q-* string.
 */
export function sign({ secretId = SID, secretKey = SKEY, method, path, query = {}, headers = {}, keyTime, signTime }) {
  const canon = (obj) => {
    const entries = Object.entries(obj).map(([k, v]) => [enc(k).toLowerCase(), enc(v == null ? '' : v)]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { list: entries.map((e) => e[0]).join(';'), str: entries.map((e) => e[0] + '=' + e[1]).join('&') };
  };
  const q = canon(query);
  const h = canon(headers);
  const st = signTime || keyTime;
  const httpString = method.toLowerCase() + '\n' + path + '\n' + q.str + '\n' + h.str + '\n';
  const sig = hmac(hmac(secretKey, keyTime), 'sha1\n' + st + '\n' + sha1(httpString) + '\n');
  return 'q-sign-algorithm=sha1&q-ak=' + secretId + '&q-sign-time=' + st + '&q-key-time=' + keyTime + '&q-header-list=' + h.list + '&q-url-param-list=' + q.list + '&q-signature=' + sig;
}

export function keyTimeNow(offsetMs = 0, span = 900) {
  const now = Math.floor((Date.now() + offsetMs) / 1000) - 1;
  return now + ';' + (now + span);
}

export function hostOf(server, bucket = BUCKET, region = REGION) {
  return bucket + '.cos.' + region + '.localhost:' + server.port;
}

export function objectPath(key) {
  return '/' + enc(key).replace(/%2F/g, '/');
}

export function queryString(query) {
  return Object.entries(query).map(([k, v]) => (v === '' || v === null || v === undefined ? encodeURIComponent(k) : encodeURIComponent(k) + '=' + encodeURIComponent(v))).join('&');
}

/**
 * One HTTP exchange with 127.0.0.1:port. `body` may be a Buffer/string or an async iterable.
 * Resolves {status, headers, body, text}.
 */
export function request(port, { method = 'GET', path = '/', headers = {}, body, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body: b, text: b.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    if (body === undefined || body === null) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      (async () => {
        for await (const c of body) if (!req.write(c)) await new Promise((r) => req.once('drain', r));
        req.end();
      })().catch((e) => req.destroy(e));
    }
  });
}

/**
 * A signed (or not) COS request against a bucket virtual host.
 * @param {object} o
 * @param {string} o.key     object key (decoded); '' for bucket-level
 * @param {object} [o.query] sub-resources/params; all signed unless `unsignedQuery`
 * @param {object} [o.headers] request headers; all signed (plus host) unless listed in `unsigned`
 * @param {boolean|object} [o.auth] false = anonymous; object = overrides for sign(); 'query' = pre-signed URL
 */
export async function cos(server, { method = 'GET', key = '', query = {}, headers = {}, body, auth = true, unsigned = [], host, token, keyTime, bucket, region, timeoutMs }) {
  const h = { Host: host || hostOf(server, bucket, region), ...headers };
  if (body !== undefined && (typeof body === 'string' || Buffer.isBuffer(body)) && h['Content-Length'] === undefined && !h['Transfer-Encoding']) h['Content-Length'] = String(Buffer.byteLength(body));
  if (token) h['x-cos-security-token'] = token;
  const path = objectPath(key);
  let qs = queryString(query);
  if (auth) {
    const signed = {};
    for (const [k, v] of Object.entries(h)) if (!unsigned.map((u) => u.toLowerCase()).includes(k.toLowerCase()) && k.toLowerCase() !== 'x-cos-security-token') signed[k] = v;
    const a = sign({ method, path: decodeURIComponent(path), query, headers: signed, keyTime: keyTime || keyTimeNow(server.clockOffset), ...(typeof auth === 'object' ? auth : {}) });
    if (auth === 'query' || (typeof auth === 'object' && auth.inQuery)) {
      qs = (qs ? qs + '&' : '') + a.split('&').map((p) => { const i = p.indexOf('='); return p.slice(0, i) + '=' + encodeURIComponent(p.slice(i + 1)); }).join('&');
      if (token) qs += '&x-cos-security-token=' + encodeURIComponent(token);
      delete h['x-cos-security-token'];
    } else {
      h.Authorization = a;
    }
  }
  return request(server.port, { method, path: path + (qs ? '?' + qs : ''), headers: h, body, timeoutMs });
}

/** Send exact bytes on a socket; resolves with everything the server wrote until it closes or `waitMs` passes. */
export function rawSocket(port, text, waitMs = 500) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.write(text);
    setTimeout(() => s.end(), waitMs);
  });
}

export function xmlValue(text, name) {
  const m = new RegExp('<' + name + '>([\\s\\S]*?)</' + name + '>').exec(text);
  return m ? m[1] : undefined;
}

export function xmlValues(text, name) {
  return [...text.matchAll(new RegExp('<' + name + '>([\\s\\S]*?)</' + name + '>', 'g'))].map((m) => m[1]);
}

export function unescapeXml(s) {
  return s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Code of an XML error response. */
export function code(res) {
  return xmlValue(res.text, 'Code');
}

/** Deterministic bytes (xorshift), the shared suites' patternBytes as a Buffer. */
export function pattern(size, seed = 1) {
  const bytes = patternBytes(size, seed);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Build a multipart/form-data body from [[name, value]] and a file part ({name, filename, content, type}) at `fileAt`. */
export function formData(fields, file, { boundary = '----cosform' + crypto.randomBytes(6).toString('hex'), fileAt = 'end', extraFiles = [] } = {}) {
  const parts = [];
  const field = ([k, v]) => Buffer.from('--' + boundary + '\r\nContent-Disposition: form-data; name="' + k + '"\r\n\r\n' + v + '\r\n');
  const filePart = (f) => Buffer.concat([
    Buffer.from('--' + boundary + '\r\nContent-Disposition: form-data; name="' + (f.name || 'file') + '"; filename="' + (f.filename || 'blob') + '"\r\nContent-Type: ' + (f.type || 'application/octet-stream') + '\r\n\r\n'),
    Buffer.from(f.content),
    Buffer.from('\r\n'),
  ]);
  const list = fields.map(field);
  if (file && fileAt === 'start') parts.push(filePart(file), ...list);
  else if (file && typeof fileAt === 'number') parts.push(...list.slice(0, fileAt), filePart(file), ...list.slice(fileAt));
  else parts.push(...list, ...(file ? [filePart(file)] : []));
  for (const f of extraFiles) parts.push(filePart(f));
  parts.push(Buffer.from('--' + boundary + '--\r\n'));
  return { body: Buffer.concat(parts), contentType: 'multipart/form-data; boundary=' + boundary };
}

/** POST policy fields (docs/wire-format.md#post-object-policy; the q-signature computed here, independently). */
export function policyFields({ secretId = SID, secretKey = SKEY, keyTime, conditions, expiration, policyText }) {
  const policy = policyText || JSON.stringify({ expiration, conditions });
  const sig = hmac(hmac(secretKey, keyTime), sha1(policy));
  return [
    ['policy', Buffer.from(policy).toString('base64')],
    ['q-sign-algorithm', 'sha1'],
    ['q-ak', secretId],
    ['q-key-time', keyTime],
    ['q-signature', sig],
  ];
}
