//! The official SDKs' signature vectors (`fixtures/sign-vectors.json`, outputs of the published packages):
//! static `COS.getAuthorization` must be byte-identical for both flavours, and the POST policy
//! signature must match.

use cos_wasm::presign::{static_authorization, static_authorization_flat};
use cos_wasm::sign::{post_policy_signature, Flavour};
use cos_wasm::value::Value;
use serde_json::Value as Json;

fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Num(n.as_f64().unwrap()),
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(a) => Value::Arr(a.iter().map(to_value).collect()),
        Json::Object(o) => Value::Obj(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect()),
    }
}

fn fixtures() -> Json {
    serde_json::from_str(include_str!("fixtures/sign-vectors.json")).unwrap()
}

#[test]
fn static_get_authorization_matches_both_official_sdks() {
    let f = fixtures();
    let vectors = f["static_getAuthorization"].as_array().unwrap();
    assert!(vectors.len() >= 9);
    for v in vectors {
        let id = v["id"].as_str().unwrap();
        let now = v["mockDateNowMs"].as_f64().unwrap_or(1_700_000_000_500.0);
        let input = to_value(&v["input"]);
        for (sdk, flavour) in [("cos-js-sdk-v5@1.10.1", Flavour::Js), ("cos-wx-sdk-v5@1.8.0", Flavour::Wx)] {
            let want = v["output"][sdk].as_str().unwrap();
            let got = static_authorization(&input, flavour, &|| now).unwrap();
            assert_eq!(got, want, "vector {id} for {sdk}");
        }
    }
}

#[test]
fn post_policy_vector() {
    let f = fixtures();
    let v = &f["post_policy_signature"]["vector"];
    let got = post_policy_signature(
        v["SecretKey"].as_str().unwrap(),
        v["qKeyTime"].as_str().unwrap(),
        v["policyJson"].as_str().unwrap(),
    );
    assert_eq!(got, v["qSignature"].as_str().unwrap());
}

#[test]
fn missing_secret_id_is_a_param_error() {
    let e = static_authorization(&Value::Obj(vec![("SecretKey".into(), "k".into())]), Flavour::Js, &|| 0.0).unwrap_err();
    assert_eq!(e.message, "missing param SecretId");
}

/// What the JS wrapper's `flatten` sends for plain params (every value already text).
fn flatten(p: &[(&str, &str)], query: &[(&str, &str)], headers: &[(&str, &str)]) -> String {
    use cos_wasm::presign::{FLAT_FIELDS, FLAT_FIELD_TAGS};
    let mut s = String::new();
    for (k, v) in p {
        let i = FLAT_FIELDS.iter().position(|f| f == k).expect("a plain field");
        s.push(FLAT_FIELD_TAGS.as_bytes()[i] as char);
        s.push_str(v);
        s.push('\0');
    }
    for (prefix, pairs) in [("?", query), (":", headers)] {
        for (k, v) in pairs {
            s.push_str(prefix);
            s.push_str(k);
            s.push('\0');
            s.push_str(v);
            s.push('\0');
        }
    }
    s
}

fn as_value(p: &[(&str, &str)], query: &[(&str, &str)], headers: &[(&str, &str)]) -> Value {
    let obj = |pairs: &[(&str, &str)]| Value::Obj(pairs.iter().map(|(k, v)| (k.to_string(), Value::str(*v))).collect());
    let mut v = obj(p);
    v.set("Query", obj(query));
    v.set("Headers", obj(headers));
    v
}

#[test]
fn flat_path_matches_the_official_vectors() {
    let f = fixtures();
    for v in f["static_getAuthorization"].as_array().unwrap() {
        let now = v["mockDateNowMs"].as_f64().unwrap_or(1_700_000_000_500.0);
        let input = &v["input"];
        let text = |j: &Json| j.as_str().map(str::to_string).unwrap_or_else(|| j.to_string());
        let pairs = |j: &Json| -> Vec<(String, String)> {
            j.as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), if v.is_null() { String::new() } else { text(v) })).collect()).unwrap_or_default()
        };
        let top: Vec<(String, String)> = input
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| !matches!(k.as_str(), "Query" | "Headers" | "ForceSignHost" | "SystemClockOffset") && !v.is_null())
            .map(|(k, v)| (k.clone(), text(v)))
            .collect();
        let b = cos_wasm::sign::borrow_pairs;
        let (q, h) = (pairs(&input["Query"]), pairs(&input["Headers"]));
        let flat = flatten(&b(&top), &b(&q), &b(&h));
        let force = input["ForceSignHost"].as_bool().unwrap_or(true);
        let offset = input["SystemClockOffset"].as_f64().unwrap_or(0.0);
        for (sdk, flavour) in [("cos-js-sdk-v5@1.10.1", Flavour::Js), ("cos-wx-sdk-v5@1.8.0", Flavour::Wx)] {
            let got = static_authorization_flat(&flat, force, offset, flavour, &|| now).unwrap();
            assert_eq!(got, v["output"][sdk].as_str().unwrap(), "vector {} for {sdk}", v["id"]);
        }
    }
}

#[test]
fn sign_key_cache_follows_the_secret_and_the_key_time() {
    // Alternating keys and key times: each signature equals the one computed alone.
    let sign = |key: &str, kt: &str| {
        let v = as_value(&[("SecretId", "AKID"), ("SecretKey", key), ("Key", "a"), ("KeyTime", kt)], &[], &[]);
        static_authorization(&v, Flavour::Js, &|| 0.0).unwrap()
    };
    let alone: Vec<String> = ["k1", "k2"].iter().flat_map(|k| ["1;2", "1;3"].map(|t| sign(k, t))).collect();
    for round in 0..3 {
        let mut i = 0;
        for k in ["k1", "k2"] {
            for t in ["1;2", "1;3"] {
                assert_eq!(sign(k, t), alone[i], "round {round}");
                i += 1;
            }
        }
    }
    assert_eq!(alone.iter().collect::<std::collections::HashSet<_>>().len(), 4);
}

#[cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency
mod generated {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-zA-Z0-9 ._~/-]{0,12}",
            "[-a-zA-Z0-9 !'()*%&=?;:中文😀\u{e000}]{0,8}",
            Just("1700000000;1700000900".to_string()),
            Just("900".to_string()),
            Just("-1".to_string()),
        ]
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(vec!["partNumber", "uploadId", "x-cos-meta-a", "X-COS-ACL", "Host", "host", "Content-Type", "content-length", "Range", "prefix", "中", "a%b", "😀", "\u{e000}"]).prop_map(str::to_string),
            "[a-zA-Z-]{1,8}",
        ]
    }

    static SIGNED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    #[test]
    fn generated_inputs_mostly_sign() {
        flat_equals_general();
        assert!(SIGNED.load(std::sync::atomic::Ordering::Relaxed) > 40, "too few generated inputs signed");
    }

    const TOP: &[&str] = &["SecretId", "SecretKey", "Method", "method", "Key", "Pathname", "pathname", "KeyTime", "Expires", "Bucket", "Region"];

    proptest! {
        /// The flat entry point signs (or refuses, with the same message) exactly as the general one.
        #[test]
        fn flat_equals_general(
            top in proptest::collection::vec((proptest::sample::select(TOP), text()), 0..10),
            query in proptest::collection::vec((name(), text()), 0..5),
            headers in proptest::collection::vec((name(), text()), 0..6),
            force in any::<bool>(),
            wx in any::<bool>(),
            keys in any::<bool>(),
        ) {
            // Half of the cases carry keys first, so most of those sign rather than refuse.
            let mut top = top;
            if keys {
                top.insert(0, ("SecretKey", "k".to_string()));
                top.insert(0, ("SecretId", "AKID".to_string()));
            }
            let mut seen = std::collections::HashSet::new();
            let dedup = |v: &[(String, String)], seen: &mut std::collections::HashSet<String>| -> Vec<(String, String)> {
                v.iter().filter(|(k, _)| seen.insert(k.clone())).cloned().collect()
            };
            let top: Vec<(String, String)> = top.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            let top = dedup(&top, &mut seen);
            seen.clear();
            let query = dedup(&query, &mut seen);
            seen.clear();
            let headers = dedup(&headers, &mut seen);
            let b = cos_wasm::sign::borrow_pairs;
            let (t, q, h) = (b(&top), b(&query), b(&headers));
            let mut general = as_value(&t, &q, &h);
            general.set("ForceSignHost", Value::Bool(force));
            let flavour = if wx { Flavour::Wx } else { Flavour::Js };
            let a = static_authorization(&general, flavour, &|| 1.7e12).map_err(|e| e.message.clone());
            let f = static_authorization_flat(&flatten(&t, &q, &h), force, 0.0, flavour, &|| 1.7e12).map_err(|e| e.message.clone());
            prop_assert_eq!(&a, &f);
            SIGNED.fetch_add(a.is_ok() as usize, std::sync::atomic::Ordering::Relaxed);
        }
    }
}
