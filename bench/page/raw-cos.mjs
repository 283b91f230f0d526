// The "no SDK" browser client for the Chromium loopback ceiling: the same multipart upload
// (initiate, PUTs of File slices by XMLHttpRequest with `concurrency` in flight, complete) with a
// dozen-line signer on WebCrypto, and nothing else: no hashing, no retries, no resume.

const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (s) => new TextEncoder().encode(s);

async function hmacHex(key, text) {
  const k = await crypto.subtle.importKey('raw', utf8(key), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  return hex(await crypto.subtle.sign('HMAC', k, utf8(text)));
}

export class RawCos {
  constructor({ SecretId, SecretKey, Domain, ChunkParallelLimit, ChunkSize }) {
    Object.assign(this, { SecretId, SecretKey, Domain, concurrency: ChunkParallelLimit, part: ChunkSize });
  }

  async sign(method, pathname, query, host) {
    const now = Math.floor(Date.now() / 1000);
    const keyTime = (now - 60) + ';' + (now + 3600);
    const names = Object.keys(query).map((k) => k.toLowerCase()).sort();
    const lower = Object.fromEntries(Object.entries(query).map(([k, v]) => [k.toLowerCase(), v]));
    const params = names.map((k) => enc(k) + '=' + enc(lower[k])).join('&');
    const httpString = method.toLowerCase() + '\n' + pathname + '\n' + params + '\nhost=' + enc(host) + '\n';
    const sha = hex(await crypto.subtle.digest('SHA-1', utf8(httpString)));
    const sig = await hmacHex(await hmacHex(this.SecretKey, keyTime), 'sha1\n' + keyTime + '\n' + sha + '\n');
    return 'q-sign-algorithm=sha1&q-ak=' + this.SecretId + '&q-sign-time=' + keyTime + '&q-key-time=' + keyTime +
      '&q-header-list=host&q-url-param-list=' + names.join(';') + '&q-signature=' + sig;
  }

  async request(method, bucket, region, key, query, body) {
    const host = this.Domain.replace('{Bucket}', bucket).replace('{Region}', region);
    const qs = Object.entries(query).map(([k, v]) => (v === '' ? enc(k) : enc(k) + '=' + enc(v))).join('&');
    const auth = await this.sign(method, '/' + key, query, host);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, 'http://' + host + '/' + key.split('/').map(enc).join('/') + (qs ? '?' + qs : ''));
      xhr.setRequestHeader('Authorization', auth);
      xhr.onload = () => (xhr.status < 300 ? resolve(xhr) : reject(new Error(method + ' ' + xhr.status + ' ' + xhr.responseText)));
      xhr.onerror = () => reject(new Error(method + ' network error'));
      xhr.send(body);
    });
  }

  /** sliceUploadFile's shape, enough for bench/page/upload.html. */
  sliceUploadFile({ Bucket, Region, Key, Body }, cb) {
    (async () => {
      const init = await this.request('POST', Bucket, Region, Key, { uploads: '' });
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.responseText)[1];
      const count = Math.max(1, Math.ceil(Body.size / this.part));
      const etags = new Array(count);
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const n = next++;
          const r = await this.request('PUT', Bucket, Region, Key, { partNumber: String(n + 1), uploadId },
            Body.slice(n * this.part, Math.min(Body.size, (n + 1) * this.part)));
          etags[n] = r.getResponseHeader('ETag');
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, count) }, worker));
      const xml = '<CompleteMultipartUpload>' + etags.map((e, i) => '<Part><PartNumber>' + (i + 1) + '</PartNumber><ETag>' + e + '</ETag></Part>').join('') + '</CompleteMultipartUpload>';
      const done = await this.request('POST', Bucket, Region, Key, { uploadId }, xml);
      return { ETag: /<ETag>([^<]+)<\/ETag>/.exec(done.responseText)[1] };
    })().then((d) => cb(null, d), (e) => cb({ message: e.message }));
  }
}
