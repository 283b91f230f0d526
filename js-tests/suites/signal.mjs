import { ok, equal, rejects, officialError } from './assert.mjs';
import { uniqueKey, sleep } from './data.mjs';

// AbortController for the suites, with its signal's listeners counted (the SDK must remove what it
// adds). Where the host has none (the mini-program runtime, like mini-programs themselves), a minimal
// one of the same shape, as polyfills provide: the SDK takes any signal with `aborted` and
// add/removeEventListener.
export function abortController() {
  const ctl = typeof AbortController === 'function' ? new AbortController() : minimalController();
  const signal = ctl.signal;
  const add = signal.addEventListener, remove = signal.removeEventListener;
  const live = new Set();
  signal.addEventListener = function (type, fn, opts) {
    if (type === 'abort') live.add(fn);
    return add.call(this, type, fn, opts);
  };
  signal.removeEventListener = function (type, fn, opts) {
    if (type === 'abort') live.delete(fn);
    return remove.call(this, type, fn, opts);
  };
  return { signal, abort: () => ctl.abort(), listeners: () => live.size };
}

function minimalController() {
  const fns = new Set();
  const signal = {
    aborted: false,
    addEventListener(type, fn) { if (type === 'abort') fns.add(fn); },
    removeEventListener(type, fn) { if (type === 'abort') fns.delete(fn); },
  };
  return {
    signal,
    abort() {
      if (signal.aborted) return;
      signal.aborted = true;
      for (const fn of [...fns]) fn({ type: 'abort' });
    },
  };
}

// A `signal` that aborts a call which is no queue task stops its request: the connection closes,
// the call settles with TaskCanceled once it stopped, and nothing more is sent for it.
const DELAY_MS = 3000;

async function waitFor(cond, what, ms = 5000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await sleep(20);
  }
}

/** The server's log of `op` requests (an entry appears once the connection closed or the answer went). */
async function logged(env, op, urlPart) {
  return (await env.admin.requestLog()).filter((r) => r.op === op && r.url.includes(urlPart));
}

async function arrived(env, op) {
  return (await env.admin.counters()).requests[op] || 0;
}

/**
 * Starts `start(signal)` against an answer the server delays by DELAY_MS for `op`, aborts once the
 * request arrived, and checks the request was stopped: the call settles with TaskCanceled well
 * before the answer was due, the server logs the request as closed without an answer, and no
 * further `op` request arrives.
 */
async function abortsInFlight(env, op, urlPart, start) {
  await env.admin.fault({ op, delayMs: DELAY_MS });
  const before = await arrived(env, op);
  const ctl = abortController();
  const p = start(ctl.signal);
  await waitFor(async () => (await arrived(env, op)) > before, 'the ' + op + ' request to arrive');
  const t0 = Date.now();
  ctl.abort();
  officialError(await rejects(p), { code: 'TaskCanceled' });
  ok(Date.now() - t0 < DELAY_MS / 2, 'settled before the answer was due');
  equal(ctl.listeners(), 0, 'no listener left on the signal');
  await waitFor(async () => (await logged(env, op, urlPart)).length > 0, 'the server to see the ' + op + ' connection end');
  const [entry] = await logged(env, op, urlPart);
  equal(entry.status, 0, 'the connection closed before the server answered');
  ok(entry.ms < DELAY_MS, 'closed by the client, after ' + entry.ms + ' ms');
  // A retry would arrive within the base retry delay; the delayed answer would have come by now.
  await sleep(500);
  equal(await arrived(env, op), before + 1, 'no further ' + op + ' request');
  await env.admin.clearFaults();
}

export const tests = [
  {
    name: 'signal: aborting an in-flight headObject stops its request; it settles with the cancel error once stopped',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('abort-head');
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'x' });
      await abortsInFlight(env, 'HeadObject', key, (signal) =>
        cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key, signal }));
      const head = await cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key });
      equal(head.statusCode, 200, 'the next call runs as usual');
    },
  },
  {
    name: 'signal: a call waiting for a getAuthorization that never answers settles at the abort; the next call asks again',
    async run(env) {
      let calls = 0;
      let answer = null; // the second call's getAuthorization answers
      const cos = new env.COS(env.options({
        SecretId: undefined, SecretKey: undefined,
        getAuthorization(options, cb) {
          calls += 1;
          if (answer) answer(cb);
        },
      }));
      const key = uniqueKey('auth-never');
      const ctl = abortController();
      const head = cos.headObject({ Bucket: env.bucket, Region: env.region, Key: key, signal: ctl.signal });
      await sleep(100);
      equal(calls, 1, 'getAuthorization asked');
      const t0 = Date.now();
      ctl.abort();
      const err = await head.then(() => null, (e) => e);
      equal(err && err.code, 'TaskCanceled');
      ok(Date.now() - t0 < 2000, 'settled at the abort, not at a guard timer: ' + (Date.now() - t0) + ' ms');
      equal(ctl.listeners(), 0, 'no listener left on the signal');
      answer = (cb) => env.admin.sts().then(cb);
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'after' });
      equal(calls, 2, 'the abandoned request holds nobody back: the next call asks again');
    },
  },
  {
    name: 'signal: aborting an in-flight table method (getBucket, callback style) stops its request',
    async run(env) {
      const cos = new env.COS(env.options());
      const prefix = uniqueKey('abort-list');
      await abortsInFlight(env, 'GetBucket', prefix, (signal) => new Promise((resolve, reject) => {
        cos.getBucket({ Bucket: env.bucket, Region: env.region, Prefix: prefix, signal }, (err, data) => (err ? reject(err) : resolve(data)));
      }));
    },
  },
  {
    name: 'signal: aborting an in-flight getObject stops its request',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('abort-get');
      await cos.putObject({ Bucket: env.bucket, Region: env.region, Key: key, Body: 'body' });
      await abortsInFlight(env, 'GetObject', key, (signal) =>
        cos.getObject({ Bucket: env.bucket, Region: env.region, Key: key, signal }));
    },
  },
  {
    name: 'signal: an InitiateMultipartUpload already sent runs to its answer: multipartInit resolves with the UploadId to abort',
    async run(env) {
      const cos = new env.COS(env.options());
      const key = uniqueKey('abort-init');
      await env.admin.fault({ op: 'InitiateMultipartUpload', delayMs: 300 });
      const before = await arrived(env, 'InitiateMultipartUpload');
      const ctl = abortController();
      const p = cos.multipartInit({ Bucket: env.bucket, Region: env.region, Key: key, signal: ctl.signal });
      await waitFor(async () => (await arrived(env, 'InitiateMultipartUpload')) > before, 'the Initiate to arrive');
      ctl.abort();
      const data = await p;
      ok(data.UploadId, 'the upload it made is known');
      equal(ctl.listeners(), 0, 'no listener left on the signal');
      await env.admin.clearFaults();
      await cos.multipartAbort({ Bucket: env.bucket, Region: env.region, Key: key, UploadId: data.UploadId });
      equal((await env.admin.uploads()).filter((u) => u.key === key).length, 0, 'no upload left');
    },
  },
];
