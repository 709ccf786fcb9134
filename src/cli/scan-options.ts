// The scan command's options: yargs definitions and their validation into a
// plain ScanSettings object. Pure: no I/O, so every rule is unit-tested.
import type { Argv } from 'yargs';
import { UsageError } from './errors.js';
import { DEFAULT_USER } from './privilege.js';
import type { ScanType } from '../scan/types.js';
import { parseShard, type Shard } from '../scan/permutation.js';
import { parseDuration } from './progress.js';
import { parseTiming, timingOverrides, type TimingOverrides } from './timing-options.js';
import { resolveTiming } from '../scan/timing.js';

export const SCAN_CHOICES = ['syn', 'fin', 'null', 'xmas', 'ack', 'window', 'maimon', 'connect'] as const;

/** --shard K/N: N at most 2^16 */
export const MAX_SHARDS = 2 ** 16;

/** Highest --min-rate/--max-rate without --unsafe-rate, probes per second; and with it. */
export const MAX_SAFE_RATE = 1_000_000;
export const MAX_RATE = 100_000_000;

/** --user, as the scan, audit and firewalk commands define it (src/cli/drop-privileges.ts) */
export const USER_OPTION = {
  type: 'string',
  describe: `started as root: the user the scan runs as once its socket and files are open (default ${DEFAULT_USER})`,
} as const;

export function defineScanOptions<T>(y: Argv<T>) {
  return y
    .option('scan', {
      type: 'string',
      array: true,
      // One value per --scan (-sS becomes --scan syn): an array option would
      // otherwise take the targets after `-p 80 -sS` as scan types too.
      nargs: 1,
      choices: SCAN_CHOICES,
      describe:
        'scan type (-sS syn, -sF fin, -sN null, -sX xmas, -sA ack, -sW window, -sM maimon, -sT connect)',
      group: 'Scan:',
    })
    .option('ports', {
      alias: 'p',
      type: 'string',
      describe: 'ports: 22,80,1000-2000, -p- for all, service names (default: 1-1024 + /etc/services)',
      group: 'Scan:',
    })
    .option('Pn', {
      type: 'boolean',
      default: true,
      describe: 'treat every host as up (the default: host discovery is not implemented yet)',
      group: 'Scan:',
    })
    .option('n', {
      type: 'boolean',
      default: false,
      describe: 'never do reverse DNS resolution',
      group: 'Scan:',
    })
    .option('scanflags', {
      type: 'string',
      describe:
        'custom TCP flags, e.g. URGACKPSHRSTSYNFIN or 0x29 (classified as the -s type given, SYN by default)',
      group: 'Scan:',
    })
    .option('input-list', {
      type: 'string',
      describe: '-iL FILE: read targets from FILE (- for stdin)',
      group: 'Targets:',
    })
    .option('exclude', {
      type: 'string',
      describe: 'comma-separated targets to leave out',
      group: 'Targets:',
    })
    .option('excludefile', { type: 'string', describe: 'file of targets to leave out', group: 'Targets:' })
    .option('allow-broadcast', {
      type: 'boolean',
      default: false,
      describe:
        'also scan broadcast, multicast and reserved addresses (0.0.0.0/8, 224.0.0.0/4, 240.0.0.0/4, local network/broadcast addresses), skipped by default',
      group: 'Targets:',
    })
    .option('user', { ...USER_OPTION, group: 'Scan:' })
    .option('timing', {
      alias: 'T',
      type: 'string',
      describe: 'timing template 0-5 (paranoid, sneaky, polite, normal, aggressive, insane)',
      group: 'Timing:',
    })
    .option('min-rate', {
      type: 'number',
      describe: 'send at least this many probes per second',
      group: 'Timing:',
    })
    .option('max-rate', {
      type: 'number',
      describe: `send at most this many probes per second (up to ${MAX_SAFE_RATE} without --unsafe-rate)`,
      group: 'Timing:',
    })
    .option('unsafe-rate', {
      type: 'boolean',
      default: false,
      describe: `allow --min-rate/--max-rate above ${MAX_SAFE_RATE} probes per second`,
      group: 'Timing:',
    })
    .option('max-retries', {
      type: 'number',
      describe: 'retransmissions of an unanswered probe (0-15)',
      group: 'Timing:',
    })
    .option('min-rtt-timeout', {
      type: 'string',
      describe:
        'fixed least time a probe waits for its answer, e.g. 100ms (default: adaptive, see docs/usage.md)',
      group: 'Timing:',
    })
    .option('max-rtt-timeout', {
      type: 'string',
      describe: 'most time a probe waits for its answer, e.g. 1s',
      group: 'Timing:',
    })
    .option('initial-rtt-timeout', {
      type: 'string',
      describe: 'what a probe waits before any RTT is measured, e.g. 500ms',
      group: 'Timing:',
    })
    .option('scan-delay', {
      type: 'string',
      describe: 'wait this long between probes, e.g. 10ms (sets the most probes/s)',
      group: 'Timing:',
    })
    .option('max-parallelism', {
      type: 'number',
      describe: 'most probes in flight at once',
      group: 'Timing:',
    })
    .option('interface', {
      alias: 'e',
      type: 'string',
      describe: 'send and capture on this interface',
      group: 'Network:',
    })
    .option('source', { alias: 'S', type: 'string', describe: 'source address of probes', group: 'Network:' })
    .option('source-port', {
      alias: 'g',
      type: 'number',
      describe: 'first source port (rawscan uses 16 per scan type)',
      group: 'Network:',
    })
    .option('ttl', { type: 'number', describe: 'IP time-to-live of probes (1-255)', group: 'Network:' })
    .option('data-length', {
      type: 'number',
      describe: 'append this many random bytes to each probe',
      group: 'Network:',
    })
    .option('badsum', {
      type: 'boolean',
      describe: 'send probes with a bad TCP checksum (answers come from middleboxes)',
      group: 'Network:',
    })
    .option('output-normal', {
      type: 'string',
      describe: '-oN FILE: normal output (- for stdout)',
      group: 'Output:',
    })
    .option('output-xml', { type: 'string', describe: '-oX FILE: nmap XML', group: 'Output:' })
    .option('output-grepable', { type: 'string', describe: '-oG FILE: grepable output', group: 'Output:' })
    .option('output-json', {
      type: 'string',
      describe: '-oJ FILE: JSON (schema in docs/schema/)',
      group: 'Output:',
    })
    .option('output-ndjson', {
      type: 'string',
      describe: 'FILE: one JSON line per port result, streamed',
      group: 'Output:',
    })
    .option('evidence', {
      type: 'string',
      describe: 'FILE: one JSON line per probe outcome with its reply (docs/evidence.md)',
      group: 'Output:',
    })
    .option('reason', {
      type: 'boolean',
      default: false,
      describe: 'show the reason for every port state',
      group: 'Output:',
    })
    .option('open', {
      type: 'boolean',
      default: false,
      describe: 'show only open (and possibly open) ports',
      group: 'Output:',
    })
    .option('verbose', {
      alias: 'v',
      type: 'count',
      describe: 'more output (-vv for more)',
      group: 'Output:',
    })
    .option('resume', {
      type: 'string',
      describe:
        'FILE: journal of this scan; if FILE holds one, continue it without probing again what it answered (same command)',
      group: 'Scan:',
    })
    .option('seed', {
      type: 'string',
      describe: 'seed of the probe order (same seed, same order)',
      group: 'Scan:',
    })
    .option('shard', {
      type: 'string',
      describe:
        'K/N: scan only the K-th of N parts of the probes (same --seed on all N machines; then rawscan merge)',
      group: 'Scan:',
    })
    .option('stats-every', {
      type: 'string',
      describe: 'print a progress line this often, even when stderr is not a terminal (10s, 500ms, 2m)',
      group: 'Output:',
    });
}

export interface RawScanArgs {
  scan?: string[];
  ports?: string;
  n: boolean;
  scanflags?: string;
  timing?: string;
  'min-rate'?: number;
  'max-rate'?: number;
  'unsafe-rate'?: boolean;
  'max-retries'?: number;
  'min-rtt-timeout'?: string;
  'max-rtt-timeout'?: string;
  'initial-rtt-timeout'?: string;
  'scan-delay'?: string;
  'max-parallelism'?: number;
  'source-port'?: number;
  ttl?: number;
  'data-length'?: number;
  badsum?: boolean;
  seed?: string;
  shard?: string;
  'stats-every'?: string;
  /** --resume FILE (src/cli/resume.ts) */
  resume?: string;
}

export interface ScanSettings {
  scanTypes: ScanType[];
  timing: number;
  minRate?: number;
  maxRate?: number;
  maxRetries?: number;
  /** --min-rtt-timeout, --max-rtt-timeout, --initial-rtt-timeout, --scan-delay, --max-parallelism */
  timingOverrides: TimingOverrides;
  sourcePort?: number;
  ttl: number;
  dataLength: number;
  badsum: boolean;
  customFlags: number;
  /** --shard K/N; absent for the whole scan */
  shard?: Shard;
  /** --stats-every, ms */
  statsEveryMs?: number;
}

function checkInt(name: string, v: number | undefined, lo: number, hi: number, fix: string): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    // yargs hands NaN for a non-number and an array for a repeated option.
    const problem = Array.isArray(v)
      ? `is given more than once (${v.join(', ')})`
      : Number.isNaN(v)
        ? 'needs a number'
        : `${v} is out of range`;
    throw new UsageError(`${name} ${problem}: ${fix}`);
  }
}

const FLAG_BITS: Record<string, number> = {
  FIN: 1,
  SYN: 2,
  RST: 4,
  PSH: 8,
  ACK: 16,
  URG: 32,
  ECE: 64,
  CWR: 128,
};

/** nmap's --scanflags: a number (decimal or 0x hex) or flag names run together. */
export function parseScanFlags(spec: string): number {
  if (/^(0x[0-9a-f]{1,2}|\d{1,3})$/i.test(spec)) {
    const v = Number(spec);
    if (v <= 255) return v;
  }
  let bits = 0;
  let rest = spec.toUpperCase();
  while (rest.length > 0) {
    const name = Object.keys(FLAG_BITS).find((f) => rest.startsWith(f));
    if (!name) {
      throw new UsageError(
        `--scanflags "${spec}" is not a flag set: use names run together (e.g. URGPSHFIN) or a number 0-255`,
      );
    }
    bits |= FLAG_BITS[name];
    rest = rest.slice(name.length);
  }
  return bits;
}

export function validateScanArgs(a: RawScanArgs, privileged: boolean): ScanSettings {
  const rateCap = a['unsafe-rate'] ? MAX_RATE : MAX_SAFE_RATE;
  const rateFix = a['unsafe-rate']
    ? `give a number of probes per second from 1 to ${MAX_RATE}`
    : `give a number of probes per second from 1 to ${MAX_SAFE_RATE}, or add --unsafe-rate to go up to ${MAX_RATE}`;
  checkInt('--min-rate', a['min-rate'], 1, rateCap, rateFix);
  checkInt('--max-rate', a['max-rate'], 1, rateCap, rateFix);
  if (a['min-rate'] !== undefined && a['max-rate'] !== undefined && a['min-rate'] > a['max-rate']) {
    throw new UsageError(
      `--min-rate ${a['min-rate']} is above --max-rate ${a['max-rate']}: lower one of them`,
    );
  }
  checkInt('--max-retries', a['max-retries'], 0, 15, 'use 0 to 15');
  checkInt('--max-parallelism', a['max-parallelism'], 1, 1 << 20, 'use 1 to 1048576 probes');
  checkInt('-g/--source-port', a['source-port'], 1, 65535 - 16 * 8, 'use a port from 1 to 65407');
  checkInt('--ttl', a.ttl, 1, 255, 'use 1 to 255');
  checkInt('--data-length', a['data-length'], 0, 1400, 'use 0 to 1400 bytes');

  const requested = [...new Set(a.scan ?? [])] as ScanType[];
  const customFlags = a.scanflags === undefined ? 0 : parseScanFlags(a.scanflags);
  let scanTypes: ScanType[] = requested.length > 0 ? requested : [privileged ? 'syn' : 'connect'];
  if (a.scanflags !== undefined) {
    if (scanTypes.includes('connect')) {
      throw new UsageError(
        '--scanflags cannot be combined with -sT: the kernel chooses the flags of a connect scan',
      );
    }
    // nmap: --scanflags with one -s type classifies replies as that type.
    scanTypes = ['custom'];
  }
  if (scanTypes.includes('connect') && scanTypes.length > 1) {
    throw new UsageError('-sT cannot be combined with raw scan types; run it separately');
  }
  const rawOnly = a.ttl !== undefined || a['data-length'] !== undefined || a.badsum;
  if (scanTypes.includes('connect') && rawOnly) {
    throw new UsageError('--ttl, --data-length and --badsum need a raw scan type (-sS, -sF, ...), not -sT');
  }
  const timing = parseTiming(a.timing);
  const overrides = timingOverrides(a);
  // Throws the UsageError of a contradiction (--min-rtt-timeout above --max-rtt-timeout...) now, before any engine opens.
  resolveTiming({ template: timing, ...overrides });
  return {
    scanTypes,
    timing,
    minRate: a['min-rate'],
    maxRate: a['max-rate'],
    maxRetries: a['max-retries'],
    timingOverrides: overrides,
    sourcePort: a['source-port'],
    ttl: a.ttl ?? 64,
    dataLength: a['data-length'] ?? 0,
    badsum: a.badsum ?? false,
    customFlags,
    shard: a.shard === undefined ? undefined : validateShard(a, scanTypes),
    statsEveryMs:
      a['stats-every'] === undefined ? undefined : parseDuration(a['stats-every'], '--stats-every'),
  };
}

/** Shards partition the permuted probe space only when every shard uses the same seed. */
function validateShard(a: RawScanArgs, scanTypes: ScanType[]): Shard {
  const shard = parseShard(a.shard!);
  if (shard.count > MAX_SHARDS) {
    throw new UsageError(`--shard ${a.shard}: at most ${MAX_SHARDS} shards; use a smaller N`);
  }
  if (a.seed === undefined) {
    throw new UsageError(
      `--shard ${a.shard} needs --seed: give every shard the same --seed (e.g. --seed 42) so that the ${shard.count} shards split one probe order`,
    );
  }
  if (scanTypes.includes('connect')) {
    throw new UsageError(
      '--shard needs a raw scan type (-sS, -sF, ...): the connect scan (-sT) is not sharded',
    );
  }
  return shard;
}

/** For --scanflags, the scan type whose rules classify the replies. */
export function customBase(requested: readonly string[] | undefined): ScanType {
  const base = (requested ?? []).find((s) => s !== 'connect');
  return (base as ScanType | undefined) ?? 'syn';
}
