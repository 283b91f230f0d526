//! Values kept compactly until a host makes them, a run of them at a time: `uploadFiles` keeps
//! each finished entry here (a few hundred bytes, instead of a tree of strings and vectors) and
//! hands them to the host in runs of ~64 KiB as files finish, and the rest when the call
//! resolves; the host makes a run's values with a few calls and one string for its text.
//!
//! Each value is one record (`Box<[u8]>`): one-byte tags, unsigned LEB128 numbers and its
//! strings' bytes. Field names, and values that repeat for the same field (the bucket, the region,
//! most headers), are written once in a table shared by the records; a string seen earlier in the
//! same record is referred to.
//!
//! For the host, records are turned into [`Chunk`]s: `ops` with the same tags, where a string is
//! its (position, length) in the chunk's `text` counted in UTF-16 code units, as a JS string
//! indexes them; the host makes `text` into one string and slices each string out of it
//! (`unpack` in `pkg-template/src/hosts/common.js`; [`read_chunk`] here).

use crate::prelude::*;
use crate::float;
use crate::value::Value;

pub(crate) const NULL: u8 = 0;
pub(crate) const FALSE: u8 = 1;
pub(crate) const TRUE: u8 = 2;
/// An integer 0 ≤ n < 2^53 (status codes, indexes, sizes), as LEB128.
pub(crate) const INT: u8 = 3;
/// A string. In a record: its byte length, then its bytes; in a chunk: position and length.
pub(crate) const STR: u8 = 4;
/// length, then that many values.
pub(crate) const ARR: u8 = 5;
/// field count, then per field a name (a string) and a value.
pub(crate) const OBJ: u8 = 6;
/// A value the host already holds, by handle (the host takes it and releases the handle).
pub(crate) const HELD: u8 = 7;
/// Records only: a string of the shared table, by index.
const TABLE: u8 = 8;
/// Records only: the same string as the one written earlier in this record at this offset (a
/// result's `ETag` is also its `etag` header): the host then makes one string for both.
const SAME: u8 = 11;
/// Two strings, joined: a `Location` is its host and the key written earlier in the record, so
/// the host joins a shared string and the key's own instead of keeping a third copy.
pub(crate) const CAT: u8 = 12;
/// Strings shorter than this are not worth a back-reference.
const SAME_MIN: usize = 8;

const TABLE_MAX: usize = 4096;
const TABLE_SLOTS: usize = 1024;
/// Values longer than this are not worth a table entry.
const SHARED_MAX: usize = 96;

#[derive(Default)]
pub struct Packed {
    /// `None` until set; an empty record once handed to the host (a record is never empty).
    records: Vec<Option<Box<[u8]>>>,
    /// Bytes of the records set and not yet handed to the host.
    pending: usize,
    /// No value before this one is waiting to be handed to the host.
    handed_to: usize,
    /// The host array the values go into, once there is one.
    array: Option<u32>,
    table: Vec<String>,
    /// Table index + 1 by a hash of the text (0: none).
    slots: Vec<u16>,
    /// By table index of a field name: a hash of the last value written for it, so a value seen
    /// twice in a row for the same field goes into the table.
    last: Vec<u32>,
    /// The text strings of the record being written: (offset of their tag, byte range of the text).
    written: Vec<(usize, core::ops::Range<usize>)>,
}

/// Records made ready for the host: see the module's description.
#[derive(Default)]
pub struct Chunk {
    pub ops: Vec<u8>,
    pub text: String,
    units: u32,
    /// Where each table string is in `text` (units), once written in this chunk.
    table_at: Vec<Option<(u32, u32)>>,
}

fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x0100_0193))
}

fn leb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn read_leb(ops: &[u8], i: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        let b = *ops.get(*i)?;
        *i += 1;
        n |= ((b & 0x7f) as u64).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(n);
        }
        shift += 7;
    }
}

fn is_int(n: f64) -> bool {
    (0.0..9007199254740992.0).contains(&n) && float::fract(n) == 0.0 && !(n == 0.0 && n.is_sign_negative())
}

/// Whether `v` can be packed: no host values, and numbers only whole and non-negative (the core
/// formats no floats).
fn packable(v: &Value) -> bool {
    match v {
        Value::Opaque(_) => false,
        Value::Num(n) => is_int(*n),
        Value::Arr(items) => items.iter().all(packable),
        Value::Obj(fields) => fields.iter().all(|(_, v)| packable(v)),
        _ => true,
    }
}

impl Packed {
    /// Room for `n` values, each set once by [`Packed::set`] or [`Packed::set_held`].
    pub(crate) fn with_len(n: usize) -> Packed {
        Packed { records: (0..n).map(|_| None).collect(), ..Packed::default() }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Whether value `i` is set (it may have been handed to the host since).
    pub(crate) fn is_set(&self, i: usize) -> bool {
        self.records.get(i).is_some_and(Option::is_some)
    }

    /// Bytes of the values set and not yet handed to the host ([`Packed::next_chunk`]).
    pub fn pending_bytes(&self) -> usize {
        self.pending
    }

    /// The host array the values go into, if the host made it ([`Packed::set_array`]).
    pub fn array(&self) -> Option<u32> {
        self.array
    }

    pub fn set_array(&mut self, array: u32) {
        self.array = Some(array);
    }

    /// Packs `v` as value `i`; `false` (nothing kept) when it cannot be packed: it holds a host
    /// value, or a number that is not a whole non-negative one.
    pub(crate) fn set(&mut self, i: usize, v: &Value) -> bool {
        if i >= self.records.len() || !packable(v) {
            return false;
        }
        let mut out = Vec::new();
        self.written.clear();
        self.write(&mut out, v, None);
        self.pending += out.len();
        self.records[i] = Some(out.into_boxed_slice());
        true
    }

    /// Value `i` is one the host holds by `handle`.
    pub(crate) fn set_held(&mut self, i: usize, handle: u32) {
        if let Some(r) = self.records.get_mut(i) {
            let mut out = vec![HELD];
            leb(&mut out, handle as u64);
            self.pending += out.len();
            *r = Some(out.into_boxed_slice());
        }
    }

    fn find(&self, s: &str, hash: u32) -> Option<usize> {
        let slot = *self.slots.get(hash as usize % TABLE_SLOTS)?;
        let i = (slot as usize).checked_sub(1)?;
        (self.table[i] == s).then_some(i)
    }

    fn intern(&mut self, s: &str, hash: u32) -> Option<usize> {
        if self.slots.is_empty() {
            self.slots = vec![0; TABLE_SLOTS];
        }
        let slot = hash as usize % TABLE_SLOTS;
        if self.slots[slot] != 0 || self.table.len() >= TABLE_MAX {
            return None;
        }
        self.table.push(s.to_string());
        self.last.push(0);
        self.slots[slot] = self.table.len() as u16;
        Some(self.table.len() - 1)
    }

    /// A string; `name` is the table index of the field it is the value of, if any. Returns the
    /// table index it was written as, if it was.
    fn string(&mut self, out: &mut Vec<u8>, s: &str, name: Option<usize>, is_name: bool) -> Option<usize> {
        let hash = fnv(s);
        let mut at = self.find(s, hash);
        let own = !is_name && s.len() >= SAME_MIN;
        if at.is_none() && own && self.refer(out, s, name) {
            return None;
        }
        if at.is_none() && s.len() <= SHARED_MAX {
            let repeated = match name {
                Some(n) => core::mem::replace(&mut self.last[n], hash) == hash,
                None => false,
            };
            if is_name || repeated {
                at = self.intern(s, hash);
            }
        } else if let Some(n) = name {
            self.last[n] = hash;
        }
        if let Some(i) = at {
            out.push(TABLE);
            leb(out, i as u64);
            return at;
        }
        let tag_at = out.len();
        out.push(STR);
        leb(out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
        if own {
            self.written.push((tag_at, out.len() - s.len()..out.len()));
        }
        None
    }

    /// Writes `s` as a reference to a string written earlier in the record (`SAME`), or as one
    /// joined to such a string after a `/` (`CAT`); `false` if it is neither.
    fn refer(&mut self, out: &mut Vec<u8>, s: &str, name: Option<usize>) -> bool {
        let earlier = |w: &core::ops::Range<usize>| &out[w.clone()];
        if let Some(&(tag_at, _)) = self.written.iter().find(|(_, w)| earlier(w) == s.as_bytes()) {
            out.push(SAME);
            leb(out, tag_at as u64);
            return true;
        }
        // "<host>/<key>": the host (the same for a whole batch, so shared) and the key.
        let b = s.as_bytes();
        let suffix = self.written.iter().find(|(_, w)| b.len() > w.len() && b.ends_with(earlier(w)) && b[b.len() - w.len() - 1] == b'/');
        let Some((tag_at, prefix)) = suffix.and_then(|(t, w)| Some((*t, s.get(..s.len() - w.len())?))) else { return false };
        out.push(CAT);
        self.string(out, prefix, name, false);
        out.push(SAME);
        leb(out, tag_at as u64);
        true
    }

    fn write(&mut self, out: &mut Vec<u8>, v: &Value, name: Option<usize>) {
        match v {
            Value::Null | Value::Opaque(_) => out.push(NULL),
            Value::Bool(false) => out.push(FALSE),
            Value::Bool(true) => out.push(TRUE),
            Value::Num(n) => {
                out.push(INT);
                leb(out, *n as u64);
            }
            Value::Str(s) => {
                self.string(out, s, name, false);
            }
            Value::Arr(items) => {
                out.push(ARR);
                leb(out, items.len() as u64);
                for it in items {
                    self.write(out, it, None);
                }
            }
            Value::Obj(fields) => {
                out.push(OBJ);
                leb(out, fields.len() as u64);
                for (k, val) in fields {
                    let name = self.string(out, k, None, true);
                    self.write(out, val, name);
                }
            }
        }
    }

    /// Hands the next run of values to `chunk` (cleared first): from the first value set and not
    /// handed over yet, it and the values after it that are too (with `all`, unset values as
    /// well, as `null`), until the chunk's text reaches `min_text` bytes. Returns the run's first
    /// index and length, or `None` when no value is ready. A long batch is handed over in runs as
    /// its files finish, so its packed values do not pile up in the core's memory (which never
    /// shrinks) while the finished tasks' memory lies in holes too small for them.
    pub fn next_chunk(&mut self, min_text: usize, all: bool, chunk: &mut Chunk) -> Option<(usize, usize)> {
        let handed = |r: &Option<Box<[u8]>>| r.as_ref().is_some_and(|r| r.is_empty());
        while self.handed_to < self.records.len() && handed(&self.records[self.handed_to]) {
            self.handed_to += 1;
        }
        let ready = |r: &Option<Box<[u8]>>| match r {
            Some(r) => !r.is_empty(),
            None => all,
        };
        let from = self.handed_to + self.records[self.handed_to..].iter().position(ready)?;
        chunk.ops.clear();
        chunk.text.clear();
        chunk.units = 0;
        chunk.table_at.clear();
        chunk.table_at.resize(self.table.len(), None);
        let mut taken = 0;
        let mut seen = Vec::new();
        while from + taken < self.records.len() && ready(&self.records[from + taken]) && (taken == 0 || chunk.text.len() < min_text) {
            match self.records[from + taken].replace(Box::new([])) {
                Some(r) => {
                    self.pending -= r.len();
                    let mut i = 0;
                    seen.clear();
                    self.copy(&r, &mut i, chunk, &mut seen);
                }
                None => chunk.ops.push(NULL),
            }
            taken += 1;
        }
        Some((from, taken))
    }

    fn chunk_string(chunk: &mut Chunk, s: &str) -> (u32, u32) {
        let units = if s.is_ascii() { s.len() as u32 } else { s.encode_utf16().count() as u32 };
        let at = chunk.units;
        chunk.text.push_str(s);
        chunk.units += units;
        (at, units)
    }

    /// One value of a record into the chunk (records are only ever written by `write`); `seen`:
    /// where the record's text strings copied so far went (by their tag's offset).
    fn copy(&self, r: &[u8], i: &mut usize, chunk: &mut Chunk, seen: &mut Vec<(usize, (u32, u32))>) {
        let tag_at = *i;
        let tag = r[*i];
        *i += 1;
        match tag {
            INT | HELD => {
                chunk.ops.push(tag);
                let n = read_leb(r, i).unwrap_or_default();
                leb(&mut chunk.ops, n);
            }
            STR | TABLE | SAME => {
                let (at, units) = if tag == STR {
                    let len = read_leb(r, i).unwrap_or_default() as usize;
                    let s = core::str::from_utf8(&r[*i..*i + len]).unwrap_or_default();
                    *i += len;
                    let p = Self::chunk_string(chunk, s);
                    seen.push((tag_at, p));
                    p
                } else if tag == SAME {
                    let earlier = read_leb(r, i).unwrap_or_default() as usize;
                    seen.iter().find(|(t, _)| *t == earlier).map(|(_, p)| *p).unwrap_or_default()
                } else {
                    let t = read_leb(r, i).unwrap_or_default() as usize;
                    match chunk.table_at[t] {
                        Some(p) => p,
                        None => {
                            let p = Self::chunk_string(chunk, &self.table[t]);
                            chunk.table_at[t] = Some(p);
                            p
                        }
                    }
                };
                chunk.ops.push(STR);
                leb(&mut chunk.ops, at as u64);
                leb(&mut chunk.ops, units as u64);
            }
            CAT => {
                chunk.ops.push(CAT);
                self.copy(r, i, chunk, seen);
                self.copy(r, i, chunk, seen);
            }
            ARR | OBJ => {
                chunk.ops.push(tag);
                let n = read_leb(r, i).unwrap_or_default();
                leb(&mut chunk.ops, n);
                for _ in 0..n {
                    if tag == OBJ {
                        self.copy(r, i, chunk, seen);
                    }
                    self.copy(r, i, chunk, seen);
                }
            }
            t => chunk.ops.push(t),
        }
    }
}

/// Any other number, in a [`ParamsRecord`]: 8 bytes, little-endian f64.
const NUM: u8 = 9;
/// In a [`ParamsRecord`]: one of [`PARAM_NAMES`], by index.
const NAME: u8 = 10;

/// Field names of most queued params, written as one byte.
const PARAM_NAMES: [&str; 8] = ["Bucket", "Region", "Key", "Body", "FilePath", "SliceSize", "ChunkSize", "Headers"];

/// A queued task's params until it starts: any value (host handles and every number included) as
/// one record, ~70 bytes for `{Bucket, Region, Key, Body}` where the tree of strings and vectors
/// takes ~300. [`ParamsRecord::value`] gives the value back, equal.
#[derive(Clone)]
pub(crate) struct ParamsRecord(Box<[u8]>);

impl ParamsRecord {
    pub(crate) fn new(v: &Value) -> ParamsRecord {
        let mut out = Vec::new();
        write_any(&mut out, v);
        ParamsRecord(out.into_boxed_slice())
    }

    pub(crate) fn value(&self) -> Value {
        let mut i = 0;
        read_any(&self.0, &mut i).unwrap_or_default()
    }
}

fn write_any(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(NULL),
        Value::Bool(b) => out.push(if *b { TRUE } else { FALSE }),
        Value::Num(n) if is_int(*n) => {
            out.push(INT);
            leb(out, *n as u64);
        }
        Value::Num(n) => {
            out.push(NUM);
            out.extend_from_slice(&n.to_le_bytes());
        }
        Value::Str(s) => {
            out.push(STR);
            leb(out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Arr(items) => {
            out.push(ARR);
            leb(out, items.len() as u64);
            for it in items {
                write_any(out, it);
            }
        }
        Value::Obj(fields) => {
            out.push(OBJ);
            leb(out, fields.len() as u64);
            for (k, val) in fields {
                match PARAM_NAMES.iter().position(|n| n == k) {
                    Some(at) => {
                        out.push(NAME);
                        out.push(at as u8);
                    }
                    None => write_any(out, &Value::Str(k.clone())),
                }
                write_any(out, val);
            }
        }
        Value::Opaque(h) => {
            out.push(HELD);
            leb(out, *h as u64);
        }
    }
}

fn read_any(r: &[u8], i: &mut usize) -> Option<Value> {
    let tag = *r.get(*i)?;
    *i += 1;
    Some(match tag {
        NULL => Value::Null,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        INT => Value::Num(read_leb(r, i)? as f64),
        NUM => {
            let b: [u8; 8] = r.get(*i..*i + 8)?.try_into().ok()?;
            *i += 8;
            Value::Num(f64::from_le_bytes(b))
        }
        STR => {
            let len = read_leb(r, i)? as usize;
            let s = core::str::from_utf8(r.get(*i..*i + len)?).ok()?;
            *i += len;
            Value::Str(s.to_string())
        }
        NAME => {
            let at = *r.get(*i)? as usize;
            *i += 1;
            Value::Str(PARAM_NAMES.get(at)?.to_string())
        }
        ARR => {
            let n = read_leb(r, i)?;
            let mut items = Vec::with_capacity(n.min(1024) as usize);
            for _ in 0..n {
                items.push(read_any(r, i)?);
            }
            Value::Arr(items)
        }
        OBJ => {
            let n = read_leb(r, i)?;
            let mut fields = Vec::with_capacity(n.min(1024) as usize);
            for _ in 0..n {
                let Value::Str(k) = read_any(r, i)? else { return None };
                fields.push((k, read_any(r, i)?));
            }
            Value::Obj(fields)
        }
        HELD => Value::Opaque(read_leb(r, i)? as u32),
        _ => return None,
    })
}

/// Reads back `count` values of a chunk, as the host does (a held value comes back as `Opaque`);
/// `None` on malformed input.
#[cfg(test)]
pub(crate) fn read_chunk(chunk: &Chunk, count: usize) -> Option<Vec<Value>> {
    let units: Vec<u16> = chunk.text.encode_utf16().collect();
    let mut i = 0;
    (0..count).map(|_| read(&chunk.ops, &units, &mut i)).collect()
}

#[cfg(test)]
fn read(ops: &[u8], units: &[u16], i: &mut usize) -> Option<Value> {
    let tag = *ops.get(*i)?;
    *i += 1;
    Some(match tag {
        NULL => Value::Null,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        INT => Value::Num(read_leb(ops, i)? as f64),
        STR => {
            let at = read_leb(ops, i)? as usize;
            let len = read_leb(ops, i)? as usize;
            Value::Str(String::from_utf16(units.get(at..at + len)?).ok()?)
        }
        CAT => {
            let (Value::Str(a), Value::Str(b)) = (read(ops, units, i)?, read(ops, units, i)?) else { return None };
            Value::Str(a + &b)
        }
        ARR => {
            let n = read_leb(ops, i)?;
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(read(ops, units, i)?);
            }
            Value::Arr(items)
        }
        OBJ => {
            let n = read_leb(ops, i)?;
            let mut fields = Vec::new();
            for _ in 0..n {
                let Value::Str(k) = read(ops, units, i)? else { return None };
                fields.push((k, read(ops, units, i)?));
            }
            Value::Obj(fields)
        }
        HELD => Value::Opaque(read_leb(ops, i)? as u32),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, etag: &str) -> Value {
        let mut headers = Value::obj();
        headers.set("etag", Value::str(etag));
        headers.set("server", Value::str("tencent-cos"));
        headers.set("content-length", Value::str("0"));
        let mut data = Value::obj();
        data.set("statusCode", Value::Num(200.0));
        data.set("headers", headers);
        data.set("ETag", Value::str(etag));
        data.set("Location", Value::str(format!("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/{key}")));
        let mut options = Value::obj();
        options.set("Bucket", Value::str("examplebucket-1250000000"));
        options.set("Key", Value::str(key));
        options.set("Index", Value::Num(7.0));
        options.set("Big", Value::Num(9007199254740991.0));
        options.set("Flag", Value::Bool(true));
        options.set("Off", Value::Bool(false));
        let mut e = Value::obj();
        e.set("options", options);
        e.set("error", Value::Null);
        e.set("data", data);
        e.set("list", Value::Arr(vec![Value::str("a"), Value::Num(0.0), Value::Null, Value::str("")]));
        e
    }

    /// What the host's array holds once every value was handed over.
    fn all(p: &mut Packed, min_text: usize) -> Vec<Value> {
        let mut out = vec![Value::str("never handed over"); p.len()];
        let mut chunk = Chunk::default();
        while let Some((from, n)) = p.next_chunk(min_text, true, &mut chunk) {
            for (k, v) in read_chunk(&chunk, n).unwrap().into_iter().enumerate() {
                out[from + k] = v;
            }
        }
        out
    }

    #[test]
    fn values_read_back_as_written_in_their_places() {
        let values: Vec<Value> = (0..50).map(|i| entry(&format!("dir/ü😀 {i}.txt"), &format!("\"e{i}\""))).collect();
        for min_text in [1, 200, 1 << 20] {
            let mut p = Packed::with_len(52);
            // Set out of order, as files finish; 50 stays unset.
            for i in (0..50).rev() {
                assert!(p.set(i, &values[i]));
            }
            p.set_held(51, 300);
            let mut want = values.clone();
            want.push(Value::Null);
            want.push(Value::Opaque(300));
            assert_eq!(all(&mut p, min_text), want);
        }
    }

    #[test]
    fn repeated_names_and_values_are_kept_once() {
        let mut p = Packed::with_len(3);
        p.set(0, &entry("dir/k0.txt", "\"e0\""));
        p.set(1, &entry("dir/k1.txt", "\"e1\""));
        p.set(2, &entry("dir/k2.txt", "\"e2\""));
        let has = |i: usize, s: &str| p.records[i].as_ref().unwrap().windows(s.len()).any(|w| w == s.as_bytes());
        // Names are table references from the start; the bucket, the server and the Location's
        // host once seen twice for their field; the key and the ETag stay text.
        assert!(!has(0, "statusCode") && !has(2, "statusCode"));
        assert!(has(0, "examplebucket-1250000000") && !has(2, "examplebucket-1250000000"));
        assert!(!has(2, "tencent-cos"));
        assert!(has(2, "dir/k2.txt") && has(2, "\"e2\""));
        let mut chunk = Chunk::default();
        assert_eq!(p.next_chunk(1 << 20, true, &mut chunk), Some((0, 3)));
        // In a chunk each table string is written once (the bucket and the Location's host are
        // also the first record's own text: they joined the table when seen again).
        assert_eq!(chunk.text.matches("examplebucket-1250000000").count(), 4);
        assert_eq!(chunk.text.matches("myqcloud.com").count(), 2);
        assert_eq!(chunk.text.matches("statusCode").count(), 1);
    }

    #[test]
    fn a_string_seen_earlier_in_a_record_is_referred_to() {
        let (key, etag) = ("photos/2026/12/ü😀 0001.jpg", "\"0123456789abcdef0123456789abcdef\"");
        let mut p = Packed::with_len(2);
        p.set(0, &entry(key, etag));
        p.set(1, &entry("photos/2026/12/other-0002.jpg", etag));
        let count = |i: usize, s: &str| p.records[i].as_ref().unwrap().windows(s.len()).filter(|w| *w == s.as_bytes()).count();
        // The ETag is also the etag header; the Location is the host and the key.
        assert_eq!((count(0, etag), count(0, key), count(0, "myqcloud.com")), (1, 1, 1));
        let mut chunk = Chunk::default();
        assert_eq!(p.next_chunk(1 << 20, true, &mut chunk), Some((0, 2)));
        assert_eq!((chunk.text.matches(etag).count(), chunk.text.matches(key).count()), (2, 1));
        let back = read_chunk(&chunk, 2).unwrap();
        assert_eq!(back[0], entry(key, etag));
        assert_eq!(back[1], entry("photos/2026/12/other-0002.jpg", etag));
    }

    #[test]
    fn params_records_give_back_any_value() {
        let mut v = entry("目录/ü😀.txt", "\"e\"");
        v.set("Body", Value::Opaque(12));
        v.set("SliceSize", Value::Num(1048576.0));
        v.set("Odd", Value::Arr(vec![Value::Num(-1.5), Value::Num(-0.0), Value::Num(1e300), Value::Num(f64::INFINITY)]));
        let back = ParamsRecord::new(&v).value();
        assert_eq!(back, v);
        // -0 stays -0 (equality alone would not tell).
        let Some(Value::Arr(odd)) = back.get("Odd") else { panic!() };
        assert!(matches!(odd[1], Value::Num(z) if z == 0.0 && z.is_sign_negative()));
        let nan = ParamsRecord::new(&Value::Num(f64::NAN)).value();
        assert!(matches!(nan, Value::Num(n) if n.is_nan()));
        let mut small = Value::obj();
        small.set("Bucket", Value::str("examplebucket-1250000000"));
        small.set("Region", Value::str("ap-guangzhou"));
        small.set("Key", Value::str("dir/000123"));
        small.set("Body", Value::Opaque(7));
        // Tags, one byte per name, the three strings' bytes (46).
        assert_eq!(ParamsRecord::new(&small).0.len(), 2 + 4 * 2 + (2 + 24) + (2 + 12) + (2 + 10) + 2);
    }

    #[test]
    fn values_are_handed_over_in_runs_as_they_are_set() {
        let values: Vec<Value> = (0..8).map(|i| entry(&format!("dir/file-{i}.txt"), &format!("\"etag-{i}\""))).collect();
        let mut p = Packed::with_len(8);
        let mut chunk = Chunk::default();
        assert_eq!(p.next_chunk(1 << 20, false, &mut chunk), None);
        for i in [1, 2, 5] {
            p.set(i, &values[i]);
        }
        let before = p.pending_bytes();
        // The runs set so far, one at a time; the values before them wait.
        assert_eq!(p.next_chunk(1 << 20, false, &mut chunk), Some((1, 2)));
        assert_eq!(read_chunk(&chunk, 2).unwrap(), values[1..3]);
        assert!(p.pending_bytes() < before && p.pending_bytes() > 0);
        assert_eq!(p.next_chunk(1 << 20, false, &mut chunk), Some((5, 1)));
        assert_eq!((p.next_chunk(1 << 20, false, &mut chunk), p.pending_bytes()), (None, 0));
        assert!(p.is_set(1) && p.is_set(5) && !p.is_set(0), "handed over is still set");
        p.set(0, &values[0]);
        p.set(7, &values[7]);
        // At the end, the rest: unset values as null.
        let mut got = vec![Value::Bool(false); 8];
        while let Some((from, n)) = p.next_chunk(1, true, &mut chunk) {
            for (k, v) in read_chunk(&chunk, n).unwrap().into_iter().enumerate() {
                got[from + k] = v;
            }
        }
        assert_eq!(got[0], values[0]);
        assert_eq!(got[7], values[7]);
        assert_eq!((&got[3], &got[4], &got[6]), (&Value::Null, &Value::Null, &Value::Null));
        assert_eq!(got[1], Value::Bool(false), "handed over once");
    }

    #[test]
    fn what_cannot_be_packed_is_refused() {
        let mut p = Packed::with_len(1);
        let mut v = Value::obj();
        v.set("Body", Value::Opaque(3));
        assert!(!p.set(0, &v));
        for n in [-1.0, 0.5, -0.0, 1e300, f64::NAN] {
            assert!(!p.set(0, &Value::Arr(vec![Value::Num(n)])), "{n}");
        }
        assert!(!p.is_set(0));
        assert!(p.set(0, &Value::Num(0.0)));
        assert!(p.is_set(0));
    }
}
