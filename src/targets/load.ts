// Builds the TargetSet of a scan from what the user typed: positional specs,
// -iL FILE, --exclude and --excludefile. Names are resolved forward (A records)
// through an injectable Resolver; -n only turns off reverse DNS elsewhere.
// Like nmap, a name that resolves to several addresses is scanned at its first
// address and the others are listed in TargetSet.notes.

import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../cli/errors.js';
import { countAddresses, IntervalBuilder, subtractIntervals, type IntervalList } from './intervals.js';
import { cidrBounds, ipToString, parseIpv4 } from './ipv4.js';
import { addCapped, parseTargetSpec } from './spec.js';
import { TargetSet } from './target-set.js';

/** IPv4 addresses (dotted quads) of a name; rejects or returns [] when it has none. */
export type Resolver = (name: string) => Promise<string[]>;
/** Whole text of a file; path "-" means standard input. */
export type TextReader = (path: string) => Promise<string>;

export interface TargetOptions {
  /** positional target specs, one spec each */
  specs: string[];
  /** -iL: whitespace-separated specs, # comments, "-" = stdin */
  inputFile?: string;
  /** --exclude values, each a comma-separated list of specs */
  exclude?: string[];
  /** --excludefile: same format as -iL */
  excludeFile?: string;
  resolve?: Resolver;
  readText?: TextReader;
}

export const systemResolver: Resolver = async (name) =>
  (await lookup(name, { all: true, family: 4 })).map((entry) => entry.address);

export const fileReader: TextReader = async (path) => {
  if (path !== '-') return readFile(path, 'utf8');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
};

export async function loadTargets(options: TargetOptions): Promise<TargetSet> {
  const resolve = options.resolve ?? systemResolver;
  const readText = options.readText ?? fileReader;
  // concat, not push(...): a list file may hold a million specs, more than a call's arguments.
  let specs = [...options.specs];
  if (options.inputFile !== undefined) {
    specs = specs.concat(splitSpecFile(await readListFile(readText, options.inputFile, '-iL')));
  }
  if (specs.length === 0) {
    const where = options.inputFile !== undefined ? ` (the -iL file ${options.inputFile} lists none)` : '';
    throw new UsageError(
      `no targets given${where}; name addresses, ranges or hosts, e.g. rawscan -p 80 198.18.0.0/24, or -iL hosts.txt`,
    );
  }
  let excludeSpecs = (options.exclude ?? []).flatMap(splitExcludeList);
  if (options.excludeFile !== undefined) {
    excludeSpecs = excludeSpecs.concat(
      splitSpecFile(await readListFile(readText, options.excludeFile, '--excludefile')),
    );
  }

  const notes: string[] = [];
  const included = await collect(specs, resolve, notes);
  const excluded = await collect(excludeSpecs, resolve, []);
  const remaining = subtractIntervals(included.list, excluded.list);
  const total = countAddresses(included.list);
  if (remaining.firsts.length === 0) {
    throw new UsageError(
      `--exclude removed every target (${total} address${total === 1 ? '' : 'es'}); ` +
        'check the --exclude / --excludefile ranges against the targets',
    );
  }
  const hostnames = new Map<number, string>();
  const targets = new TargetSet(remaining, hostnames, notes);
  for (const [addr, name] of included.hostnames) if (targets.has(addr)) hostnames.set(addr, name);
  return targets;
}

interface Collected {
  list: IntervalList;
  hostnames: Map<number, string>;
}

async function collect(specs: string[], resolve: Resolver, notes: string[]): Promise<Collected> {
  const builder = new IntervalBuilder();
  const names: { name: string; prefix: number | null; spec: string }[] = [];
  for (const spec of specs) {
    const parsed = parseTargetSpec(spec, builder);
    if (parsed.kind === 'hostname') names.push({ name: parsed.name, prefix: parsed.prefix, spec });
  }
  const unique = [...new Set(names.map((entry) => entry.name))];
  const resolved = new Map(
    await Promise.all(unique.map(async (name) => [name, await resolveOne(resolve, name)] as const)),
  );

  for (const [name, [, ...others]] of resolved) {
    if (others.length > 0)
      notes.push(`Other addresses for ${name} (not scanned): ${others.map(ipToString).join(' ')}`);
  }
  const hostnames = new Map<number, string>();
  for (const { name, prefix, spec } of names) {
    const first = resolved.get(name)![0];
    if (!hostnames.has(first)) hostnames.set(first, name);
    const [low, high] = cidrBounds(first, prefix ?? 32);
    addCapped(builder, low, high, spec);
  }
  return { list: builder.normalize(), hostnames };
}

async function resolveOne(resolve: Resolver, name: string): Promise<number[]> {
  let answers: string[] = [];
  try {
    answers = await resolve(name);
  } catch {
    // Every lookup failure (ENOTFOUND, EAI_AGAIN, ...) reads the same to the user.
  }
  const addresses = answers.map(parseIpv4).filter((addr): addr is number => addr !== null);
  if (addresses.length === 0) {
    throw new UsageError(`could not resolve host ${name}; check the name or use an address`);
  }
  return addresses;
}

async function readListFile(readText: TextReader, path: string, flag: string): Promise<string> {
  if (path === '') {
    throw new UsageError(`${flag} needs a file name: give a file of target specs, or - for stdin`);
  }
  try {
    return await readText(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new UsageError(
      `cannot read ${flag} file ${path === '-' ? '(stdin)' : path}: ${reason}; give a readable file of target specs`,
    );
  }
}

/** -iL / --excludefile text: specs separated by whitespace; "#" starts a comment to end of line. */
export function splitSpecFile(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/\s+/))
    .filter((spec) => spec !== '');
}

/**
 * --exclude "198.18.0.1,host.example,198.18.1.0/24": specs separated by commas.
 * A piece made only of digits and "-" continues the previous spec's last-octet
 * list, so "198.18.0.1,5,9-11" stays one spec as it would be on the command line.
 */
export function splitExcludeList(text: string): string[] {
  const specs: string[] = [];
  for (const piece of text.split(',')) {
    const trimmed = piece.trim();
    if (/^[\d-]+$/.test(trimmed) && specs.length > 0 && /^[\d.,*-]+$/.test(specs[specs.length - 1])) {
      specs[specs.length - 1] += `,${trimmed}`;
    } else if (trimmed !== '') {
      specs.push(trimmed);
    }
  }
  return specs;
}
