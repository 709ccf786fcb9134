#!/usr/bin/env node
// dist/cli/main.js as built (scripts/bundle-cli.mjs copies this file there):
// runs the bundled CLI, main.cjs (src/cli/main.ts and everything it imports,
// as one CommonJS script), from V8's code cache, main.cjs.cache. A run then
// neither resolves ~50 ES modules nor compiles the functions the build's
// training run compiled. The cache file is the SHA-256 of the bundle it was
// made from followed by V8's data; a cache for another bundle is not offered to
// V8, and one V8 rejects (another node, other V8 flags) is ignored: both only
// cost the compile time. RAWSCAN_CODE_CACHE=write (the build's training run)
// writes the cache when the process exits.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('./main.cjs', import.meta.url));
const cachePath = `${bundle}.cache`;
const source = readFileSync(bundle);
const digest = createHash('sha256').update(source).digest();

/** V8's data from the cache file, if the file belongs to this bundle. */
function cachedData() {
  try {
    const file = readFileSync(cachePath);
    return file.subarray(0, digest.length).equals(digest) ? file.subarray(digest.length) : undefined;
  } catch {
    return undefined;
  }
}

// Node's own CommonJS wrapper, so that the bundle sees the usual module scope.
const script = new Script(
  `(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`,
  { filename: bundle, cachedData: cachedData() },
);
if (process.env.RAWSCAN_CODE_CACHE === 'write') {
  // After the run, so that the cache holds every function the run compiled.
  process.on('exit', () => {
    writeFileSync(`${cachePath}.tmp`, Buffer.concat([digest, script.createCachedData()]));
    renameSync(`${cachePath}.tmp`, cachePath);
  });
}
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
