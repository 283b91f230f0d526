'use strict';
// Bucket operations: PUT / DELETE / HEAD Bucket, GET Service, GET ?location, bucket ACL, and every
// bucket configuration sub-resource. The configurations are rows of one table (BUCKET_CONFIGS)
// interpreted by one generic get / put / delete handler: a row names the sub-resource, the XML
// root, the error COS answers while nothing is configured (or the document it answers instead),
// and the validation (required children, required fields of repeated children, enumerations,
// Content-MD5). Bodies are stored as parsed and rendered back in the same shape.
const crypto = require('node:crypto');
const { err } = require('./errors');
const xml = require('./xml');
const o = require('./ops');
const cors = require('./cors');
const { aclXml, putAcl, aclHeader, parseTags } = require('./objects');

const { tx, el } = xml;

// Side effects of a stored configuration on the server's behaviour.
const applyCors = (ctx, v) => {
  ctx.bucket.corsRules = v === undefined ? [] : cors.normaliseRules(xml.list(v.CORSRule));
};
const applyVersioning = (ctx, v) => {
  ctx.bucket.versioning = v.Status;
};
const checkTags = (ctx, v) => parseTags(v, 50);
const needsVersioning = (ctx) => {
  if (ctx.bucket.versioning !== 'Enabled') throw err('InvalidRequest', 'Versioning must be Enabled on the bucket to apply a replication configuration.');
};

/**
 * sub: query sub-resource; name: operation suffix (GetBucket<name>, PutBucket<name>, DeleteBucket<name>);
 * root: XML root (json: a JSON body instead); missing: error code of GET while unset, else `empty`
 * is the root's content answered; need: required children; each: {Child: [required fields]} for
 * every (repeated) Child; enums: {'Path.To.Field': [values]}; md5: Content-MD5 required;
 * noDelete: the API has no DELETE (405); byId: one configuration per ?id= (inventory);
 * check / apply: extra validation / side effect (apply also runs with undefined on DELETE).
 */
const BUCKET_CONFIGS = [
  { sub: 'cors', name: 'CORS', root: 'CORSConfiguration', missing: 'NoSuchCORSConfiguration', need: ['CORSRule'], each: { CORSRule: ['AllowedOrigin', 'AllowedMethod'] }, enums: { 'CORSRule.AllowedMethod': ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'] }, md5: true, apply: applyCors },
  { sub: 'lifecycle', name: 'Lifecycle', root: 'LifecycleConfiguration', missing: 'NoSuchLifecycleConfiguration', need: ['Rule'], each: { Rule: ['Status'] }, enums: { 'Rule.Status': ['Enabled', 'Disabled'] }, md5: true },
  { sub: 'policy', name: 'Policy', json: true, missing: 'NoSuchPolicy' },
  { sub: 'tagging', name: 'Tagging', root: 'Tagging', missing: 'NoSuchTagSet', need: ['TagSet'], check: checkTags },
  { sub: 'versioning', name: 'Versioning', root: 'VersioningConfiguration', empty: '', need: ['Status'], enums: { Status: ['Enabled', 'Suspended'] }, noDelete: true, apply: applyVersioning },
  // S3's spelling: the official SDKs test for "…notFoundError", so they report this one as an error,
  // which is what their own test suite expects from COS after DELETE ?replication.
  { sub: 'replication', name: 'Replication', root: 'ReplicationConfiguration', missing: 'ReplicationConfigurationNotFoundError', need: ['Role', 'Rule'], each: { Rule: ['Status', 'Destination'] }, enums: { 'Rule.Status': ['Enabled', 'Disabled'] }, check: needsVersioning },
  { sub: 'website', name: 'Website', root: 'WebsiteConfiguration', missing: 'NoSuchWebsiteConfiguration', need: ['IndexDocument'], each: { IndexDocument: ['Suffix'] } },
  { sub: 'referer', name: 'Referer', root: 'RefererConfiguration', missing: 'NoSuchRefererConfiguration', need: ['Status', 'RefererType'], enums: { Status: ['Enabled', 'Disabled'], RefererType: ['Black-List', 'White-List'], EmptyReferConfiguration: ['Allow', 'Deny'] }, noDelete: true },
  { sub: 'domain', name: 'Domain', root: 'DomainConfiguration', missing: 'NoSuchDomainConfiguration', need: ['DomainRule'], each: { DomainRule: ['Status', 'Name', 'Type'] }, enums: { 'DomainRule.Status': ['ENABLED', 'DISABLED'], 'DomainRule.Type': ['REST', 'WEBSITE', 'ACCELERATE'] } },
  { sub: 'origin', name: 'Origin', root: 'OriginConfiguration', missing: 'NoSuchOriginConfiguration', need: ['OriginRule'], each: { OriginRule: ['OriginType', 'OriginInfo'] } },
  { sub: 'logging', name: 'Logging', root: 'BucketLoggingStatus', empty: '', each: { LoggingEnabled: ['TargetBucket', 'TargetPrefix'] }, noDelete: true },
  { sub: 'inventory', name: 'Inventory', root: 'InventoryConfiguration', missing: 'NoSuchInventoryConfiguration', byId: true, need: ['Id', 'IsEnabled', 'Destination', 'Schedule', 'IncludedObjectVersions'], each: { Destination: ['COSBucketDestination'], Schedule: ['Frequency'] }, enums: { IsEnabled: ['true', 'false'], IncludedObjectVersions: ['All', 'Current'], 'Schedule.Frequency': ['Daily', 'Weekly'] } },
  { sub: 'accelerate', name: 'Accelerate', root: 'AccelerateConfiguration', empty: { Status: 'Suspended', Type: 'COS' }, need: ['Status'], enums: { Status: ['Enabled', 'Suspended'] }, noDelete: true },
  { sub: 'encryption', name: 'Encryption', root: 'ServerSideEncryptionConfiguration', missing: 'NoSuchEncryptionConfiguration', need: ['Rule'], enums: { 'Rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm': ['AES256', 'KMS', 'SM4'] } },
  { sub: 'intelligenttiering', name: 'IntelligentTiering', root: 'IntelligentTieringConfiguration', empty: { Status: 'Suspended' }, need: ['Status'], enums: { Status: ['Enabled', 'Suspended'] }, noDelete: true },
  { sub: 'object-lock', name: 'ObjectLock', root: 'ObjectLockConfiguration', missing: 'NoSuchObjectLockConfiguration', need: ['ObjectLockEnabled'], enums: { ObjectLockEnabled: ['Enabled'] }, noDelete: true },
];

// POST ?inventory (one-off inventory): validated like the stored one, minus the schedule.
const POST_INVENTORY = { root: 'InventoryConfiguration', need: ['Id', 'Destination'], each: { Destination: ['COSBucketDestination'] } };

/** Every value at a dotted path (arrays at any level flattened). */
function at(v, path) {
  let cur = [v];
  for (const k of path) cur = cur.flatMap((x) => (x && typeof x === 'object' ? xml.list(x[k]) : []));
  return cur;
}

function validate(row, v) {
  const root = row.root;
  for (const n of row.need || []) if (!v || typeof v !== 'object' || v[n] === undefined) throw err('MalformedXML', '<' + root + '> needs <' + n + '>.');
  for (const [child, fields] of Object.entries(row.each || {})) {
    for (const item of at(v, [child])) {
      for (const f of fields) if (!item || typeof item !== 'object' || item[f] === undefined) throw err('MalformedXML', 'Every <' + child + '> needs <' + f + '>.');
    }
  }
  for (const [path, allowed] of Object.entries(row.enums || {})) {
    for (const x of at(v, path.split('.'))) if (!allowed.includes(x)) throw err('InvalidArgument', path + ' must be one of ' + allowed.join(', ') + ' (got ' + JSON.stringify(x) + ').');
  }
}

function configKey(ctx, row) {
  if (!row.byId) return row.sub;
  const id = ctx.q('id');
  if (!id) throw err('InvalidArgument', 'The ' + row.sub + ' id parameter is required.');
  return row.sub + ':' + id;
}

async function readBody(ctx, row) {
  const md5 = o.parseContentMd5(ctx.headers['content-md5']);
  if (row.md5 && !md5) throw err('MissingContentMD5');
  const body = await o.readSmallBody(ctx, 1024 * 1024);
  o.checkMd5(md5, crypto.createHash('md5').update(body).digest());
  return body.toString('utf8');
}

async function putConfig(ctx, row) {
  const key = configKey(ctx, row);
  const text = await readBody(ctx, row);
  let value;
  if (row.json) {
    // Bucket policy: a JSON document with a non-empty Statement list.
    let p;
    try {
      p = JSON.parse(text);
    } catch {
      throw err('MalformedPolicy');
    }
    // COS takes `statement` in either case and answers it as `Statement`.
    const key = p && typeof p === 'object' && !Array.isArray(p) ? Object.keys(p).find((k) => k.toLowerCase() === 'statement') : undefined;
    if (!key || !Array.isArray(p[key]) || p[key].length === 0) throw err('MalformedPolicy', 'The policy needs a non-empty Statement list.');
    value = JSON.stringify(Object.fromEntries(Object.entries(p).map(([k, v]) => [k === key ? 'Statement' : k, v])));
  } else {
    value = xml.parseBody(text, row.root);
    validate(row, value);
    if (row.byId && value.Id !== ctx.q('id')) throw err('InvalidArgument', 'The id parameter must equal the configuration\'s <Id>.');
  }
  if (row.check) row.check(ctx, value);
  ctx.bucket.configs.set(key, value);
  if (row.apply) row.apply(ctx, value);
  ctx.send(200, {});
}

function renderConfig(row, value) {
  return xml.DECL + xml.build(row.root, value);
}

async function getConfig(ctx, row) {
  const value = ctx.bucket.configs.get(configKey(ctx, row));
  if (value === undefined && row.missing) throw err(row.missing);
  if (row.json) return ctx.send(200, { 'Content-Type': 'application/json' }, value);
  ctx.send(200, { 'Content-Type': 'application/xml' }, renderConfig(row, value === undefined ? row.empty : value));
}

async function deleteConfig(ctx, row) {
  if (row.noDelete) throw err('MethodNotAllowed');
  const key = configKey(ctx, row);
  ctx.bucket.configs.delete(key);
  if (row.apply) row.apply(ctx, undefined);
  ctx.send(204, {});
}

async function ListBucketInventory(ctx) {
  const row = BUCKET_CONFIGS.find((r) => r.sub === 'inventory');
  const token = ctx.q('continuation-token') || '';
  const ids = [...ctx.bucket.configs.keys()].filter((k) => k.startsWith('inventory:')).map((k) => k.slice('inventory:'.length)).sort().filter((id) => id > token);
  const pageIds = ids.slice(0, 100);
  const truncated = ids.length > pageIds.length;
  ctx.send(200, { 'Content-Type': 'application/xml' }, xml.doc('ListInventoryConfigurationResult', [
    ...pageIds.map((id) => xml.build(row.root, ctx.bucket.configs.get('inventory:' + id))),
    tx('IsTruncated', truncated ? 'true' : 'false'),
    token ? tx('ContinuationToken', token) : '',
    truncated ? tx('NextContinuationToken', pageIds[pageIds.length - 1]) : '',
  ]));
}

async function PostBucketInventory(ctx) {
  const id = ctx.q('id');
  if (!id) throw err('InvalidArgument', 'The inventory id parameter is required.');
  const value = xml.parseBody(await readBody(ctx, {}), POST_INVENTORY.root);
  validate(POST_INVENTORY, value);
  if (value.Id !== id) throw err('InvalidArgument', 'The id parameter must equal the configuration\'s <Id>.');
  ctx.send(200, {});
}

// ------------------------------------------------------------------ bucket itself

const BUCKET_ACLS = ['private', 'public-read', 'public-read-write'];
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?-\d+$/;

/** PUT Bucket: a new bucket in the region of the host name; ACL headers; optional CreateBucketConfiguration. */
async function PutBucket(ctx) {
  if (ctx.bucket || (ctx.newBucket && ctx.newBucket.exists)) throw err('BucketAlreadyExists');
  const { name, region } = ctx.newBucket;
  if (!NAME_RE.test(name)) throw err('InvalidBucketName');
  const h = ctx.headers;
  const acl = h['x-cos-acl'] === undefined ? 'private' : String(h['x-cos-acl']);
  if (!BUCKET_ACLS.includes(acl)) throw err('InvalidArgument', 'Invalid x-cos-acl: ' + acl);
  const grants = {};
  for (const g of ['x-cos-grant-read', 'x-cos-grant-write', 'x-cos-grant-read-acp', 'x-cos-grant-write-acp', 'x-cos-grant-full-control']) if (h[g] !== undefined) grants[g] = String(h[g]);
  const text = await readBody(ctx, {});
  let conf;
  if (text.trim()) conf = xml.parseBody(text, 'CreateBucketConfiguration');
  if (ctx.store.buckets.has(name)) throw err('BucketAlreadyExists'); // created while the body streamed
  const b = ctx.store.addBucket({ name, region, corsRules: [cors.DEFAULT_RULE], acl, grants }, ctx.nowMs());
  if (conf && typeof conf === 'object') b.createConfig = conf;
  ctx.send(200, {});
}

async function DeleteBucket(ctx) {
  if (ctx.bucket.objects.size || ctx.bucket.versions.size) throw err('BucketNotEmpty');
  ctx.store.deleteBucket(ctx.bucket.name);
  ctx.send(204, {});
}

async function HeadBucket(ctx) {
  ctx.send(200, { 'x-cos-bucket-region': ctx.bucket.region });
}

async function GetBucketLocation(ctx) {
  ctx.send(200, { 'Content-Type': 'application/xml' }, xml.DECL + xml.build('LocationConstraint', ctx.bucket.region));
}

async function GetBucketACL(ctx) {
  ctx.send(200, { 'Content-Type': 'application/xml', ...aclHeader(ctx.bucket) }, aclXml(ctx, ctx.bucket));
}

async function PutBucketACL(ctx) {
  await putAcl(ctx, ctx.bucket, { allowed: BUCKET_ACLS, writeGrant: true });
  ctx.send(200, {});
}

function isoSeconds(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** GET Service: the buckets of every region (service.cos host) or of one (cos.<region> host). */
async function GetService(ctx) {
  const region = ctx.serviceRegion;
  const marker = ctx.q('marker') || '';
  const paged = ctx.has('max-keys') || ctx.has('marker');
  const max = o.intParam(ctx, 'max-keys', { def: 2000, min: 1, max: 2000, clampMax: true });
  const tagKey = ctx.q('tagkey');
  const tagValue = ctx.q('tagvalue');
  const created = ctx.q('create-time');
  const range = ctx.q('range');
  let all = [...ctx.store.buckets.values()].filter((b) => !region || b.region === region).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (tagKey) {
    all = all.filter((b) => {
      const t = b.configs.get('tagging');
      return t && parseTags(t, 50).some(([k, v]) => k === tagKey && (tagValue === undefined || v === tagValue));
    });
  }
  if (created && /^\d+$/.test(created) && (range === 'lt' || range === 'gt')) {
    const t = Number(created) * 1000;
    all = all.filter((b) => (range === 'lt' ? b.created < t : b.created > t));
  }
  all = all.filter((b) => b.name > marker);
  const pageBuckets = all.slice(0, max);
  const truncated = all.length > pageBuckets.length;
  const body = xml.doc('ListAllMyBucketsResult', [
    el('Owner', xml.initiator(ctx.server.opts.uin)),
    el('Buckets', pageBuckets.map((b) => el('Bucket', [tx('Name', b.name), tx('Location', b.region), tx('CreationDate', isoSeconds(b.created)), tx('BucketType', 'cos')]))),
    paged ? tx('Marker', marker) : '',
    paged && truncated ? tx('NextMarker', pageBuckets[pageBuckets.length - 1].name) : '',
    paged ? tx('IsTruncated', truncated ? 'true' : 'false') : '',
    paged ? tx('MaxKeys', String(max)) : '',
  ]);
  ctx.send(200, { 'Content-Type': 'application/xml' }, body);
}

const OPS = {
  PutBucket,
  DeleteBucket,
  HeadBucket,
  GetService,
  GetBucketLocation,
  GetBucketACL,
  PutBucketACL,
  ListBucketInventory,
  PostBucketInventory,
};
for (const row of BUCKET_CONFIGS) {
  OPS['GetBucket' + row.name] = (ctx) => getConfig(ctx, row);
  OPS['PutBucket' + row.name] = (ctx) => putConfig(ctx, row);
  OPS['DeleteBucket' + row.name] = (ctx) => deleteConfig(ctx, row);
}

/** The XML a `cors` start option corresponds to (what GET ?cors answers for it). */
function corsConfigOf(rules) {
  return {
    CORSRule: rules.map((r) => ({
      AllowedOrigin: r.origins,
      AllowedMethod: r.methods,
      ...(r.headers.length ? { AllowedHeader: r.headers } : {}),
      ...(r.expose.length ? { ExposeHeader: r.expose } : {}),
      ...(r.maxAge ? { MaxAgeSeconds: String(r.maxAge) } : {}),
    })),
  };
}

module.exports = { OPS, BUCKET_CONFIGS, corsConfigOf };
