// The process is killed mid-upload (SIGKILL: no cleanup, no last checkpoint write); a new process
// with the same CheckpointPath resumes the same UploadId and sends only the parts the server lacks.
import fs from 'node:fs';
import { MiB, patternBytes, waitFor, check, eq, partCounts, SECRET_KEY } from '../lib/harness.mjs';
import { spawnUpload } from '../lib/child.mjs';

export const scenarios = [
  {
    id: 'process-killed',
    group: 'faults',
    name: 'process SIGKILLed mid-upload: a new process with the same CheckpointPath resumes the same UploadId, sends only missing parts',
    timeoutMs: 90000,
    async run(ctx) {
      const parts = 20;
      const bytes = patternBytes(parts * MiB - 333, 120);
      const key = 'faults/killed.bin';
      const filePath = ctx.file(bytes, 'killed.bin');
      ctx.server.addFault({ op: 'UploadPart', delayMs: 150 });
      const first = spawnUpload(ctx, { key, filePath, chunkSize: MiB, parallel: 3 });
      try {
        await waitFor(() => first.exited || (ctx.uploads(key)[0] && ctx.uploads(key)[0].parts.length >= 6), 'six parts stored by the first process', 30000);
        check(!first.exited, 'the first process ended before it was killed: ' + first.stderr + first.stdout);
        first.kill('SIGKILL');
        await first.exit;
      } finally {
        first.kill('SIGKILL');
      }
      eq(first.signal, 'SIGKILL', 'killed by SIGKILL');
      await ctx.quiesce();
      // A part whose bytes all arrived before the kill is still being stored when its connection
      // closes: wait until the server's part list stops changing before taking it as the truth.
      const partsNow = () => (ctx.uploads(key)[0] ? ctx.uploads(key)[0].parts.length : 0);
      for (let seen = -1, tries = 0; partsNow() !== seen && tries < 20; tries++) {
        seen = partsNow();
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const open = ctx.uploads(key);
      eq(open.length, 1, 'one upload open after the kill');
      const uploadId = open[0].uploadId;
      const have = new Set(open[0].parts.map((p) => p.partNumber));
      check(have.size < parts, 'killed before the end (' + have.size + ' parts stored)');
      const checkpoint = fs.readFileSync(ctx.checkpointPath, 'utf8');
      check(checkpoint.includes(uploadId), 'the checkpoint file names the UploadId');
      check(!checkpoint.includes(SECRET_KEY), 'no SecretKey in the checkpoint file');
      const before = ctx.requests().length;
      ctx.server.clearFaults();
      const second = spawnUpload(ctx, { key, filePath, chunkSize: MiB, parallel: 3 });
      const { code } = await second.exit;
      const done = second.last('done');
      check(code === 0 && done, 'the second process finished: ' + JSON.stringify(second.last('error') || second.stderr.slice(0, 500)));
      eq(done.data.UploadId, uploadId, 'resumed the same UploadId');
      check(done.hashed > 0, 'parts already on the server were verified by hashing');
      ctx.expectObject(key, bytes);
      const secondParts = partCounts(ctx.requests().slice(before), uploadId);
      const sent = Object.keys(secondParts).map(Number).sort((a, b) => a - b);
      const missing = [];
      for (let n = 1; n <= parts; n++) if (!have.has(n)) missing.push(n);
      eq(sent.join(','), missing.join(','), 'parts sent by the second process = parts missing on the server');
      for (const n of sent) eq(secondParts[n], 1, 'part ' + n + ' sent once');
      eq(ctx.requests().slice(before).filter((r) => r.op === 'InitiateMultipartUpload').length, 0, 'no new upload initiated');
      // A part whose answer the kill cut off may be on the server with no 200 logged: at most once.
      check(!(first.stdout + first.stderr + second.stdout + second.stderr).includes(SECRET_KEY), 'no SecretKey in the processes\' output');
      const all = partCounts(ctx.requests(), uploadId);
      for (let n = 1; n <= parts; n++) check((all[n] || 0) <= 1, 'part ' + n + ' stored ' + all[n] + ' times across both processes');
      ctx.note('killed with ' + have.size + '/' + parts + ' parts stored; the second process sent ' + sent.length + ' parts');
    },
  },
  {
    id: 'killed-then-truncated',
    group: 'faults',
    name: 'process SIGKILLed mid-upload, the file truncated, the upload run again: the new content is stored and no upload is left open',
    timeoutMs: 120000,
    async run(ctx) {
      for (let round = 1; round <= 3; round++) {
        const parts = 12;
        const bytes = patternBytes(parts * MiB - 77, 130 + round);
        const key = 'faults/truncated-' + round + '.bin';
        const filePath = ctx.file(bytes, 'truncated.bin');
        ctx.server.addFault({ op: 'UploadPart', delayMs: 100 });
        const first = spawnUpload(ctx, { key, filePath, chunkSize: MiB, parallel: 3 });
        try {
          await waitFor(() => first.exited || (ctx.uploads(key)[0] && ctx.uploads(key)[0].parts.length >= 4), 'four parts stored by the first process', 30000);
          check(!first.exited, 'the first process ended before it was killed: ' + first.stderr + first.stdout);
          first.kill('SIGKILL');
          await first.exit;
        } finally {
          first.kill('SIGKILL');
        }
        ctx.server.clearFaults();
        // Cut the file at a different size each round: inside a stored part, at a part boundary, short.
        const size = [5 * MiB + 123, 3 * MiB, MiB / 2][round - 1];
        fs.truncateSync(filePath, size);
        const second = spawnUpload(ctx, { key, filePath, chunkSize: MiB, parallel: 3 });
        const { code } = await second.exit;
        check(code === 0 && second.last('done'), 'round ' + round + ': the second process finished: ' + JSON.stringify(second.last('error') || second.stderr.slice(0, 500)));
        await ctx.quiesce();
        ctx.expectObject(key, bytes.subarray(0, size));
        eq(ctx.uploads(key).length, 0, 'round ' + round + ': uploads of ' + key + ' left open');
      }
    },
  },
];
