// Keys are sent as given: a key with "." or ".." segments names exactly that object, never the
// object its resolved path would name (URL parsers resolve dot segments, so such keys travel with
// their slashes encoded), and every kind of request reaches the same key: simple and multipart
// uploads, head, get, a pre-signed URL, delete. Keys that resolve to the bucket root are refused
// before sending (bad-input.mjs).
import http from 'node:http';
import { MiB, patternBytes, check, eq } from '../lib/harness.mjs';

/** GETs a URL of the local server (its `*.localhost` host reached on 127.0.0.1); resolves with the body text. */
function getUrl(url) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search, headers: { Host: u.host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error('HTTP ' + res.statusCode + ': ' + text.slice(0, 200)))));
    }).on('error', reject);
  });
}

const KEYS = ['a/../b.txt', 'x/./y.txt', '../escape.txt', 'dir/./../z.txt', 'q/r/..', 'dots/..hidden/.x/y.'];
// What each key would become if its dot segments were resolved: none of these may appear.
const RESOLVED = ['b.txt', 'x/y.txt', 'escape.txt', 'z.txt', 'q/'];

export const scenarios = [
  {
    id: 'keys-with-dot-segments',
    group: 'keys',
    name: 'keys with "." and ".." segments are stored, read, signed and deleted under exactly that key',
    async run(ctx) {
      const cos = ctx.cos();
      const P = { Bucket: ctx.B, Region: ctx.R };
      for (const [i, Key] of KEYS.entries()) {
        const body = 'object ' + i + ' ' + Key;
        await cos.putObject({ ...P, Key, Body: body });
        const stored = ctx.object(Key);
        check(stored, 'putObject ' + Key + ': no object stored under that exact key');
        const head = await cos.headObject({ ...P, Key });
        eq(head.statusCode, 200, 'headObject ' + Key);
        const got = await cos.getObject({ ...P, Key });
        eq(String(got.Body), body, 'getObject ' + Key);
        const url = cos.getObjectUrl({ ...P, Key });
        eq(await getUrl(url), body, 'pre-signed URL of ' + Key);
      }
      // A multipart upload to a dot-segment key: Initiate, parts and Complete all name it.
      const big = patternBytes(3 * MiB + 11, 77);
      const bigKey = 'm/../big.bin';
      await cos.sliceUploadFile({ ...P, Key: bigKey, Body: big, ChunkSize: MiB });
      ctx.expectObject(bigKey, big);
      check(!ctx.object('big.bin'), 'the multipart upload landed on big.bin');
      for (const k of RESOLVED) check(!ctx.object(k), 'an object was stored under the resolved key "' + k + '"');
      for (const Key of KEYS) {
        await cos.deleteObject({ ...P, Key });
        check(!ctx.object(Key), 'deleteObject ' + Key + ' left the object');
      }
      ctx.note(KEYS.length + 1 + ' dot-segment keys round-tripped');
    },
  },
];
