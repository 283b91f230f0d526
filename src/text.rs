//! Substring search for the few short needles the SDK looks for (`"://"`, `", "`, `"x-cos-"`…).
//!
//! A plain scan instead of `str::find(&str)` and its kin: std's two-way searcher and the `&str`
//! pattern plumbing cost ~3.5 KB of wasm, and these haystacks are URLs, header names and messages.

/// Byte offset of the first `needle` in `hay` (0 for an empty needle, as `str::find`).
#[inline(never)]
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(n.len()).position(|w| w == n)
}

pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `hay` around the first `sep`. A match of a whole UTF-8 needle starts and ends on char
/// boundaries, so `get` always succeeds there.
pub fn split_once<'a>(hay: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let i = find(hay, sep)?;
    Some((hay.get(..i)?, hay.get(i + sep.len()..)?))
}

/// Every non-overlapping `from` (non-empty) in `hay` replaced by `to`, left to right.
pub fn replace(hay: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(hay.len());
    let mut rest = hay;
    while let Some((head, tail)) = split_once(rest, from).filter(|_| !from.is_empty()) {
        out.push_str(head);
        out.push_str(to);
        rest = tail;
    }
    out.push_str(rest);
    out
}

// Property tests only, and proptest is a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn equal_std(hay in "[ab/:é]{0,12}", needle in "[ab/:é]{0,3}", to in "[xé]{0,2}") {
            prop_assert_eq!(find(&hay, &needle), hay.find(needle.as_str()));
            prop_assert_eq!(contains(&hay, &needle), hay.contains(needle.as_str()));
            prop_assert_eq!(split_once(&hay, &needle), hay.split_once(needle.as_str()));
            if !needle.is_empty() {
                prop_assert_eq!(replace(&hay, &needle, &to), hay.replace(needle.as_str(), &to));
            }
        }
    }
}
