//! CRC-64/XZ (`x-cos-hash-crc64ecma`, docs/wire-format.md#crc-64): incremental hashing and combination of part CRCs.
//!
//! Hand-written rather than a crate: slicing-by-16 is fast in wasm (1.3x hash-wasm's slicing-by-8
//! in Node), where users feel hashing speed, and its 32 KiB of tables are built on first use rather
//! than shipped (random-looking data that no compression shrinks).

use core::sync::atomic::{AtomicU8, Ordering};

/// Reflected form of the ECMA-182 polynomial 0x42F0E1EBA9EA3693.
pub const POLY: u64 = 0xC96C_5795_D787_0F42;

fn fill_tables(t: &mut [[u64; 256]; 16]) {
    for (i, slot) in t[0].iter_mut().enumerate() {
        let mut c = i as u64;
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
        }
        *slot = c;
    }
    for i in 0..256 {
        for s in 1..16 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
        }
    }
}

/// Zero-initialised (so it costs nothing in the module) and filled once on first use; a plain
/// static rather than a boxed `OnceLock` so lookups are constant-offset loads (~15 % faster in wasm).
static mut TABLES: [[u64; 256]; 16] = [[0; 256]; 16];
/// Whether `TABLES` is filled: an atomic where std's `Once` was (the shipped wasm has no std); in
/// wasm, one thread, its operations are plain loads and stores.
static FILLED: AtomicU8 = AtomicU8::new(EMPTY);
const EMPTY: u8 = 0;
const FILLING: u8 = 1;
const FULL: u8 = 2;

fn tables() -> &'static [[u64; 256]; 16] {
    if FILLED.load(Ordering::Acquire) != FULL {
        fill_once();
    }
    // SAFETY: `TABLES` is written only by `fill_once`, before `FILLED` becomes `FULL`; never after.
    unsafe { &*core::ptr::addr_of!(TABLES) }
}

#[cold]
fn fill_once() {
    if FILLED.compare_exchange(EMPTY, FILLING, Ordering::Acquire, Ordering::Acquire).is_ok() {
        // SAFETY: only the one caller that moved `FILLED` from `EMPTY` writes; every reader waits
        // for `FULL`.
        unsafe { fill_tables(&mut *core::ptr::addr_of_mut!(TABLES)) };
        FILLED.store(FULL, Ordering::Release);
    } else {
        // Another thread (natively: tests) is filling them.
        while FILLED.load(Ordering::Acquire) != FULL {
            core::hint::spin_loop();
        }
    }
}

/// Incremental CRC-64/XZ.
#[derive(Clone, Debug)]
pub struct Crc64 {
    state: u64,
}

impl Crc64 {
    pub fn new() -> Self {
        Crc64 { state: !0 }
    }

    pub fn update(&mut self, data: &[u8]) {
        let t = tables();
        let mut crc = self.state;
        let mut chunks = data.chunks_exact(16);
        for c in &mut chunks {
            let x = crc ^ u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            let y = u64::from_le_bytes([c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]]);
            crc = t[15][(x & 0xff) as usize]
                ^ t[14][((x >> 8) & 0xff) as usize]
                ^ t[13][((x >> 16) & 0xff) as usize]
                ^ t[12][((x >> 24) & 0xff) as usize]
                ^ t[11][((x >> 32) & 0xff) as usize]
                ^ t[10][((x >> 40) & 0xff) as usize]
                ^ t[9][((x >> 48) & 0xff) as usize]
                ^ t[8][(x >> 56) as usize]
                ^ t[7][(y & 0xff) as usize]
                ^ t[6][((y >> 8) & 0xff) as usize]
                ^ t[5][((y >> 16) & 0xff) as usize]
                ^ t[4][((y >> 24) & 0xff) as usize]
                ^ t[3][((y >> 32) & 0xff) as usize]
                ^ t[2][((y >> 40) & 0xff) as usize]
                ^ t[1][((y >> 48) & 0xff) as usize]
                ^ t[0][(y >> 56) as usize];
        }
        for &b in chunks.remainder() {
            crc = (crc >> 8) ^ t[0][((crc ^ u64::from(b)) & 0xff) as usize];
        }
        self.state = crc;
    }

    pub fn finish(&self) -> u64 {
        !self.state
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

/// CRC-64/XZ of `data` in one call.
pub fn crc64(data: &[u8]) -> u64 {
    let mut c = Crc64::new();
    c.update(data);
    c.finish()
}

fn gf2_times(mat: &[u64; 64], mut vec: u64) -> u64 {
    let mut sum = 0;
    let mut i = 0;
    while vec != 0 {
        if vec & 1 != 0 {
            sum ^= mat[i];
        }
        vec >>= 1;
        i += 1;
    }
    sum
}

fn gf2_square(square: &mut [u64; 64], mat: &[u64; 64]) {
    for n in 0..64 {
        square[n] = gf2_times(mat, mat[n]);
    }
}

/// CRC of `A ‖ B` from `crc(A)`, `crc(B)` and `len(B)` (zlib's crc32_combine scheme, reflected polynomial).
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    if len_b == 0 {
        return crc_a;
    }
    let mut even = [0u64; 64];
    let mut odd = [0u64; 64];
    // Operator for one zero bit.
    odd[0] = POLY;
    let mut row = 1u64;
    for slot in odd.iter_mut().skip(1) {
        *slot = row;
        row <<= 1;
    }
    gf2_square(&mut even, &odd); // two zero bits
    gf2_square(&mut odd, &even); // four zero bits
    let mut crc1 = crc_a;
    let mut len = len_b;
    loop {
        gf2_square(&mut even, &odd);
        if len & 1 != 0 {
            crc1 = gf2_times(&even, crc1);
        }
        len >>= 1;
        if len == 0 {
            break;
        }
        gf2_square(&mut odd, &even);
        if len & 1 != 0 {
            crc1 = gf2_times(&odd, crc1);
        }
        len >>= 1;
        if len == 0 {
            break;
        }
    }
    crc1 ^ crc_b
}
