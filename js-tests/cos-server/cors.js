'use strict';
// Bucket CORS (docs/wire-format.md#cors): rule matching for preflights and for actual responses.

const DEFAULT_EXPOSE = [
  'ETag', 'Location', 'Date', 'Content-Length', 'x-cos-request-id', 'x-cos-trace-id', 'x-cos-version-id',
  'x-cos-hash-crc64ecma', 'x-cos-next-append-position', 'x-cos-object-type', 'x-cos-storage-class', 'x-cos-acl',
  'x-cos-delete-marker', 'x-cos-server-side-encryption', 'x-cos-content-sha1', 'Last-Modified',
  'x-cos-bucket-region', 'x-cos-restore', 'x-cos-tagging-count', 'x-cos-copy-source-version-id',
];

/** Tencent's demo rule, widened (our choice). Its expose list also grows by the x-cos-meta-* of each response. */
const DEFAULT_RULE = {
  isDefault: true,
  origins: ['*'],
  methods: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'],
  headers: ['*'],
  expose: DEFAULT_EXPOSE,
  maxAge: 600,
};

function pick(r, names) {
  for (const n of names) if (r[n] !== undefined) return [].concat(r[n]).map(String);
  return undefined;
}

/**
 * Accepts camelCase (`allowedOrigins`) or the COS XML names (`AllowedOrigin`), single values or arrays.
 * `undefined` → the default rule; `[]` → no rule (every preflight gets 403).
 */
function normaliseRules(cors) {
  if (cors === undefined || cors === null || cors === true) return [DEFAULT_RULE];
  if (cors === false) return [];
  return [].concat(cors).map((r) => ({
    isDefault: false,
    origins: pick(r, ['allowedOrigins', 'allowedOrigin', 'AllowedOrigin', 'AllowedOrigins']) || ['*'],
    methods: (pick(r, ['allowedMethods', 'allowedMethod', 'AllowedMethod', 'AllowedMethods']) || ['GET', 'PUT', 'POST', 'DELETE', 'HEAD']).map((m) => m.toUpperCase()),
    headers: (pick(r, ['allowedHeaders', 'allowedHeader', 'AllowedHeader', 'AllowedHeaders']) || []).map((h) => h.toLowerCase()),
    expose: pick(r, ['exposeHeaders', 'exposeHeader', 'ExposeHeader', 'ExposeHeaders']) || [],
    maxAge: Number((pick(r, ['maxAgeSeconds', 'MaxAgeSeconds']) || [])[0]) || undefined,
  }));
}

/** Wildcard match ('*' = any run of characters). */
function glob(pattern, value) {
  if (pattern === '*') return true;
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
  return re.test(value);
}

/** Rule for a preflight (origin + method + every requested header), or null. */
function matchPreflight(rules, origin, method, requestHeaders) {
  const m = String(method).toUpperCase();
  return rules.find((r) => r.origins.some((o) => glob(o, origin))
    && r.methods.includes(m)
    && requestHeaders.every((h) => r.headers.some((p) => glob(p, h)))) || null;
}

/** Rule for an actual request (origin + method), or null. */
function matchActual(rules, origin, method) {
  const m = String(method).toUpperCase();
  return rules.find((r) => r.origins.some((o) => glob(o, origin)) && r.methods.includes(m)) || null;
}

module.exports = { DEFAULT_EXPOSE, DEFAULT_RULE, normaliseRules, matchPreflight, matchActual };
