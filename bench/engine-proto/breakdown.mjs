// Code bytes by origin of a wasm built with names kept (measure.sh --names builds them into
// target/names/): node breakdown.mjs FILE.wasm [top]. Groups by the path prefix of each function's
// demangled name; data = the data segments (strings, tables).
import fs from 'node:fs';

const [file, top = '0'] = process.argv.slice(2);
const b = fs.readFileSync(file);
let p = 8;
const leb = () => { let r = 0, s = 0, x; do { x = b[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
const sizes = [];
const names = new Map();
let imports = 0, data = 0;
while (p < b.length) {
  const id = b[p++], len = leb(), end = p + len;
  if (id === 2) {
    for (let n = leb(); n--;) { p += leb(); p += leb(); const kind = b[p++]; if (kind === 0) { leb(); imports++; } else if (kind === 1) { p++; const f = leb(); leb(); if (f & 1) leb(); } else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); } else { p += 2; } }
  } else if (id === 10) {
    for (let n = leb(); n--;) { const l = leb(); sizes.push(l); p += l; }
  } else if (id === 11) {
    data += len;
  } else if (id === 0) {
    const nl = leb();
    const nm = b.toString('utf8', p, p + nl);
    p += nl;
    if (nm === 'name') {
      while (p < end) {
        const sub = b[p++], sl = leb(), se = p + sl;
        if (sub === 1) for (let n = leb(); n--;) { const i = leb(), l = leb(); names.set(i, b.toString('utf8', p, p + l)); p += l; }
        p = se;
      }
    }
  }
  p = end;
}
// Legacy Rust mangling (`_ZN3foo3bar17h0123456789abcdefE`) to `foo::bar`.
const demangle = (n) => {
  if (n.startsWith('_R')) {
    // v0 (precompiled std): the identifiers after the crate hash, good enough to group by.
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
    const l = Number(n.slice(i, j));
    parts.push(n.slice(j, j + l));
    i = j + l;
  }
  if (/^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts.join('::').replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ').replace(/\$RF\$/g, '&')
    .replace(/\$C\$/g, ',').replace(/\$u7b\$/g, '{').replace(/\$u7d\$/g, '}').replace(/\$u27\$/g, "'").replace(/\$BP\$/g, '*')
    .replace(/\.\./g, '::').replace(/^_</, '<');
};
const group = (n) => {
  if (!n) return '?';
  if (/core::fmt|<.* as core::fmt::|fmt::Display|fmt::Debug|Formatter|pad_integral|float_to_decimal/.test(n)) return 'core::fmt';
  if (/panic|unwrap_failed|expect_failed|slice_.*_fail|index_out_of|str_index|slice_error/.test(n)) return 'panics';
  if (/^(core::ptr::drop_in_place|drop_in_place)/.test(n)) return 'drop glue';
  const m = n.replace(/^</, '').match(/^([a-z_0-9]+)(::([a-z_0-9]+))?/);
  if (!m) return n.startsWith('memcpy') || n.startsWith('memset') || n.startsWith('memmove') || n.startsWith('memcmp') ? 'compiler builtins' : 'other';
  if (m[1] === 'cos_wasm' || m[1] === 'cos_hash') return m[1] + '::' + (m[3] || '');
  return m[1];
};
const groups = new Map();
const all = [];
sizes.forEach((s, i) => {
  const n = demangle(names.get(imports + i) || '');
  all.push([s, n]);
  const g = group(n);
  groups.set(g, (groups.get(g) || 0) + s);
});
const total = sizes.reduce((a, x) => a + x, 0);
console.log(`${file}: ${sizes.length} functions, code ${total} B, data ${data} B`);
for (const [g, s] of [...groups].sort((x, y) => y[1] - x[1])) console.log(`  ${String(s).padStart(7)}  ${g}`);
if (Number(top)) {
  console.log('largest:');
  for (const [s, n] of all.sort((x, y) => y[0] - x[0]).slice(0, Number(top))) console.log(`  ${String(s).padStart(7)}  ${n.slice(0, 150)}`);
}
