// Differential suite in the simulated WeChat mini-program runtime (js-tests/miniprogram): the
// object-level rows of cases.mjs through cos-wx-sdk-v5 (its dist) and through cos-wasm
// (pkg/miniprogram), both loaded in one runtime, each against a local COS server of its own.
import { test, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT, BUCKET, REGION, SECRET_ID, SECRET_KEY, startServer } from '../lib/node-env.mjs';
import { makePackage, startRuntime, PKG } from '../miniprogram/harness.mjs';
import { rows, knownOn } from './cases.mjs';
import { checkRow } from './normalise.mjs';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const OFFICIAL = path.join(ROOT, 'node_modules/cos-wx-sdk-v5/dist/cos-wx-sdk-v5.js');

// pkg/miniprogram may be briefly missing while another build replaces it.
for (let i = 0; i < 60 && !fs.existsSync(path.join(PKG, 'index.js')); i++) await new Promise((r) => setTimeout(r, 1000));

const servers = {};
[servers.official, servers.wasm] = await Promise.all([startServer({ quiet: true }), startServer({ quiet: true })]);
// Its UMD wrapper passes `window` as the (unused) root; a mini-program has no window, and a
// declared-but-undefined one keeps every `typeof window` check of the SDK truthful.
const shim = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cos-diff-wx-')), 'cos-wx-sdk-v5.js');
fs.writeFileSync(shim, 'var window;\n' + fs.readFileSync(OFFICIAL, 'utf8'));
// A rebuild of pkg/miniprogram may be half-written for a moment: copy it again then.
let packageDir;
let mp;
for (let attempt = 1; ; attempt++) {
  try {
    packageDir = makePackage({ 'cos-wx-sdk-v5.js': shim });
    mp = startRuntime({ packageDir });
    await mp.COS.ready;
    break;
  } catch (e) {
    if (packageDir) fs.rmSync(packageDir, { recursive: true, force: true });
    if (attempt >= 4) throw e;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
// What cos-wx-sdk-v5 reads about the device at load (its tracker) and the simulated runtime does
// not model; cos-wasm reads none of it.
const deviceInfo = { platform: 'devtools', SDKVersion: '3.0.0', system: 'iOS 17', model: 'iPhone', brand: 'devtools', version: '8.0.0' };
const missing = {
  canIUse: () => false,
  getSystemInfoSync: () => mp.rt.toVm(deviceInfo),
  getAppBaseInfo: () => mp.rt.toVm(deviceInfo),
  getDeviceInfo: () => mp.rt.toVm(deviceInfo),
  getAccountInfoSync: () => mp.rt.toVm({ miniProgram: { appId: 'wx0', envVersion: 'develop', version: '' } }),
  getNetworkType: (o) => o && o.success && o.success(mp.rt.toVm({ networkType: 'wifi' })),
  onNetworkStatusChange: () => {},
};
for (const [k, v] of Object.entries(missing)) if (typeof mp.rt.wx[k] !== 'function') mp.rt.wx[k] = v;

// The rows, bundled into one CommonJS function run in the runtime's realm.
const bundle = await esbuild.build({
  entryPoints: [path.join(HERE, 'wx-page.mjs')], bundle: true, write: false, format: 'cjs', platform: 'neutral', target: 'es2020', logLevel: 'warning',
});
const module = mp.rt.run('({ exports: {} })');
mp.rt.run('(function (module, exports) {' + bundle.outputFiles[0].text + '\n})')(module, module.exports);
const args = mp.rt.vmObject();
Object.assign(args, {
  Official: mp.rt.require('/cos-wx-sdk-v5.js'),
  WasmCOS: mp.COS,
  ports: mp.rt.toVm({ official: servers.official.port, wasm: servers.wasm.port }),
  bucket: BUCKET, region: REGION, sid: SECRET_ID, skey: SECRET_KEY,
  writeTempFile: (bytes, name) => mp.rt.writeTempFile(Buffer.from(bytes), name),
});
const page = module.exports.setup(args);

after(async () => {
  mp.dispose();
  mp.agent.destroy();
  fs.rmSync(packageDir, { recursive: true, force: true });
  fs.rmSync(path.dirname(shim), { recursive: true, force: true });
  await Promise.all(Object.values(servers).map((s) => s.stop()));
});

const byName = new Map(rows().map((r) => [r.name, r]));
for (const { name, skip } of JSON.parse(JSON.stringify(page.rowList))) {
  const row = byName.get(name);
  test('wx: ' + name, { skip: skip || false, todo: knownOn(row, 'wx') }, async (t) => {
    const r = JSON.parse(await page.runRow(name));
    if (r.failed) throw new Error(r.failed);
    checkRow(t, row, r.official, r.wasm, { official: servers.official.port, wasm: servers.wasm.port }, 'wx');
  });
}
