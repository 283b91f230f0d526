// Runs the shared suites in the simulated WeChat mini-program runtime (runtime.mjs) against the
// built pkg/miniprogram/: wasm through WXWebAssembly, network through wx.request/wx.uploadFile under
// the 10-request cap, files as FilePath through the FileSystemManager, checkpoints in wx storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/node-env.mjs';
import { startRuntime, makeWxEnv, loadSuitesInto, SUITES } from './harness.mjs';

let server, mp, env, suites;

// The suite list must be known when this module is evaluated (node:test registers tests then), so
// the runtime and suites are set up at top level; the server starts in before().
mp = startRuntime();
suites = await loadSuitesInto(mp.rt);

before(async () => {
  server = await startServer();
  await mp.COS.ready;
  env = makeWxEnv(mp.rt, server, mp.COS, mp.agent);
});
after(async () => {
  mp.dispose();
  mp.agent.destroy();
  await server?.stop();
});

test('wx: the package loads through WXWebAssembly in a runtime without the browser globals', () => {
  const missing = mp.rt.run(`['TextEncoder', 'TextDecoder', 'fetch', 'URL', 'Blob', 'XMLHttpRequest', 'WebAssembly', 'FormData', 'btoa', 'atob']
    .filter((n) => typeof globalThis[n] !== 'undefined')`);
  assert.deepEqual([...missing], [], 'the runtime must lack these globals');
  assert.equal(typeof mp.COS, 'function');
  assert.equal(mp.COS.flavour, 'wx');
  assert.equal(mp.rt.wasmLoads.length, 1);
  assert.match(mp.rt.wasmLoads[0].path, /cos_wasm\.wasm\.br$/);
  assert.deepEqual(mp.rt.wasmLoads[0].features, [], 'the shipped module is WebAssembly MVP');
});

// Known core bug (reported, not a host limitation): in the 'wx' flavour getObjectUrl signs its
// `Expires` (the URL lifetime) as an Expires header the download never sends, so COS answers 403.
// Marked todo only while the built core still does it; once fixed the case runs as a normal test.
function expiresSignedAsHeader() {
  const cos = new mp.COS(mp.rt.toVm({ SecretId: 'AKIDx', SecretKey: 'k', Domain: '{Bucket}.cos.{Region}.localhost:1', Protocol: 'http:' }));
  const url = cos.getObjectUrl(mp.rt.toVm({ Bucket: 'examplebucket-1250000000', Region: 'ap-guangzhou', Key: 'k', Expires: 60 }));
  return /q-header-list=[^&]*expires/.test(url);
}
await mp.COS.ready;
const knownBugs = {
  'getObjectUrl gives a pre-signed URL that downloads the object; static getAuthorization signs': expiresSignedAsHeader()
    ? 'core bug: getObjectUrl signs Expires as a header in the wx flavour (src/presign.rs signed_object_url)' : undefined,
};

for (const t of SUITES.flatMap((n) => suites[n])) {
  test('wx: ' + t.name, { todo: knownBugs[t.name] }, async () => {
    await server.clearFaults();
    await t.run(env);
    assert.deepEqual(mp.rt.errors, [], 'no uncaught exception in the mini-program');
    assert.equal(mp.rt.net.violations, 0, 'never more than 10 wx requests at once');
    assert.ok(mp.rt.net.peak <= 10, 'peak ' + mp.rt.net.peak);
    assert.equal(mp.rt.fileStats.refusedReads, 0, 'readFile always inside the file');
    assert.equal(mp.rt.fileStats.wholeFileReads, 0, 'files are read by range, never whole');
  });
}
