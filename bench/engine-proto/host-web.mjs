// Browser host for driver.mjs (measured for size in measure.sh; the end-to-end run uses host-node.mjs):
// XHR with upload progress, Blob slices as bodies, ranges hashed through Blob.stream().
export { upload } from './driver.mjs';

export const load = (url) => WebAssembly.instantiateStreaming(fetch(url)).then((r) => r.instance.exports);

export function webHost(blob) {
  return {
    send({ method, url, headers, body }, onSent) {
      const x = new XMLHttpRequest();
      const done = new Promise((resolve, reject) => {
        x.open(method, url);
        for (const k in headers) if (k !== 'Host' && k !== 'Content-Length') x.setRequestHeader(k, headers[k]);
        x.responseType = 'arraybuffer';
        x.upload.onprogress = (e) => onSent(e.loaded);
        x.onload = () => resolve({
          status: x.status,
          headers: x.getAllResponseHeaders().trim().split(/\r\n/).map((l) => {
            const i = l.indexOf(':');
            return l.slice(0, i).toLowerCase() + ': ' + l.slice(i + 1).trim();
          }).join('\n'),
          body: new Uint8Array(x.response),
        });
        x.onerror = x.ontimeout = x.onabort = reject;
        x.send(body && body.start !== undefined ? blob.slice(body.start, body.end) : body);
      });
      return { done, abort: () => x.abort() };
    },
    async read(start, end, f) {
      const r = blob.slice(start, end).stream().getReader();
      for (;;) {
        const { done, value } = await r.read();
        if (done) return;
        f(value);
      }
    },
  };
}
