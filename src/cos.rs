//! The SDK object behind `new COS(options)`: dispatches the official method names to operations.

use std::rc::Rc;

use crate::client::Client;
use crate::error::{CosError, Result};
use crate::host::{Arg, Host};
use crate::ops::{self, Reporter};
use crate::options::Options;
use crate::params;
use crate::sign::Flavour;
use crate::source::Source;
use crate::value::Value;

pub struct Cos<H: Host> {
    pub client: Rc<Client<H>>,
    /// Host function `(eventName, data)` that emits `list-update` and friends on the JS object.
    pub emit: Option<u32>,
}

/// Every asynchronous method of the official surface that this SDK implements.
pub const METHODS: &[&str] = &[
    "putObject",
    "postObject",
    "appendObject",
    "headObject",
    "getObject",
    "deleteObject",
    "multipartList",
    "multipartInit",
    "multipartUpload",
    "multipartListPart",
    "multipartComplete",
    "multipartAbort",
];

impl<H: Host> Cos<H> {
    pub fn new(host: Rc<H>, options: &Value, flavour: Flavour, default_protocol: &str, emit: Option<u32>) -> Result<Rc<Cos<H>>> {
        let opts = Options::parse(options, flavour, default_protocol)?;
        Ok(Rc::new(Cos { client: Rc::new(Client::new(host, opts)), emit }))
    }

    pub fn host(&self) -> &H {
        &self.client.host
    }

    /// Runs one official method. `params` may hold host handles (functions, bodies).
    pub async fn call(self: Rc<Self>, method: &str, params: Value) -> Result<Value> {
        if !matches!(params, Value::Obj(_)) {
            return Err(CosError::param("params should be an object"));
        }
        let c = &*self.client;
        let on_progress = params::callback(&params, "onProgress")?;
        let on_hash = params::callback(&params, "onHashProgress")?;
        let reporter = || Reporter::new(c.host.clone(), on_progress, c.opts.progress_interval);
        match method {
            "putObject" => {
                params::target(&params, true)?;
                let source = Source::open(&*c.host, &params, false).await?;
                let r = ops::put_object(c, &params, &source, Some(reporter()), on_hash, None).await;
                source.close(&*c.host);
                r
            }
            "appendObject" => {
                params::target(&params, true)?;
                params::required_uint(&params, "Position")?;
                let source = Source::open(&*c.host, &params, false).await?;
                let r = ops::append_object(c, &params, &source, Some(reporter())).await;
                source.close(&*c.host);
                r
            }
            "headObject" => ops::head_object(c, &params).await,
            "getObject" => ops::get_object(c, &params, Some(reporter())).await,
            "deleteObject" => ops::delete_object(c, &params).await,
            "multipartInit" => ops::multipart_init(c, &params, None, None).await,
            "multipartUpload" => {
                params::target(&params, true)?;
                params::required_str(&params, "UploadId")?;
                params::required_uint(&params, "PartNumber")?;
                let source = Source::open(&*c.host, &params, false).await?;
                let r = ops::multipart_upload(c, &params, &source, Some(reporter())).await;
                source.close(&*c.host);
                r
            }
            "multipartListPart" => ops::multipart_list_part_call(c, &params).await,
            "multipartComplete" => ops::multipart_complete_call(c, &params).await,
            "multipartAbort" => ops::multipart_abort_call(c, &params).await,
            "multipartList" => ops::multipart_list(c, &params, None, None).await,
            _ => {
                let mut m = String::from("unknown method ");
                m.push_str(method);
                Err(CosError::param(m))
            }
        }
    }

    /// Emits an event to the JS object's listeners.
    pub fn emit_event(&self, name: &str, data: Value) {
        if let Some(f) = self.emit {
            self.client.host.invoke(f, vec![Arg::Val(Value::str(name)), Arg::Val(data)]);
        }
    }
}
