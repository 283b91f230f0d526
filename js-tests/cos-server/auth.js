'use strict';
// Request signature verification (docs/wire-format.md#verification) and POST Object policy verification (#post-object-policy),
// written from the spec with node:crypto only — never borrowed from an SDK, so SDKs can be tested
// against it.
const crypto = require('node:crypto');
const { err } = require('./errors');

const SKEW_SECONDS = 15 * 60; // COS tolerates 15 minutes of clock skew for a future start time

/** The COS "UrlEncode": encodeURIComponent plus ! ' ( ) * (upper-case hex, space → %20). */
function uriEncode(s) {
  return encodeURIComponent(String(s)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * A name as it must appear in q-header-list / q-url-param-list: lower(UrlEncode(name)).
 * Listed names are decoded first so that both `%e4%b8%ad` (as signed) and `中` (a list that went
 * through one more URL decoding in a pre-signed URL) normalise to the same thing.
 */
function listName(name) {
  return uriEncode(safeDecode(name)).toLowerCase();
}

function hmacHex(key, msg) {
  return crypto.createHmac('sha1', key).update(msg, 'utf8').digest('hex');
}

function sha1Hex(data) {
  return crypto.createHash('sha1').update(data, typeof data === 'string' ? 'utf8' : undefined).digest('hex');
}

/** q-signature for an HttpString (docs/wire-format.md#signing-steps). */
function signHttpString(secretKey, keyTime, signTime, httpString) {
  const signKey = hmacHex(secretKey, keyTime);
  const stringToSign = 'sha1\n' + signTime + '\n' + sha1Hex(httpString) + '\n';
  return hmacHex(signKey, stringToSign);
}

/** Parse `q-a=b&q-c=d…` (split on '&', then on the first '='). Values are kept verbatim. */
function parseAuthString(s) {
  const out = {};
  for (const part of String(s).trim().split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    out[k] = i < 0 ? '' : part.slice(i + 1).trim();
  }
  return out;
}

function splitList(s) {
  return String(s || '').split(';').map((x) => x.trim()).filter(Boolean).map(listName);
}

/**
 * Canonical strings for the listed names. The spec sorts by the encoded lower-case name; the
 * official JS SDKs sort the canonical string by the *raw* lower-case name
 * (docs/official-sdk-behaviour.md#encoding-and-ordering); some clients keep their list order. All distinct orders are returned and any may
 * match — they differ only for names with %-encoded characters.
 * Returns null (with `missing`) when a listed name is absent from the request.
 */
function canonicalCandidates(listed, lookup) {
  const entries = [];
  for (const name of listed) {
    const found = lookup(name);
    if (!found) return { missing: name };
    entries.push({ name, raw: found.raw.toLowerCase(), value: uriEncode(found.value) });
  }
  const render = (arr) => arr.map((e) => e.name + '=' + e.value).join('&');
  const byEncoded = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const byRaw = [...entries].sort((a, b) => (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0));
  return { strings: [...new Set([render(byEncoded), render(byRaw), render(entries)])] };
}

function parseTimeRange(s) {
  const m = /^(\d{1,12});(\d{1,12})$/.exec(String(s || ''));
  if (!m) return null;
  return [Number(m[1]), Number(m[2])];
}

function timingEqualHex(a, b) {
  const x = Buffer.from(String(a).toLowerCase());
  const y = Buffer.from(String(b).toLowerCase());
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * Credential and time checks shared by header/query signatures and POST policies.
 * `lookup(secretId)` → {secretKey, token?, expiredTime?} (token/expiredTime for temporary keys).
 * Temporary keys: the token must be presented and equal, else InvalidAccessKeyId (a temporary
 * SecretId without its token is treated like an unknown one); past ExpiredTime → ExpiredToken.
 */
function checkCredential({ algorithm, secretId, signTime, keyTime, token, nowSec, lookup }) {
  if (String(algorithm || '').toLowerCase() !== 'sha1') throw err('AccessDenied', 'q-sign-algorithm must be sha1.');
  const cred = secretId ? lookup(secretId) : null;
  if (!cred) throw err('InvalidAccessKeyId');
  if (cred.token !== undefined) {
    if (!token || token !== cred.token) throw err('InvalidAccessKeyId', 'The security token (x-cos-security-token) is missing or does not match the temporary SecretId.');
    if (nowSec > cred.expiredTime) throw err('ExpiredToken');
  }
  const st = parseTimeRange(signTime);
  const kt = parseTimeRange(keyTime);
  if (!st || !kt) throw err('AccessDenied', 'q-sign-time / q-key-time must be "<start>;<end>" in unix seconds.');
  if (nowSec > st[1] || nowSec > kt[1]) throw err('AccessDenied', 'Request has expired');
  if (st[0] > nowSec + SKEW_SECONDS || kt[0] > nowSec + SKEW_SECONDS) throw err('RequestTimeTooSkewed');
  return cred;
}

/**
 * Verify a header-style / query-style signature (docs/wire-format.md#verification).
 * @param q        parsed q-* fields (parseAuthString or the query's q-* params)
 * @param method   HTTP method
 * @param pathname decoded request path (what the client signed, e.g. "/a b/中.txt")
 * @param query    [[name, value]] decoded, in request order (q-* entries may be included; only listed names are used)
 * @param headers  {lowerName: value}
 * @returns the credential record
 */
function verifySignature({ q, method, pathname, query, headers, token, nowSec, lookup }) {
  if (!q['q-signature'] || !q['q-ak'] || !q['q-sign-time'] || !q['q-key-time'] || !q['q-sign-algorithm']) {
    throw err('AccessDenied', 'The Authorization is incomplete: q-sign-algorithm, q-ak, q-sign-time, q-key-time and q-signature are required.');
  }
  const cred = checkCredential({ algorithm: q['q-sign-algorithm'], secretId: q['q-ak'], signTime: q['q-sign-time'], keyTime: q['q-key-time'], token, nowSec, lookup });

  const params = canonicalCandidates(splitList(q['q-url-param-list']), (name) => {
    const hit = query.find(([k]) => listName(k) === name);
    return hit ? { raw: hit[0], value: hit[1] } : null;
  });
  if (params.missing) throw err('SignatureDoesNotMatch', 'The signed query parameter "' + params.missing + '" is not in the request.');
  const hdrs = canonicalCandidates(splitList(q['q-header-list']), (name) => {
    for (const k of Object.keys(headers)) {
      // Node keeps a header sent with an empty value as '' — present, empty (the official SDK signs `Cache-Control: ''`).
      if (listName(k) === name && headers[k] !== undefined) return { raw: k, value: Array.isArray(headers[k]) ? headers[k].join(', ') : headers[k] };
    }
    return null;
  });
  if (hdrs.missing) throw err('SignatureDoesNotMatch', 'The signed header "' + hdrs.missing + '" is not in the request.');

  for (const p of params.strings) {
    for (const h of hdrs.strings) {
      const httpString = String(method).toLowerCase() + '\n' + pathname + '\n' + p + '\n' + h + '\n';
      if (timingEqualHex(signHttpString(cred.secretKey, q['q-key-time'], q['q-sign-time'], httpString), q['q-signature'])) return cred;
    }
  }
  throw err('SignatureDoesNotMatch');
}

// ---------------------------------------------------------------- POST Object policy

/** q-signature of a POST form: HMAC(HMAC(SecretKey, KeyTime) as hex, SHA1(policy bytes) as hex). */
function policySignature(secretKey, keyTime, policyBytes) {
  return hmacHex(hmacHex(secretKey, keyTime), sha1Hex(policyBytes));
}

function policyFail(cond) {
  return err('AccessDenied', 'Invalid according to Policy: Policy Condition failed: ' + JSON.stringify(cond));
}

/**
 * Verify the policy + q-* form fields and evaluate every condition except content-length-range,
 * which is returned for checking once the file size is known.
 * @param fields Map(lowerName → value) of the form fields before `file`
 * @param values (lowerName) → value used for conditions: form fields, plus bucket and the final key
 * @returns {cred, lengthRange: [min, max] | null}
 */
function verifyPolicy({ fields, values, nowMs, lookup }) {
  const b64 = fields.get('policy');
  let policyBytes;
  let policy;
  try {
    policyBytes = Buffer.from(b64, 'base64');
    policy = JSON.parse(policyBytes.toString('utf8'));
  } catch {
    throw err('InvalidPolicyDocument', 'Invalid Policy: the policy is not base64-encoded JSON.');
  }
  if (!policy || typeof policy !== 'object' || !Array.isArray(policy.conditions) || typeof policy.expiration !== 'string') {
    throw err('InvalidPolicyDocument', 'Invalid Policy: "expiration" (ISO-8601 string) and "conditions" (array) are required.');
  }
  const expires = Date.parse(policy.expiration);
  if (!Number.isFinite(expires)) throw err('InvalidPolicyDocument', 'Invalid Policy: invalid expiration.');

  const nowSec = Math.floor(nowMs / 1000);
  const cred = checkCredential({
    algorithm: fields.get('q-sign-algorithm'),
    secretId: fields.get('q-ak'),
    signTime: fields.get('q-key-time'),
    keyTime: fields.get('q-key-time'),
    token: fields.get('x-cos-security-token'),
    nowSec,
    lookup,
  });
  if (!fields.get('q-signature')) throw err('AccessDenied', 'The form field q-signature is required.');
  if (!timingEqualHex(policySignature(cred.secretKey, fields.get('q-key-time'), policyBytes), fields.get('q-signature'))) {
    throw err('SignatureDoesNotMatch');
  }
  if (expires < nowMs) throw err('AccessDenied', 'Invalid according to Policy: Policy expired.');

  let lengthRange = null;
  const seen = new Set();
  for (const c of policy.conditions) {
    let op;
    let field;
    let expected;
    if (Array.isArray(c)) {
      const name = String(c[0] || '').toLowerCase();
      if (name === 'content-length-range') {
        const min = Number(c[1]);
        const max = Number(c[2]);
        if (c.length !== 3 || !Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) throw err('InvalidPolicyDocument', 'Invalid Policy: bad content-length-range ' + JSON.stringify(c));
        lengthRange = [min, max];
        continue;
      }
      if ((name !== 'eq' && name !== 'starts-with') || c.length !== 3 || typeof c[1] !== 'string' || !c[1].startsWith('$') || typeof c[2] !== 'string') {
        throw err('InvalidPolicyDocument', 'Invalid Policy: unknown or malformed condition ' + JSON.stringify(c));
      }
      op = name;
      field = c[1].slice(1).toLowerCase();
      expected = c[2];
    } else if (c && typeof c === 'object') {
      const keys = Object.keys(c);
      if (keys.length !== 1 || (typeof c[keys[0]] !== 'string' && typeof c[keys[0]] !== 'number')) throw err('InvalidPolicyDocument', 'Invalid Policy: malformed condition ' + JSON.stringify(c));
      op = 'eq';
      field = keys[0].toLowerCase();
      expected = String(c[keys[0]]);
    } else {
      throw err('InvalidPolicyDocument', 'Invalid Policy: malformed condition ' + JSON.stringify(c));
    }
    seen.add(field);
    const actual = values(field);
    if (actual === undefined) throw policyFail(c);
    if (op === 'eq' ? actual !== expected : !actual.startsWith(expected)) throw policyFail(c);
  }
  for (const required of ['q-sign-algorithm', 'q-ak', 'q-sign-time']) {
    if (!seen.has(required)) throw err('AccessDenied', 'Invalid according to Policy: the policy must constrain ' + required + '.');
  }
  return { cred, lengthRange };
}

/**
 * The older multi-field signature the official SDKs still produce with getV4Auth and send as
 * ?sign=: base64(HMAC-SHA1(secretKey, plain) + plain), plain = a=<appid>&b=<bucket short
 * name>&k=<SecretId>&t=<now>&e=<expiry>&r=<random>&f=/<appid>/<bucket>/<key> (f may be empty:
 * any key). Returns false when `sign` is not of this kind (the caller tries the q-* form).
 */
function verifyV4Sign({ sign, bucket, key, nowSec, lookup }) {
  const raw = Buffer.from(String(sign), 'base64');
  if (raw.length <= 20) return false;
  const plain = raw.subarray(20).toString('utf8');
  if (!/^a=[^&]*&b=/.test(plain)) return false;
  const f = {};
  for (const part of plain.split('&')) {
    const i = part.indexOf('=');
    if (i > 0 && f[part.slice(0, i)] === undefined) f[part.slice(0, i)] = part.slice(i + 1);
  }
  const cred = f.k ? lookup(f.k) : null;
  if (!cred || cred.token !== undefined) throw err('InvalidAccessKeyId');
  const mac = crypto.createHmac('sha1', cred.secretKey).update(plain, 'utf8').digest();
  if (!crypto.timingSafeEqual(mac, raw.subarray(0, 20))) throw err('SignatureDoesNotMatch');
  const m = /^(.*)-(\d+)$/.exec(bucket);
  if (!m || f.a !== m[2] || f.b !== m[1]) throw err('AccessDenied', 'The signature is for another bucket.');
  if (!/^\d+$/.test(f.e || '') || nowSec > Number(f.e)) throw err('AccessDenied', 'Request has expired');
  if (f.f && f.f !== '/' + m[2] + '/' + m[1] + '/' + encodeURIComponent(key).replace(/%2F/g, '/')) throw err('AccessDenied', 'The signature is for another key.');
  return true;
}

module.exports = { uriEncode, listName, parseAuthString, signHttpString, verifySignature, policySignature, verifyPolicy, checkCredential, verifyV4Sign, SKEW_SECONDS };
