// Bad input: malformed calls across the whole surface are refused before anything is sent, with a
// clear error naming the parameter in the official shape; user callbacks that throw do not break
// the queue. (simple.mjs already covers the basic putObject cases — missing Bucket/Region/Key,
// bucket without APPID, Body 42 / {a:1}, TrafficLimit 100, StorageClass, ACL, an 851-byte key,
// Position -1, PartNumber 0/10001, Parts [2,1]; this table spreads those kinds over the other calls.)
import {
  MiB, patternBytes, waitFor, withTimeout, settle, check, eq, shapeProblems, show, describeError, catchUncaught,
} from '../lib/harness.mjs';

const B = 'examplebucket-1250000000';
const R = 'ap-guangzhou';
const LONG_KEY = 'k'.repeat(851);
const HUGE_META = 'v'.repeat(3000);

function detached() {
  const ab = new ArrayBuffer(64);
  structuredClone(ab, { transfer: [ab] });
  return ab;
}

const obj = (extra) => ({ Bucket: B, Region: R, Key: 'bad/input', ...extra });

/**
 * Cases: [label, how, needle, call]. `how`: 'throws' (synchronous), 'rejects' (Promise),
 * 'callback' (the (err, data) callback gets the error, the call returns undefined), 'file-error'
 * (uploadFiles resolves with files[0].error and calls onFileFinish with it).
 */
const GROUPS = [
  {
    id: 'bad-input-constructor',
    name: 'bad input: new COS() options and the static COS.getAuthorization',
    cases: [
      ['new COS(5)', 'throws', 'options', (C) => new C(5)],
      ['new COS("SecretId=x")', 'throws', 'options', (C) => new C('SecretId=x')],
      ['new COS(null)', 'throws', 'options', (C) => new C(null)],
      ['Protocol: "ftp"', 'throws', 'Protocol', (C) => new C({ Protocol: 'ftp' })],
      ['getAuthorization: "x"', 'throws', 'getAuthorization', (C) => new C({ getAuthorization: 'x' })],
      ['Timeout: "abc"', 'throws', 'Timeout', (C) => new C({ Timeout: 'abc' })],
      ['FileParallelLimit: {}', 'throws', 'FileParallelLimit', (C) => new C({ FileParallelLimit: {} })],
      // As the official SDKs: the constructor takes it, each signed call fails.
      ['StartTime: 123 (not 10 digits)', 'rejects', 'StartTime', (C) => new C({ SecretId: 'a', SecretKey: 'b', StartTime: 123, ExpiredTime: 1999999999 }).headObject(obj({}))],
      ['SecretKey: {}', 'throws', 'SecretKey', (C) => new C({ SecretId: 'a', SecretKey: {} })],
      ['getAuthorization({})', 'throws', 'SecretId', (C) => C.getAuthorization({})],
      ['getAuthorization() without SecretKey', 'throws', 'SecretKey', (C) => C.getAuthorization({ SecretId: 'AKIDx' })],
      ['getAuthorization Method: {}', 'throws', 'Method', (C) => C.getAuthorization({ SecretId: 'AKIDx', SecretKey: 'k', Method: {} })],
      ['getAuthorization Query: "a=b"', 'throws', 'Query', (C) => C.getAuthorization({ SecretId: 'AKIDx', SecretKey: 'k', Query: 'a=b' })],
      ['getAuthorization Headers: 5', 'throws', 'Headers', (C) => C.getAuthorization({ SecretId: 'AKIDx', SecretKey: 'k', Headers: 5 })],
      ['getAuthorization KeyTime: "abc"', 'throws', 'KeyTime', (C) => C.getAuthorization({ SecretId: 'AKIDx', SecretKey: 'k', KeyTime: 'abc' })],
      ['getAuthorization Expires: -5', 'throws', 'Expires', (C) => C.getAuthorization({ SecretId: 'AKIDx', SecretKey: 'k', Expires: -5 })],
    ],
  },
  {
    id: 'bad-input-put-post-append',
    name: 'bad input: putObject, postObject, appendObject',
    cases: [
      ['putObject Bucket: 5', 'rejects', 'Bucket', (C, cos) => cos.putObject(obj({ Bucket: 5, Body: 'x' }))],
      ['putObject Bucket: ""', 'rejects', 'Bucket', (C, cos) => cos.putObject(obj({ Bucket: '', Body: 'x' }))],
      ['putObject Key: ""', 'rejects', 'Key', (C, cos) => cos.putObject(obj({ Key: '', Body: 'x' }))],
      ['putObject Key: "/"', 'rejects', 'Key', (C, cos) => cos.putObject(obj({ Key: '/', Body: 'x' }))],
      // Keys whose "." and ".." segments resolve to the bucket root would send a bucket request.
      ['putObject Key: "."', 'rejects', 'Key', (C, cos) => cos.putObject(obj({ Key: '.', Body: 'x' }))],
      ['putObject Key: ".."', 'rejects', 'Key', (C, cos) => cos.putObject(obj({ Key: '..', Body: 'x' }))],
      ['putObject Key: "a/.."', 'rejects', 'Key', (C, cos) => cos.putObject(obj({ Key: 'a/..', Body: 'x' }))],
      ['getObject Key: "a/b/../../"', 'rejects', 'Key', (C, cos) => cos.getObject(obj({ Key: 'a/b/../../' }))],
      ['deleteObject Key: "./"', 'rejects', 'Key', (C, cos) => cos.deleteObject(obj({ Key: './' }))],
      ['sliceUploadFile Key: "x/../."', 'rejects', 'Key', (C, cos) => cos.sliceUploadFile(obj({ Key: 'x/../.', Body: 'x' }))],
      ['putObject Body: Symbol()', 'rejects', ['Body', 'body'], (C, cos) => cos.putObject(obj({ Body: Symbol('x') }))],
      ['putObject Body: Object.create(null)', 'rejects', ['Body', 'body'], (C, cos) => cos.putObject(obj({ Body: Object.create(null) }))],
      ['putObject Body: new Date()', 'rejects', ['Body', 'body'], (C, cos) => cos.putObject(obj({ Body: new Date() }))],
      ['putObject Body: 5n', 'rejects', ['Body', 'body'], (C, cos) => cos.putObject(obj({ Body: 5n }))],
      ['putObject Body: detached ArrayBuffer', 'rejects', ['Body', 'body'], (C, cos) => cos.putObject(obj({ Body: detached() }))],
      ['putObject FilePath: missing file', 'rejects', 'FilePath', (C, cos) => cos.putObject(obj({ FilePath: '/nonexistent/dir/file.bin' }))],
      ['putObject FilePath: a directory', 'rejects', 'FilePath', (C, cos) => cos.putObject(obj({ FilePath: '/tmp' }))],
      ['putObject no Body nor FilePath', 'rejects', 'Body', (C, cos) => cos.putObject(obj({}))],
      ['putObject Headers: [1]', 'rejects', 'Headers', (C, cos) => cos.putObject(obj({ Body: 'x', Headers: [1] }))],
      ['putObject ContentType with CR LF', 'rejects', 'Content-Type', (C, cos) => cos.putObject(obj({ Body: 'x', ContentType: 'text/plain\r\nx-evil: 1' }))],
      ['putObject ContentLength ≠ Body size', 'rejects', 'ContentLength', (C, cos) => cos.putObject(obj({ Body: 'xyz', ContentLength: 10 }))],
      ['putObject TrafficLimit: "fast"', 'rejects', 'TrafficLimit', (C, cos) => cos.putObject(obj({ Body: 'x', TrafficLimit: 'fast' }))],
      ['putObject TrafficLimit: 1000000.5', 'rejects', 'TrafficLimit', (C, cos) => cos.putObject(obj({ Body: 'x', TrafficLimit: 1000000.5 }))],
      ['putObject TrafficLimit: 838860801', 'rejects', 'TrafficLimit', (C, cos) => cos.putObject(obj({ Body: 'x', TrafficLimit: 838860801 }))],
      ['putObject 3000-byte x-cos-meta-*', 'rejects', 'x-cos-meta', (C, cos) => cos.putObject(obj({ Body: 'x', 'x-cos-meta-big': HUGE_META }))],
      ['putObject onTaskReady: 5', 'rejects', 'onTaskReady', (C, cos) => cos.putObject(obj({ Body: 'x', onTaskReady: 5 }))],
      ['putObject(null)', 'rejects', 'params', (C, cos) => cos.putObject(null)],
      ['putObject("params")', 'rejects', 'params', (C, cos) => cos.putObject('params')],
      ['putObject callback style, Body: 42', 'callback', ['Body', 'body'], (C, cos, cb) => cos.putObject(obj({ Body: 42 }), cb)],
      ['postObject no Key', 'rejects', 'Key', (C, cos) => cos.postObject({ Bucket: B, Region: R, Body: 'x' })],
      ['postObject Bucket without APPID', 'rejects', 'Bucket', (C, cos) => cos.postObject(obj({ Bucket: 'examplebucket', Body: 'x' }))],
      ['postObject Body: 1', 'rejects', ['Body', 'body'], (C, cos) => cos.postObject(obj({ Body: 1 }))],
      ['postObject 3000-byte x-cos-meta-*', 'rejects', 'x-cos-meta', (C, cos) => cos.postObject(obj({ Body: 'x', 'x-cos-meta-big': HUGE_META }))],
      ['postObject FilePath: missing file', 'rejects', 'FilePath', (C, cos) => cos.postObject(obj({ FilePath: '/nonexistent/post.bin' }))],
      ['appendObject Position: 1.5', 'rejects', 'Position', (C, cos) => cos.appendObject(obj({ Body: 'x', Position: 1.5 }))],
      ['appendObject Position: "abc"', 'rejects', 'Position', (C, cos) => cos.appendObject(obj({ Body: 'x', Position: 'abc' }))],
      ['appendObject no Position', 'rejects', 'Position', (C, cos) => cos.appendObject(obj({ Body: 'x' }))],
      ['appendObject no Bucket', 'rejects', 'Bucket', (C, cos) => cos.appendObject({ Region: R, Key: 'k', Body: 'x', Position: 0 })],
      ['appendObject Body: {}', 'rejects', ['Body', 'body'], (C, cos) => cos.appendObject(obj({ Body: {}, Position: 0 }))],
    ],
  },
  {
    id: 'bad-input-head-url-multipart',
    name: 'bad input: headObject, getObject, getObjectUrl, multipart*',
    cases: [
      ['headObject Key of 851 bytes', 'rejects', 'Key', (C, cos) => cos.headObject(obj({ Key: LONG_KEY }))],
      ['headObject Region: "x y"', 'rejects', 'Region', (C, cos) => cos.headObject(obj({ Region: 'x y' }))],
      ['headObject Key: 5', 'rejects', 'Key', (C, cos) => cos.headObject(obj({ Key: 5 }))],
      ['headObject no Region', 'rejects', 'Region', (C, cos) => cos.headObject({ Bucket: B, Key: 'k' })],
      ['getObject no Key', 'rejects', 'Key', (C, cos) => cos.getObject({ Bucket: B, Region: R })],
      ['getObjectUrl no Key', 'throws', 'Key', (C, cos) => cos.getObjectUrl({ Bucket: B, Region: R })],
      ['getObjectUrl Bucket without APPID', 'throws', 'Bucket', (C, cos) => cos.getObjectUrl(obj({ Bucket: 'nobucketid' }))],
      ['getObjectUrl Expires: -1', 'throws', 'Expires', (C, cos) => cos.getObjectUrl(obj({ Expires: -1 }))],
      ['getObjectUrl Expires: "abc"', 'throws', 'Expires', (C, cos) => cos.getObjectUrl(obj({ Expires: 'abc' }))],
      ['getObjectUrl Protocol: "ftp"', 'throws', 'Protocol', (C, cos) => cos.getObjectUrl(obj({ Protocol: 'ftp' }))],
      ['getObjectUrl callback style, no Key', 'callback', 'Key', (C, cos, cb) => { cos.getObjectUrl({ Bucket: B, Region: R }, cb); }],
      ['multipartInit no Bucket', 'rejects', 'Bucket', (C, cos) => cos.multipartInit({ Region: R, Key: 'k' })],
      ['multipartInit StorageClass: "GOLD"', 'rejects', 'StorageClass', (C, cos) => cos.multipartInit(obj({ StorageClass: 'GOLD' }))],
      ['multipartUpload PartNumber: 1.5', 'rejects', 'PartNumber', (C, cos) => cos.multipartUpload(obj({ UploadId: 'u', PartNumber: 1.5, Body: 'x' }))],
      ['multipartUpload PartNumber: "10001"', 'rejects', 'PartNumber', (C, cos) => cos.multipartUpload(obj({ UploadId: 'u', PartNumber: '10001', Body: 'x' }))],
      ['multipartUpload no UploadId', 'rejects', 'UploadId', (C, cos) => cos.multipartUpload(obj({ PartNumber: 1, Body: 'x' }))],
      ['multipartUpload Body: detached ArrayBuffer', 'rejects', ['Body', 'body'], (C, cos) => cos.multipartUpload(obj({ UploadId: 'u', PartNumber: 1, Body: detached() }))],
      ['multipartListPart MaxParts: -1', 'rejects', 'MaxParts', (C, cos) => cos.multipartListPart(obj({ UploadId: 'u', MaxParts: -1 }))],
      ['multipartListPart no UploadId', 'rejects', 'UploadId', (C, cos) => cos.multipartListPart(obj({}))],
      ['multipartComplete Parts [1,3,2]', 'rejects', 'Parts', (C, cos) => cos.multipartComplete(obj({ UploadId: 'u', Parts: [1, 3, 2].map((n) => ({ PartNumber: n, ETag: '"e"' })) }))],
      ['multipartComplete Parts with a duplicate', 'rejects', 'Parts', (C, cos) => cos.multipartComplete(obj({ UploadId: 'u', Parts: [1, 1].map((n) => ({ PartNumber: n, ETag: '"e"' })) }))],
      ['multipartComplete Parts: []', 'rejects', 'Parts', (C, cos) => cos.multipartComplete(obj({ UploadId: 'u', Parts: [] }))],
      ['multipartComplete Parts: "1,2"', 'rejects', 'Parts', (C, cos) => cos.multipartComplete(obj({ UploadId: 'u', Parts: '1,2' }))],
      ['multipartComplete Parts[0] without ETag', 'rejects', 'ETag', (C, cos) => cos.multipartComplete(obj({ UploadId: 'u', Parts: [{ PartNumber: 1 }] }))],
      ['multipartComplete PartNumber 0 in Parts', 'rejects', 'PartNumber', (C, cos) => cos.multipartComplete(obj({ UploadId: 'u', Parts: [{ PartNumber: 0, ETag: '"e"' }] }))],
      ['multipartAbort no UploadId', 'rejects', 'UploadId', (C, cos) => cos.multipartAbort(obj({}))],
      ['multipartList MaxUploads: 0', 'rejects', 'MaxUploads', (C, cos) => cos.multipartList({ Bucket: B, Region: R, MaxUploads: 0 })],
      ['multipartList no Region', 'rejects', 'Region', (C, cos) => cos.multipartList({ Bucket: B })],
    ],
  },
  {
    id: 'bad-input-upload-calls',
    name: 'bad input: sliceUploadFile, uploadFile, uploadFiles, getAuthorization callbacks',
    cases: [
      ['sliceUploadFile Body: 3', 'rejects', ['Body', 'body'], (C, cos) => cos.sliceUploadFile(obj({ Body: 3 }))],
      ['sliceUploadFile Key of 851 bytes', 'rejects', 'Key', (C, cos) => cos.sliceUploadFile(obj({ Key: LONG_KEY, Body: 'x' }))],
      ['sliceUploadFile ChunkSize: 1.5', 'rejects', 'ChunkSize', (C, cos) => cos.sliceUploadFile(obj({ Body: 'x', ChunkSize: 1.5 }))],
      ['sliceUploadFile ChunkSize: -1', 'rejects', 'ChunkSize', (C, cos) => cos.sliceUploadFile(obj({ Body: 'x', ChunkSize: -1 }))],
      ['sliceUploadFile AsyncLimit: "abc"', 'rejects', 'AsyncLimit', (C, cos) => cos.sliceUploadFile(obj({ Key: 'bad/async-abc', Body: 'x', AsyncLimit: 'abc' }))],
      ['sliceUploadFile AsyncLimit: -1', 'rejects', 'AsyncLimit', (C, cos) => cos.sliceUploadFile(obj({ Key: 'bad/async-neg', Body: 'x', AsyncLimit: -1 }))],
      ['sliceUploadFile Body: detached ArrayBuffer', 'rejects', ['Body', 'body'], (C, cos) => cos.sliceUploadFile(obj({ Body: detached() }))],
      ['sliceUploadFile onProgress: "x"', 'rejects', 'onProgress', (C, cos) => cos.sliceUploadFile(obj({ Body: 'x', onProgress: 'x' }))],
      ['uploadFile FilePath: missing file', 'rejects', 'FilePath', (C, cos) => cos.uploadFile(obj({ FilePath: '/nonexistent/upload.bin' }))],
      ['uploadFile SliceSize: -1', 'rejects', 'SliceSize', (C, cos) => cos.uploadFile(obj({ Body: 'x', SliceSize: -1 }))],
      ['uploadFile Bucket without APPID', 'rejects', 'Bucket', (C, cos) => cos.uploadFile(obj({ Bucket: 'nobucketid', Body: 'x' }))],
      ['uploadFile onFileFinish: 5', 'rejects', 'onFileFinish', (C, cos) => cos.uploadFile(obj({ Body: 'x', onFileFinish: 5 }))],
      ['uploadFiles files: "a.txt"', 'rejects', 'files', (C, cos) => cos.uploadFiles({ files: 'a.txt' })],
      ['uploadFiles files: [5]', 'rejects', 'files', (C, cos) => cos.uploadFiles({ files: [5] })],
      ['uploadFiles no files', 'rejects', 'files', (C, cos) => cos.uploadFiles({})],
      ['uploadFiles files[0] without Key', 'file-error', 'Key', (C, cos, cb) => cos.uploadFiles({ files: [{ Bucket: B, Region: R, Body: 'x' }], onFileFinish: cb })],
      ['uploadFiles files[0] Body: Symbol()', 'file-error', ['Body', 'body'], (C, cos, cb) => cos.uploadFiles({ files: [obj({ Body: Symbol('s') })], onFileFinish: cb })],
      ['getAuthorization throws', 'rejects', 'getAuthorization', (C, cos, cb, ctx) => new C(ctx.options({ SecretId: undefined, SecretKey: undefined, getAuthorization() { throw new Error('STS down'); } })).putObject(obj({ Body: 'x' }))],
      ['getAuthorization returns a rejected Promise', 'rejects', 'STS unreachable', (C, cos, cb, ctx) => new C(ctx.options({ SecretId: undefined, SecretKey: undefined, async getAuthorization() { throw new Error('STS unreachable'); } })).putObject(obj({ Body: 'x' }))],
      ['getAuthorization calls back {}', 'rejects', 'TmpSecretId', (C, cos, cb, ctx) => new C(ctx.options({ SecretId: undefined, SecretKey: undefined, getAuthorization(o, done) { done({}); } })).putObject(obj({ Body: 'x' }))],
      ['getAuthorization calls back 42', 'rejects', 'getAuthorization', (C, cos, cb, ctx) => new C(ctx.options({ SecretId: undefined, SecretKey: undefined, getAuthorization(o, done) { done(42); } })).putObject(obj({ Body: 'x' }))],
      ['getAuthorization ExpiredTime: "soon"', 'rejects', 'ExpiredTime', (C, cos, cb, ctx) => new C(ctx.options({ SecretId: undefined, SecretKey: undefined, getAuthorization(o, done) { done({ TmpSecretId: 'a', TmpSecretKey: 'b', SecurityToken: 't', ExpiredTime: 'soon' }); } })).putObject(obj({ Body: 'x' }))],
    ],
  },
];

/** Runs one case; returns a list of problems ([] = refused cleanly, nothing sent). */
async function runCase(ctx, cos, [label, how, needle, call]) {
  const C = ctx.COS;
  const before = ctx.server.counters().total;
  const uploadsBefore = ctx.uploads().length;
  const problems = [];
  let err;
  if (how === 'throws') {
    try {
      const v = call(C, cos);
      problems.push('accepted: returned ' + show(v));
    } catch (e) {
      err = e;
    }
  } else if (how === 'rejects') {
    let r;
    try {
      r = await withTimeout(settle(call(C, cos, undefined, ctx)), 15000, label);
    } catch (e) {
      r = { ok: false, error: e };
      problems.push(e.message);
    }
    if (r.ok) problems.push('accepted: resolved with ' + show(r.value));
    else err = r.error;
  } else if (how === 'callback') {
    const got = [];
    let ret;
    try {
      ret = call(C, cos, (e, d) => got.push([e, d]));
    } catch (e) {
      problems.push('threw instead of calling back: ' + describeError(e));
    }
    await withTimeout(waitFor(() => got.length > 0, 'the callback', 5000), 8000, label).catch((e) => problems.push(e.message));
    if (ret !== undefined) problems.push('returned ' + show(ret) + ' with a callback');
    if (got.length) {
      if (got[0][0] === null || got[0][0] === undefined) problems.push('callback got data ' + show(got[0][1]));
      err = got[0][0];
    }
  } else if (how === 'file-error') {
    const finished = [];
    const r = await settle(withTimeout(call(C, cos, (e, d, o) => finished.push([e, d, o])), 15000, label));
    if (!r.ok) problems.push('uploadFiles rejected: ' + describeError(r.error));
    else {
      const f = r.value.files && r.value.files[0];
      if (!f || !f.error) problems.push('files[0].error missing: ' + show(r.value));
      else {
        const p = shapeProblems(f.error, { needle, plain: true });
        if (p.length) problems.push('files[0].error: ' + p.join('; '));
      }
      if (finished.length !== 1) problems.push('onFileFinish called ' + finished.length + ' times');
      else err = finished[0][0];
    }
  }
  if (err !== undefined) {
    const p = shapeProblems(err, { needle });
    if (p.length) problems.push(p.join('; ') + ' [' + describeError(err) + ']');
  }
  // Let anything a bad call might have started reach the server before counting.
  await new Promise((r) => setImmediate(r));
  await ctx.quiesce();
  const sent = ctx.server.counters().total - before;
  if (sent) problems.push(sent + ' request(s) sent: ' + ctx.requests().slice(-sent).map((x) => x.op).join(', '));
  const opened = ctx.uploads().length - uploadsBefore;
  if (opened) problems.push(opened + ' multipart upload(s) opened and left on the server');
  return { problems, message: err && err.message };
}

const groupScenarios = GROUPS.map((g) => ({
  id: g.id,
  group: 'bad-input',
  name: g.name + ' (' + g.cases.length + ' malformed calls): refused before sending, official error naming the parameter',
  timeoutMs: 120000,
  async run(ctx) {
    const cos = ctx.cos();
    const failed = [];
    for (const c of g.cases) {
      const r = await runCase(ctx, cos, c);
      if (r.problems.length) failed.push(c[0] + ': ' + r.problems.join('; '));
    }
    ctx.note(g.cases.length - failed.length + '/' + g.cases.length + ' refused cleanly');
    for (const f of failed) ctx.note('✗ ' + f);
    if (failed.length) throw new Error(failed.length + ' of ' + g.cases.length + ' malformed calls not refused cleanly (listed above)');
    return { cases: g.cases.length };
  },
}));

export const CASE_COUNT = GROUPS.reduce((a, g) => a + g.cases.length, 0);

export const scenarios = [
  ...groupScenarios,
  {
    id: 'throwing-callbacks',
    group: 'bad-input',
    name: 'callbacks that throw (onProgress, onHashProgress, onTaskReady, onFileFinish, list-update, (err, data)) do not break the queue',
    async run(ctx) {
      // Each exception surfaces uncaught (rethrown by the SDK on a task of its own), as the
      // official SDKs let them escape; the queue must go on regardless.
      const uncaught = catchUncaught();
      try {
        const cos = ctx.cos({ FileParallelLimit: 1, UploadCheckContentMd5: true, ProgressInterval: 0 });
        let listenerCalls = 0;
        const listener = () => { listenerCalls += 1; throw new Error('list-update listener boom'); };
        cos.on('list-update', listener);
        const boom = (what) => () => { throw new Error(what + ' boom'); };
        const small = patternBytes(50 * 1024, 130);
        const big = patternBytes(3 * MiB, 131);
        const jobs = [];
        for (let i = 0; i < 3; i++) {
          const key = 'cb/put-' + i;
          jobs.push([key, small, cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: key, Body: small, onProgress: boom('onProgress'), onHashProgress: boom('onHashProgress'), onTaskReady: boom('onTaskReady') })]);
        }
        jobs.push(['cb/slice', big, cos.sliceUploadFile({ Bucket: ctx.B, Region: ctx.R, Key: 'cb/slice', FilePath: ctx.file(big), ChunkSize: MiB, onProgress: boom('onProgress'), onTaskReady: boom('onTaskReady') })]);
        jobs.push(['cb/uploadfile', big, cos.uploadFile({ Bucket: ctx.B, Region: ctx.R, Key: 'cb/uploadfile', Body: big, SliceSize: MiB, onFileFinish: boom('onFileFinish'), onProgress: boom('onProgress') })]);
        // (err, data) callbacks that throw, for a success and for a failure.
        const cbDone = [];
        cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: 'cb/callback-ok', Body: small }, (e) => { cbDone.push(e); throw new Error('(err, data) callback boom'); });
        cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: 'cb/callback-err', Body: 42 }, (e) => { cbDone.push(e); throw new Error('(err, data) callback boom on an error'); });
        jobs.push(['cb/after', small, cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: 'cb/after', Body: small })]);
        const files = await cos.uploadFiles({
          files: [0, 1, 2].map((i) => ({ Bucket: ctx.B, Region: ctx.R, Key: 'cb/files-' + i, Body: small })),
          onFileFinish: boom('uploadFiles onFileFinish'),
          onProgress: boom('uploadFiles onProgress'),
        });
        for (const [key, bytes, p] of jobs) {
          const r = await withTimeout(settle(p), 30000, key);
          check(r.ok, key + ' failed: ' + (r.ok ? '' : describeError(r.error)));
          ctx.expectObject(key, bytes);
        }
        for (const f of files.files) check(f.error === null, 'uploadFiles ' + f.options.Key + ': ' + show(f.error));
        for (let i = 0; i < 3; i++) ctx.expectObject('cb/files-' + i, small);
        await waitFor(() => cbDone.length === 2, 'both (err, data) callbacks');
        ctx.expectObject('cb/callback-ok', small);
        // The queue still works afterwards.
        const last = await cos.putObject({ Bucket: ctx.B, Region: ctx.R, Key: 'cb/last', Body: small });
        eq(last.statusCode, 200, 'a later task');
        ctx.expectObject('cb/last', small);
        eq(cos.getTaskList().filter((t) => t.state !== 'success').length, 0, 'every queued task succeeded');
        check(listenerCalls > 0, 'the throwing listener kept being called');
        cos.off('list-update', listener);
        await uncaught.restore();
        const kinds = new Set(uncaught.errors.map((e) => e && e.message));
        for (const what of ['onProgress', 'onHashProgress', 'onTaskReady', 'onFileFinish', 'list-update listener', '(err, data) callback', '(err, data) callback boom on an error', 'uploadFiles onFileFinish', 'uploadFiles onProgress']) {
          const message = what.endsWith('error') ? what : what + ' boom';
          check(kinds.has(message), message + ' surfaced uncaught');
        }
        ctx.note(uncaught.errors.length + ' callback exceptions surfaced uncaught; ' + listenerCalls + ' list-update calls');
      } finally {
        await uncaught.restore();
      }
    },
  },
];
