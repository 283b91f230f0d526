// Code as users write it against the official SDK; `tsc --strict` must accept it with our types,
// and reject the misuse marked with @ts-expect-error.
import COS = require('../../pkg');

const cos = new COS({
  getAuthorization(options, callback) {
    const scope: COS.ScopeItem[] = options.Scope;
    void scope;
    callback({ TmpSecretId: 'id', TmpSecretKey: 'key', SecurityToken: 'token', StartTime: 1700000000, ExpiredTime: 1700000900 });
  },
  ChunkParallelLimit: 4,
  Domain: '{Bucket}.cos.{Region}.localhost:8080',
  Protocol: 'http:',
});
new COS({ SecretId: 'id', SecretKey: 'key', Timeout: 60000, StallTimeout: 30000, ChunkRetryTimes: 2 });
// Every official constructor option, as code written for cos-nodejs-sdk-v5 / cos-js-sdk-v5 / cos-wx-sdk-v5 passes them.
const legacy = new COS({
  secretId: 'id', secretKey: 'key', Credentials: { secretId: 'id', secretKey: 'key' }, AppId: '1250000000',
  getSTS: (o, cb) => cb({ SecretId: o.Bucket, SecretKey: o.Region, XCosSecurityToken: 't', ExpiredTime: 1700000900 }),
  UseRawKey: true, CompatibilityMode: true, ObjectKeySimplifyCheck: false, ForcePathStyle: false, AutoSwitchHost: false,
  ServiceDomain: 'service.cos.myqcloud.com', CopyChunkParallelLimit: 10, CopyChunkSize: 8 * 1024 * 1024, CopySliceSize: 0,
  CopySourceParser: null, DeepTracker: false, TrackerDelay: 0, CustomId: 'app', BeaconReporter: null, ClsReporter: null,
  EnableLog: false, EnableLogcat: false, LogLevel: 'WARN', ClsLogger: null, LogExtras: { userID: 'u' },
  Proxy: '', Ip: '', StrictSsl: true, KeepAlive: true, FollowRedirect: false, UserAgent: 'app/1', ConfCwd: '',
  HttpDNSServiceId: '', SimpleUploadMethod: 'putObject', StartTime: 1700000000, ExpiredTime: 1700000900,
});
legacy.options.SecretKey = 'rotated';
// @ts-expect-error LogLevel is one of the official levels
new COS({ LogLevel: 'LOUD' });

async function uploads(file: Blob): Promise<string> {
  const put = await cos.putObject({
    Bucket: 'examplebucket-1250000000', Region: 'ap-guangzhou', Key: 'a.txt', Body: 'hello',
    ContentType: 'text/plain', 'x-cos-meta-author': 'me', StorageClass: 'STANDARD_IA',
    onProgress: (p) => console.log(p.percent, p.speed),
  });
  const etag: string = put.ETag;
  cos.putObject({ Bucket: 'b-1', Region: 'r', Key: 'k', Body: new Uint8Array(3) }, (err, data) => {
    if (err) console.log(err.code, err.statusCode, err.error.Code, err.RequestId, err.attempts, err.elapsedMs);
    else console.log(data.Location);
  });
  const up = await cos.uploadFile({
    Bucket: 'b-1', Region: 'r', Key: 'big.bin', Body: file, SliceSize: 1024 * 1024,
    onTaskReady: (id) => cos.pauseTask(id),
    onFileFinish: (err, data, options) => console.log(err, data && data.ETag, options.Key),
  });
  const all = await cos.uploadFiles({ files: [{ Bucket: 'b-1', Region: 'r', Key: 'x', Body: file }], onProgress: (p) => p.loaded });
  for (const f of all.files) if (f.error) console.log(f.error.message);
  const init = await cos.multipartInit({ Bucket: 'b-1', Region: 'r', Key: 'm' });
  const part = await cos.multipartUpload({ Bucket: 'b-1', Region: 'r', Key: 'm', UploadId: init.UploadId, PartNumber: 1, Body: file });
  await cos.multipartComplete({ Bucket: 'b-1', Region: 'r', Key: 'm', UploadId: init.UploadId, Parts: [{ PartNumber: 1, ETag: part.ETag }] });
  const list = await cos.multipartList({ Bucket: 'b-1', Region: 'r', Prefix: 'm' });
  if (list.IsTruncated === 'true') console.log(list.NextKeyMarker);
  const parts = await cos.multipartListPart({ Bucket: 'b-1', Region: 'r', Key: 'm', UploadId: init.UploadId });
  console.log(parts.Part.map((p) => p.ETag));
  await cos.appendObject({ Bucket: 'b-1', Region: 'r', Key: 'log', Body: 'line', Position: 0 });
  await cos.postObject({ Bucket: 'b-1', Region: 'r', Key: 'form', Body: file });
  const head = await cos.headObject({ Bucket: 'b-1', Region: 'r', Key: 'm' });
  console.log(head.headers['content-length']);
  await cos.multipartAbort({ Bucket: 'b-1', Region: 'r', Key: 'm', UploadId: init.UploadId });
  const url: string = cos.getObjectUrl({ Bucket: 'b-1', Region: 'r', Key: 'k', Expires: 60 });
  cos.on('list-update', ({ list: tasks }) => tasks.forEach((t) => console.log(t.id, t.state, t.percent)));
  const state: COS.TaskState = cos.getTaskList()[0].state;
  console.log(cos.getV4Auth({ Bucket: 'b-1250000000', Key: 'k' }));
  cos.request({ Bucket: 'b-1250000000', Region: 'ap-guangzhou', Method: 'GET', Action: 'location' }).then((d) => console.log(d.statusCode));
  cos.getBucket({ Bucket: 'b-1250000000', Region: 'ap-guangzhou', Prefix: 'a/' }).then((d) => console.log(d.statusCode, d.Contents));
  const sig: string = COS.getAuthorization({ SecretId: 'a', SecretKey: 'b', Method: 'PUT', Key: 'k' }) + cos.getAuth({ Method: 'GET', Key: 'k', Expires: 60 });
  const util: string = COS.util.md5('abc') + COS.util.encodeBase64('x', true) + COS.util.json2xml({ A: { B: ['1'] } });
  console.log(util, COS.util.xml2json('<A/>'));
  // Node streams and downloads (structural types: no @types/node needed).
  const sink = { write: (_c: unknown) => true, end: () => undefined, on: (_e: string, _f: (...a: any[]) => void) => sink };
  const out = await cos.getObject({ Bucket: 'b-1', Region: 'r', Key: 'k', Output: sink });
  const toFile = await cos.getObject({ Bucket: 'b-1', Region: 'r', Key: 'k', Output: '/tmp/k' });
  const readable = cos.getObjectStream({ Bucket: 'b-1', Region: 'r', Key: 'k' }, (err, d) => console.log(err, d && d.ETag));
  readable.on('data', (c: unknown) => console.log(c));
  const dl = await cos.downloadFile({ Bucket: 'b-1', Region: 'r', Key: 'k', FilePath: '/tmp/k', ChunkSize: 1 << 20, ParallelLimit: 4, TaskId: 't1', onProgress: (p) => console.log(p.percent) });
  await cos.putObject({ Bucket: 'b-1', Region: 'r', Key: 'k', Body: new ReadableStream<Uint8Array>(), ContentLength: 10 });
  console.log(out.ETag, toFile.statusCode, dl.ETag);
  const h = new COS.Md5Hasher();
  h.update(new Uint8Array(4));
  return etag + up.Location + url + state + sig + h.digest() + COS.version;
}
void uploads;

// @ts-expect-error Key is required
cos.putObject({ Bucket: 'b-1', Region: 'r', Body: 'x' });
// @ts-expect-error Position is required by appendObject
cos.appendObject({ Bucket: 'b-1', Region: 'r', Key: 'k', Body: 'x' });
// @ts-expect-error not a storage class
cos.putObject({ Bucket: 'b-1', Region: 'r', Key: 'k', StorageClass: 'GOLD' });
// @ts-expect-error a callback call returns nothing
const nothing: Promise<unknown> = cos.headObject({ Bucket: 'b-1', Region: 'r', Key: 'k' }, () => {});
void nothing;

// AbortSignal on every call (and on uploadFiles entries); COS.ready as a call or a thenable.
async function aborts(file: File) {
  await COS.ready();
  await COS.ready;
  const ctl = new AbortController();
  await cos.putObject({ Bucket: 'b-1', Region: 'r', Key: 'k', Body: file, signal: ctl.signal });
  await cos.headObject({ Bucket: 'b-1', Region: 'r', Key: 'k', signal: ctl.signal });
  await cos.multipartList({ Bucket: 'b-1', Region: 'r', signal: ctl.signal });
  await cos.uploadFiles({ files: [{ Bucket: 'b-1', Region: 'r', Key: 'k', Body: file, signal: ctl.signal }], signal: ctl.signal });
  ctl.abort();
}
void aborts;
// @ts-expect-error signal is an AbortSignal
cos.headObject({ Bucket: 'b-1', Region: 'r', Key: 'k', signal: 'stop' });

// Copy and select.
async function copyAndSelect() {
  const ctl = new AbortController();
  const copied = await cos.sliceCopyFile({
    Bucket: 'b-1', Region: 'r', Key: 'dst.bin', CopySource: 'src-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.bin',
    CopyChunkSize: 8 * 1024 * 1024, MetadataDirective: 'Replaced', ContentType: 'text/plain', signal: ctl.signal,
    onProgress: (p) => console.log(p.loaded, p.total, p.percent),
  });
  const etag: string = copied.ETag;
  const sel = await cos.selectObjectContent({
    Bucket: 'b-1', Region: 'r', Key: 'a.csv', SelectType: 2,
    SelectRequest: { Expression: 'Select * from COSObject', ExpressionType: 'SQL', InputSerialization: { CSV: {} }, OutputSerialization: { CSV: {} } },
  });
  console.log(etag, sel.Stats && sel.Stats.BytesReturned, sel.Payload);
  const stream = cos.selectObjectContentStream && cos.selectObjectContentStream({ Bucket: 'b-1', Region: 'r', Key: 'a.csv', SelectType: 2, SelectRequest: {} });
  if (stream) stream.on('data', (chunk) => console.log(chunk.length));
}
void copyAndSelect;
// @ts-expect-error CopySource is required
cos.sliceCopyFile({ Bucket: 'b-1', Region: 'r', Key: 'k' });
new COS({ CopyChunkParallelLimit: 10, CopyChunkSize: 16 * 1024 * 1024, CopySliceSize: 0 });
// @ts-expect-error downloadFile needs FilePath
cos.downloadFile({ Bucket: 'b-1', Region: 'r', Key: 'k' });
