#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// dist/cli/rawscan.cjs as built (scripts/bundle-cli.mjs copies this file there),
// the package's `bin`: runs the bundled CLI, main.cjs (src/cli/main.ts and
// everything it imports, as one CommonJS script), from V8's code cache,
// main.cjs.cache. A run then neither resolves ~50 ES modules nor compiles the
// functions the build's training run compiled. The cache file is the bundle it
// was made from followed by V8's data (V8 itself checks only the source's
// length); a cache for another bundle is not offered to V8, and one V8 rejects
// (another node, other V8 flags) is ignored: both only cost the compile time.
// Comparing the bundle's bytes takes well under a millisecond; hashing it
// would load node:crypto, ~6.5 ms. RAWSCAN_CODE_CACHE=write (the
// build's training run) writes the cache when the process exits;
// RAWSCAN_CODE_CACHE=report says on stderr whether V8 took it.
//
// Start-up cost, and why this file is what it is:
// - CommonJS, not an ES module: node's ES module loader adds ~10 ms to a start.
// - The bundle is ASCII (the build escapes any other character), read as
//   latin1: a one-byte string in ~1 ms, where UTF-8 decoding made a two-byte
//   string of it in ~4 ms.
// - The #! line drops NODE_EXTRA_CA_CERTS: node parses that whole CA bundle
//   before any script runs (~85 ms on the project's machines), and rawscan
//   makes no TLS connection. `sudo rawscan` does not pass it on either.
//   `env -S` is GNU coreutils 8.30+ (every Debian and Ubuntu that runs node 20).
const { closeSync, openSync, readFileSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, 'main.cjs');
const cachePath = `${bundle}.cache`;
const source = readFileSync(bundle);

/** V8's data from the cache file, if the file belongs to this bundle. */
function cachedData() {
  try {
    const file = readFileSync(cachePath);
    return file.length > source.length && file.subarray(0, source.length).equals(source)
      ? file.subarray(source.length)
      : undefined;
  } catch {
    return undefined;
  }
}

// Node's own CommonJS wrapper, so that the bundle sees the usual module scope.
const offered = cachedData();
const script = new Script(
  `(function (exports, require, module, __filename, __dirname) {${source.toString('latin1')}\n})`,
  { filename: bundle, cachedData: offered },
);
if (process.env.RAWSCAN_CODE_CACHE === 'report') {
  const verdict = offered === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  process.stderr.write(`rawscan: code cache ${verdict}\n`);
}
if (process.env.RAWSCAN_CODE_CACHE === 'write') {
  // Written after the run, so that the cache holds every function the run
  // compiled, into a file opened now: a raw scan drops its privileges before
  // it exits.
  const fd = openSync(cachePath, 'w');
  process.on('exit', () => {
    writeSync(fd, Buffer.concat([source, script.createCachedData()]));
    closeSync(fd);
  });
}
const bundleModule = { exports: {} };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, __dirname);
