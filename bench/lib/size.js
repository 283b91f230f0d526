'use strict';
// What a page (or a mini-program) downloads: the files it loads, raw, gzip -9 and brotli -q 11.

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { ROOT, pkgDir } = require('./common');

function sizesOf(files) {
  let raw = 0;
  let gzip = 0;
  let brotli = 0;
  for (const f of files) {
    const b = fs.readFileSync(f);
    raw += b.length;
    gzip += zlib.gzipSync(b, { level: 9 }).length;
    brotli += zlib.brotliCompressSync(b, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length },
    }).length;
  }
  return { raw, gzip, brotli, files: files.map((f) => (f.startsWith(pkgDir()) ? 'pkg' + f.slice(pkgDir().length) : path.relative(ROOT, f))) };
}

/** The mini-program flavour's files: every .js and .wasm under pkg/miniprogram/ (null until it exists). */
function miniprogramFiles() {
  const dir = path.join(pkgDir(), 'miniprogram');
  if (!fs.existsSync(dir)) return null;
  const out = [];
  (function walk(d) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|mjs|cjs|wasm|br)$/.test(e.name) && !/\.d\.ts$/.test(e.name)) out.push(p);
    }
  })(dir);
  return out.length ? out.sort() : null;
}

function measureSizes() {
  const rows = [];
  rows.push({
    name: 'browser',
    ours: sizesOf([path.join(pkgDir(), 'web.js'), path.join(pkgDir(), 'cos_wasm_bg.wasm')]),
    peerName: 'cos-js-sdk-v5',
    peer: sizesOf([path.join(ROOT, 'node_modules/cos-js-sdk-v5/dist/cos-js-sdk-v5.min.js')]),
  });
  const mp = miniprogramFiles();
  rows.push({
    name: 'mini-program',
    ours: mp ? sizesOf(mp) : null,
    peerName: 'cos-wx-sdk-v5',
    peer: sizesOf([path.join(ROOT, 'node_modules/cos-wx-sdk-v5/dist/cos-wx-sdk-v5.min.js')]),
  });
  return rows;
}

module.exports = { measureSizes, sizesOf };
