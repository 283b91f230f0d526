//! CRC-64/XZ (`x-cos-hash-crc64ecma`): see `src/hash` for why it lives in its own crate.

pub use cos_hash::crc64::*;

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency
    use proptest::prelude::*;

    #[cfg(not(target_arch = "wasm32"))]
    fn bitwise(data: &[u8]) -> u64 {
        let mut crc = !0u64;
        for &b in data {
            crc ^= u64::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ POLY } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn spec_vectors() {
        assert_eq!(crc64(b""), 0);
        assert_eq!(crc64(b"a"), 3675645893302102789);
        assert_eq!(crc64(b"123456789"), 11051210869376104954);
        assert_eq!(crc64(b"hello world"), 5981764153023615706);
        assert_eq!(crc64(&vec![0u8; 1 << 20]), 6947770692288575170);
    }

    #[test]
    fn combine_spec_vector() {
        assert_eq!(combine(6947770692288575170, 5981764153023615706, 11), 5067300650443936035);
        assert_eq!(combine(crc64(b"abc"), 0, 0), crc64(b"abc"));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest! {
        #[test]
        fn matches_bitwise_and_is_incremental(data in proptest::collection::vec(any::<u8>(), 0..300), cut in 0usize..300) {
            let cut = cut.min(data.len());
            prop_assert_eq!(crc64(&data), bitwise(&data));
            let mut c = Crc64::new();
            c.update(&data[..cut]);
            c.update(&data[cut..]);
            prop_assert_eq!(c.finish(), bitwise(&data));
        }

        #[test]
        fn combine_equals_crc_of_concatenation(a in proptest::collection::vec(any::<u8>(), 0..200), b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut ab = a.clone();
            ab.extend_from_slice(&b);
            prop_assert_eq!(combine(crc64(&a), crc64(&b), b.len() as u64), crc64(&ab));
        }
    }
}
