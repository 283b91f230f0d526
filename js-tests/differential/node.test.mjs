// Differential suite in Node: every row of cases.mjs through cos-nodejs-sdk-v5 and through cos-wasm
// (pkg/node.cjs), each against a local COS server of its own; outcomes must match after normalise.mjs.
import { test, before, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { ROOT, BUCKET, REGION, startServer, localOptions } from '../lib/node-env.mjs';
import { rows, runsOn, knownOn } from './cases.mjs';
import { makeCtx, runBoth, skipReason } from './run.mjs';
import { checkRow } from './normalise.mjs';

const require = createRequire(import.meta.url);
const Official = require('cos-nodejs-sdk-v5');
const { localhostAgent } = require(path.join(ROOT, 'js-tests/cos-server'));

/** The package; another engineer may be rebuilding pkg/ right now: wait for it to reappear. */
async function loadWasm() {
  for (let i = 0; ; i++) {
    try {
      return require(path.join(ROOT, 'pkg'));
    } catch (e) {
      if (i >= 60) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
const COS = await loadWasm();

const servers = {};
let agent;
let tmp;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-differential-'));
  agent = localhostAgent();
  [servers.official, servers.wasm] = await Promise.all([startServer({ quiet: true }), startServer({ quiet: true })]);
});
/** Until the official clients' agent has no request on its way (checked after `ms` of quiet). */
async function agentIdle(ms = 100) {
  const busy = () => Object.keys(agent.sockets).length + Object.keys(agent.requests).length > 0;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, ms));
    if (!busy()) return;
  }
}

after(async () => {
  // The official SDK's deprecated aliases (getBucketACL, …) drop their Promise: the last row's
  // request may still be on its way, and would fail against a stopped server.
  if (agent) await agentIdle();
  agent?.destroy();
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function clientOptions(side, extra) {
  const port = servers[side].port;
  return localOptions(port, { ServiceDomain: 'service.cos.localhost:' + port, ...extra });
}

function officialClient(side, extra = {}) {
  const cos = new Official(clientOptions(side, extra));
  cos.on('before-send', (opt) => {
    opt.agent = agent;
  });
  return cos;
}

const host = {
  name: 'node',
  body: (bytes) => Buffer.from(bytes),
  // One file per row and name, shared by both sides (read only), so `FilePath` in answers is equal.
  file(bytes, name, row) {
    const p = path.join(tmp, 'files', row.id, name);
    if (!fs.existsSync(p)) {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, bytes);
    }
    return { FilePath: p };
  },
  readable: (bytes) => Readable.from([Buffer.from(bytes)]),
  /** A Writable for `Output` params, and the text it received once finished. */
  sink() {
    const chunks = [];
    const stream = new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } });
    const finished = new Promise((resolve) => stream.on('finish', resolve).on('close', resolve));
    return { stream, text: () => Promise.race([finished, new Promise((r) => setTimeout(r, 1000))]).then(() => Buffer.concat(chunks).toString()) };
  },
  /** A downloaded file's bytes. */
  readFile: (p) => new Uint8Array(fs.readFileSync(p)),
  outPath(name, row, side) {
    const p = path.join(tmp, 'out', side, row.id, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    return p;
  },
};

// Method presence is a property of the classes: decided before any server exists.
const probe = { wasm: COS.prototype, official: Official.prototype };

for (const row of rows().filter((r) => runsOn(r, 'node'))) {
  const skip = skipReason(row, probe) || false;
  test('node: ' + row.name, { skip, todo: knownOn(row, 'node') }, async (t) => {
    const sides = {};
    for (const side of ['official', 'wasm']) {
      const extra = row.options ? row.options(clientOptions(side, {})) : {};
      const ref = officialClient(side, extra);
      const cos = side === 'official' ? ref : new COS(clientOptions(side, { CheckpointPath: path.join(tmp, 'checkpoints.json'), ...extra }));
      sides[side] = { cos, ref, ctx: makeCtx(row, { bucket: BUCKET, region: REGION, host, side }) };
    }
    const r = await runBoth(row, sides);
    checkRow(t, row, r.official, r.wasm, { official: servers.official.port, wasm: servers.wasm.port }, 'node');
  });
}
