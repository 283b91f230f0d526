// Upload speed and time remaining for the demo page, kept apart from app.js so Node can test them.
//
// The SDK's `speed` is measured over its last half second, so it swings with every burst of parts
// (6.7 → 22 → 6.7 MiB/s). People read a speed to guess how long is left: they need a steady figure.

/**
 * Exponentially weighted transfer rate: bytes and elapsed time are both decayed sums, and the
 * rate is their ratio, so a burst moves it by its share of the last few seconds, not by its peak.
 */
export class RateMeter {
  /**
   * @param {object} [o]
   * @param {number} [o.tauMs] how fast old samples fade (their weight falls to 1/e after this long)
   * @param {number} [o.warmupMs] no rate is given before this much time was measured
   * @param {number} [o.minStepMs] samples closer together than this are merged into the next one
   */
  constructor({ tauMs = 4000, warmupMs = 1500, minStepMs = 200 } = {}) {
    this.tauMs = tauMs;
    this.warmupMs = warmupMs;
    this.minStepMs = minStepMs;
    this.reset();
  }

  reset() {
    this.t = null;
    this.loaded = 0;
    this.bytes = 0;
    this.time = 0;
    this.measured = 0;
  }

  /** Feeds the bytes done so far at time `now` (ms); returns the rate in bytes/s, 0 while unknown. */
  update(loaded, now) {
    if (this.t === null || loaded < this.loaded) {
      // First sample, or the count went backwards (a new run): start over from here.
      this.t = now;
      this.loaded = loaded;
      this.bytes = 0;
      this.time = 0;
      this.measured = 0;
      return 0;
    }
    const dt = now - this.t;
    if (dt >= this.minStepMs) {
      const w = Math.exp(-dt / this.tauMs);
      this.bytes = this.bytes * w + (loaded - this.loaded);
      this.time = this.time * w + dt;
      this.measured += dt;
      this.t = now;
      this.loaded = loaded;
    }
    return this.rate();
  }

  /** Bytes/s, or 0 before `warmupMs` of measuring. */
  rate() {
    if (this.measured < this.warmupMs || this.time <= 0) return 0;
    return (this.bytes / this.time) * 1000;
  }
}

/** Seconds left for `remaining` bytes at `rate` bytes/s, or null when it cannot be told. */
export function etaSeconds(remaining, rate) {
  if (!(rate > 0) || !Number.isFinite(remaining) || remaining < 0) return null;
  return remaining / rate;
}

/**
 * "8 s left", "2 min 10 s left", "1 h 5 min left"; rounded up and coarser as it grows, so the
 * figure does not flicker with every update.
 */
export function formatEta(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 1) return 'under a second left';
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  if (seconds < 600) {
    const s = Math.ceil(seconds / 10) * 10;
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r ? `${m} min ${r} s left` : `${m} min left`;
  }
  if (seconds < 3600) return `${Math.ceil(seconds / 60)} min left`;
  const m = Math.ceil(seconds / 60);
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min left` : `${h} h left`;
}
