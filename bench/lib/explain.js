'use strict';
// Notes printed under the table. A note is shown when its row missed its target (`miss`), or always
// (`always`) where a figure needs context. The figures quoted in notes come from profiles and A/B
// builds described in bench/README.md ("Findings"); the table above them is this run's.

const NOTES = {
  'md5-node-hashwasm': {
    miss: 'Both are 32-bit wasm MD5 rounds and both copy each slice into wasm memory first. Ours pulls ahead (~1.07–1.09×, measured 2026-12-01) because round 2 computes G(b, c, d) as (b & d) + (c & !d): the terms share no bit, and c & !d joins the part of the sum that does not wait for the previous step, so only b & d, one add and the rotate stay on the step-to-step chain (hash-wasm\'s C uses the textbook form). When this row misses, it is the noise of a shared 2-core machine on two loops this close.',
  },

  'md5-chromium-hashwasm': {
    miss: 'As in Node (same code, same copies); see the Node row.',
  },
  'crc64-node-hashwasm': {
    miss: 'The tables now sit in a zero-initialised static filled once (`src/hash/src/crc64.rs`), so lookups are constant-offset loads as in hash-wasm\'s C; what is left is within a few per cent and flips with the run (Chromium is ahead). hash-wasm\'s inner loop is clang-compiled C with the same slicing-by-8; a slicing-by-16 variant (32 KiB of tables built at start-up) is the next thing to try.',
  },

  'md5-node-crypto': {
    always: 'node:crypto is OpenSSL\'s hand-written x86-64 assembly, the native reference. Since round 2 computes G as (b & d) + (c & !d) (see the hash-wasm row) the wasm build ran level with it or slightly ahead here (1.03–1.05× on 2026-12-01); on 2026-12-04 it was 0.83× (our ~600 MiB/s is unchanged; OpenSSL ran ~730 MiB/s that day). OpenSSL\'s assembly uses the textbook G.',
  },
  'md5-chromium-jsmd5': {
    always: 'This is what cos-js-sdk-v5 actually runs when it hashes a file (its bundled js-md5 over FileReader binary strings; spark-md5 is what its docs and many apps use). The strings are made before the clock starts, so the real SDK is slower still.',
  },
  'sign-node': {
    always: 'cos-nodejs-sdk-v5 signs with node:crypto (OpenSSL HMAC-SHA1, native code). What took cos-wasm from ~0.98× to 2–2.4×: the JS wrapper writes plain params as one string of tagged fields straight into a wasm scratch buffer (`TextEncoder.encodeInto`: no allocation, no UTF-8 loop in JS) and reads the answer back from it (only numbers cross the boundary); the core parses the fields into borrowed slices instead of a `Value` tree, builds the canonical request in one buffer, copies unencoded runs whole, and keeps the signing key `HMAC(SecretKey, KeyTime)` as a keyed HMAC for the last (SecretKey, KeyTime), as AWS SDKs keep theirs per day. This bench signs with one fixed KeyTime (an uploader signs its parts with the same one), so the key is always reused; with a new KeyTime on every call a signature costs ~5.9 µs instead of ~4.8, still ~1.9× cos-nodejs-sdk-v5 (100,000 distinct KeyTimes). Left: SHA-1 compression ~10 %, `encodeInto` ~7 %, the JS flattening ~7 %; the ratio moves with how fast node:crypto runs on the day (76–94 k/s here).',
  },

  'upload-node-wall': {
    miss: 'Each part is read and CRC-64-hashed before its PUT starts (`upload_one_part` awaits the hash first), on the one JS thread, on a machine with two cores shared with the server. With Content-MD5 off the CRC is only needed after the response: join the hash and the PUT.',
  },


  'upload-node-cpu': {
    miss: 'Per part the engine reads the range (1 MiB steps into fresh Buffers), copies it into wasm memory and hashes it, then the host reads it again to stream it. Hashing while streaming (the host feeds the chunks it sends into the part\'s `Crc64Hasher`) removes one read and one copy per byte.',
  },

  'upload-node-rss': {
    miss: 'A tie within noise on the current build (cos-wasm starts ~15 MiB lower, 49 vs 64 MiB, but grows more: 56 vs 40 MiB on 1 GiB). The extra growth is the Buffers read for hashing (1 MiB each, up to 4 parts at once), which are garbage until V8 collects them, plus the wasm memory they are copied into. To win clearly: hash while streaming (no second read, nothing extra held), or read into one reusable buffer per part in flight (`fs.read` into a view of wasm memory) instead of a fresh Buffer per step.',
  },

  'upload-node-ceiling': {
    always: 'The raw client sends the same parts (initiate, PUTs streamed from the file, complete) with node:http and a 12-line signer: what the loopback and the local server allow on this machine. The server runs MD5 and CRC-64 over every byte in JS on the second core, so it is the bottleneck for every client.',
  },
  'upload-chromium-wall': {
    miss: 'Parts are read, CRC-64-hashed and sent by the I/O Worker (`futures::join` of the hash and the PUT), so the page\'s main thread is below the official SDK\'s, but reading every byte back to check it costs CPU the official SDK does not spend (it checks nothing). Measured per 256 MiB upload (CPU time from /proc, summed over all Chromium processes): cos-js-sdk-v5 ~1.2 s, cos-wasm ~1.6–1.9 s; the local server ~1.5 s for either (MD5 and CRC-64 of every byte, in JS). With the server on one core and Chromium on both, the machine is CPU-bound, so the extra CPU shows in the wall clock. The rows below measure both: the CPU row, and the raw-XHR ceiling, which a client that does nothing but PUT the slices cannot beat by much. Tried: `Blob.stream()` instead of 4 MiB `arrayBuffer()` reads (kept: ~30 % less read CPU); sending the bytes already read instead of the File range (rejected: Chromium uploads ArrayBuffer bodies ~18× slower than Blob bodies, 12 s vs 0.65 s for 256 MiB to a discarding server). ≤ 0.9× of a client that does no per-byte work, against a server that is itself the bottleneck, would need dropping the integrity check, which we keep. And the target is below what any client reaches here: the raw-XHR client (no SDK at all) is within a few per cent of cos-js-sdk-v5 (the last row), so ≤ 0.9× of cos-js-sdk-v5 would mean beating raw XHR by ~10 % with the same slices and concurrency.'
  },


  'upload-chromium-cpu': {
    always: 'CPU time of every Chromium process the bench started (browser process, renderer with its Workers, network service), from /proc, around the upload. Per process type on one run: renderer ~0.85 s for cos-wasm vs ~0.38 s for cos-js-sdk-v5 (the I/O Worker reads every byte back from the File, ~0.3 s, and CRC-64s it, ~0.14 s); browser process ~0.75 vs ~0.45–0.65 s (it serves the File to both the upload and the Worker\'s read); network service the same for both. This is the price of checking each part\'s CRC-64 against the server\'s; the official SDK checks nothing.',
  },
  'upload-chromium-ceiling': {
    always: 'The raw page (bench/page/raw-cos.mjs) does only what any client must: initiate, XHR PUTs of the same File slices 4 at a time with a WebCrypto signer, complete; no hashing, retries or resume.',
  },
  'upload-chromium-official-ceiling': {
    always: 'How far the official SDK itself is from that ceiling. When this is below 1.11×, no client can reach the wall target (≤ 0.9× of cos-js-sdk-v5) on this machine: the local server, hashing every byte in JS on a 2-core box shared with Chromium, is the limit for everyone.',
  },

  'upload-chromium-busy': {
    always: 'Main-thread time only, as the target defines it: the hashing cos-wasm does in its Worker is not counted here (it still costs CPU). cos-js-sdk-v5 does no per-byte work at all (and no integrity check).',
    miss: 'Main-thread time only (the Worker\'s hashing is not counted). A CPU profile of the page during the upload: ~120 ms of `(program)` (native work for XHR and events, the same for both SDKs), then `XMLHttpRequest.send` 40–120 ms across runs (the official SDK\'s sends do not show: ours may wait on the browser process while the Worker reads the same File), `Blob.slice` ~26–33 ms, the wasm orchestration ~20 ms. To investigate: send timing with the Worker reading ahead vs idle, and fewer `slice` calls (one slice per part, shared by the Worker message and the XHR).',
  },


  'queue-node': {
    miss: 'The rounds are short (~1 s) and both clients share two cores with the server, so this row is the noisiest (see its min–max). Per put, cos-wasm now spends ~0.73 ms of client CPU against cos-nodejs-sdk-v5\'s ~0.95 ms and raw node:http\'s ~0.32 ms; the server is the same for all. Earlier builds were quadratic in the queue length (a `retain(kept.contains)` over every task id and a full task-list conversion to JS on every event: 20–28 objects/s); both are fixed. What remains per put is the params object crossing into wasm (the same marshalling as in the signature row), the response headers crossing back, and the promise/callback plumbing; a flat params encoding for putObject would cut the first.',
  },

  'queue-node-ceiling': {
    always: 'Raw PUTs with the same 3 in flight and no queue: the server\'s ceiling for 4 KiB objects here.',
  },
  'size-browser-gzip': {
    miss: 'The wasm is most of it, and the part rows below say where its bytes are today (core, engine, bindings, std/fmt, data). On 2026-12-04 the page grew from ~129 to ~164 KB gzip (the official single-request methods as one table with its interpreter, XML writer and JSON, ~12 KB gzip for 59 methods; request, abortUploadTask, getAuth, getV4Auth and COS.util, ~6 KB; the reliability work), then to ~203 KB with the last official flows written on the async engine (sliceCopyFile, selectObjectContent, downloadFile, stream Bodies, every constructor option, one registry of cancelable calls): each flow is an async state machine inlined into the call dispatcher (four closures of 5–16 KB). Per-flavour builds took it back to ~195 KB: the browser wasm leaves out the Node-only flows (Node has a wasm of its own), the mini-program\'s also stream Bodies and select. Later on 2026-12-04, ~175 KB: build flags (no panic locations or Debug formatting, `-Zlocation-detail=none -Zfmt-debug=none`; wasm-opt flatten/rereloop/converge) −5.7 KB; no std sort, two-way string search, Unicode case tables or panicking string slices left in the wasm −19 KB; the crate split (core without wasm-bindgen) +1.2 KB; uploadFiles entries and queued params packed (the scale rows) +4.9 KB. That evening, ~169 KB: no u128 or i64 formatting, no FuturesUnordered or select, our own microtask queue, options read once, sibling single-request methods as one future each, the part scheduler polling its few parts in turn (bench/README.md lists each, measured). Earlier cuts, kept: 488 → ~268 KB raw, 209 → ~118 KB gzip (hand-written MD5; the hashes in their own crate at opt-level 3 with the rest at "z"; no float formatting/parsing; CRC tables built at start-up; `CosError` boxed, −31 KB; talc instead of dlmalloc, −4.7 KB). That night, ~168.7 KB: no std in the wasm (our own panic handler) −1.1 KB, no wasm-bindgen closures or JsFuture −0.2 KB; the official-surface fixes of the same night +0.5 KB. Later that night, ~157 KB: the host boundary as bytes (plain wasm exports and imports over one byte format, no wasm-bindgen or its glue) −10.3 KiB, core and alloc built from source with panics that abort at once −1.7 KB. On 2026-12-05, ~156 KB: the key-extension Content-Type table (which only mini-programs use) left out of the browser and Node builds, −0.7 KB. The async engine (client, ops, upload, tasks, cos and their futures) is the largest part, ~71 KB gzip. bench/README.md ("Engine: sans-IO or lean async") prototyped the route (the part-upload path as a sans-IO state machine, 7.4 KB gzip against 11.9 KB as lean async); on 2026-12-05 the real sliceCopyFile flow was ported that way, complete and passing its tests, and the browser wasm grew 2.4 KB gzip: the engine\'s bytes are its logic, not its futures, so the port was not kept. "Where the target stands" there adds it up: every part but the engine is ~86 KiB gzip, and every step left (the flows as state machines at their measured best, bucket configuration in a second module, messages in JS) leads to ~143 KiB, ~3.3× cos-js-sdk-v5, not 1.5×. For mini-programs the bytes WeChat counts are below cos-wx-sdk-v5\'s (the wasm ships brotli-compressed): see the package-bytes row.'
  },

  'size-browser-brotli': { miss: 'See the gzip row.' },
  'size-miniprogram-gzip': {
    miss: 'The mini-program ships its wasm pre-compressed (`.wasm.br`, loaded by `WXWebAssembly`), so gzip/brotli over it gain nothing; the package-bytes row below is the figure WeChat counts.',
  },
  'size-miniprogram-brotli': { miss: 'See the gzip row.' },
  'scale-10k-memory': {
    always: 'Growth = VmHWM from just before the call until its result, still held, went through two full collections, minus RSS before the call, ÷ files; measured after the entries (1 KiB Buffers, the user\'s) were built, a 500-file warm-up ran and the young generation (fixed at 16 MiB semi-spaces, V8\'s default largest) was touched: per-process costs stay out (bench/README.md says why; the row with V8\'s defaults below counts them). Per file, measured apart on the build of 2026-12-04 19:30 at 10,000 files: the wasm memory\'s high-water 0.47 KB (the waiting tasks: the task-list record, the runtime with its params packed into one record and its body source; finished entries go to JS in runs of ~64 KiB as files finish) and the results in JS 0.75–0.80 KB (measured alone, 5,000 and 10,000 entries; the row\'s own figure, the heap before and after the caller drops the result, reads ~1 KB) (four objects, each holding its fields itself, and five strings; ETag and RequestId are the same strings as their headers and Location is the host joined to the key). The rest is V8\'s old-generation slack and what it promoted. Before these changes (build of 17:05): wasm 0.95 KB (each waiting task also held its id twice, an abort scope, a handle list and callback copies; the queue\'s records took the next power of two; every finished entry stayed packed in the wasm until the end, in fresh memory since what finished tasks gave back lies in holes too small for them), results 0.98–1.01 KB. cos-nodejs-sdk-v5 keeps its entries mutated with closures and its task list.',
  },
  'scale-10k-v8-defaults': {
    always: 'Every fixed cost counted, as this section first measured it: V8\'s young generation left to grow from its default size (it grows when much survives its collections; how far depends on where they fall, +8 to +25 MB) and a 20-file warm-up (the optimising compilers\' work in the first few hundred files: ~5 MB for our wasm). node:http alone, with the same results kept, pays them too: neither SDK nor raw HTTP is under 2 KB per file at this size this way, and the ×50,000 and ×100,000 rows, where these costs are spread thin, agree with the ×10,000 row above.',
  },
  'scale-50k-memory': { always: 'See the ×10,000 row: the same parts per file (wasm high-water ~0.45 KB, results ~0.75 KB); the rest is how much of the old generation V8 has committed but not used when the peak falls.' },
  'scale-100k-memory': { always: 'See the ×10,000 row. The marginal cost between 50,000 and 100,000 files is as noisy as each run (one run per size).' },
  'scale-cpu-flat': {
    always: 'Before (2026-12-04 build): 571 µs per file at 10,000 and 2,048 µs at 50,000 files: every progress event summed the whole batch, trimming the queue and retiring a task shifted every waiting task, and each queued file held its own future. Now: running sums, queue and runtimes as deques trimmed from the front, one future per call.',
  },
  'memory-1gib': {
    always: 'Growth = the process\'s VmHWM during the upload (reset through /proc/self/clear_refs just before it) minus its RSS just before it. It is bounded but noisy from run to run, because the Buffers read for hashing are garbage until V8 collects them (on an earlier build: 2 GiB grew 72 MiB with RSS flat after the first seconds; 1 MiB hash steps instead of 4 MiB took 1 GiB from 78 to 59 MiB).',
  },

};

function explain(id, row) {
  const n = NOTES[id];
  if (!n || !row) return '';
  if (row.result === 'MISSED' && n.miss) return n.miss;
  if (row.result === 'MISSED' && n.always) return n.always;
  if (n.always && row.result !== 'ERROR' && !/^not run|^skipped/.test(row.ours)) return n.always;
  return '';
}

module.exports = { explain };
