// A small WebAssembly binary scanner: which post-MVP features does a module use?
// The simulated WXWebAssembly refuses modules that need anything outside the mini-program
// feature set; Node itself would accept them all, so `WebAssembly.validate` proves nothing here.
//
// It walks every section and every instruction of every function body (with the immediates of
// each opcode), so a feature is found wherever it is encoded, including std code that LTO kept.

const NUM_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c]); // i32 i64 f32 f64

/**
 * @param {Uint8Array} bytes a .wasm binary
 * @returns {{features: string[], where: Record<string, string>}} post-MVP features (sorted) and where
 *   each was first seen. 'mvp' modules give `features: []`.
 */
export function scanWasmFeatures(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let p = 0;
  const found = new Map();
  const use = (feature, where) => { if (!found.has(feature)) found.set(feature, where); };
  const fail = (msg) => { throw new Error('wasm-features: malformed module: ' + msg + ' at byte ' + p); };

  const byte = () => { if (p >= b.length) fail('unexpected end'); return b[p++]; };
  const u32 = () => {
    let r = 0, s = 0, c;
    do { c = byte(); r += (c & 0x7f) * 2 ** s; s += 7; } while (c & 0x80);
    return r;
  };
  const sleb = () => { // s32 / s33 / s64: only skipped
    let c;
    do { c = byte(); } while (c & 0x80);
  };
  const skip = (n) => { if (p + n > b.length) fail('truncated'); p += n; };
  const name = () => { const n = u32(); const s = new TextDecoder().decode(b.subarray(p, p + n)); skip(n); return s; };

  const valtype = (where) => {
    const t = byte();
    if (NUM_TYPES.has(t)) return t;
    if (t === 0x7b) use('simd', where);
    else if (t === 0x70 || t === 0x6f) use('reference-types', where);
    else if (t === 0x64 || t === 0x63) { use('function-references', where); sleb(); }
    else use('gc', where + ' (value type 0x' + t.toString(16) + ')');
    return t;
  };
  const limits = (where, kind) => {
    const flags = byte();
    if (flags & 0x02) use('threads', where + ' (shared ' + kind + ')');
    if (flags & 0x04) use('memory64', where);
    if (flags & 0x08) use('custom-page-sizes', where);
    u32();
    if (flags & 0x01) u32();
    if (flags & 0x08) u32();
  };
  const tabletype = (where) => {
    const t = byte();
    if (t !== 0x70) use('reference-types', where + ' (table of 0x' + t.toString(16) + ')');
    limits(where, 'table');
  };

  // Function signatures, to find i64 at the JS boundary (needs JS BigInt integration) and multi-value.
  const types = [];
  const funcTypes = []; // type index of every function, imports first
  let importedFuncs = 0;

  /** Scans instructions until the `end` matching depth 0; returns false if it had to stop early. */
  function expr(where) {
    let depth = 0;
    for (;;) {
      const at = where + ' +' + p;
      const op = byte();
      switch (true) {
        case op === 0x00 || op === 0x01 || op === 0x0f || op === 0x1a || op === 0x1b || op === 0x05:
          break;
        case op === 0x02 || op === 0x03 || op === 0x04: {
          depth++;
          const t = b[p];
          if (t === 0x40 || NUM_TYPES.has(t)) p++;
          else if (t === 0x7b || t === 0x70 || t === 0x6f) { valtype(at); }
          else { use('multivalue', at + ' (block with a type index)'); sleb(); }
          break;
        }
        case op === 0x0b:
          if (depth === 0) return true;
          depth--;
          break;
        case op === 0x0c || op === 0x0d: u32(); break;
        case op === 0x0e: { const n = u32(); for (let i = 0; i <= n; i++) u32(); break; }
        case op === 0x10: u32(); break;
        case op === 0x11: {
          u32();
          // MVP: one reserved 0x00 byte. Reference types: a table index LEB (LLVM pads it to 5 bytes).
          if (b[p] === 0x00) p++;
          else { use('reference-types', at + ' (call_indirect table index encoding)'); u32(); }
          break;
        }
        case op === 0x12 || op === 0x13: use('tail-call', at); if (op === 0x13) u32(); u32(); break;
        case op === 0x14 || op === 0x15: use('function-references', at); u32(); break;
        case op === 0x1c: { use('reference-types', at + ' (typed select)'); const n = u32(); for (let i = 0; i < n; i++) valtype(at); break; }
        case op >= 0x20 && op <= 0x24: u32(); break;
        case op === 0x25 || op === 0x26: use('reference-types', at + ' (table.get/set)'); u32(); break;
        case op >= 0x28 && op <= 0x3e: {
          const align = u32();
          if (align & 0x40) { use('multi-memory', at); u32(); }
          u32();
          break;
        }
        case op === 0x3f || op === 0x40: if (byte() !== 0x00) use('multi-memory', at); break;
        case op === 0x41 || op === 0x42: sleb(); break;
        case op === 0x43: skip(4); break;
        case op === 0x44: skip(8); break;
        case op >= 0x45 && op <= 0xbf: break;
        case op >= 0xc0 && op <= 0xc4: use('sign-ext', at); break;
        case op === 0xd0: use('reference-types', at + ' (ref.null)'); valtype(at); break;
        case op === 0xd1: use('reference-types', at + ' (ref.is_null)'); break;
        case op === 0xd2: use('reference-types', at + ' (ref.func)'); u32(); break;
        case op === 0xfc: {
          const sub = u32();
          if (sub <= 7) use('nontrapping-float-to-int', at);
          else if (sub === 8) { use('bulk-memory', at + ' (memory.init)'); u32(); byte(); }
          else if (sub === 9) { use('bulk-memory', at + ' (data.drop)'); u32(); }
          else if (sub === 10) { use('bulk-memory', at + ' (memory.copy)'); byte(); byte(); }
          else if (sub === 11) { use('bulk-memory', at + ' (memory.fill)'); byte(); }
          else if (sub === 12) { use('bulk-memory', at + ' (table.init)'); u32(); u32(); }
          else if (sub === 13) { use('bulk-memory', at + ' (elem.drop)'); u32(); }
          else if (sub === 14) { use('bulk-memory', at + ' (table.copy)'); u32(); u32(); }
          else if (sub >= 15 && sub <= 17) { use('reference-types', at + ' (table.grow/size/fill)'); u32(); }
          else { use('unknown-0xfc-' + sub, at); return false; }
          break;
        }
        case op === 0xfd: use('simd', at); return false;
        case op === 0xfe: use('threads', at + ' (atomics)'); return false;
        case op === 0xfb: use('gc', at); return false;
        case op >= 0x06 && op <= 0x0a || op === 0x18 || op === 0x19 || op === 0x1f: use('exception-handling', at); return false;
        default: use('unknown-opcode-0x' + op.toString(16), at); return false;
      }
    }
  }

  if (b.length < 8 || b[0] !== 0x00 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) fail('not a wasm binary');
  if (b[4] !== 1 || b[5] || b[6] || b[7]) use('unknown-binary-version', 'header');
  p = 8;
  const boundary = (typeIndex, where) => {
    const t = types[typeIndex];
    if (t && (t.params.includes(0x7e) || t.results.includes(0x7e))) use('bigint-i64-at-js-boundary', where);
  };
  while (p < b.length) {
    const id = byte();
    const size = u32();
    const end = p + size;
    const sec = 'section ' + id;
    switch (id) {
      case 0: break; // custom (names, producers, target_features...): no effect on what runs
      case 1: {
        const n = u32();
        for (let i = 0; i < n; i++) {
          const form = byte();
          if (form !== 0x60) { use('gc', sec + ' (type form 0x' + form.toString(16) + ')'); p = end; break; }
          const params = [], results = [];
          for (let k = u32(); k > 0; k--) params.push(valtype(sec + ' type ' + i));
          for (let k = u32(); k > 0; k--) results.push(valtype(sec + ' type ' + i));
          if (results.length > 1) use('multivalue', sec + ' type ' + i + ' (' + results.length + ' results)');
          types.push({ params, results });
        }
        break;
      }
      case 2: {
        const n = u32();
        for (let i = 0; i < n; i++) {
          const where = 'import ' + name() + '.' + name();
          const kind = byte();
          if (kind === 0) { const t = u32(); funcTypes.push(t); importedFuncs++; boundary(t, where); }
          else if (kind === 1) tabletype(where);
          else if (kind === 2) limits(where, 'memory');
          else if (kind === 3) { valtype(where); if (byte() === 1) use('mutable-globals', where + ' (mutable global import)'); }
          else if (kind === 4) { use('exception-handling', where + ' (tag)'); byte(); u32(); }
          else fail('import kind ' + kind);
        }
        break;
      }
      case 3: { for (let n = u32(); n > 0; n--) funcTypes.push(u32()); break; }
      case 4: {
        const n = u32();
        if (n > 1) use('reference-types', sec + ' (' + n + ' tables)');
        for (let i = 0; i < n; i++) {
          if (b[p] === 0x40) { use('function-references', sec + ' (table initialiser)'); p = end; break; }
          tabletype(sec);
        }
        break;
      }
      case 5: {
        const n = u32();
        if (n > 1) use('multi-memory', sec + ' (' + n + ' memories)');
        for (let i = 0; i < n; i++) limits(sec, 'memory');
        break;
      }
      case 6: {
        const n = u32();
        for (let i = 0; i < n; i++) { valtype(sec); byte(); if (!expr('global ' + i)) { p = end; break; } }
        break;
      }
      case 7: {
        const n = u32();
        for (let i = 0; i < n; i++) {
          const where = 'export "' + name() + '"';
          const kind = byte();
          const index = u32();
          if (kind === 0) boundary(funcTypes[index], where);
          // iOS WXWebAssembly exports functions, memories and tables only.
          if (kind === 3) use('global-export', where);
          if (kind === 4) use('exception-handling', where + ' (tag)');
        }
        break;
      }
      case 8: u32(); break;
      case 9: {
        const n = u32();
        for (let i = 0; i < n; i++) {
          const flags = u32();
          if (flags !== 0) { use('bulk-memory', sec + ' (element segment flags ' + flags + ')'); p = end; break; }
          if (!expr('element ' + i + ' offset')) { p = end; break; }
          for (let k = u32(); k > 0; k--) u32();
        }
        break;
      }
      case 10: {
        const n = u32();
        for (let i = 0; i < n; i++) {
          const bodySize = u32();
          const bodyEnd = p + bodySize;
          const where = 'function ' + (importedFuncs + i);
          for (let k = u32(); k > 0; k--) { u32(); valtype(where + ' locals'); }
          expr(where);
          p = bodyEnd; // also skips the rest of a body whose scan stopped at an unknown opcode
        }
        break;
      }
      case 11: {
        const n = u32();
        for (let i = 0; i < n; i++) {
          const flags = u32();
          if (flags === 1) use('bulk-memory', sec + ' (passive data segment)');
          else if (flags === 2) { use('multi-memory', sec + ' (explicit memory index)'); u32(); }
          else if (flags !== 0) fail('data segment flags ' + flags);
          if (flags !== 1 && !expr('data ' + i + ' offset')) { p = end; break; }
          skip(u32());
        }
        break;
      }
      case 12: use('bulk-memory', 'data count section'); break;
      case 13: use('exception-handling', 'tag section'); break;
      default: use('unknown-section-' + id, sec);
    }
    if (p > end) fail('section ' + id + ' overran its size');
    p = end;
  }
  const features = [...found.keys()].sort();
  return { features, where: Object.fromEntries(found) };
}
