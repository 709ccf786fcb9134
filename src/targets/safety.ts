// Safe defaults and input limits for the targets of a scan.
//   - Destinations no scan should hit by accident are skipped unless
//     --allow-broadcast: 0.0.0.0/8 ("this network"), 224.0.0.0/4 (multicast),
//     240.0.0.0/4 (reserved, with the limited broadcast 255.255.255.255), and
//     the network and broadcast address of every local IPv4 subnet.
//   - The administrator's exclude file (SYSTEM_EXCLUDE_FILE, same format as
//     --excludefile, addresses only) is always applied when it exists.
//   - -iL / --excludefile are read through a reader that refuses files above
//     MAX_LIST_FILE_BYTES or with more specs than MAX_INTERVALS, before splitting.
//   - A scan whose report would hold more than MAX_PORT_RESULTS port results
//     (every port of every host is reported) is refused before it starts.

import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { UsageError } from '../cli/errors.js';
import { countAddresses, IntervalBuilder, subtractIntervals, type IntervalList } from './intervals.js';
import { cidrBounds, parseIpv4 } from './ipv4.js';
import { splitSpecFile, type TextReader } from './load.js';
import { MAX_INTERVALS, parseTargetSpec } from './spec.js';
import { TargetSet } from './target-set.js';

export const SYSTEM_EXCLUDE_FILE = '/etc/rawscan/exclude.conf';
/** Largest -iL / --excludefile / system exclude file, bytes. */
export const MAX_LIST_FILE_BYTES = 64 * 1024 * 1024;
/** Largest report: targets x ports x scan types (per shard); ~100 bytes each in memory. */
export const MAX_PORT_RESULTS = 2 ** 24;

/** Addresses a scan leaves out, and why (for the note that says so). */
export interface Exclusion {
  why: string;
  list: IntervalList;
}

const RESERVED: [string, number][] = [
  ['0.0.0.0', 8],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

/** 0.0.0.0/8, multicast and reserved (with 255.255.255.255), and the given local network/broadcast addresses. */
export function unsafeDestinations(localBroadcasts: number[]): IntervalList {
  const builder = new IntervalBuilder();
  for (const [base, prefix] of RESERVED) builder.add(...cidrBounds(parseIpv4(base)!, prefix));
  for (const addr of localBroadcasts) builder.add(addr, addr);
  return builder.normalize();
}

/**
 * Network and broadcast addresses of the local IPv4 subnets, for prefixes up
 * to /30 (/31 and /32 have neither), from os.networkInterfaces() (getifaddrs,
 * no process). It lists the interfaces that are up and have a carrier: a probe
 * routed to any other goes nowhere.
 */
export function localBroadcastAddresses(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): number[] {
  const found = new Set<number>();
  for (const info of Object.values(interfaces).flatMap((infos) => infos ?? [])) {
    const addr = info.family === 'IPv4' ? parseIpv4(info.address) : null;
    const prefix = info.cidr === null ? NaN : Number(info.cidr.slice(info.cidr.indexOf('/') + 1));
    if (addr === null || !(prefix <= 30)) continue;
    const [network, broadcast] = cidrBounds(addr, prefix);
    found.add(network).add(broadcast);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The safe defaults for a loaded target set: the system exclude file, then
 * (unless allowBroadcast) the unsafe destinations.
 */
export async function applySafeDefaults(
  targets: TargetSet,
  allowBroadcast: boolean,
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>,
  systemFile = SYSTEM_EXCLUDE_FILE,
): Promise<TargetSet> {
  const exclusions: Exclusion[] = [];
  const system = await systemExclusion(systemFile);
  if (system !== undefined) exclusions.push(system);
  if (!allowBroadcast) exclusions.push(unsafeExclusion(localBroadcastAddresses(interfaces)));
  return applyExclusions(targets, exclusions);
}

/**
 * The targets minus every exclusion, with a note per exclusion that removed
 * something. UsageError when nothing is left (the message names the cause).
 */
export function applyExclusions(targets: TargetSet, exclusions: Exclusion[]): TargetSet {
  let list = toList(targets);
  const notes = [...targets.notes];
  for (const { why, list: remove } of exclusions) {
    const before = countAddresses(list);
    const remaining = subtractIntervals(list, remove);
    const removed = before - countAddresses(remaining);
    if (removed === 0) continue;
    if (remaining.firsts.length === 0) {
      throw new UsageError(`every target was left out: ${why}`);
    }
    notes.push(`skipped ${removed} address${removed === 1 ? '' : 'es'}: ${why}`);
    list = remaining;
  }
  if (notes.length === targets.notes.length) return targets;
  const hostnames = new Map<number, string>();
  const result = new TargetSet(list, hostnames, notes);
  for (const [addr, name] of targets.hostnames) if (result.has(addr)) hostnames.set(addr, name);
  return result;
}

export function unsafeExclusion(localBroadcasts: number[]): Exclusion {
  return {
    why:
      'broadcast, multicast and reserved destinations (0.0.0.0/8, 224.0.0.0/4, 240.0.0.0/4, ' +
      'network and broadcast addresses of local subnets); --allow-broadcast scans them',
    list: unsafeDestinations(localBroadcasts),
  };
}

/**
 * The administrator's exclusions: addresses, CIDR blocks and ranges (no host
 * names: resolving them would make the policy depend on DNS). A missing file
 * excludes nothing; an unreadable or malformed one is an error, never ignored.
 */
export async function systemExclusion(
  path = SYSTEM_EXCLUDE_FILE,
  readText: TextReader = boundedFileReader(),
): Promise<Exclusion | undefined> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot read the system exclude file ${path} (${reason}); ask its administrator`);
  }
  const builder = new IntervalBuilder();
  for (const spec of splitSpecFile(text)) {
    let parsed;
    try {
      parsed = parseTargetSpec(spec, builder);
    } catch (error) {
      throw new UsageError(`system exclude file ${path}: ${(error as Error).message}`);
    }
    if (parsed.kind === 'hostname') {
      throw new UsageError(
        `system exclude file ${path} names the host ${spec}: list addresses or ranges only`,
      );
    }
  }
  return { why: `excluded by ${path}`, list: builder.normalize() };
}

/**
 * A TextReader (load.ts) for -iL and exclude files that bounds memory: it
 * stops reading a file (or stdin) as soon as it passes maxBytes, and refuses
 * a text with more than maxSpecs specs before anything splits it.
 */
export function boundedFileReader(maxBytes = MAX_LIST_FILE_BYTES, maxSpecs = MAX_INTERVALS): TextReader {
  return async (path) => {
    const what = path === '-' ? 'standard input' : path;
    const text =
      (path === '-' ? undefined : readBoundedFile(path, what, maxBytes)) ??
      (await readBounded(path === '-' ? process.stdin : createReadStream(path), what, maxBytes));
    if (countSpecs(text, maxSpecs) > maxSpecs) {
      throw new UsageError(
        `${what} lists more than ${maxSpecs} targets, the limit that bounds memory; ` +
          'use CIDR blocks or ranges, or split the list over several scans',
      );
    }
    return text;
  };
}

async function readBounded(
  input: AsyncIterable<Buffer | string>,
  what: string,
  maxBytes: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    if (total > maxBytes) throw tooLarge(what, maxBytes);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A regular file's text, read synchronously up to maxBytes; undefined for
 * anything else (a FIFO, a device), which readBounded reads as a stream. A
 * scan reads the system exclude file on every start: a stream would load
 * node's stream modules and start libuv's thread pool (~4 ms, and four more
 * threads for the privilege drop to change).
 */
function readBoundedFile(path: string, what: string, maxBytes: number): string | undefined {
  // O_NONBLOCK: opening a FIFO must not wait for its writer here.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, chunk);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(what, maxBytes);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function tooLarge(what: string, maxBytes: number): UsageError {
  return new UsageError(
    `${what} is larger than ${maxBytes} bytes, the limit for a target or exclude list; ` +
      'use CIDR blocks or ranges, or split the list over several scans',
  );
}

/**
 * Specs in a list text as splitSpecFile would find them (whitespace-separated,
 * "#" to end of line a comment), counted without allocating; stops past limit.
 */
export function countSpecs(text: string, limit = Infinity): number {
  let count = 0;
  let inSpec = false;
  let inComment = false;
  for (let k = 0; k < text.length && count <= limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 10) {
      inComment = false;
      inSpec = false;
    } else if (inComment) {
      continue;
    } else if (c === 35) {
      inComment = true;
      inSpec = false;
    } else if (c === 32 || (c >= 9 && c <= 13)) {
      inSpec = false;
    } else if (!inSpec) {
      inSpec = true;
      count++;
    }
  }
  return count;
}

/**
 * Refuses a scan whose report would exceed MAX_PORT_RESULTS: every port of
 * every host is reported, so memory grows with targets x ports x scan types.
 * shards: --shard N, each shard reports its part only.
 */
export function checkScanSize(targets: number, ports: number, scanTypes: number, shards = 1): void {
  const results = Math.ceil((targets * ports * scanTypes) / shards);
  if (results <= MAX_PORT_RESULTS) return;
  throw new UsageError(
    `${targets} target${targets === 1 ? '' : 's'} x ${ports} port${ports === 1 ? '' : 's'} x ${scanTypes} scan ` +
      `type${scanTypes === 1 ? '' : 's'} make ${results} port results${shards > 1 ? ' per shard' : ''}, more than ` +
      `the ${MAX_PORT_RESULTS} one report can hold (every port of every host is reported); narrow the targets or ` +
      'ports, or split the scan with --shard K/N --seed S',
  );
}

function toList(targets: TargetSet): IntervalList {
  const builder = new IntervalBuilder();
  for (const [first, last] of targets.intervals()) builder.add(first, last);
  return builder.normalize();
}
