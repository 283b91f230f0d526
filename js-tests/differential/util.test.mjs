// COS.util against the official helpers: the same inputs give the same outputs (Node builds of
// both; the helpers are pure, so one host shows the wasm does what the official JS does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../lib/node-env.mjs';

const require = createRequire(import.meta.url);
const official = require('cos-nodejs-sdk-v5').util;
const ours = require(path.join(ROOT, 'pkg')).util;

const TEXTS = ['', 'abc', '中文 text +/=', 'a'.repeat(1000), '\u{1F600} emoji', 'line\nbreak & <tags>'];

test('COS.util.md5 of strings and bytes', () => {
  for (const t of TEXTS) assert.equal(ours.md5(t), official.md5(t), JSON.stringify(t));
  const bytes = new Uint8Array([0, 1, 2, 250, 255]);
  assert.equal(ours.md5(bytes), official.md5(Buffer.from(bytes)));
  assert.equal(ours.md5(bytes.buffer), official.md5(Buffer.from(bytes)));
});

test('COS.util.encodeBase64, plain and URL-safe', () => {
  for (const t of [...TEXTS, '>>>???', 'ab', 'abcd']) {
    assert.equal(ours.encodeBase64(t), official.encodeBase64(t), JSON.stringify(t));
    assert.equal(ours.encodeBase64(t, true), official.encodeBase64(t, true), JSON.stringify(t) + ' url-safe');
  }
});

test('COS.util.json2xml and xml2json', () => {
  const docs = [
    { Tagging: { TagSet: { Tag: [{ Key: 'a', Value: '1' }, { Key: 'b&c', Value: '<2>' }] } } },
    { CORSConfiguration: { CORSRule: [{ AllowedOrigin: ['*'], AllowedMethod: ['GET', 'PUT'], MaxAgeSeconds: '600' }] } },
    { Delete: { Quiet: 'true', Object: [{ Key: 'x/y.txt' }] } },
  ];
  for (const d of docs) {
    const xml = official.json2xml(d);
    assert.equal(ours.json2xml(d), xml, JSON.stringify(d));
    assert.deepEqual(ours.xml2json(xml), official.xml2json(xml), xml);
  }
  // COS's own answers (declaration, namespace attribute, entities, empty elements).
  for (const xml of [
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://www.qcloud.com/document/product/436/7751"><Name>b-1</Name><Prefix/><Contents><Key>a&amp;b</Key><Size>3</Size></Contents><Contents><Key>c</Key><Size>4</Size></Contents></ListBucketResult>',
    '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
  ]) {
    assert.deepEqual(ours.xml2json(xml), official.xml2json(xml), xml);
  }
});
