//! The core's pure parts, run inside wasm in Node (and in Chromium through `wasm_browser.rs`):
//! same answers as natively.
#![cfg(target_arch = "wasm32")]

use cos_wasm::sign::{authorization, Flavour, SignInput};
use cos_wasm::value::Value;
use cos_wasm::boundary::{read_value, Writer};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn signs_the_official_vector() {
    let query = [("partNumber", "3"), ("uploadId", "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361")];
    let headers = [
        ("Content-Length", "1048576"),
        ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
        ("x-cos-traffic-limit", "819200"),
        ("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"),
    ];
    let a = authorization(&SignInput {
        secret_id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        secret_key: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        method: "put",
        pathname: "/a b/中文 (1).txt",
        query: &query,
        headers: &headers,
        key_time: "1700000000;1700003600",
        flavour: Flavour::Js,
    });
    assert!(a.ends_with("q-signature=f3e70893ae88acd28c565562e6a55dbff0db6d32"), "{a}");
}

#[wasm_bindgen_test]
fn hashes() {
    let mut m = cos_wasm::md5::Md5::new();
    m.update(b"The quick brown fox ");
    m.update(b"jumps over the lazy dog");
    assert_eq!(cos_wasm::encode::hex(&m.finalize_reset()), "9e107d9d372bb6826bd81d3542a419d6");
    let mut c = cos_wasm::crc64::Crc64::new();
    c.update(b"123456789");
    assert_eq!(c.finish(), 11051210869376104954);
}

#[wasm_bindgen_test]
fn parses_xml() {
    let v = cos_wasm::xml::parse("  <?xml version=\"1.0\"?><R><A>1</A><P><N>1</N></P><P><N>2</N></P></R>").unwrap();
    let r = v.get("R").unwrap();
    assert_eq!(r.get("A"), Some(&Value::str("1")));
    assert_eq!(r.get("P").unwrap().as_list().len(), 2);
}

#[wasm_bindgen_test]
fn boundary_values_round_trip() {
    let v = Value::Obj(vec![
        ("Key".into(), Value::str("a/中文 1.txt")),
        ("n".into(), Value::Num(-0.5)),
        ("list".into(), Value::Arr(vec![Value::Null, Value::Bool(true), Value::Opaque(3)])),
    ]);
    let mut w = Writer::default();
    w.value(&v);
    assert_eq!(read_value(&w.0), v);
}
