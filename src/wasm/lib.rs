//! The JavaScript boundary: a thin skin over the core crate (`cos-wasm`). Plain `extern "C"`
//! exports and imports over numbers and buffers in wasm memory (`cos_wasm::boundary` is the format;
//! `pkg-template/src/wasm-core.js` the JS side): no generated glue, whose shims, tables and JS cost
//! about a tenth of the page (bench/README.md). JS calls `cosw_call(instance, token, callId, [name,
//! params])`; everything else (validation, signing, uploads) happens in the core, and the outcome
//! comes back through the `host_done` import.
//!
//! Buffers JS passes in are made with [`cosw_alloc`] and owned by the export that receives them.
//! What an export gives back is a buffer of its own, `[u32 length][bytes]`, valid until the next
//! export that gives one.
//!
//! No std: std's panic machinery (the hook, its message formatting, the panic count) would be
//! linked for nothing, as a panic aborts (`panic = "abort"`) and nobody reads the message. The
//! panic handler below traps instead, which is what an abort was. The wasm tests link std (the
//! `std` feature) and none of the boundary: their runner provides no `cos` imports.
#![cfg(target_arch = "wasm32")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(not(feature = "std"))]
mod exports;
#[cfg(not(feature = "std"))]
mod js_host;
#[cfg(not(feature = "std"))]
mod now;

// talc instead of std's dlmalloc: 4.7 KB less wasm, the same signing, hashing and upload speed.
// SAFETY: the module is single-threaded (no wasm threads), which `TalckWasm`'s unlocked lock assumes.
#[global_allocator]
static ALLOC: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
