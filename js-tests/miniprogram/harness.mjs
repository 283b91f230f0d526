// Shared set-up for the mini-program tests: the built pkg/miniprogram/ copied into a code package as
// cos-wasm/, loaded in the simulated runtime, and the suites' `env` built in that runtime's realm.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { ROOT, BUCKET, REGION, SECRET_ID, SECRET_KEY, md5, adminFor, fetchText, localOptions } from '../lib/node-env.mjs';
import { createMiniProgramRuntime } from './runtime.mjs';

const require = createRequire(import.meta.url);
const { localhostAgent } = require(path.join(ROOT, 'js-tests/cos-server'));
// COS_WASM_MP_PKG: test another build of the flavour than pkg/miniprogram/.
export const PKG = process.env.COS_WASM_MP_PKG ? path.resolve(process.env.COS_WASM_MP_PKG) : path.join(ROOT, 'pkg', 'miniprogram');

/** A code package holding cos-wasm/ (and whatever `extra` maps: package path -> source path). */
export function makePackage(extra = {}) {
  if (!fs.existsSync(path.join(PKG, 'index.js'))) throw new Error('pkg/miniprogram is missing: run ./x build first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-mp-pkg-'));
  fs.cpSync(PKG, path.join(dir, 'cos-wasm'), { recursive: true });
  for (const [to, from] of Object.entries(extra)) fs.cpSync(from, path.join(dir, to), { recursive: true });
  return dir;
}

/** A runtime with the package loaded; `COS` is what `require('./cos-wasm/index.js')` returns. */
export function startRuntime({ packageDir, storage = new Map(), agent = localhostAgent(), ...rest } = {}) {
  const dir = packageDir || makePackage();
  const rt = createMiniProgramRuntime({ packageDir: dir, storage, agent, ...rest });
  const COS = rt.require('/cos-wasm/index.js');
  return {
    rt, COS, packageDir: dir, agent,
    dispose() {
      rt.dispose();
      if (!packageDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The suites' env, in the runtime's realm (options and bodies must be its plain objects). */
export function makeWxEnv(rt, server, COS, agent) {
  return {
    COS,
    host: 'wx',
    bucket: BUCKET,
    region: REGION,
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    admin: adminFor(server),
    options(extra = {}) {
      // An object of the mini-program's realm, as the page would pass.
      return Object.assign(rt.vmObject(), localOptions(server.port, extra));
    },
    /** Bodies in mini-programs are ArrayBuffers (or strings). */
    async body(bytes) {
      return rt.vmBuffer(bytes);
    },
    /** A picked file: `{FilePath}` as wx.chooseMessageFile / wx.chooseImage give it. */
    async file(bytes, name = 'file.bin') {
      const o = rt.vmObject();
      o.FilePath = rt.writeTempFile(bytes, name);
      return o;
    },
    md5,
    fetchText: (url) => fetchText(url, agent),
  };
}

/** The shared suites this runner runs, as the Node and Chromium runners do. */
export const SUITES = ['simple', 'advanced', 'options', 'signal'].filter((n) => fs.existsSync(path.join(ROOT, 'js-tests/suites', n + '.mjs')));

/**
 * The shared suites, compiled into the runtime's realm: their params objects must be plain objects
 * there, as a page's are. The suites compute expected values with TextEncoder and btoa: those are
 * handed to the suite code alone as parameters, never installed as globals the SDK could see.
 */
export async function loadSuitesInto(rt) {
  const out = await esbuild.build({
    stdin: {
      contents: SUITES.map((n) => 'export { tests as ' + n + " } from './" + n + ".mjs';").join('\n') + '\n',
      resolveDir: path.join(ROOT, 'js-tests/suites'),
      sourcefile: 'suites-entry.mjs',
    },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2020',
    logLevel: 'warning',
  });
  const module = rt.run('({ exports: {} })');
  const fn = rt.run('(function (module, exports, TextEncoder, btoa) {' + out.outputFiles[0].text + '\n})');
  fn(module, module.exports, TextEncoder, btoa);
  return module.exports;
}
