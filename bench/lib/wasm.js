'use strict';
// The one wasm reader of bench/ (the size section and bench/engine-proto/breakdown.mjs): sections,
// function bodies, exports, the name section, Rust demangling, and which part of the package a
// function belongs to by the path prefix of its demangled name.

const SECTION = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];

/**
 * Parses a wasm binary. Returns {size, sections: [{id, name, start, payload, end}] (start and end of
 * the whole section, header included; payload: where its contents start; custom sections also have
 * `custom`, their name), imports: {func, other}, bodies: [{start, end}] (each function's body, without
 * its size prefix, in function-index order after the imported functions), exports: [{name, kind,
 * index}], names: Map(function index → name) from the name section if present}.
 */
function parseWasm(b) {
  if (b.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm binary');
  let p = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    let x;
    do { x = b[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
    return r;
  };
  const str = () => { const l = leb(); const v = b.toString('utf8', p, p + l); p += l; return v; };
  const limits = () => { const f = leb(); leb(); if (f & 1) leb(); };
  const out = { size: b.length, sections: [], imports: { func: 0, other: 0 }, bodies: [], exports: [], names: new Map() };
  while (p < b.length) {
    const start = p;
    const id = b[p++];
    const len = leb();
    const end = p + len;
    const sec = { id, name: SECTION[id] || 'unknown-' + id, start, payload: p, end };
    if (id === 0) {
      sec.custom = str();
      if (sec.custom === 'name') {
        while (p < end) {
          const sub = b[p++];
          const sl = leb();
          const se = p + sl;
          if (sub === 1) for (let n = leb(); n--;) { const i = leb(); out.names.set(i, str()); }
          p = se;
        }
      }
    } else if (id === 2) {
      for (let n = leb(); n--;) {
        str(); str();
        const kind = b[p++];
        if (kind === 0) { leb(); out.imports.func++; continue; }
        out.imports.other++;
        if (kind === 1) { p++; limits(); } else if (kind === 2) limits(); else if (kind === 3) p += 2; else { p++; leb(); }
      }
    } else if (id === 7) {
      for (let n = leb(); n--;) { const name = str(); const kind = b[p++]; out.exports.push({ name, kind, index: leb() }); }
    } else if (id === 10) {
      for (let n = leb(); n--;) { const l = leb(); out.bodies.push({ start: p, end: p + l }); p += l; }
    }
    out.sections.push(sec);
    p = end;
  }
  return out;
}

const unescape = (s) => s.replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ').replace(/\$RF\$/g, '&')
  .replace(/\$C\$/g, ',').replace(/\$u7b\$/g, '{').replace(/\$u7d\$/g, '}').replace(/\$u27\$/g, "'").replace(/\$BP\$/g, '*')
  .replace(/\$u5b\$/g, '[').replace(/\$u5d\$/g, ']').replace(/\$u3b\$/g, ';').replace(/\$u2b\$/g, '+').replace(/\$u22\$/g, '"')
  .replace(/\.\./g, '::').replace(/^_</, '<');

/**
 * Rust symbol → `path::to::item`. Legacy mangling fully; v0 (precompiled std) as its identifiers,
 * enough to group by. Names the linker already demangled lose their hash (`::h0123…`), crate
 * disambiguators (`core[c593…]`) and binaryen's duplicate suffix (`[1]`).
 */
function demangle(n) {
  if (!n) return '';
  if (!/^_(ZN|R)/.test(n)) {
    return n.replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{8,16}\]/g, '').replace(/\[\d+\]$/, '');
  }
  if (n.startsWith('_R')) {
    try {
      return demangleV0(n.slice(2));
    } catch (e) {
      return n;
    }
  }
  if (!n.startsWith('_ZN')) return n;
  const parts = [];
  let i = 3;
  while (i < n.length && n[i] !== 'E') {
    let j = i;
    while (/[0-9]/.test(n[j])) j++;
    if (j === i) break;
    const l = Number(n.slice(i, j));
    parts.push(n.slice(j, j + l));
    i = j + l;
  }
  if (/^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return unescape(parts.join('::'));
}

/**
 * Rust's v0 symbol mangling (what rustc emits under RUSTC_BOOTSTRAP, as `./x build` runs it) to the
 * paths rustc-demangle prints, without hashes: `<cos_wasm::tasks::TaskQueue<..>>::schedule::{closure#2}`.
 * Only what attribution needs is exact (every crate-qualified path); `s` is the symbol after `_R`.
 */
function demangleV0(s) {
  let i = 0;
  let depth = 0;
  const BASIC = { a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize', l: 'i32', m: 'u32', n: 'i128', o: 'u128', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64', y: 'u64', z: '!', p: '_' };
  const fail = () => { throw new Error('bad v0 symbol'); };
  const peek = () => s[i];
  const eat = (c) => (s[i] === c ? (i++, true) : false);
  const base62 = () => {
    if (eat('_')) return 0;
    let x = 0;
    for (;;) {
      const c = s[i++];
      if (c === undefined) fail();
      if (c === '_') return x + 1;
      const d = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 87 : c >= 'A' && c <= 'Z' ? c.charCodeAt(0) - 29 : fail();
      x = x * 62 + d;
    }
  };
  const disambiguator = () => (eat('s') ? base62() + 1 : 0);
  // "0", or digits that do not start with 0 (so "00" is two numbers).
  const decimal = () => {
    if (eat('0')) return 0;
    const m = /^\d+/.exec(s.slice(i));
    if (!m) fail();
    i += m[0].length;
    return Number(m[0]);
  };
  const ident = () => {
    eat('u');
    const len = decimal();
    eat('_');
    const id = s.slice(i, i + len);
    i += len;
    return id;
  };
  const backref = (f) => {
    const at = base62();
    const saved = i;
    i = at;
    const out = f();
    i = saved;
    return out;
  };
  const guard = (f) => {
    if (++depth > 200) fail();
    try { return f(); } finally { depth--; }
  };
  const path = () => guard(() => {
    const c = s[i++];
    switch (c) {
      case 'C': disambiguator(); return ident();
      case 'M': disambiguator(); path(); return '<' + type() + '>';
      case 'X': { disambiguator(); path(); const t = type(); return '<' + t + ' as ' + path() + '>'; }
      case 'Y': { const t = type(); return '<' + t + ' as ' + path() + '>'; }
      case 'N': {
        const ns = s[i++];
        const parent = path();
        const dis = disambiguator();
        const id = ident();
        if (ns >= 'A' && ns <= 'Z') return parent + '::{' + (ns === 'C' ? 'closure' : ns === 'S' ? 'shim' : ns) + (id ? ':' + id : '') + '#' + dis + '}';
        return id ? parent + '::' + id : parent;
      }
      case 'I': {
        const p = path();
        const args = [];
        while (!eat('E')) args.push(genericArg());
        return p + '<' + args.join(', ') + '>';
      }
      case 'B': return backref(path);
      default: return fail();
    }
  });
  const genericArg = () => {
    if (eat('L')) { base62(); return "'_"; }
    if (eat('K')) return konst();
    return type();
  };
  const konst = () => guard(() => {
    if (eat('p')) return '_';
    if (eat('B')) return backref(konst);
    type();
    const neg = eat('n');
    const m = /^[0-9a-f]*_/.exec(s.slice(i));
    if (!m) fail();
    i += m[0].length;
    return (neg ? '-' : '') + '0x' + m[0].slice(0, -1);
  });
  const fnSig = () => {
    if (eat('G')) base62();
    const unsafe = eat('U');
    if (eat('K')) { if (!eat('C')) ident(); }
    const args = [];
    while (!eat('E')) args.push(type());
    return (unsafe ? 'unsafe ' : '') + 'fn(' + args.join(', ') + ') -> ' + type();
  };
  const type = () => guard(() => {
    const c = peek();
    if (BASIC[c] !== undefined && c !== 'p' || c === 'p') { i++; return BASIC[c]; }
    i++;
    switch (c) {
      case 'A': { const t = type(); return '[' + t + '; ' + konst() + ']'; }
      case 'S': return '[' + type() + ']';
      case 'R': case 'Q': { if (eat('L')) base62(); return (c === 'R' ? '&' : '&mut ') + type(); }
      case 'P': return '*const ' + type();
      case 'O': return '*mut ' + type();
      case 'F': return fnSig();
      case 'D': {
        if (eat('G')) base62();
        const traits = [];
        while (!eat('E')) {
          let t = path();
          while (eat('p')) { ident(); t += '<' + type() + '>'; }
          traits.push(t);
        }
        if (eat('L')) base62();
        return 'dyn ' + traits.join(' + ');
      }
      case 'T': { const ts = []; while (!eat('E')) ts.push(type()); return '(' + ts.join(', ') + ')'; }
      case 'B': return backref(type);
      default: i--; return path();
    }
  });
  if (/^\d/.test(s)) decimal();
  return path();
}

// The parts a package's wasm is reported in (bench/README.md, size rows). Order = table order.
const PARTS = ['core', 'engine', 'bindings', 'std'];

// cos_wasm modules by part. Pure modules are core; the async engine generic over `Host` is engine.
const CORE_MODULES = new Set(['sign', 'encode', 'xml', 'params', 'plan', 'checkpoint', 'queue', 'progress', 'mime', 'sort', 'value',
  'methods', 'crc64', 'md5', 'error', 'options', 'attempts']);
const ENGINE_MODULES = new Set(['client', 'ops', 'upload', 'tasks', 'cos', 'source', 'host', 'calls', 'copy', 'download', 'select', 'stream_upload']);
// presign's signer is pure; its URL and POST-form builders are async over the client.
const PRESIGN_ENGINE = /^cos_wasm::presign::(object_url|signed_object_url|post_form_fields)\b/;

/** Part of one crate-qualified path (`crate::module::...`), or null when it says nothing (std's generic code). */
function partOfPath(path) {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:::([A-Za-z_][A-Za-z0-9_]*))?/.exec(path);
  if (!m) return null;
  const [, crate, mod] = m;
  // The bindings crate (src/wasm).
  if (crate === 'cos_wasm_bindings') return 'bindings';
  if (crate === 'cos_wasm') {
    // The byte format of the JS boundary.
    if (mod === 'boundary') return 'bindings';
    if (mod === 'presign') return PRESIGN_ENGINE.test(path) ? 'engine' : 'core';
    if (ENGINE_MODULES.has(mod)) return 'engine';
    if (CORE_MODULES.has(mod)) return 'core';
    return null;
  }
  // The hashes and the signer's HMAC-SHA1 (with the digest plumbing they instantiate).
  if (/^(cos_hash|sha1|hmac|digest|block_buffer|generic_array|crypto_common)$/.test(crate)) return 'core';
  // The async machinery only the engine uses.
  if (/^(futures_util|futures_core|futures_task|futures_channel|wasm_bindgen_futures|pin_project_lite)$/.test(crate)) return 'engine';
  // js_sys::futures is wasm-bindgen-futures' executor (moved into js-sys).
  if (crate === 'js_sys' && mod === 'futures') return 'engine';
  if (/^(wasm_bindgen|js_sys|web_sys)$/.test(crate)) return 'bindings';
  return null;
}

/**
 * Part of a function by its demangled name: the first crate-qualified path in it that belongs to a
 * part decides (so `drop_in_place<cos_wasm::upload::X>`, `<cos_wasm::xml::Node as core::fmt::Debug>::fmt`
 * and `cos_wasm::ops::f::{{closure}}` go with their module); std's own code (fmt, panics, alloc,
 * `core::str`, the allocator) is `std`, except the waker and future plumbing (`core::task`,
 * `core::future`, `alloc::task`), which only the engine instantiates. Exported shims without a Rust
 * path (`#[wasm_bindgen]` exports, `__wbindgen_*`, `__externref_*`) are bindings. Unnamed functions
 * (helpers wasm-opt creates) and modules of ours not listed here are 'other'.
 */
function partOf(name, exported) {
  if (!name) return exported ? 'bindings' : 'other';
  for (const m of name.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+/g)) {
    const part = partOfPath(m[0]);
    if (part) return part;
  }
  if (/^(<)?(core|alloc)::(task|future)::/.test(name)) return 'engine';
  if (/^__(wbindgen|wbg|externref)|^__wbg_|^wasm_bindgen| shim$/.test(name) || exported) return 'bindings';
  // A module of ours not in the lists above: shown as unattributed until it is placed.
  if (/\bcos_wasm::/.test(name)) return 'other';
  // Everything else is std's (fmt, panics, alloc, str, the allocator, compiler builtins).
  return 'std';
}

/**
 * Code bytes by part: {parts: {part: {bytes, functions, bodies: [Buffer]}}, fns: [{size, name, part}]}.
 */
function attribute(buf, parsed, names = parsed.names) {
  const exported = new Set(parsed.exports.filter((e) => e.kind === 0).map((e) => e.index));
  const parts = {};
  const fns = [];
  parsed.bodies.forEach((body, i) => {
    const index = parsed.imports.func + i;
    const name = demangle(names.get(index) || '');
    const part = partOf(name, exported.has(index));
    const p = parts[part] || (parts[part] = { bytes: 0, functions: 0, bodies: [] });
    p.bytes += body.end - body.start;
    p.functions++;
    p.bodies.push(buf.subarray(body.start, body.end));
    fns.push({ size: body.end - body.start, name, part });
  });
  return { parts, fns };
}

/**
 * True when two parsed binaries have the same functions as far as sizes tell: the same number of
 * bodies with the same sizes (as a multiset). A names build of the shipped code is not byte-equal:
 * wasm-bindgen names its exports after the symbols it sees, which moves data addresses (the bodies'
 * i32.const operands) and, with them, a few tie-breaks in wasm-opt's function order.
 */
function sameCode(a, b) {
  if (a.bodies.length !== b.bodies.length) return false;
  const sizes = (p) => p.bodies.map((x) => x.end - x.start).sort((x, y) => x - y).join();
  return sizes(a) === sizes(b);
}

/** Bytes of each section kind (custom sections by their name), e.g. {code, data, type, ...}. */
function sectionBytes(parsed) {
  const out = {};
  for (const s of parsed.sections) {
    const k = s.id === 0 ? 'custom:' + s.custom : s.name;
    out[k] = (out[k] || 0) + s.end - s.start;
  }
  return out;
}

/** The binary without the named custom sections (e.g. what a release build's `strip = true` drops). */
function withoutCustom(buf, names) {
  const keep = parseWasm(buf).sections.filter((s) => !(s.id === 0 && names.includes(s.custom)));
  return Buffer.concat([buf.subarray(0, 8), ...keep.map((s) => buf.subarray(s.start, s.end))]);
}

module.exports = { parseWasm, withoutCustom, demangle, partOf, attribute, sameCode, sectionBytes, PARTS };
