'use strict';
// COS error codes (docs/wire-format.md#errors): HTTP status and default message for each code the server can send.
// Handlers throw `CosError`; the router turns it into COS's XML error body.

const CODES = {
  // 400
  BadDigest: [400, 'The Content-MD5 you specified did not match what was received.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed object size.'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed object size.'],
  IncorrectNumberOfFilesInPostRequest: [400, 'POST requires exactly one file upload per request.'],
  InvalidArgument: [400, 'Invalid Argument.'],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  InvalidTag: [400, 'The tag provided was not a valid tag.'],
  InvalidExpressionType: [400, 'The ExpressionType is invalid. Only SQL expressions are supported.'],
  ParseUnexpectedToken: [400, 'The SQL expression could not be parsed.'],
  MalformedPolicy: [400, 'Policies must be valid JSON and the first byte must be \'{\'.'],
  MissingContentMD5: [400, 'Missing required header for this request: Content-MD5.'],
  InvalidDigest: [400, 'The Content-MD5 you specified is not valid.'],
  InvalidPart: [400, 'One or more of the specified parts could not be found, or the specified entity tag might not have matched the part\'s entity tag.'],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'],
  InvalidPolicyDocument: [400, 'The content of the form does not meet the conditions specified in the policy document.'],
  InvalidRequest: [400, 'Invalid Request.'],
  InvalidURI: [400, 'Couldn\'t parse the specified URI.'],
  KeyTooLong: [400, 'Your metadata headers exceed the maximum allowed metadata size.'],
  MalformedPOSTRequest: [400, 'The body of your POST request is not well-formed multipart/form-data.'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  MissingRequestBodyError: [400, 'Request body is empty.'],
  RequestTimeout: [400, 'Your socket connection to the server was not read from or written to within the timeout period.'],
  XMLSizeLimit: [400, 'The XML you provided was larger than the maximum allowed size.'],
  // 403
  AccessDenied: [403, 'Access Denied.'],
  InvalidObjectState: [403, 'The operation is not valid for the object\'s storage class.'],
  ExpiredToken: [403, 'The provided token has expired.'],
  InvalidAccessKeyId: [403, 'The Access Key Id you provided does not exist in our records.'],
  PathStyleDomainForbidden: [403, 'Path-style requests are not allowed for this bucket, use the virtual-hosted domain.'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the server\'s time is too large.'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  // 404
  NoSuchBucket: [404, 'The specified bucket does not exist.'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchUpload: [404, 'The specified multipart upload does not exist.'],
  NoSuchVersion: [404, 'The specified version does not exist.'],
  NoSuchCORSConfiguration: [404, 'The CORS configuration does not exist.'],
  NoSuchLifecycleConfiguration: [404, 'The lifecycle configuration does not exist.'],
  NoSuchPolicy: [404, 'The bucket policy does not exist.'],
  NoSuchTagSet: [404, 'There is no tag set associated with the bucket.'],
  ReplicationConfigurationNotFoundError: [404, 'The replication configuration was not found.'],
  NoSuchWebsiteConfiguration: [404, 'The specified bucket does not have a website configuration.'],
  NoSuchRefererConfiguration: [404, 'The referer configuration does not exist.'],
  NoSuchDomainConfiguration: [404, 'The domain configuration does not exist.'],
  NoSuchOriginConfiguration: [404, 'The origin configuration does not exist.'],
  NoSuchEncryptionConfiguration: [404, 'The server side encryption configuration was not found.'],
  NoSuchInventoryConfiguration: [404, 'The specified inventory configuration does not exist.'],
  NoSuchObjectLockConfiguration: [404, 'The object lock configuration does not exist.'],
  // 405 / 409 / 411 / 412 / 416
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  AppendPositionErr: [409, 'Position not equal object length'],
  BucketAlreadyExists: [409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.'],
  BucketNotEmpty: [409, 'The bucket you tried to delete is not empty.'],
  RestoreAlreadyInProgress: [409, 'Object restore is already in progress.'],
  FileAlreadyExists: [409, 'The object already exists and x-cos-forbid-overwrite is true.'],
  ObjectNotAppendable: [409, 'The object is not appendable.'],
  PathConflict: [409, 'Another request is writing this object.'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header.'],
  PreconditionFailed: [412, 'At least one of the preconditions you specified did not hold.'],
  InvalidRange: [416, 'The requested range is not satisfiable.'],
  // 5xx (fault injection)
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented.'],
  ServiceUnavailable: [503, 'Please reduce your request rate.'],
  SlowDown: [503, 'Please reduce your request rate.'],
};

// Used when a fault gives only a status.
const CODE_FOR_STATUS = { 400: 'InvalidRequest', 403: 'AccessDenied', 404: 'NoSuchKey', 405: 'MethodNotAllowed', 409: 'PathConflict', 500: 'InternalError', 501: 'NotImplemented', 502: 'InternalError', 503: 'ServiceUnavailable', 504: 'InternalError' };

class CosError extends Error {
  /**
   * @param {string} code   COS error code (key of CODES, or any string with an explicit status)
   * @param {string} [message]  defaults to the code's standard message
   * @param {number} [status]   defaults to the code's status (500 for unknown codes)
   */
  constructor(code, message, status) {
    const known = CODES[code];
    super(message || (known ? known[1] : code));
    this.code = code;
    this.status = status || (known ? known[0] : 500);
  }
}

function err(code, message, status) {
  return new CosError(code, message, status);
}

module.exports = { CODES, CODE_FOR_STATUS, CosError, err };
