// In-page hashing benchmark: the same 1 MiB ArrayBuffers (one per slice, as FileReader /
// Blob.arrayBuffer() hand them out) hashed incrementally by each candidate, order rotating per round.

export function installBench({ COS }) {
  let buffers = [];
  let binStrs = null;

  window.prepareHash = (mib) => {
    const slice = 1024 * 1024;
    const seed = new Uint8Array(slice);
    for (let o = 0; o < slice; o += 65536) crypto.getRandomValues(seed.subarray(o, o + 65536));
    buffers = [];
    for (let i = 0; i < mib; i++) {
      const b = new Uint8Array(slice);
      b.set(seed);
      new DataView(b.buffer).setUint32(0, i, true);
      buffers.push(b);
    }
    binStrs = null;
    return buffers.length;
  };

  // cos-js-sdk-v5 feeds its js-md5 FileReader binary strings; they are made before the clock starts.
  function binaryStrings() {
    if (binStrs) return binStrs;
    binStrs = new Map();
    for (const b of buffers) {
      let s = '';
      for (let o = 0; o < b.length; o += 32768) s += String.fromCharCode.apply(null, b.subarray(o, o + 32768));
      binStrs.set(b, s);
    }
    return binStrs;
  }

  let hwMd5 = null;
  let hwCrc = null;
  // Factories of incremental states: {update(Uint8Array), digest() → string}.
  const md5 = {
    'cos-wasm': () => {
      const h = new COS.Md5Hasher();
      return { update: (b) => h.update(b), digest: () => { const d = h.digest(); h.free(); return d; } };
    },
    'hash-wasm': () => {
      hwMd5.init();
      return { update: (b) => hwMd5.update(b), digest: () => hwMd5.digest('hex') };
    },
    'spark-md5': () => {
      const h = new SparkMD5.ArrayBuffer();
      return { update: (b) => h.append(b.buffer), digest: () => h.end() };
    },
    'js-md5 (cos-js-sdk-v5)': () => {
      const strs = binaryStrings();
      const h = window.md5.getCtx();
      return { update: (b) => h.update(strs.get(b), true), digest: () => h.digest('hex') };
    },
  };
  const crc64 = {
    'cos-wasm': () => {
      const h = new COS.Crc64Hasher();
      return { update: (b) => h.update(b), digest: () => { const d = h.digest(); h.free(); return d; } };
    },
    'hash-wasm': () => {
      hwCrc.init();
      return { update: (b) => hwCrc.update(b), digest: () => BigInt('0x' + hwCrc.digest('hex')).toString() };
    },
  };

  /**
   * `rounds` rounds of every candidate of `algo`: in each, the candidates take turns batch by batch
   * (8 MiB, order rotating), so load from elsewhere on the machine hits them alike. {results, digests}.
   */
  window.runHash = async (algo, rounds) => {
    if (!hwMd5) hwMd5 = await hashwasm.createMD5();
    if (!hwCrc) hwCrc = await hashwasm.createCRC64();
    const cands = algo === 'md5' ? md5 : crc64;
    const names = Object.keys(cands);
    if (algo === 'md5') binaryStrings();
    const batch = 8;
    let digests = {};
    const once = (bufs, r) => {
      const states = names.map((k) => cands[k]());
      const ms = names.map(() => 0);
      digests = {};
      for (let i = 0; i < bufs.length; i += batch) {
        const part = bufs.slice(i, i + batch);
        for (let k = 0; k < names.length; k++) {
          const j = (k + r + i / batch) % names.length;
          const t0 = performance.now();
          for (const b of part) states[j].update(b);
          ms[j] += performance.now() - t0;
        }
      }
      names.forEach((k, j) => {
        const t0 = performance.now();
        digests[k] = states[j].digest();
        ms[j] += performance.now() - t0;
      });
      return ms;
    };
    once(buffers.slice(0, 8), 0); // warm-up
    const out = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      const ms = once(buffers, r);
      names.forEach((k, j) => out[k].push(buffers.length / (ms[j] / 1000)));
      await new Promise((res) => setTimeout(res, 0));
    }
    return { results: out, digests };
  };
}
