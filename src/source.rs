//! Upload bodies: strings live in the core, everything else (Blob, File, ArrayBuffer, a file path)
//! stays in the host and is read by range, so memory is bounded by what is being hashed or sent.

use crate::prelude::*;
use core::cell::Cell;
use alloc::rc::Rc;

use crate::crc64::Crc64;
use crate::encode::hex;
use crate::md5::{md5, Md5};
use crate::error::{CosError, Result};
use crate::host::{Body, Host, OpenRequest, RangeDigest, SourceInfo};
use crate::value::Value;

/// Bytes read per step when hashing a whole range: large enough to amortise the host call,
/// small enough to keep memory flat and the page responsive between steps (4 MiB steps kept
/// ~30 MB more garbage alive in Node with 4 parts in flight; bench/RESULTS.md).
pub(crate) const HASH_STEP: u64 = 1024 * 1024;

pub(crate) struct Source {
    pub info: SourceInfo,
    memory: Option<Rc<Vec<u8>>>,
    /// The host reuses a closed source's id: a second close must not reach another source.
    closed: Cell<bool>,
}

impl Source {
    /// Opens the `Body` (or `FilePath`) param of a call. `allow_missing` gives an empty body.
    pub(crate) async fn open<H: Host>(host: &H, params: &Value, allow_missing: bool) -> Result<Source> {
        match (params.get("Body"), params.get("FilePath")) {
            (Some(Value::Str(s)), _) => {
                // A string is text, as the official SDKs' transports send it.
                let mut source = Source::from_bytes(s.as_bytes().to_vec());
                source.info.content_type = Some("text/plain".into());
                Ok(source)
            }
            (Some(Value::Opaque(h)), _) => {
                let info = host.open(OpenRequest::Handle(*h)).await?;
                Ok(Source { info, memory: None, closed: Cell::new(false) })
            }
            (None | Some(Value::Null), Some(Value::Str(p))) if !p.is_empty() => {
                let info = host.open(OpenRequest::FilePath(p.clone())).await?;
                Ok(Source { info, memory: None, closed: Cell::new(false) })
            }
            (None | Some(Value::Null), None | Some(Value::Null)) if allow_missing => Ok(Source::from_bytes(Vec::new())),
            (None | Some(Value::Null), None | Some(Value::Null)) => Err(CosError::missing("Body")),
            (None | Some(Value::Null), Some(_)) => Err(CosError::param("param FilePath should be a non-empty string")),
            (Some(_), _) => Err(CosError::param(
                "params body format error, Only allow File|Blob|String|ArrayBuffer|TypedArray (or FilePath).",
            )),
        }
    }

    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Source {
        Source {
            info: SourceInfo { id: 0, size: bytes.len() as u64, ..SourceInfo::default() },
            memory: Some(Rc::new(bytes)),
            closed: Cell::new(false),
        }
    }

    pub(crate) fn size(&self) -> u64 {
        self.info.size
    }

    /// The body of a request sending `[start, end)`.
    pub(crate) fn body(&self, start: u64, end: u64) -> Body {
        match &self.memory {
            Some(m) => {
                if start == end {
                    Body::Empty
                } else {
                    Body::Bytes(m[start as usize..end as usize].to_vec())
                }
            }
            None if start == end => Body::Empty,
            None => Body::Source { source: self.info.id, start, end },
        }
    }

    pub(crate) async fn read<H: Host>(&self, host: &H, start: u64, end: u64) -> Result<Vec<u8>> {
        match &self.memory {
            Some(m) => Ok(m[start as usize..end as usize].to_vec()),
            None => {
                let bytes = host.read(self.info.id, start, end).await?;
                if bytes.len() as u64 != end - start {
                    return Err(CosError::host(
                        "the file changed while it was being read (short read); upload it again",
                    ));
                }
                Ok(bytes)
            }
        }
    }

    /// MD5 and CRC64 of `[start, end)`, read in steps; `progress(done_bytes)` after each step.
    pub(crate) async fn digest<H: Host>(
        &self,
        host: &H,
        start: u64,
        end: u64,
        mut progress: impl FnMut(u64),
    ) -> Result<Digests> {
        let d = self.hash(host, start, end, true, &mut progress).await?;
        Ok(Digests { md5: d.md5.unwrap_or_default(), crc64: d.crc64 })
    }

    /// CRC64 alone of `[start, end)`: what the integrity check needs when no MD5 is asked for
    /// (half the hashing work of [`Source::digest`]).
    pub(crate) async fn crc64<H: Host>(&self, host: &H, start: u64, end: u64) -> Result<u64> {
        Ok(self.hash(host, start, end, false, &mut |_| {}).await?.crc64)
    }

    /// Hashes a range: by the host when it offers to (off the page's main thread), else here,
    /// read in steps with `progress(done_bytes)` after each.
    async fn hash<H: Host>(&self, host: &H, start: u64, end: u64, want_md5: bool, progress: &mut dyn FnMut(u64)) -> Result<RangeDigest> {
        if self.memory.is_none() && start < end {
            if let Some(fut) = host.hash_range(self.info.id, start, end, want_md5) {
                if let Some(d) = fut.await? {
                    if want_md5 && d.md5.is_none() {
                        return Err(CosError::host("the host hashed a range without the MD5 it was asked for"));
                    }
                    progress(end - start);
                    return Ok(d);
                }
            }
        }
        let mut md5 = want_md5.then(Md5::new);
        let mut crc = Crc64::new();
        let mut pos = start;
        while pos < end {
            let step_end = (pos + HASH_STEP).min(end);
            let chunk = self.read(host, pos, step_end).await?;
            if let Some(m) = &mut md5 {
                m.update(&chunk);
            }
            crc.update(&chunk);
            pos = step_end;
            progress(pos - start);
        }
        Ok(RangeDigest { md5: md5.map(|mut m| m.finalize_reset()), crc64: crc.finish() })
    }

    pub(crate) fn close<H: Host>(&self, host: &H) {
        if self.memory.is_none() && !self.closed.replace(true) {
            host.close(self.info.id);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Digests {
    pub md5: [u8; 16],
    pub crc64: u64,
}

impl Digests {
    pub(crate) fn of(bytes: &[u8]) -> Digests {
        let mut crc = Crc64::new();
        crc.update(bytes);
        Digests { md5: md5(bytes), crc64: crc.finish() }
    }

    pub(crate) fn md5_hex(&self) -> String {
        hex(&self.md5)
    }

    pub(crate) fn md5_base64(&self) -> String {
        base64(&self.md5)
    }
}

/// Standard base64 with padding. Hand-written: 20 lines instead of a crate for 16-byte digests and policies.
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        s.push(T[(n >> 18) as usize & 63] as char);
        s.push(T[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        s.push(if c.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_hex() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        let d = Digests::of(b"");
        assert_eq!(d.md5_hex(), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(d.md5_base64(), "1B2M2Y8AsgTpgAmY7PhCfg==");
    }
}
