'use strict';
// XML in and out: response documents (docs/wire-format.md#errors, #operations) built from small templates, and the one
// request body the server parses (CompleteMultipartUpload) read with fast-xml-parser.
const { XMLParser, XMLValidator } = require('fast-xml-parser');
const { err } = require('./errors');

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

function esc(v) {
  return String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[c]));
}

/** `<name>value</name>`; `<name/>` for '' / null / undefined. Nested arrays of strings are joined. */
function el(name, value) {
  if (Array.isArray(value)) value = value.join('');
  if (value === undefined || value === null || value === '') return '<' + name + '/>';
  return '<' + name + '>' + value + '</' + name + '>';
}

/** Text element: escaped. */
function tx(name, value) {
  return el(name, value === undefined || value === null ? '' : esc(value));
}

function doc(root, children, attrs = '') {
  return DECL + '<' + root + attrs + '>' + children.join('') + '</' + root + '>';
}

/** The error body exactly as COS's docs show it (single-quoted declaration, one element per line). */
function errorXml({ code, message, resource, requestId, traceId }) {
  return "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n"
    + '  <Code>' + esc(code) + '</Code>\n'
    + '  <Message>' + esc(message) + '</Message>\n'
    + '  <Resource>' + esc(resource) + '</Resource>\n'
    + '  <RequestId>' + esc(requestId) + '</RequestId>\n'
    + '  <TraceId>' + esc(traceId) + '</TraceId>\n'
    + '</Error>';
}

const COMPLETE_NS = ' xmlns="http://www.qcloud.com/document/product/436/7751"';

function owner(id) {
  return el('ID', esc(id)) + el('DisplayName', esc(id));
}

function initiator(uin) {
  return el('ID', esc('qcs::cam::uin/' + uin + ':uin/' + uin)) + el('DisplayName', esc(uin));
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false, // keep "0001" and ETags as text
  trimValues: true,
  isArray: (name, jpath) => jpath === 'CompleteMultipartUpload.Part',
});

/**
 * Parse a CompleteMultipartUpload body into [{partNumber, etag}] in document order.
 * Anything that is not a well-formed document with that root and at least one complete Part →
 * MalformedXML. DOCTYPE/ENTITY declarations are refused outright (no entity-expansion games).
 */
function parseCompleteBody(text) {
  const bad = () => err('MalformedXML');
  if (!text || !text.trim()) throw bad('empty body');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw bad('DOCTYPE');
  if (XMLValidator.validate(text) !== true) throw bad('not well-formed');
  let obj;
  try {
    obj = parser.parse(text);
  } catch {
    throw bad('parse');
  }
  const root = obj && obj.CompleteMultipartUpload;
  if (!root || typeof root !== 'object' || !Array.isArray(root.Part) || root.Part.length === 0) throw bad('no Part');
  return root.Part.map((p) => {
    if (!p || typeof p !== 'object') throw bad('Part');
    const n = typeof p.PartNumber === 'string' ? p.PartNumber.trim() : '';
    const etag = typeof p.ETag === 'string' ? p.ETag.trim() : '';
    if (!/^\d{1,5}$/.test(n) || !etag) throw bad('PartNumber/ETag');
    return { partNumber: Number(n), etag };
  });
}

// Request bodies of the other operations (configurations, ACL, tagging, delete, restore, select):
// attributes kept under '@name', text of mixed elements under '#text', every value a string.
const docParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false, // keys and values keep their spaces (a key may end in one; a delimiter may be "\n")
  processEntities: true,
});

/** Drop the whitespace between elements that an untrimmed parse keeps as '#text'. */
function dropIndent(v) {
  if (Array.isArray(v)) return v.map(dropIndent);
  if (!v || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '#text' && typeof x === 'string' && !x.trim()) continue;
    out[k] = dropIndent(x);
  }
  return out;
}

/**
 * Parse a request body whose root must be `root`; returns the root's content ('' for an empty
 * element). Not well-formed, DOCTYPE, or another root → MalformedXML; empty → MissingRequestBodyError.
 */
function parseBody(text, root) {
  if (!text || !String(text).trim()) throw err('MissingRequestBodyError');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw err('MalformedXML');
  if (XMLValidator.validate(text) !== true) throw err('MalformedXML');
  let obj;
  try {
    obj = docParser.parse(text);
  } catch {
    throw err('MalformedXML');
  }
  obj = dropIndent(obj);
  const names = Object.keys(obj || {}).filter((k) => k !== '?xml' && k !== '#text');
  if (names.length !== 1 || names[0] !== root || Array.isArray(obj[root])) throw err('MalformedXML', 'The root element must be <' + root + '>.');
  const v = obj[root];
  // An element holding only indentation is empty.
  return typeof v === 'string' && !v.trim() ? '' : v;
}

/** Arrays for a value that may be one element or many (absent → []). */
function list(v) {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

/** The inverse of parseBody: a parsed value back to XML (repeated elements from arrays). */
function build(name, value) {
  if (Array.isArray(value)) return value.map((v) => build(name, v)).join('');
  if (value === null || value === undefined || value === '') return '<' + name + '/>';
  if (typeof value !== 'object') return '<' + name + '>' + esc(value) + '</' + name + '>';
  let attrs = '';
  let inner = '';
  for (const [k, v] of Object.entries(value)) {
    if (k[0] === '@') attrs += ' ' + k.slice(1) + '="' + esc(v) + '"';
    else if (k === '#text') inner += esc(v);
    else inner += build(k, v);
  }
  return '<' + name + attrs + (inner ? '>' + inner + '</' + name + '>' : '/>');
}

module.exports = { DECL, esc, el, tx, doc, errorXml, COMPLETE_NS, owner, initiator, parseCompleteBody, parseBody, list, build };
