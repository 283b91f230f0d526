//! The wasm smoke tests again, in a browser: `wasm-pack test --headless --chrome` runs only test
//! binaries configured for the browser (and `--node` only the others), so each host gets its own
//! binary over the same tests. Plain `cargo test --target wasm32-unknown-unknown` runs both and
//! needs `chromedriver` on PATH (or `CHROMEDRIVER`); `webdriver.json` holds Chromium's flags.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "wasm_smoke.rs"]
mod smoke;
