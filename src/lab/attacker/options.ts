// The attacker's command line and the JSON lines it prints. The attacker is a
// test tool that runs inside a lab's target namespace; it refuses addresses
// outside the lab space (198.18.0.0/15) so that it cannot be pointed elsewhere.
import { parseArgs } from 'node:util';
import { UsageError } from '../../cli/errors.js';
import { cidrBounds, parseIpv4 } from '../../targets/ipv4.js';
import { FORGED_CATEGORY_NAMES, type ForgedCategory } from './forge.js';
import { parseMac } from './packet.js';
import type { ReplayVariant } from './replay.js';

export type AttackCategory = ForgedCategory | ReplayVariant;

export interface AttackerOptions {
  /** scanner address, host order */
  scanner: number;
  sportBase: number;
  sportSpan: number;
  /** forged source addresses: [sourceFirst, sourceFirst + sourceCount) */
  sourceFirst: number;
  sourceCount: number;
  /** target ports forged replies claim to come from */
  targetPorts: number[];
  categories: ForgedCategory[];
  /** frames per second over all categories, replays included */
  rate: number;
  /** run at most this long, ms */
  durationMs: number;
  /** stop once every selected forged category sent this many frames (replays do not count) */
  countPerCategory: number | null;
  replay: boolean;
  /** exact copies sent of each captured reply, before the modified ones */
  replayCopies: number;
  /** link towards the scanner and its MAC; discovered from the routing table when absent */
  interface: string | null;
  peerMac: Uint8Array | null;
  seed: number;
}

/** First line on stdout, once frames can be sent (and replies are being captured). */
export interface AttackReady {
  event: 'ready';
  interface: string;
  peerMac: string;
  seed: number;
}

/** Last line on stdout. */
export interface AttackSummary {
  event: 'summary';
  interface: string;
  durationMs: number;
  /** requested and achieved frames per second */
  targetPps: number;
  achievedPps: number;
  total: number;
  /** frames handed to the kernel, per category (every selected category present) */
  sent: Partial<Record<AttackCategory, number>>;
  sendErrors: number;
  replay: { captured: number; dropped: number; unusable: number } | null;
  stoppedBy: 'duration' | 'count' | 'signal' | 'send-errors';
}

const LAB_SPACE = cidrBounds(parseIpv4('198.18.0.0')!, 15);

export const ATTACKER_USAGE = `usage: node dist/lab/attacker.js --scanner ADDR --sport-base N [options]
  --scanner ADDR        scanner address (inside 198.18.0.0/15)
  --sport-base N        first source port of the scanner's probes
  --sport-span N        number of scanner source ports (default 128)
  --sources CIDR        forged source addresses (default 198.19.0.0/16, inside 198.18.0.0/15)
  --ports LIST          target ports forged replies come from, e.g. 1-1024,8080 (default 1-1024)
  --categories LIST     forged categories, comma-separated, 'all' or 'none' (default all):
                        ${FORGED_CATEGORY_NAMES.join(', ')}
  --rate PPS            frames per second over everything sent (default 10000)
  --duration-ms MS      stop after this long (default 10000, at most 3600000)
  --count N             stop once each selected category sent N frames
  --replay              capture real replies to the scanner and replay them (exact and modified)
  --replay-copies N     exact copies per captured reply (default 3)
  --interface NAME      link towards the scanner (default: from the routing table)
  --peer-mac MAC        scanner-side MAC (default: from the neighbour table)
  --seed N              seed of the forged fields (default: random)`;

export function parseAttackerArgs(argv: string[]): AttackerOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        scanner: { type: 'string' },
        'sport-base': { type: 'string' },
        'sport-span': { type: 'string', default: '128' },
        sources: { type: 'string', default: '198.19.0.0/16' },
        ports: { type: 'string', default: '1-1024' },
        categories: { type: 'string', default: 'all' },
        rate: { type: 'string', default: '10000' },
        'duration-ms': { type: 'string', default: '10000' },
        count: { type: 'string' },
        replay: { type: 'boolean', default: false },
        'replay-copies': { type: 'string', default: '3' },
        interface: { type: 'string' },
        'peer-mac': { type: 'string' },
        seed: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(`attacker: ${(err as Error).message}\n${ATTACKER_USAGE}`, 2);
  }
  if (values.scanner === undefined || values['sport-base'] === undefined) {
    throw new UsageError(`attacker: --scanner and --sport-base are required\n${ATTACKER_USAGE}`, 2);
  }
  const sportBase = integer('--sport-base', values['sport-base'], 1, 65535);
  const sportSpan = integer('--sport-span', values['sport-span'], 1, 65536 - sportBase);
  const [sourceFirst, sourceLast] = labCidr(values.sources);
  const peerMac = values['peer-mac'] === undefined ? null : parseMac(values['peer-mac']);
  if (peerMac === null && values['peer-mac'] !== undefined) {
    throw new UsageError(
      `attacker: --peer-mac '${values['peer-mac']}' is not a MAC address like 02:00:00:00:00:01`,
    );
  }
  return {
    scanner: labAddress('--scanner', values.scanner),
    sportBase,
    sportSpan,
    sourceFirst,
    sourceCount: sourceLast - sourceFirst + 1,
    targetPorts: portList(values.ports),
    categories: categoryList(values.categories),
    rate: integer('--rate', values.rate, 1, 10_000_000),
    durationMs: integer('--duration-ms', values['duration-ms'], 1, 3_600_000),
    countPerCategory: values.count === undefined ? null : integer('--count', values.count, 1, 1e9),
    replay: values.replay,
    replayCopies: integer('--replay-copies', values['replay-copies'], 0, 100),
    interface: values.interface ?? null,
    peerMac,
    seed:
      values.seed === undefined
        ? (Math.random() * 2 ** 32) >>> 0
        : integer('--seed', values.seed, 0, 2 ** 32 - 1),
  };
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(`attacker: ${flag} '${text}' must be an integer from ${min} to ${max}`);
  }
  return n;
}

function labAddress(flag: string, text: string): number {
  const addr = parseIpv4(text);
  if (addr === null || addr < LAB_SPACE[0] || addr > LAB_SPACE[1]) {
    throw new UsageError(
      `attacker: ${flag} '${text}' must be an IPv4 address inside the lab space 198.18.0.0/15`,
    );
  }
  return addr;
}

function labCidr(text: string): [number, number] {
  const [address, prefix, extra] = text.split('/');
  const base = parseIpv4(address);
  const bits = /^\d{1,2}$/.test(prefix ?? '') ? Number(prefix) : NaN;
  if (base === null || extra !== undefined || !(bits >= 15 && bits <= 32)) {
    throw new UsageError(
      `attacker: --sources '${text}' must be a CIDR such as 198.19.0.0/16 (prefix 15 to 32)`,
    );
  }
  const [first, last] = cidrBounds(base, bits);
  if (first < LAB_SPACE[0] || last > LAB_SPACE[1]) {
    throw new UsageError(`attacker: --sources '${text}' must lie inside the lab space 198.18.0.0/15`);
  }
  return [first, last];
}

function portList(text: string): number[] {
  const ports: number[] = [];
  for (const item of text.split(',')) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!(lo >= 1 && hi <= 65535 && lo <= hi)) {
      throw new UsageError(
        `attacker: --ports item '${item}' must be a port or range within 1-65535, e.g. 1-1024`,
      );
    }
    for (let p = lo; p <= hi; p++) ports.push(p);
  }
  return ports;
}

function categoryList(text: string): ForgedCategory[] {
  if (text === 'all') return [...FORGED_CATEGORY_NAMES];
  if (text === 'none') return [];
  return text.split(',').map((name) => {
    if (!(FORGED_CATEGORY_NAMES as string[]).includes(name)) {
      throw new UsageError(
        `attacker: unknown category '${name}'; choose from ${FORGED_CATEGORY_NAMES.join(', ')}`,
      );
    }
    return name as ForgedCategory;
  });
}
