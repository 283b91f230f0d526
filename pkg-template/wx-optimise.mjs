// The mini-program wasm's binaryen steps, shared by build-wx.mjs (what ships) and bench's size
// build (the same with names kept): lower what the wasm still uses beyond MVP, then optimise for
// size as ./x does for the browser wasm (flatten, rereloop, -Oz three times; the memory flags are
// true of rustc's layout: nothing below 1 KiB is used, memory starts zeroed). Measured on the
// mini-program wasm: 1.4 KB less brotli than binaryen's -Os.

/** Features the lowering passes accept, then the lowering itself (sign-ext, bulk memory, saturating float-to-int). */
export function lowerToMvp(binaryen, mod) {
  const F = binaryen.Features;
  mod.setFeatures(F.MutableGlobals | F.SignExt | F.BulkMemory | F.BulkMemoryOpt | F.NontrappingFPToInt);
  const valid = mod.validate();
  mod.runPasses(['signext-lowering', 'llvm-memory-copy-fill-lowering', 'llvm-nontrapping-fptoint-lowering']);
  return valid;
}

/** Optimises `mod` (already at MVP) for size; `debugInfo` keeps the names (bench). */
export function optimiseMvp(binaryen, mod, debugInfo = false) {
  binaryen.setOptimizeLevel(2);
  binaryen.setShrinkLevel(2);
  binaryen.setLowMemoryUnused(true);
  binaryen.setZeroFilledMemory(true);
  binaryen.setDebugInfo(debugInfo);
  try {
    mod.runPasses(['flatten', 'rereloop']);
    for (let i = 0; i < 3; i++) mod.optimize();
  } finally {
    binaryen.setDebugInfo(false);
    binaryen.setLowMemoryUnused(false);
    binaryen.setZeroFilledMemory(false);
  }
}
