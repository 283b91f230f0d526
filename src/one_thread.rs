//! Statics for wasm32's one thread, where std's `thread_local!` would be: the crates of the shipped
//! wasm have no std.

/// A static only ever used from the wasm module's one thread.
pub struct OneThread<T>(pub T);

// SAFETY: wasm32 without the atomics target feature has no threads: every access is from the one
// thread the module runs on. (With atomics, this does not compile: use a thread-local there.)
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl<T> Sync for OneThread<T> {}

impl<T> OneThread<T> {
    /// Runs `f` on the value, as `LocalKey::with`.
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}
