'use strict';
// The local COS server in its own process (its CPU is not the clients'), storing on disk under a
// temp dir that is removed afterwards.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, mkTempDir } = require('./common');
const { BUCKET, REGION, SECRET_ID, SECRET_KEY } = require('./raw-client');

function startServerProcess() {
  const dataDir = mkTempDir('cos-bench-server-');
  const cli = path.join(ROOT, 'js-tests/cos-server/cli.js');
  if (!fs.existsSync(cli)) return Promise.reject(new Error('the local COS server (js-tests/cos-server/cli.js) is missing'));
  const args = [
    cli, '--port', '0', '--host', '127.0.0.1',
    '--secret-id', SECRET_ID, '--secret-key', SECRET_KEY,
    '--bucket', BUCKET, '--region', REGION,
    '--data-dir', dataDir,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      child.stdout.off('data', onData);
      child.stdout.resume(); // keep draining
      const url = out.slice(0, nl).trim();
      const m = /:(\d+)\/?$/.exec(url);
      if (!m) { child.kill(); reject(new Error('cos-server printed no URL: ' + out + err)); return; }
      resolve({
        url,
        port: Number(m[1]),
        pid: child.pid,
        dataDir,
        stop: () => new Promise((res) => {
          if (child.exitCode !== null) { cleanup(); res(); return; }
          child.once('exit', () => { cleanup(); res(); });
          child.kill('SIGTERM');
          setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
        }),
      });
    };
    const cleanup = () => fs.rmSync(dataDir, { recursive: true, force: true });
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error('cos-server exited with ' + code + ': ' + err)));
    child.on('error', reject);
  });
}

module.exports = { startServerProcess };
