//! One small stable sort for the few short lists the SDK orders (signed names, uploads of a key).
//!
//! Insertion sort instead of `slice::sort_by`: each std sort instantiation adds ~6 KB of wasm and
//! these lists hold tens of entries, so quadratic time costs nothing.

/// Sorts `items` stably so that `less(a, b)` holds for no later `a` before an earlier `b`.
pub(crate) fn sort_small<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

// Property test only, and proptest is a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn equals_std_stable_sort(v in proptest::collection::vec((0u8..5, any::<u16>()), 0..60)) {
            let mut ours = v.clone();
            sort_small(&mut ours, |a, b| a.0 < b.0);
            let mut std = v;
            std.sort_by_key(|x| x.0);
            prop_assert_eq!(ours, std);
        }
    }
}
