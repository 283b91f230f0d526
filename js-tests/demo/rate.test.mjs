// The demo's speed and time-left figures (www-demo/rate.mjs), without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateMeter, etaSeconds, formatEta } from '../../www-demo/rate.mjs';

const MiB = 1024 * 1024;

/** Progress as parts deliver it: nothing for a while, then a whole part at once. */
function burstySamples({ seconds = 30, meanRate = 8 * MiB, part = 2 * MiB, seed = 7 } = {}) {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out = [];
  let loaded = 0;
  let credit = 0;
  for (let t = 0; t <= seconds * 1000; t += 100 + Math.floor(rnd() * 60)) {
    credit = t * meanRate / 1000 - loaded;
    // Parts land in clumps: sometimes two or three together, sometimes none for half a second.
    while (credit >= part * (0.5 + rnd())) { loaded += part; credit -= part; }
    out.push([t, loaded]);
  }
  return out;
}

test('the smoothed speed stays steady under bursty progress, and near the true mean', () => {
  const samples = burstySamples();
  const m = new RateMeter();
  const shown = [];
  // What a half-second window (the SDK's figure) would say, for comparison.
  const windowed = [];
  let w0 = samples[0];
  for (const [t, loaded] of samples) {
    const r = m.update(loaded, t);
    if (r > 0) shown.push(r);
    if (t - w0[0] >= 500) { windowed.push((loaded - w0[1]) / ((t - w0[0]) / 1000)); w0 = [t, loaded]; }
  }
  assert.ok(shown.length > 100, 'a rate is given after the warm-up');
  const jump = (xs) => Math.max(...xs.slice(1).map((v, i) => Math.max(v / xs[i], xs[i] / v)));
  assert.ok(jump(windowed.filter((v) => v > 0)) > 2, 'the raw windowed speed does jump (the test is meaningful)');
  assert.ok(jump(shown) < 1.5, `consecutive smoothed speeds differ by at most 1.5× (got ${jump(shown).toFixed(2)}×)`);
  const late = shown.slice(Math.floor(shown.length / 3));
  for (const r of late) assert.ok(Math.abs(r / (8 * MiB) - 1) < 0.35, `near the 8 MiB/s mean: ${(r / MiB).toFixed(2)}`);
});

test('the meter waits for its warm-up, follows a change of pace and starts over when bytes go back', () => {
  const m = new RateMeter({ tauMs: 2000, warmupMs: 1000 });
  assert.equal(m.update(0, 0), 0);
  assert.equal(m.update(MiB, 500), 0, 'no figure from half a second');
  let r = 0;
  for (let t = 1000; t <= 10000; t += 250) r = m.update((t / 1000) * MiB, t);
  assert.ok(Math.abs(r / MiB - 1) < 0.01, 'a steady 1 MiB/s reads 1 MiB/s');
  for (let t = 10250; t <= 25000; t += 250) r = m.update(10 * MiB + ((t - 10000) / 1000) * 4 * MiB, t);
  assert.ok(Math.abs(r / (4 * MiB) - 1) < 0.02, 'then follows a new pace of 4 MiB/s');
  assert.equal(m.update(0, 25250), 0, 'a new run starts over');
  // Updates closer together than minStepMs are merged, not divided by a tiny time.
  const q = new RateMeter({ warmupMs: 0, minStepMs: 200 });
  q.update(0, 0);
  q.update(MiB, 300);
  assert.ok(Math.abs(q.update(MiB + 1000, 301) / (MiB / 0.3) - 1) < 0.01);
});

test('time left reads well and is rounded so it does not flicker', () => {
  assert.equal(etaSeconds(100, 0), null);
  assert.equal(etaSeconds(10 * MiB, 2 * MiB), 5);
  assert.equal(formatEta(null), '');
  assert.equal(formatEta(0.4), 'under a second left');
  assert.equal(formatEta(4.2), '5 s left');
  assert.equal(formatEta(59.5), '60 s left');
  assert.equal(formatEta(61), '1 min 10 s left');
  assert.equal(formatEta(125), '2 min 10 s left');
  assert.equal(formatEta(120), '2 min left');
  assert.equal(formatEta(1500), '25 min left');
  assert.equal(formatEta(3600 + 5 * 60 + 1), '1 h 6 min left');
  assert.equal(formatEta(7200), '2 h left');
});
