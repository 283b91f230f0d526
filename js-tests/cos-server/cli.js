#!/usr/bin/env node
'use strict';
// Run the local COS server from the command line. Prints the base URL as the first stdout line,
// then serves until SIGINT/SIGTERM.
//
//   node js-tests/cos-server/cli.js --port 0 --secret-id ID --secret-key KEY \
//        --bucket examplebucket-1250000000 --region ap-guangzhou [--data-dir DIR] [--path-style] \
//        [--min-part-size N] [--base-domain localhost] [--public-bucket NAME] [--host 127.0.0.1] [--verbose]
//
// --secret-id/--secret-key and --bucket/--region may be repeated (paired by position; a single
// --region applies to every bucket).
const { startCosServer, DEFAULTS } = require('./index');

function parseArgs(argv) {
  const a = { ids: [], keys: [], buckets: [], regions: [], public: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    switch (name) {
      case '--port': a.port = Number(value()); break;
      case '--host': a.host = value(); break;
      case '--secret-id': a.ids.push(value()); break;
      case '--secret-key': a.keys.push(value()); break;
      case '--bucket': a.buckets.push(value()); break;
      case '--region': a.regions.push(value()); break;
      case '--public-bucket': a.public.push(value()); break;
      case '--data-dir': a.dataDir = value(); break;
      case '--path-style': a.pathStyle = 'allow'; break;
      case '--min-part-size': a.minPartSize = Number(value()); break;
      case '--base-domain': a.baseDomain = value(); break;
      case '--verbose': a.verbose = true; break;
      case '-h':
      case '--help':
        process.stdout.write('usage: cli.js [--port N] [--host H] [--secret-id ID --secret-key KEY]... [--bucket NAME --region R]... [--public-bucket NAME] [--data-dir DIR] [--path-style] [--min-part-size N] [--base-domain D] [--verbose]\n');
        process.exit(0);
        break;
      default:
        process.stderr.write('unknown argument: ' + arg + '\n');
        process.exit(2);
    }
  }
  return a;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.ids.length !== a.keys.length) throw new Error('--secret-id and --secret-key must come in pairs');
  const credentials = a.ids.length ? a.ids.map((secretId, i) => ({ secretId, secretKey: a.keys[i] })) : DEFAULTS.credentials;
  const names = a.buckets.length ? a.buckets : [DEFAULTS.buckets[0].name];
  const buckets = names.map((name, i) => ({
    name,
    region: a.regions[i] || a.regions[0] || DEFAULTS.buckets[0].region,
    public: a.public.includes(name) || undefined,
  }));
  const server = await startCosServer({
    port: a.port ?? 0,
    host: a.host,
    credentials,
    buckets,
    dataDir: a.dataDir,
    pathStyle: a.pathStyle,
    minPartSize: a.minPartSize,
    baseDomain: a.baseDomain,
  });
  process.stdout.write(server.url + '\n');
  if (a.verbose) {
    for (const b of buckets) process.stderr.write('bucket ' + b.name + ': http://' + server.hostFor(b) + '/\n');
  }
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write('cos-server: ' + (e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
