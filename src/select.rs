//! `selectObjectContent`'s answer: COS's event stream, decoded and checked here. Each message is
//!
//! ```text
//! [total length u32][headers length u32][prelude CRC32 u32][headers][payload][message CRC32 u32]
//! header = [name length u8][name][value type u8][value]   (type 7, a string: [length u16][UTF-8])
//! ```
//!
//! all big-endian; the prelude CRC32 covers the first 8 bytes, the message CRC32 everything before
//! it. A message whose CRC does not match, a length that does not fit, or an answer that ends
//! before the `End` event is an error: a damaged answer never becomes data.

use crate::prelude::*;
use crate::error::{CosError, ErrorKind};
use crate::value::Value;

/// Bytes of a message around its headers and payload (prelude 12, trailing CRC 4).
const OVERHEAD: usize = 16;

const fn crc32_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[n] = c;
        n += 1;
    }
    t
}

static CRC32_TABLE: [u32; 256] = crc32_table();

/// CRC-32 (IEEE 802.3, the zlib one).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c = CRC32_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    c ^ 0xffff_ffff
}

/// One decoded message: its string headers (other header types are skipped) and its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Message<'a> {
    pub headers: Vec<(String, String)>,
    pub payload: &'a [u8],
}

impl Message<'_> {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn corrupt(at: usize, what: &str) -> CosError {
    let mut m = String::from("the select answer is damaged at byte ");
    m.push_str(&at.to_string());
    m.push_str(": ");
    m.push_str(what);
    CosError::new(ErrorKind::Integrity, "SelectStreamCorrupted", m)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Decodes every message of `body`, checking both CRCs of each.
pub(crate) fn decode_messages(body: &[u8]) -> Result<Vec<Message<'_>>, CosError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < body.len() {
        let rest = &body[at..];
        if rest.len() < 12 {
            return Err(corrupt(at, "a message prelude is cut short"));
        }
        if crc32(&rest[..8]) != be32(rest, 8) {
            return Err(corrupt(at, "prelude CRC32 mismatch"));
        }
        let total = be32(rest, 0) as usize;
        let headers_len = be32(rest, 4) as usize;
        if total < OVERHEAD || headers_len > total - OVERHEAD {
            return Err(corrupt(at, "message lengths do not fit"));
        }
        if rest.len() < total {
            return Err(corrupt(at, "a message is cut short"));
        }
        if crc32(&rest[..total - 4]) != be32(rest, total - 4) {
            return Err(corrupt(at, "message CRC32 mismatch"));
        }
        let headers = decode_headers(&rest[12..12 + headers_len]).ok_or_else(|| corrupt(at + 12, "malformed message headers"))?;
        out.push(Message { headers, payload: &rest[12 + headers_len..total - 4] });
        at += total;
    }
    Ok(out)
}

/// Header values by type: 0/1 booleans, 2 byte, 3 short, 4 int, 5 long, 6 bytes, 7 string,
/// 8 timestamp, 9 UUID. Only strings are kept (COS sends nothing else).
fn decode_headers(mut b: &[u8]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let name_len = usize::from(b[0]);
        let name = core::str::from_utf8(b.get(1..1 + name_len)?).ok()?.to_string();
        b = &b[1 + name_len..];
        let kind = *b.first()?;
        b = &b[1..];
        let fixed = match kind {
            0 | 1 => Some(0),
            2 => Some(1),
            3 => Some(2),
            4 => Some(4),
            5 | 8 => Some(8),
            9 => Some(16),
            6 | 7 => None,
            _ => return None,
        };
        match fixed {
            Some(n) => b = b.get(n..)?,
            None => {
                let len = usize::from(u16::from_be_bytes([*b.first()?, *b.get(1)?]));
                let value = b.get(2..2 + len)?;
                if kind == 7 {
                    out.push((name, core::str::from_utf8(value).ok()?.to_string()));
                }
                b = &b[2 + len..];
            }
        }
    }
    Some(out)
}

/// What a select answer amounts to.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SelectResult {
    /// The `Records` payloads, in order.
    pub records: Vec<u8>,
    /// `<Stats>…</Stats>` parsed (`{BytesScanned, BytesProcessed, BytesReturned}`), if sent.
    pub stats: Option<Value>,
    /// Each `<Progress>` parsed, in order.
    pub progress: Vec<Value>,
}

/// Interprets the messages of a whole answer. An `error` message (or event) is the error it
/// names; an answer without an `End` event was cut short.
pub(crate) fn read_answer(body: &[u8]) -> Result<SelectResult, CosError> {
    let mut result = SelectResult::default();
    let mut ended = false;
    for m in decode_messages(body)? {
        if m.header(":message-type") == Some("error") || m.header(":event-type") == Some("error") {
            let code = m.header(":error-code").unwrap_or("InternalError");
            let message = m.header(":error-message").unwrap_or("");
            let mut e = CosError::new(ErrorKind::Server, code, message);
            e.error = Some(Value::Obj(vec![("Code".into(), Value::str(code)), ("Message".into(), Value::str(message))]));
            return Err(e);
        }
        match m.header(":event-type") {
            Some("Records") => result.records.extend_from_slice(m.payload),
            Some("Stats") => result.stats = Some(xml_element(m.payload, "Stats")),
            Some("Progress") => result.progress.push(xml_element(m.payload, "Progress")),
            Some("End") => ended = true,
            // Cont(inuation) keeps the connection alive; unknown events are skipped.
            _ => {}
        }
    }
    if !ended {
        return Err(CosError::new(ErrorKind::Protocol, "Error", "the select answer ended before its End event"));
    }
    Ok(result)
}

fn xml_element(payload: &[u8], root: &str) -> Value {
    core::str::from_utf8(payload)
        .ok()
        .and_then(|t| crate::xml::parse(t).ok())
        .and_then(|doc| doc.get(root).cloned())
        .unwrap_or_else(Value::obj)
}

/// The request body: `<SelectRequest>` holding the `SelectRequest` param, as the official SDKs
/// write it.
pub(crate) fn request_body(select_request: &Value) -> String {
    let mut s = String::new();
    crate::xml::write("SelectRequest", select_request, &[], &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message as COS frames it (string headers).
    fn frame(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
        let mut h = Vec::new();
        for (k, v) in headers {
            h.push(k.len() as u8);
            h.extend_from_slice(k.as_bytes());
            h.push(7);
            h.extend_from_slice(&(v.len() as u16).to_be_bytes());
            h.extend_from_slice(v.as_bytes());
        }
        let total = (OVERHEAD + h.len() + payload.len()) as u32;
        let mut m = Vec::new();
        m.extend_from_slice(&total.to_be_bytes());
        m.extend_from_slice(&(h.len() as u32).to_be_bytes());
        let prelude_crc = crc32(&m);
        m.extend_from_slice(&prelude_crc.to_be_bytes());
        m.extend_from_slice(&h);
        m.extend_from_slice(payload);
        let crc = crc32(&m);
        m.extend_from_slice(&crc.to_be_bytes());
        m
    }

    fn event(kind: &str, payload: &[u8]) -> Vec<u8> {
        frame(&[(":event-type", kind), (":content-type", "application/octet-stream"), (":message-type", "event")], payload)
    }

    fn answer() -> Vec<u8> {
        let mut b = event("Records", b"ann,30\n");
        b.extend(event("Records", "bob,25,中\n".as_bytes()));
        b.extend(event("Cont", b""));
        b.extend(event("Progress", b"<Progress><BytesScanned>9</BytesScanned></Progress>"));
        b.extend(event(
            "Stats",
            b"<Stats><BytesScanned>24</BytesScanned><BytesProcessed>24</BytesProcessed><BytesReturned>7</BytesReturned></Stats>",
        ));
        b.extend(event("End", b""));
        b
    }

    #[test]
    fn crc32_is_the_zlib_one() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn decodes_records_stats_progress() {
        let r = read_answer(&answer()).unwrap();
        assert_eq!(r.records, "ann,30\nbob,25,中\n".as_bytes());
        let stats = r.stats.unwrap();
        assert_eq!(stats.get("BytesScanned").and_then(Value::as_str), Some("24"));
        assert_eq!(stats.get("BytesReturned").and_then(Value::as_str), Some("7"));
        assert_eq!(r.progress.len(), 1);
        assert_eq!(r.progress[0].get("BytesScanned").and_then(Value::as_str), Some("9"));
    }

    #[test]
    fn every_damaged_byte_is_an_error_never_data() {
        let good = answer();
        // Flip each byte in turn: the answer is refused (CRC or length), whatever byte it is.
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x20;
            let e = read_answer(&bad).expect_err(&format!("byte {i} flipped was accepted"));
            assert!(e.code == "SelectStreamCorrupted", "byte {i}: {e}");
        }
    }

    #[test]
    fn cut_answers_are_errors() {
        let good = answer();
        for cut in [1, 4, 11, 12, 20, good.len() - 1] {
            let e = read_answer(&good[..cut]).unwrap_err();
            assert_eq!(e.code, "SelectStreamCorrupted", "cut at {cut}");
        }
        // Whole messages, but no End: cut between messages.
        let without_end = answer().len() - event("End", b"").len();
        let e = read_answer(&good[..without_end]).unwrap_err();
        assert_eq!(e.message, "the select answer ended before its End event");
        assert!(read_answer(b"").is_err());
    }

    #[test]
    fn lengths_that_do_not_fit_are_refused_before_reading() {
        // A prelude claiming a headers length beyond the message, with a valid prelude CRC.
        let mut m = Vec::new();
        m.extend_from_slice(&20u32.to_be_bytes());
        m.extend_from_slice(&100u32.to_be_bytes());
        let crc = crc32(&m);
        m.extend_from_slice(&crc.to_be_bytes());
        m.extend_from_slice(&[0; 8]);
        assert!(read_answer(&m).unwrap_err().message.contains("lengths do not fit"));
        // A huge total length: cut short, not a huge allocation.
        let mut m = Vec::new();
        m.extend_from_slice(&u32::MAX.to_be_bytes());
        m.extend_from_slice(&0u32.to_be_bytes());
        let crc = crc32(&m);
        m.extend_from_slice(&crc.to_be_bytes());
        assert!(read_answer(&m).unwrap_err().message.contains("cut short"));
    }

    #[test]
    fn error_messages_become_errors() {
        let mut b = event("Records", b"partial");
        b.extend(frame(&[(":message-type", "error"), (":error-code", "CastFailed"), (":error-message", "bad cast")], b""));
        let e = read_answer(&b).unwrap_err();
        assert_eq!((e.code.as_str(), e.message.as_str(), e.kind), ("CastFailed", "bad cast", ErrorKind::Server));
    }

    #[test]
    fn other_header_types_are_skipped() {
        // bool, int, bytes and timestamp headers before the string one.
        let mut h = Vec::new();
        h.extend([1, b'a', 0]);
        h.extend([1, b'b', 4, 0, 0, 0, 1]);
        h.extend([1, b'c', 6, 0, 2, 9, 9]);
        h.extend([1, b'd', 8, 0, 0, 0, 0, 0, 0, 0, 1]);
        h.extend([11, b':', b'e', b'v', b'e', b'n', b't', b'-', b't', b'y', b'p', b'e', 7, 0, 3, b'E', b'n', b'd']);
        let total = (OVERHEAD + h.len()) as u32;
        let mut m = Vec::new();
        m.extend_from_slice(&total.to_be_bytes());
        m.extend_from_slice(&(h.len() as u32).to_be_bytes());
        let c = crc32(&m);
        m.extend_from_slice(&c.to_be_bytes());
        m.extend_from_slice(&h);
        let c = crc32(&m);
        m.extend_from_slice(&c.to_be_bytes());
        let msgs = decode_messages(&m).unwrap();
        assert_eq!(msgs[0].headers, vec![(":event-type".to_string(), "End".to_string())]);
        assert!(read_answer(&m).unwrap().records.is_empty());
    }

    #[test]
    fn request_body_as_the_official() {
        let req = crate::methods::json_parse(
            r#"{"Expression":"Select * from COSObject s where s.age > 26","ExpressionType":"SQL","InputSerialization":{"CSV":{"FileHeaderInfo":"USE"}},"OutputSerialization":{"CSV":{}},"RequestProgress":{"Enabled":"FALSE"}}"#,
        )
        .unwrap();
        assert_eq!(
            request_body(&req),
            "<SelectRequest><Expression>Select * from COSObject s where s.age &gt; 26</Expression><ExpressionType>SQL</ExpressionType><InputSerialization><CSV><FileHeaderInfo>USE</FileHeaderInfo></CSV></InputSerialization><OutputSerialization><CSV></CSV></OutputSerialization><RequestProgress><Enabled>FALSE</Enabled></RequestProgress></SelectRequest>"
        );
    }
}
