//! MD5 (RFC 1321) for part ETags and Content-MD5.
//!
//! Hand-written instead of the md-5 crate: the 64 steps are spelled out by a macro, so hashing stays
//! at full speed when the rest of the wasm is built for size (opt-level "z" made md-5 ~30 % slower).

const S: [[u32; 4]; 4] = [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]];

/// K[i] = floor(abs(sin(i + 1)) * 2^32).
const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

#[derive(Clone, Debug)]
pub struct Md5 {
    state: [u32; 4],
    buf: [u8; 64],
    buf_len: usize,
    /// Total bytes hashed.
    len: u64,
}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

#[inline(always)]
fn f(x: u32, y: u32, z: u32) -> u32 {
    z ^ (x & (y ^ z))
}
#[inline(always)]
fn h(x: u32, y: u32, z: u32) -> u32 {
    // x (the newest word) last: y ^ z does not wait for it.
    x ^ (y ^ z)
}
#[inline(always)]
fn i(x: u32, y: u32, z: u32) -> u32 {
    y ^ (x | !z)
}
// Message word order of each round.
const fn g0(i: usize) -> usize {
    i
}
const fn g1(i: usize) -> usize {
    (5 * i + 1) % 16
}
const fn g2(i: usize) -> usize {
    (3 * i + 5) % 16
}
const fn g3(i: usize) -> usize {
    (7 * i) % 16
}

#[inline(always)]
fn compress(state: &mut [u32; 4], block: &[u8; 64]) {
    let mut m = [0u32; 16];
    for (w, bytes) in m.iter_mut().zip(block.chunks_exact(4)) {
        *w = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    let [mut a, mut b, mut c, mut d] = *state;
    macro_rules! step {
        ($f:expr, $a:ident, $b:ident, $c:ident, $d:ident, $i:expr, $g:expr, $s:expr) => {
            // a + K + m first: it does not wait for the previous step, so only the round
            // function, one add and the rotate sit on the chain from step to step.
            $a = $b.wrapping_add($a.wrapping_add(K[$i]).wrapping_add(m[$g]).wrapping_add($f($b, $c, $d)).rotate_left($s));
        };
    }
    // Round 2: G(b, c, d) = (b & d) + (c & !d), the two terms have no bit in common; the second
    // does not wait for b, so it joins the early sum.
    macro_rules! step_g {
        ($a:ident, $b:ident, $c:ident, $d:ident, $i:expr, $g:expr, $s:expr) => {
            $a = $b.wrapping_add(
                $a.wrapping_add(K[$i]).wrapping_add(m[$g]).wrapping_add($c & !$d).wrapping_add($b & $d).rotate_left($s),
            );
        };
    }
    macro_rules! round {
        ($f:expr, $r:expr, $g:expr) => {
            let s = S[$r];
            let base = $r * 16;
            step!($f, a, b, c, d, base, $g(0), s[0]);
            step!($f, d, a, b, c, base + 1, $g(1), s[1]);
            step!($f, c, d, a, b, base + 2, $g(2), s[2]);
            step!($f, b, c, d, a, base + 3, $g(3), s[3]);
            step!($f, a, b, c, d, base + 4, $g(4), s[0]);
            step!($f, d, a, b, c, base + 5, $g(5), s[1]);
            step!($f, c, d, a, b, base + 6, $g(6), s[2]);
            step!($f, b, c, d, a, base + 7, $g(7), s[3]);
            step!($f, a, b, c, d, base + 8, $g(8), s[0]);
            step!($f, d, a, b, c, base + 9, $g(9), s[1]);
            step!($f, c, d, a, b, base + 10, $g(10), s[2]);
            step!($f, b, c, d, a, base + 11, $g(11), s[3]);
            step!($f, a, b, c, d, base + 12, $g(12), s[0]);
            step!($f, d, a, b, c, base + 13, $g(13), s[1]);
            step!($f, c, d, a, b, base + 14, $g(14), s[2]);
            step!($f, b, c, d, a, base + 15, $g(15), s[3]);
        };
    }
    round!(f, 0, g0);
    {
        let s = S[1];
        step_g!(a, b, c, d, 16, g1(0), s[0]);
        step_g!(d, a, b, c, 17, g1(1), s[1]);
        step_g!(c, d, a, b, 18, g1(2), s[2]);
        step_g!(b, c, d, a, 19, g1(3), s[3]);
        step_g!(a, b, c, d, 20, g1(4), s[0]);
        step_g!(d, a, b, c, 21, g1(5), s[1]);
        step_g!(c, d, a, b, 22, g1(6), s[2]);
        step_g!(b, c, d, a, 23, g1(7), s[3]);
        step_g!(a, b, c, d, 24, g1(8), s[0]);
        step_g!(d, a, b, c, 25, g1(9), s[1]);
        step_g!(c, d, a, b, 26, g1(10), s[2]);
        step_g!(b, c, d, a, 27, g1(11), s[3]);
        step_g!(a, b, c, d, 28, g1(12), s[0]);
        step_g!(d, a, b, c, 29, g1(13), s[1]);
        step_g!(c, d, a, b, 30, g1(14), s[2]);
        step_g!(b, c, d, a, 31, g1(15), s[3]);
    }
    round!(h, 2, g2);
    round!(i, 3, g3);
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

impl Md5 {
    pub fn new() -> Md5 {
        Md5 { state: [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476], buf: [0; 64], buf_len: 0, len: 0 }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            let take = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 64 {
                return;
            }
            let block = self.buf;
            compress(&mut self.state, &block);
            self.buf_len = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            compress(&mut self.state, block.try_into().expect("chunks_exact(64) gives 64-byte blocks"));
        }
        let rest = blocks.remainder();
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    /// The digest; the hasher starts over afterwards.
    pub fn finalize_reset(&mut self) -> [u8; 16] {
        let bit_len = self.len.wrapping_mul(8);
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        let pad_len = if self.buf_len < 56 { 56 - self.buf_len } else { 120 - self.buf_len };
        pad[pad_len..pad_len + 8].copy_from_slice(&bit_len.to_le_bytes());
        let len = self.len;
        self.update(&pad[..pad_len + 8]);
        self.len = len;
        debug_assert_eq!(self.buf_len, 0);
        let mut out = [0u8; 16];
        for (i, w) in self.state.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        *self = Md5::new();
        out
    }
}

/// MD5 of `data` in one call.
pub fn md5(data: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update(data);
    h.finalize_reset()
}
