// `npm pack` of pkg/ installs into an empty Node project; require() and import both give the class,
// and the installed copy signs and hashes (its wasm loads from node_modules).
import { test, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-install-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('npm pack of pkg/ installs into an empty project; require() and import work', () => {
  const tgz = execFileSync('npm', ['pack', path.join(ROOT, 'pkg'), '--pack-destination', tmp, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  const project = path.join(tmp, 'app');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(tmp, tgz)], { cwd: project, stdio: 'pipe' });
  const files = fs.readdirSync(path.join(project, 'node_modules', 'cos-wasm'));
  for (const f of ['package.json', 'node.cjs', 'node.mjs', 'web.js', 'cos_wasm_bg.wasm', 'index.d.ts']) assert.ok(files.includes(f), f + ' is in the package');
  const script = `
    const COS = require('cos-wasm');
    const sig = COS.getAuthorization({ SecretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q', SecretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz', Method: 'PUT', Key: 'x.bin', Headers: { Host: 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com' }, KeyTime: '1699999970;1700000570' });
    const h = new COS.Md5Hasher(); h.update(new TextEncoder().encode('abc'));
    import('cos-wasm').then((m) => {
      console.log(JSON.stringify({ same: m.default === COS, cls: typeof new COS({ SecretId: 'a', SecretKey: 'b' }).putObject, sig: sig.slice(-40), md5: h.digest() }));
    });`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' }));
  assert.deepEqual(out, { same: true, cls: 'function', sig: 'e2b20736da6e156748e1cecef85ed96e4eea18ea', md5: '900150983cd24fb0d6963f7d28e17f72' });
});
