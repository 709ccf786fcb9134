#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// dist/cli/rawscan.cjs as built (scripts/bundle-cli.mjs copies this file there),
// the package's `bin`: runs the bundled CLI, main.cjs (src/cli/main.ts and
// everything it imports, as one CommonJS script), from V8's code cache,
// main.cjs.cache. A run then neither resolves ~50 ES modules nor compiles the
// functions the build's training run compiled. The cache file is a header
// line with main.cjs's size and modification time, the bundle it was made
// from, and V8's data (V8 itself checks only the source's length). While
// main.cjs has that size and time, the run reads only the cache file and runs
// the bundle in it: one read, not two, and the code V8's data was made from
// (~2 ms less than reading main.cjs as well and comparing them). Otherwise
// (main.cjs rebuilt or edited since, no cache) it runs main.cjs without the
// cache, and a cache V8 rejects (another node, other V8 flags) is ignored:
// both only cost the compile time. RAWSCAN_CODE_CACHE=write (the build's
// training run) writes the cache when the process exits;
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
const { closeSync, openSync, readFileSync, statSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, 'main.cjs');
const cachePath = `${bundle}.cache`;
/** The header line of a cache made from main.cjs as it is now, and main.cjs's size. */
function header() {
  const { size, mtimeNs } = statSync(bundle, { bigint: true });
  return { line: Buffer.from(`rawscan-code-cache ${size} ${mtimeNs}\n`, 'latin1'), size: Number(size) };
}

/** The bundle and V8's data from the cache file, if it was made from main.cjs as it is now. */
function fromCache() {
  try {
    const file = readFileSync(cachePath);
    const { line, size } = header();
    const sourceEnd = line.length + size;
    if (!(sourceEnd < file.length) || !file.subarray(0, line.length).equals(line)) return undefined;
    return { source: file.subarray(line.length, sourceEnd), data: file.subarray(sourceEnd) };
  } catch {
    return undefined;
  }
}

const cached = fromCache();
const source = cached?.source ?? readFileSync(bundle);
// The bundle is node's CommonJS wrapper function around the code (the build
// writes it so: no concatenation to copy here), so that it sees the usual
// module scope.
const script = new Script(source.toString('latin1'), { filename: bundle, cachedData: cached?.data });
if (process.env.RAWSCAN_CODE_CACHE === 'report') {
  const verdict = cached === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  process.stderr.write(`rawscan: code cache ${verdict}\n`);
}
if (process.env.RAWSCAN_CODE_CACHE === 'write') {
  // Written after the run, so that the cache holds every function the run
  // compiled, into a file opened now: a raw scan drops its privileges before
  // it exits.
  const fd = openSync(cachePath, 'w');
  const { line } = header();
  process.on('exit', () => {
    writeSync(fd, Buffer.concat([line, source, script.createCachedData()]));
    closeSync(fd);
  });
}
const bundleModule = { exports: {} };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, __dirname);
