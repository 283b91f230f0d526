// Behaviours checked against cos-nodejs-sdk-v5 outside the differential table, which cannot express
// them: an exception thrown in a user callback (it must surface as uncaught, as with the official
// SDK, in a process of its own), AutoSwitchHost (the main domain unreachable, the backup domain
// answering, through an agent that routes both names), Node's transport options, and options
// changed or given wrong after construction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, BUCKET, REGION, SECRET_ID, SECRET_KEY, startServer, localOptions } from '../lib/node-env.mjs';

const require = createRequire(import.meta.url);
const COS = require(path.join(ROOT, 'pkg'));
const Official = require('cos-nodejs-sdk-v5');

let server;
before(async () => {
  server = await startServer({ quiet: true });
});
after(() => server.stop());

// The child: one SDK, one scenario; prints what reached `uncaughtException`, what the call itself
// threw, the task states and whether the object was stored, once everything has settled.
const CHILD = `
const [sdk, port, scenario, key] = process.argv.slice(1);
const { localhostAgent } = require(${JSON.stringify(path.join(ROOT, 'js-tests/cos-server'))});
const COS = require(sdk);
const agent = localhostAgent();
const official = !sdk.endsWith('/pkg');
const console_ = console;
console.warn = console.log = () => {};
const cos = new COS({ SecretId: ${JSON.stringify(SECRET_ID)}, SecretKey: ${JSON.stringify(SECRET_KEY)}, Protocol: 'http:',
  Domain: '{Bucket}.cos.{Region}.localhost:' + port, HttpAgent: agent, ProgressInterval: 0 });
if (official) cos.on('before-send', (o) => { o.agent = agent; });
const B = { Bucket: ${JSON.stringify(BUCKET)}, Region: ${JSON.stringify(REGION)}, Key: key };
const uncaught = [];
process.on('uncaughtException', (e) => uncaught.push(e && e.message));
const boom = () => { throw new Error('thrown by the ' + scenario); };
let settled = 0;
const done = () => { settled++; };
let threwFromCall = null;
try {
  if (scenario === 'callback') cos.putObject({ ...B, Body: 'x' }, (err) => { done(); boom(); });
  if (scenario === 'onProgress') cos.putObject({ ...B, Body: 'x', onProgress: boom }, done);
  if (scenario === 'onTaskReady') cos.putObject({ ...B, Body: 'x', onTaskReady: boom }, done);
  if (scenario === 'onFileFinish') {
    const file = require('path').join(require('os').tmpdir(), 'cos-throws-' + process.pid + '.txt');
    require('fs').writeFileSync(file, 'x');
    cos.uploadFile({ ...B, FilePath: file, onFileFinish: boom }, done);
  }
  if (scenario === 'listener') { cos.on('list-update', boom); cos.putObject({ ...B, Body: 'x' }, done); }
} catch (e) { threwFromCall = e.message; }
setTimeout(() => {
  cos.headObject(B, (err) => {
    console_.error(JSON.stringify({ uncaught: [...new Set(uncaught)], threwFromCall, settled,
      states: cos.getTaskList().map((t) => t.state), stored: !err }));
    agent.destroy();
  });
}, 600);
`;

/** Runs the child (asynchronously: the server answering it lives in this process). */
function runChild(sdk, scenario, key) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD, sdk, String(server.port), scenario, key], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    const timer = setTimeout(() => child.kill(), 20000);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error('child (' + scenario + ') gave no result: ' + out));
      }
    });
  });
}

for (const scenario of ['callback', 'onProgress', 'onTaskReady', 'onFileFinish', 'listener']) {
  const official = scenario === 'onProgress' ? 'where cos-nodejs-sdk-v5 drops it' : 'as with cos-nodejs-sdk-v5';
  test('an exception thrown in ' + scenario + ' surfaces uncaught (' + official + '), and the upload still completes', async () => {
    const ours = await runChild(path.join(ROOT, 'pkg'), scenario, 'throws/' + scenario + '-wasm');
    const theirs = await runChild(require.resolve('cos-nodejs-sdk-v5'), scenario, 'throws/' + scenario + '-official');
    const message = 'thrown by the ' + scenario;
    if (scenario === 'onProgress') {
      // The official SDKs call progress functions inside try/catch and drop what they throw;
      // cos-wasm surfaces it like any other (README, deliberate differences).
      assert.deepEqual(theirs.uncaught, [], 'the official SDK drops it: ' + JSON.stringify(theirs));
    } else {
      // The official SDK lets it escape wherever the SDK called the function (for a list-update
      // listener, out of the putObject call itself); cos-wasm always rethrows it on a task of its own.
      assert.ok(theirs.uncaught.includes(message) || theirs.threwFromCall === message, 'the official SDK surfaces it: ' + JSON.stringify(theirs));
    }
    assert.deepEqual(ours.uncaught, [message], 'cos-wasm surfaces it as uncaught: ' + JSON.stringify(ours));
    assert.equal(ours.threwFromCall, null);
    assert.equal(ours.settled, 1, 'the callback was called once');
    assert.equal(ours.stored, true, 'the object was stored');
    assert.deepEqual(ours.states, ['success'], 'the task list is consistent');
  });
}

/** An agent that sends `*.myqcloud.com` to a closed port and `*.tencentcos.cn` to the local server. */
function splitAgent(port) {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = (opts) => {
    const host = String(opts.host || opts.hostname);
    return net.createConnection({ host: '127.0.0.1', port: host.endsWith('.tencentcos.cn') ? port : 1 });
  };
  return agent;
}

const mainDomainOptions = (agent, extra = {}) => ({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Protocol: 'http:', HttpAgent: agent, RetryDelay: 1, ...extra });

test('AutoSwitchHost: with the main domain unreachable the request goes to tencentcos.cn, signed for that host, as with cos-nodejs-sdk-v5', async () => {
  const agent = splitAgent(server.port);
  try {
    const key = 'switch/a.txt';
    const cos = new COS(mainDomainOptions(agent));
    const data = await cos.putObject({ Bucket: BUCKET, Region: REGION, Key: key, Body: 'x' });
    assert.equal(data.statusCode, 200);
    const puts = server.requestLog().filter((r) => r.op === 'PutObject' && r.url.includes(key));
    assert.equal(puts.length, 1);
    assert.equal(puts[0].headers.host, BUCKET + '.cos.' + REGION + '.tencentcos.cn');
    assert.equal(puts[0].headers['x-cos-sdk-retry'], 'true');
    assert.match(puts[0].headers.authorization, /q-header-list=[^&]*host/);

    const official = new Official(mainDomainOptions(agent));
    official.on('before-send', (o) => { o.agent = agent; });
    const theirs = await official.putObject({ Bucket: BUCKET, Region: REGION, Key: key + '.official', Body: 'x' });
    assert.equal(theirs.statusCode, 200, 'the official SDK also reaches the backup domain');
  } finally {
    agent.destroy();
  }
});

test('AutoSwitchHost: false keeps to the main domain, as do a custom Domain and a server-made signature', async () => {
  const agent = splitAgent(server.port);
  try {
    const params = { Bucket: BUCKET, Region: REGION, Key: 'switch/b.txt', Body: 'x' };
    const off = new COS(mainDomainOptions(agent, { AutoSwitchHost: false, RetryTimes: 1 }));
    await assert.rejects(off.putObject(params), (e) => !e.statusCode && /ECONNREFUSED|network/i.test(e.message));
    const official = new Official(mainDomainOptions(agent, { AutoSwitchHost: false }));
    official.on('before-send', (o) => { o.agent = agent; });
    await assert.rejects(official.putObject(params), (e) => !e.statusCode);

    // getAuthorization answering a finished Authorization: it names the main host, so no switch.
    const signer = new COS({ Protocol: 'http:', HttpAgent: agent, RetryDelay: 1, RetryTimes: 1,
      getAuthorization: (o, cb) => cb({ Authorization: COS.getAuthorization({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Method: o.Method, Pathname: o.Pathname, Query: o.Query, Headers: o.Headers }) }) });
    await assert.rejects(signer.putObject(params), (e) => !e.statusCode);

    // Changed on cos.options afterwards: the next call switches.
    off.options.AutoSwitchHost = true;
    assert.equal((await off.putObject(params)).statusCode, 200);
  } finally {
    agent.destroy();
  }
});

test('cos.options: bad options set after construction fail the next call with the option error, and the instance recovers once fixed', async () => {
  const cos = new COS(localOptions(server.port));
  const head = () => cos.headObject({ Bucket: BUCKET, Region: REGION, Key: 'none' });
  cos.options.Protocol = 'gopher:';
  await assert.rejects(head(), (e) => e.message === 'option Protocol should be "http:" or "https:"');
  cos.options.Protocol = 'http:';
  await assert.rejects(head(), (e) => e.statusCode === 404);
});

test('StartTime/ExpiredTime in milliseconds: each signed call fails with the official message; the constructor does not throw', async () => {
  const cos = new COS(localOptions(server.port, { StartTime: Date.now(), ExpiredTime: Date.now() + 900000 }));
  await assert.rejects(cos.putObject({ Bucket: BUCKET, Region: REGION, Key: 'ms.txt', Body: 'x' }), (e) => e.message === 'params "StartTime" should be 10 digits' && e.code === 'Error');
  cos.options.StartTime = Math.floor(Date.now() / 1000) - 10;
  cos.options.ExpiredTime = Math.floor(Date.now() / 1000) + 600;
  const url = cos.getObjectUrl({ Bucket: BUCKET, Region: REGION, Key: 'ms.txt' });
  assert.ok(url.includes('&q-key-time=' + cos.options.StartTime + ';' + cos.options.ExpiredTime + '&'), url);
});

test('UserAgent and KeepAlive: false reach the wire as with cos-nodejs-sdk-v5', async () => {
  const sent = async (cos, key) => {
    await cos.putObject({ Bucket: BUCKET, Region: REGION, Key: key, Body: 'x' });
    return server.requestLog().find((r) => r.op === 'PutObject' && r.url.includes(key)).headers;
  };
  const { localhostAgent } = require(path.join(ROOT, 'js-tests/cos-server'));
  const agent = localhostAgent({ keepAlive: false });
  try {
    const official = new Official(localOptions(server.port, { UserAgent: 'app/1.0', KeepAlive: false }));
    official.on('before-send', (o) => { o.agent = agent; });
    const theirs = await sent(official, 'ua/official');
    const ours = await sent(new COS(localOptions(server.port, { UserAgent: 'app/1.0', KeepAlive: false })), 'ua/wasm');
    assert.equal(theirs['user-agent'], 'app/1.0');
    assert.equal(ours['user-agent'], 'app/1.0');
    assert.equal(ours.connection, 'close');
    assert.equal((await sent(new COS(localOptions(server.port)), 'ua/default')).connection, 'keep-alive');
  } finally {
    agent.destroy();
  }
});

test('ForcePathStyle: true throws from the constructor with the official message', () => {
  const message = (C) => {
    try {
      new C({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, ForcePathStyle: true });
      return 'no throw';
    } catch (e) {
      return e.message;
    }
  };
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal(message(COS), message(Official));
    assert.equal(message(COS), 'ForcePathStyle is not supported');
  } finally {
    console.warn = warn;
  }
});

test('StrictSsl: false accepts a certificate no authority signed (cos-nodejs-sdk-v5\'s option); by default it is refused', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-ssl-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  if (made.status !== 0) return t.skip('openssl is not available to make a certificate');
  const tls = https.createServer({ key: fs.readFileSync(path.join(dir, 'k.pem')), cert: fs.readFileSync(path.join(dir, 'c.pem')) }, (req, res) => {
    res.writeHead(200, { 'x-cos-request-id': 'tls-ok', ETag: '"e"' });
    res.end();
  });
  await new Promise((resolve) => tls.listen(0, '127.0.0.1', resolve));
  t.after(() => tls.close());
  const options = (extra) => ({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Domain: 'localhost:' + tls.address().port, Protocol: 'https:', RetryTimes: 0, ...extra });
  const params = { Bucket: BUCKET, Region: REGION, Key: 'k' };
  await assert.rejects(new COS(options({})).headObject(params), (e) => /self[- ]signed|certificate/i.test(e.message));
  const data = await new COS(options({ StrictSsl: false, KeepAlive: false })).headObject(params);
  assert.equal(data.RequestId, 'tls-ok');
});
