// node:test wrapper of the reliability suite (part of `node --test --test-concurrency=1 js-tests/`):
// runs run.mjs in a child process (so its memory measurements see only the suite), then reports
// one subtest per scenario; any failed scenario fails the test. The soak is not run here (run.mjs
// --soak does it).
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LIMIT_MS = 15 * 60 * 1000;

test('reliability and security suite (js-tests/reliability/run.mjs)', { timeout: LIMIT_MS + 60000 }, async (t) => {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cos-reliability-json-')), 'results.json');
  const child = spawn(process.execPath, [path.join(HERE, 'run.mjs'), '--json=' + json], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(sig || c)));
  clearTimeout(timer);
  if (!fs.existsSync(json)) throw new Error('run.mjs ended (' + code + ') without results:\n' + out);
  const { results, totals } = JSON.parse(fs.readFileSync(json, 'utf8'));
  fs.rmSync(path.dirname(json), { recursive: true, force: true });
  for (const line of out.split('\n').filter((l) => l.startsWith('|') || l.startsWith('scenarios tried'))) t.diagnostic(line);
  for (const r of results) {
    await t.test(r.group + ': ' + r.id, () => {
      if (!r.passed) throw new Error(r.name + '\n' + [...r.notes.map((n) => '· ' + n), ...r.problems.map((p) => '✗ ' + p)].join('\n'));
    });
  }
  if (totals.failed) throw new Error(totals.failed + ' of ' + totals.tried + ' scenarios failed (see the subtests)');
  if (code !== 0) throw new Error('run.mjs exited with ' + code);
});
