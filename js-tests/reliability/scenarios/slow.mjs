// Servers that never finish: one that trickles a byte every 400 ms, one that accepts and never
// answers, one that streams an endless answer. Each call must settle with a timeout or a clear
// error — Timeout bounds the whole request, the stall guard (StallTimeout) ends a request that
// moves no byte, and an answer that grows past what COS ever sends is refused while it arrives,
// so memory stays bounded. These servers are plain node:http: the local COS server cannot misbehave
// this way.
import http from 'node:http';
import { MiB, withTimeout, settle, check, shapeProblems, describeError } from '../lib/harness.mjs';

/** Starts a loopback server with `handler`; resolves with {port, close, sockets}. */
async function hostileServer(handler) {
  const sockets = new Set();
  const server = http.createServer(handler);
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    sockets,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}

function cosFor(ctx, srv, extra) {
  return ctx.cos({ Domain: '127.0.0.1:' + srv.port, RetryTimes: 1, RetryDelay: 5, ...extra });
}

const P = (ctx) => ({ Bucket: ctx.B, Region: ctx.R, Key: 'slow/object', Body: 'hello' });

async function expectError(ctx, label, promise, deadlineMs, needle) {
  const t0 = Date.now();
  const r = await withTimeout(settle(promise), deadlineMs, label);
  const ms = Date.now() - t0;
  check(!r.ok, label + ': resolved as a success');
  const problems = shapeProblems(r.error, { needle });
  check(problems.length === 0, label + ': ' + problems.join('; ') + ' [' + describeError(r.error) + ']');
  ctx.note(label + ' → ' + describeError(r.error) + ' after ' + ms + ' ms');
  return ms;
}

export const scenarios = [
  {
    id: 'slow-trickle-timeout',
    group: 'slow',
    name: 'a server that sends one byte every 400 ms: putObject with Timeout 2000 fails with a timeout (Timeout bounds the whole request)',
    async run(ctx) {
      const timers = new Set();
      const srv = await hostileServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': '100000' });
        const t = setInterval(() => res.write('x'), 400);
        timers.add(t);
        res.on('close', () => { clearInterval(t); timers.delete(t); });
      });
      try {
        // Two attempts of at most 2 s each, plus a short backoff.
        const ms = await expectError(ctx, 'putObject, Timeout 2000', cosFor(ctx, srv, { Timeout: 2000 }).putObject(P(ctx)), 15000, 'timeout');
        check(ms < 8000, 'took ' + ms + ' ms: Timeout is not a deadline for the whole request');
      } finally {
        for (const t of timers) clearInterval(t);
        await srv.close();
      }
    },
  },
  {
    id: 'slow-never-answers',
    group: 'slow',
    name: 'a server that accepts and never answers: the stall guard (StallTimeout) ends the call with a timeout, with no Timeout set',
    async run(ctx) {
      const srv = await hostileServer((req) => { req.resume(); });
      try {
        const ms = await expectError(ctx, 'headObject, StallTimeout 1000', cosFor(ctx, srv, { StallTimeout: 1000 }).headObject({ Bucket: ctx.B, Region: ctx.R, Key: 'slow/x' }), 15000, 'timeout');
        check(ms < 6000, 'took ' + ms + ' ms');
      } finally {
        await srv.close();
      }
    },
  },
  {
    id: 'slow-endless-answer',
    group: 'slow',
    name: 'a server streaming an endless answer to putObject: refused past 16 MiB while it arrives, process memory stays bounded',
    async run(ctx) {
      const chunk = Buffer.alloc(256 * 1024, 'a');
      let sent = 0;
      const srv = await hostileServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        const pump = () => {
          // Stops by itself at 2 GiB, should the client keep reading.
          while (sent < 2048 * MiB) {
            sent += chunk.length;
            if (!res.write(chunk)) { res.once('drain', pump); return; }
          }
          res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      });
      try {
        const rss0 = process.memoryUsage().rss;
        await expectError(ctx, 'putObject, endless answer', cosFor(ctx, srv, { RetryTimes: 0 }).putObject(P(ctx)), 30000, 'too large');
        const grew = (process.memoryUsage().rss - rss0) / MiB;
        ctx.note('server sent ' + (sent / MiB).toFixed(0) + ' MiB before the client stopped; RSS grew ' + grew.toFixed(0) + ' MiB');
        check(sent < 256 * MiB, 'the client read ' + (sent / MiB).toFixed(0) + ' MiB of an answer it must refuse past 16 MiB');
        check(grew < 128, 'RSS grew ' + grew.toFixed(0) + ' MiB');
      } finally {
        await srv.close();
      }
    },
  },
];
