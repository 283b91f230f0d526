// The SDK is a plain folder copied into the project (./x build puts pkg/miniprogram/ here as cos-wasm/).
const COS = require('./cos-wasm/index.js');

App({
  onLaunch() {
    // Start loading the wasm now so the first upload does not wait for it (calls made earlier queue anyway).
    COS.ready.catch((err) => console.error('cos-wasm failed to load', err));
  },
});
