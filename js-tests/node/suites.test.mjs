// Runs the shared suites in Node against the built package (pkg/, CommonJS and ESM entries).
import { test, before, after } from 'node:test';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, startServer, makeNodeEnv } from '../lib/node-env.mjs';
import { tests as simple } from '../suites/simple.mjs';
import { tests as advanced } from '../suites/advanced.mjs';
import { tests as options } from '../suites/options.mjs';
import { tests as streams } from '../suites/streams.mjs';
import { tests as signal } from '../suites/signal.mjs';

const require = createRequire(import.meta.url);
const COS = require(path.join(ROOT, 'pkg'));
let server, env;

before(async () => {
  server = await startServer();
  env = makeNodeEnv(server, COS);
});
after(async () => {
  env.cleanup();
  await server.stop();
});

test('the package loads through require() and import, with the same class', async () => {
  const esm = await import(path.join(ROOT, 'pkg', 'node.mjs'));
  if (esm.default !== COS) throw new Error('ESM and CJS entries differ');
  if (typeof COS !== 'function' || typeof COS.prototype.putObject !== 'function') throw new Error('no COS class');
});

for (const t of [...simple, ...advanced, ...options, ...streams, ...signal]) {
  test('node: ' + t.name, async () => {
    await server.clearFaults();
    await t.run(env);
  });
}
