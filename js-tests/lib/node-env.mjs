// The suite environment for Node: the built package, an in-process local COS server, Buffers and
// temp files as bodies, node:crypto for reference digests.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { startCosServer, localhostAgent } = require(path.join(ROOT, 'js-tests/cos-server'));

export const BUCKET = 'examplebucket-1250000000';
export const REGION = 'ap-guangzhou';
export const SECRET_ID = 'AKIDLOCALTESTKEY0000000000000000000';
export const SECRET_KEY = 'LocalTestSecretKey000000000000000';

export function md5(bytes) {
  return crypto.createHash('md5').update(bytes).digest('hex');
}

/** `new COS()` options for a local server on `port`: `extra` wins, and undefined drops an option. */
export function localOptions(port, extra = {}) {
  const o = {
    SecretId: SECRET_ID,
    SecretKey: SECRET_KEY,
    Domain: '{Bucket}.cos.{Region}.localhost:' + port,
    Protocol: 'http:',
    ...extra,
  };
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** GET `url` (through `agent`, which resolves *.localhost) as text; non-200 is an error. */
export function fetchText(url, agent) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { s += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(s) : reject(new Error('HTTP ' + res.statusCode + ': ' + s))));
    }).on('error', reject);
  });
}

export async function startServer(extra = {}) {
  return startCosServer({
    port: 0,
    credentials: [{ secretId: SECRET_ID, secretKey: SECRET_KEY }],
    buckets: [{ name: BUCKET, region: REGION }],
    ...extra,
  });
}

/** Admin calls as the suites use them, straight on the server object. */
export function adminFor(server) {
  return {
    counters: async () => server.counters(),
    resetCounters: async () => server.resetCounters(),
    fault: async (f) => server.addFault(f),
    clearFaults: async () => server.clearFaults(),
    clock: async (ms) => server.setClockOffset(ms),
    objects: async (prefix) => server.objects(BUCKET, prefix),
    uploads: async () => server.uploads(BUCKET),
    requestLog: async () => server.requestLog(),
    sts: async () => server.issueTempKeys({}),
  };
}

export function makeNodeEnv(server, COS, { pkgFlavour = 'node' } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-test-'));
  const agent = localhostAgent();
  const env = {
    COS,
    host: pkgFlavour,
    bucket: BUCKET,
    region: REGION,
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    tmp,
    admin: adminFor(server),
    options(extra = {}) {
      return localOptions(server.port, { CheckpointPath: path.join(tmp, 'checkpoints.json'), ...extra });
    },
    async body(bytes) {
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    /** A file on disk: resumable uploads fingerprint it. */
    async file(bytes, name = 'file.bin') {
      const p = path.join(tmp, Math.random().toString(36).slice(2) + '-' + name);
      fs.writeFileSync(p, bytes);
      return { FilePath: p };
    },
    md5,
    fetchText: (url) => fetchText(url, agent),
    cleanup() {
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return env;
}
