//! Substring search for the few short needles the SDK looks for (`"://"`, `", "`, `"x-cos-"`…),
//! and lossy UTF-8 decoding.
//!
//! A plain scan instead of `str::find(&str)` and its kin: std's two-way searcher and the `&str`
//! pattern plumbing cost ~3.5 KB of wasm, and these haystacks are URLs, header names and messages.

use crate::prelude::*;
use alloc::borrow::Cow;

/// Byte offset of the first `needle` in `hay` (0 for an empty needle, as `str::find`).
#[inline(never)]
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(n.len()).position(|w| w == n)
}

pub(crate) fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `hay` around the first `sep`. A match of a whole UTF-8 needle starts and ends on char
/// boundaries, so `get` always succeeds there.
pub(crate) fn split_once<'a>(hay: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let i = find(hay, sep)?;
    Some((hay.get(..i)?, hay.get(i + sep.len()..)?))
}

/// Every non-overlapping `from` (non-empty) in `hay` replaced by `to`, left to right.
pub(crate) fn replace(hay: &str, from: &str, to: &str) -> String {
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

/// `bytes` as UTF-8 with each invalid sequence replaced by U+FFFD, as `String::from_utf8_lossy`
/// does, written over `str::from_utf8` (in the wasm anyway): std's own carries a second
/// decoder (~0.9 KB of wasm, measured).
pub(crate) fn utf8_lossy(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = core::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 2);
    let mut rest = bytes;
    loop {
        match core::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return Cow::Owned(out);
            }
            Err(e) => {
                let valid = rest.get(..e.valid_up_to()).unwrap_or_default();
                out.push_str(core::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                // No error length: the input ends inside a sequence, which is one replacement.
                let skip = e.valid_up_to() + e.error_len().unwrap_or(rest.len());
                rest = rest.get(skip..).unwrap_or_default();
            }
        }
    }
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

        #[test]
        fn lossy_equals_std(bytes in proptest::collection::vec(prop_oneof![any::<u8>(), 0x80u8..0xC0, 0xE0u8..0xF5], 0..40), text in "[a-zé中😀]{0,6}") {
            prop_assert_eq!(utf8_lossy(&bytes), String::from_utf8_lossy(&bytes));
            let mut mixed = text.into_bytes();
            mixed.extend_from_slice(&bytes);
            prop_assert_eq!(utf8_lossy(&mixed), String::from_utf8_lossy(&mixed));
        }
    }
}
