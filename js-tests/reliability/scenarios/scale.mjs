// Scale: one uploadFiles call of thousands of small bodies (and a few multipart files) with faults
// injected on the way. Memory and speed per file are bench figures (bench/, section `scale`); here
// only what must hold at any size: every file settles once, nothing lost, nothing left open.
import fs from 'node:fs';
import { MiB, patternBytes, md5, check, eq, settle, shapeProblems, waitFor } from '../lib/harness.mjs';

/** Descriptors this process holds on files under `dir` (Linux; null elsewhere). */
function openFilesUnder(dir) {
  if (!fs.existsSync('/proc/self/fd')) return null;
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync('/proc/self/fd/' + fd).startsWith(dir)) n += 1;
    } catch { /* closed meanwhile */ }
  }
  return n;
}

export const scenarios = [
  {
    id: 'uploadfiles-3000-faults',
    group: 'load',
    name: 'uploadFiles of 3,000 small bodies, 300 FilePath entries and 6 multipart files with 5xx, dropped connections and a failing window: every file settles once, stored whole or reported failed, no upload, handle or file descriptor left, no descriptor per waiting file',
    timeoutMs: 180000,
    async run(ctx) {
      const small = 3000;
      const files = [];
      const sources = [];
      for (let i = 0; i < small; i++) {
        const bytes = patternBytes(200 + ((i * 7919) % 1900), 40000 + i);
        files.push({ Bucket: ctx.B, Region: ctx.R, Key: 'scale/s-' + String(i).padStart(5, '0'), Body: bytes });
        sources.push(bytes);
      }
      // Files on disk, at the end of the queue: none is opened before its task starts.
      for (let i = 0; i < 300; i++) {
        const bytes = patternBytes(100 + i, 60000 + i);
        files.push({ Bucket: ctx.B, Region: ctx.R, Key: 'scale/f-' + String(i).padStart(3, '0'), FilePath: ctx.file(bytes, 'f' + i + '.bin') });
        sources.push(bytes);
      }
      // Multipart entries (above SliceSize), spread through the batch.
      for (let j = 0; j < 6; j++) {
        const bytes = patternBytes(2 * MiB + 1000 * j, 50000 + j);
        const at = 500 * j + 250;
        files.splice(at, 0, { Bucket: ctx.B, Region: ctx.R, Key: 'scale/m-' + j, Body: bytes, ChunkSize: MiB });
        sources.splice(at, 0, bytes);
      }
      // Two entries refused before they become tasks (no Key; a Body that is no body).
      files.splice(1000, 0, { Bucket: ctx.B, Region: ctx.R, Body: patternBytes(10, 1) });
      sources.splice(1000, 0, null);
      files.splice(2000, 0, { Bucket: ctx.B, Region: ctx.R, Key: 'scale/bad-body', Body: 42 });
      sources.splice(2000, 0, null);

      // Retried: scattered 503s and connections cut mid-body on PutObject, a 503 on two parts.
      // A window of 16 consecutive 500s on PutObject fails at least one file for good (4 attempts
      // each, at most 3 files in flight), and every attempt of one Complete fails.
      for (const nth of [7, 400, 1500, 2600]) ctx.server.addFault({ op: 'PutObject', nth, status: 503 });
      for (const nth of [90, 1800]) ctx.server.addFault({ op: 'PutObject', nth, dropAfterBytes: 100 });
      ctx.server.addFault({ op: 'PutObject', nth: 1200, times: 16, status: 500 });
      ctx.server.addFault({ op: 'UploadPart', nth: 2, status: 503 });
      ctx.server.addFault({ op: 'UploadPart', nth: 7, status: 503 });
      ctx.server.addFault({ op: 'CompleteMultipartUpload', nth: 4, times: 4, status: 500 });

      const cos = ctx.cos({ RetryDelay: 1 });
      const base = cos._host.liveHandles();
      const finishes = new Map();
      let maxOpen = 0;
      const sampleOpen = () => { maxOpen = Math.max(maxOpen, openFilesUnder(ctx.dir) || 0); };
      let lastLoaded = 0;
      let backwards = 0;
      const t0 = Date.now();
      const call = cos.uploadFiles({
        files, SliceSize: MiB,
        onProgress: (p) => { if (p.loaded < lastLoaded) backwards += 1; lastLoaded = p.loaded; },
        onFileFinish: (err, d, options) => {
          // Index is the entry's index as text, as the official SDKs give it.
          const i = Number(options.Index);
          finishes.set(i, (finishes.get(i) || 0) + 1);
          if (i % 50 === 0) sampleOpen();
        },
      });
      // Every entry is queued by now or soon: descriptors held for waiting files would show here.
      await settle(new Promise((resolve) => setImmediate(resolve)));
      sampleOpen();
      const data = await call;
      const secs = (Date.now() - t0) / 1000;
      ctx.server.clearFaults();

      eq(data.files.length, files.length, 'one entry per file');
      let once = 0;
      for (let i = 0; i < files.length; i++) if (finishes.get(i) === 1) once += 1;
      eq(once, files.length, 'files whose onFileFinish ran exactly once');
      eq(backwards, 0, 'aggregate progress going backwards');
      let stored = 0;
      const failed = [];
      const problems = [];
      for (const [i, entry] of data.files.entries()) {
        if (!entry || entry.options.Index !== String(i)) { problems.push('entry ' + i + ': ' + JSON.stringify(entry && entry.options)); continue; }
        const key = files[i].Key;
        if (entry.error === null) {
          if (!entry.data || entry.data.statusCode !== 200) problems.push(key + ': no data');
          ctx.expectObject(key, md5(sources[i]));
          stored += 1;
        } else {
          failed.push(i);
          const shape = shapeProblems(entry.error, { plain: true });
          if (shape.length) problems.push(key + ': ' + shape.join('; '));
          // Failed means not stored: no object, or none different from the source.
          if (key && ctx.object(key)) problems.push(key + ' failed but an object is stored');
        }
      }
      eq(problems.length, 0, 'entry problems: ' + problems.slice(0, 5).join(' | '));
      check(failed.includes(1000) && failed.includes(2000), 'the two bad entries are reported failed');
      const failedPuts = failed.filter((i) => sources[i] && sources[i].length < MiB);
      check(failedPuts.length >= 1, 'the 500 window failed at least one file for good (failed: ' + failed.join(', ') + ')');
      check(failed.some((i) => files[i].Key && files[i].Key.startsWith('scale/m-')), 'the failing Complete failed its multipart file');
      const retried = ctx.requests().filter((r) => r.op === 'PutObject' && r.status === 503).length;
      check(retried >= 4, 'the 503s were hit (' + retried + ')');

      // The failed tasks keep their bodies (restartTask could run them again) until the user
      // cancels them; canceling aborts their multipart uploads.
      const errored = cos.getTaskList().filter((t) => t.state === 'error');
      eq(errored.length, failed.length - 2, 'failed tasks in the task list (the two bad entries never became tasks)');
      for (const t of errored) check(cos.cancelTask(t.id), 'cancelTask ' + t.id);
      await waitFor(() => ctx.uploads().length === 0, 'every multipart upload to be completed or aborted', 20000);
      const states = new Set(cos.getTaskList().map((t) => t.state));
      check([...states].every((s) => s === 'success' || s === 'canceled'), 'task states left: ' + [...states].join(', '));
      await settle(new Promise((resolve) => setTimeout(resolve, 10)));
      eq(cos._host.liveHandles(), base, 'host handles held after the call and the cancels');
      if (openFilesUnder(ctx.dir) !== null) {
        check(maxOpen <= 8, 'file descriptors open at once on the entries\' files: ' + maxOpen + ' (one per running file at most)');
        eq(openFilesUnder(ctx.dir), 0, 'file descriptors left open');
      }
      ctx.note(files.length + ' files in ' + secs.toFixed(1) + ' s: ' + stored + ' stored, ' + failed.length + ' failed (' + failed.map((i) => files[i].Key || '(no Key)').join(', ') + '); ' + retried + ' PutObject 503s retried; at most ' + maxOpen + ' of the entries\' files open at once');
    },
  },
];
