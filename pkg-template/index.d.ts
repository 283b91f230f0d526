// Type declarations for cos-wasm, written by hand and checked by `tsc` in js-tests/types.test.mjs.
// The surface is cos-js-sdk-v5's (and cos-wx-sdk-v5's) upload surface, so code written against the
// official SDK type-checks after changing the import.

declare namespace COS {
  type Callback<T> = (err: CosError | null, data: T) => void;

  /** Anything with the official progress shape. */
  interface ProgressInfo {
    /** Bytes done. */
    loaded: number;
    /** Bytes in all. */
    total: number;
    /** Bytes per second since the previous event. */
    speed: number;
    /** 0 to 1, two decimals (1 when total is 0). */
    percent: number;
  }

  interface HashProgressInfo {
    loaded: number;
    total: number;
    percent: number;
  }

  /** A Node Readable (what `fs.createReadStream` and `stream.Readable` make), as far as cos-wasm uses it. */
  interface NodeReadable {
    pipe(destination: any, options?: { end?: boolean }): any;
    read(size?: number): any;
    on(event: string, listener: (...args: any[]) => void): any;
  }

  /** A Node Writable (`fs.createWriteStream`, `stream.Writable`), as far as cos-wasm uses it. */
  interface NodeWritable {
    write(chunk: any, callback?: (error?: Error | null) => void): boolean;
    end(...args: any[]): any;
    on(event: string, listener: (...args: any[]) => void): any;
  }

  /**
   * Upload body. Node and mini-programs also accept `FilePath` instead. A stream (a Node Readable,
   * Node only; a web ReadableStream, browsers and Node) is read once, in parts of ChunkSize: with
   * putObject and ContentLength, Node streams it in one request; otherwise it is one PUT if it ends
   * within its first part, else a multipart upload. Stream uploads are not in the task list.
   */
  type UploadBody = string | ArrayBuffer | ArrayBufferView | Blob | NodeReadable | ReadableStream<Uint8Array>;

  /** Temporary keys from an STS service, as `getAuthorization`'s callback receives them. */
  interface TemporaryCredentials {
    TmpSecretId: string;
    TmpSecretKey: string;
    SecurityToken?: string;
    XCosSecurityToken?: string;
    /** Unix seconds (10 digits). */
    StartTime?: number;
    /** Unix seconds (10 digits). */
    ExpiredTime: number;
    /** The keys only cover `Scope`: ask again for another scope. */
    ScopeLimit?: boolean;
  }

  /** A ready signature computed by a server. */
  interface ReadyAuthorization {
    Authorization: string;
    SecurityToken?: string;
    XCosSecurityToken?: string;
    Token?: string;
    ClientIP?: string;
    ClientUA?: string;
  }

  interface ScopeItem {
    action: string;
    bucket: string;
    region: string;
    prefix: string;
  }

  interface GetAuthorizationOptions {
    Bucket: string;
    Region: string;
    Method: string;
    Key: string;
    Pathname: string;
    Query: Record<string, string>;
    Headers: Record<string, string>;
    Scope: ScopeItem[];
    SystemClockOffset: number;
    ForceSignHost: boolean;
  }

  /** What the older `getSTS` option's callback takes: temporary keys, either spelling of the key names. */
  interface LegacyStsCredentials {
    TmpSecretId?: string;
    TmpSecretKey?: string;
    SecretId?: string;
    SecretKey?: string;
    SecurityToken?: string;
    XCosSecurityToken?: string;
    /** Unix seconds (10 digits). */
    StartTime?: number;
    /** Unix seconds (10 digits). */
    ExpiredTime: number;
    ScopeLimit?: boolean;
  }

  /**
   * Constructor options. `cos.options` is the instance's copy: a field changed there (or a new
   * `Credentials` key) takes effect on the calls made after the change, as with the official SDKs.
   */
  interface COSOptions {
    SecretId?: string;
    SecretKey?: string;
    /** Lower-case spellings (cos-nodejs-sdk-v5 accepts them): used when SecretId / SecretKey are not given. */
    secretId?: string;
    secretKey?: string;
    /**
     * Keys that win over SecretId/SecretKey when both are set (cos-nodejs-sdk-v5's dynamic keys):
     * assigning new values to this object's secretId/secretKey later switches the instance's keys.
     */
    Credentials?: { secretId?: string; secretKey?: string };
    SecurityToken?: string;
    XCosSecurityToken?: string;
    /**
     * 10-digit unix seconds: with both set, the key time of in-SDK signatures. Any other value
     * (milliseconds, say) fails each signed call with `params "StartTime" should be 10 digits`, as
     * cos-js-sdk-v5 and cos-wx-sdk-v5 do (cos-nodejs-sdk-v5 ignores both).
     */
    StartTime?: number;
    ExpiredTime?: number;
    getAuthorization?: (
      options: GetAuthorizationOptions,
      callback: (auth: TemporaryCredentials | ReadyAuthorization | string) => void,
    ) => void;
    /** The older form of getAuthorization: called with `{Bucket, Region}`, answers temporary keys. Used when getAuthorization is absent. */
    getSTS?: (options: { Bucket: string; Region: string }, callback: (keys: LegacyStsCredentials) => void) => void;
    /** Deprecated: appended to bucket names given without it (`examplebucket` → `examplebucket-<AppId>`); a per-call `AppId` param does the same. */
    AppId?: string;
    /** Keep a leading `/` in keys (the object is then named `/key`). Default false. */
    UseRawKey?: boolean;
    /** Regions may contain dots (cos-js-sdk-v5's relaxed check). Default false. */
    CompatibilityMode?: boolean;
    /**
     * Refuse object keys that resolve to the bucket root (`/`, `a/..`). cos-wasm always refuses them,
     * on every method, since such a request would address the bucket; accepted for compatibility.
     */
    ObjectKeySimplifyCheck?: boolean;
    /**
     * `true` throws `ForcePathStyle is not supported` from the constructor, as the official SDKs do
     * (COS serves virtual-hosted URLs only).
     */
    ForcePathStyle?: boolean;
    /**
     * After a network error or timeout on `<bucket>.cos.<region>.myqcloud.com`, retry on
     * `<bucket>.cos.<region>.tencentcos.cn` (then back), when the signature is computed here.
     * Default true (mini-program build: false), as the official SDKs.
     */
    AutoSwitchHost?: boolean;
    /** getService's endpoint instead of `service.cos.myqcloud.com` (`{Region}` is filled in). */
    ServiceDomain?: string;
    /** Accepted; cos-wasm parses copy sources itself (no effect). */
    CopySourceParser?: ((source: string) => unknown) | null;
    /** Telemetry to Tencent's Beacon/CLS reporters: accepted, no effect (cos-wasm reports nothing). */
    DeepTracker?: boolean;
    TrackerDelay?: number;
    CustomId?: string;
    BeaconReporter?: unknown;
    ClsReporter?: unknown;
    /** cos-js-sdk-v5's logger: accepted, no effect (no `log-message` events). */
    EnableLog?: boolean;
    EnableLogcat?: boolean;
    LogLevel?: 'VERBOSE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
    ClsLogger?: unknown;
    LogExtras?: Record<string, unknown>;
    /** cos-js-sdk-v5's transport replacement: accepted, no effect (each host has its own transport). */
    Request?: unknown;
    /** cos-nodejs-sdk-v5's transport settings: accepted, no effect; pass an `HttpAgent` instead. */
    Proxy?: string;
    Tunnel?: unknown;
    Ip?: string;
    StrictSsl?: boolean;
    KeepAlive?: boolean;
    FollowRedirect?: boolean;
    UserAgent?: string;
    ConfCwd?: string;
    /** cos-wx-sdk-v5: accepted, no effect (cos-wasm sends through wx.request without HttpDNS). */
    HttpDNSServiceId?: string;
    /** cos-wx-sdk-v5's simple-upload method for uploadFile(s): accepted; cos-wasm always uses putObject. */
    SimpleUploadMethod?: 'postObject' | 'putObject';
    /** Extra tries per part and per Complete of a multipart upload; they get the larger of this and RetryTimes (one retry layer). Default 2. */
    ChunkRetryTimes?: number;
    /** Queue tasks running at once. Default 3. */
    FileParallelLimit?: number;
    /** Parts in flight per file. Default 3 (at most 256). */
    ChunkParallelLimit?: number;
    /** Part size in bytes (at least 1 MiB; grown so a file needs at most MaxPartNumber parts). */
    ChunkSize?: number;
    /** uploadFile(s): bodies larger than this go multipart. Default 1 MiB. */
    SliceSize?: number;
    MaxPartNumber?: number;
    /** Throttle of every onProgress / onHashProgress, in ms. Default 1000. */
    ProgressInterval?: number;
    /** Finished tasks beyond this count are dropped from the task list. Default 10000. */
    UploadQueueSize?: number;
    UploadIdCacheLimit?: number;
    /** Host template: `{Bucket}`, `{BucketName}`, `{AppId}`, `{Region}`; may carry a port. */
    Domain?: string;
    Protocol?: 'http:' | 'https:' | 'http' | 'https';
    /** Deadline of each request as a whole (sending and the answer), ms; 0 for none. */
    Timeout?: number;
    /** A request that moves no byte either way for this long (ms) ends as a timeout and is retried. Default 60000; 0 turns it off. */
    StallTimeout?: number;
    CorrectClockSkew?: boolean;
    SystemClockOffset?: number;
    UploadCheckContentMd5?: boolean;
    UploadAddMetaMd5?: boolean;
    ForceSignHost?: boolean;
    UseAccelerate?: boolean;
    /** Extra attempts per request after network errors, timeouts and 5xx (parts and Complete: the larger of this and ChunkRetryTimes). Default 3. */
    RetryTimes?: number;
    /** Base of the jittered exponential backoff, ms. Default 200. */
    RetryDelay?: number;
    /** Without a checkpoint, look for a resumable upload with multipartList. Default true. */
    ResumeFromList?: boolean;
    /** Node: where checkpoints are kept. Default ~/.cos-wasm/upload-checkpoints.json. */
    CheckpointPath?: string;
    /** Node: an http(s).Agent for requests. */
    HttpAgent?: unknown;
    /** Browser: use fetch instead of XMLHttpRequest (no upload progress). */
    UseFetch?: boolean;
    /** Browser: read, hash and send File parts from a Worker running the same wasm (default true; started from a Blob URL, so bundling is fine). */
    UseWorker?: boolean;
    /** sliceCopyFile: part copies in flight. Default 20 (at most 256). */
    CopyChunkParallelLimit?: number;
    /** sliceCopyFile: part size in bytes (at least 1 MiB; grown so a source needs at most MaxPartNumber parts). Default 10 MiB. */
    CopyChunkSize?: number;
    /** sliceCopyFile: sources up to this size are copied by one PUT Object - Copy. Default 10 MiB. */
    CopySliceSize?: number;
  }

  /** What every call takes besides its own parameters. */
  interface CallParams {
    /**
     * Aborting settles the call with the `TaskCanceled` error. For putObject, sliceUploadFile,
     * uploadFile and uploadFiles it cancels the task(s) as cancelTask does (the multipart upload is
     * aborted); an already aborted signal settles at once without sending. sliceCopyFile stops its
     * requests, aborts its multipart upload, then settles. Any other call has its request in flight
     * aborted and settles once it stopped (uploadFiles settles at once).
     */
    signal?: AbortSignal;
  }

  /** Parameters of the table methods: Bucket and Region (Key for object-level ones) and the official method's own. */
  interface TableParams extends CallParams {
    Bucket?: string;
    Region?: string;
    Key?: string;
    [param: string]: unknown;
  }

  /** What a table method resolves with: statusCode, headers, RequestId and the official data fields. */
  interface TableResult extends GeneralResult {
    [field: string]: unknown;
  }

  /** Parameters shared by every object call. */
  interface ObjectParams extends CallParams {
    Bucket: string;
    Region: string;
    Key: string;
    Headers?: Record<string, string | number>;
    Query?: Record<string, string | number>;
    /** Any top-level `x-cos-*` parameter becomes a header. */
    [header: `x-cos-${string}`]: string | number | undefined;
  }

  /** Parameters that become headers of a new object. */
  interface ObjectHeaderParams {
    CacheControl?: string;
    ContentDisposition?: string;
    ContentEncoding?: string;
    ContentLength?: number;
    ContentType?: string;
    ContentMD5?: string;
    Expires?: string;
    Expect?: string;
    ACL?: 'default' | 'private' | 'public-read' | 'public-read-write';
    GrantRead?: string;
    GrantReadAcp?: string;
    GrantWriteAcp?: string;
    GrantFullControl?: string;
    StorageClass?: StorageClass;
    /** bit/s, 819200 to 838860800. */
    TrafficLimit?: number;
    Tagging?: string;
    ForbidOverwrite?: boolean | 'true' | 'false';
    ServerSideEncryption?: string;
    SSEKMSKeyId?: string;
    SSEContext?: string;
    SSECustomerAlgorithm?: string;
    SSECustomerKey?: string;
    SSECustomerKeyMD5?: string;
  }

  type StorageClass =
    | 'STANDARD'
    | 'STANDARD_IA'
    | 'INTELLIGENT_TIERING'
    | 'ARCHIVE'
    | 'DEEP_ARCHIVE'
    | 'MAZ_STANDARD'
    | 'MAZ_STANDARD_IA'
    | 'MAZ_INTELLIGENT_TIERING'
    | 'MAZ_ARCHIVE';

  interface BodyParams {
    Body?: UploadBody;
    /** The byte count of a stream Body (putObject sends it in one request then, on Node). */
    ContentLength?: number;
    /** Node and mini-programs: a file path, read by range. */
    FilePath?: string;
  }

  interface TaskCallbacks {
    onTaskReady?: (taskId: string) => void;
    /** Deprecated alias of onTaskReady. */
    TaskReady?: (taskId: string) => void;
    onProgress?: (info: ProgressInfo) => void;
    onHashProgress?: (info: HashProgressInfo) => void;
  }

  interface PutObjectParams extends ObjectParams, ObjectHeaderParams, BodyParams, TaskCallbacks {
    UploadAddMetaMd5?: boolean;
    /** Run outside the task queue. */
    SkipTask?: boolean;
  }

  interface PostObjectParams extends ObjectParams, ObjectHeaderParams, BodyParams {
    onProgress?: (info: ProgressInfo) => void;
  }

  interface AppendObjectParams extends ObjectParams, ObjectHeaderParams, BodyParams {
    Position: number;
    onProgress?: (info: ProgressInfo) => void;
  }

  interface HeadObjectParams extends ObjectParams {
    VersionId?: string;
    IfModifiedSince?: string;
    IfUnmodifiedSince?: string;
    IfMatch?: string;
    IfNoneMatch?: string;
  }

  interface GetObjectParams extends HeadObjectParams {
    Range?: string;
    DataType?: 'text' | 'blob' | 'arraybuffer';
    ResponseContentType?: string;
    ResponseContentDisposition?: string;
    ResponseCacheControl?: string;
    ResponseExpires?: string;
    onProgress?: (info: ProgressInfo) => void;
  }

  /** Node: the body goes to a file path or a Writable (with backpressure) instead of `Body`. */
  interface GetObjectOutputParams extends GetObjectParams {
    Output: string | NodeWritable;
  }

  /** Node: `downloadFile` (ranged GETs in parallel, resumable, CRC-64 checked). */
  interface DownloadFileParams extends ObjectParams {
    FilePath: string;
    /** Range size; default 1 MiB (grown, as for uploads, to keep within MaxPartNumber ranges). */
    ChunkSize?: number;
    /** Ranges in flight; default 5. */
    ParallelLimit?: number;
    /** Attempts per range after the first; default 3. */
    RetryTimes?: number;
    /** The id cancelTask stops it by; one is made if not given. */
    TaskId?: string;
    onTaskReady?: (taskId: string) => void;
    onProgress?: (info: ProgressInfo) => void;
  }

  interface MultipartListParams extends CallParams {
    Bucket: string;
    Region: string;
    Prefix?: string;
    Delimiter?: string;
    EncodingType?: 'url';
    MaxUploads?: number;
    KeyMarker?: string;
    UploadIdMarker?: string;
  }

  interface MultipartInitParams extends ObjectParams, ObjectHeaderParams {
    UploadAddMetaMd5?: boolean;
  }

  interface MultipartUploadParams extends ObjectParams, BodyParams {
    UploadId: string;
    PartNumber: number;
    ContentMD5?: string;
    ContentLength?: number;
    TrafficLimit?: number;
    onProgress?: (info: ProgressInfo) => void;
  }

  interface MultipartListPartParams extends ObjectParams {
    UploadId: string;
    MaxParts?: number;
    PartNumberMarker?: string | number;
    EncodingType?: 'url';
  }

  interface CompletePart {
    PartNumber: number | string;
    ETag: string;
  }

  interface MultipartCompleteParams extends ObjectParams {
    UploadId: string;
    Parts: CompletePart[];
  }

  interface MultipartAbortParams extends ObjectParams {
    UploadId: string;
  }

  interface SliceUploadFileParams extends ObjectParams, ObjectHeaderParams, BodyParams, TaskCallbacks {
    ChunkSize?: number;
    SliceSize?: number;
    /** Parts in flight for this file. */
    AsyncLimit?: number;
    UploadAddMetaMd5?: boolean;
    /** cancelTask keeps the multipart upload on the server instead of aborting it. */
    KeepUploadOnCancel?: boolean;
  }

  interface SliceCopyFileParams extends ObjectParams, ObjectHeaderParams {
    /** `bucket-appid.cos.region.myqcloud.com/url-encoded-key` (optionally `?versionId=…`). */
    CopySource: string;
    /** `Copy` (default): the new object keeps the source's metadata; `Replaced`: this call's headers are its metadata. */
    MetadataDirective?: 'Copy' | 'Replaced';
    CopySourceIfModifiedSince?: string;
    CopySourceIfUnmodifiedSince?: string;
    CopySourceIfMatch?: string;
    CopySourceIfNoneMatch?: string;
    /** Overrides the CopySliceSize option for this call. */
    CopySliceSize?: number;
    /** Overrides the CopyChunkSize option for this call. */
    CopyChunkSize?: number;
    onProgress?: (info: ProgressInfo) => void;
  }

  /** putObjectCopy's data (a source up to CopySliceSize), or multipartComplete's. */
  interface SliceCopyFileResult extends GeneralResult {
    ETag: string;
    Location?: string;
    Bucket?: string;
    Key?: string;
    CRC64?: string;
    LastModified?: string;
  }

  interface SelectObjectContentParams extends ObjectParams {
    /** The select API version; 2 is the current one. */
    SelectType: number;
    /** `{Expression, ExpressionType: 'SQL', InputSerialization, OutputSerialization, RequestProgress?}`, written as `<SelectRequest>`. */
    SelectRequest: Record<string, unknown>;
    VersionId?: string;
    /** Each Progress event of the answer (`RequestProgress: {Enabled: 'TRUE'}`). */
    onProgress?: (progress: { BytesScanned: string; BytesProcessed: string; BytesReturned: string }) => void;
  }

  interface SelectObjectContentResult extends GeneralResult {
    /** The counts of the answer's Stats event. */
    Stats?: { BytesScanned: string; BytesProcessed: string; BytesReturned: string };
    /** The records: a Buffer in Node, UTF-8 text in browsers and mini-programs. */
    Payload?: string | Uint8Array;
  }

  /** The Readable selectObjectContentStream returns (a Node stream; the part of it most code uses). */
  interface SelectReadable {
    on(event: 'data', listener: (chunk: Uint8Array) => void): this;
    on(event: 'end' | 'close', listener: () => void): this;
    on(event: 'error', listener: (err: CosError) => void): this;
    pipe<T>(destination: T, options?: { end?: boolean }): T;
  }

  interface UploadFileParams extends SliceUploadFileParams {
    onFileFinish?: (err: CosError | null, data: UploadResult | null, options: UploadFileFinishOptions) => void;
  }

  interface UploadFileFinishOptions {
    Bucket: string;
    Region: string;
    Key: string;
    /** uploadFiles: the entry's index, as text in browsers and Node (as the official SDKs give it), a number in mini-programs. */
    Index?: string | number;
    /** "" until the file became a task. */
    TaskId: string;
    /** Node: the file's size in bytes (0 when it could not be read). */
    ContentLength?: number;
    [name: string]: unknown;
  }

  /** Each entry's `signal` cancels that file alone; the call's own `signal` cancels them all. */
  interface UploadFilesParams extends CallParams {
    files: UploadFileParams[];
    SliceSize?: number;
    onProgress?: (info: ProgressInfo) => void;
    /** Called for every file, after the entry's own `onFileFinish` when it has one. */
    onFileFinish?: (err: CosError | null, data: UploadResult | null, options: UploadFileFinishOptions) => void;
  }

  interface GetObjectUrlParams extends ObjectParams {
    Method?: string;
    /** Seconds the signature is valid. Default 900. */
    Expires?: number;
    /** Default true. */
    Sign?: boolean;
    Protocol?: string;
  }

  interface GetAuthorizationParams {
    SecretId: string;
    SecretKey: string;
    Method?: string;
    Key?: string;
    Pathname?: string;
    Query?: Record<string, string | number | undefined>;
    Headers?: Record<string, string | number | undefined>;
    Bucket?: string;
    Region?: string;
    ForceSignHost?: boolean;
    /** Seconds. Default 900. */
    Expires?: number;
    /** `"start;end"` in unix seconds; overrides Expires. */
    KeyTime?: string;
    StartTime?: number;
    SystemClockOffset?: number;
  }

  /** What every successful call returns. */
  interface GeneralResult {
    statusCode: number;
    /** Response headers, names lower-cased. */
    headers: Record<string, string>;
    RequestId?: string;
    VersionId?: string;
  }

  interface PutObjectResult extends GeneralResult {
    /** Host and encoded key, no protocol. */
    Location: string;
    /** Quoted MD5 of the body. */
    ETag: string;
  }

  type PostObjectResult = PutObjectResult;

  interface HeadObjectResult extends GeneralResult {
    ETag: string;
    NotModified?: boolean;
  }

  interface GetObjectResult extends GeneralResult {
    Body: string | ArrayBuffer | Blob | Uint8Array;
    ETag: string;
    NotModified?: boolean;
  }

  /** getObject with Output, getObjectStream, downloadFile: the answer without the body. */
  interface GetObjectOutputResult extends GeneralResult {
    ETag: string;
    NotModified?: boolean;
  }

  interface Owner {
    ID: string;
    DisplayName: string;
  }

  interface MultipartListResult extends GeneralResult {
    Bucket: string;
    EncodingType?: string;
    KeyMarker: string;
    UploadIdMarker: string;
    NextKeyMarker: string;
    NextUploadIdMarker: string;
    MaxUploads: string;
    /** `'true'` or `'false'`, as the official SDK returns it. */
    IsTruncated: 'true' | 'false';
    Prefix: string;
    Delimiter?: string;
    Upload: Array<{
      Key: string;
      UploadId: string;
      StorageClass: string;
      Initiator: Owner;
      Owner: Owner;
      Initiated: string;
    }>;
    CommonPrefixes: Array<{ Prefix: string }>;
  }

  interface MultipartInitResult extends GeneralResult {
    Bucket: string;
    Key: string;
    UploadId: string;
  }

  interface MultipartUploadResult extends GeneralResult {
    ETag: string;
  }

  interface MultipartListPartResult extends GeneralResult {
    Bucket: string;
    Key: string;
    UploadId: string;
    EncodingType?: string;
    Initiator: Owner;
    Owner: Owner;
    StorageClass: string;
    PartNumberMarker: string;
    NextPartNumberMarker: string;
    MaxParts: string;
    IsTruncated: 'true' | 'false';
    Part: Array<{ PartNumber: string; LastModified: string; ETag: string; Size: string }>;
  }

  interface MultipartCompleteResult extends GeneralResult {
    Location: string;
    Bucket: string;
    Key: string;
    ETag: string;
  }

  interface UploadResult extends GeneralResult {
    Location: string;
    ETag: string;
    Bucket?: string;
    Key?: string;
    UploadId?: string;
  }

  interface UploadFilesResult {
    /** In the order of `files`; `options` and `data` are the values `onFileFinish` was given. */
    files: Array<{ options: UploadFileFinishOptions; error: CosError | null; data: UploadResult | null }>;
  }

  type TaskState = 'waiting' | 'checking' | 'uploading' | 'paused' | 'canceled' | 'error' | 'success';

  interface Task {
    id: string;
    Bucket: string;
    Region: string;
    Key: string;
    FilePath?: string;
    state: TaskState;
    loaded: number;
    size: number;
    speed: number;
    percent: number;
    hashPercent: number;
    error: CosError | null;
  }

  /**
   * The official error shape. `code` is COS's error code (`NoSuchUpload`, `SignatureDoesNotMatch`),
   * `Error` for client-side failures, `TaskCanceled` after cancelTask, `CRC64Mismatch` when data did
   * not arrive intact.
   */
  interface CosError extends Error {
    code: string;
    message: string;
    /** The parsed `<Error>` body, or `{message, code}`. */
    error: { Code?: string; Message?: string; RequestId?: string; TraceId?: string; [k: string]: unknown };
    statusCode?: number;
    headers: Record<string, string>;
    url?: string;
    method?: string;
    RequestId?: string;
    UploadId?: string;
    /** Requests made for the step that failed (retries included), when requests were made. */
    attempts?: number;
    /** Time from that step's first attempt to the failure, ms. */
    elapsedMs?: number;
  }

  class Md5Hasher {
    constructor();
    update(data: Uint8Array): void;
    /** Lower-case hex; resets the hasher. */
    digest(): string;
    free(): void;
  }

  class Crc64Hasher {
    constructor();
    update(data: Uint8Array): void;
    /** CRC-64/XZ as an unsigned decimal string, as COS's `x-cos-hash-crc64ecma`. */
    digest(): string;
    free(): void;
  }
}

// Merges with the DOM's or Node's AbortSignal; where neither is declared (mini-program typings),
// it keeps `signal?: AbortSignal` compiling.
declare global {
  interface AbortSignal {}
}

declare class COS {
  constructor(options?: COS.COSOptions);

  /** The instance's copy of the options: fields changed here apply to the calls made afterwards. */
  readonly options: COS.COSOptions;

  static getAuthorization(params: COS.GetAuthorizationParams): string;
  /** The official static helpers, computed in wasm (web and mini-program: after COS.ready()). */
  static readonly util: {
    md5(data: string | ArrayBuffer | ArrayBufferView): string;
    encodeBase64(text: string, urlSafe?: boolean): string;
    xml2json(xml: string): Record<string, unknown>;
    json2xml(value: Record<string, unknown>): string;
  };
  static readonly version: string;
  /** `'js'` (browsers and Node) or `'wx'` (mini-programs): whose signing rules apply. */
  static readonly flavour: 'js' | 'wx';
  /**
   * Settles when the wasm module is ready: `await COS.ready()` or `await COS.ready`. Calls made
   * earlier wait for it; getObjectUrl without a callback, the static getAuthorization and the hashers
   * throw a `WasmLoadError` before it (browsers and mini-programs; in Node it is ready at once).
   */
  static readonly ready: (() => Promise<void>) & PromiseLike<void>;
  /** Mini-programs only: loads the wasm from `wasmPath` when the folder is not at `/cos-wasm/`. */
  static init?(options?: { wasmPath?: string }): Promise<void>;

  putObject(params: COS.PutObjectParams): Promise<COS.PutObjectResult>;
  putObject(params: COS.PutObjectParams, callback: COS.Callback<COS.PutObjectResult>): void;
  postObject(params: COS.PostObjectParams): Promise<COS.PostObjectResult>;
  postObject(params: COS.PostObjectParams, callback: COS.Callback<COS.PostObjectResult>): void;
  appendObject(params: COS.AppendObjectParams): Promise<COS.GeneralResult>;
  appendObject(params: COS.AppendObjectParams, callback: COS.Callback<COS.GeneralResult>): void;
  headObject(params: COS.HeadObjectParams): Promise<COS.HeadObjectResult>;
  headObject(params: COS.HeadObjectParams, callback: COS.Callback<COS.HeadObjectResult>): void;
  getObject(params: COS.GetObjectOutputParams): Promise<COS.GetObjectOutputResult>;
  getObject(params: COS.GetObjectOutputParams, callback: COS.Callback<COS.GetObjectOutputResult>): void;
  getObject(params: COS.GetObjectParams): Promise<COS.GetObjectResult>;
  getObject(params: COS.GetObjectParams, callback: COS.Callback<COS.GetObjectResult>): void;
  /** Node: the object as a Readable; an error is emitted on it (and given to the callback). */
  getObjectStream(params: COS.GetObjectParams, callback?: COS.Callback<COS.GetObjectOutputResult>): COS.NodeReadable;
  /**
   * Node: the object into FilePath by ranges in parallel. Resumes the ranges already in the file
   * when the object (ETag, size, CRC-64) is unchanged; the whole file is checked against the
   * object's CRC-64 (`CRC64Mismatch`); a range of another version fails with `ObjectHasChanged`.
   */
  downloadFile(params: COS.DownloadFileParams): Promise<COS.GetObjectOutputResult>;
  downloadFile(params: COS.DownloadFileParams, callback: COS.Callback<COS.GetObjectOutputResult>): void;
  deleteObject(params: COS.ObjectParams): Promise<COS.GeneralResult>;
  deleteObject(params: COS.ObjectParams, callback: COS.Callback<COS.GeneralResult>): void;

  multipartList(params: COS.MultipartListParams): Promise<COS.MultipartListResult>;
  multipartList(params: COS.MultipartListParams, callback: COS.Callback<COS.MultipartListResult>): void;
  multipartInit(params: COS.MultipartInitParams): Promise<COS.MultipartInitResult>;
  multipartInit(params: COS.MultipartInitParams, callback: COS.Callback<COS.MultipartInitResult>): void;
  multipartUpload(params: COS.MultipartUploadParams): Promise<COS.MultipartUploadResult>;
  multipartUpload(params: COS.MultipartUploadParams, callback: COS.Callback<COS.MultipartUploadResult>): void;
  multipartListPart(params: COS.MultipartListPartParams): Promise<COS.MultipartListPartResult>;
  multipartListPart(params: COS.MultipartListPartParams, callback: COS.Callback<COS.MultipartListPartResult>): void;
  multipartComplete(params: COS.MultipartCompleteParams): Promise<COS.MultipartCompleteResult>;
  multipartComplete(params: COS.MultipartCompleteParams, callback: COS.Callback<COS.MultipartCompleteResult>): void;
  multipartAbort(params: COS.MultipartAbortParams): Promise<COS.GeneralResult>;
  multipartAbort(params: COS.MultipartAbortParams, callback: COS.Callback<COS.GeneralResult>): void;

  sliceUploadFile(params: COS.SliceUploadFileParams): Promise<COS.UploadResult>;
  sliceUploadFile(params: COS.SliceUploadFileParams, callback: COS.Callback<COS.UploadResult>): void;
  uploadFile(params: COS.UploadFileParams): Promise<COS.UploadResult>;
  uploadFile(params: COS.UploadFileParams, callback: COS.Callback<COS.UploadResult>): void;
  /**
   * Copies `CopySource` to `Key`: one PUT Object - Copy up to CopySliceSize, else a multipart upload of
   * part copies. A failed copy keeps its upload, and the next call for the same source version resumes
   * it; aborting `signal` cancels it and aborts the upload.
   */
  sliceCopyFile(params: COS.SliceCopyFileParams): Promise<COS.SliceCopyFileResult>;
  sliceCopyFile(params: COS.SliceCopyFileParams, callback: COS.Callback<COS.SliceCopyFileResult>): void;
  /** A SQL query over a CSV or JSON object; the answer's event stream is decoded and CRC-checked. Browsers and Node (mini-programs have none, as cos-wx-sdk-v5). */
  selectObjectContent(params: COS.SelectObjectContentParams): Promise<COS.SelectObjectContentResult>;
  selectObjectContent(params: COS.SelectObjectContentParams, callback: COS.Callback<COS.SelectObjectContentResult>): void;
  /**
   * Node: the records as a Readable of Buffers (pushed once the whole answer was read and checked);
   * the callback gets the data without Payload.
   */
  selectObjectContentStream?(params: COS.SelectObjectContentParams, callback?: COS.Callback<COS.SelectObjectContentResult>): COS.SelectReadable;

  /** Never rejects for one file's failure: each entry of `files` has its own `error`. */
  uploadFiles(params: COS.UploadFilesParams): Promise<COS.UploadFilesResult>;
  uploadFiles(params: COS.UploadFilesParams, callback: COS.Callback<COS.UploadFilesResult>): void;

  /** Pre-signed URL, returned at once with SecretId/SecretKey; with getAuthorization use the callback. */
  getObjectUrl(params: COS.GetObjectUrlParams, callback?: COS.Callback<{ Url: string }>): string;
  /** An Authorization string signed with the keys in params or the instance's own (as COS.getAuthorization). */
  getAuth(params: Omit<COS.GetAuthorizationParams, 'SecretId' | 'SecretKey'> & { SecretId?: string; SecretKey?: string }): string;

  getTaskList(): COS.Task[];
  /** Stops the task's requests and keeps its progress; false if the task cannot be paused. */
  pauseTask(id: string): boolean;
  /** Resumes a paused or failed task from its checkpoint. */
  restartTask(id: string): boolean;
  /** Settles the task with a `TaskCanceled` error and aborts its multipart upload (unless KeepUploadOnCancel). */
  // The official methods answered by the core's method table (bucket configuration, listing, ACL,
  // tagging, copy, batch delete, restore, CORS preflight) and abortUploadTask: official params in,
  // official data out (see the package README and the official SDK documentation for each).
  abortUploadTask(params: COS.TableParams): Promise<COS.TableResult>;
  abortUploadTask(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketCors(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketCors(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketCors(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketCors(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketCors(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketCors(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketTagging(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketTagging(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketTagging(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketTagging(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketTagging(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketTagging(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketLifecycle(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketLifecycle(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketLifecycle(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketLifecycle(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketLifecycle(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketLifecycle(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketReplication(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketReplication(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketReplication(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketReplication(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketReplication(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketReplication(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketWebsite(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketWebsite(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketWebsite(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketWebsite(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketWebsite(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketWebsite(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketDomain(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketDomain(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketDomain(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketDomain(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketDomain(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketDomain(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketOrigin(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketOrigin(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketOrigin(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketOrigin(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketOrigin(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketOrigin(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketEncryption(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketEncryption(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketEncryption(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketEncryption(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketEncryption(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketEncryption(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketPolicy(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketPolicy(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketPolicy(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketPolicy(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketPolicy(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketPolicy(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getService(params: COS.TableParams): Promise<COS.TableResult>;
  getService(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucket(params: COS.TableParams): Promise<COS.TableResult>;
  putBucket(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  headBucket(params: COS.TableParams): Promise<COS.TableResult>;
  headBucket(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucket(params: COS.TableParams): Promise<COS.TableResult>;
  getBucket(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  listObjectVersions(params: COS.TableParams): Promise<COS.TableResult>;
  listObjectVersions(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucket(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucket(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketLocation(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketLocation(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketAcl(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketAcl(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketAcl(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketAcl(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketVersioning(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketVersioning(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketVersioning(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketVersioning(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketReferer(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketReferer(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketReferer(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketReferer(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketLogging(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketLogging(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketLogging(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketLogging(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketInventory(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketInventory(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  postBucketInventory(params: COS.TableParams): Promise<COS.TableResult>;
  postBucketInventory(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketInventory(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketInventory(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  listBucketInventory(params: COS.TableParams): Promise<COS.TableResult>;
  listBucketInventory(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketInventory(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketInventory(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketAccelerate(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketAccelerate(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketAccelerate(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketAccelerate(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteMultipleObject(params: COS.TableParams): Promise<COS.TableResult>;
  deleteMultipleObject(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getObjectAcl(params: COS.TableParams): Promise<COS.TableResult>;
  getObjectAcl(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putObjectAcl(params: COS.TableParams): Promise<COS.TableResult>;
  putObjectAcl(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  optionsObject(params: COS.TableParams): Promise<COS.TableResult>;
  optionsObject(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putObjectCopy(params: COS.TableParams): Promise<COS.TableResult>;
  putObjectCopy(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  uploadPartCopy(params: COS.TableParams): Promise<COS.TableResult>;
  uploadPartCopy(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  restoreObject(params: COS.TableParams): Promise<COS.TableResult>;
  restoreObject(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putObjectTagging(params: COS.TableParams): Promise<COS.TableResult>;
  putObjectTagging(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getObjectTagging(params: COS.TableParams): Promise<COS.TableResult>;
  getObjectTagging(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteObjectTagging(params: COS.TableParams): Promise<COS.TableResult>;
  deleteObjectTagging(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketCORS(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketCORS(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketCORS(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketCORS(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  deleteBucketCORS(params: COS.TableParams): Promise<COS.TableResult>;
  deleteBucketCORS(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putBucketACL(params: COS.TableParams): Promise<COS.TableResult>;
  putBucketACL(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getBucketACL(params: COS.TableParams): Promise<COS.TableResult>;
  getBucketACL(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  getObjectACL(params: COS.TableParams): Promise<COS.TableResult>;
  getObjectACL(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;
  putObjectACL(params: COS.TableParams): Promise<COS.TableResult>;
  putObjectACL(params: COS.TableParams, callback: COS.Callback<COS.TableResult>): void;

  /** Any COS request: XML answers are parsed into the data; with RawBody (or an answer that is not XML) the answer is `Body`. */
  request(params: COS.TableParams & { Method: string; Action?: string; RawBody?: boolean; DataType?: 'text' | 'blob' | 'arraybuffer'; Body?: unknown }): Promise<COS.TableResult>;
  request(params: COS.TableParams & { Method: string; Action?: string; RawBody?: boolean; DataType?: 'text' | 'blob' | 'arraybuffer'; Body?: unknown }, callback: COS.Callback<COS.TableResult>): void;

  /** The older multi-field signature (`?sign=`), as cos-nodejs-sdk-v5's getV4Auth. */
  getV4Auth(params: { Bucket: string; Key?: string; Expires?: number; SecretId?: string; SecretKey?: string }): string;

  cancelTask(id: string): boolean;
  /** Whether a task is waiting or running; true as soon as the call that queued it returns. */
  isUploadRunning(): boolean;

  on(event: 'list-update', listener: (data: { list: COS.Task[] }) => void): this;
  on(event: string, listener: (data: any) => void): this;
  off(event: string, listener?: (data: any) => void): this;
  emit(event: string, data?: unknown): void;
}

export = COS;
