'use strict';
// Shared helpers: statistics over rounds, paired ratios, child processes, temp files, formatting.

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const MiB = 1024 * 1024;
// The cos-wasm package under test: pkg/ (what ./x build makes), or COS_WASM_PKG to measure another
// build of it (an experiment) against the same peers.
const pkgDir = () => (process.env.COS_WASM_PKG ? path.resolve(process.env.COS_WASM_PKG) : path.join(ROOT, 'pkg'));
const PKG = pkgDir();

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** {median, min, max, n} of a list of numbers. */
function stats(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length, values: xs };
}

/**
 * Runs `rounds` rounds; in each, every candidate runs once, in an order that rotates from round to
 * round (so no candidate always runs first on a warm or cold machine). Returns {name: [results]}.
 */
async function interleave(rounds, candidates, runOne) {
  const names = Object.keys(candidates);
  const out = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) out[n].push(await runOne(n, candidates[n], r));
  }
  return out;
}

/** Per-round ratios a[i]/b[i] (the rounds are paired: both ran back to back under the same load). */
function pairedRatio(a, b) {
  return stats(a.map((x, i) => x / b[i]));
}

function fmtNum(x, digits) {
  if (!Number.isFinite(x)) return String(x);
  if (digits === undefined) digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max) unit" */
function fmtStats(s, unit, digits) {
  const u = unit ? ' ' + unit : '';
  if (s.n === 1) return fmtNum(s.median, digits) + u;
  return fmtNum(s.median, digits) + u + ' (' + fmtNum(s.min, digits) + '–' + fmtNum(s.max, digits) + ')';
}

function fmtRatio(s) {
  if (s.n === 1) return fmtNum(s.median, 2) + '×';
  return fmtNum(s.median, 2) + '× (' + fmtNum(s.min, 2) + '–' + fmtNum(s.max, 2) + ')';
}

/** A row's verdict: `op` is '>=' or '<=' and the median ratio is compared with `target`. */
function verdict(ratio, op, target) {
  if (!Number.isFinite(ratio.median)) return 'n/a';
  const ok = op === '>=' ? ratio.median >= target : ratio.median <= target;
  return ok ? 'met' : 'MISSED';
}

/** Runs `node script args...`; resolves with the JSON object printed on its last stdout line. */
function runNodeChild(script, args = [], { env, timeoutMs = 20 * 60 * 1000, nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() || '';
      if (code !== 0) {
        reject(new Error(path.basename(script) + ' ' + args.join(' ') + ' exited with ' + (signal || code) + '\n' + err.slice(-4000) + out.slice(-2000)));
        return;
      }
      try {
        resolve(JSON.parse(last));
      } catch (e) {
        reject(new Error(path.basename(script) + ' printed no JSON result: ' + out.slice(-2000) + err.slice(-2000)));
      }
    });
  });
}

/** A file of `size` pseudo-random bytes in os.tmpdir() (fast: one random MiB, varied per MiB). */
function makeTempFile(dir, name, size) {
  const p = path.join(dir, name);
  const fd = fs.openSync(p, 'w');
  const block = Buffer.alloc(8 * MiB);
  crypto.randomFillSync(block);
  let written = 0;
  let i = 0;
  while (written < size) {
    // Vary every block so no two parts are equal (a server or client could otherwise dedupe).
    block.writeUInt32LE(i++, 0);
    block.writeUInt32LE(i * 2654435761 >>> 0, 4 * MiB);
    const n = Math.min(block.length, size - written);
    fs.writeSync(fd, block, 0, n);
    written += n;
  }
  fs.closeSync(fd);
  return p;
}

function mkTempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Peak resident set size of this process (bytes): VmHWM, falling back to resourceUsage().maxRSS. */
function peakRss() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS * 1024;
}

function currentRss() {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return process.memoryUsage().rss;
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0: write 5 to /proc/self/clear_refs); false if not allowed. */
function resetPeakRss() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function parseArgs(argv) {
  const out = { _: [] };
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) out[m[1]] = m[2] === undefined ? true : m[2];
    else out._.push(a);
  }
  return out;
}

module.exports = {
  ROOT, PKG, pkgDir, MiB, median, stats, interleave, pairedRatio, fmtNum, fmtStats, fmtRatio, verdict,
  runNodeChild, makeTempFile, mkTempDir, peakRss, currentRss, resetPeakRss, parseArgs,
};
