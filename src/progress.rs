//! Throttled progress events (`onProgress`, `onHashProgress`) as the official SDK throttles them, with
//! its users' two complaints fixed (docs/official-sdk-behaviour.md#progress):
//!
//! - `loaded` never moves backwards in emitted events (a retried part does not undo progress);
//! - short uploads still show intermediate progress: besides once per interval, an event is emitted
//!   whenever `percent` advanced by [`PERCENT_STEP`] since the previous one;
//! - the first update and the completion (`loaded == total`) are emitted at once.
//!
//! No timers: the caller calls [`ProgressThrottle::flush`] when it wants the pending state out
//! (at the end, on errors, or from its own timer).

use crate::float;
use crate::value::Value;

/// An emitted event is forced when `percent` advanced this many hundredths (10 points).
pub(crate) const PERCENT_STEP: u64 = 10;

/// `floor(loaded / total · 100) / 100`, computed exactly in integers; 1 when `total == 0`;
/// capped at 1.
pub(crate) fn percent(loaded: u64, total: u64) -> f64 {
    hundredths(loaded, total) as f64 / 100.0
}

fn hundredths(loaded: u64, total: u64) -> u64 {
    if total == 0 {
        return 100;
    }
    // Two decimal digits of loaded/total by long division; `times10` keeps every step below
    // `total`, so nothing overflows (no u128: its division is ~1 KB of wasm).
    let (loaded, mut h) = (loaded.min(total), 0);
    if loaded == total {
        return 100;
    }
    let mut rest = loaded;
    for _ in 0..2 {
        let (digit, r) = times10(rest, total);
        h = h * 10 + digit;
        rest = r;
    }
    h
}

/// `(10·x / d, 10·x % d)` for `x < d`, by ten modular additions of `x`.
fn times10(x: u64, d: u64) -> (u64, u64) {
    let (mut q, mut r) = (0, 0);
    for _ in 0..10 {
        // r + x >= d, without computing r + x.
        if r >= d - x {
            r -= d - x;
            q += 1;
        } else {
            r += x;
        }
    }
    (q, r)
}

/// One `onProgress` payload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ProgressInfo {
    pub loaded: u64,
    pub total: u64,
    /// Bytes per second since the previous emission, rounded to 2 decimals, never negative.
    pub speed: f64,
    /// See [`percent`].
    pub percent: f64,
}

impl ProgressInfo {
    /// `{loaded, total, speed, percent}`, the official shape.
    pub(crate) fn to_value(self) -> Value {
        Value::Obj(vec![
            ("loaded".into(), Value::Num(self.loaded as f64)),
            ("total".into(), Value::Num(self.total as f64)),
            ("speed".into(), Value::Num(self.speed)),
            ("percent".into(), Value::Num(self.percent)),
        ])
    }
}

#[derive(Clone, Copy, Debug)]
struct Emitted {
    loaded: u64,
    total: u64,
    at_ms: f64,
    speed: f64,
}

/// Decides which progress updates become events. Invariants of the emitted sequence:
/// `loaded` is non-decreasing and `<= total`; two consecutive events never carry the same
/// `(loaded, total)`; an update reaching `loaded == total` is emitted immediately.
#[derive(Clone, Debug)]
pub(crate) struct ProgressThrottle {
    interval_ms: f64,
    /// Latest `(loaded, total)` seen, already made monotonic and clamped.
    latest: Option<(u64, u64)>,
    last: Option<Emitted>,
}

impl ProgressThrottle {
    /// `interval_ms` is `ProgressInterval`; negative or NaN counts as 0 (every change is emitted).
    pub(crate) fn new(interval_ms: f64) -> ProgressThrottle {
        ProgressThrottle { interval_ms: interval_ms.max(0.0), latest: None, last: None }
    }

    /// Records the current state; returns the event to emit now, if one is due: the first update,
    /// completion, `interval_ms` elapsed since the last event, or `percent` up by [`PERCENT_STEP`].
    /// `loaded` is clamped to `total` and never goes below what was already recorded.
    pub(crate) fn update(&mut self, loaded: u64, total: u64, now_ms: f64) -> Option<ProgressInfo> {
        let floor = self.latest.map_or(0, |(l, _)| l);
        let loaded = loaded.max(floor).min(total);
        self.latest = Some((loaded, total));
        let due = match self.last {
            None => true,
            Some(last) if (last.loaded, last.total) == (loaded, total) => false,
            Some(last) => {
                let elapsed = now_ms - last.at_ms;
                loaded == total
                    || elapsed >= self.interval_ms
                    || elapsed < 0.0 // the clock jumped back: do not stall until it catches up
                    || hundredths(loaded, total) >= hundredths(last.loaded, last.total) + PERCENT_STEP
            }
        };
        if due {
            self.emit(now_ms)
        } else {
            None
        }
    }

    /// Emits the latest recorded state now, unless nothing was recorded or it was already emitted.
    /// Sets the floor without emitting: a restarted task continues from what it had reported.
    pub(crate) fn seed(&mut self, loaded: u64, total: u64) {
        self.latest = Some((loaded.min(total), total));
    }

    pub(crate) fn flush(&mut self, now_ms: f64) -> Option<ProgressInfo> {
        self.emit(now_ms)
    }

    fn emit(&mut self, now_ms: f64) -> Option<ProgressInfo> {
        let (loaded, total) = self.latest?;
        let speed = match self.last {
            Some(last) if (last.loaded, last.total) == (loaded, total) => return None,
            // Same instant (or a clock going backwards): keep the previous rate.
            Some(last) if now_ms <= last.at_ms => last.speed,
            Some(last) => {
                let bytes = loaded.saturating_sub(last.loaded) as f64;
                float::round(bytes / ((now_ms - last.at_ms) / 1000.0) * 100.0) / 100.0
            }
            None => 0.0,
        };
        self.last = Some(Emitted { loaded, total, at_ms: now_ms, speed });
        Some(ProgressInfo { loaded, total, speed, percent: percent(loaded, total) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1_000_000;

    #[test]
    fn percent_is_exact_and_floored() {
        assert_eq!(percent(0, 0), 1.0);
        assert_eq!(percent(0, 100), 0.0);
        assert_eq!(percent(29, 100), 0.29); // float math gives 0.28 here
        assert_eq!(percent(999, 1000), 0.99);
        assert_eq!(percent(1000, 1000), 1.0);
        assert_eq!(percent(2000, 1000), 1.0);
        assert_eq!(percent(u64::MAX - 1, u64::MAX), 0.99);
    }

    #[test]
    fn hundredths_equal_wide_arithmetic() {
        let wide = |l: u64, t: u64| if t == 0 { 100 } else { (u128::from(l.min(t)) * 100 / u128::from(t)) as u64 };
        let edges = [0, 1, 2, 3, 7, 99, 100, 101, 1 << 32, u64::MAX / 100, u64::MAX / 100 + 1, u64::MAX / 10, u64::MAX / 2, u64::MAX - 1, u64::MAX];
        for &t in &edges {
            for &l in &edges {
                assert_eq!(hundredths(l, t), wide(l, t), "{l}/{t}");
            }
            for k in 0..=100u64 {
                // Around each percent boundary of t.
                let l = (u128::from(t) * u128::from(k) / 100) as u64;
                for l in [l.saturating_sub(1), l, l.saturating_add(1)] {
                    assert_eq!(hundredths(l, t), wide(l, t), "{l}/{t}");
                }
            }
        }
    }

    #[test]
    fn first_update_and_completion_are_immediate() {
        let mut t = ProgressThrottle::new(1000.0);
        let e = t.update(0, 10 * MB, 0.0).unwrap();
        assert_eq!((e.loaded, e.total, e.speed, e.percent), (0, 10 * MB, 0.0, 0.0));
        assert_eq!(t.update(MB / 2, 10 * MB, 10.0), None);
        let e = t.update(10 * MB, 10 * MB, 500.0).unwrap();
        assert_eq!((e.loaded, e.percent), (10 * MB, 1.0));
        assert_eq!(e.speed, 20_000_000.0);
        // Nothing new afterwards.
        assert_eq!(t.update(10 * MB, 10 * MB, 5000.0), None);
        assert_eq!(t.flush(6000.0), None);
    }

    #[test]
    fn interval_throttles_small_steps() {
        let mut t = ProgressThrottle::new(1000.0);
        t.update(0, 1000 * MB, 0.0).unwrap();
        for i in 1..10 {
            assert_eq!(t.update(i * MB, 1000 * MB, i as f64 * 100.0), None);
        }
        let e = t.update(10 * MB, 1000 * MB, 1000.0).unwrap();
        assert_eq!((e.loaded, e.speed, e.percent), (10 * MB, 10_000_000.0, 0.01));
        assert_eq!(t.update(11 * MB, 1000 * MB, 1999.0), None);
        assert_eq!(t.update(12 * MB, 1000 * MB, 2000.0).unwrap().speed, 2_000_000.0);
    }

    #[test]
    fn big_steps_are_emitted_within_the_interval() {
        // A 1 MB upload finishing in 300 ms still shows its way there.
        let mut t = ProgressThrottle::new(1000.0);
        t.update(0, MB, 0.0).unwrap();
        assert_eq!(t.update(MB / 20, MB, 50.0), None); // 5 %
        let e = t.update(MB / 4, MB, 100.0).unwrap(); // 25 %
        assert_eq!((e.percent, e.speed), (0.25, 2_500_000.0));
        assert_eq!(t.update(MB / 3, MB, 150.0), None); // 33 %
        assert_eq!(t.update(MB * 7 / 20, MB, 200.0).unwrap().percent, 0.35);
        assert_eq!(t.update(MB, MB, 300.0).unwrap().percent, 1.0);
    }

    #[test]
    fn loaded_never_moves_backwards() {
        let mut t = ProgressThrottle::new(0.0);
        assert_eq!(t.update(5 * MB, 10 * MB, 0.0).unwrap().loaded, 5 * MB);
        // A part failed and its bytes were subtracted: nothing to report.
        assert_eq!(t.update(4 * MB, 10 * MB, 100.0), None);
        assert_eq!(t.flush(200.0), None);
        let e = t.update(6 * MB, 10 * MB, 1000.0).unwrap();
        assert_eq!((e.loaded, e.speed), (6 * MB, 1_000_000.0));
        // Over-reporting is clamped to the total.
        assert_eq!(t.update(11 * MB, 10 * MB, 1100.0).unwrap().loaded, 10 * MB);
    }

    #[test]
    fn flush_emits_pending_state() {
        let mut t = ProgressThrottle::new(1000.0);
        assert_eq!(t.flush(0.0), None);
        t.update(0, 100, 0.0).unwrap();
        assert_eq!(t.update(3, 100, 10.0), None);
        let e = t.flush(20.0).unwrap();
        assert_eq!((e.loaded, e.speed, e.percent), (3, 150.0, 0.03));
        assert_eq!(t.flush(30.0), None);
    }

    #[test]
    fn speed_rounding_and_same_instant() {
        let mut t = ProgressThrottle::new(0.0);
        t.update(0, 1000, 0.0).unwrap();
        assert_eq!(t.update(1, 1000, 3.0).unwrap().speed, 333.33);
        // Same millisecond: keep the previous rate rather than divide by zero.
        assert_eq!(t.update(2, 1000, 3.0).unwrap().speed, 333.33);
        // Clock going backwards: same.
        assert_eq!(t.update(3, 1000, 1.0).unwrap().speed, 333.33);
    }

    #[test]
    fn empty_total() {
        let mut t = ProgressThrottle::new(1000.0);
        let e = t.update(0, 0, 0.0).unwrap();
        assert_eq!((e.loaded, e.total, e.percent), (0, 0, 1.0));
        assert_eq!(t.update(0, 0, 1.0), None);
    }

    #[test]
    fn nan_interval_emits_every_change() {
        let mut t = ProgressThrottle::new(f64::NAN);
        t.update(0, 1000, 0.0).unwrap();
        assert!(t.update(1, 1000, 0.5).is_some());
    }

    #[test]
    fn to_value_shape() {
        let v = ProgressInfo { loaded: 5, total: 10, speed: 1.5, percent: 0.5 }.to_value();
        assert_eq!(v.get("loaded"), Some(&Value::Num(5.0)));
        assert_eq!(v.get("total"), Some(&Value::Num(10.0)));
        assert_eq!(v.get("speed"), Some(&Value::Num(1.5)));
        assert_eq!(v.get("percent"), Some(&Value::Num(0.5)));
    }
}
