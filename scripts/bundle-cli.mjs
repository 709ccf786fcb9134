// Second half of `npm run build:ts` (tsc writes dist/ first): bundles the CLI
// so that a run does not spend ~0.25 s resolving and compiling ~50 modules.
//   dist/cli/main.cjs        src/cli/main.ts and everything it imports
//                            (yargs, yaml, the subcommands loaded on demand) as
//                            one CommonJS script, with its source map
//   dist/cli/rawscan.cjs     the `bin`: scripts/cli-loader.cjs, which runs
//                            main.cjs from...
//   dist/cli/main.cjs.cache  ...V8's code cache, written by a training run
//   dist/cli/main.js         an ES module that runs rawscan.cjs, so that
//                            `node dist/cli/main.js ...` keeps working
// The rest of dist/ stays tsc's: the lab, tests and benchmarks import it, and
// dist/lab/listener.js runs on its own.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'rolldown';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli');
const BUNDLE = join(CLI, 'main.cjs');

/**
 * string-width (yargs, cliui and wrap-ansi each import a copy) builds an
 * Intl.Segmenter and Unicode-property regular expressions when it loads:
 * ~50 ms, and only --help and usage text measure strings. Each import of it
 * gets a stand-in that loads the real module on the first call.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  async resolveId(source, importer, options) {
    if (source !== 'string-width' || importer?.startsWith('\0lazy:')) return null;
    const real = await this.resolve(source, importer, { ...options, skipSelf: true });
    return real && `\0lazy:${real.id}`;
  },
  load(id) {
    if (!id.startsWith('\0lazy:')) return null;
    const real = JSON.stringify(id.slice('\0lazy:'.length));
    return `let width;
export default function stringWidth(text, options) {
  width ??= require(${real}).default;
  return width(text, options);
}`;
  },
};

/**
 * node's own modules that most runs never call but that the bundle would load
 * on every start: rolldown turns each import of one into a require() at the
 * top of the bundle. node:crypto alone takes ~6.5 ms to load (a scan's key
 * and seed come from src/scan/random.ts), node:child_process ~4 ms (the lab,
 * the `ip route` fallback), node:dns/promises ~1.6 ms (host names only),
 * node:dgram ~1.4 ms (a raw scan's route asks the addon instead). Each
 * import of these gets a stand-in module whose
 * functions load the real one on their first call. Only functions are
 * offered: importing anything else from these modules fails the build.
 */
const LAZY_BUILTINS = [
  'node:crypto',
  'node:child_process',
  'node:dns/promises',
  'node:dgram',
  'node:fs/promises', // ~1.9 ms (it loads readline and fs watchers); only -iL, --resume and subcommands
  'node:net', // ~2.1 ms; the connect scan
];

const lazyBuiltins = {
  name: 'lazy-builtins',
  resolveId(source, importer) {
    // The stand-in's own require() of the module stays the real one.
    if (importer?.startsWith('\0lazy-builtin:')) return null;
    return LAZY_BUILTINS.includes(source) ? `\0lazy-builtin:${source}` : null;
  },
  load(id) {
    if (!id.startsWith('\0lazy-builtin:')) return null;
    const name = id.slice('\0lazy-builtin:'.length);
    const real = require(name);
    const lines = [
      `const { promisify } = require("node:util");`,
      `let real;`,
      `const load = () => (real ??= require(${JSON.stringify(name)}));`,
    ];
    // Functions, not classes (whose wrapper could not be called with new).
    for (const key of Object.keys(real).filter((k) => typeof real[k] === 'function' && /^[a-z]/.test(k))) {
      lines.push(`export function ${key}(...args) { return load().${key}(...args); }`);
      // promisify(execFile) resolves to { stdout, stderr } through this symbol.
      if (real[key][promisify.custom] !== undefined) {
        lines.push(
          `Object.defineProperty(${key}, promisify.custom, { get: () => load().${key}[promisify.custom] });`,
        );
      }
    }
    return lines.join('\n');
  },
};

/**
 * yargs imports node's assert for two internal checks (strictEqual and
 * notStrictEqual, which it runs on every parse), and loading node:assert costs
 * ~1.4 ms, plus ~1.5 ms for the stderr stream that its colour check creates.
 * yargs gets this module instead: the same two checks, throwing an Error with
 * code ERR_ASSERTION (a yargs bug, reported as an internal error).
 */
const yargsAssert = {
  name: 'yargs-assert',
  resolveId(source, importer) {
    return source === 'assert' && importer?.includes('/node_modules/yargs/') ? '\0yargs-assert' : null;
  },
  load(id) {
    if (id !== '\0yargs-assert') return null;
    return `function fail(message, actual, expected, operator) {
  const text = message ?? \`Expected values to be \${operator}: \${String(actual)}, \${String(expected)}\`;
  throw Object.assign(new Error(text), { code: 'ERR_ASSERTION', actual, expected, operator });
}
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) fail(message, actual, expected, 'strictly equal');
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) fail(message, actual, expected, 'not strictly equal');
}`;
  },
};

/**
 * A plugin that rewrites one line of one file of a package, keeping every
 * line's number; the build fails if the line is no longer there (an update of
 * the package).
 */
function packageLine(name, pkg, file, from, to) {
  return {
    name,
    transform(code, id) {
      if (!id.endsWith(`/node_modules/${pkg}/${file}`)) return null;
      if (!code.includes(from))
        throw new Error(`bundle-cli: ${pkg}'s ${file} no longer reads: ${from.trim()}`);
      return code.replace(from, to);
    },
  };
}

/**
 * yargs' platform shim reads process.stdout.columns when it loads, and node's
 * first use of process.stdout loads its stream and net modules (~6 ms) in
 * every run, even one whose output goes to a pipe or file without them
 * (src/output/write.ts). The shim reads it when yargs asks instead (usage
 * text's width).
 */
const yargsLazyColumns = packageLine(
  'yargs-lazy-columns',
  'yargs',
  'lib/platform-shims/esm.mjs',
  "stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null",
  "get stdColumns() { return typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null; }",
);

/**
 * yargs' factory calls version() without a version, which makes it look for a
 * package.json from the current directory up (a readdir of each directory,
 * and a read of the first package.json found: a FIFO of that name in the
 * directory where rawscan was started would hang it). rawscan sets its version
 * itself (src/cli/main.ts), so the factory's call becomes version(false), which
 * sets nothing.
 */
const yargsNoGuessedVersion = packageLine(
  'yargs-no-guessed-version',
  'yargs',
  'build/lib/yargs-factory.js',
  '        yargs.version();\n',
  '        yargs.version(false);\n',
);

/**
 * y18n (yargs' messages) looks for a locale file on its first message, each
 * start: in the bundle its path, made relative to yargs' own files, is
 * <checkout>/locales/$LANG.json, which does not exist (a failed stat and open,
 * and an error object). yargs' messages stay English, as they always were in
 * the bundle: rawscan's fail handler reads them (oneLine in src/cli/main.ts).
 */
const y18nNoLocaleFile = packageLine(
  'y18n-no-locale-file',
  'y18n',
  'build/lib/index.js',
  '        let localeLookup = {};\n',
  '        this.cache[this.locale] = {}; return;\n',
);

/**
 * yargs checks the arguments of each of its own API calls (argsert: ~100
 * calls per start, each parsing a usage string) and only warns when one is
 * wrong, which is a mistake in rawscan's code, not in the user's input; the
 * types and the tests check those calls instead. The bundle's argsert does
 * nothing: ~2 ms less per start.
 */
const yargsNoArgsert = {
  name: 'yargs-no-argsert',
  transform(code, id) {
    if (!id.endsWith('/node_modules/yargs/build/lib/argsert.js')) return null;
    if (!/^export function argsert\(/m.test(code)) throw new Error("bundle-cli: yargs' argsert.js changed");
    return 'export function argsert() {}\n';
  },
};

/**
 * src/cli/version.ts reads package.json through require(), whose resolution
 * of a relative path (a package scope lookup, a realpath, a file URL) costs
 * ~2 ms of a start; the bundle gets the version as a constant.
 */
const inlineVersion = {
  name: 'inline-version',
  load(id) {
    if (!id.endsWith('/src/cli/version.ts')) return null;
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    return `/** package.json's version, written in by the build (scripts/bundle-cli.mjs). */
export const VERSION = ${JSON.stringify(version)};`;
  },
};

/** Warnings that say nothing about rawscan's code (yargs' `extends` support, which rawscan does not use). */
function onLog(level, log, handle) {
  if (log.code === 'EMPTY_IMPORT_META' && log.id?.includes('/node_modules/yargs/')) return;
  // yargs-lazy-columns, yargs-no-guessed-version and y18n-no-locale-file rewrite one line each and keep
  // every line's number; yargs-no-argsert leaves a file with nothing to map.
  if (
    log.code === 'SOURCEMAP_BROKEN' &&
    /^(yargs-(lazy-columns|no-guessed-version|no-argsert)|y18n-no-locale-file)$/.test(log.plugin ?? '')
  )
    return;
  // An import the stand-in does not offer (a class, a constant, a name of another node version).
  if (
    (log.code === 'MISSING_EXPORT' || log.code === 'IMPORT_IS_UNDEFINED') &&
    log.message.includes('lazy-builtin:')
  ) {
    throw new Error(`bundle-cli: ${log.message} (lazy-builtins offers a module's functions only)`);
  }
  handle(level, log);
}

rmSync(`${BUNDLE}.cache`, { force: true });
await build({
  input: join(ROOT, 'src/cli/main.ts'),
  platform: 'node',
  plugins: [
    lazyStringWidth,
    lazyBuiltins,
    yargsAssert,
    yargsLazyColumns,
    yargsNoGuessedVersion,
    yargsNoArgsert,
    y18nNoLocaleFile,
    inlineVersion,
  ],
  onLog,
  logLevel: 'warn',
  output: { file: BUNDLE, format: 'cjs', codeSplitting: false, sourcemap: true },
});
// The loader compiles the bundle inside a function, where a #! line is a syntax
// error; an empty line in its place keeps the source map's line numbers.
// rolldown writes each import.meta.url (yargs, yargs-parser and the addon's
// path use it) as require("url").pathToFileURL(__filename).href, a URL built
// anew at each of them as the bundle loads (~0.15 ms each); that first line
// now holds one, made on first use.
const IMPORT_META_URL = 'require("url").pathToFileURL(__filename).href';
/** node's CommonJS module wrapper, around the bundle: the loader compiles the bundle as this function. */
const COMMONJS_WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})\n'];
const bundled = readFileSync(BUNDLE, 'utf8')
  .replaceAll(IMPORT_META_URL, '__rawscanImportMetaUrl()')
  .replace(
    /^(#!.*)?/,
    `let __rawscanUrl; const __rawscanImportMetaUrl = () => (__rawscanUrl ??= ${IMPORT_META_URL});`,
  );
// It compiles it as a vm.Script, which has no loader for import(): an import()
// that rolldown left in (a module outside the bundle, node:* included) would
// fail at run time. Refuse the build instead.
const dynamicImport = /\bimport\(\s*["'`]([^"'`]*)/.exec(bundled);
if (dynamicImport) {
  throw new Error(
    `bundle-cli: the bundle keeps import("${dynamicImport[1]}"), which fails where the loader runs it ` +
      '(a vm.Script): import that module statically',
  );
}
// The bundle is written inside node's CommonJS wrapper, which the loader
// would otherwise add by concatenation, and V8 then copy the whole joined
// string once more to flatten it (~1.5 ms per start); the wrapper starts the
// first line and ends after the last, so the source map's lines still hold.
writeFileSync(BUNDLE, `${COMMONJS_WRAPPER[0]}${asciiOnly(bundled)}${COMMONJS_WRAPPER[1]}`);
const LOADER = join(CLI, 'rawscan.cjs');
copyFileSync(join(ROOT, 'scripts/cli-loader.cjs'), LOADER);
chmodSync(LOADER, 0o755);
writeFileSync(
  join(CLI, 'main.js'),
  "#!/usr/bin/env node\n// The CLI (built by scripts/bundle-cli.mjs): rawscan.cjs, the bin, does the work.\nimport './rawscan.cjs';\n",
);
rmSync(join(CLI, 'main.js.map'), { force: true });
// The training run: a scan of ports 1-1024 of loopback (the kernel answers,
// and no packet leaves the host) that writes every output format, so that the
// cache holds the functions a scan runs from its options to its report. As
// root it is a SYN scan, the raw engine's path (a one-port raw scan starts
// ~8 ms faster from this cache than from one that stopped before the engine);
// otherwise a connect scan. A run that fails (no CAP_NET_RAW) still writes
// the cache of what it ran.
const trainingDir = mkdtempSync(join(tmpdir(), 'rawscan-training-'));
const outputs = ['-oN', '-oX', '-oG', '-oJ'].flatMap((flag) => [flag, join(trainingDir, `out${flag}`)]);
const training = spawnSync(
  process.execPath,
  [LOADER, process.getuid?.() === 0 ? '-sS' : '-sT', '-n', '-Pn', '-p', '1-1024', '127.0.0.1', ...outputs],
  { env: { ...process.env, RAWSCAN_CODE_CACHE: 'write' }, encoding: 'utf8' },
);
rmSync(trainingDir, { recursive: true, force: true });
if (!existsSync(`${BUNDLE}.cache`) || statSync(`${BUNDLE}.cache`).size <= statSync(BUNDLE).size) {
  throw new Error(`bundle-cli: the training run wrote no code cache: ${training.stderr || training.error}`);
}

/**
 * The bundle with every non-ASCII character (a UTF-16 unit: a pair's halves
 * each) written as a \uXXXX escape, so that the loader can read it as latin1
 * (a one-byte string, ~3 ms less per start than decoding UTF-8). Such a
 * character stands in strings, templates, regular expressions and comments,
 * where the escape means the same; the build fails where it would not: after
 * a backslash (the escape would be escaped) or on a String.raw line (the raw
 * text would change). Columns in the source map move on lines that had one.
 */
function asciiOnly(code) {
  const lines = code.split('\n');
  const bad = lines.findIndex(
    (l) => /\\[^\x00-\x7f]/.test(l) || (/String\.raw/.test(l) && /[^\x00-\x7f]/.test(l)),
  );
  if (bad >= 0) {
    throw new Error(
      `bundle-cli: cannot escape the non-ASCII text of bundle line ${bad + 1}: ${lines[bad].slice(0, 120)}`,
    );
  }
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
