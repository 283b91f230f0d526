#!/usr/bin/env node
// The reliability and security suite: `node js-tests/reliability/run.mjs [--soak] [--only=text]
// [--seed=n] [--json=file] [--list]`. Runs every scenario against an in-process local COS server,
// checks after each one that stored objects equal their sources and that no multipart upload is
// left open that the user did not keep, and prints a summary table. Exit code 1 if any scenario
// failed. See README.md in this directory.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHarness, withTimeout, Hang } from './lib/harness.mjs';
import { scenarios as faults } from './scenarios/faults.mjs';
import { scenarios as kill } from './scenarios/kill.mjs';
import { scenarios as badInput } from './scenarios/bad-input.mjs';
import { scenarios as hostile } from './scenarios/hostile.mjs';
import { scenarios as secrets } from './scenarios/secrets.mjs';
import { scenarios as load } from './scenarios/load.mjs';
import { scenarios as keys } from './scenarios/keys.mjs';
import { scenarios as slow } from './scenarios/slow.mjs';
import { scenarios as copy } from './scenarios/copy.mjs';
import { scenarios as scale } from './scenarios/scale.mjs';

// Load runs before the hostile answers: those grow the (never shrinking) wasm memory.
export const ALL = [...faults, ...copy, ...kill, ...badInput, ...keys, ...slow, ...load, ...scale, ...hostile, ...secrets];

function parseArgs(argv) {
  const o = { soak: false, only: null, seed: 1, json: null, list: false };
  for (const a of argv) {
    if (a === '--soak') o.soak = true;
    else if (a === '--list') o.list = true;
    else if (a.startsWith('--only=')) o.only = a.slice(7).split(',');
    else if (a.startsWith('--seed=')) o.seed = Number(a.slice(7)) || 1;
    else if (a.startsWith('--json=')) o.json = a.slice(7);
    else throw new Error('unknown argument ' + a + ' (use --soak, --only=a,b, --seed=n, --json=file, --list)');
  }
  return o;
}

function fmtBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(1) + ' MiB';
}

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Runs the selected scenarios; returns {results, totals}. `print(line)` gets progress lines. */
export async function runSuite({ soak = false, only = null, seed = 1, print = (l) => process.stdout.write(l + '\n') } = {}) {
  const selected = ALL.filter((s) => (soak || !s.soak) && (!only || only.some((x) => s.id === x || s.id.includes(x) || s.group === x)));
  const h = await createHarness({ seed });
  const results = [];
  let current = null;
  const stray = (kind) => (e) => {
    const msg = kind + ': ' + (e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
    if (current) current.strays.push(msg);
    else print('  (' + msg + ')');
  };
  const onRejection = stray('unhandled rejection');
  const onException = stray('uncaught exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  print('cos-wasm reliability suite: ' + selected.length + ' scenarios' + (soak ? ' (with soak)' : '') + ', seed ' + seed + ', server port ' + h.server.port);
  try {
    for (const s of selected) {
      const ctx = h.context(s.id);
      current = { strays: [] };
      const t0 = Date.now();
      let error = null;
      let extra = {};
      try {
        extra = (await withTimeout(Promise.resolve().then(() => s.run(ctx, h)), s.timeoutMs || 60000, 'scenario')) || {};
      } catch (e) {
        error = e instanceof Hang ? 'HANG: ' + e.message : (e && e.message) || String(e);
      }
      const after = await h.finish(ctx);
      const problems = [...(error ? [error] : []), ...after.problems, ...current.strays];
      const r = {
        id: s.id,
        group: s.group,
        name: s.name,
        passed: problems.length === 0,
        ms: Date.now() - t0,
        bytesResent: after.bytesResent,
        orphans: after.orphans,
        problems,
        notes: ctx.notes,
        ...extra,
      };
      results.push(r);
      print((r.passed ? 'PASS' : 'FAIL') + '  ' + pad(s.id, 30) + ' ' + pad((r.ms / 1000).toFixed(1) + ' s', 8) + ' ' + s.name);
      for (const n of r.notes) print('        · ' + n);
      for (const p of problems) print('        ✗ ' + p);
      current = null;
    }
  } finally {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    await h.close();
  }
  const totals = {
    tried: results.length,
    passed: results.filter((r) => r.passed).length,
    failed: results.filter((r) => !r.passed).length,
    bytesResent: results.reduce((a, r) => a + r.bytesResent, 0),
    orphans: results.reduce((a, r) => a + r.orphans, 0),
  };
  print('');
  print(summaryTable(results, totals));
  return { results, totals };
}

export function summaryTable(results, totals) {
  const rows = [['#', 'group', 'scenario', 'result', 'time', 'bytes resent', 'orphans']];
  results.forEach((r, i) => rows.push([String(i + 1), r.group, r.id, r.passed ? 'pass' : 'FAIL', (r.ms / 1000).toFixed(1) + ' s', fmtBytes(r.bytesResent), String(r.orphans)]));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row) => '| ' + row.map((v, c) => pad(v, widths[c])).join(' | ') + ' |';
  const sep = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  const out = [line(rows[0]), sep, ...rows.slice(1).map(line)];
  out.push('');
  out.push('scenarios tried: ' + totals.tried + ', passed: ' + totals.passed + ', failed: ' + totals.failed +
    ', bytes resent: ' + fmtBytes(totals.bytesResent) + ' (' + totals.bytesResent + ' B), orphaned uploads left: ' + totals.orphans);
  return out.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const s of ALL) console.log(pad(s.id, 30) + ' ' + pad(s.group, 10) + (s.soak ? ' [soak] ' : ' ') + s.name);
    return;
  }
  const { results, totals } = await runSuite(args);
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ totals, results }, null, 2));
  process.exitCode = totals.failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 2;
  });
}
