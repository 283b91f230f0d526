//! The official methods that are one plain request (bucket configuration, listing, ACL, tagging,
//! batch delete, copy…) as rows of one table, and the pure functions that interpret a row:
//! [`build`] turns params into a [`RequestPlan`], [`shape`] turns the answer into the official
//! `data` ([`recover`] for the error answers the official SDK reports as data). Nothing here does
//! I/O, so whichever engine sends requests runs the same rows; [`call`] runs them on today's.
//!
//! A row is data, not code: verb, sub-resource, param → query/header names, a body rule and a
//! list of response steps. The few shapes with real logic (ACL decoding, copy-source checks, JSON
//! policies) are small helpers below.

use crate::prelude::*;
use crate::attempts::decode_error;
use crate::client::{Client, Req};
use crate::options::Dialect;
use crate::error::{CosError, Result};
use crate::host::{Body, Host, HttpResponse};
use crate::ops::{base_data, protocol_error};
use crate::params::{self, put_header};
use crate::source::{base64, Digests};
use crate::value::{num_to_string, parse_number, Value};
use crate::xml;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// No bucket: `getService`.
    Service,
    Bucket,
    Object,
}

/// Re-shapes one field of every object found at `at` (a dotted path, `""` for the value itself;
/// arrays on the way are walked through).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fix {
    pub at: &'static str,
    /// The field read, then `alt` when `from` is empty or absent (`""`: no alternative).
    pub from: &'static str,
    pub alt: &'static str,
    /// Where the result goes; `from` and `alt` are removed unless they are `to`.
    pub to: &'static str,
    pub how: How,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum How {
    /// `to` = the value as an array (`[]` when absent): one XML element parses as an object.
    List,
    /// `to` = `{child: value}` when there is a value, else nothing.
    Wrap(&'static str),
    /// When `from` is an element, `to` = its `child` as an array.
    Unwrap(&'static str),
    /// Moved as is, when present.
    Rename,
}

/// Whether a body param must be given.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Need {
    /// `missing param X` when absent.
    Required,
    /// No body when absent.
    Optional,
    /// An empty root element when absent.
    Empty,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum BodyRule {
    None,
    /// `<root>` holding the object param `param`.
    Obj { root: &'static str, param: &'static str, need: Need },
    /// `<root><path…>item</path…>…</root>`: the items from the first of the param paths `from`
    /// that has a value (one item or an array), then `extra` `(element, param, default)` elements.
    List {
        root: &'static str,
        path: &'static str,
        from: &'static [&'static str],
        extra: &'static [(&'static str, &'static str, &'static str)],
    },
    /// `<root>` with these params as children, when any is given (no body otherwise).
    Fields { root: &'static str, names: &'static [&'static str] },
    /// The JSON text of the param (an object, or JSON text, which is normalised as the official
    /// SDK's parse-and-stringify does).
    Json(&'static str),
}

/// One step building `data` from the parsed answer (`doc`, `{Root: …}`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Out {
    /// Every field of the element at the path (`""`: the whole document) into `data`.
    Merge(&'static str),
    /// `data[name]` = the element at the path, when present.
    Get(&'static str, &'static str),
    /// `data[name]` = the element at the path, `{}` when absent or empty.
    Obj(&'static str, &'static str),
    /// `data[name]` = the element at the path as an array.
    List(&'static str, &'static str),
    /// A [`Fix`] applied to `data`.
    Fix(&'static Fix),
    /// `data[name]` = a response header, when present.
    Header(&'static str, &'static str),
    /// ACL decoding (`AccessControlPolicy` → ACL, Grant* strings, Owner, Grants); `true` keeps GrantWrite.
    Acl(bool),
    /// `data[name]` = the body parsed as JSON (`{}` when it is not JSON).
    Json(&'static str),
}

/// `Location` (host and key, as the official SDK reports it) is added to `data`.
pub(crate) const LOCATION: u8 = 1;
/// The first query param is always sent, empty when not given (`prefix` of listings).
pub(crate) const ALWAYS_FIRST: u8 = 2;
/// `CopySource` is checked (and `PartNumber`, when given).
pub(crate) const COPY: u8 = 4;

// Rows are kept small (most fields are shared defaults behind references): the table is data in
// every wasm build, 59 rows of it.
pub(crate) struct Row {
    /// The official method name.
    pub name: &'static str,
    /// COS action: the STS scope action and the label in errors.
    pub action: &'static str,
    pub verb: &'static str,
    pub scope: Scope,
    pub flags: u8,
    /// Sub-resource sent bare (`?cors`), `""` for none.
    pub sub: &'static str,
    /// `(param, query name)`, sent when the param is given.
    pub query: &'static [(&'static str, &'static str)],
    pub body: &'static BodyRule,
    /// Steps building `data` after `{statusCode, headers, RequestId}`.
    pub out: &'static [Out],
    pub more: &'static More,
}

/// What few rows need.
pub(crate) struct More {
    /// `(param, header)` beyond the common mapping of `params::headers`.
    pub headers: &'static [(&'static str, &'static str)],
    /// Params that must be given (`missing param X`).
    pub required: &'static [&'static str],
    /// Applied to the body's content before it is written.
    pub fixes: &'static [Fix],
    /// Element renames while writing the body.
    pub renames: &'static [(&'static str, &'static str)],
    /// An error answer `(status, code)` that the official SDK reports as data: the steps run on
    /// an empty document (`code` `""`: any code).
    pub soft: (u16, &'static str),
    /// The `ErrorStatus` the official SDKs add to this method's errors, by status.
    pub error_status: &'static [(u16, &'static str)],
}

const M: More = More { headers: &[], required: &[], fixes: &[], renames: &[], soft: (0, ""), error_status: &[] };

const R: Row = Row {
    name: "",
    action: "",
    verb: "GET",
    scope: Scope::Bucket,
    flags: 0,
    sub: "",
    query: &[],
    body: &BodyRule::None,
    out: &[],
    more: &M,
};

const fn list(at: &'static str, from: &'static str, alt: &'static str, to: &'static str) -> Fix {
    Fix { at, from, alt, to, how: How::List }
}

const fn soft(code: &'static str) -> More {
    More { soft: (404, code), ..M }
}

const VERSION: &[(&str, &str)] = &[("VersionId", "versionId")];
const TAGS_IN: BodyRule =
    BodyRule::List { root: "Tagging", path: "TagSet.Tag", from: &["Tagging.TagSet", "Tagging.Tags", "Tags"], extra: &[] };
const TAGS_OUT: &[Out] = &[Out::List("Tags", "Tagging.TagSet.Tag")];
const ACL_IN: BodyRule = BodyRule::Obj { root: "AccessControlPolicy", param: "AccessControlPolicy", need: Need::Optional };
// Grants (or Grant) in the params become AccessControlList.Grant on the wire.
const ACL_MORE: More =
    More { fixes: &[Fix { at: "", from: "Grants", alt: "Grant", to: "AccessControlList", how: How::Wrap("Grant") }], ..M };
// CORS rules: the params may use the plural names, the wire has the singular ones; answers get the
// plural names, always arrays.
const CORS_IN: More = More {
    fixes: &[
        list("CORSRule", "AllowedOrigins", "AllowedOrigin", "AllowedOrigin"),
        list("CORSRule", "AllowedHeaders", "AllowedHeader", "AllowedHeader"),
        list("CORSRule", "AllowedMethods", "AllowedMethod", "AllowedMethod"),
        list("CORSRule", "ExposeHeaders", "ExposeHeader", "ExposeHeader"),
    ],
    ..M
};
const CORS_OUT: &[Out] = &[
    Out::List("CORSRules", "CORSConfiguration.CORSRule"),
    Out::Get("ResponseVary", "CORSConfiguration.ResponseVary"),
    Out::Fix(&list("CORSRules", "AllowedOrigins", "AllowedOrigin", "AllowedOrigins")),
    Out::Fix(&list("CORSRules", "AllowedHeaders", "AllowedHeader", "AllowedHeaders")),
    Out::Fix(&list("CORSRules", "AllowedMethods", "AllowedMethod", "AllowedMethods")),
    Out::Fix(&list("CORSRules", "ExposeHeaders", "ExposeHeader", "ExposeHeaders")),
];
// Inventory: OptionalFields is a list in params and answers, `<OptionalFields><Field>` on the wire;
// the encryption element is spelled SSECOS in params and answers, SSE-COS on the wire.
const INVENTORY_IN: More = More {
    required: &["Id"],
    fixes: &[
        Fix { at: "", from: "OptionalFields", alt: "", to: "OptionalFields", how: How::Wrap("Field") },
        Fix { at: "Destination.COSBucketDestination.Encryption", from: "SSECOS", alt: "", to: "SSE-COS", how: How::Rename },
    ],
    ..M
};
const INVENTORY_IN_BODY: BodyRule =
    BodyRule::Obj { root: "InventoryConfiguration", param: "InventoryConfiguration", need: Need::Required };
const ID: &[(&str, &str)] = &[("Id", "id")];
const NEEDS_ID: More = More { required: &["Id"], ..M };
const COPY_HEADERS: &[(&str, &str)] = &[
    ("CopySource", "x-cos-copy-source"),
    ("CopySourceRange", "x-cos-copy-source-Range"),
    ("MetadataDirective", "x-cos-metadata-directive"),
    ("CopySourceIfModifiedSince", "x-cos-copy-source-If-Modified-Since"),
    ("CopySourceIfUnmodifiedSince", "x-cos-copy-source-If-Unmodified-Since"),
    ("CopySourceIfMatch", "x-cos-copy-source-If-Match"),
    ("CopySourceIfNoneMatch", "x-cos-copy-source-If-None-Match"),
];

/// A bucket configuration's put, get and delete rows.
macro_rules! put_get_delete {
    ($put:literal, $get:literal, $del:literal, $sub:literal, $pa:literal, $ga:literal, $da:literal,
     body: $body:expr, out: $out:expr, get: $gm:expr, put: $pm:expr) => {
        [
            Row { name: $put, action: $pa, verb: "PUT", sub: $sub, body: &$body, more: &$pm, ..R },
            Row { name: $get, action: $ga, sub: $sub, out: $out, more: &$gm, ..R },
            Row { name: $del, action: $da, verb: "DELETE", sub: $sub, ..R },
        ]
    };
}

const fn rule_list(root: &'static str, path: &'static str, from: &'static [&'static str]) -> BodyRule {
    BodyRule::List { root, path, from, extra: &[] }
}

/// Bucket configurations with the same put/get/delete pattern.
static CONFIG: [[Row; 3]; 9] = [
    put_get_delete!("putBucketCors", "getBucketCors", "deleteBucketCors", "cors",
        "PutBucketCORS", "GetBucketCORS", "DeleteBucketCORS",
        body: BodyRule::List { root: "CORSConfiguration", path: "CORSRule", from: &["CORSConfiguration.CORSRules", "CORSRules"],
            extra: &[("ResponseVary", "ResponseVary", "")] },
        out: CORS_OUT, get: soft("NoSuchCORSConfiguration"), put: CORS_IN),
    put_get_delete!("putBucketTagging", "getBucketTagging", "deleteBucketTagging", "tagging",
        "PutBucketTagging", "GetBucketTagging", "DeleteBucketTagging",
        body: TAGS_IN, out: TAGS_OUT, get: soft("NoSuchTagSet"), put: M),
    put_get_delete!("putBucketLifecycle", "getBucketLifecycle", "deleteBucketLifecycle", "lifecycle",
        "PutBucketLifecycle", "GetBucketLifecycle", "DeleteBucketLifecycle",
        body: rule_list("LifecycleConfiguration", "Rule", &["LifecycleConfiguration.Rules", "Rules"]),
        out: &[Out::List("Rules", "LifecycleConfiguration.Rule")], get: soft("NoSuchLifecycleConfiguration"), put: M),
    put_get_delete!("putBucketReplication", "getBucketReplication", "deleteBucketReplication", "replication",
        "PutBucketReplication", "GetBucketReplication", "DeleteBucketReplication",
        body: BodyRule::Obj { root: "ReplicationConfiguration", param: "ReplicationConfiguration", need: Need::Required },
        out: &[
            Out::Merge(""),
            Out::Obj("ReplicationConfiguration", "ReplicationConfiguration"),
            Out::Fix(&list("ReplicationConfiguration", "Rule", "", "Rules")),
        ],
        get: soft("ReplicationConfigurationnotFoundError"),
        // Params spell the lists Rules and Tags, the wire Rule and Tag.
        put: More { renames: &[("Rules", "Rule"), ("Tags", "Tag")], ..M }),
    put_get_delete!("putBucketWebsite", "getBucketWebsite", "deleteBucketWebsite", "website",
        "PutBucketWebsite", "GetBucketWebsite", "DeleteBucketWebsite",
        body: BodyRule::Obj { root: "WebsiteConfiguration", param: "WebsiteConfiguration", need: Need::Required },
        out: &[
            Out::Obj("WebsiteConfiguration", "WebsiteConfiguration"),
            Out::Fix(&Fix { at: "WebsiteConfiguration", from: "RoutingRules", alt: "", to: "RoutingRules", how: How::Unwrap("RoutingRule") }),
        ],
        get: soft("NoSuchWebsiteConfiguration"),
        put: More {
            fixes: &[Fix { at: "", from: "RoutingRules", alt: "RoutingRule", to: "RoutingRules", how: How::Wrap("RoutingRule") }],
            ..M
        }),
    put_get_delete!("putBucketDomain", "getBucketDomain", "deleteBucketDomain", "domain",
        "PutBucketDomain", "GetBucketDomain", "DeleteBucketDomain",
        body: rule_list("DomainConfiguration", "DomainRule", &["DomainConfiguration.DomainRule", "DomainRule"]),
        out: &[Out::List("DomainRule", "DomainConfiguration.DomainRule")], get: M, put: M),
    put_get_delete!("putBucketOrigin", "getBucketOrigin", "deleteBucketOrigin", "origin",
        "PutBucketOrigin", "GetBucketOrigin", "DeleteBucketOrigin",
        body: rule_list("OriginConfiguration", "OriginRule", &["OriginConfiguration.OriginRule", "OriginRule"]),
        out: &[Out::List("OriginRule", "OriginConfiguration.OriginRule")], get: M, put: M),
    put_get_delete!("putBucketEncryption", "getBucketEncryption", "deleteBucketEncryption", "encryption",
        "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption",
        body: rule_list("ServerSideEncryptionConfiguration", "Rule",
            &["ServerSideEncryptionConfiguration.Rule", "ServerSideEncryptionConfiguration.Rules"]),
        // The answer's root is ServerSideEncryptionConfiguration; its rules are reported as
        // EncryptionConfiguration.Rules (the official SDK reads a root that never comes, so its
        // Rules are always empty: here they are the configured ones).
        out: &[
            Out::Merge(""),
            Out::Obj("EncryptionConfiguration", "ServerSideEncryptionConfiguration"),
            Out::Fix(&list("EncryptionConfiguration", "Rule", "", "Rules")),
        ],
        get: soft("NoSuchEncryptionConfiguration"), put: M),
    put_get_delete!("putBucketPolicy", "getBucketPolicy", "deleteBucketPolicy", "policy",
        "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy",
        body: BodyRule::Json("Policy"), out: &[Out::Json("Policy")],
        get: More { error_status: &[(403, "Access Denied"), (404, "Policy Not Found"), (405, "Method Not Allowed")], ..M },
        put: M),
];

/// The other rows.
static ROWS: &[Row] = &[
    Row {
        name: "getService",
        action: "GetService",
        scope: Scope::Service,
        query: &[
            ("TagKey", "tagkey"),
            ("TagValue", "tagvalue"),
            ("CreateTime", "create-time"),
            ("CreateRange", "range"),
            ("Marker", "marker"),
            ("MaxKeys", "max-keys"),
        ],
        out: &[Out::List("Buckets", "ListAllMyBucketsResult.Buckets.Bucket"), Out::Obj("Owner", "ListAllMyBucketsResult.Owner")],
        ..R
    },
    Row {
        name: "putBucket",
        action: "PutBucket",
        verb: "PUT",
        body: &BodyRule::Fields { root: "CreateBucketConfiguration", names: &["BucketAZConfig", "BucketArchConfig"] },
        flags: LOCATION,
        ..R
    },
    Row { name: "headBucket", action: "HeadBucket", verb: "HEAD", out: &[Out::Merge("")], ..R },
    Row {
        name: "getBucket",
        action: "GetBucket",
        query: &[
            ("Prefix", "prefix"),
            ("Delimiter", "delimiter"),
            ("Marker", "marker"),
            ("MaxKeys", "max-keys"),
            ("EncodingType", "encoding-type"),
        ],
        // With EncodingType "url" the keys stay encoded, as the official SDK leaves them (code
        // written for it decodes them itself).
        out: &[
            Out::Merge("ListBucketResult"),
            Out::List("Contents", "ListBucketResult.Contents"),
            Out::List("CommonPrefixes", "ListBucketResult.CommonPrefixes"),
        ],
        flags: ALWAYS_FIRST,
        ..R
    },
    Row {
        name: "listObjectVersions",
        action: "GetBucketObjectVersions",
        sub: "versions",
        query: &[
            ("Prefix", "prefix"),
            ("Delimiter", "delimiter"),
            ("KeyMarker", "key-marker"),
            ("VersionIdMarker", "version-id-marker"),
            ("MaxKeys", "max-keys"),
            ("EncodingType", "encoding-type"),
        ],
        out: &[
            Out::Merge("ListVersionsResult"),
            Out::Fix(&list("", "DeleteMarker", "", "DeleteMarkers")),
            Out::Fix(&list("", "Version", "", "Versions")),
        ],
        flags: ALWAYS_FIRST,
        ..R
    },
    Row { name: "deleteBucket", action: "DeleteBucket", verb: "DELETE", ..R },
    Row { name: "getBucketLocation", action: "GetBucketLocation", sub: "location", out: &[Out::Merge("")], ..R },
    Row { name: "putBucketAcl", action: "PutBucketACL", verb: "PUT", sub: "acl", body: &ACL_IN, more: &ACL_MORE, ..R },
    Row { name: "getBucketAcl", action: "GetBucketACL", sub: "acl", out: &[Out::Acl(true)], ..R },
    Row {
        name: "putBucketVersioning",
        action: "PutBucketVersioning",
        verb: "PUT",
        sub: "versioning",
        body: &BodyRule::Obj { root: "VersioningConfiguration", param: "VersioningConfiguration", need: Need::Required },
        ..R
    },
    Row {
        name: "getBucketVersioning",
        action: "GetBucketVersioning",
        sub: "versioning",
        out: &[Out::Merge(""), Out::Obj("VersioningConfiguration", "VersioningConfiguration")],
        ..R
    },
    Row {
        name: "putBucketReferer",
        action: "PutBucketReferer",
        verb: "PUT",
        sub: "referer",
        body: &BodyRule::Obj { root: "RefererConfiguration", param: "RefererConfiguration", need: Need::Required },
        more: &More { fixes: &[list("DomainList", "Domains", "Domain", "Domain")], ..M },
        ..R
    },
    Row {
        name: "getBucketReferer",
        action: "GetBucketReferer",
        sub: "referer",
        out: &[
            Out::Obj("RefererConfiguration", "RefererConfiguration"),
            Out::Fix(&list("RefererConfiguration.DomainList", "Domain", "", "Domains")),
        ],
        more: &soft("NoSuchRefererConfiguration"),
        ..R
    },
    Row {
        name: "putBucketLogging",
        action: "PutBucketLogging",
        verb: "PUT",
        sub: "logging",
        body: &BodyRule::Obj { root: "BucketLoggingStatus", param: "BucketLoggingStatus", need: Need::Empty },
        ..R
    },
    Row {
        name: "getBucketLogging",
        action: "GetBucketLogging",
        sub: "logging",
        out: &[Out::Get("BucketLoggingStatus", "BucketLoggingStatus")],
        ..R
    },
    Row {
        name: "putBucketInventory",
        action: "PutBucketInventory",
        verb: "PUT",
        sub: "inventory",
        query: ID,
        body: &INVENTORY_IN_BODY,
        more: &INVENTORY_IN,
        ..R
    },
    Row {
        name: "postBucketInventory",
        action: "PostBucketInventory",
        verb: "POST",
        sub: "inventory",
        query: ID,
        body: &INVENTORY_IN_BODY,
        more: &INVENTORY_IN,
        ..R
    },
    Row {
        name: "getBucketInventory",
        action: "GetBucketInventory",
        sub: "inventory",
        query: ID,
        out: &[
            Out::Get("InventoryConfiguration", "InventoryConfiguration"),
            Out::Fix(&Fix { at: "InventoryConfiguration", from: "OptionalFields", alt: "", to: "OptionalFields", how: How::Unwrap("Field") }),
            Out::Fix(&Fix {
                at: "InventoryConfiguration.Destination.COSBucketDestination.Encryption",
                from: "SSE-COS",
                alt: "",
                to: "SSECOS",
                how: How::Rename,
            }),
        ],
        more: &NEEDS_ID,
        ..R
    },
    Row {
        name: "listBucketInventory",
        action: "ListBucketInventory",
        sub: "inventory",
        query: &[("ContinuationToken", "continuation-token")],
        out: &[
            Out::Merge("ListInventoryConfigurationResult"),
            Out::Fix(&list("", "InventoryConfiguration", "", "InventoryConfigurations")),
            Out::Fix(&Fix { at: "InventoryConfigurations", from: "OptionalFields", alt: "", to: "OptionalFields", how: How::Unwrap("Field") }),
            Out::Fix(&Fix {
                at: "InventoryConfigurations.Destination.COSBucketDestination.Encryption",
                from: "SSE-COS",
                alt: "",
                to: "SSECOS",
                how: How::Rename,
            }),
        ],
        ..R
    },
    Row { name: "deleteBucketInventory", action: "DeleteBucketInventory", verb: "DELETE", sub: "inventory", query: ID, more: &NEEDS_ID, ..R },
    Row {
        name: "putBucketAccelerate",
        action: "PutBucketAccelerate",
        verb: "PUT",
        sub: "accelerate",
        body: &BodyRule::Obj { root: "AccelerateConfiguration", param: "AccelerateConfiguration", need: Need::Required },
        ..R
    },
    Row {
        name: "getBucketAccelerate",
        action: "GetBucketAccelerate",
        sub: "accelerate",
        out: &[Out::Merge(""), Out::Obj("AccelerateConfiguration", "AccelerateConfiguration")],
        ..R
    },
    Row {
        name: "deleteMultipleObject",
        action: "DeleteObject",
        verb: "POST",
        sub: "delete",
        body: &BodyRule::List { root: "Delete", path: "Object", from: &["Objects"], extra: &[("Quiet", "Quiet", "false")] },
        out: &[Out::Merge("DeleteResult"), Out::List("Error", "DeleteResult.Error"), Out::List("Deleted", "DeleteResult.Deleted")],
        more: &More { required: &["Objects"], ..M },
        ..R
    },
    // Object level.
    Row { name: "getObjectAcl", action: "GetObjectACL", scope: Scope::Object, sub: "acl", query: VERSION, out: &[Out::Acl(false)], ..R },
    Row { name: "putObjectAcl", action: "PutObjectACL", verb: "PUT", scope: Scope::Object, sub: "acl", body: &ACL_IN, more: &ACL_MORE, ..R },
    Row {
        name: "optionsObject",
        action: "OptionsObject",
        verb: "OPTIONS",
        scope: Scope::Object,
        out: &[
            Out::Header("AccessControlAllowOrigin", "access-control-allow-origin"),
            Out::Header("AccessControlAllowMethods", "access-control-allow-methods"),
            Out::Header("AccessControlAllowHeaders", "access-control-allow-headers"),
            Out::Header("AccessControlExposeHeaders", "access-control-expose-headers"),
            Out::Header("AccessControlMaxAge", "access-control-max-age"),
        ],
        more: &More {
            headers: &[
                ("Origin", "Origin"),
                ("AccessControlRequestMethod", "Access-Control-Request-Method"),
                ("AccessControlRequestHeaders", "Access-Control-Request-Headers"),
            ],
            // A preflight COS refuses is `{OptionsForbidden: true}`, not an error.
            soft: (403, ""),
            ..M
        },
        ..R
    },
    Row {
        name: "putObjectCopy",
        action: "PutObject",
        verb: "PUT",
        scope: Scope::Object,
        query: VERSION,
        out: &[Out::Merge("CopyObjectResult")],
        more: &More { headers: COPY_HEADERS, required: &["CopySource"], ..M },
        flags: LOCATION | COPY,
        ..R
    },
    Row {
        name: "uploadPartCopy",
        action: "PutObject",
        verb: "PUT",
        scope: Scope::Object,
        query: &[("PartNumber", "partNumber"), ("UploadId", "uploadId"), ("VersionId", "versionId")],
        out: &[Out::Merge("CopyPartResult")],
        more: &More { headers: COPY_HEADERS, required: &["CopySource", "UploadId", "PartNumber"], ..M },
        flags: COPY,
        ..R
    },
    Row {
        name: "restoreObject",
        action: "RestoreObject",
        verb: "POST",
        scope: Scope::Object,
        sub: "restore",
        query: VERSION,
        body: &BodyRule::Obj { root: "RestoreRequest", param: "RestoreRequest", need: Need::Required },
        out: &[Out::Merge("")],
        ..R
    },
    Row { name: "putObjectTagging", action: "PutObjectTagging", verb: "PUT", scope: Scope::Object, sub: "tagging", query: VERSION, body: &TAGS_IN, ..R },
    Row {
        name: "getObjectTagging",
        action: "GetObjectTagging",
        scope: Scope::Object,
        sub: "tagging",
        query: VERSION,
        out: TAGS_OUT,
        more: &soft("NoSuchTagSet"),
        ..R
    },
    Row { name: "deleteObjectTagging", action: "DeleteObjectTagging", verb: "DELETE", scope: Scope::Object, sub: "tagging", query: VERSION, ..R },
];

fn rows() -> impl Iterator<Item = &'static Row> {
    CONFIG.as_flattened().iter().chain(ROWS)
}

/// The row of an official method name, including the deprecated spellings the official object
/// still has (`getBucketACL`, `putBucketCORS`, …).
pub(crate) fn lookup(name: &str) -> Option<&'static Row> {
    let (base, tail) = match (name.strip_suffix("ACL"), name.strip_suffix("CORS")) {
        (Some(b), _) => (b, "Acl"),
        (_, Some(b)) => (b, "Cors"),
        _ => (name, ""),
    };
    rows().find(|r| r.name.strip_suffix(tail) == Some(base))
}

/// The asynchronous methods of the official surface that have code of their own (`Cos::call_within`
/// runs them); with the table's rows, every method this SDK implements (in this build: the `select`
/// and `node-io` features bring their methods).
pub const HAND_WRITTEN: &[&str] = &[
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
    "abortUploadTask",
    "request",
    "sliceUploadFile",
    "uploadFile",
    "uploadFiles",
    "sliceCopyFile",
    #[cfg(feature = "select")]
    "selectObjectContent",
    #[cfg(feature = "node-io")]
    "downloadFile",
];

/// Every method name of the official surface this crate answers, comma-separated: those with code
/// of their own (`HAND_WRITTEN`), the table's, and the deprecated ACL/CORS spellings. The JS class can
/// define its methods from this one list (one string crosses the wasm boundary cheaply).
pub fn names() -> String {
    let mut out = String::new();
    let mut add = |parts: &[&str]| {
        if !out.is_empty() {
            out.push(',');
        }
        parts.iter().for_each(|p| out.push_str(p));
    };
    for n in HAND_WRITTEN.iter().chain(rows().map(|r| &r.name)) {
        add(&[n]);
    }
    for r in rows() {
        for (tail, old) in [("Acl", "ACL"), ("Cors", "CORS")] {
            if let Some(base) = r.name.strip_suffix(tail) {
                add(&[base, old]);
            }
        }
    }
    out
}

/// One request, ready for any engine to sign and send.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RequestPlan {
    pub action: &'static str,
    pub verb: &'static str,
    /// Empty for `getService`.
    pub bucket: String,
    pub region: String,
    /// Empty below object level.
    pub key: String,
    /// The host to send to instead of the bucket's (`getService`'s service endpoint).
    pub host: Option<String>,
    /// Sub-resource first (value `""`: sent bare).
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// JS truthiness, which the official SDK's `a || b` defaults use.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Num(n) => *n != 0.0 && !n.is_nan(),
        Value::Str(s) => !s.is_empty(),
        _ => true,
    }
}

/// One value or an array of them, as an array.
fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Arr(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// The value at a dotted path (`""`: `v` itself), through objects only.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |v, seg| v.get(seg))
}

/// Applies `fix` to every object at `path` of `v`, walking through arrays on the way.
fn apply(v: &mut Value, path: &str, fix: &Fix) {
    match v {
        Value::Arr(items) => items.iter_mut().for_each(|it| apply(it, path, fix)),
        Value::Obj(_) if path.is_empty() => fix_one(v, fix),
        Value::Obj(fields) => {
            let (head, rest) = path.split_once('.').unwrap_or((path, ""));
            if let Some((_, child)) = fields.iter_mut().find(|(k, _)| k == head) {
                apply(child, rest, fix);
            }
        }
        _ => {}
    }
}

fn fix_one(o: &mut Value, fix: &Fix) {
    let given = |n: &str| o.get(n).filter(|x| truthy(x));
    let found = match fix.how {
        How::Unwrap(child) => o.get(fix.from).and_then(|x| x.get(child)),
        How::Rename => o.get(fix.from),
        How::List | How::Wrap(_) => given(fix.from).or_else(|| given(fix.alt)),
    }
    .cloned();
    if found.is_none() && matches!(fix.how, How::Unwrap(_) | How::Rename) {
        return;
    }
    for n in [fix.from, fix.alt] {
        if n != fix.to {
            o.remove(n);
        }
    }
    let v = match (fix.how, found) {
        (How::Wrap(child), Some(v)) if !matches!(&v, Value::Arr(a) if a.is_empty()) => Value::Obj(vec![(child.to_string(), v)]),
        (How::Wrap(_), _) => {
            o.remove(fix.to);
            return;
        }
        (How::Rename, Some(v)) => v,
        (_, v) => Value::Arr(v.as_ref().map(as_list).unwrap_or_default()),
    };
    o.set(fix.to, v);
}

/// Validates params and builds the request of a row. Errors name the parameter.
pub(crate) fn build(row: &Row, params: &Value) -> Result<RequestPlan> {
    let Value::Obj(fields) = params else { return Err(CosError::param("params should be an object")) };
    let (mut bucket, mut region, mut key, mut host) = (String::new(), String::new(), String::new(), None);
    match row.scope {
        Scope::Service => {
            // The service endpoint: the region's when one is given, else the global one.
            let r = params::opt_str(params, "Region")?;
            if r.as_deref().is_some_and(|r| !params::is_valid_region(r)) {
                return Err(CosError::param("Region format error."));
            }
            host = Some(r.map_or("service.cos.myqcloud.com".into(), |r| params::concat_msg(&["cos.", &r, ".myqcloud.com"])));
        }
        Scope::Bucket => (bucket, region) = params::bucket_region(params, true)?,
        Scope::Object => {
            let t = params::target(params, true)?;
            (bucket, region, key) = (t.bucket, t.region, t.key);
        }
    }
    for name in row.more.required {
        if !params.get(name).is_some_and(truthy) {
            return Err(CosError::missing(name));
        }
    }
    if row.flags & COPY != 0 {
        if !copy_source_ok(params.get("CopySource").and_then(Value::as_str).unwrap_or("")) {
            return Err(CosError::param("CopySource format error"));
        }
        if params::uint(params, "PartNumber")?.is_some_and(|n| !(1..=10_000).contains(&n)) {
            return Err(CosError::param("param PartNumber should be an integer from 1 to 10000"));
        }
    }
    // Object params (a Tagging body, a policy) are not header params of the same name.
    let scalars = Value::Obj(fields.iter().filter(|(k, v)| k == "Headers" || !matches!(v, Value::Obj(_) | Value::Arr(_))).cloned().collect());
    let mut headers = params::headers(&scalars)?;
    for (param, header) in row.more.headers {
        if let Some(v) = text(params, param)? {
            put_header(&mut headers, header, v);
        }
    }
    if row.sub == "acl" {
        // Grant lists are sent without repeats, as the official SDK sends them.
        for (k, v) in headers.iter_mut() {
            if k.starts_with("x-cos-grant-") {
                *v = uniq_grant(v);
            }
        }
    }
    let mut query = Vec::new();
    if !row.sub.is_empty() {
        query.push((row.sub.to_string(), String::new()));
    }
    for (i, (param, name)) in row.query.iter().enumerate() {
        let v = text(params, param)?;
        if v.is_some() || (i == 0 && row.flags & ALWAYS_FIRST != 0) {
            query.push((name.to_string(), v.unwrap_or_default()));
        }
    }
    let (body, json) = body(row, params)?;
    if !body.is_empty() {
        put_header(&mut headers, "Content-Type", if json { "application/json" } else { "application/xml" }.into());
        put_header(&mut headers, "Content-MD5", base64(&Digests::of(body.as_bytes()).md5));
        put_header(&mut headers, "Content-Length", body.len().to_string());
    }
    Ok(RequestPlan { action: row.action, verb: row.verb, bucket, region, key, host, query, headers, body: body.into_bytes() })
}

/// A param as the official SDK stringifies it for a header or the query; absent or null: `None`.
fn text(params: &Value, name: &str) -> Result<Option<String>> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.to_param_string().map(Some).ok_or_else(|| CosError::param(params::concat_msg(&["param ", name, " should be a string"]))),
    }
}

/// The body text (empty: no body) and whether it is JSON.
fn body(row: &Row, params: &Value) -> Result<(String, bool)> {
    let (root, mut content) = match *row.body {
        BodyRule::None => return Ok((String::new(), false)),
        BodyRule::Json(param) => {
            let v = match params.get(param) {
                Some(Value::Str(s)) => json_parse(s),
                v => v.cloned(),
            };
            let Some(v @ (Value::Obj(_) | Value::Arr(_))) = v else {
                return Err(CosError::param(params::concat_msg(&[param, " format error"])));
            };
            let mut s = String::new();
            json_write(&v, &mut s);
            return Ok((s, true));
        }
        BodyRule::Obj { root, param, need } => match (params.get(param).filter(|v| !v.is_null()), need) {
            (Some(v), _) => (root, v.clone()),
            (None, Need::Required) => return Err(CosError::missing(param)),
            (None, Need::Optional) => return Ok((String::new(), false)),
            (None, Need::Empty) => (root, Value::str("")),
        },
        BodyRule::List { root, path, from, extra } => {
            let items = from.iter().find_map(|p| at(params, p).filter(|v| truthy(v))).map(as_list).unwrap_or_default();
            let mut content = Value::Arr(items);
            for seg in path.rsplit('.') {
                content = Value::Obj(vec![(seg.to_string(), content)]);
            }
            for (element, param, default) in extra {
                match params.get(param).filter(|v| truthy(v)) {
                    Some(v) => content.set(element, v.clone()),
                    None if !default.is_empty() => content.set(element, Value::str(*default)),
                    None => {}
                }
            }
            (root, content)
        }
        BodyRule::Fields { root, names } => {
            let c = Value::Obj(names.iter().filter_map(|n| Some((n.to_string(), params.get(n).filter(|v| truthy(v))?.clone()))).collect());
            if c.entries().is_empty() {
                return Ok((String::new(), false));
            }
            (root, c)
        }
    };
    for f in row.more.fixes {
        apply(&mut content, f.at, f);
    }
    let mut s = String::new();
    xml::write(root, &content, row.more.renames, &mut s);
    Ok((s, false))
}

/// `bucket-appid.cos[v6|-cdc|-cdz|-internal].region.(myqcloud.com|tencentcos.cn)/key`, the
/// source form the official SDK accepts.
fn copy_source_ok(s: &str) -> bool {
    let Some((host, key)) = s.split_once('/') else { return false };
    let mut it = host.splitn(4, '.');
    let (Some(bucket), Some(cos), Some(region), Some(domain)) = (it.next(), it.next(), it.next(), it.next()) else {
        return false;
    };
    !key.is_empty()
        && bucket
            .rsplit_once('-')
            .is_some_and(|(n, id)| !n.is_empty() && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        && matches!(cos, "cos" | "cosv6" | "cos-cdc" | "cos-cdz" | "cos-internal")
        && !region.is_empty()
        && matches!(domain, "myqcloud.com" | "tencentcos.cn")
}

/// `a, b,a` → `a,b`: a comma list trimmed and without repeats.
fn uniq_grant(s: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = String::new();
    for item in s.split(',').map(str::trim) {
        if !seen.contains(&item) {
            if !seen.is_empty() {
                out.push(',');
            }
            out.push_str(item);
            seen.push(item);
        }
    }
    out
}

/// The official `data` of a successful answer. A 2xx whose body is `<Error>` is an error.
pub(crate) fn shape(row: &Row, resp: &HttpResponse) -> Result<Value> {
    let text = core::str::from_utf8(&resp.body).map_err(|_| protocol_error(resp, "response is not UTF-8"))?;
    let json = row.out.iter().any(|o| matches!(o, Out::Json(_)));
    let doc = if !json && text.trim_start().starts_with('<') {
        xml::parse(text).map_err(|e| protocol_error(resp, &e.message))?
    } else {
        Value::obj()
    };
    if doc.get("Error").is_some() {
        return Err(decode_error(resp.status, &resp.headers, &resp.body));
    }
    Ok(fill(row, resp, &doc, text))
}

/// The official SDK's data for the error answers it reports as success (an unset configuration is
/// its empty shape; a refused preflight is `{OptionsForbidden: true}`), else `None`.
pub(crate) fn recover(row: &Row, err: &CosError) -> Option<Value> {
    let (status, code) = row.more.soft;
    if status == 0 || err.status_code != Some(status) || !(code.is_empty() || err.code == code) {
        return None;
    }
    let resp = HttpResponse { status, headers: err.headers.clone(), ..HttpResponse::default() };
    let mut data = fill(row, &resp, &Value::obj(), "");
    if status == 403 {
        data.set("OptionsForbidden", Value::Bool(true));
    }
    Some(data)
}

/// The official SDKs' `ErrorStatus` on errors of some methods, which code ported from them reads.
fn with_error_status(row: &Row, mut err: CosError) -> CosError {
    if let Some((_, status)) = row.more.error_status.iter().find(|(s, _)| err.status_code == Some(*s)) {
        err.error_status = Some((*status).into());
    }
    err
}

fn fill(row: &Row, resp: &HttpResponse, doc: &Value, text: &str) -> Value {
    let mut data = base_data(resp);
    if let Some(m) = resp.header("x-cos-delete-marker") {
        data.set("DeleteMarker", m.into());
    }
    for o in row.out {
        match *o {
            Out::Merge(p) => {
                for (k, v) in at(doc, p).map(Value::entries).unwrap_or_default() {
                    data.set(k, v.clone());
                }
            }
            Out::Get(n, p) => {
                if let Some(v) = at(doc, p) {
                    data.set(n, v.clone());
                }
            }
            Out::Obj(n, p) => data.set(
                n,
                match at(doc, p) {
                    Some(v @ Value::Obj(_)) => v.clone(),
                    _ => Value::obj(),
                },
            ),
            Out::List(n, p) => data.set(n, Value::Arr(at(doc, p).filter(|v| truthy(v)).map(as_list).unwrap_or_default())),
            Out::Fix(f) => apply(&mut data, f.at, f),
            Out::Header(n, h) => {
                if let Some(v) = resp.header(h) {
                    data.set(n, v.into());
                }
            }
            Out::Acl(with_write) => acl(doc, &mut data, with_write, resp.header("x-cos-acl")),
            Out::Json(n) => data.set(n, json_parse(text).unwrap_or_else(Value::obj)),
        }
    }
    data
}

/// ACL answers as the official SDK reports them: the canned ACL the grants amount to (or the
/// `x-cos-acl` header), each permission's non-owner grantees as an `id="…"` list, Owner, Grants.
fn acl(doc: &Value, data: &mut Value, with_write: bool, header: Option<&str>) {
    const PERMS: [(&str, &str); 5] = [
        ("FULL_CONTROL", "GrantFullControl"),
        ("WRITE", "GrantWrite"),
        ("READ", "GrantRead"),
        ("READ_ACP", "GrantReadAcp"),
        ("WRITE_ACP", "GrantWriteAcp"),
    ];
    let policy = doc.get("AccessControlPolicy");
    let owner = policy.and_then(|p| p.get("Owner")).filter(|v| truthy(v)).cloned().unwrap_or_else(Value::obj);
    let grants = policy.and_then(|p| at(p, "AccessControlList.Grant")).filter(|v| truthy(v)).map(as_list).unwrap_or_default();
    let owner_id = owner.get("ID").and_then(Value::as_str);
    let mut lists: [String; 5] = Default::default();
    let mut public = [false; 5];
    for g in &grants {
        let grantee = g.get("Grantee");
        let id = grantee.and_then(|x| x.get("ID")).and_then(Value::as_str);
        let everyone = id == Some("qcs::cam::anyone:anyone")
            || grantee.and_then(|x| x.get("URI")).and_then(Value::as_str).is_some_and(|u| u.ends_with("/groups/global/AllUsers"));
        let perm = g.get("Permission").and_then(Value::as_str).unwrap_or("");
        let Some(i) = PERMS.iter().position(|(p, _)| *p == perm) else { continue };
        if everyone {
            public[i] = true;
        } else if let Some(id) = id.filter(|id| Some(*id) != owner_id) {
            let l = &mut lists[i];
            for part in [if l.is_empty() { "" } else { "," }, "id=\"", id, "\""] {
                l.push_str(part);
            }
        }
    }
    for (i, (_, name)) in PERMS.iter().enumerate() {
        if i != 1 || with_write {
            data.set(name, uniq_grant(&lists[i]).into());
        }
    }
    let canned = if public[0] || (public[1] && public[2]) {
        "public-read-write"
    } else if public[2] {
        "public-read"
    } else {
        "private"
    };
    data.set("ACL", header.unwrap_or(canned).into());
    data.set("Owner", owner);
    data.set("Grants", Value::Arr(grants));
}

/// JSON text of a value, as `JSON.stringify` writes it.
fn json_write(v: &Value, out: &mut String) {
    match v {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) if n.is_finite() => out.push_str(&num_to_string(*n)),
        Value::Str(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if (c as u32) < 0x20 => {
                        out.push_str("\\u00");
                        for d in [c as u32 >> 4, c as u32 & 15] {
                            out.push(char::from_digit(d, 16).unwrap_or('0'));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        Value::Arr(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_write(it, out);
            }
            out.push(']');
        }
        Value::Obj(fields) => {
            out.push('{');
            for (i, (k, it)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_write(&Value::Str(k.clone()), out);
                out.push(':');
                json_write(it, out);
            }
            out.push('}');
        }
        _ => out.push_str("null"),
    }
}

/// Parses JSON text (`None` when it is not JSON). Nesting is bounded, as in the XML parser.
pub(crate) fn json_parse(text: &str) -> Option<Value> {
    let mut p = Json { s: text.as_bytes(), src: text, i: 0 };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

struct Json<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
}

impl Json<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        let hit = self.s.get(self.i) == Some(&b);
        self.i += usize::from(hit);
        hit
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.ws();
        let open = *self.s.get(self.i)?;
        let word = |w: &str, v: Value| self.s[self.i..].starts_with(w.as_bytes()).then_some((w.len(), v));
        let (len, v) = match open {
            b'"' => return self.string().map(Value::Str),
            b't' => word("true", Value::Bool(true))?,
            b'f' => word("false", Value::Bool(false))?,
            b'n' => word("null", Value::Null)?,
            b'{' | b'[' if depth < xml::MAX_DEPTH => {
                self.i += 1;
                let close = open + 2; // `}` and `]` follow `{` and `[` by two code points
                let mut v = if open == b'{' { Value::obj() } else { Value::Arr(Vec::new()) };
                let mut first = true;
                while !self.eat(close) {
                    if !first && !self.eat(b',') {
                        return None;
                    }
                    first = false;
                    if let Value::Arr(items) = &mut v {
                        items.push(self.value(depth + 1)?);
                    } else {
                        self.ws();
                        let k = self.string()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        let x = self.value(depth + 1)?;
                        v.set(&k, x);
                    }
                }
                return Some(v);
            }
            _ => {
                let start = self.i;
                while matches!(self.s.get(self.i), Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')) {
                    self.i += 1;
                }
                return parse_number(self.src.get(start..self.i)?).map(Value::Num);
            }
        };
        self.i += len;
        Some(v)
    }

    fn string(&mut self) -> Option<String> {
        if self.s.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.s.get(self.i).is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20) {
                self.i += 1;
            }
            // Stops only at ASCII bytes, so the slice is on char boundaries.
            out.push_str(self.src.get(start..self.i)?);
            match *self.s.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    let e = *self.s.get(self.i + 1)?;
                    self.i += 2;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
                                self.i += 2;
                                let lo = self.hex4()?;
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + lo.wrapping_sub(0xDC00))
                            } else {
                                char::from_u32(hi)
                            };
                            c.unwrap_or('\u{fffd}')
                        }
                        _ => return None,
                    });
                }
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.src.get(self.i..self.i + 4)?;
        self.i += 4;
        u32::from_str_radix(h, 16).ok()
    }
}

/// Runs a row on today's engine: one request through [`Client::request`] (signing, retries).
pub(crate) async fn call<H: Host>(c: &Client<H>, row: &'static Row, params: &Value, abort: Option<&crate::client::AbortScope>) -> Result<Value> {
    let RequestPlan { action, verb, bucket, region, key, mut host, query, headers, body } = build(row, params)?;
    // `ServiceDomain` replaces the service endpoint (a private or local COS), without its scheme:
    // the instance's protocol applies.
    let opts = c.opts();
    let service = opts.service_domain.as_str();
    if row.scope == Scope::Service && !service.is_empty() {
        let mut bare = service;
        while let Some(rest) = bare.strip_prefix("https://") {
            bare = rest;
        }
        while let Some(rest) = bare.strip_prefix("http://") {
            bare = rest;
        }
        let bare = bare.trim_end_matches('/');
        let r = params::opt_str(params, "Region")?.unwrap_or_default();
        host = Some(crate::text::replace(bare, "{Region}", &r));
    }
    let mut req = Req::new(action, verb, &bucket, &region, &key);
    req.host = host.as_deref();
    req.query = query;
    req.headers = headers;
    if !body.is_empty() {
        req.body = Body::Bytes(body);
    }
    req.abort = abort;
    let dialect = c.dialect.get();
    let mut data = match c.request(req).await {
        Ok(resp) => shape(row, &resp)?,
        Err(e) => match recover(row, &e) {
            Some(data) => data,
            None => return Err(as_host_says(row, with_error_status(row, e), dialect)),
        },
    };
    add_location(c, row, &mut data, &bucket, &region, &key);
    match dialect {
        // cos-nodejs-sdk-v5's refused preflight is `{OptionsForbidden, statusCode}` alone.
        Dialect::Node if data.get("OptionsForbidden").is_some() => {
            data.remove("headers");
            data.remove("RequestId");
        }
        // cos-wx-sdk-v5 decodes an object's ACL as a bucket's: GrantWrite is there, empty.
        Dialect::MiniProgram if row.out.iter().any(|o| matches!(o, Out::Acl(false))) => data.set("GrantWrite", "".into()),
        _ => {}
    }
    Ok(data)
}

/// An error as the host's official SDK reports it where they differ: cos-nodejs-sdk-v5 answers a
/// missing bucket policy as code "404", "Policy Not found", with the request's fields copied into
/// `err.error` (code ported from it tests `err.code === '404'`).
fn as_host_says(row: &Row, mut err: CosError, dialect: Dialect) -> CosError {
    let missing_policy = matches!(err.code.as_str(), "NoSuchPolicy" | "NoSuchPolicyVersion");
    if dialect == Dialect::Node && row.name == "getBucketPolicy" && missing_policy {
        err.code = "404".into();
        err.message = "Policy Not found".into();
        let outer = err.to_value();
        let mut inner = err.error_value();
        for k in ["code", "message", "statusCode", "headers", "url", "method", "ErrorStatus"] {
            if let Some(v) = outer.get(k) {
                inner.set(k, v.clone());
            }
        }
        err.error = Some(inner);
    }
    err
}

/// The `Location` a row's data carries, as the host's official SDK gives it (of the three, only
/// cos-js-sdk-v5 gives a copy one).
pub(crate) fn add_location<H: Host>(c: &Client<H>, row: &Row, data: &mut Value, bucket: &str, region: &str, key: &str) {
    let copy_without_location = row.flags & COPY != 0 && c.dialect.get() != Dialect::Browser;
    if row.flags & LOCATION != 0 && !copy_without_location {
        data.set("Location", c.location(bucket, region, key).into());
    }
}

#[cfg(test)]
mod tests {
    //! Expectations are what the official SDK (cos-js-sdk-v5) sends and returns for the same
    //! params and answers: request line, query, headers (Content-MD5 included, so the body bytes
    //! are the official ones), body XML and `data`.
    use super::*;
    use crate::params::get_header;

    fn j(s: &str) -> Value {
        json_parse(s).unwrap_or_else(|| panic!("bad JSON in test: {s}"))
    }

    /// Params on the example bucket, plus `extra` (`,"Key":"a"…`).
    fn p(extra: &str) -> Value {
        j(&["{\"Bucket\":\"examplebucket-1250000000\",\"Region\":\"ap-guangzhou\"", extra, "}"].concat())
    }

    fn plan(name: &str, params: &Value) -> RequestPlan {
        build(lookup(name).unwrap(), params).unwrap_or_else(|e| panic!("{name}: {}", e.message))
    }

    fn err(name: &str, params: &Value) -> String {
        build(lookup(name).unwrap(), params).unwrap_err().message.clone()
    }

    fn resp(status: u16, extra_headers: &[(&str, &str)], body: &str) -> HttpResponse {
        let mut headers = vec![("x-cos-request-id".to_string(), "rid".to_string())];
        headers.extend(extra_headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        HttpResponse { status, headers, body: body.as_bytes().to_vec(), native_body: None, written: None }
    }

    fn answer(name: &str, body: &str) -> Value {
        shape(lookup(name).unwrap(), &resp(200, &[], body)).unwrap()
    }

    /// Objects compared regardless of key order (JS objects compare that way in deep equality).
    fn canon(v: &Value) -> Value {
        match v {
            Value::Obj(f) => {
                let mut f: Vec<(String, Value)> = f.iter().map(|(k, v)| (k.clone(), canon(v))).collect();
                f.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Obj(f)
            }
            Value::Arr(a) => Value::Arr(a.iter().map(canon).collect()),
            o => o.clone(),
        }
    }

    #[track_caller]
    fn same(got: &Value, want: &str) {
        let base = r#""statusCode":200,"headers":{"x-cos-request-id":"rid"},"RequestId":"rid""#;
        let want = j(&want.replace("BASE", base));
        assert_eq!(canon(got), canon(&want), "\n got: {}\nwant: {}", show(got), show(&want));
    }

    fn show(v: &Value) -> String {
        let mut s = String::new();
        json_write(v, &mut s);
        s
    }

    fn query(p: &RequestPlan) -> Vec<(&str, &str)> {
        p.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    fn body(p: &RequestPlan) -> &str {
        core::str::from_utf8(&p.body).unwrap()
    }

    #[test]
    fn get_bucket_sends_every_listing_param_and_keeps_url_encoded_names() {
        let pl = plan(
            "getBucket",
            &p(r#","Prefix":"a/","Delimiter":"/","Marker":"m","MaxKeys":10,"EncodingType":"url""#),
        );
        assert_eq!((pl.verb, pl.bucket.as_str(), pl.region.as_str(), pl.key.as_str()), ("GET", "examplebucket-1250000000", "ap-guangzhou", ""));
        assert_eq!(query(&pl), [("prefix", "a/"), ("delimiter", "/"), ("marker", "m"), ("max-keys", "10"), ("encoding-type", "url")]);
        assert!(pl.headers.is_empty() && pl.body.is_empty());
        // No params: prefix is still sent, empty.
        assert_eq!(query(&plan("getBucket", &p(""))), [("prefix", "")]);
        // One Contents / CommonPrefixes element still comes back as an array; names encoded by
        // EncodingType stay encoded, as the official SDK returns them.
        let d = answer(
            "getBucket",
            "<ListBucketResult><Name>b-1</Name><Prefix>a%2F</Prefix><IsTruncated>false</IsTruncated><Contents><Key>a%2Fx%20y</Key><Size>3</Size></Contents><CommonPrefixes><Prefix>a%2Fd%2F</Prefix></CommonPrefixes></ListBucketResult>",
        );
        same(&d, r#"{"Name":"b-1","Prefix":"a%2F","IsTruncated":"false","Contents":[{"Key":"a%2Fx%20y","Size":"3"}],"CommonPrefixes":[{"Prefix":"a%2Fd%2F"}],BASE}"#);
        // An empty bucket: both lists empty.
        same(&answer("getBucket", "<ListBucketResult><Name>b-1</Name></ListBucketResult>"), r#"{"Name":"b-1","Contents":[],"CommonPrefixes":[],BASE}"#);
        assert_eq!(err("getBucket", &j(r#"{"Region":"ap-guangzhou"}"#)), "missing param Bucket");
    }

    #[test]
    fn delete_multiple_object_body_md5_and_result_lists() {
        let pl = plan("deleteMultipleObject", &p(r#","Objects":[{"Key":"1.jpg"},{"Key":"a&b.txt","VersionId":"v1"}]"#));
        assert_eq!((pl.verb, query(&pl)), ("POST", vec![("delete", "")]));
        assert_eq!(body(&pl), "<Delete><Object><Key>1.jpg</Key></Object><Object><Key>a&amp;b.txt</Key><VersionId>v1</VersionId></Object><Quiet>false</Quiet></Delete>");
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("HLgCvw6tjDP00/AWlZlgfw=="));
        assert_eq!(get_header(&pl.headers, "Content-Type"), Some("application/xml"));
        // One object, not in an array; Quiet.
        let pl = plan("deleteMultipleObject", &p(r#","Objects":{"Key":"x"},"Quiet":true"#));
        assert_eq!(body(&pl), "<Delete><Object><Key>x</Key></Object><Quiet>true</Quiet></Delete>");
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("G9++rBndjO3bvModEcIgYw=="));
        assert_eq!(err("deleteMultipleObject", &p("")), "missing param Objects");
        let d = answer(
            "deleteMultipleObject",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult><Deleted><Key>1.jpg</Key></Deleted><Error><Key>a&amp;b.txt</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>",
        );
        same(&d, r#"{"Deleted":[{"Key":"1.jpg"}],"Error":[{"Key":"a&b.txt","Code":"AccessDenied","Message":"no"}],BASE}"#);
        same(&answer("deleteMultipleObject", "<DeleteResult/>"), r#"{"Deleted":[],"Error":[],BASE}"#);
    }

    #[test]
    fn a_missing_policy_is_answered_as_each_host_official_sdk_does() {
        let row = lookup("getBucketPolicy").unwrap();
        let e = decode_error(404, &resp(404, &[], "").headers, b"<Error><Code>NoSuchPolicy</Code><Message>none</Message></Error>");
        let e = with_error_status(row, e);
        // Browsers and mini-programs: COS's code and message.
        let browser = as_host_says(row, e.clone(), Dialect::Browser);
        assert_eq!((browser.code.as_str(), browser.message.as_str()), ("NoSuchPolicy", "none"));
        // Node: "404", and err.error also carries the request's fields.
        let node = as_host_says(row, e, Dialect::Node);
        assert_eq!((node.code.as_str(), node.message.as_str()), ("404", "Policy Not found"));
        let inner = node.error_value();
        assert_eq!(inner.get("Code").and_then(Value::as_str), Some("NoSuchPolicy"));
        assert_eq!(inner.get("code").and_then(Value::as_str), Some("404"));
        assert_eq!(inner.get("statusCode"), Some(&Value::Num(404.0)));
        assert_eq!(inner.get("ErrorStatus").and_then(Value::as_str), Some("Policy Not Found"));
        // Other methods' errors are left alone.
        let other = decode_error(404, &[], b"<Error><Code>NoSuchPolicy</Code></Error>");
        assert_eq!(as_host_says(lookup("getBucketCors").unwrap(), other, Dialect::Node).code, "NoSuchPolicy");
    }

    #[test]
    fn bucket_cors_round_trip() {
        // Params may spell the lists in the plural and give single values; the wire has one
        // singular element per value.
        let pl = plan(
            "putBucketCors",
            &p(r#","CORSRules":[{"AllowedOrigins":["https://a.com","https://b.com"],"AllowedMethod":"PUT","AllowedHeaders":"*","ExposeHeader":["ETag"],"MaxAgeSeconds":"5","ID":"r1"}],"ResponseVary":"true""#),
        );
        assert_eq!((pl.verb, query(&pl)), ("PUT", vec![("cors", "")]));
        assert_eq!(body(&pl), "<CORSConfiguration><CORSRule><AllowedMethod>PUT</AllowedMethod><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>5</MaxAgeSeconds><ID>r1</ID><AllowedOrigin>https://a.com</AllowedOrigin><AllowedOrigin>https://b.com</AllowedOrigin><AllowedHeader>*</AllowedHeader></CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>");
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("C/EI95LPGGjPed9rJtZfaw=="));
        // The same rules nested in CORSConfiguration.
        let nested = plan("putBucketCors", &p(r#","CORSConfiguration":{"CORSRules":{"AllowedOrigin":"*","AllowedMethods":["GET"]}}"#));
        assert_eq!(body(&nested), "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>");
        // Answers: plural names, always arrays.
        let d = answer("getBucketCors", "<CORSConfiguration><CORSRule><ID>r1</ID><AllowedOrigin>https://a.com</AllowedOrigin><AllowedOrigin>https://b.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>5</MaxAgeSeconds></CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>");
        same(&d, r#"{"CORSRules":[{"ID":"r1","MaxAgeSeconds":"5","AllowedOrigins":["https://a.com","https://b.com"],"AllowedHeaders":["*"],"AllowedMethods":["PUT"],"ExposeHeaders":["ETag"]}],"ResponseVary":"true",BASE}"#);
        // No configuration: the official SDK answers data, not an error.
        let row = lookup("getBucketCors").unwrap();
        let e = decode_error(404, &resp(404, &[], "").headers, b"<Error><Code>NoSuchCORSConfiguration</Code><Message>none</Message></Error>");
        let d = recover(row, &e).unwrap();
        assert_eq!(canon(&d), canon(&j(r#"{"CORSRules":[],"statusCode":404,"headers":{"x-cos-request-id":"rid"},"RequestId":"rid"}"#)));
        let other = decode_error(404, &[], b"<Error><Code>NoSuchBucket</Code></Error>");
        assert!(recover(row, &other).is_none());
    }

    #[test]
    fn bucket_lifecycle_body() {
        let pl = plan(
            "putBucketLifecycle",
            &p(r#","Rules":[{"ID":"1","Status":"Enabled","Filter":{},"Transition":{"Days":30,"StorageClass":"STANDARD_IA"}},{"ID":"2","Status":"Enabled","Filter":{"Prefix":"tmp/"},"Expiration":{"Days":7}}]"#),
        );
        assert_eq!(body(&pl), "<LifecycleConfiguration><Rule><ID>1</ID><Status>Enabled</Status><Filter></Filter><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition></Rule><Rule><ID>2</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>7</Days></Expiration></Rule></LifecycleConfiguration>");
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("kALHdW3VaIcotZXAove7gg=="));
        assert_eq!(query(&pl), [("lifecycle", "")]);
        same(&answer("getBucketLifecycle", "<LifecycleConfiguration><Rule><ID>1</ID></Rule></LifecycleConfiguration>"), r#"{"Rules":[{"ID":"1"}],BASE}"#);
    }

    #[test]
    fn bucket_policy_is_json_both_ways() {
        let body_text = r#"{"Statement":[{"Action":["name/cos:GetObject"],"Effect":"allow","Principal":{"qcs":["qcs::cam::anyone:anyone"]},"Resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/*"]}],"version":"2.0"}"#;
        let d = shape(lookup("getBucketPolicy").unwrap(), &resp(200, &[], body_text)).unwrap();
        same(&d, &[r#"{"Policy":"#, body_text, ",BASE}"].concat());
        // Not JSON: an empty policy, as the official SDK gives.
        same(&shape(lookup("getBucketPolicy").unwrap(), &resp(200, &[], "oops")).unwrap(), r#"{"Policy":{},BASE}"#);
        // An object is sent as its JSON text; JSON text is normalised (parsed and written again).
        let pl = plan("putBucketPolicy", &p(r#","Policy":{"version":"2.0","Statement":[{"Effect":"allow","Principal":{"qcs":["qcs::cam::uin/1:uin/1"]},"Action":["name/cos:GetObject"],"Resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/*"]}]}"#));
        assert_eq!(get_header(&pl.headers, "Content-Type"), Some("application/json"));
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("JSZJkBAtw1b7tur14rkjGA=="));
        let text = Value::str(r#"{ "version": "2.0", "a": [1, 2.5, true, null, "x\"y"] }"#);
        let mut params = p("");
        params.set("Policy", text);
        let pl = plan("putBucketPolicy", &params);
        assert_eq!(body(&pl), r#"{"version":"2.0","a":[1,2.5,true,null,"x\"y"]}"#);
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("2xxztwTN7pXSTABR4RuhZg=="));
        assert_eq!(err("putBucketPolicy", &p(r#","Policy":"not json""#)), "Policy format error");
        assert_eq!(err("putBucketPolicy", &p("")), "Policy format error");
    }

    #[test]
    fn object_tagging_round_trip() {
        let pl = plan("putObjectTagging", &p(r#","Key":"dir/a.txt","Tags":[{"Key":"k1","Value":"v1"},{"Key":"k2","Value":"v&2"}]"#));
        assert_eq!((pl.verb, pl.key.as_str(), query(&pl)), ("PUT", "dir/a.txt", vec![("tagging", "")]));
        assert_eq!(body(&pl), "<Tagging><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k2</Key><Value>v&amp;2</Value></Tag></TagSet></Tagging>");
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("/7Dn6zGqIKHD++rw2+KRnA=="));
        // Tagging.TagSet, with a version: the object param is not the x-cos-tagging header.
        let pl = plan("putObjectTagging", &p(r#","Key":"a.txt","VersionId":"v9","Tagging":{"TagSet":[{"Key":"k1","Value":"v1"},{"Key":"k2","Value":"v2"}]}"#));
        assert_eq!(query(&pl), [("tagging", ""), ("versionId", "v9")]);
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("vx4wVOIQO1ZhjveXmdNp8g=="));
        assert_eq!(get_header(&pl.headers, "x-cos-tagging"), None);
        let g = plan("getObjectTagging", &p(r#","Key":"dir/a.txt","VersionId":"v9""#));
        assert_eq!((g.verb, query(&g)), ("GET", vec![("tagging", ""), ("versionId", "v9")]));
        same(&answer("getObjectTagging", "<Tagging><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag></TagSet></Tagging>"), r#"{"Tags":[{"Key":"k1","Value":"v1"}],BASE}"#);
        same(&answer("getObjectTagging", "<Tagging><TagSet/></Tagging>"), r#"{"Tags":[],BASE}"#);
        assert_eq!(err("getObjectTagging", &p("")), "missing param Key");
    }

    #[test]
    fn object_copy_headers_and_result() {
        let pl = plan(
            "putObjectCopy",
            &p(r#","Key":"b.txt","CopySource":"src-1250000000.cos.ap-beijing.myqcloud.com/dir/a%20b.txt","MetadataDirective":"Replaced","CopySourceIfMatch":"\"e\"","StorageClass":"STANDARD_IA""#),
        );
        assert_eq!((pl.verb, pl.key.as_str(), pl.query.len(), pl.body.len()), ("PUT", "b.txt", 0, 0));
        let mut h = pl.headers.clone();
        h.sort();
        assert_eq!(
            h,
            [
                ("x-cos-copy-source", "src-1250000000.cos.ap-beijing.myqcloud.com/dir/a%20b.txt"),
                ("x-cos-copy-source-If-Match", "\"e\""),
                ("x-cos-metadata-directive", "Replaced"),
                ("x-cos-storage-class", "STANDARD_IA"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        let d = answer("putObjectCopy", "<CopyObjectResult><ETag>\"e2\"</ETag><CRC64>123</CRC64><LastModified>2024-01-01T00:00:00.000Z</LastModified></CopyObjectResult>");
        same(&d, r#"{"ETag":"\"e2\"","CRC64":"123","LastModified":"2024-01-01T00:00:00.000Z",BASE}"#);
        assert_ne!(lookup("putObjectCopy").unwrap().flags & LOCATION, 0);
        // COS may answer 200 and fail the copy in the body: an error, never a success.
        let e = shape(lookup("putObjectCopy").unwrap(), &resp(200, &[], "<Error><Code>InternalError</Code><Message>copy failed</Message></Error>")).unwrap_err();
        assert_eq!((e.code.as_str(), e.status_code), ("InternalError", Some(200)));
        for bad in ["bad/a.txt", "src.cos.ap-beijing.myqcloud.com/a", "src-1.cos.ap-beijing.myqcloud.com/", "src-1.cos.ap-beijing.example.com/a"] {
            let mut params = p(r#","Key":"b.txt""#);
            params.set("CopySource", bad.into());
            assert_eq!(err("putObjectCopy", &params), "CopySource format error", "{bad}");
        }
        for good in ["src-1.cos-internal.ap-beijing.tencentcos.cn/a/b", "s-r-1250000000.cosv6.r.myqcloud.com/k"] {
            assert!(copy_source_ok(good), "{good}");
        }
        assert_eq!(err("putObjectCopy", &p(r#","Key":"b.txt""#)), "missing param CopySource");
        // A part of a multipart copy.
        let pl = plan("uploadPartCopy", &p(r#","Key":"b.txt","CopySource":"src-1250000000.cos.ap-beijing.myqcloud.com/a.txt","UploadId":"u1","PartNumber":2,"CopySourceRange":"bytes=0-9""#));
        assert_eq!(query(&pl), [("partNumber", "2"), ("uploadId", "u1")]);
        assert_eq!(get_header(&pl.headers, "x-cos-copy-source-Range"), Some("bytes=0-9"));
        same(&answer("uploadPartCopy", "<CopyPartResult><ETag>\"p\"</ETag></CopyPartResult>"), r#"{"ETag":"\"p\"",BASE}"#);
        assert!(err("uploadPartCopy", &p(r#","Key":"b","CopySource":"s-1.cos.r.myqcloud.com/a","UploadId":"u","PartNumber":0"#)).contains("PartNumber"));
    }

    #[test]
    fn get_service_goes_to_the_service_endpoint() {
        let pl = plan("getService", &Value::obj());
        assert_eq!((pl.verb, pl.host.as_deref(), pl.bucket.as_str()), ("GET", Some("service.cos.myqcloud.com"), ""));
        let pl = plan("getService", &j(r#"{"Region":"ap-beijing"}"#));
        assert_eq!(pl.host.as_deref(), Some("cos.ap-beijing.myqcloud.com"));
        assert_eq!(err("getService", &j(r#"{"Region":"AP_X"}"#)), "Region format error.");
        let d = answer("getService", "<ListAllMyBucketsResult><Owner><ID>qcs::cam::uin/1:uin/1</ID><DisplayName>1</DisplayName></Owner><Buckets><Bucket><Name>a-1250000000</Name><Location>ap-guangzhou</Location><CreationDate>2024-01-01T00:00:00Z</CreationDate><BucketType>cos</BucketType></Bucket></Buckets></ListAllMyBucketsResult>");
        same(&d, r#"{"Buckets":[{"Name":"a-1250000000","Location":"ap-guangzhou","CreationDate":"2024-01-01T00:00:00Z","BucketType":"cos"}],"Owner":{"ID":"qcs::cam::uin/1:uin/1","DisplayName":"1"},BASE}"#);
        same(&answer("getService", "<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>"), r#"{"Buckets":[],"Owner":{},BASE}"#);
    }

    #[test]
    fn acl_is_decoded_and_grants_deduplicated() {
        let d = answer("getBucketAcl", "<AccessControlPolicy><Owner><ID>qcs::cam::uin/1:uin/1</ID><DisplayName>qcs::cam::uin/1:uin/1</DisplayName></Owner><AccessControlList><Grant><Grantee><ID>qcs::cam::uin/1:uin/1</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee><URI>http://cam.qcloud.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant><Grant><Grantee><ID>qcs::cam::uin/2:uin/2</ID></Grantee><Permission>WRITE</Permission></Grant><Grant><Grantee><ID>qcs::cam::uin/2:uin/2</ID></Grantee><Permission>WRITE</Permission></Grant></AccessControlList></AccessControlPolicy>");
        same(&d, r#"{"GrantFullControl":"","GrantWrite":"id=\"qcs::cam::uin/2:uin/2\"","GrantRead":"","GrantReadAcp":"","GrantWriteAcp":"","ACL":"public-read","Owner":{"ID":"qcs::cam::uin/1:uin/1","DisplayName":"qcs::cam::uin/1:uin/1"},"Grants":[{"Grantee":{"ID":"qcs::cam::uin/1:uin/1"},"Permission":"FULL_CONTROL"},{"Grantee":{"URI":"http://cam.qcloud.com/groups/global/AllUsers"},"Permission":"READ"},{"Grantee":{"ID":"qcs::cam::uin/2:uin/2"},"Permission":"WRITE"},{"Grantee":{"ID":"qcs::cam::uin/2:uin/2"},"Permission":"WRITE"}],BASE}"#);
        // Objects: no GrantWrite; the x-cos-acl header wins.
        let d = shape(lookup("getObjectAcl").unwrap(), &resp(200, &[("x-cos-acl", "default")], "<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee><ID>o</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>")).unwrap();
        same(&d, r#"{"GrantFullControl":"","GrantRead":"","GrantReadAcp":"","GrantWriteAcp":"","ACL":"default","Owner":{"ID":"o"},"Grants":[{"Grantee":{"ID":"o"},"Permission":"FULL_CONTROL"}],"statusCode":200,"headers":{"x-cos-request-id":"rid","x-cos-acl":"default"},"RequestId":"rid"}"#);
        let pl = plan("putBucketAcl", &p(r#","ACL":"private","GrantRead":"id=\"1\", id=\"2\",id=\"1\"","AccessControlPolicy":{"Owner":{"ID":"qcs::cam::uin/1:uin/1"},"Grants":[{"Grantee":{"ID":"qcs::cam::uin/2:uin/2"},"Permission":"READ"}]}"#));
        assert_eq!(get_header(&pl.headers, "x-cos-grant-read"), Some("id=\"1\",id=\"2\""));
        assert_eq!(body(&pl), "<AccessControlPolicy><Owner><ID>qcs::cam::uin/1:uin/1</ID></Owner><AccessControlList><Grant><Grantee><ID>qcs::cam::uin/2:uin/2</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>");
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("9n9Cl6B9AlPdW1uY3Loq4w=="));
        // Headers only: no body.
        assert!(plan("putObjectAcl", &p(r#","Key":"a","ACL":"public-read""#)).body.is_empty());
    }

    #[test]
    fn configurations_with_renamed_lists() {
        let pl = plan("putBucketReplication", &p(r#","ReplicationConfiguration":{"Role":"r","Rules":[{"ID":"1","Status":"Enabled","Prefix":"a","Destination":{"Bucket":"qcs::cos:ap-beijing::d-1250000000"}}]}"#));
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("tATAXxon2shpaFuq401DoA=="));
        same(&answer("getBucketReplication", "<ReplicationConfiguration><Role>r</Role><Rule><ID>1</ID><Status>Enabled</Status></Rule></ReplicationConfiguration>"), r#"{"ReplicationConfiguration":{"Role":"r","Rules":[{"ID":"1","Status":"Enabled"}]},BASE}"#);
        let pl = plan("putBucketInventory", &p(r#","Id":"i1","InventoryConfiguration":{"Id":"i1","IsEnabled":"true","Destination":{"COSBucketDestination":{"Format":"CSV","Bucket":"qcs::cos:ap-guangzhou::b-1250000000","Encryption":{"SSECOS":""}}},"OptionalFields":["Size","ETag"]}"#));
        assert_eq!(query(&pl), [("inventory", ""), ("id", "i1")]);
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("IRxnoT3mBzz/jvWn314VEA=="));
        same(&answer("getBucketInventory", "<InventoryConfiguration><Id>i1</Id><OptionalFields><Field>Size</Field></OptionalFields><Destination><COSBucketDestination><Bucket>x</Bucket><Encryption><SSE-COS></SSE-COS></Encryption></COSBucketDestination></Destination></InventoryConfiguration>"), r#"{"InventoryConfiguration":{"Id":"i1","OptionalFields":["Size"],"Destination":{"COSBucketDestination":{"Bucket":"x","Encryption":{"SSECOS":""}}}},BASE}"#);
        let d = answer("listBucketInventory", "<ListInventoryConfigurationResult><IsTruncated>false</IsTruncated><InventoryConfiguration><Id>a</Id><OptionalFields><Field>Size</Field><Field>ETag</Field></OptionalFields></InventoryConfiguration></ListInventoryConfigurationResult>");
        same(&d, r#"{"IsTruncated":"false","InventoryConfigurations":[{"Id":"a","OptionalFields":["Size","ETag"]}],BASE}"#);
        let pl = plan("putBucketWebsite", &p(r#","WebsiteConfiguration":{"IndexDocument":{"Suffix":"index.html"},"RoutingRules":[{"Condition":{"HttpErrorCodeReturnedEquals":"404"},"Redirect":{"ReplaceKeyWith":"404.html"}}]}"#));
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("C1hXnCxod6uIIuOXmpSyKw=="));
        same(&answer("getBucketWebsite", "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Redirect><Protocol>https</Protocol></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>"), r#"{"WebsiteConfiguration":{"IndexDocument":{"Suffix":"index.html"},"RoutingRules":[{"Redirect":{"Protocol":"https"}}]},BASE}"#);
        let pl = plan("putBucketReferer", &p(r#","RefererConfiguration":{"Status":"Enabled","RefererType":"White-List","DomainList":{"Domains":["a.com","*.b.com"]},"EmptyReferConfiguration":"Allow"}"#));
        assert_eq!(get_header(&pl.headers, "Content-MD5"), Some("WYtrXOXhH6k+k9KvAZL5Hg=="));
        same(&answer("getBucketReferer", "<RefererConfiguration><Status>Enabled</Status><DomainList><Domain>a.com</Domain></DomainList></RefererConfiguration>"), r#"{"RefererConfiguration":{"Status":"Enabled","DomainList":{"Domains":["a.com"]}},BASE}"#);
        assert_eq!(err("putBucketVersioning", &p("")), "missing param VersioningConfiguration");
        same(&answer("getBucketVersioning", "<VersioningConfiguration/>"), r#"{"VersioningConfiguration":{},BASE}"#);
        same(&answer("listObjectVersions", "<ListVersionsResult><Name>b</Name><Version><Key>p/a</Key><VersionId>1</VersionId></Version><Version><Key>p/a</Key><VersionId>2</VersionId></Version><DeleteMarker><Key>p/b</Key></DeleteMarker><IsTruncated>false</IsTruncated></ListVersionsResult>"), r#"{"Name":"b","IsTruncated":"false","DeleteMarkers":[{"Key":"p/b"}],"Versions":[{"Key":"p/a","VersionId":"1"},{"Key":"p/a","VersionId":"2"}],BASE}"#);
        same(&answer("getBucketLocation", "<LocationConstraint>ap-guangzhou</LocationConstraint>"), r#"{"LocationConstraint":"ap-guangzhou",BASE}"#);
        same(&answer("headBucket", ""), r#"{BASE}"#);
    }

    #[test]
    fn options_object_headers_and_refusal() {
        let pl = plan("optionsObject", &p(r#","Key":"a","Origin":"https://x.com","AccessControlRequestMethod":"PUT""#));
        assert_eq!(pl.verb, "OPTIONS");
        assert_eq!(get_header(&pl.headers, "Origin"), Some("https://x.com"));
        assert_eq!(get_header(&pl.headers, "Access-Control-Request-Method"), Some("PUT"));
        let row = lookup("optionsObject").unwrap();
        let d = shape(row, &resp(200, &[("access-control-allow-origin", "*"), ("access-control-max-age", "5")], "")).unwrap();
        same(&d, r#"{"AccessControlAllowOrigin":"*","AccessControlMaxAge":"5","statusCode":200,"headers":{"x-cos-request-id":"rid","access-control-allow-origin":"*","access-control-max-age":"5"},"RequestId":"rid"}"#);
        let e = decode_error(403, &[], b"");
        assert_eq!(recover(row, &e).unwrap().get("OptionsForbidden"), Some(&Value::Bool(true)));
    }

    #[test]
    fn names_and_old_spellings() {
        assert_eq!(lookup("getBucketACL").unwrap().name, "getBucketAcl");
        assert_eq!(lookup("putObjectACL").unwrap().name, "putObjectAcl");
        assert_eq!(lookup("deleteBucketCORS").unwrap().name, "deleteBucketCors");
        assert!(lookup("getBucketXYZ").is_none() && lookup("putObject").is_none());
        let all = names();
        let names: Vec<&str> = all.split(',').collect();
        for n in ["putObject", "uploadFiles", "getService", "deleteMultipleObject", "putBucketCORS", "getObjectACL", "uploadPartCopy"] {
            assert!(names.contains(&n), "{n}");
        }
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "a name twice");
        // Every row is reachable by its name, and none shadows an engine method.
        for r in rows() {
            assert!(core::ptr::eq(lookup(r.name).unwrap(), r), "{}", r.name);
            assert!(!HAND_WRITTEN.contains(&r.name), "{}", r.name);
        }
    }

    #[test]
    fn json_round_trips() {
        let text = r#"{"a":[1,-2.5,1e3,true,false,null,{}],"b":"q\"\\\n\t\u0001é\ud83d\ude00","c":[]}"#;
        let v = json_parse(text).unwrap();
        assert_eq!(v.get("b").unwrap().as_str(), Some("q\"\\\n\t\u{1}é😀"));
        assert_eq!(show(&v), r#"{"a":[1,-2.5,1000,true,false,null,{}],"b":"q\"\\\n\t\u0001é😀","c":[]}"#);
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "\"x", "tru", "{\"a\":1}x"] {
            assert!(json_parse(bad).is_none(), "{bad:?}");
        }
        assert!(json_parse(&"[".repeat(200)).is_none());
    }
}
