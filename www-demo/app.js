// The cos-wasm upload demo: pick or drop files, each one an `uploadFiles` task; the list follows
// `getTaskList()` / `list-update`; finished objects link to a pre-signed URL; settings persist in
// localStorage; uploads cut short by a reload are offered again (the SDK resumes them from its
// checkpoints once the person picks the same files).

import { RateMeter, etaSeconds, formatEta } from './rate.mjs';

const SETTINGS_KEY = 'cos-wasm-demo:settings:v1';
const SECRET_KEY_SESSION = 'cos-wasm-demo:secret-key:v1';
const UNFINISHED_KEY = 'cos-wasm-demo:unfinished:v1';
const MiB = 1024 * 1024;

const $ = (id) => document.getElementById(id);
const els = {
  target: $('target'), fatal: $('fatal'), settings: $('settings'), form: $('settings-form'),
  settingsError: $('settings-error'), reset: $('settings-reset'),
  stsFields: $('sts-fields'), keyFields: $('key-fields'),
  resume: $('resume'), resumeList: $('resume-list'), resumePick: $('resume-pick'), resumeInput: $('resume-input'), resumeForget: $('resume-forget'),
  drop: $('drop'), pickFiles: $('pick-files'), pickFolder: $('pick-folder'), fileInput: $('file-input'), folderInput: $('folder-input'),
  pauseAll: $('pause-all'), resumeAll: $('resume-all'), cancelAll: $('cancel-all'), clearDone: $('clear-done'), clearFailed: $('clear-failed'),
  totalProgress: $('total-progress'), totalText: $('total-text'), empty: $('empty'), list: $('task-list'), status: $('status'),
};

// ---------------------------------------------------------------- formatting

function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' ' + units[i];
}

const STATE_LABEL = {
  local: 'Preparing', waiting: 'Waiting', checking: 'Checking', uploading: 'Uploading', paused: 'Paused',
  canceled: 'Canceled', error: 'Failed', success: 'Done',
};
const RUNNING = new Set(['waiting', 'checking', 'uploading']);
const SETTLED = new Set(['success', 'canceled']);

/** Says what just happened, in the status line (a polite live region for screen readers). */
function announce(text) {
  els.status.textContent = text;
}

// ---------------------------------------------------------------- settings

const FALLBACK_DEFAULTS = {
  bucket: '', region: 'ap-guangzhou', domain: '', protocol: 'https:', prefix: '',
  sliceSize: MiB, chunkSize: MiB, chunkParallelLimit: 3, fileParallelLimit: 3,
  auth: 'sts', stsUrl: '/sts', secretId: '', local: false,
};
let defaults = { ...FALLBACK_DEFAULTS };
let settings = { ...FALLBACK_DEFAULTS };
const SETTING_FIELDS = ['bucket', 'region', 'domain', 'protocol', 'prefix', 'sliceSize', 'chunkSize', 'chunkParallelLimit', 'fileParallelLimit', 'auth', 'stsUrl', 'secretId'];

async function loadDefaults() {
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    if (!r.ok) return;
    const c = await r.json();
    for (const k of Object.keys(FALLBACK_DEFAULTS)) if (c[k] !== undefined && c[k] !== null) defaults[k] = c[k];
  } catch { /* a static copy of the page without the demo server: official defaults */ }
}

/** Stored settings are only what the person changed, so a demo server on another port still works. */
function loadSettings() {
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) || '{}') || {}; } catch { saved = {}; }
  settings = { ...defaults };
  for (const k of SETTING_FIELDS) if (k in saved) settings[k] = saved[k];
  let secretKey = '';
  try { secretKey = sessionStorage.getItem(SECRET_KEY_SESSION) || ''; } catch { /* private mode */ }
  settings.secretKey = secretKey;
}

function saveSettings() {
  const changed = {};
  for (const k of SETTING_FIELDS) if (settings[k] !== defaults[k]) changed[k] = settings[k];
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(changed));
    if (settings.auth === 'keys' && settings.secretKey) sessionStorage.setItem(SECRET_KEY_SESSION, settings.secretKey);
    else sessionStorage.removeItem(SECRET_KEY_SESSION);
  } catch { /* storage full or disabled: settings last until the page closes */ }
}

function isLocal(s) {
  return /\.localhost(:\d+)?$/.test(s.domain || '');
}

function showTarget() {
  const s = settings;
  const where = s.domain ? (isLocal(s) ? 'the local COS server' : s.domain.replace('{Bucket}', s.bucket).replace('{Region}', s.region)) : 'Tencent Cloud COS';
  const cred = s.auth === 'keys' ? 'permanent keys' : 'temporary keys';
  els.target.replaceChildren();
  const b = document.createElement('strong');
  b.textContent = s.bucket || '(no bucket set)';
  els.target.append('Uploading to ', b, ` in ${s.region || '(no region)'} on ${where}, with ${cred}.`);
}

function fillForm() {
  const f = els.form.elements;
  f.bucket.value = settings.bucket;
  f.region.value = settings.region;
  f.domain.value = settings.domain;
  f.protocol.value = settings.protocol;
  f.prefix.value = settings.prefix;
  f.sliceSize.value = +(settings.sliceSize / MiB).toFixed(4);
  f.chunkSize.value = +(settings.chunkSize / MiB).toFixed(4);
  f.chunkParallelLimit.value = settings.chunkParallelLimit;
  f.fileParallelLimit.value = settings.fileParallelLimit;
  f.auth.value = settings.auth;
  f.stsUrl.value = settings.stsUrl;
  f.secretId.value = settings.secretId;
  f.secretKey.value = settings.secretKey || '';
  syncAuthFields();
}

function syncAuthFields() {
  const keys = els.form.elements.auth.value === 'keys';
  els.stsFields.hidden = keys;
  els.keyFields.hidden = !keys;
}

/** Reads and checks the form; returns settings or throws with a message naming the field. */
function readForm() {
  const f = els.form.elements;
  const s = { ...settings };
  const fail = (el, msg) => { const e = new Error(msg); e.field = el; throw e; };
  s.bucket = f.bucket.value.trim();
  if (!/^[a-z0-9][a-z0-9-]*-\d+$/.test(s.bucket)) fail(f.bucket, 'Bucket should be the full bucket name, lowercase letters, digits and dashes, ending with -APPID (e.g. examplebucket-1250000000).');
  s.region = f.region.value.trim();
  if (!/^[a-z0-9-]+$/.test(s.region)) fail(f.region, 'Region should look like ap-guangzhou.');
  s.domain = f.domain.value.trim();
  s.protocol = f.protocol.value;
  s.prefix = f.prefix.value.trim().replace(/^\/+/, '');
  const mib = (el, min, name) => {
    const v = Number(el.value);
    if (el.value.trim() === '' || !Number.isFinite(v) || v < min) fail(el, `${name} should be a number of MiB, at least ${min}.`);
    return Math.round(v * MiB);
  };
  s.sliceSize = mib(f.sliceSize, 0, 'SliceSize');
  s.chunkSize = mib(f.chunkSize, 1, 'ChunkSize');
  const int = (el, name) => {
    const v = Number(el.value);
    if (!Number.isInteger(v) || v < 1 || v > 32) fail(el, `${name} should be a whole number from 1 to 32.`);
    return v;
  };
  s.chunkParallelLimit = int(f.chunkParallelLimit, 'ChunkParallelLimit');
  s.fileParallelLimit = int(f.fileParallelLimit, 'FileParallelLimit');
  s.auth = f.auth.value === 'keys' ? 'keys' : 'sts';
  s.stsUrl = f.stsUrl.value.trim();
  s.secretId = f.secretId.value.trim();
  s.secretKey = f.secretKey.value.trim();
  if (s.auth === 'sts' && !s.stsUrl) fail(f.stsUrl, 'Give the URL of your temporary-key service.');
  if (s.auth === 'keys' && (!s.secretId || !s.secretKey)) fail(s.secretId ? f.secretKey : f.secretId, 'Give both SecretId and SecretKey.');
  return s;
}

/**
 * Shows a settings error. One naming a field goes right under that field, where focus goes and
 * where the eye is (the form is taller than the window: a message by the Save button would be out
 * of sight), and is tied to the field with aria-describedby; others go by the Save button.
 */
function showFormError(err) {
  for (const el of els.form.querySelectorAll('[aria-invalid]')) clearFieldError(el);
  if (!err) { els.settingsError.hidden = true; return; }
  if (!err.field) {
    els.settingsError.textContent = err.message;
    els.settingsError.hidden = false;
    els.settingsError.scrollIntoView({ block: 'nearest' });
    return;
  }
  els.settingsError.hidden = true;
  const field = err.field;
  const msg = document.createElement('p');
  msg.className = 'field-error';
  msg.id = field.id + '-error';
  msg.textContent = err.message;
  field.after(msg);
  field.setAttribute('aria-invalid', 'true');
  field.setAttribute('aria-describedby', [msg.id, ...(field.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== msg.id)].join(' '));
  // Label, field and message in view together, then focus without a second jump.
  (field.closest('.field') || field).scrollIntoView({ block: 'nearest' });
  field.focus({ preventScroll: true });
  // Focus already on the field (Enter pressed in it) reads nothing new: say it as well.
  announce('Settings not saved: ' + err.message);
}

function clearFieldError(field) {
  field.removeAttribute('aria-invalid');
  const id = field.id + '-error';
  document.getElementById(id)?.remove();
  const rest = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== id);
  if (rest.length) field.setAttribute('aria-describedby', rest.join(' '));
  else field.removeAttribute('aria-describedby');
}

// ---------------------------------------------------------------- the SDK

let COS = null;
let cos = null; // the instance new uploads use; older ones stay alive while their tasks do
const instances = new Set();
// Why temporary keys could not be had, by object key (and the latest, for calls without one):
// read once, when a task fails, so its message stays the one of its own failure.
const authFailures = new Map();
let lastAuthFailure = null;

/** Temporary keys from the person's endpoint, in the official STS shape or the flat one. */
async function fetchTempKeys(url) {
  let r;
  try {
    r = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw Object.assign(new Error(`could not reach ${url}`), { unreachable: true, url });
  }
  answered(url);
  if (!r.ok) throw new Error(`${url} answered HTTP ${r.status}`);
  let d;
  try { d = await r.json(); } catch { throw new Error(`${url} did not answer with JSON`); }
  const c = d.credentials || d.Credentials || d;
  const keys = {
    TmpSecretId: c.TmpSecretId ?? c.tmpSecretId,
    TmpSecretKey: c.TmpSecretKey ?? c.tmpSecretKey,
    SecurityToken: c.SecurityToken ?? c.sessionToken ?? c.Token ?? c.XCosSecurityToken,
    StartTime: d.StartTime ?? d.startTime ?? c.StartTime,
    ExpiredTime: d.ExpiredTime ?? d.expiredTime ?? c.ExpiredTime,
  };
  if (!keys.TmpSecretId || !keys.TmpSecretKey || !keys.SecurityToken || !keys.ExpiredTime) {
    throw new Error(`${url} answered without TmpSecretId, TmpSecretKey, SecurityToken and ExpiredTime`);
  }
  return keys;
}

function makeCos(s) {
  const opts = {
    Protocol: s.protocol,
    ChunkSize: s.chunkSize,
    SliceSize: s.sliceSize,
    ChunkParallelLimit: s.chunkParallelLimit,
    FileParallelLimit: s.fileParallelLimit,
  };
  if (s.domain) opts.Domain = s.domain;
  if (s.auth === 'keys') {
    opts.SecretId = s.secretId;
    opts.SecretKey = s.secretKey;
  } else {
    const url = new URL(s.stsUrl, location.href).href;
    opts.getAuthorization = (options, callback) => {
      fetchTempKeys(url).then(
        (keys) => { authFailures.delete(options.Key); callback(keys); },
        (e) => {
          const why = { message: e.message, unreachable: !!e.unreachable, url };
          authFailures.set(options.Key, why);
          lastAuthFailure = why;
          callback({});
        },
      );
    };
  }
  const c = new COS(opts);
  c.on('list-update', (data) => { observeList(c, data && data.list); scheduleRender(); });
  instances.add(c);
  return c;
}

/** Makes the instance new uploads use; throws (and changes nothing) when the SDK refuses the options. */
function applySettings(s = settings) {
  const next = COS ? makeCos(s) : null;
  settings = s;
  cos = next;
  showTarget();
  pruneInstances();
}

function pruneInstances() {
  for (const c of instances) {
    if (c === cos) continue;
    if (![...entries.values()].some((e) => e.cos === c)) { c.off('list-update'); instances.delete(c); }
  }
}

// ---------------------------------------------------------------- errors in words

function explain(err, entry) {
  if (!err) return null;
  const code = err.code || (err.error && err.error.Code) || '';
  const status = err.statusCode;
  const msg = String(err.message || (err.error && err.error.Message) || '');
  const bucket = entry ? entry.bucket : settings.bucket;
  const region = entry ? entry.region : settings.region;
  let text;
  let check = null; // what diagnose() should find out: 'network' or 'bucket'
  if (err.fromList) return { text: `The upload failed: ${msg}`, detail: '' };
  if (code === 'TaskCanceled') text = 'Canceled.';
  else if (/getAuthorization/.test(msg)) {
    const why = entry ? entry.authFailure : lastAuthFailure;
    if (why && why.unreachable) {
      text = `Could not get temporary keys: ${why.message}. Checking why…`;
      check = 'network';
    } else {
      text = why
        ? `Could not get temporary keys: ${why.message}.`
        : 'The temporary-key service answered with something that is not a usable key.';
    }
  } else if (code === 'CRC64Mismatch') {
    text = 'What COS stored differs from the file (the CRC64 check failed), so it was not counted as uploaded. Upload it again.';
  } else if (status === undefined || status === null || status === 0) {
    if (/timeout/i.test(msg)) text = 'COS did not answer in time, even after retrying. The network may be slow or down.';
    else if (/param|should|missing|allow|format/i.test(msg) && code === 'Error' && !/network|CORS/i.test(msg)) text = `The upload was refused before anything was sent: ${msg}.`;
    else if (typeof navigator !== 'undefined' && navigator.onLine === false) text = 'The network is down: this computer is offline. Reconnect and press Resume.';
    else {
      // Browsers hide why a request failed; diagnose() asks the endpoint and replaces this.
      text = `The browser could not reach bucket “${bucket}” in ${region}. Checking why…`;
      check = 'network';
    }
  } else {
    switch (code) {
      case 'NoSuchBucket':
        // A wrong region answers the same: diagnose() looks in the others.
        text = `Bucket “${bucket}” does not exist in region ${region}. Checking the other regions…`;
        check = 'bucket';
        break;
      case 'SignatureDoesNotMatch':
        text = 'COS refused the signature: the SecretKey does not belong to the SecretId, or the temporary keys are wrong.'; break;
      case 'InvalidAccessKeyId':
        text = 'COS does not know this SecretId. Check the keys (or the temporary-key service).'; break;
      case 'RequestTimeTooSkewed':
        text = 'This computer’s clock is too far off from COS’s. Set the clock right and try again.'; break;
      case 'ExpiredToken': case 'InvalidToken': case 'TokenExpired':
        text = 'The temporary keys have expired or are not valid. Resume to fetch fresh ones.'; break;
      case 'AccessDenied':
        text = /expired/i.test(msg)
          ? 'The signature has expired (or this computer’s clock is off). Resume to sign again.'
          : 'COS refused access: these keys may not write to this bucket or key. Check the temporary keys’ policy or the account’s permissions.';
        break;
      case 'NoSuchUpload':
        text = 'The multipart upload this task was continuing no longer exists on COS (it was aborted, or the server lost it). Retry starts it again from the first part.'; break;
      case 'EntityTooLarge': case 'EntityTooSmall': case 'InvalidPart': case 'InvalidPartOrder':
        text = 'COS refused the parts of this upload. Try a different ChunkSize.'; break;
      default:
        if (status >= 500) text = 'COS had a server error and retrying did not help. Try again later.';
        else if (status === 403) text = 'COS refused the request.';
        else if (status === 404) text = 'COS could not find the bucket or the upload.';
        else text = 'COS refused the upload.';
    }
  }
  const parts = [];
  if (code && code !== 'Error') parts.push(code);
  if (status) parts.push('HTTP ' + status);
  if (msg && msg !== text) parts.push(msg);
  const rid = err.RequestId || (err.headers && err.headers['x-cos-request-id']);
  if (rid) parts.push('RequestId ' + rid);
  return { text, detail: parts.join(' · '), check };
}

// ---------------------------------------------------------------- why a request did not get through

// A request that fails at network level tells the page nothing (no status, no reason). Asking the
// endpoint a few plain questions afterwards narrows it down: does anything answer at that host and
// port, does the bucket exist there, in another region, does its CORS rule let this page upload.

/** Origins that answered, with when: a server that did and no longer does has stopped. */
const reachedAt = new Map();

function answered(url) {
  try { reachedAt.set(new URL(url, location.href).origin, Date.now()); } catch { /* not a URL */ }
}

function bucketUrl(e, region = e.region) {
  const appId = (e.bucket.match(/-(\d+)$/) || [])[1] || '';
  const host = (e.domain || '{Bucket}.cos.{Region}.myqcloud.com')
    .replace(/\{Bucket\}/g, e.bucket).replace(/\{BucketName\}/g, e.bucket.replace(/-\d+$/, ''))
    .replace(/\{AppId\}/g, appId).replace(/\{Region\}/g, region);
  return (e.protocol === 'http:' ? 'http:' : 'https:') + '//' + host + '/';
}

/** A fetch that gives the Response, or null when nothing usable came back (network, CORS, 5 s). */
async function probe(url, init = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 5000);
  try {
    return await fetch(url, { cache: 'no-store', credentials: 'omit', signal: ctl.signal, ...init });
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

const clock = (t) => new Date(t).toLocaleTimeString();

/** The demo's local server, when the page runs on it and `url` points elsewhere on this machine. */
function localServerHint(url) {
  if (!defaults.local || !defaults.domain) return '';
  const port = (defaults.domain.match(/:(\d+)$/) || [])[1];
  const u = new URL(url);
  if (!port || u.port === port || !/(^|\.)localhost$|^127\./.test(u.hostname)) return '';
  return ` The demo's local COS server listens on port ${port} (“Back to the demo defaults” in Settings).`;
}

/** Nothing came back from `url`: it never answered (wrong address) or it stopped answering. */
async function whyNoAnswer(url, what) {
  const u = new URL(url);
  // Opaque, but it resolves only when a server answered something.
  if (await probe(url, { method: 'HEAD', mode: 'no-cors' })) {
    answered(url);
    return null;
  }
  const before = reachedAt.get(u.origin);
  if (before) return `The server at ${u.host} stopped answering (it answered at ${clock(before)}). Check that it is running and that this computer is online, then press Retry.`;
  return `Nothing answers at ${u.host}. Check ${what} in Settings.` + localServerHint(url);
}

/** Bucket `e.bucket` answered 404 at its region: in another region, or nowhere. */
async function findBucketRegion(e) {
  if (e.domain && !/\{Region\}/.test(e.domain)) return null;
  const regions = [...document.querySelectorAll('#regions option')].map((o) => o.value).filter((r) => r !== e.region);
  const found = await Promise.all(regions.map(async (r) => {
    const res = await probe(bucketUrl(e, r), { method: 'HEAD' });
    return res && res.status !== 404 ? r : null;
  }));
  return found.find(Boolean) || null;
}

/** COS said NoSuchBucket: a wrong region, or a wrong name. */
async function whereIsBucket(e) {
  const region = await findBucketRegion(e);
  if (region) return `Bucket “${e.bucket}” is in region ${region}, not ${e.region}. Set Region to ${region} in Settings, then press Retry.`;
  const host = new URL(bucketUrl(e)).host;
  return `Bucket “${e.bucket}” does not exist: ${host} answers NoSuchBucket${e.domain && !/\{Region\}/.test(e.domain) ? '' : ', and no other region has it'}. Check the bucket's full name (name-APPID) in Settings, then press Retry.`;
}

async function diagnoseBucket(e) {
  const url = bucketUrl(e);
  const host = new URL(url).host;
  const origin = location.origin;
  // HEAD without custom headers is a simple CORS request: no preflight, the status is readable.
  const head = await probe(url, { method: 'HEAD' });
  if (head) {
    answered(url);
    if (head.status === 404) return whereIsBucket(e);
    // The bucket is there. Uploads send headers, so they need a preflight: does it pass?
    if (await probe(url, { method: 'HEAD', headers: { 'x-cos-meta-probe': '1' } })) {
      return `Bucket “${e.bucket}” answers normally now, so the failure looks like a passing network problem. Press Retry.`;
    }
    return `Bucket “${e.bucket}” exists, but its CORS rule does not let this page (${origin}) upload. Add the rule described at the bottom of the page, then press Retry.`;
  }
  const none = await whyNoAnswer(url, e.domain ? 'Domain (host and port) and Protocol' : 'Region and Protocol');
  if (none) return none;
  return `${host} answers, but not to this page: either bucket “${e.bucket}” does not exist in ${e.region} (check its name and region), or it has no CORS rule for ${origin} (see the bottom of the page).`;
}

async function diagnoseStsUrl(url) {
  const none = await whyNoAnswer(url, 'the Temporary-key URL');
  if (none) return 'Could not get temporary keys: ' + none[0].toLowerCase() + none.slice(1);
  return `Could not get temporary keys: ${new URL(url).host} answers, but does not let this page (${location.origin}) read the keys. Allow this origin (CORS) on the temporary-key service, or serve it from this page's origin.`;
}

/** Replaces a failure's “checking why…” with what the probes found, if it is still that failure. */
async function diagnose(e, failure) {
  let text;
  try {
    if (failure.check === 'bucket') text = await whereIsBucket(e);
    else if (e.authFailure && e.authFailure.unreachable) text = await diagnoseStsUrl(e.authFailure.url);
    else text = await diagnoseBucket(e);
  } catch (err) {
    text = failure.text.replace(/ Checking .*…$/, '') + ` (${err && err.message || err})`;
  }
  if (e.failure !== failure) return;
  e.failure = { ...failure, text, pending: false };
  scheduleRender();
}

/** Binds an error to the entry: its words are worked out now, from what is known now, once. */
function setFailure(e, err, fromList = false) {
  e.error = err;
  const msg = String(err && err.message || '');
  e.authFailure = /getAuthorization/.test(msg) ? authFailures.get(e.key) || lastAuthFailure : null;
  const ex = explain(err, e);
  const failure = { ...ex, fromList, pending: !!ex.check, said: false };
  e.failure = failure;
  if (failure.pending) diagnose(e, failure);
}

// ---------------------------------------------------------------- tasks

/** Local upload entries, in the order they were added: `{lid, cos, taskId, file, key, ...}`. */
const entries = new Map();
let nextLid = 1;

function fingerprint(file) {
  return { name: file.name, size: file.size, lastModified: file.lastModified };
}

/** Files of uploads that did not finish before the last reload, waiting to be picked again. */
let pending = [];

function loadPending() {
  try { pending = JSON.parse(localStorage.getItem(UNFINISHED_KEY) || '[]') || []; } catch { pending = []; }
  if (!Array.isArray(pending)) pending = [];
}

function savedRecord(e) {
  return {
    ...fingerprint(e.file), key: e.key, bucket: e.bucket, region: e.region, chunkSize: e.chunkSize, sliceSize: e.sliceSize,
    percent: e.percent || 0, at: Date.now(),
  };
}

let unfinishedTimer = 0;
function saveUnfinished(now) {
  const write = () => {
    unfinishedTimer = 0;
    // Settled tasks are done with; a file refused before its task started has nothing to continue.
    const live = [...entries.values()].filter((e) => !SETTLED.has(e.state) && !(e.state === 'error' && !e.taskId)).map(savedRecord);
    try {
      const all = [...pending, ...live];
      if (all.length) localStorage.setItem(UNFINISHED_KEY, JSON.stringify(all));
      else localStorage.removeItem(UNFINISHED_KEY);
    } catch { /* storage full: the offer to resume after a reload is lost, nothing else */ }
  };
  if (now) { clearTimeout(unfinishedTimer); write(); } else if (!unfinishedTimer) unfinishedTimer = setTimeout(write, 1000);
}

function takePending(file) {
  const i = pending.findIndex((p) => p.name === file.name && p.size === file.size && p.lastModified === file.lastModified);
  if (i < 0) return null;
  return pending.splice(i, 1)[0];
}

function keyFor(file, relPath) {
  const rel = (relPath || file.webkitRelativePath || file.name).replace(/^\/+/, '');
  return (settings.prefix || '') + rel;
}

/** Adds files as upload tasks; files that match an unfinished upload continue it. */
function addFiles(items) {
  if (!cos) { announce('The SDK is not loaded, so nothing can be uploaded.'); return []; }
  if (!items.length) return [];
  const batch = [];
  let resumed = 0;
  for (const { file, relPath } of items) {
    const prev = takePending(file);
    const e = {
      lid: nextLid++, cos, taskId: null, file, relPath, name: relPath || file.webkitRelativePath || file.name,
      key: prev ? prev.key : keyFor(file, relPath),
      bucket: prev ? prev.bucket : settings.bucket,
      region: prev ? prev.region : settings.region,
      chunkSize: prev ? prev.chunkSize : settings.chunkSize,
      sliceSize: prev ? prev.sliceSize : settings.sliceSize,
      protocol: settings.protocol, domain: settings.domain,
      state: 'local', loaded: 0, size: file.size, percent: 0, hashPercent: 0,
      meter: new RateMeter(), rate: 0,
      checked: false, reused: null, error: null, failure: null, url: null, urlPending: false, announced: null,
    };
    if (prev) resumed++;
    entries.set(e.lid, e);
    batch.push(e);
  }
  renderPending();
  saveUnfinished(true);
  const files = batch.map((e) => ({
    Bucket: e.bucket, Region: e.region, Key: e.key, Body: e.file,
    SliceSize: e.sliceSize, ChunkSize: e.chunkSize,
    onTaskReady: (id) => { e.taskId = id; scheduleRender(); },
    // Called only while the SDK checks parts it found on COS for this file (an earlier upload of
    // it): with what the list says once sending starts, that tells whether parts were reused.
    onHashProgress: () => { e.checked = true; },
    onFileFinish: (err) => {
      // The list may have shown this failure already (its state changes first): same failure.
      if (err && err.code !== 'TaskCanceled' && (!e.failure || e.failure.fromList)) setFailure(e, err);
      scheduleRender();
    },
  }));
  cos.uploadFiles({ files }).then((data) => {
    // Failures before a task existed (bad parameters) only show up here.
    data.files.forEach((f, i) => {
      const e = batch[i];
      if (f.error && !e.taskId) { setFailure(e, f.error); e.state = 'error'; }
    });
    scheduleRender();
  }, (err) => {
    for (const e of batch) if (!e.taskId) { setFailure(e, err); e.state = 'error'; }
    scheduleRender();
  });
  const n = batch.length;
  announce(`${n} file${n > 1 ? 's' : ''} added${resumed ? `, ${resumed} matching an unfinished upload` : ''}.`);
  scheduleRender();
  return batch;
}

function taskOf(e) {
  if (!e.taskId) return null;
  const list = listCache.get(e.cos);
  return list ? list.get(e.taskId) || null : null;
}

let listCache = new Map();
let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  const run = () => { renderQueued = false; render(); };
  // Hidden tabs get no animation frames; the title and the saved progress still follow.
  if (document.hidden) setTimeout(run, 500); else requestAnimationFrame(run);
}

function signUrl(e) {
  if (e.url || e.urlPending) return;
  e.urlPending = true;
  const name = e.file.name;
  e.cos.getObjectUrl({
    Bucket: e.bucket, Region: e.region, Key: e.key, Sign: true,
    Query: { 'response-content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}` },
  }, (err, data) => {
    e.urlPending = false;
    if (err || !data || !data.Url) e.urlError = err || new Error('no URL');
    else { e.url = data.Url; e.urlAt = Date.now(); }
    scheduleRender();
  });
}

// ---------------------------------------------------------------- rendering

function rowFor(e) {
  if (e.row) return e.row;
  const li = document.createElement('li');
  li.className = 'task';
  li.tabIndex = -1;
  li.dataset.key = e.key;
  li.innerHTML = `
    <div class="t-head">
      <span class="t-name"></span><span class="tag cont" hidden>continued</span>
      <span class="t-state badge"></span>
    </div>
    <div class="t-key"></div>
    <div class="t-bar"><progress max="100" value="0"></progress><span class="t-pct"></span></div>
    <div class="t-foot">
      <span class="t-meta"></span>
      <span class="t-actions">
        <button type="button" class="t-toggle small"></button>
        <button type="button" class="t-cancel small">Cancel</button>
        <a class="t-link button small" target="_blank" rel="noopener" hidden>Download</a>
        <button type="button" class="t-remove small" hidden>Remove</button>
      </span>
    </div>
    <div class="t-error" hidden><p class="t-error-text"></p><p class="t-error-detail"></p></div>`;
  const q = (s) => li.querySelector(s);
  e.row = li;
  e.parts = {
    name: q('.t-name'), cont: q('.tag.cont'), state: q('.t-state'), key: q('.t-key'), progress: q('progress'), pct: q('.t-pct'),
    meta: q('.t-meta'), toggle: q('.t-toggle'), cancel: q('.t-cancel'), link: q('.t-link'), remove: q('.t-remove'),
    error: q('.t-error'), errorText: q('.t-error-text'), errorDetail: q('.t-error-detail'),
  };
  e.parts.name.textContent = e.name;
  e.parts.cont.title = 'Continues an upload that a reload interrupted; parts already on COS are not sent again.';
  e.parts.progress.setAttribute('aria-label', 'Progress of ' + e.name);
  e.parts.cancel.setAttribute('aria-label', 'Cancel ' + e.name);
  e.parts.link.setAttribute('aria-label', 'Download ' + e.name);
  e.parts.remove.setAttribute('aria-label', 'Remove ' + e.name + ' from the list');
  e.parts.toggle.addEventListener('click', () => toggleTask(e));
  e.parts.cancel.addEventListener('click', () => cancelTask(e));
  e.parts.remove.addEventListener('click', () => removeEntry(e));
  els.list.append(li);
  return li;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** The task's error as the list gives it: the error object, or (older builds) just its message. */
function listError(t) {
  if (t.error && typeof t.error === 'object') return { err: t.error, bare: false };
  return { err: { message: t.error || 'failed', fromList: true }, bare: true };
}

/**
 * Runs on every list-update, before any redraw, so it sees the moment a task starts sending: the
 * bytes it counts as done then, before any part went out, are parts reused from COS. The SDK says
 * so only through this (and onHashProgress while it checks them), so the page derives it here.
 */
function observeList(c, list) {
  if (!Array.isArray(list)) return;
  const byId = new Map(list.map((t) => [t.id, t]));
  for (const e of entries.values()) {
    const t = e.cos === c && e.taskId ? byId.get(e.taskId) : null;
    if (t) noteReuse(e, t);
  }
}

function noteReuse(e, t) {
  if (t.state === 'checking' && t.hashPercent > 0) e.checked = true;
  if (e.reused === null && (t.state === 'uploading' || t.state === 'success')) {
    // Only parts the SDK found on COS and checked count; a fresh upload's first bytes do not.
    e.reused = e.checked ? t.loaded : 0;
  }
}

function render() {
  listCache = new Map();
  for (const c of instances) listCache.set(c, new Map(c.getTaskList().map((t) => [t.id, t])));
  const now = performance.now();

  let total = 0; let loaded = 0; let rate = 0; let left = 0; let done = 0; let counted = 0; let running = 0; let paused = 0; let failed = 0; let cancelable = 0; let finished = 0;
  for (const e of entries.values()) {
    const t = taskOf(e);
    if (t) {
      e.state = t.state;
      e.loaded = t.loaded;
      e.size = t.size || e.file.size;
      e.percent = t.state === 'success' ? 1 : t.percent || 0;
      e.hashPercent = t.hashPercent || 0;
      noteReuse(e, t);
      if (t.state !== 'error') { e.error = null; e.failure = null; }
      else if (!e.failure) {
        const { err, bare } = listError(t);
        setFailure(e, err, bare);
      }
    }
    rowFor(e);
    const p = e.parts;
    const focused = e.row.contains(document.activeElement) ? document.activeElement : null;
    const st = e.state;
    setText(p.state, STATE_LABEL[st] || st);
    p.state.className = 't-state badge s-' + st;
    e.row.className = 'task s-' + st;
    p.cont.hidden = !(e.reused > 0);
    if (e.reused > 0) p.cont.title = `Continues an earlier upload: ${formatBytes(e.reused)} already on COS matched the file and were not sent again.`;
    setText(p.key, e.key === e.name ? '' : 'key ' + e.key);
    const pct = Math.floor((e.percent || 0) * 100);
    if (p.progress.value !== pct) p.progress.value = pct;
    setText(p.pct, pct + '%');

    // Speed from the page's own smoothed measure; only while bytes flow (a pause starts it over).
    if (st === 'uploading') e.rate = e.meter.update(e.loaded, now);
    else { e.meter.reset(); e.rate = 0; }
    let meta = `${formatBytes(e.loaded)} of ${formatBytes(e.size)}`;
    if (st === 'uploading') {
      meta += e.rate > 0 ? ` · ${formatBytes(e.rate)}/s · ${formatEta(etaSeconds(e.size - e.loaded, e.rate))}` : ' · measuring speed…';
    }
    if (st === 'checking' && e.hashPercent > 0 && e.hashPercent < 1) meta += ` · checking the parts already sent ${Math.floor(e.hashPercent * 100)}%`;
    setText(p.meta, meta);
    p.meta.dataset.rate = String(Math.round(e.rate));

    const canPause = RUNNING.has(st);
    const canResume = st === 'paused' || st === 'error';
    p.toggle.hidden = !(canPause || canResume) || (!e.taskId && st !== 'error');
    setText(p.toggle, canPause ? 'Pause' : st === 'error' ? 'Retry' : 'Resume');
    p.toggle.setAttribute('aria-label', (canPause ? 'Pause ' : st === 'error' ? 'Retry ' : 'Resume ') + e.name);
    p.cancel.hidden = SETTLED.has(st) || st === 'error' || !e.taskId;
    p.remove.hidden = !(SETTLED.has(st) || st === 'error');
    p.remove.title = st === 'error' && e.taskId ? 'Removes it from the list and deletes the parts it sent' : '';

    // Pre-signed URLs last 15 minutes: sign again well before that.
    if (e.url && Date.now() - e.urlAt > 10 * 60 * 1000) e.url = null;
    if (st === 'success') signUrl(e);
    p.link.hidden = !e.url;
    if (e.url && p.link.href !== e.url) p.link.href = e.url;

    // A control that disappears under the keyboard hands focus to one that is still there.
    if (focused && focused.hidden) ([p.toggle, p.cancel, p.link, p.remove].find((b) => !b.hidden) || e.row).focus();

    const ex = st === 'error' ? e.failure : null;
    p.error.hidden = !ex;
    if (ex) {
      setText(p.errorText, ex.text);
      setText(p.errorDetail, ex.detail);
      p.errorDetail.hidden = !ex.detail;
      p.error.setAttribute('aria-busy', String(!!ex.pending));
    }

    // Said once per outcome; a failure once its words are final.
    if (st === 'success' && e.announced !== 'success') {
      announce(`${e.name} uploaded.`);
      e.announced = 'success';
      answered(bucketUrl(e));
    } else if (ex && !ex.pending && !ex.said) {
      announce(`${e.name} failed: ${ex.text.replace(/(\.)\s.*$/s, '$1')}`);
      ex.said = true;
      e.announced = 'error';
    } else if (st !== 'success' && st !== 'error') {
      e.announced = null;
    }

    if (st !== 'canceled') { total += e.size; loaded += st === 'success' ? e.size : e.loaded; counted++; }
    if (st === 'success') done++;
    if (RUNNING.has(st) || st === 'local') { left += Math.max(0, e.size - e.loaded); }
    if (RUNNING.has(st)) { running++; rate += e.rate; }
    if (st === 'paused') paused++;
    if (st === 'error') failed++;
    if (!SETTLED.has(st) && e.taskId) cancelable++;
    if (SETTLED.has(st)) finished++;
  }

  els.empty.hidden = entries.size > 0;
  els.pauseAll.disabled = running === 0;
  els.resumeAll.disabled = paused + failed === 0;
  els.cancelAll.disabled = cancelable === 0;
  els.clearDone.disabled = finished === 0;
  els.clearFailed.disabled = failed === 0;
  const pct = total ? Math.floor((loaded / total) * 100) : 0;
  els.totalProgress.value = counted && done === counted ? 100 : pct;
  if (!entries.size) setText(els.totalText, 'Nothing uploaded yet.');
  else {
    let t = `${formatBytes(loaded)} of ${formatBytes(total)} · ${done} of ${counted} file${counted === 1 ? '' : 's'} done`;
    // Files waiting in the queue count in what is left: they start as the running ones finish.
    if (running && rate > 0) t += ` · ${formatBytes(rate)}/s · ${formatEta(etaSeconds(left, rate))}`;
    if (paused) t += ` · ${paused} paused`;
    if (failed) t += ` · ${failed} failed`;
    setText(els.totalText, t);
  }
  document.title = running ? `${pct}% · Upload to COS` : 'Upload to COS · cos-wasm demo';
  saveUnfinished(false);
  // A stalled transfer sends no progress: redraw anyway, so its speed and time left follow.
  if (running && !tickTimer) tickTimer = setTimeout(() => { tickTimer = 0; scheduleRender(); }, 1000);
}
let tickTimer = 0;

/**
 * Runs a failed upload again. With the settings it started with, the SDK restarts the task; after the
 * settings changed (the usual fix for a failure), the file becomes a new task of the current instance,
 * in the same place in the list (same target: the SDK still continues from its checkpoint). After
 * NoSuchUpload the upload the task holds on to is gone for good, so restarting it would fail again:
 * a new task starts a new upload (the SDK drops the dead one from its checkpoints on the way).
 */
function retry(e) {
  const gone = e.error && e.error.code === 'NoSuchUpload';
  e.error = null;
  e.failure = null;
  if (e.cos === cos && e.taskId && !gone) { e.cos.restartTask(e.taskId); return; }
  const hadFocus = e.row && e.row.contains(document.activeElement);
  const [fresh] = addFiles([{ file: e.file, relPath: e.relPath }]);
  if (!fresh) return;
  // The failed task's upload is gone, so canceling it deletes nothing; it frees its slot and file.
  if (gone && e.taskId) e.cos.cancelTask(e.taskId);
  rowFor(fresh);
  if (e.row) e.row.replaceWith(fresh.row);
  entries.delete(e.lid);
  pruneInstances();
  if (hadFocus) fresh.parts.cancel.focus();
}

function toggleTask(e) {
  if (e.state === 'error') {
    retry(e);
    announce(`${e.name} retrying.`);
    scheduleRender();
    return;
  }
  if (!e.taskId) return;
  if (RUNNING.has(e.state)) {
    e.cos.pauseTask(e.taskId);
    announce(`${e.name} paused.`);
    saveUnfinished(true);
  } else if (e.state === 'paused') {
    e.cos.restartTask(e.taskId);
    announce(`${e.name} resumed.`);
  }
  scheduleRender();
}

function cancelTask(e) {
  if (!e.taskId || SETTLED.has(e.state)) return;
  e.cos.cancelTask(e.taskId);
  announce(`${e.name} canceled.`);
  scheduleRender();
  saveUnfinished(true);
}

/**
 * Takes a task off the list. A failed one is canceled first: nobody will retry it, so the parts it
 * left on COS are deleted rather than billed until a lifecycle rule finds them.
 */
function dropEntry(e) {
  if (e.taskId && e.state === 'error') e.cos.cancelTask(e.taskId);
  e.row?.remove();
  entries.delete(e.lid);
}

function removeEntry(e) {
  const next = e.row && (e.row.nextElementSibling || e.row.previousElementSibling);
  dropEntry(e);
  pruneInstances();
  (next?.querySelector('button:not([hidden])') || els.drop).focus();
  announce(`${e.name} removed from the list.`);
  scheduleRender();
  saveUnfinished(true);
}

// ---------------------------------------------------------------- resuming after a reload

function renderPending() {
  els.resume.hidden = pending.length === 0;
  els.resumeList.replaceChildren(...pending.map((p) => {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = p.name;
    const pct = p.percent ? `, had reached ${Math.floor(p.percent * 100)}%` : '';
    li.append(name, ` — ${formatBytes(p.size)}${pct} · to ${p.key} in ${p.bucket}`);
    return li;
  }));
}

// ---------------------------------------------------------------- picking and dropping

function fromInput(input) {
  const items = [...input.files].map((file) => ({ file, relPath: file.webkitRelativePath || '' }));
  input.value = '';
  return items;
}

function readAllEntries(reader) {
  return new Promise((resolve, reject) => {
    const out = [];
    const more = () => reader.readEntries((batch) => {
      if (!batch.length) resolve(out);
      else { out.push(...batch); more(); }
    }, reject);
    more();
  });
}

async function walk(entry, out) {
  if (entry.isFile) {
    const file = await new Promise((res, rej) => entry.file(res, rej));
    out.push({ file, relPath: entry.fullPath.replace(/^\/+/, '') });
  } else if (entry.isDirectory) {
    for (const child of await readAllEntries(entry.createReader())) await walk(child, out);
  }
}

async function fromDrop(dt) {
  const items = [...(dt.items || [])].filter((i) => i.kind === 'file');
  const entriesApi = items.length && typeof items[0].webkitGetAsEntry === 'function';
  if (!entriesApi) return [...dt.files].map((file) => ({ file, relPath: '' }));
  const roots = items.map((i) => i.webkitGetAsEntry() || i.getAsFile());
  const out = [];
  for (const r of roots) {
    if (!r) continue;
    if (r instanceof File) out.push({ file: r, relPath: '' });
    else await walk(r, out);
  }
  return out;
}

function setupDrop() {
  let depth = 0;
  const zone = els.drop;
  const hasFiles = (ev) => ev.dataTransfer && [...ev.dataTransfer.types].includes('Files');
  document.addEventListener('dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    depth++;
    zone.classList.add('over');
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove('over');
  });
  document.addEventListener('dragover', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('drop', async (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth = 0;
    zone.classList.remove('over');
    try {
      addFiles(await fromDrop(ev.dataTransfer));
    } catch (e) {
      announce('Could not read the dropped files: ' + (e && e.message || e));
    }
  });
}

// ---------------------------------------------------------------- wiring

function wire() {
  els.pickFiles.addEventListener('click', () => els.fileInput.click());
  els.pickFolder.addEventListener('click', () => els.folderInput.click());
  els.fileInput.addEventListener('change', () => addFiles(fromInput(els.fileInput)));
  els.folderInput.addEventListener('change', () => addFiles(fromInput(els.folderInput)));
  els.resumePick.addEventListener('click', () => els.resumeInput.click());
  els.resumeInput.addEventListener('change', () => {
    const items = fromInput(els.resumeInput);
    const unknown = items.filter(({ file }) => !pending.some((p) => p.name === file.name && p.size === file.size && p.lastModified === file.lastModified));
    addFiles(items);
    if (unknown.length) announce(`${unknown.map((u) => u.file.name).join(', ')} did not match an unfinished upload (name, size and date must be the same), so ${unknown.length > 1 ? 'they start' : 'it starts'} from the beginning.`);
  });
  els.resumeForget.addEventListener('click', () => {
    pending = [];
    renderPending();
    saveUnfinished(true);
    announce('Forgot the unfinished uploads. Parts already sent stay on COS until a lifecycle rule removes them.');
    els.drop.focus();
  });
  setupDrop();
  addEventListener('pagehide', () => saveUnfinished(true));

  els.pauseAll.addEventListener('click', () => {
    for (const e of entries.values()) if (e.taskId && RUNNING.has(e.state)) e.cos.pauseTask(e.taskId);
    announce('All uploads paused.');
    scheduleRender();
    saveUnfinished(true);
  });
  els.resumeAll.addEventListener('click', () => {
    for (const e of [...entries.values()]) {
      if (e.taskId && e.state === 'paused') e.cos.restartTask(e.taskId);
      else if (e.state === 'error') retry(e);
    }
    announce('All uploads resumed.');
    scheduleRender();
  });
  els.cancelAll.addEventListener('click', () => {
    for (const e of entries.values()) if (e.taskId && !SETTLED.has(e.state)) e.cos.cancelTask(e.taskId);
    announce('All uploads canceled.');
    scheduleRender();
    saveUnfinished(true);
  });
  els.clearDone.addEventListener('click', () => {
    for (const e of [...entries.values()]) if (SETTLED.has(e.state)) dropEntry(e);
    pruneInstances();
    announce('Finished uploads removed from the list.');
    scheduleRender();
  });
  // Failed uploads have their own button: they can still be retried, and clearing them deletes
  // the parts they sent, which tidying away the finished ones should never do by surprise.
  els.clearFailed.addEventListener('click', () => {
    let n = 0;
    for (const e of [...entries.values()]) if (e.state === 'error') { dropEntry(e); n++; }
    pruneInstances();
    announce(`${n} failed upload${n === 1 ? '' : 's'} removed from the list.`);
    scheduleRender();
    saveUnfinished(true);
  });

  $('change-target').addEventListener('click', () => {
    els.settings.open = true;
    els.form.elements.bucket.focus();
  });
  els.form.elements.auth.forEach((r) => r.addEventListener('change', syncAuthFields));
  // Editing a field the form complained about takes the complaint away.
  els.form.addEventListener('input', (ev) => { if (ev.target.getAttribute('aria-invalid')) clearFieldError(ev.target); });
  els.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    let s;
    try { s = readForm(); } catch (e) { showFormError(e); return; }
    try {
      applySettings(s);
    } catch (e) {
      showFormError(new Error('The SDK refused these settings: ' + (e && e.message || e)));
      return;
    }
    showFormError(null);
    els.fatal.hidden = true;
    saveSettings();
    announce(`Settings saved. New uploads go to ${s.bucket} in ${s.region}.`);
  });
  els.reset.addEventListener('click', () => {
    applySettings({ ...defaults, secretKey: '' });
    saveSettings();
    fillForm();
    showFormError(null);
    els.fatal.hidden = true;
    announce('Settings are back to the demo defaults.');
  });
}

async function main() {
  $('origin').textContent = location.origin;
  wire();
  await loadDefaults();
  loadSettings();
  fillForm();
  showTarget();
  loadPending();
  renderPending();
  if (!defaults.local && !localStorage.getItem(SETTINGS_KEY)) els.settings.open = true;
  try {
    ({ default: COS } = await import('./cos-wasm/web.js'));
    // Builds that load the wasm in the background have COS.ready; others are ready on import.
    if (typeof COS.ready === 'function') await COS.ready();
    else if (COS.ready) await COS.ready;
  } catch (e) {
    els.fatal.textContent = 'The cos-wasm package could not be loaded (' + (e && e.message || e) + '). Build it with ./x build and reload.';
    els.fatal.hidden = false;
    for (const b of [els.pickFiles, els.pickFolder, els.resumePick]) b.disabled = true;
    return;
  }
  try {
    applySettings();
  } catch (e) {
    els.fatal.textContent = 'The settings were refused by the SDK: ' + (e && e.message || e) + ' Open Settings to fix them.';
    els.fatal.hidden = false;
    els.settings.open = true;
  }
  render();
  setInterval(scheduleRender, 60 * 1000);
  document.documentElement.dataset.ready = 'true';
}

main();
