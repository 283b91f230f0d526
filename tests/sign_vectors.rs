//! The official SDKs' signature vectors (`../shared/sign-vectors.json`, copied to tests/fixtures):
//! static `COS.getAuthorization` must be byte-identical for both flavours, and the POST policy
//! signature must match.

use cos_wasm::presign::static_authorization;
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
            let got = static_authorization(&input, flavour, now).unwrap();
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
    let e = static_authorization(&Value::Obj(vec![("SecretKey".into(), "k".into())]), Flavour::Js, 0.0).unwrap_err();
    assert_eq!(e.message, "missing param SecretId");
}
