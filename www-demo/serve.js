#!/usr/bin/env node
// The demo's servers: the local COS server (signature checks, multipart, CORS, /sts) and a static
// server for this folder, the built package at /cos-wasm/ and the page's defaults at /config.json.
//
//   node www-demo/serve.js [--port 8080] [--cos-port 8081] [--host 127.0.0.1]
//
// Tests import it: `const { start } = require('www-demo/serve.js'); const demo = await start({port: 0});`
// gives `{url, port, cosServer, config, close}`.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DEMO_DIR = __dirname;
const PKG_DIR = path.join(ROOT, 'pkg');

/** The local server's only account and bucket. Test keys: they open nothing but this local server. */
const LOCAL = {
  secretId: 'AKIDLOCALTESTKEY0000000000000000000',
  secretKey: 'LocalTestSecretKey000000000000000',
  bucket: 'examplebucket-1250000000',
  region: 'ap-guangzhou',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.md': 'text/plain; charset=utf-8',
};

/** Files of www-demo/ that are not part of the page. */
const PRIVATE = new Set(['serve.js']);

function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(body);
}

/** Resolves a URL path inside `dir`, or null when it would leave it. */
function inside(dir, rel) {
  const file = path.resolve(dir, '.' + path.posix.normalize('/' + rel));
  return file === dir || file.startsWith(dir + path.sep) ? file : null;
}

function serveFile(req, res, file) {
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (e) => { server.off('listening', onListening); reject(e); };
    const onListening = () => { server.off('error', onError); resolve(server.address().port); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts the local COS server and the page server.
 * @param {{port?: number, cosPort?: number, host?: string, cosServerOptions?: object}} opts
 *   `port`/`cosPort` 0 picks free ports; `host` is where the page server listens (default 127.0.0.1).
 */
async function start(opts = {}) {
  const port = opts.port ?? 8080;
  const cosPort = opts.cosPort ?? 0;
  const host = opts.host || '127.0.0.1';
  const { startCosServer } = require(path.join(ROOT, 'js-tests/cos-server'));
  const cosServer = await startCosServer({
    port: cosPort,
    credentials: [{ secretId: LOCAL.secretId, secretKey: LOCAL.secretKey }],
    buckets: [{ name: LOCAL.bucket, region: LOCAL.region }],
    ...(opts.cosServerOptions || {}),
  });
  const cosPortReal = cosServer.port ?? Number(new URL(cosServer.url).port);
  const cosUrl = 'http://127.0.0.1:' + cosPortReal;

  // What the page starts from; a person's own settings (localStorage) override field by field.
  const config = {
    local: true,
    bucket: LOCAL.bucket,
    region: LOCAL.region,
    domain: '{Bucket}.cos.{Region}.localhost:' + cosPortReal,
    protocol: 'http:',
    stsUrl: cosUrl + '/sts',
    cosServer: cosUrl,
    sliceSize: 1024 * 1024,
    chunkSize: 1024 * 1024,
    chunkParallelLimit: 3,
    fileParallelLimit: 3,
  };
  const configJson = JSON.stringify(config, null, 2) + '\n';

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET, HEAD' });
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    }
    if (pathname === '/config.json') return send(res, 200, TYPES['.json'], configJson);
    if (pathname.startsWith('/cos-wasm/')) {
      const file = inside(PKG_DIR, pathname.slice('/cos-wasm/'.length));
      if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      return serveFile(req, res, file);
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const rel = pathname.slice(1);
    const top = rel.split('/')[0];
    if (PRIVATE.has(rel) || top === 'miniprogram' || rel.split('/').some((p) => p.startsWith('.'))) {
      return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
    const file = inside(DEMO_DIR, rel);
    if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    serveFile(req, res, file);
  });

  let realPort;
  try {
    realPort = await listen(server, port, host);
  } catch (e) {
    if (e.code === 'EADDRINUSE' && opts.fallbackPort) {
      realPort = await listen(server, 0, host);
    } else {
      await cosServer.stop();
      throw e;
    }
  }
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? '[' + host + ']' : host;
  const url = 'http://' + shownHost + ':' + realPort + '/';

  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    server.closeAllConnections?.();
    await new Promise((r) => server.close(() => r()));
    await cosServer.stop();
  }
  return { url, port: realPort, host, cosServer, cosUrl, config, close };
}

function parseArgs(argv) {
  const out = {};
  const names = { '--port': 'port', '--cos-port': 'cosPort', '--host': 'host' };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (a === '-h' || a === '--help') { out.help = true; continue; }
    const name = names[a];
    if (!name) throw new Error('unknown option ' + a + ' (try --help)');
    if (v === undefined) v = argv[++i];
    if (v === undefined) throw new Error(a + ' needs a value');
    if (name === 'host') out.host = v;
    else {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(a + ' should be a port number, 0 for any free port');
      out[name] = n;
    }
  }
  return out;
}

const HELP = `Usage: node www-demo/serve.js [--port 8080] [--cos-port 8081] [--host 127.0.0.1]

Starts the local COS server and serves the cos-wasm upload demo page.
  --port N       the page's port (default 8080; a free one if 8080 is taken)
  --cos-port N   the local COS server's port (default 8081; a free one if taken; 0 = any)
  --host H       where the page server listens (default 127.0.0.1)
`;

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(e.message + '\n\n' + HELP);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  if (!fs.existsSync(path.join(PKG_DIR, 'web.js')) || !fs.existsSync(path.join(PKG_DIR, 'cos_wasm_bg.wasm'))) {
    process.stderr.write('warning: pkg/web.js or pkg/cos_wasm_bg.wasm is missing; build the package first: ./x build\n');
  }
  let demo;
  const base = { port: args.port ?? 8080, host: args.host, fallbackPort: args.port === undefined };
  try {
    demo = await start({ ...base, cosPort: args.cosPort ?? 8081 });
  } catch (e) {
    if (e.code === 'EADDRINUSE' && args.cosPort === undefined) {
      demo = await start({ ...base, cosPort: 0 });
    } else {
      throw e;
    }
  }
  const c = demo.config;
  const lines = [
    '',
    `cos-wasm upload demo:  ${demo.url}`,
    '',
    `  local COS server     ${demo.cosUrl}  (bucket ${c.bucket}, region ${c.region})`,
    `  temporary keys       ${c.stsUrl}`,
    '',
    'The page uploads to the local server as it is. To upload to your own bucket, open Settings on the page',
    'and set Bucket (name-APPID), Region, clear Domain, Protocol https:, and a temporary-key URL (your STS',
    'service; see https://cloud.tencent.com/document/product/436/14048). The bucket needs a CORS rule for',
    `the page's origin (${demo.url.replace(/\/$/, '')}): methods PUT POST GET HEAD DELETE, headers *,`,
    'expose headers ETag, x-cos-hash-crc64ecma, x-cos-request-id.',
  ];
  if (!isLoopback(demo.host)) {
    lines.push('', `Listening on ${demo.host}: the default Domain uses *.localhost, which only the machine running this`,
      'server resolves to itself; browsers on other machines need their own bucket settings.');
  }
  lines.push('', 'Press Ctrl+C to stop.', '');
  process.stdout.write(lines.join('\n'));
  const stop = () => {
    demo.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

module.exports = { start, LOCAL };

if (require.main === module) {
  main().catch((e) => {
    if (e && e.code === 'EADDRINUSE') {
      process.stderr.write(`serve.js: ${e.address}:${e.port} is already in use; pick another port (--port / --cos-port, 0 = any free port)\n`);
    } else {
      process.stderr.write('serve.js: ' + (e && e.stack || e) + '\n');
    }
    process.exit(1);
  });
}
