// Where the demo uploads. Fill in one way of signing:
//   - StsUrl (recommended): your server returns temporary keys, e.g. from the STS SDK:
//       { "credentials": { "tmpSecretId", "tmpSecretKey", "sessionToken" }, "startTime", "expiredTime" }
//   - SecretId/SecretKey: permanent keys, for local testing only (never ship them in a mini-program).
// Domain/Protocol point the SDK at another endpoint, e.g. the local COS server of this repository:
//   node js-tests/cos-server/cli.js --port 8080
//   Domain: '{Bucket}.cos.{Region}.localhost:8080', Protocol: 'http:', StsUrl: 'http://127.0.0.1:8080/sts'
module.exports = {
  Bucket: 'examplebucket-1250000000',
  Region: 'ap-guangzhou',
  Prefix: 'miniprogram/',
  StsUrl: '',
  SecretId: '',
  SecretKey: '',
  Domain: '',
  Protocol: '',
};
