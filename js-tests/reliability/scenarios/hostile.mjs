// Hostile or broken server answers, end to end (the Rust core is property-tested against arbitrary
// responses in tests/hostile_server.rs; this is the JS-level counterpart): malformed, truncated,
// huge and deeply nested XML on ListParts / ListMultipartUploads / Initiate / Complete, UploadPart
// without an ETag, a non-numeric x-cos-hash-crc64ecma, absurd Content-Length. Each call must end
// in an error of the official shape — never a hang (every call has a deadline), never a crash
// (unhandled rejections and uncaught exceptions fail the scenario) — and the SDK instance must
// keep working afterwards. Uses the server's `respond` fault.
import {
  MiB, patternBytes, withTimeout, settle, check, shapeProblems, describeError, show, waitFor, memoryAfterGc,
} from '../lib/harness.mjs';

const DEADLINE = 20000;
const DEEP = '<a>'.repeat(100000) + '</a>'.repeat(100000);
const HUGE_UNTERMINATED = '<?xml version="1.0"?><ListPartsResult><Bucket>b</Bucket>' + '<Part><PartNumber>1</PartNumber><ETag>"x"</ETag><Size>1</Size></Part>'.repeat(400000);
const BINARY = Buffer.from(patternBytes(20000, 5));

/** Bodies every XML-answering operation gets. */
function xmlAnswers(root) {
  return [
    ['malformed XML', { body: '<' + root + '><Part><PartNumber>1</Part' }],
    ['mismatched tags', { body: '<' + root + '><UploadId>abc</Key></' + root + '>' }],
    ['truncated (Content-Length 5000, then the connection closes)', { headers: { 'Content-Length': '5000' }, body: '<' + root + '><UploadId>ab', close: true }],
    ['huge unterminated (27 MB)', { body: HUGE_UNTERMINATED }],
    ['100 000 levels deep', { body: DEEP }],
    ['not UTF-8', { body: BINARY }],
    ['JSON instead of XML', { body: '{"UploadId": "x"}' }],
    ['empty 200', { body: '' }],
  ];
}

function faultFor(op, respond) {
  return { op, nth: 1, times: 1000, respond: { status: 200, headers: { 'Content-Type': 'application/xml' }, ...respond, headers: { 'Content-Type': 'application/xml', ...(respond.headers || {}) } } };
}

/**
 * Runs the cases of one scenario. A case: {label, faults: [...], call(cos) → Promise, accept?:
 * 'error' | 'error-or-correct', cleanup?(ctx, cos, result)}. Returns the failed case descriptions.
 */
async function runCases(ctx, cases) {
  const failed = [];
  const cos = ctx.cos({ RetryTimes: 1, RetryDelay: 5, ChunkRetryTimes: 1 });
  for (const c of cases) {
    ctx.server.clearFaults();
    for (const f of c.faults) ctx.server.addFault(f);
    const t0 = Date.now();
    let r;
    try {
      r = await withTimeout(settle(c.call(cos, ctx)), DEADLINE, c.label);
    } catch (e) {
      r = { hang: true, error: e };
    }
    ctx.server.clearFaults();
    const ms = Date.now() - t0;
    const problems = [];
    if (r.hang) problems.push('HANG: no settlement within ' + DEADLINE + ' ms');
    else if (r.ok) {
      if (c.accept !== 'error-or-correct') problems.push('resolved as a success: ' + show(r.value));
    } else {
      const p = shapeProblems(r.error);
      if (p.length) problems.push(p.join('; ') + ' [' + describeError(r.error) + ']');
    }
    if (c.cleanup) {
      try { await c.cleanup(ctx, cos, r); } catch (e) { problems.push('afterwards: ' + e.message); }
    }
    // The instance still works.
    const alive = await settle(withTimeout(cos.headObject({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/alive' }), DEADLINE, 'headObject afterwards'));
    if (!alive.ok) problems.push('the next call failed: ' + describeError(alive.error));
    if (problems.length) failed.push(c.label + ': ' + problems.join('; '));
    else if (ctx.verbose) ctx.note(c.label + ' → ' + (r.ok ? 'success' : describeError(r.error)) + ' in ' + ms + ' ms');
  }
  return failed;
}

async function scenario(ctx, cases) {
  await ctx.cos().putObject({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/alive', Body: 'alive' });
  ctx.expectObject('hostile/alive', Buffer.from('alive'));
  const m0 = memoryAfterGc();
  const failed = await runCases(ctx, cases);
  const m1 = memoryAfterGc();
  ctx.note((cases.length - failed.length) + '/' + cases.length + ' ended as required; ArrayBuffer + wasm memory after GC ' + (m0.external / MiB).toFixed(0) + ' → ' + (m1.external / MiB).toFixed(0) + ' MiB');
  for (const f of failed) ctx.note('✗ ' + f);
  if (failed.length) throw new Error(failed.length + ' of ' + cases.length + ' hostile answers not handled (listed above)');
}

/** Cancels the task of a failed upload call (the user gives up) and checks its upload is gone. */
async function cancelAndCheckGone(ctx, cos, key) {
  for (const t of cos.getTaskList()) if (t.Key === key && t.state === 'error') cos.cancelTask(t.id);
  await waitFor(() => ctx.uploads(key).length === 0, 'the canceled task\'s upload of ' + key + ' to be aborted', 10000);
}

/** An upload of `key` already holding part 1 of `bytes`, so sliceUploadFile resumes it via the list. */
async function preparedUpload(ctx, key, bytes) {
  const cos = ctx.cos();
  const { UploadId } = await cos.multipartInit({ Bucket: ctx.B, Region: ctx.R, Key: key });
  await cos.multipartUpload({ Bucket: ctx.B, Region: ctx.R, Key: key, UploadId, PartNumber: 1, Body: bytes.subarray(0, MiB) });
  return UploadId;
}

async function abortAll(ctx, key) {
  const cos = ctx.cos();
  for (const u of ctx.uploads(key)) await cos.multipartAbort({ Bucket: ctx.B, Region: ctx.R, Key: key, UploadId: u.uploadId });
}

const three = patternBytes(3 * MiB + 7, 140);

export const scenarios = [
  {
    id: 'hostile-list-parts',
    group: 'hostile',
    name: 'hostile ListParts answers (malformed, truncated, huge, 100 000 levels deep, binary): multipartListPart and a resuming sliceUploadFile end in an error',
    timeoutMs: 240000,
    async run(ctx) {
      const { UploadId } = await ctx.cos().multipartInit({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/lp' });
      const cases = [];
      for (const [label, respond] of xmlAnswers('ListPartsResult')) {
        cases.push({ label: 'multipartListPart, ' + label, faults: [faultFor('ListParts', respond)], call: (cos) => cos.multipartListPart({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/lp', UploadId }) });
      }
      const filePath = ctx.file(three);
      for (const [label, respond] of xmlAnswers('ListPartsResult').filter(([l]) => /malformed|truncated|deep|huge/.test(l))) {
        const key = 'hostile/lp-resume';
        cases.push({
          label: 'sliceUploadFile resuming via the list, ListParts ' + label,
          accept: 'error-or-correct',
          faults: [faultFor('ListParts', respond)],
          async call(cos) {
            await preparedUpload(ctx, key, three);
            const d = await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, FilePath: filePath, ChunkSize: MiB });
            const o = ctx.object(key);
            check(o && o.md5 === ctx.md5(three), 'resolved, but the object is not the file');
            return d;
          },
          async cleanup(c, cos) {
            for (const t of cos.getTaskList()) if (t.Key === key && t.state === 'error') cos.cancelTask(t.id);
            await abortAll(ctx, key);
          },
        });
      }
      // A huge but well-formed listing (400 000 parts claiming to be part 1): no crash, bounded.
      cases.push({
        label: 'sliceUploadFile resuming via the list, ListParts huge and well-formed (400 000 bogus parts)',
        accept: 'error-or-correct',
        faults: [faultFor('ListParts', { body: HUGE_UNTERMINATED + '</ListPartsResult>' })],
        async call(cos) {
          await preparedUpload(ctx, 'hostile/lp-huge', three);
          const d = await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/lp-huge', FilePath: filePath, ChunkSize: MiB });
          const o = ctx.object('hostile/lp-huge');
          check(o && o.md5 === ctx.md5(three), 'resolved, but the object is not the file');
          return d;
        },
        async cleanup(c, cos) {
          for (const t of cos.getTaskList()) if (t.Key === 'hostile/lp-huge' && t.state === 'error') cos.cancelTask(t.id);
          await abortAll(ctx, 'hostile/lp-huge');
        },
      });
      try {
        await scenario(ctx, cases);
      } finally {
        await abortAll(ctx, 'hostile/lp');
      }
    },
  },
  {
    id: 'hostile-list-uploads',
    group: 'hostile',
    name: 'hostile ListMultipartUploads answers: multipartList and sliceUploadFile (ResumeFromList) end in an error',
    timeoutMs: 240000,
    async run(ctx) {
      const cases = [];
      for (const [label, respond] of xmlAnswers('ListMultipartUploadsResult')) {
        cases.push({ label: 'multipartList, ' + label, faults: [faultFor('ListMultipartUploads', respond)], call: (cos) => cos.multipartList({ Bucket: ctx.B, Region: ctx.R, Prefix: 'hostile/' }) });
      }
      const filePath = ctx.file(three);
      for (const [label, respond] of xmlAnswers('ListMultipartUploadsResult').filter(([l]) => /malformed|truncated|deep/.test(l))) {
        const key = 'hostile/lmu-slice';
        cases.push({
          label: 'sliceUploadFile (no checkpoint, looks for an upload to resume), ' + label,
          accept: 'error-or-correct',
          faults: [faultFor('ListMultipartUploads', respond)],
          async call(cos) {
            const d = await cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, FilePath: filePath, ChunkSize: MiB });
            const o = ctx.object(key);
            check(o && o.md5 === ctx.md5(three), 'resolved, but the object is not the file');
            return d;
          },
          cleanup: async (c, cos) => { await cancelAndCheckGone(ctx, cos, key); },
        });
      }
      await scenario(ctx, cases);
    },
  },
  {
    id: 'hostile-initiate',
    group: 'hostile',
    name: 'hostile InitiateMultipartUpload answers (no UploadId, malformed, huge, deep, truncated): multipartInit and sliceUploadFile end in an error',
    timeoutMs: 240000,
    async run(ctx) {
      const cases = [];
      const answers = [
        ['no UploadId', { body: '<?xml version="1.0"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key></InitiateMultipartUploadResult>' }],
        ['empty UploadId', { body: '<InitiateMultipartUploadResult><UploadId></UploadId></InitiateMultipartUploadResult>' }],
        ['<Error> inside a 200', { body: '<Error><Code>InternalError</Code><Message>boom</Message></Error>' }],
        // Nested entities from a DOCTYPE: never expanded, and an undefined one is never an UploadId.
        ['an UploadId made of a DOCTYPE entity', { body: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;"><!ENTITY lol9 "&lol2;&lol2;&lol2;">]><InitiateMultipartUploadResult><UploadId>&lol9;</UploadId></InitiateMultipartUploadResult>' }],
        ...xmlAnswers('InitiateMultipartUploadResult'),
      ];
      for (const [label, respond] of answers) {
        cases.push({ label: 'multipartInit, ' + label, faults: [faultFor('InitiateMultipartUpload', respond)], call: (cos) => cos.multipartInit({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/init' }) });
      }
      for (const [label, respond] of answers.filter(([l]) => /UploadId|malformed|deep|truncated|entity/.test(l))) {
        const key = 'hostile/init-slice';
        cases.push({
          label: 'sliceUploadFile, Initiate ' + label,
          faults: [faultFor('InitiateMultipartUpload', respond)],
          call: (cos) => cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: three, ChunkSize: MiB }),
          cleanup: async (c, cos) => { await cancelAndCheckGone(ctx, cos, key); },
        });
      }
      await scenario(ctx, cases);
    },
  },
  {
    id: 'hostile-complete',
    group: 'hostile',
    name: 'hostile CompleteMultipartUpload answers: sliceUploadFile ends in an error (never success), cancelTask then aborts the upload',
    timeoutMs: 240000,
    async run(ctx) {
      const cases = [];
      const answers = [
        ['<Error> nested 100 000 deep', { body: '<Error><Code>' + DEEP + '</Code></Error>' }],
        ['no CompleteMultipartUploadResult', { body: '<?xml version="1.0"?><Other/>' }],
        ['5xx with a 5 MB HTML body', { status: 502, headers: { 'Content-Type': 'text/html' }, body: '<html>' + 'x'.repeat(5 * MiB) + '</html>' }],
        ...xmlAnswers('CompleteMultipartUploadResult'),
      ];
      let i = 0;
      for (const [label, respond] of answers) {
        const key = 'hostile/complete-' + (i += 1);
        cases.push({
          label: 'sliceUploadFile, Complete ' + label,
          faults: [faultFor('CompleteMultipartUpload', respond)],
          call: (cos) => cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: three, ChunkSize: MiB }),
          cleanup: async (c, cos) => { await cancelAndCheckGone(ctx, cos, key); },
        });
      }
      await scenario(ctx, cases);
    },
  },
  {
    id: 'hostile-upload-part',
    group: 'hostile',
    name: 'UploadPart answered 200 without an ETag or with a non-numeric CRC64: sliceUploadFile and multipartUpload end in an error',
    timeoutMs: 240000,
    async run(ctx) {
      const cases = [];
      const { UploadId } = await ctx.cos().multipartInit({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/part' });
      const noEtag = { op: 'UploadPart', nth: 1, times: 1000, respond: { status: 200 } };
      const badCrc = { op: 'UploadPart', nth: 1, times: 1000, crc64: 'not-a-number' };
      const hugeCrc = { op: 'UploadPart', nth: 1, times: 1000, crc64: '99999999999999999999999999' };
      for (const [label, f] of [['no ETag', noEtag], ['x-cos-hash-crc64ecma: not-a-number', badCrc], ['x-cos-hash-crc64ecma beyond 64 bits', hugeCrc]]) {
        const key = 'hostile/part-slice-' + label.replace(/\W+/g, '-');
        cases.push({
          label: 'sliceUploadFile, UploadPart ' + label,
          faults: [f],
          call: (cos) => cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: three, ChunkSize: MiB }),
          cleanup: async (c, cos) => { await cancelAndCheckGone(ctx, cos, key); },
        });
        cases.push({
          label: 'multipartUpload, UploadPart ' + label,
          faults: [f],
          call: (cos) => cos.multipartUpload({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/part', UploadId, PartNumber: 1, Body: 'part body' }),
        });
      }
      try {
        await scenario(ctx, cases);
      } finally {
        await abortAll(ctx, 'hostile/part');
      }
    },
  },
  {
    id: 'hostile-headers',
    group: 'hostile',
    name: 'absurd Content-Length (huge and truncated, negative, non-numeric) and bad CRC64 headers on PutObject / HeadObject / ListParts / Complete end in an error',
    timeoutMs: 240000,
    async run(ctx) {
      const { UploadId } = await ctx.cos().multipartInit({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/h' });
      const put = (cos) => cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/h-put', Body: 'x' });
      const head = (cos) => cos.headObject({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/alive' });
      const lp = (cos) => cos.multipartListPart({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/h', UploadId });
      const cl = (v, close) => ({ headers: { 'Content-Length': v }, body: 'x', close });
      const cases = [
        ['putObject, Content-Length 99999999999999 then close', 'PutObject', cl('99999999999999', true), put],
        ['putObject, Content-Length -5', 'PutObject', cl('-5'), put],
        ['putObject, Content-Length "abc"', 'PutObject', cl('abc'), put],
        ['headObject, Content-Length -5', 'HeadObject', cl('-5'), head],
        ['headObject, Content-Length 1e400', 'HeadObject', cl('1e400'), head],
        ['multipartListPart, Content-Length 99999999999999 then close', 'ListParts', cl('99999999999999', true), lp],
        ['multipartListPart, Transfer-Encoding chunked with a broken chunk', 'ListParts', { headers: { 'Transfer-Encoding': 'chunked' }, body: 'zz\r\n<ListPartsResult>', close: true }, lp],
      ].map(([label, op, respond, call]) => ({ label, faults: [{ op, nth: 1, times: 1000, respond }], call }));
      cases.push({
        label: 'sliceUploadFile, Complete with x-cos-hash-crc64ecma: not-a-number',
        faults: [{ op: 'CompleteMultipartUpload', nth: 1, times: 1000, crc64: 'not-a-number' }],
        call: (cos) => cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/h-crc', Body: three, ChunkSize: MiB }),
        async cleanup() {
          // COS stored the object; the SDK must have reported a failure. Put the right one back.
          await ctx.cos().putObject({ Bucket: ctx.B, Region: ctx.R, Key: 'hostile/h-crc', Body: three });
          ctx.expectObject('hostile/h-crc', three);
        },
      });
      try {
        await scenario(ctx, cases);
      } finally {
        await abortAll(ctx, 'hostile/h');
      }
    },
  },
];
