// `npm pack` of pkg/ installs into an empty Node project; require() and import both give the class,
// and the installed copy signs and hashes (its wasm loads from node_modules). The tarball carries the
// README, the licence and every file package.json names; `npm publish --dry-run` is clean; the
// README's table of official methods matches what the official SDKs and pkg/ have.
import { test, after } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-install-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// `npm pack` of pkg/, once: { tgz (file name in tmp), files (paths in the tarball) }.
let packedOnce = null;
function packed() {
  if (!packedOnce) {
    const [info] = JSON.parse(execFileSync('npm', ['pack', path.join(ROOT, 'pkg'), '--pack-destination', tmp, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    packedOnce = { tgz: info.filename, files: info.files.map((f) => f.path) };
  }
  return packedOnce;
}

test('npm pack of pkg/ installs into an empty project; require() and import work', () => {
  const { tgz } = packed();
  const project = path.join(tmp, 'app');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(tmp, tgz)], { cwd: project, stdio: 'pipe' });
  const files = fs.readdirSync(path.join(project, 'node_modules', 'cos-wasm'));
  for (const f of ['package.json', 'node.cjs', 'node.mjs', 'web.js', 'cos_wasm_bg.wasm', 'cos_wasm_node.wasm', 'index.d.ts']) assert.ok(files.includes(f), f + ' is in the package');
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

test('the tarball has README.md, LICENSE, the types, both wasm files and every file package.json names', () => {
  const { files } = packed();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'pkg', 'package.json'), 'utf8'));
  const named = new Set(['README.md', 'LICENSE', 'index.d.ts', 'cos_wasm_bg.wasm', 'cos_wasm_node.wasm', 'miniprogram/index.js', 'miniprogram/cos_wasm.wasm.br']);
  for (const field of ['main', 'module', 'browser', 'types']) {
    assert.equal(typeof pkg[field], 'string', field + ' is set');
    named.add(pkg[field]);
  }
  // Every target of "exports", however deeply nested under conditions.
  const targets = (v) => (typeof v === 'string' ? [v] : Object.values(v).flatMap(targets));
  for (const t of targets(pkg.exports)) named.add(t);
  for (const f of named) {
    const rel = f.replace(/^\.\//, '');
    assert.ok(files.includes(rel), rel + ' is in the tarball (' + files.join(', ') + ')');
  }
  assert.match(fs.readFileSync(path.join(ROOT, 'pkg', 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 the cos-wasm authors\n/);
  assert.equal(pkg.license, 'MIT');
});

test('npm publish --dry-run of pkg/ is clean: exit 0, no warning (offline)', async () => {
  // npm 11 asks the registry whether the version exists even in a dry run: point it at a port that
  // refuses at once (no retries), with a token for that address only, so neither the network nor
  // the machine's login changes the outcome. An empty user config keeps ~/.npmrc out of it.
  const port = await new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
  const registry = `http://127.0.0.1:${port}/`;
  const userconfig = path.join(tmp, 'empty-npmrc');
  fs.writeFileSync(userconfig, '');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
  const r = spawnSync('npm', ['publish', '--dry-run', '--registry', registry, '--fetch-retries=0', `--//127.0.0.1:${port}/:_authToken=dry-run`,
    '--userconfig', userconfig, '--loglevel', 'notice'], { cwd: path.join(ROOT, 'pkg'), encoding: 'utf8', env, timeout: 60000 });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  const warnings = out.split('\n').filter((l) => /^npm (warn|WARN|error|ERR)/.test(l));
  assert.deepEqual(warnings, [], out);
  assert.match(out, /\+ cos-wasm@/);
});

test("pkg-template/README.md's method table is what the official SDKs and pkg/ have today", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'pkg-template', 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- method-table:start');
  const end = readme.indexOf('<!-- method-table:end -->');
  assert.ok(start !== -1 && end > start, 'the README has the table markers');
  const inReadme = readme.slice(readme.indexOf('-->', start) + 3, end).trim();
  const now = execFileSync(process.execPath, [path.join(ROOT, 'pkg-template', 'method-table.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  assert.equal(inReadme, now, 'out of date: run `node pkg-template/method-table.mjs --write` after ./x build');
  // The shipped README is the template's.
  assert.equal(fs.readFileSync(path.join(ROOT, 'pkg', 'README.md'), 'utf8'), readme);
});
