'use strict';
// The "no SDK" client for the loopback ceiling: node:http with a keep-alive agent, a dozen-line COS
// signer on node:crypto, bodies streamed from the file (fs read streams, 256 KiB chunks).

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');

const BUCKET = 'examplebucket-1250000000';
const REGION = 'ap-guangzhou';
const SECRET_ID = 'AKIDLOCALTESTKEY0000000000000000000';
const SECRET_KEY = 'LocalTestSecretKey000000000000000';

const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const hmac = (key, s) => crypto.createHmac('sha1', key).update(s).digest('hex');

/** COS request signature (q-sign-algorithm=sha1) over the query and the Host header. */
function sign(method, pathname, query, host) {
  const now = Math.floor(Date.now() / 1000);
  const keyTime = (now - 60) + ';' + (now + 3600);
  const qk = Object.keys(query).map((k) => k.toLowerCase()).sort();
  const lq = Object.fromEntries(Object.entries(query).map(([k, v]) => [k.toLowerCase(), v]));
  const params = qk.map((k) => enc(k) + '=' + enc(lq[k] === undefined || lq[k] === null ? '' : String(lq[k]))).join('&');
  const headers = 'host=' + enc(host);
  const httpString = method.toLowerCase() + '\n' + pathname + '\n' + params + '\n' + headers + '\n';
  const stringToSign = 'sha1\n' + keyTime + '\n' + crypto.createHash('sha1').update(httpString).digest('hex') + '\n';
  const sig = hmac(hmac(SECRET_KEY, keyTime), stringToSign);
  return 'q-sign-algorithm=sha1&q-ak=' + SECRET_ID + '&q-sign-time=' + keyTime + '&q-key-time=' + keyTime +
    '&q-header-list=host&q-url-param-list=' + qk.join(';') + '&q-signature=' + sig;
}

function request({ port, agent, method, key, query = {}, body, headers = {} }) {
  const host = BUCKET + '.cos.' + REGION + '.localhost:' + port;
  const pathname = '/' + key;
  const qs = Object.entries(query).map(([k, v]) => (v === '' ? enc(k) : enc(k) + '=' + enc(v))).join('&');
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, method, agent, path: pathname.split('/').map(enc).join('/') + (qs ? '?' + qs : ''),
      headers: { Host: host, Authorization: sign(method, pathname, query, host), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode >= 300) reject(new Error(method + ' ' + pathname + ' → ' + res.statusCode + ' ' + text));
        else resolve({ headers: res.headers, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** initiate → parts (`concurrency` in flight, each streamed from the file) → complete. */
async function rawMultipartUpload({ port, key, file, part, concurrency }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency + 2 });
  const size = fs.statSync(file).size;
  const init = await request({ port, agent, method: 'POST', key, query: { uploads: '' } });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)[1];
  const count = Math.max(1, Math.ceil(size / part));
  const etags = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const n = next++;
      const start = n * part;
      const end = Math.min(size, start + part);
      const body = fs.createReadStream(file, { start, end: end - 1, highWaterMark: 256 * 1024 });
      const r = await request({
        port, agent, method: 'PUT', key, query: { partNumber: String(n + 1), uploadId }, body,
        headers: { 'Content-Length': String(end - start) },
      });
      etags[n] = r.headers.etag;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const xml = '<CompleteMultipartUpload>' + etags.map((e, i) => '<Part><PartNumber>' + (i + 1) + '</PartNumber><ETag>' + e + '</ETag></Part>').join('') + '</CompleteMultipartUpload>';
  const done = await request({ port, agent, method: 'POST', key, query: { uploadId }, body: xml, headers: { 'Content-Type': 'application/xml' } });
  agent.destroy();
  const m = /<ETag>([^<]+)<\/ETag>/.exec(done.text);
  return { etag: m ? m[1].replace(/&quot;/g, '"') : undefined };
}

/** One simple PUT (for the many-small-objects ceiling). */
function rawPut({ port, agent, key, body }) {
  return request({ port, agent, method: 'PUT', key, body, headers: { 'Content-Length': String(body.length) } });
}

/** DELETE one object (between runs, so the server's disk does not fill up). */
async function rawDelete({ port, key }) {
  const agent = new http.Agent({ keepAlive: false });
  await request({ port, agent, method: 'DELETE', key });
}

module.exports = { BUCKET, REGION, SECRET_ID, SECRET_KEY, sign, rawMultipartUpload, rawPut, rawDelete };
