// Runs child/upload.mjs as a separate Node process and collects its JSON-line reports.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUCKET, REGION, SECRET_ID, SECRET_KEY } from './harness.mjs';

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'child', 'upload.mjs');

export function spawnUpload(ctx, args, { nodeArgs = [] } = {}) {
  const full = {
    port: ctx.port, bucket: BUCKET, region: REGION, secretId: SECRET_ID, secretKey: SECRET_KEY,
    checkpointPath: ctx.checkpointPath, parallel: 3, ...args,
  };
  const child = spawn(process.execPath, [...nodeArgs, CHILD, JSON.stringify(full)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, events: [], stdout: '', stderr: '', exited: false, code: null, signal: null };
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (c) => {
    run.stdout += c;
    buf += c;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try { run.events.push(JSON.parse(line)); } catch { /* not ours */ }
    }
  });
  child.stderr.on('data', (c) => { run.stderr += c; });
  run.exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    run.exited = true;
    run.code = code;
    run.signal = signal;
    resolve({ code, signal });
  }));
  run.last = (name) => run.events.filter((e) => e.event === name).pop();
  /** Kills the child if it is still running (by its own pid only). */
  run.kill = (sig = 'SIGKILL') => { if (!run.exited) child.kill(sig); };
  return run;
}
