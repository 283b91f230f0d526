//! A small JSON-like value: the one shape in which parameters enter the core and results leave it.
//!
//! The official SDK's params and `data` objects are loose JS objects; modelling them as a tree keeps the
//! core host-free (values cross the JS boundary as bytes in one format, `boundary.rs`) without
//! paying for serde_json in the wasm binary.

use crate::prelude::*;
use crate::float;

/// A JS-like value. Objects keep insertion order (results are read by humans in consoles).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
    /// A host value the core never inspects (a JS function, Blob, ArrayBuffer, …), by handle.
    /// The host resolves it: `Host::open` for bodies, `Host::invoke` for callbacks.
    Opaque(u32),
}

impl Value {
    /// Every host handle in this value (functions, bodies), depth first.
    pub fn handles(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            match v {
                Value::Opaque(h) => out.push(*h),
                Value::Arr(items) => stack.extend(items.iter()),
                Value::Obj(fields) => stack.extend(fields.iter().map(|(_, v)| v)),
                _ => {}
            }
        }
        out
    }

    pub fn obj() -> Value {
        Value::Obj(Vec::new())
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// Field of an object (exact name), `None` for non-objects or missing fields.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Obj(fields) => fields.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets (replacing) a field of an object; no-op on non-objects.
    pub fn set(&mut self, name: &str, value: Value) {
        if let Value::Obj(fields) = self {
            if let Some(slot) = fields.iter_mut().find(|(k, _)| k == name) {
                slot.1 = value;
            } else {
                fields.push((name.to_string(), value));
            }
        }
    }

    /// Removes a field of an object, returning it.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        if let Value::Obj(fields) = self {
            if let Some(i) = fields.iter().position(|(k, _)| k == name) {
                return Some(fields.remove(i).1);
            }
        }
        None
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn entries(&self) -> &[(String, Value)] {
        match self {
            Value::Obj(fields) => fields,
            _ => &[],
        }
    }

    /// The value as the official SDK stringifies header and query values (`String(v)`):
    /// numbers without a trailing `.0`, booleans as `true`/`false`; `None` for null/objects/arrays.
    pub(crate) fn to_param_string(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Num(n) => Some(num_to_string(*n)),
            Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_string()),
            _ => None,
        }
    }

    /// Treats an element that may be one object or an array of them as a list
    /// (XML results: one `<Part>` parses as an object, several as an array).
    pub fn as_list(&self) -> Vec<&Value> {
        match self {
            Value::Arr(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            other => vec![other],
        }
    }
}

/// Formats a number like JS `String(n)` for the integers and simple decimals that occur in params.
///
/// Written out rather than `f64::to_string`, whose shortest-round-trip machinery (Grisu + Dragon,
/// ~20 KB of wasm) buys nothing here: non-integers get up to 9 decimals, trailing zeros dropped,
/// which equals JS for every decimal literal with at most 9 fractional digits.
pub fn num_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_string();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let mut s = String::new();
    if n < 0.0 {
        s.push('-');
    }
    let a = float::abs(n);
    if a >= 1e21 {
        // JS switches to exponent notation here; such values never make sense as params.
        s.push_str("1e+21");
        return s;
    }
    let int = float::trunc(a);
    let mut frac = float::round((a - int) * 1e9) as u64;
    // `int` < 1e21 < 2^70 as two words, exactly: the division by 2^64 and the floor are exact, and
    // the remainder keeps a subset of `int`'s bits. (No u128: its division is ~1 KB of wasm.)
    let hi = float::floor(int / 18_446_744_073_709_551_616.0);
    let (mut lo, mut hi) = ((int - hi * 18_446_744_073_709_551_616.0) as u64, hi as u64);
    if frac >= 1_000_000_000 {
        let (l, carry) = lo.overflowing_add(1);
        (lo, hi) = (l, hi + u64::from(carry));
        frac -= 1_000_000_000;
    }
    push_digits(&mut s, [lo as u32, (lo >> 32) as u32, hi as u32], 1);
    if frac > 0 {
        s.push('.');
        let at = s.len();
        push_digits(&mut s, [frac as u32, 0, 0], 9);
        s.truncate(at + s.get(at..).unwrap_or_default().trim_end_matches('0').len());
    }
    if s == "-0" {
        s.remove(0);
    }
    s
}

/// Decimal digits of the 96-bit number `limbs` (least significant first), zero-padded to `width`.
/// By hand: `u128`'s `Display` brings ~5 KB of wasm tables, and its division ~1 KB, for a value
/// that is at most 22 digits here. Each digit divides the limbs by 10 in u64 steps.
fn push_digits(s: &mut String, mut limbs: [u32; 3], width: usize) {
    let mut buf = [b'0'; 30];
    let mut i = buf.len();
    while limbs != [0; 3] || buf.len() - i < width {
        let mut rem = 0u64;
        for l in limbs.iter_mut().rev() {
            let cur = rem << 32 | u64::from(*l);
            *l = (cur / 10) as u32;
            rem = cur % 10;
        }
        i -= 1;
        buf[i] = b'0' + rem as u8;
    }
    s.extend(buf[i..].iter().map(|&b| b as char));
}

/// Parses a decimal number as JS `Number(s)` does for plain decimals (`12`, `-1.5`, `2e3`);
/// `None` for anything else. Hand-written for the same reason as [`num_to_string`].
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, s.get(1..).unwrap_or_default()),
        b'+' => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i).unwrap_or_default(), body.get(i + 1..)),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v = 0f64;
    for b in int.bytes().chain(frac.bytes()) {
        v = v * 10.0 + f64::from(b - b'0');
    }
    let mut e: i32 = -(frac.len() as i32);
    if let Some(x) = exp {
        let (eneg, digits) = match x.as_bytes().first()? {
            b'-' => (true, x.get(1..).unwrap_or_default()),
            b'+' => (false, x.get(1..).unwrap_or_default()),
            _ => (false, x),
        };
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d: i32 = digits.parse().ok()?;
        e += if eneg { -d } else { d };
    }
    let mut v = if e >= 0 { v * float::powi(10.0, e) } else { v / float::powi(10.0, -e) };
    if neg {
        v = -v;
    }
    v.is_finite().then_some(v)
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Num(n)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Num(n as f64)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_strings_match_js_string() {
        assert_eq!(Value::Num(3.0).to_param_string().unwrap(), "3");
        assert_eq!(Value::Num(819200.0).to_param_string().unwrap(), "819200");
        assert_eq!(Value::Num(1.5).to_param_string().unwrap(), "1.5");
        assert_eq!(Value::Bool(true).to_param_string().unwrap(), "true");
        assert_eq!(Value::Null.to_param_string(), None);
        assert_eq!(Value::Num(-0.25).to_param_string().unwrap(), "-0.25");
        assert_eq!(Value::Num(0.1).to_param_string().unwrap(), "0.1");
        assert_eq!(Value::Num(2.000000001).to_param_string().unwrap(), "2.000000001");
        assert_eq!(Value::Num(1e20).to_param_string().unwrap(), "100000000000000000000");
    }

    #[test]
    fn integers_up_to_1e21_print_every_digit() {
        // Integers past 2^64 take the high word; each is exact in f64, so u128 is the reference.
        for n in [0.0, 1.0, 4294967296.0, 18446744073709549568.0, 18446744073709551616.0, 36893488147419103232.0, 999999999999999868928.0, 123456789012345678848.0] {
            assert_eq!(num_to_string(n), (n as u128).to_string(), "{n}");
            assert_eq!(num_to_string(-n), if n == 0.0 { "0".to_string() } else { format!("-{}", n as u128) });
        }
        // The fraction rounding up carries into the integer, also across the low word.
        assert_eq!(num_to_string(7.9999999999), "8");
        assert_eq!(num_to_string(0.0000000001), "0");
        assert_eq!(num_to_string(0.000000001), "0.000000001");
    }

    #[test]
    fn numbers_parse_like_js_number() {
        for (s, want) in [("12", Some(12.0)), (" -1.5 ", Some(-1.5)), ("2e3", Some(2000.0)), (".5", Some(0.5)), ("5.", Some(5.0)), ("1E-2", Some(0.01))] {
            assert_eq!(parse_number(s), want, "{s}");
        }
        for s in ["", "-", ".", "1x", "0x10", "1e", "e5", "1e99999", "--1", "1.2.3"] {
            assert_eq!(parse_number(s), None, "{s}");
        }
    }

    #[test]
    fn set_get_remove() {
        let mut v = Value::obj();
        v.set("A", "1".into());
        v.set("A", "2".into());
        assert_eq!(v.get("A").unwrap().as_str(), Some("2"));
        assert_eq!(v.remove("A"), Some(Value::str("2")));
        assert!(v.get("A").is_none());
    }
}
