//! MD5 (RFC 1321): see `src/hash` for why it lives in its own crate.

pub use cos_hash::md5::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::hex;
    #[cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency
    use {md5_reference::Digest, proptest::prelude::*};

    #[test]
    fn rfc1321_vectors() {
        for (input, want) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
        ] {
            assert_eq!(hex(&md5(input.as_bytes())), want, "{input}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest! {
        #[test]
        fn matches_the_md5_crate_in_any_split(data in proptest::collection::vec(any::<u8>(), 0..400), cuts in proptest::collection::vec(0usize..400, 0..4)) {
            let mut h = Md5::new();
            let mut pos = 0;
            let mut cuts = cuts;
            cuts.sort();
            for c in cuts {
                let c = c.min(data.len()).max(pos);
                h.update(&data[pos..c]);
                pos = c;
            }
            h.update(&data[pos..]);
            let want: [u8; 16] = md5_reference::Md5::digest(&data).into();
            prop_assert_eq!(h.finalize_reset(), want);
            // Reset: the same hasher gives the same digest again.
            h.update(&data);
            prop_assert_eq!(h.finalize_reset(), want);
        }
    }
}
