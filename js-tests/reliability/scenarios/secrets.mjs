// Secrets: the SecretKey (and temporary TmpSecretKeys) never appear in URLs, request headers, logs,
// checkpoint records, error messages, events or returned data — checked over a run that exercises
// every call, including failures, pauses, cancels, retries and clock correction. Pre-signed URLs
// carry only the signature fields.
import fs from 'node:fs';
import http from 'node:http';
import {
  MiB, patternBytes, waitFor, settle, check, eq, deepJson, findSecrets, localhostAgent, withTimeout, catchUncaught,
} from '../lib/harness.mjs';

const SIGNATURE_PARAMS = new Set(['q-sign-algorithm', 'q-ak', 'q-sign-time', 'q-key-time', 'q-header-list', 'q-url-param-list', 'q-signature', 'x-cos-security-token']);

function fetchStatus(url, agent) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

/** Every encoding of a secret that could plausibly leak. */
function forms(secret) {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')];
}

export const scenarios = [
  {
    id: 'secrets-never-leak',
    group: 'secrets',
    name: 'SecretKey / TmpSecretKey never in requests, checkpoint file, events, progress, errors, results or console output (every call, failures included)',
    timeoutMs: 120000,
    async run(ctx) {
      const { secretId, secretKey } = ctx.scanCredential;
      const wrongKey = 'WrongSecretKey' + Math.random().toString(36).slice(2);
      const tmpKeys = [];
      let checkpointDuringUpload = '';
      const captured = { console: [], events: [], progress: [], errors: [], results: [], urls: [] };
      const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
      const originals = {};
      for (const m of methods) {
        originals[m] = console[m];
        console[m] = (...args) => captured.console.push(m + ': ' + args.map((a) => (typeof a === 'string' ? a : deepJson(a))).join(' '));
      }
      const B = ctx.B, R = ctx.R;
      const track = (cos) => {
        cos.on('list-update', (d) => captured.events.push(deepJson(d)));
        return cos;
      };
      const cb = {
        onProgress: (p) => captured.progress.push(deepJson(p)),
        onHashProgress: (p) => captured.progress.push(deepJson(p)),
        onTaskReady: (id) => captured.progress.push(String(id)),
      };
      const run = async (p) => {
        const r = await settle(withTimeout(p, 30000, 'a call'));
        if (r.ok) captured.results.push(deepJson(r.value));
        else captured.errors.push(deepJson(r.error));
        return r;
      };
      try {
        const cos = track(ctx.cos({ SecretId: secretId, SecretKey: secretKey, ChunkRetryTimes: 0, UploadCheckContentMd5: true, ProgressInterval: 0 }));
        const small = patternBytes(40 * 1024, 150);
        const big = patternBytes(4 * MiB + 9, 151);
        const bigPath = ctx.file(big, 'secret-big.bin');
        // Simple calls, successes and failures.
        await run(cos.putObject({ Bucket: B, Region: R, Key: 's/put', Body: small, ...cb }));
        await run(cos.putObject({ Bucket: B, Region: R, Key: 's/put', Body: small, SkipTask: true }));
        // A throwing callback's exception surfaces uncaught: what reaches the handler is scanned too.
        const uncaught = catchUncaught();
        await run(cos.putObject({ Bucket: B, Region: R, Key: 's/put', Body: small, onProgress: () => { throw new Error('callback failure'); } }));
        await uncaught.restore();
        check(uncaught.errors.length > 0, 'the throwing callback\'s exception surfaced');
        captured.uncaught = uncaught.errors.map((e) => String(e && e.stack) + ' ' + deepJson(e));
        await run(cos.postObject({ Bucket: B, Region: R, Key: 's/post', Body: small, onProgress: cb.onProgress }));
        await run(cos.appendObject({ Bucket: B, Region: R, Key: 's/append', Body: 'a', Position: 0 }));
        await run(cos.appendObject({ Bucket: B, Region: R, Key: 's/append', Body: 'b', Position: 7 })); // AppendPositionErr
        await run(cos.headObject({ Bucket: B, Region: R, Key: 's/put' }));
        await run(cos.headObject({ Bucket: B, Region: R, Key: 's/missing' })); // 404
        await run(cos.getObject({ Bucket: B, Region: R, Key: 's/put', DataType: 'arraybuffer' }));
        await run(cos.getObject({ Bucket: B, Region: R, Key: 's/missing' })); // NoSuchKey
        await run(cos.deleteObject({ Bucket: B, Region: R, Key: 's/append' }));
        await run(cos.putObject({ Bucket: B, Region: R, Key: 's/bad', Body: 42 })); // param error
        ctx.server.addFault({ op: 'PutObject', nth: 1, times: 2, status: 503 });
        await run(cos.putObject({ Bucket: B, Region: R, Key: 's/retried', Body: small }));
        ctx.server.addFault({ op: 'PutObject', nth: 1, times: 10, status: 500 });
        await run(ctx.cos({ SecretId: secretId, SecretKey: secretKey, RetryTimes: 1 }).putObject({ Bucket: B, Region: R, Key: 's/failed', Body: small }));
        ctx.server.clearFaults();
        await run(track(ctx.cos({ SecretId: secretId, SecretKey: wrongKey })).putObject({ Bucket: B, Region: R, Key: 's/denied', Body: small })); // SignatureDoesNotMatch
        // Multipart by hand, with a Complete answering 200 + <Error> first.
        const init = await run(cos.multipartInit({ Bucket: B, Region: R, Key: 's/mp' }));
        const UploadId = init.value.UploadId;
        const part = await run(cos.multipartUpload({ Bucket: B, Region: R, Key: 's/mp', UploadId, PartNumber: 1, Body: small }));
        await run(cos.multipartListPart({ Bucket: B, Region: R, Key: 's/mp', UploadId }));
        await run(cos.multipartList({ Bucket: B, Region: R, Prefix: 's/' }));
        ctx.server.addFault({ op: 'CompleteMultipartUpload', nth: 1, completeError: { code: 'InternalError', message: 'merge failed' } });
        await run(cos.multipartComplete({ Bucket: B, Region: R, Key: 's/mp', UploadId, Parts: [{ PartNumber: 1, ETag: part.value.ETag }] }));
        await run(cos.multipartComplete({ Bucket: B, Region: R, Key: 's/mp', UploadId, Parts: [{ PartNumber: 1, ETag: part.value.ETag }] }));
        const other = await run(cos.multipartInit({ Bucket: B, Region: R, Key: 's/mp2' }));
        await run(cos.multipartAbort({ Bucket: B, Region: R, Key: 's/mp2', UploadId: other.value.UploadId }));
        await run(cos.multipartAbort({ Bucket: B, Region: R, Key: 's/mp2', UploadId: other.value.UploadId })); // NoSuchUpload
        // sliceUploadFile: a 403 on a part, restartTask, a pause, then success; the checkpoint is written meanwhile.
        ctx.server.addFault({ op: 'UploadPart', nth: 2, status: 403, code: 'AccessDenied' });
        let id;
        const p1 = run(cos.sliceUploadFile({ Bucket: B, Region: R, Key: 's/slice', FilePath: bigPath, ChunkSize: MiB, ...cb, onTaskReady: (t) => { id = t; cb.onTaskReady(t); } }));
        await p1;
        checkpointDuringUpload = fs.existsSync(ctx.checkpointPath) ? fs.readFileSync(ctx.checkpointPath, 'utf8') : '';
        check(checkpointDuringUpload.length > 0, 'a checkpoint was written for the failed upload');
        ctx.server.clearFaults();
        ctx.server.addFault({ op: 'UploadPart', delayMs: 50 });
        cos.restartTask(id);
        await waitFor(() => cos.getTaskList().find((t) => t.id === id).loaded >= 3 * MiB, 'progress after the restart');
        cos.pauseTask(id);
        captured.results.push(deepJson(cos.getTaskList()));
        cos.restartTask(id);
        await waitFor(() => cos.getTaskList().find((t) => t.id === id).state === 'success', 'the slice upload');
        ctx.server.clearFaults();
        ctx.expectObject('s/slice', big);
        // A canceled upload, one kept on cancel, uploadFile and uploadFiles (one bad file).
        ctx.server.addFault({ op: 'UploadPart', delayMs: 80 });
        let cid;
        const pc = run(cos.sliceUploadFile({ Bucket: B, Region: R, Key: 's/cancel', Body: big, ChunkSize: MiB, onTaskReady: (t) => { cid = t; } }));
        await waitFor(() => cid && cos.getTaskList().find((t) => t.id === cid).loaded > 0, 'the cancelable upload to start');
        cos.cancelTask(cid);
        await pc;
        ctx.server.clearFaults();
        await run(cos.uploadFile({ Bucket: B, Region: R, Key: 's/uf-small', Body: small, onFileFinish: (e, d) => captured.results.push(deepJson([e, d])) }));
        await run(cos.uploadFile({ Bucket: B, Region: R, Key: 's/uf-big', FilePath: bigPath, SliceSize: MiB, ...cb }));
        await run(cos.uploadFiles({ files: [{ Bucket: B, Region: R, Key: 's/ufs-1', Body: small }, { Bucket: B, Region: R, Body: small }], onProgress: cb.onProgress, onFileFinish: (e, d, o) => captured.results.push(deepJson([e, d, o])) }));
        await waitFor(() => ctx.uploads('s/cancel').length === 0, 'the canceled upload to be aborted');
        // Clock skew: corrected from the server's Date; the retried request is signed again.
        ctx.server.setClockOffset(3600e3);
        await run(ctx.cos({ SecretId: secretId, SecretKey: secretKey }).putObject({ Bucket: B, Region: R, Key: 's/skew', Body: small }));
        ctx.server.setClockOffset(0);
        // Pre-signed URLs and the static signer.
        const agent = localhostAgent();
        const url = cos.getObjectUrl({ Bucket: B, Region: R, Key: 's/put', Expires: 120 });
        const viaCb = await new Promise((res) => cos.getObjectUrl({ Bucket: B, Region: R, Key: 's/put' }, (e, d) => res(e ? deepJson(e) : d.Url)));
        const badUrl = await settle(Promise.resolve().then(() => cos.getObjectUrl({ Bucket: B, Region: R })));
        if (!badUrl.ok) captured.errors.push(deepJson(badUrl.error));
        captured.urls.push(url, viaCb);
        const auth = ctx.COS.getAuthorization({ SecretId: secretId, SecretKey: secretKey, Method: 'GET', Key: 's/put' });
        captured.urls.push(auth);
        const staticErr = await settle(Promise.resolve().then(() => ctx.COS.getAuthorization({ SecretKey: secretKey })));
        if (!staticErr.ok) captured.errors.push(deepJson(staticErr.error));
        const ctorErr = await settle(Promise.resolve().then(() => new ctx.COS({ SecretId: secretId, SecretKey: secretKey, Protocol: 'gopher' })));
        if (!ctorErr.ok) captured.errors.push(deepJson(ctorErr.error));
        // Temporary keys: every issued TmpSecretKey is a secret too.
        const sts = track(ctx.cos({
          SecretId: undefined, SecretKey: undefined, ProgressInterval: 0,
          getAuthorization(o, done) { const k = ctx.server.issueTempKeys({}); tmpKeys.push(k.TmpSecretKey); done(k); },
        }));
        await run(sts.putObject({ Bucket: B, Region: R, Key: 's/sts-put', Body: small, ...cb }));
        await run(sts.sliceUploadFile({ Bucket: B, Region: R, Key: 's/sts-slice', FilePath: bigPath, ChunkSize: MiB, ...cb }));
        await run(sts.getObject({ Bucket: B, Region: R, Key: 's/nothing-here' }));
        const stsUrl = await new Promise((res) => sts.getObjectUrl({ Bucket: B, Region: R, Key: 's/put' }, (e, d) => res(e ? deepJson(e) : d.Url)));
        captured.urls.push(stsUrl);
        // The URLs work and carry only signature fields.
        for (const u of [url, viaCb, stsUrl]) {
          const parsed = new URL(u);
          const names = [...parsed.searchParams.keys()];
          const extra = names.filter((n) => !SIGNATURE_PARAMS.has(n));
          eq(extra.join(','), '', 'query parameters besides the signature in ' + u);
          check(names.includes('q-signature'), 'a signature in ' + u);
          const got = await fetchStatus(u, agent);
          eq(got.status, 200, 'GET ' + u);
          eq(ctx.md5(got.body), ctx.md5(small), 'the pre-signed URL downloads the object');
        }
        agent.destroy();
        ctx.expectObject('s/put', small);
        ctx.expectObject('s/sts-slice', big);
        ctx.expectObject('s/uf-big', big);
      } finally {
        for (const m of methods) console[m] = originals[m];
      }
      // The scan.
      check(tmpKeys.length > 0, 'temporary keys were issued');
      const secrets = [secretKey, wrongKey, ...tmpKeys].flatMap(forms);
      const log = ctx.requests();
      check(log.length > 50, 'the run exercised the server (' + log.length + ' requests)');
      const places = {
        'request URLs': log.map((r) => r.url).join('\n'),
        'request headers': log.map((r) => JSON.stringify(r.headers)).join('\n'),
        'checkpoint file': checkpointDuringUpload + '\n' + (fs.existsSync(ctx.checkpointPath) ? fs.readFileSync(ctx.checkpointPath, 'utf8') : ''),
        'list-update payloads': captured.events.join('\n'),
        'progress events': captured.progress.join('\n'),
        'error objects': captured.errors.join('\n'),
        'results and task lists': captured.results.join('\n'),
        'pre-signed URLs and Authorization strings': captured.urls.join('\n'),
        'console output': captured.console.join('\n'),
        'uncaught exceptions': (captured.uncaught || []).join('\n'),
      };
      check(findSecrets('…' + encodeURIComponent(secretKey) + '…', secrets).length > 0, 'the scanner finds a planted secret');
      // cos-wasm writes nothing to the console itself: the capture stays empty unless that changes.
      const leaks = [];
      for (const [where, text] of Object.entries(places)) {
        const found = findSecrets(text, secrets);
        if (found.length) leaks.push(where + ' (' + found.length + ' occurrence kinds)');
      }
      ctx.note('scanned ' + log.length + ' requests, ' + captured.events.length + ' list-update payloads, ' + captured.progress.length + ' progress events, ' +
        captured.errors.length + ' errors, ' + captured.results.length + ' results, ' + captured.console.length + ' console lines, the checkpoint file and ' + captured.urls.length + ' URLs/signatures for ' + (2 + tmpKeys.length) + ' secrets');
      check(captured.errors.length >= 10, 'failures were exercised (' + captured.errors.length + ' errors)');
      check(captured.events.length > 0 && captured.progress.length > 0, 'events were captured');
      if (leaks.length) throw new Error('secret found in: ' + leaks.join(', '));
    },
  },
];
