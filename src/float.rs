//! The `f64` operations this crate uses that only std has (the shipped wasm has no std), giving
//! std's results bit for bit: the tests check them against std. `abs` too: core has it only since
//! Rust 1.83.

const SIGN: u64 = 1 << 63;
/// 2^52: every f64 from here on is an integer.
const ALL_INTEGERS: f64 = 4_503_599_627_370_496.0;

pub fn abs(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & !SIGN)
}

pub fn trunc(x: f64) -> f64 {
    if abs(x) < ALL_INTEGERS {
        // Below 2^52 the integer part fits an i64 exactly; the sign bit keeps -0.0 for (-1, 0).
        f64::from_bits(((x as i64) as f64).to_bits() | (x.to_bits() & SIGN))
    } else {
        x // an integer already, or infinite, or NaN
    }
}

pub fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// Half-way cases away from zero, as `f64::round`.
pub fn round(x: f64) -> f64 {
    let t = trunc(x);
    // Exact: `x` and its integer part share their leading bits.
    let fraction = x - t;
    if fraction >= 0.5 {
        t + 1.0
    } else if fraction <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

pub fn fract(x: f64) -> f64 {
    x - trunc(x)
}

/// `x` to the power `n` by repeated squaring, in the order of the runtime routine that std's
/// `powi` calls (so the rounding is the same).
pub fn powi(mut x: f64, n: i32) -> f64 {
    let mut r = 1.0;
    let mut b = n;
    loop {
        if b & 1 != 0 {
            r *= x;
        }
        b /= 2;
        if b == 0 {
            break;
        }
        x *= x;
    }
    if n < 0 {
        1.0 / r
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency
    use proptest::prelude::*;

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    fn check(x: f64) {
        assert!(same(abs(x), x.abs()), "abs({x:?})");
        assert!(same(trunc(x), x.trunc()), "trunc({x:?}) = {:?}", trunc(x));
        assert!(same(floor(x), x.floor()), "floor({x:?}) = {:?}", floor(x));
        assert!(same(round(x), x.round()), "round({x:?}) = {:?}", round(x));
        assert!(same(fract(x), x.fract()), "fract({x:?}) = {:?}", fract(x));
    }

    #[test]
    fn edges_match_std() {
        let edges = [
            0.0, -0.0, 0.3, -0.3, 0.5, -0.5, 0.49999999999999994, -0.49999999999999994, 1.0, -1.0, 1.5,
            -1.5, 2.5, -2.5, 1e9 + 0.5, 4503599627370495.5, -4503599627370495.5, 4503599627370496.0,
            4503599627370497.0, -4503599627370497.0, 9007199254740993.0, 1e21, -1e300, f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE, 5e-324, f64::MAX, f64::MIN, f64::INFINITY, f64::NEG_INFINITY, f64::NAN,
            1_733_000_000_123.456, 1_733_000_000.999_999_9,
        ];
        for x in edges {
            check(x);
        }
    }

    #[test]
    fn powers_of_ten_match_std() {
        for n in -400..=400 {
            assert!(same(powi(10.0, n), 10f64.powi(n)), "10^{n}");
        }
        assert!(same(powi(10.0, i32::MAX), 10f64.powi(i32::MAX)));
        assert!(same(powi(0.5, 7), 0.5f64.powi(7)));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest! {
        #[test]
        fn any_bits_match_std(bits in any::<u64>()) {
            check(f64::from_bits(bits));
        }

        #[test]
        fn ordinary_numbers_match_std(x in -1e16f64..1e16) {
            check(x);
        }
    }
}
