'use strict';
// What a page (or a mini-program) downloads: the files it loads, raw, gzip -9 and brotli -q 11; and
// where the wasm's bytes go, by part (core, engine, bindings, std/alloc/fmt, data), from a build of
// the same code that keeps function names (bench/README.md, "sizes by part").

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { ROOT, pkgDir, fmtNum } = require('./common');
const W = require('./wasm');

const gzip = (b) => zlib.gzipSync(b, { level: 9 }).length;
const brotli = (b) => zlib.brotliCompressSync(b, {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length },
}).length;

function sizesOf(files) {
  let raw = 0;
  let gz = 0;
  let br = 0;
  for (const f of files) {
    const b = fs.readFileSync(f);
    raw += b.length;
    gz += gzip(b);
    br += brotli(b);
  }
  return { raw, gzip: gz, brotli: br, files: files.map((f) => (f.startsWith(pkgDir()) ? 'pkg' + f.slice(pkgDir().length) : path.relative(ROOT, f))) };
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

// --- the names build ----------------------------------------------------------------------------

const WASM_TARGET = 'wasm32-unknown-unknown';
// ./x build's wasm-opt flags, with -g for --strip-debug (which would drop the name section); -g
// changes no code (checked: the bodies equal those of the same input optimised without it).
const WASM_OPT_FLAGS = ['--flatten', '--rereloop', '-Oz', '-Oz', '--converge', '--low-memory-unused', '--zero-filled-memory', '-g', '--strip-producers', '--strip-target-features', '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
  '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue'];

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(cmd + ': ' + r.error.message);
  if (r.status !== 0) {
    const err = (r.stderr || '').split('\n').find((l) => /^error/.test(l)) || (r.stderr || '').trim().split('\n').pop();
    throw new Error('names build: ' + path.basename(cmd) + ' ' + args.filter((a) => a !== '--quiet').slice(0, 3).join(' ') + ' failed: ' + err);
  }
}
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Builds the flavour's wasm with names kept: `cargo build --profile size-report` (release plus
 * names) into a target dir of its own, then the flavour's own optimisation. Cargo
 * skips the build when nothing changed, and the optimised result is cached by the input's hash, so
 * a run on unchanged sources costs a second or two. Returns the path of the optimised wasm.
 */
async function namesBuild(flavour) {
  const wx = flavour === 'mini-program';
  const targetDir = path.join(ROOT, 'target', wx ? 'size-report-wx' : 'size-report');
  // As x's build_wx: the mini-program wasm is built for the MVP feature set.
  // As ./x builds them: the shipped wasm's settings (.cargo/release-wasm.toml, with the -Z flags
  // stable rustc takes under RUSTC_BOOTSTRAP), the flavour's own feature set (Cargo.toml's
  // flavour-web / flavour-wx), and the mini-program's target-cpu.
  const env = { CARGO_TARGET_DIR: targetDir, RUSTC_BOOTSTRAP: '1' };
  const features = ['--config', path.join(ROOT, '.cargo', 'release-wasm.toml'), '--no-default-features', '--features', wx ? 'flavour-wx' : 'flavour-web'];
  if (wx) features.push('--config', "target." + WASM_TARGET + ".rustflags=['-Ctarget-cpu=mvp']");
  run('cargo', ['build', '--quiet', '--profile', 'size-report', '--lib', '--target', WASM_TARGET, '-p', 'cos-wasm-bindings', ...features], env);
  const raw = path.join(targetDir, WASM_TARGET, 'size-report', 'cos_wasm_bindings.wasm');
  const out = path.join(targetDir, 'names-opt.wasm');
  const key = sha(fs.readFileSync(raw)) + ' ' + (wx ? sha(String(wxOptimise) + fs.readFileSync(path.join(ROOT, 'pkg-template', 'wx-optimise.mjs'), 'utf8')) : WASM_OPT_FLAGS.join(' '));
  const keyFile = out + '.key';
  if (fs.existsSync(out) && fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8') === key) return out;
  // Only the names are wanted: precompiled std's DWARF sections (a few hundred KB) and the other
  // custom sections go, as release's strip drops them.
  const input = path.join(targetDir, 'names-input.wasm');
  const buf = fs.readFileSync(raw);
  fs.writeFileSync(input, W.withoutCustom(buf, W.parseWasm(buf).sections.filter((x) => x.id === 0 && x.custom !== 'name').map((x) => x.custom)));
  if (wx) await wxOptimise(input, out);
  else run(path.join(ROOT, 'node_modules/.bin/wasm-opt'), [...WASM_OPT_FLAGS, input, '-o', out]);
  fs.writeFileSync(keyFile, key);
  return out;
}

/** pkg-template/build-wx.mjs's wasm steps (lowering to MVP, global exports dropped, optimise), names kept. */
async function wxOptimise(input, out) {
  const { default: binaryen } = await import('binaryen');
  const { lowerToMvp, optimiseMvp } = await import(path.join(ROOT, 'pkg-template', 'wx-optimise.mjs'));
  const mod = binaryen.readBinary(fs.readFileSync(input));
  lowerToMvp(binaryen, mod);
  for (let i = mod.getNumExports() - 1; i >= 0; i--) {
    const e = binaryen.getExportInfo(mod.getExportByIndex(i));
    if (e.kind === binaryen.ExternalGlobal) mod.removeExport(e.name);
  }
  mod.setFeatures(binaryen.Features.MVP);
  try {
    optimiseMvp(binaryen, mod, true);
    // The name section is written only while debug info is on.
    binaryen.setDebugInfo(true);
    fs.writeFileSync(out, mod.emitBinary());
  } finally {
    binaryen.setDebugInfo(false);
    mod.dispose();
  }
}

// --- the breakdown ------------------------------------------------------------------------------

/** The flavour's shipped wasm (the mini-program's is brotli-compressed) and its JS. */
function shipped(flavour) {
  if (flavour === 'browser') {
    return { wasm: fs.readFileSync(path.join(pkgDir(), 'cos_wasm_bg.wasm')), js: path.join(pkgDir(), 'web.js') };
  }
  const dir = path.join(pkgDir(), 'miniprogram');
  const br = path.join(dir, 'cos_wasm.wasm.br');
  if (!fs.existsSync(br)) return null;
  return { wasm: zlib.brotliDecompressSync(fs.readFileSync(br)), js: path.join(dir, 'index.js') };
}

const PART_KEYS = [...W.PARTS, 'data', 'other', 'js'];
const PART_TEXT = {
  core: 'core (pure modules, hashes, signer)',
  engine: 'engine (client, ops, upload, tasks, cos, source, async machinery)',
  bindings: 'bindings (src/wasm: the exports and imports)',
  std: 'std/alloc/fmt (fmt, panics, alloc, allocator)',
  data: 'data (strings, tables)',
  other: 'wasm structure (types, imports, exports, headers) and unattributed code',
};
const FLAVOURS = [['browser', 'browser', 'web.js'], ['miniprogram', 'mini-program', 'index.js']];
/** The by-part rows of the bench table, per flavour: {id: 'size-browser-part-core', label}. */
const PART_ROWS = FLAVOURS.flatMap(([id, name, js]) => PART_KEYS.map((k) => ({
  id: 'size-' + id + '-part-' + k,
  label: 'Size, ' + name + ', part: ' + (k === 'js' ? 'JS (' + js + ')' : PART_TEXT[k]),
})));

/**
 * Bytes by part of one flavour. `names`: 'build' (cargo + optimiser; slow only when
 * src/ changed), 'cached' (a names build left by an earlier run, used only if it has the shipped
 * code) or 'none'. Code parts come from the names build's own bodies (attributed by their names);
 * data, the wasm's other sections and the JS are the shipped bytes, unless src/ changed since
 * ./x build, in which case all of the wasm is the names build's (name section excluded) and
 * `exact` is false. Code parts are null when no names were available.
 * Returns {flavour, source, exact, codeDelta, total, whole, parts: {part: {raw, gzip, brotli, functions}}, modules, largest}.
 */
async function breakdown(flavour, names = 'build') {
  const ship = shipped(flavour);
  if (!ship) return null;
  const shippedParsed = W.parseWasm(ship.wasm);
  const code = (p) => p.bodies.reduce((s, x) => s + x.end - x.start, 0);
  let named = null; // {buf, parsed} of the names build
  let wasm = { buf: ship.wasm, parsed: shippedParsed };
  let source = 'no names (' + (names === 'none' ? 'names build skipped' : 'no cached names build of this code') + ')';
  let exact = true;
  let codeDelta = '0';
  let namesFile = null;
  if (names === 'build') namesFile = await namesBuild(flavour);
  else if (names === 'cached') {
    const f = path.join(ROOT, 'target', flavour === 'mini-program' ? 'size-report-wx' : 'size-report', 'names-opt.wasm');
    if (fs.existsSync(f)) namesFile = f;
  }
  if (namesFile) {
    const nb = fs.readFileSync(namesFile);
    const np = W.parseWasm(nb);
    if (W.sameCode(shippedParsed, np)) {
      named = { buf: nb, parsed: np };
      source = 'names from ' + path.relative(ROOT, namesFile) + ' (the shipped code: same function sizes)';
    } else if (names === 'build') {
      named = { buf: nb, parsed: np };
      wasm = named;
      exact = false;
      const d = code(np) - code(shippedParsed);
      codeDelta = (d >= 0 ? '+' : '−') + Math.abs(d);
      source = path.relative(ROOT, namesFile) + ', built from src/ as it is now: its code is ' + codeDelta + ' B against the shipped wasm (src/ changed since ./x build)';
    }
  }
  const { buf, parsed } = wasm;
  const dataBytes = Buffer.concat(parsed.sections.filter((s) => s.id === 11).map((s) => buf.subarray(s.start, s.end)));
  // Neither function bodies nor data: the module header, types, imports, exports, tables, globals,
  // section headers and the bodies' size prefixes.
  const structure = Buffer.concat([buf.subarray(0, 8), ...parsed.sections.filter((s) => s.id !== 10 && s.id !== 11 && !(s.id === 0 && s.custom === 'name'))
    .map((s) => buf.subarray(s.start, s.end))]);
  const codeSection = parsed.sections.filter((s) => s.id === 10).reduce((n, s) => n + s.end - s.start, 0);
  const bodyPrefixes = codeSection - code(parsed);
  const js = fs.readFileSync(ship.js);
  const part = (bodies, extraRaw = 0, functions) => {
    const b = Buffer.concat(bodies);
    return { raw: b.length + extraRaw, gzip: gzip(b), brotli: brotli(b), functions };
  };
  const parts = {};
  const out = { flavour, source, exact, codeDelta, total: 0, parts, modules: null, largest: null, code: code(parsed), codeFunctions: parsed.bodies.length };
  if (named) {
    const { parts: fnParts, fns } = W.attribute(named.buf, named.parsed);
    for (const p of W.PARTS) parts[p] = part(fnParts[p] ? fnParts[p].bodies : [], 0, fnParts[p] ? fnParts[p].functions : 0);
    const other = fnParts.other || { bodies: [], functions: 0 };
    parts.other = part([structure, ...other.bodies], bodyPrefixes, other.functions);
    // Finer grouping for the per-round details: crate, or cos_wasm module.
    const modules = {};
    for (const f of fns) {
      const m = /^<?([A-Za-z_][A-Za-z0-9_]*)(?:::([A-Za-z_][A-Za-z0-9_]*))?/.exec(f.name.replace(/^core::ptr::drop_in_place</, ''));
      const k = f.part + ' ' + (!m ? '(unnamed)' : m[1] === 'cos_wasm' ? 'cos_wasm::' + m[2] : m[1]);
      modules[k] = (modules[k] || 0) + f.size;
    }
    out.modules = Object.fromEntries(Object.entries(modules).sort((a, b) => b[1] - a[1]).slice(0, 30));
    out.largest = fns.slice().sort((a, b) => b.size - a.size).slice(0, 10).map((f) => [f.size, f.part, f.name.slice(0, 120)]);
  } else {
    for (const p of W.PARTS) parts[p] = null;
    parts.other = part([structure], bodyPrefixes, 0);
  }
  parts.data = part([dataBytes]);
  parts.js = part([js]);
  out.total = Object.values(parts).reduce((n, p) => n + (p ? p.raw : 0), 0) + (named ? 0 : code(parsed));
  // What the per-part estimates add up against: the shipped wasm and JS, each compressed whole.
  out.whole = exact ? { raw: ship.wasm.length + js.length, gzip: gzip(ship.wasm) + gzip(js), brotli: brotli(ship.wasm) + brotli(js) } : null;
  return out;
}

/**
 * The by-part table cells of one flavour ({row id: cells}) from breakdown()'s result (null: the
 * flavour is not built); `err`: the names build failed, so the code parts show that error.
 */
function partCells(id, b, err) {
  const kib = (n) => fmtNum(n / 1024, 1) + ' KiB';
  const cells = {};
  const report = { peer: '', ratio: '', target: 'report', result: '—' };
  for (const k of PART_KEYS) {
    const rid = 'size-' + id + '-part-' + k;
    const p = b && b.parts[k];
    if (!b) cells[rid] = { ...report, ours: 'pkg/miniprogram/ not built yet', peerName: '', result: 'n/a' };
    else if (!p && err) cells[rid] = { ...report, ours: 'error: ' + String(err.message).split('\n')[0].slice(0, 160), peerName: '', result: 'ERROR' };
    else if (!p) cells[rid] = { ...report, ours: 'not attributed: ' + b.source + '; all code ' + kib(b.code) + ' in ' + b.codeFunctions + ' functions', peerName: '' };
    else {
      const basis = k === 'js' ? path.basename(shipped(b.flavour).js) + ', as shipped'
        : k === 'data' ? 'the data section'
          : k === 'other' ? 'section bytes besides code and data' + (p.functions ? '; ' + p.functions + ' function' + (p.functions === 1 ? '' : 's') + ' without a Rust name' : '')
            : 'by function name: ' + (b.exact ? 'names build = shipped code' : 'names build of src/ now (' + b.codeDelta + ' B code vs shipped)');
      cells[rid] = {
        ...report,
        ours: kib(p.raw) + ' (' + fmtNum(100 * p.raw / b.total, 1) + ' %)' + (p.functions ? ', ' + p.functions + (p.functions === 1 ? ' fn' : ' fns') : '') +
          '; gzip ≈ ' + kib(p.gzip) + ', brotli ≈ ' + kib(p.brotli),
        peerName: basis,
      };
    }
  }
  return cells;
}

module.exports = { partCells, measureSizes, sizesOf, breakdown, namesBuild, PART_KEYS, PART_ROWS, FLAVOURS };
