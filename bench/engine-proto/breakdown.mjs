// Code bytes by origin of a wasm built with names kept (measure.sh --names builds them into
// target/names/): node breakdown.mjs FILE.wasm [top]. Groups by the path prefix of each function's
// demangled name; data = the data segments (strings, tables).
import fs from 'node:fs';
// The wasm reader and demangler bench/'s size section uses (one parser for both).
import wasm from '../lib/wasm.js';

const { parseWasm, demangle } = wasm;
const [file, top = '0'] = process.argv.slice(2);
const b = fs.readFileSync(file);
const parsed = parseWasm(b);
const sizes = parsed.bodies.map((x) => x.end - x.start);
const names = parsed.names;
const imports = parsed.imports.func;
const data = parsed.sections.filter((s) => s.id === 11).reduce((n, s) => n + s.end - s.payload, 0);
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
