//! wasm-bindgen surface: a thin skin over the core. JS calls `CosCore.call(name, params)` and gets
//! a Promise; everything else (validation, signing, uploads) happens in the core.

pub mod interop;
pub mod js_host;

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::cos::Cos;
use crate::sign::Flavour;
use interop::{error_to_js, js_to_value, value_to_js};
use js_host::{JsHost, JsHostObject};

fn flavour(name: &str) -> Flavour {
    if name == "wx" {
        Flavour::Wx
    } else {
        Flavour::Js
    }
}

#[wasm_bindgen]
pub struct CosCore {
    inner: Rc<Cos<JsHost>>,
}

#[wasm_bindgen]
impl CosCore {
    /// `host`: the JS host shim; `options`: the user's constructor options; `emit(name, data)`.
    #[wasm_bindgen(constructor)]
    pub fn new(host: JsHostObject, options: JsValue, flavour_name: &str, default_protocol: &str, emit: JsValue) -> Result<CosCore, JsValue> {
        let emit_handle = if emit.is_function() { Some(host.hold(&emit)) } else { None };
        let opts = js_to_value(&options, &host);
        let host = Rc::new(JsHost { obj: host });
        match Cos::new(host.clone(), &opts, flavour(flavour_name), default_protocol, emit_handle) {
            Ok(inner) => Ok(CosCore { inner }),
            Err(e) => Err(error_to_js(&e, &host.obj)),
        }
    }

    /// Runs an official method; resolves with `data`, rejects with the SDK error object.
    pub fn call(&self, method: String, params: JsValue) -> Promise {
        let inner = self.inner.clone();
        let params = js_to_value(&params, &inner.client.host.obj);
        wasm_bindgen_futures::future_to_promise(async move {
            let host = inner.client.host.clone();
            let handles = collect_handles(&params);
            let r = inner.call(&method, params).await;
            let out = match r {
                Ok(v) => Ok(value_to_js(&v, &host.obj)),
                Err(e) => Err(error_to_js(&e, &host.obj)),
            };
            for h in handles {
                host.obj.release(h);
            }
            out
        })
    }
}

fn collect_handles(v: &crate::value::Value) -> Vec<u32> {
    use crate::value::Value;
    let mut out = Vec::new();
    let mut stack = vec![v];
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

#[allow(unused)]
fn _keep(_: &JsValue) {}
