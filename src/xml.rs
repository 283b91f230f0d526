//! XML for COS responses and requests.
//!
//! Parsing mirrors what the official SDK's fast-xml-parser produces, so result objects have the same
//! shape: the document becomes `{RootName: content}`; an element with children becomes an object; leaf
//! text stays a string (never a number); empty elements become `""`; an element name that repeats
//! becomes an array in document order; attributes, comments, processing instructions and the XML
//! declaration are ignored; entities and CDATA are decoded. Leading whitespace before the document is
//! tolerated (COS streams keep-alive whitespace before the Complete result).

use crate::prelude::*;
use crate::value::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    pub message: String,
}

/// Deepest element nesting accepted; deeper input is an error, never a stack overflow.
pub(crate) const MAX_DEPTH: usize = 64;

/// Parses a document into `{RootName: content}`.
///
/// Hand-written (about 200 lines) instead of a crate: COS responses use a tiny subset of XML, and
/// a general parser would cost more wasm than the rest of the response handling.
pub fn parse(xml: &str) -> Result<Value, XmlError> {
    let mut p = Parser { s: xml.as_bytes(), src: xml, i: 0 };
    p.skip_misc()?;
    if p.i >= p.s.len() {
        return Err(err("empty document"));
    }
    if p.s[p.i] != b'<' {
        return Err(err("the document does not start with an element"));
    }
    let (name, content) = p.element(0)?;
    p.skip_misc()?;
    if p.i < p.s.len() {
        return Err(err("content after the root element"));
    }
    Ok(Value::Obj(vec![(name, content)]))
}

fn err(message: &str) -> XmlError {
    XmlError { message: message.to_string() }
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn starts(&self, pat: &str) -> bool {
        self.s[self.i..].starts_with(pat.as_bytes())
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    /// Skips past the next `end`, or fails with `what`.
    fn skip_past(&mut self, end: &str, what: &str) -> Result<(), XmlError> {
        match find(&self.s[self.i..], end.as_bytes()) {
            Some(at) => {
                self.i += at + end.len();
                Ok(())
            }
            None => Err(err(what)),
        }
    }

    /// Whitespace, the declaration, processing instructions, comments and a DOCTYPE (whose
    /// internal subset is skipped, never expanded).
    fn skip_misc(&mut self) -> Result<(), XmlError> {
        // A UTF-8 byte order mark.
        if self.starts("\u{feff}") {
            self.i += 3;
        }
        loop {
            self.skip_ws();
            if self.starts("<?") {
                self.skip_past("?>", "unterminated processing instruction")?;
            } else if self.starts("<!--") {
                self.skip_past("-->", "unterminated comment")?;
            } else if self.starts("<!DOCTYPE") || self.starts("<!doctype") {
                let mut depth = 0i32;
                loop {
                    match self.s.get(self.i) {
                        None => return Err(err("unterminated DOCTYPE")),
                        Some(b'[') => depth += 1,
                        Some(b']') => depth -= 1,
                        Some(b'>') if depth <= 0 => {
                            self.i += 1;
                            break;
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String, XmlError> {
        let start = self.i;
        while self.i < self.s.len() {
            let b = self.s[self.i];
            if b.is_ascii_whitespace() || b == b'>' || b == b'/' || b == b'=' {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return Err(err("element without a name"));
        }
        // Names split only at ASCII bytes, so the slice is on char boundaries.
        let name = self.src.get(start..self.i).unwrap_or_default();
        // Drop a namespace prefix (`<ns:Key>`): the SDK addresses elements by local name.
        Ok(match name.rsplit_once(':') {
            Some((_, local)) => local.to_string(),
            None => name.to_string(),
        })
    }

    /// Parses `<Name …>content</Name>` at `self.i` (which is at `<`).
    fn element(&mut self, depth: usize) -> Result<(String, Value), XmlError> {
        if depth >= MAX_DEPTH {
            return Err(err("elements nested too deeply"));
        }
        self.i += 1; // '<'
        let name = self.name()?;
        // Attributes are ignored, but quoted values may contain '>' or '/'.
        loop {
            self.skip_ws();
            match self.s.get(self.i) {
                None => return Err(err("unterminated start tag")),
                Some(b'>') => {
                    self.i += 1;
                    break;
                }
                Some(b'/') if self.s.get(self.i + 1) == Some(&b'>') => {
                    self.i += 2;
                    return Ok((name, Value::Str(String::new())));
                }
                Some(q @ (b'"' | b'\'')) => {
                    let q = *q;
                    self.i += 1;
                    match self.s[self.i..].iter().position(|&b| b == q) {
                        Some(at) => self.i += at + 1,
                        None => return Err(err("unterminated attribute value")),
                    }
                }
                Some(_) => self.i += 1,
            }
        }
        let mut text = String::new();
        let mut children: Vec<(String, Value)> = Vec::new();
        loop {
            if self.i >= self.s.len() {
                return Err(err("unterminated element"));
            }
            if self.starts("</") {
                self.i += 2;
                let close = self.name()?;
                if close != name {
                    return Err(err("mismatched closing tag"));
                }
                self.skip_ws();
                if self.s.get(self.i) != Some(&b'>') {
                    return Err(err("malformed closing tag"));
                }
                self.i += 1;
                break;
            } else if self.starts("<!--") {
                self.skip_past("-->", "unterminated comment")?;
            } else if self.starts("<![CDATA[") {
                self.i += 9;
                match find(&self.s[self.i..], b"]]>") {
                    Some(at) => {
                        text.push_str(self.src.get(self.i..self.i + at).unwrap_or_default());
                        self.i += at + 3;
                    }
                    None => return Err(err("unterminated CDATA section")),
                }
            } else if self.starts("<?") {
                self.skip_past("?>", "unterminated processing instruction")?;
            } else if self.s[self.i] == b'<' {
                let (child, value) = self.element(depth + 1)?;
                add_child(&mut children, child, value);
            } else {
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i] != b'<' {
                    self.i += 1;
                }
                decode_entities(self.src.get(start..self.i).unwrap_or_default(), &mut text)?;
            }
        }
        if children.is_empty() {
            Ok((name, Value::Str(text)))
        } else {
            // Text mixed with child elements is dropped, as the official SDK drops `#text`.
            Ok((name, Value::Obj(children)))
        }
    }
}

/// A repeated element name becomes an array in document order.
fn add_child(children: &mut Vec<(String, Value)>, name: String, value: Value) {
    match children.iter_mut().find(|(k, _)| *k == name) {
        // Element values are strings or objects, so an array here was built by this function.
        Some((_, Value::Arr(items))) => items.push(value),
        Some((_, existing)) => {
            let first = core::mem::take(existing);
            *existing = Value::Arr(vec![first, value]);
        }
        None => children.push((name, value)),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Decodes the five predefined entities and character references. Any other `&name;` is an
/// error: a DOCTYPE may define entities, but they are never expanded, and an undefined one must not
/// pass as data. A `&` that starts no reference stays literal.
fn decode_entities(s: &str, out: &mut String) -> Result<(), XmlError> {
    let mut rest = s;
    while let Some((before, after)) = rest.split_once('&') {
        out.push_str(before);
        let name_len = after.bytes().take_while(|&b| b.is_ascii_alphanumeric() || matches!(b, b'#' | b'_' | b'-' | b'.' | b':')).count();
        if name_len == 0 || after.as_bytes().get(name_len) != Some(&b';') {
            out.push('&');
            rest = after;
            continue;
        }
        let entity = after.get(..name_len).unwrap_or_default();
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let num = if let Some(h) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    u32::from_str_radix(h, 16).ok()
                } else if let Some(d) = entity.strip_prefix('#') {
                    d.parse::<u32>().ok()
                } else {
                    None
                };
                num.filter(|&n| n != 0).and_then(char::from_u32)
            }
        };
        match decoded {
            Some(c) => out.push(c),
            None => return Err(XmlError { message: ["undefined or invalid entity &", entity, ";"].concat() }),
        }
        rest = after.get(name_len + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(())
}

/// Escapes text for element content (`& < > " '`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `<CompleteMultipartUpload><Part><PartNumber>n</PartNumber><ETag>&quot;…&quot;</ETag></Part>…</CompleteMultipartUpload>`
/// with no declaration and no whitespace, ETags quoted when they were not.
pub fn complete_multipart_body(parts: &[(u32, String)]) -> String {
    let mut out = String::with_capacity(40 + parts.len() * 96);
    out.push_str("<CompleteMultipartUpload>");
    for (n, etag) in parts {
        out.push_str("<Part><PartNumber>");
        out.push_str(&n.to_string());
        out.push_str("</PartNumber><ETag>");
        let quoted = etag.len() >= 2 && etag.starts_with('"') && etag.ends_with('"');
        if !quoted {
            out.push_str("&quot;");
        }
        out.push_str(&escape(etag));
        if !quoted {
            out.push_str("&quot;");
        }
        out.push_str("</ETag></Part>");
    }
    out.push_str("</CompleteMultipartUpload>");
    out
}

/// Writes `value` as element `name`, as the official SDK's XML builder does: objects become
/// children in order, arrays repeat the element (an empty array writes nothing), strings, numbers and
/// booleans become escaped text, null an empty `<name/>`. `renames` changes element names on the way
/// (a request whose params spell a list `Rules` where COS wants `<Rule>`).
pub fn write(name: &str, value: &Value, renames: &[(&str, &str)], out: &mut String) {
    if let Value::Arr(items) = value {
        for item in items {
            write(name, item, renames, out);
        }
        return;
    }
    let name = renames.iter().find(|(from, _)| *from == name).map_or(name, |(_, to)| *to);
    out.push('<');
    out.push_str(name);
    if value.is_null() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    match value {
        Value::Obj(fields) => {
            for (k, v) in fields {
                if k == "#text" {
                    out.push_str(&escape(&v.to_param_string().unwrap_or_default()));
                } else {
                    write(k, v, renames, out);
                }
            }
        }
        other => out.push_str(&escape(&other.to_param_string().unwrap_or_default())),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency
    use proptest::prelude::*;

    #[test]
    fn list_parts_shape() {
        let doc = "\n  \n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult xmlns=\"http://x\">\n<Bucket>b-1</Bucket><EncodingType/>\n<Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag><Size>1048576</Size></Part>\n<Part><PartNumber>2</PartNumber><ETag>\"def\"</ETag><Size>5</Size></Part>\n<IsTruncated>false</IsTruncated></ListPartsResult>";
        let v = parse(doc).unwrap();
        let r = v.get("ListPartsResult").unwrap();
        assert_eq!(r.get("Bucket"), Some(&Value::str("b-1")));
        assert_eq!(r.get("EncodingType"), Some(&Value::str("")));
        let parts = r.get("Part").unwrap().as_list();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].get("ETag"), Some(&Value::str("\"abc\"")));
        assert_eq!(parts[1].get("Size"), Some(&Value::str("5")));
        assert_eq!(r.get("IsTruncated"), Some(&Value::str("false")));
    }

    #[test]
    fn single_repeated_element_stays_an_object_and_three_make_an_array() {
        let v = parse("<R><P><N>1</N></P></R>").unwrap();
        assert!(matches!(v.get("R").unwrap().get("P").unwrap(), Value::Obj(_)));
        let v = parse("<R><P>1</P><P>2</P><P>3</P></R>").unwrap();
        assert_eq!(v.get("R").unwrap().get("P").unwrap().as_list().len(), 3);
    }

    #[test]
    fn entities_cdata_comments() {
        let v = parse("<R><!-- c --><A>a &amp; b &lt;c&gt; &#20013;&#x6587; & &x</A><B><![CDATA[<raw>&amp;]]></B></R>").unwrap();
        let r = v.get("R").unwrap();
        assert_eq!(r.get("A"), Some(&Value::str("a & b <c> 中文 & &x")));
        assert_eq!(r.get("B"), Some(&Value::str("<raw>&amp;")));
    }

    #[test]
    fn entities_are_never_expanded() {
        let lol = "<?xml version=\"1.0\"?><!DOCTYPE R [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\"><!ENTITY lol9 \"&lol2;&lol2;\">]><InitiateMultipartUploadResult><UploadId>&lol9;</UploadId></InitiateMultipartUploadResult>";
        assert_eq!(parse(lol).unwrap_err().message, "undefined or invalid entity &lol9;");
        for bad in ["<R>&bogus;</R>", "<R>&#0;</R>", "<R>&#xD800;</R>", "<R>&averyveryverylongentityname;</R>"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn errors_not_panics() {
        for bad in ["", "   ", "<", "<A>", "<A></B>", "<A><B></A>", "<A>x</A><B/>", "<A b=\"x></A>", "<![CDATA[", "</A>"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(parse(&deep).unwrap_err().message, "elements nested too deeply");
    }

    #[test]
    fn writer_matches_the_official_builder() {
        // What the official SDK's builder writes for the same object: arrays repeat the element,
        // an empty array writes nothing, null is `<X/>`, text is escaped, numbers and booleans as JS prints them.
        let v = Value::Obj(vec![
            ("B".into(), Value::Num(1.0)),
            ("C".into(), Value::Num(1.5)),
            ("D".into(), Value::Null),
            ("F".into(), Value::str("")),
            ("G".into(), Value::obj()),
            ("H".into(), Value::Arr(vec![Value::Num(1.0), Value::Num(2.0)])),
            ("E".into(), Value::Arr(vec![])),
            ("I".into(), Value::Arr(vec![Value::Obj(vec![("J".into(), Value::str("x"))])])),
            ("K".into(), Value::str("a'b\"c&<>")),
            ("L".into(), Value::Bool(false)),
        ]);
        let mut s = String::new();
        write("A", &v, &[("H", "Hh")], &mut s);
        assert_eq!(s, "<A><B>1</B><C>1.5</C><D/><F></F><G></G><Hh>1</Hh><Hh>2</Hh><I><J>x</J></I><K>a&apos;b&quot;c&amp;&lt;&gt;</K><L>false</L></A>");
    }

    #[test]
    fn complete_body() {
        let body = complete_multipart_body(&[(1, "\"aa\"".into()), (2, "bb".into())]);
        assert_eq!(body, "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;aa&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;bb&quot;</ETag></Part></CompleteMultipartUpload>");
        let back = parse(&body).unwrap();
        let parts = back.get("CompleteMultipartUpload").unwrap().get("Part").unwrap().as_list();
        assert_eq!(parts[1].get("ETag"), Some(&Value::str("\"bb\"")));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest! {
        #[test]
        fn never_panics_on_arbitrary_input(s in ".{0,400}") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_xmlish_input(parts in proptest::collection::vec(prop_oneof![
            Just("<A>".to_string()), Just("</A>".to_string()), Just("<B/>".to_string()), Just("<!--".to_string()),
            Just("-->".to_string()), Just("<![CDATA[".to_string()), Just("]]>".to_string()), Just("&amp;".to_string()),
            Just("&#x".to_string()), Just("<?x?>".to_string()), Just("\"".to_string()), Just("text".to_string()),
        ], 0..40)) {
            let _ = parse(&parts.concat());
        }

        #[test]
        fn escaped_text_round_trips(s in "[^\u{0}]{0,80}") {
            let doc = format!("<R><T>{}</T></R>", escape(&s));
            let v = parse(&doc).unwrap();
            prop_assert_eq!(v.get("R").unwrap().get("T").unwrap().as_str().unwrap(), s.as_str());
        }
    }
}
