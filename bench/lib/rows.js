'use strict';
// Every row the benchmark table has, in order (the smoke test checks that each one is printed).

const ROWS = [
  { id: 'md5-node-hashwasm', label: 'MD5, Node: vs hash-wasm' },
  { id: 'md5-node-spark', label: 'MD5, Node: vs spark-md5' },
  { id: 'md5-node-jsmd5', label: 'MD5, Node: vs js-md5 (in cos-js-sdk-v5)' },
  { id: 'md5-node-crypto', label: 'MD5, Node: vs node:crypto (native OpenSSL)' },
  { id: 'md5-chromium-hashwasm', label: 'MD5, Chromium: vs hash-wasm' },
  { id: 'md5-chromium-spark', label: 'MD5, Chromium: vs spark-md5' },
  { id: 'md5-chromium-jsmd5', label: 'MD5, Chromium: vs js-md5 (in cos-js-sdk-v5)' },
  { id: 'crc64-node-hashwasm', label: 'CRC-64/XZ, Node: vs hash-wasm createCRC64' },
  { id: 'crc64-node-ecma182', label: 'CRC-64/XZ, Node: vs crc64-ecma182.js' },
  { id: 'crc64-chromium-hashwasm', label: 'CRC-64/XZ, Chromium: vs hash-wasm createCRC64' },
  { id: 'sign-js', label: 'Signatures/s: vs cos-js-sdk-v5' },
  { id: 'sign-node', label: 'Signatures/s: vs cos-nodejs-sdk-v5' },
  { id: 'upload-node-wall', label: 'sliceUploadFile, Node: wall' },
  { id: 'upload-node-cpu', label: 'sliceUploadFile, Node: CPU' },
  { id: 'upload-node-rss', label: 'sliceUploadFile, Node: peak RSS' },
  { id: 'upload-node-ceiling', label: 'sliceUploadFile, Node: wall vs raw PUTs (loopback ceiling)' },
  { id: 'upload-chromium-wall', label: 'sliceUploadFile, Chromium: wall' },
  { id: 'upload-chromium-busy', label: 'sliceUploadFile, Chromium: main-thread busy' },
  { id: 'upload-chromium-cpu', label: 'sliceUploadFile, Chromium: CPU of all browser processes' },
  { id: 'upload-chromium-ceiling', label: 'sliceUploadFile, Chromium: wall vs raw XHR PUTs (loopback ceiling)' },
  { id: 'upload-chromium-official-ceiling', label: 'sliceUploadFile, Chromium: cos-js-sdk-v5 wall vs the same ceiling' },
  { id: 'queue-node', label: 'putObject ×1000 through the queue, Node: objects/s' },
  { id: 'queue-node-ceiling', label: 'putObject ×1000, Node: objects/s vs raw PUTs' },
  { id: 'size-browser-gzip', label: 'Size, browser (web.js + wasm): gzip' },
  { id: 'size-browser-brotli', label: 'Size, browser (web.js + wasm): brotli' },
  { id: 'size-miniprogram-gzip', label: 'Size, mini-program: gzip' },
  { id: 'size-miniprogram-brotli', label: 'Size, mini-program: brotli' },
  { id: 'size-miniprogram-raw', label: 'Size, mini-program: package bytes (counted against the 2 MB limit)' },
  ...require('./size').PART_ROWS,
  { id: 'memory-1gib', label: 'Memory bound, Node: 1 GiB file, peak RSS growth' },
  { id: 'memory-4gib', label: 'Memory bound, Node: 4 GiB file, peak RSS growth' },
];

module.exports = { ROWS };
