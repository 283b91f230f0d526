//! A small JSON-like value: the one shape in which parameters enter the core and results leave it.
//!
//! The official SDK's params and `data` objects are loose JS objects; modelling them as a tree keeps the
//! core host-free (the wasm layer converts `JsValue` <-> `Value` in one place, `wasm/interop.rs`) without
//! paying for serde_json in the wasm binary.

/// A JS-like value. Objects keep insertion order (results are read by humans in consoles).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
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

impl Default for Value {
    fn default() -> Self {
        Value::Null
    }
}

impl Value {
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

    /// Field of an object compared case-insensitively (header maps).
    pub fn get_ci(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Obj(fields) => fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v),
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

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
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
    pub fn to_param_string(&self) -> Option<String> {
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
pub fn num_to_string(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        (n as i64).to_string()
    } else if n.is_nan() {
        "NaN".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        n.to_string()
    }
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
    }

    #[test]
    fn set_get_remove() {
        let mut v = Value::obj();
        v.set("A", "1".into());
        v.set("A", "2".into());
        assert_eq!(v.get("A").unwrap().as_str(), Some("2"));
        assert_eq!(v.get_ci("a").unwrap().as_str(), Some("2"));
        assert_eq!(v.remove("A"), Some(Value::str("2")));
        assert!(v.get("A").is_none());
    }
}
