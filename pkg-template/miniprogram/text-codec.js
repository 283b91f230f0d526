// UTF-8 TextEncoder / TextDecoder for runtimes that have neither (WeChat mini-programs).
// build-wx.mjs injects these where wasm-core.js names the globals; only what wasm-core.js
// and the wx host use is implemented: encode, encodeInto, decode (utf-8 only).

function encodeInto(str, dest) {
  const n = str.length;
  const cap = dest.length;
  let read = 0;
  let written = 0;
  for (let i = 0; i < n; i++) {
    let c = str.charCodeAt(i);
    let units = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? str.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        units = 2;
      } else {
        c = 0xfffd; // a lone surrogate, as TextEncoder does
      }
    }
    if (c < 0x80) {
      if (written + 1 > cap) break;
      dest[written++] = c;
    } else if (c < 0x800) {
      if (written + 2 > cap) break;
      dest[written++] = 0xc0 | (c >> 6);
      dest[written++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      if (written + 3 > cap) break;
      dest[written++] = 0xe0 | (c >> 12);
      dest[written++] = 0x80 | ((c >> 6) & 0x3f);
      dest[written++] = 0x80 | (c & 0x3f);
    } else {
      if (written + 4 > cap) break;
      dest[written++] = 0xf0 | (c >> 18);
      dest[written++] = 0x80 | ((c >> 12) & 0x3f);
      dest[written++] = 0x80 | ((c >> 6) & 0x3f);
      dest[written++] = 0x80 | (c & 0x3f);
    }
    read += units;
    if (units === 2) i++;
  }
  return { read, written };
}

export function utf8Encode(str) {
  const s = String(str);
  const out = new Uint8Array(s.length * 3);
  const { written } = encodeInto(s, out);
  return out.slice(0, written);
}

const CHUNK = 8192;

/** Decodes UTF-8; invalid sequences become U+FFFD unless `fatal`, which throws a TypeError. */
export function utf8Decode(input, fatal = false) {
  const b = input instanceof Uint8Array ? input
    : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : new Uint8Array(input);
  const n = b.length;
  let out = '';
  const units = [];
  const bad = () => {
    if (fatal) throw new TypeError('The encoded data was not valid utf-8');
    units.push(0xfffd);
  };
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      units.push(c);
      i++;
    } else {
      // The WHATWG decoder: the second byte's range excludes overlongs, surrogates and > U+10FFFF.
      let need, cp, lo = 0x80, hi = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; }
      else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; if (c === 0xe0) lo = 0xa0; if (c === 0xed) hi = 0x9f; }
      else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; if (c === 0xf0) lo = 0x90; if (c === 0xf4) hi = 0x8f; }
      else { bad(); i++; continue; }
      let k = 1;
      for (; k <= need; k++) {
        const d = i + k < n ? b[i + k] : -1;
        if (d < lo || d > hi) break;
        lo = 0x80; hi = 0xbf;
        cp = (cp << 6) | (d & 0x3f);
      }
      if (k <= need) {
        bad(); // the valid prefix is consumed, the offending byte is read again
        i += k;
        continue;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else {
        units.push(cp);
      }
      i += need + 1;
    }
    if (units.length >= CHUNK) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  if (units.length) out += String.fromCharCode.apply(null, units);
  return out;
}

export class TextEncoder {
  get encoding() {
    return 'utf-8';
  }

  encode(str = '') {
    return utf8Encode(str);
  }

  encodeInto(str, dest) {
    return encodeInto(String(str), dest);
  }
}

export class TextDecoder {
  constructor(label = 'utf-8', options = {}) {
    const l = String(label).toLowerCase();
    if (l !== 'utf-8' && l !== 'utf8') throw new RangeError('cos-wasm: only utf-8 is supported');
    this.fatal = !!(options && options.fatal);
    this.ignoreBOM = !!(options && options.ignoreBOM);
  }

  get encoding() {
    return 'utf-8';
  }

  decode(input) {
    if (input === undefined) return '';
    const s = utf8Decode(input, this.fatal);
    return !this.ignoreBOM && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  }
}
