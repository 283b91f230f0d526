'use strict';
// Disk storage. Object and part bytes live in files under dataDir; only metadata is in memory.
//
// - Every body is streamed to a temp file while MD5 and CRC64 are computed on the fly, then the file
//   is adopted (PUT object, part) or deleted (any failure, client abort).
// - An object is a list of segments (files). PUT/POST objects have one; a completed multipart
//   upload adopts its part files as segments (no copy); each APPEND adds one. GET streams segments.
// - Files are unlinked when their object/part is replaced or deleted, but only once no GET is still
//   reading them (reference count), so a slow download never loses its bytes.
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { Crc64 } = require('./crc64');
const { err } = require('./errors');

// Temp dirs we created, removed at process exit in case a test never calls stop().
const ownDirs = new Set();
process.on('exit', () => {
  for (const d of ownDirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
});

class Store {
  /** @param {string} [dataDir] created if missing; a fresh temp dir (removed by close()) when omitted */
  static async open(dataDir) {
    const own = !dataDir;
    const dir = dataDir || (await fsp.mkdtemp(path.join(os.tmpdir(), 'cos-server-')));
    if (own) ownDirs.add(dir);
    for (const sub of ['objects']) await fsp.mkdir(path.join(dir, sub), { recursive: true });
    return new Store(dir, own);
  }

  constructor(dir, own) {
    this.dir = dir;
    this.own = own;
    this.seq = 0;
    this.buckets = new Map(); // name → {name, region, public, cors, objects: Map, uploads: Map}
  }

  /**
   * `objects` holds each key's current version; `versions` (key → entries newest first, objects
   * and delete markers) exists only for keys written or deleted once versioning was configured.
   */
  addBucket(cfg, nowMs = Date.now()) {
    const b = { acl: 'private', grants: {}, created: nowMs, ...cfg, objects: new Map(), uploads: new Map(), versions: new Map(), configs: new Map(), versioning: '' };
    this.buckets.set(cfg.name, b);
    return b;
  }

  deleteBucket(name) {
    this.buckets.delete(name);
  }

  /** The version list of a key (materialised from the current object on first use). */
  versionList(bucket, key) {
    let list = bucket.versions.get(key);
    if (!list) {
      const cur = bucket.objects.get(key);
      list = cur ? [cur] : [];
    }
    return list;
  }

  /** The object or delete marker with that version id, or undefined. */
  findVersion(bucket, key, versionId) {
    return this.versionList(bucket, key).find((v) => (v.versionId || 'null') === versionId);
  }

  static newVersionId() {
    return 'MTg0NDUx' + crypto.randomBytes(18).toString('base64url');
  }

  /** Keep `objects` in step with the newest entry of a version list. */
  settle(bucket, key, list) {
    if (list.length) bucket.versions.set(key, list);
    else bucket.versions.delete(key);
    if (list[0] && !list[0].marker) bucket.objects.set(key, list[0]);
    else bucket.objects.delete(key);
  }

  /** Drop the 'null' version of a list (Suspended versioning overwrites it). */
  dropNull(list) {
    const i = list.findIndex((v) => (v.versionId || 'null') === 'null');
    if (i < 0) return;
    const [gone] = list.splice(i, 1);
    if (!gone.marker) this.dispose(gone);
  }

  newFile(kind) {
    this.seq += 1;
    return path.join(this.dir, kind, Date.now().toString(36) + '-' + this.seq + '-' + crypto.randomBytes(4).toString('hex'));
  }

  /**
   * Stream `src` into a new file in objects/, hashing as it goes.
   * @param {object} [o]
   * @param {number} [o.maxBytes]  fail with EntityTooLarge beyond this
   * @param {crypto.Hash} [o.alsoHash] an extra running hash fed with the same bytes (APPEND)
   * @returns {Promise<{path, size, md5: Buffer, crc: bigint}>}
   */
  async receive(src, { maxBytes = Infinity, alsoHash = null } = {}) {
    const file = this.newFile('objects');
    const md5 = crypto.createHash('md5');
    const crc = new Crc64();
    let size = 0;
    try {
      await pipeline(
        src,
        async function* hash(source) {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > maxBytes) throw err('EntityTooLarge');
            md5.update(chunk);
            crc.update(chunk);
            if (alsoHash) alsoHash.update(chunk);
            yield chunk;
          }
        },
        fs.createWriteStream(file),
      );
    } catch (e) {
      await fsp.rm(file, { force: true });
      throw e;
    }
    return { path: file, size, md5: md5.digest(), crc: crc.value() };
  }

  /** MD5 of the concatenation of segment files, streamed (multipart Complete). */
  async md5OfSegments(segments, onChunk) {
    const md5 = crypto.createHash('md5');
    for (const s of segments) {
      for await (const chunk of fs.createReadStream(s.path, { highWaterMark: 1 << 20 })) {
        md5.update(chunk);
        if (onChunk) onChunk(chunk.length);
      }
    }
    return md5;
  }

  /** Bytes [start, end] (inclusive) of an object as one Readable over its segments. */
  readRange(obj, start, end) {
    obj.readers += 1;
    const store = this;
    async function* gen() {
      try {
        let offset = 0;
        for (const s of obj.segments) {
          const segStart = offset;
          const segEnd = offset + s.size - 1;
          offset += s.size;
          if (s.size === 0 || segEnd < start || segStart > end) continue;
          const from = Math.max(start, segStart) - segStart;
          const to = Math.min(end, segEnd) - segStart;
          yield* fs.createReadStream(s.path, { start: from, end: to, highWaterMark: 1 << 20 });
        }
      } finally {
        obj.readers -= 1;
        if (obj.dead && obj.readers === 0) store.unlinkSegments(obj.segments);
      }
    }
    return Readable.from(gen(), { objectMode: false });
  }

  unlinkSegments(segments) {
    for (const s of segments) fs.rm(s.path, { force: true }, () => {});
  }

  unlink(file) {
    return fsp.rm(file, { force: true });
  }

  /** Forget an object's bytes (after replace/delete), deferring while it is being read. */
  dispose(obj) {
    if (!obj || obj.dead) return;
    obj.dead = true;
    if (obj.readers === 0) this.unlinkSegments(obj.segments);
  }

  /**
   * Install `obj` at its key. Unversioned buckets dispose whatever was there; with versioning
   * Enabled the old version stays (new id each write), Suspended writes replace the 'null' one.
   */
  putObject(bucket, obj) {
    const old = bucket.objects.get(obj.key);
    if (!bucket.versioning) {
      bucket.objects.set(obj.key, obj);
      if (old && old !== obj) this.dispose(old);
      return obj;
    }
    const list = this.versionList(bucket, obj.key).filter((v) => v !== obj);
    // Complete picks the id before its headers go out, so a preset id is kept.
    obj.versionId = bucket.versioning === 'Enabled' ? obj.versionId || Store.newVersionId() : 'null';
    if (obj.versionId === 'null') this.dropNull(list);
    list.unshift(obj);
    this.settle(bucket, obj.key, list);
    return obj;
  }

  /**
   * DELETE Object. Without versioning: forget the key. With a version id: remove exactly that
   * version. Otherwise (versioning configured): a delete marker becomes the newest version.
   * Returns {deleted, versionId, marker} (what the response headers report).
   */
  deleteObject(bucket, key, versionId, nowMs = Date.now()) {
    if (!bucket.versioning && versionId === undefined) {
      const old = bucket.objects.get(key);
      if (!old) return { deleted: false };
      bucket.objects.delete(key);
      this.dispose(old);
      return { deleted: true };
    }
    const list = this.versionList(bucket, key);
    if (versionId !== undefined) {
      const i = list.findIndex((v) => (v.versionId || 'null') === versionId);
      if (i < 0) return { deleted: false };
      const [gone] = list.splice(i, 1);
      if (!gone.marker) this.dispose(gone);
      this.settle(bucket, key, list);
      return { deleted: true, versionId, marker: !!gone.marker };
    }
    const marker = { key, marker: true, versionId: bucket.versioning === 'Enabled' ? Store.newVersionId() : 'null', mtime: nowMs };
    if (marker.versionId === 'null') this.dropNull(list);
    list.unshift(marker);
    this.settle(bucket, key, list);
    return { deleted: true, versionId: marker.versionId, marker: true };
  }

  disposeUpload(bucket, upload, keep = new Set()) {
    bucket.uploads.delete(upload.uploadId);
    for (const p of upload.parts.values()) if (!keep.has(p)) fs.rm(p.path, { force: true }, () => {});
  }

  async close() {
    if (!this.own) return;
    await fsp.rm(this.dir, { recursive: true, force: true });
    ownDirs.delete(this.dir);
  }
}

module.exports = { Store };
