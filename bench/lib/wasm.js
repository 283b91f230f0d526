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
    const parts = [];
    let i = n.indexOf('_', 2) + 1;
    while (i > 0 && i < n.length) {
      const m = /^\d+/.exec(n.slice(i));
      if (!m) { i++; continue; }
      const l = Number(m[0]);
      const id = n.slice(i + m[0].length, i + m[0].length + l);
      if (/^[A-Za-z_]/.test(id)) parts.push(id);
      i += m[0].length + Math.max(l, 1);
    }
    return parts.join('::');
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
