//! XML for COS responses and requests.
//!
//! Parsing mirrors what the official SDK's fast-xml-parser produces, so result objects have the same
//! shape: the document becomes `{RootName: content}`; an element with children becomes an object; leaf
//! text stays a string (never a number); empty elements become `""`; an element name that repeats
//! becomes an array in document order; attributes, comments, processing instructions and the XML
//! declaration are ignored; entities and CDATA are decoded. Leading whitespace before the document is
//! tolerated (COS streams keep-alive whitespace before the Complete result).

use crate::value::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    pub message: String,
}

/// Deepest element nesting accepted; deeper input is an error, never a stack overflow.
pub const MAX_DEPTH: usize = 64;

/// Parses a document into `{RootName: content}`.
pub fn parse(xml: &str) -> Result<Value, XmlError> {
    todo!("helper: {}", xml.len())
}

/// Escapes text for element content (`& < > " '`).
pub fn escape(s: &str) -> String {
    todo!("helper: {s}")
}

/// `<CompleteMultipartUpload><Part><PartNumber>n</PartNumber><ETag>&quot;…&quot;</ETag></Part>…</CompleteMultipartUpload>`
/// with no declaration and no whitespace, ETags quoted when they were not.
pub fn complete_multipart_body(parts: &[(u32, String)]) -> String {
    todo!("helper: {}", parts.len())
}
