// The benchmarks must not rot: run `node bench/run.js --smoke` (tiny sizes, one round each) and check
// that it printed the results table with every row, each with a figure or a stated reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { ROWS } = require(path.join(ROOT, 'bench/lib/rows.js'));

test('bench/run.js --smoke prints a table with every row', { timeout: 240000 }, () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/run.js'), '--smoke'], {
    cwd: ROOT, encoding: 'utf8', timeout: 230000, maxBuffer: 16 * 1024 * 1024,
  });
  assert.equal(r.status, 0, 'bench --smoke failed:\n' + r.stderr.slice(-4000) + '\n' + r.stdout.slice(-2000));
  const lines = r.stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('| benchmark |'));
  assert.ok(header >= 0, 'no table header in:\n' + r.stdout.slice(0, 2000));
  const table = lines.slice(header + 2).filter((l) => l.startsWith('| '));
  assert.equal(table.length, ROWS.length, 'table has ' + table.length + ' rows, expected ' + ROWS.length);
  for (const [i, { label }] of ROWS.entries()) {
    const cells = table[i].split(' | ');
    assert.equal(cells[0], '| ' + label, 'row ' + i);
    const ours = cells[1];
    assert.ok(ours && ours.trim() && !/^not run|^error/.test(ours), label + ': ' + table[i]);
    const result = cells[cells.length - 1].replace(/ \|$/, '');
    assert.ok(['met', 'MISSED', '—', 'n/a'].includes(result), label + ' result: ' + result);
  }
});
