// The hand-written index.d.ts shipped in pkg/ type-checks the code users write (tsc --strict).
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('pkg/index.d.ts accepts official-style usage and rejects misuse (tsc --strict)', () => {
  if (!fs.existsSync(path.join(ROOT, 'pkg', 'index.d.ts'))) throw new Error('pkg/index.d.ts missing: run ./x build');
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  try {
    execFileSync(tsc, ['--noEmit', '--strict', '--target', 'es2020', '--module', 'commonjs', '--lib', 'es2020,dom',
      path.join(ROOT, 'js-tests', 'types', 'usage.ts')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    throw new Error('tsc failed:\n' + e.stdout + e.stderr);
  }
});
