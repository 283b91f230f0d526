// The official method names the wasm core answers (src/methods.rs `names()`, exported as
// `methodNames()`), read from the built module when the package is assembled. The web and
// mini-program classes must have their methods before their wasm has loaded, so the list is baked
// into those bundles as __METHOD_NAMES__; the Node entry asks its own module at require time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** `methodNames()` of the module `wasmPath`, through its wasm-bindgen `--target web` glue `gluePath`. */
export async function methodNamesOf(gluePath, wasmPath) {
  // The glue is an ES module in a folder without "type": "module": imported as .mjs from a copy.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cos-wasm-names-'));
  try {
    const copy = path.join(dir, 'glue.mjs');
    fs.copyFileSync(gluePath, copy);
    const glue = await import(pathToFileURL(copy).href);
    glue.initSync({ module: fs.readFileSync(wasmPath) });
    if (typeof glue.methodNames !== 'function') throw new Error(gluePath + ' has no methodNames()');
    const names = glue.methodNames().split(',').filter(Boolean);
    if (names.length === 0) throw new Error('methodNames() of ' + wasmPath + ' is empty');
    return names;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
