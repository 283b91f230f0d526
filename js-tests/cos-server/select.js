'use strict';
// POST Object ?select&select-type=2 for a small SQL subset over CSV and JSON objects, answered in
// COS's event-stream framing (the format the official SDKs decode):
//
//   [total length u32][headers length u32][prelude CRC32 u32][headers][payload][message CRC32 u32]
//   header = [name length u8][name][type u8 = 7 (string)][value length u16][value]
//
// SQL: SELECT * | col[, col…] | COUNT(*) FROM COSObject [alias] [WHERE a op b [AND|OR …]] [LIMIT n]
// with columns _1, _2 … (CSV by position), header names (FileHeaderInfo USE) or JSON paths (s.a.b);
// op is = != <> < > <= >= ; literals are 'strings' or numbers. Anything else → 400 ParseUnexpectedToken.
const zlib = require('node:zlib');

// zlib.crc32 needs Node 20.15 / 22.2; a table version keeps Node 18 working.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = zlib.crc32 || ((buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
});
const { err } = require('./errors');

// ------------------------------------------------------------------ framing

function header(name, value) {
  const n = Buffer.from(name, 'ascii');
  const v = Buffer.from(value, 'utf8');
  const h = Buffer.alloc(1 + n.length + 1 + 2);
  h[0] = n.length;
  n.copy(h, 1);
  h[1 + n.length] = 7;
  h.writeUInt16BE(v.length, 2 + n.length);
  return Buffer.concat([h, v]);
}

function frame(headers, payload = Buffer.alloc(0)) {
  const hdr = Buffer.concat(Object.entries(headers).map(([k, v]) => header(k, v)));
  const total = 12 + hdr.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(hdr.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const msg = Buffer.concat([prelude, hdr, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(msg), 0);
  return Buffer.concat([msg, crc]);
}

const event = (type, contentType) => ({ ':event-type': type, ...(contentType ? { ':content-type': contentType } : {}), ':message-type': 'event' });

// ------------------------------------------------------------------ SQL

function tokenize(sql) {
  const re = /\s*(?:('(?:[^']|'')*')|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w]*(?:\.(?:[A-Za-z_]\w*|"[^"]*"))*)|("[^"]*")|(<=|>=|<>|!=|=|<|>|,|\(|\)|\*))/y;
  const out = [];
  let i = 0;
  while (i < sql.length) {
    if (/^\s*$/.test(sql.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(sql);
    if (!m) throw err('ParseUnexpectedToken', 'Unexpected token at position ' + i + ' of the SQL expression.');
    i = re.lastIndex;
    if (m[1] !== undefined) out.push({ t: 'str', v: m[1].slice(1, -1).replace(/''/g, "'") });
    else if (m[2] !== undefined) out.push({ t: 'num', v: Number(m[2]) });
    else if (m[3] !== undefined) out.push({ t: 'id', v: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'id', v: m[4] });
    else out.push({ t: 'op', v: m[5] });
  }
  return out;
}

function parseSql(sql) {
  const toks = tokenize(String(sql || ''));
  let p = 0;
  const bad = (what) => err('ParseUnexpectedToken', 'SQL: expected ' + what + '.');
  const kw = (w) => toks[p] && toks[p].t === 'id' && toks[p].v.toUpperCase() === w;
  const expect = (w) => {
    if (!kw(w)) throw bad(w);
    p += 1;
  };
  expect('SELECT');
  const cols = [];
  let count = false;
  if (toks[p] && toks[p].v === '*') {
    p += 1;
  } else if (kw('COUNT') && toks[p + 1] && toks[p + 1].v === '(') {
    if (!(toks[p + 2] && toks[p + 2].v === '*' && toks[p + 3] && toks[p + 3].v === ')')) throw bad('COUNT(*)');
    count = true;
    p += 4;
  } else {
    for (;;) {
      if (!toks[p] || toks[p].t !== 'id') throw bad('a column');
      cols.push(toks[p].v);
      p += 1;
      if (toks[p] && toks[p].v === ',') p += 1;
      else break;
    }
  }
  expect('FROM');
  if (!toks[p] || toks[p].t !== 'id' || !/^COSObject$/i.test(toks[p].v.split('.')[0])) throw bad('COSObject');
  p += 1;
  let alias = null;
  if (toks[p] && toks[p].t === 'id' && !['WHERE', 'LIMIT'].includes(toks[p].v.toUpperCase())) {
    alias = toks[p].v;
    p += 1;
  }
  const ors = []; // [[cond AND cond], OR …]
  if (kw('WHERE')) {
    p += 1;
    let ands = [];
    for (;;) {
      const a = toks[p];
      const op = toks[p + 1];
      const b = toks[p + 2];
      if (!a || !op || !b || op.t !== 'op' || !['=', '!=', '<>', '<', '>', '<=', '>='].includes(op.v) || a.t === 'op' || b.t === 'op') throw bad('a comparison');
      ands.push({ a, op: op.v, b });
      p += 3;
      if (kw('AND')) p += 1;
      else if (kw('OR')) {
        p += 1;
        ors.push(ands);
        ands = [];
      } else break;
    }
    ors.push(ands);
  }
  let limit = Infinity;
  if (kw('LIMIT')) {
    p += 1;
    if (!toks[p] || toks[p].t !== 'num' || toks[p].v < 0) throw bad('a LIMIT count');
    limit = toks[p].v;
    p += 1;
  }
  if (p !== toks.length) throw bad('the end of the expression');
  return { cols, count, alias, where: ors, limit };
}

// ------------------------------------------------------------------ input

function unescape(s, def) {
  if (typeof s !== 'string' || s === '') return def;
  return s.replace(/\\n/g, '\n').replace(/\\r/g, '\r').replace(/\\t/g, '\t');
}

function parseCsv(text, o) {
  const fd = unescape(o.FieldDelimiter, ',');
  const rd = unescape(o.RecordDelimiter, '\n');
  const q = unescape(o.QuoteCharacter, '"');
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === q && text[i + 1] === q) {
        field += q;
        i += 2;
      } else if (c === q) {
        quoted = false;
        i += 1;
      } else {
        field += c;
        i += 1;
      }
    } else if (c === q && field === '') {
      quoted = true;
      i += 1;
    } else if (text.startsWith(fd, i)) {
      endField();
      i += fd.length;
    } else if (text.startsWith(rd, i) || (rd === '\n' && c === '\r' && text[i + 1] === '\n')) {
      endField();
      rows.push(row);
      row = [];
      i += c === '\r' ? 2 : rd.length;
    } else {
      field += c;
      i += 1;
    }
  }
  if (field !== '' || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

function parseJsonRecords(text, type) {
  const t = text.trim();
  if (!t) return [];
  if (String(type || 'DOCUMENT').toUpperCase() === 'DOCUMENT') {
    try {
      return [JSON.parse(t)];
    } catch {
      // several documents back to back: fall through to one per line
    }
  }
  return t.split(/\r?\n/).filter((l) => l.trim()).map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      throw err('InvalidArgument', 'The JSON input is not valid.');
    }
  });
}

// ------------------------------------------------------------------ evaluation

function resolver(alias, kind, headerNames) {
  return (record, ref) => {
    let parts = ref.split('.').map((s) => s.replace(/^"|"$/g, ''));
    if (parts.length > 1 && (parts[0] === alias || /^s$/i.test(parts[0]) || /^COSObject$/i.test(parts[0]))) parts = parts.slice(1);
    if (kind === 'csv') {
      const name = parts.join('.');
      const m = /^_(\d+)$/.exec(name);
      if (m) return record[Number(m[1]) - 1];
      const i = headerNames ? headerNames.findIndex((h) => h.toLowerCase() === name.toLowerCase()) : -1;
      return i < 0 ? undefined : record[i];
    }
    let v = record;
    for (const k of parts) v = v !== null && typeof v === 'object' ? v[k] : undefined;
    return v;
  };
}

function compare(x, op, y) {
  if (x === undefined || x === null || y === undefined || y === null) return false;
  let a = x;
  let b = y;
  if (typeof a === 'number' || typeof b === 'number') {
    a = Number(a);
    b = Number(b);
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
  } else {
    a = String(a);
    b = String(b);
  }
  switch (op) {
    case '=': return a === b;
    case '!=':
    case '<>': return a !== b;
    case '<': return a < b;
    case '>': return a > b;
    case '<=': return a <= b;
    default: return a >= b;
  }
}

function csvLine(values, o) {
  const fd = unescape(o.FieldDelimiter, ',');
  const rd = unescape(o.RecordDelimiter, '\n');
  const q = unescape(o.QuoteCharacter, '"');
  const always = String(o.QuoteFields || '').toUpperCase() === 'ALWAYS';
  return values.map((v) => {
    const s = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return always || s.includes(fd) || s.includes(q) || s.includes('\n') || s.includes('\r') ? q + s.split(q).join(q + q) + q : s;
  }).join(fd) + rd;
}

/** Run a SelectRequest over `data`; returns the response frames (throws CosError on bad input). */
function runSelect(req, data) {
  if (!req || typeof req !== 'object') throw err('MalformedXML');
  if (String(req.ExpressionType || '').toUpperCase() !== 'SQL') throw err('InvalidExpressionType');
  const input = req.InputSerialization || {};
  const output = req.OutputSerialization || {};
  if (input.CompressionType && String(input.CompressionType).toUpperCase() !== 'NONE') throw err('NotImplemented', 'Only CompressionType NONE is supported here.');
  const q = parseSql(req.Expression);
  const text = data.toString('utf8');
  let records;
  let kind;
  let headerNames = null;
  if (input.CSV !== undefined) {
    kind = 'csv';
    const c = typeof input.CSV === 'object' ? input.CSV : {};
    records = parseCsv(text, c);
    const fh = String(c.FileHeaderInfo || 'NONE').toUpperCase();
    if (fh === 'USE' || fh === 'IGNORE') {
      const first = records.shift();
      if (fh === 'USE') headerNames = first || [];
    }
  } else if (input.JSON !== undefined) {
    kind = 'json';
    records = parseJsonRecords(text, (input.JSON || {}).Type);
  } else {
    throw err('MalformedXML', 'InputSerialization needs CSV or JSON.');
  }
  const get = resolver(q.alias, kind, headerNames);
  const value = (rec, tok) => (tok.t === 'id' ? get(rec, tok.v) : tok.v);
  const matches = (rec) => !q.where.length || q.where.some((ands) => ands.every((c) => compare(value(rec, c.a), c.op, value(rec, c.b))));
  const selected = [];
  let count = 0;
  for (const rec of records) {
    if (!matches(rec)) continue;
    count += 1;
    if (!q.count && selected.length < q.limit) selected.push(rec);
  }
  const outJson = output.JSON !== undefined;
  const oj = typeof output.JSON === 'object' ? output.JSON : {};
  const oc = typeof output.CSV === 'object' ? output.CSV : {};
  const lines = [];
  const name = (ref, i) => {
    const last = ref.split('.').pop().replace(/^"|"$/g, '');
    return last || '_' + (i + 1);
  };
  if (q.count) {
    const n = Math.min(count, q.limit);
    lines.push(outJson ? JSON.stringify({ _1: n }) + unescape(oj.RecordDelimiter, '\n') : csvLine([n], oc));
  } else {
    for (const rec of selected) {
      let values;
      let obj;
      if (q.cols.length === 0) {
        if (kind === 'csv') {
          values = rec;
          obj = Object.fromEntries(rec.map((v, i) => [headerNames && headerNames[i] ? headerNames[i] : '_' + (i + 1), v]));
        } else {
          obj = rec;
          values = rec !== null && typeof rec === 'object' ? Object.values(rec) : [rec];
        }
      } else {
        values = q.cols.map((c) => get(rec, c));
        obj = Object.fromEntries(q.cols.map((c, i) => [name(c, i), values[i] === undefined ? null : values[i]]));
      }
      lines.push(outJson ? JSON.stringify(obj) + unescape(oj.RecordDelimiter, '\n') : csvLine(values, oc));
    }
  }
  const payload = Buffer.from(lines.join(''), 'utf8');
  const frames = [];
  for (let i = 0; i < payload.length; i += 256 * 1024) frames.push(frame(event('Records', 'application/octet-stream'), payload.subarray(i, i + 256 * 1024)));
  const stats = '<Stats><BytesScanned>' + data.length + '</BytesScanned><BytesProcessed>' + data.length + '</BytesProcessed><BytesReturned>' + payload.length + '</BytesReturned></Stats>';
  const progressOn = req.RequestProgress && String(req.RequestProgress.Enabled || '').toUpperCase() === 'TRUE';
  if (progressOn) frames.push(frame(event('Progress', 'text/xml'), Buffer.from(stats.replace(/Stats>/g, 'Progress>'))));
  frames.push(frame(event('Stats', 'text/xml'), Buffer.from(stats)));
  frames.push(frame(event('End')));
  return frames;
}

module.exports = { runSelect, frame, parseSql };
