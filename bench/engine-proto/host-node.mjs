// Node host for driver.mjs: requests with node:http(s), bodies and hashes read from a file by range.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export function nodeHost(path, agent) {
  return {
    send({ method, url, headers, body }, onSent) {
      let req;
      const done = new Promise((resolve, reject) => {
        const u = new URL(url);
        req = (u.protocol === 'https:' ? https : http).request(u, { method, headers, agent }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({
            status: res.statusCode,
            headers: Object.entries(res.headers).map(([k, v]) => k + ': ' + v).join('\n'),
            body: Buffer.concat(chunks),
          }));
        });
        req.on('error', reject);
        if (body && body.start !== undefined && body.end > body.start) {
          let sent = 0;
          const s = fs.createReadStream(path, { start: body.start, end: body.end - 1, highWaterMark: 256 << 10 });
          s.on('data', (c) => { sent += c.length; onSent(sent); });
          s.on('error', reject);
          s.pipe(req);
        } else req.end(body && body.length ? body : undefined);
      });
      return { done, abort: () => req.destroy() };
    },
    async read(start, end, f) {
      if (end > start) for await (const c of fs.createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 })) f(c);
    },
  };
}
