// The official method names the wasm core answers (src/methods.rs `names()`, exported as
// `cosw_method_names`), read from the built module when the package is assembled. The web and
// mini-program classes must have their methods before their wasm has loaded, so the list is baked
// into those bundles as __METHOD_NAMES__; the Node entry asks its own module at require time.
import fs from 'node:fs';

/** `cosw_method_names()` of the module at `wasmPath` (its imports stubbed: the export needs none). */
export async function methodNamesOf(wasmPath) {
  const module = await WebAssembly.compile(fs.readFileSync(wasmPath));
  const imports = {};
  for (const i of WebAssembly.Module.imports(module)) {
    (imports[i.module] ||= {})[i.name] = () => {
      throw new Error('method-names: the module called ' + i.name);
    };
  }
  const { exports } = await WebAssembly.instantiate(module, imports);
  if (typeof exports.cosw_method_names !== 'function') throw new Error(wasmPath + ' has no cosw_method_names()');
  const at = exports.cosw_method_names();
  const view = new DataView(exports.memory.buffer);
  const len = view.getUint32(at, true);
  const names = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, at + 4, len)).split(',').filter(Boolean);
  if (names.length === 0) throw new Error('cosw_method_names() of ' + wasmPath + ' is empty');
  return names;
}
