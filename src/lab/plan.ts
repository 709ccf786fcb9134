// Port plans: which behaviour each target port has. Pure and deterministic,
// so a test or a benchmark can rebuild the same plan from its seed.
import { UsageError } from '../cli/errors.js';
import { ServiceTable } from '../ports/services.js';
import { parsePortSpec } from '../ports/spec.js';
import type { PortBehaviour } from './types.js';

export type PortPlan = Record<number, PortBehaviour>;

/** How many ports of each non-default behaviour a random plan holds. */
export interface PortCounts {
  open?: number;
  drop?: number;
  rejectPort?: number;
  rejectAdmin?: number;
  rejectHost?: number;
  reset?: number;
}

const COUNTED: [keyof PortCounts, PortBehaviour][] = [
  ['open', 'open'],
  ['drop', 'drop'],
  ['rejectPort', 'reject-port'],
  ['rejectAdmin', 'reject-admin'],
  ['rejectHost', 'reject-host'],
  ['reset', 'reset'],
];

export const PORT_BEHAVIOURS: readonly PortBehaviour[] = [
  'open',
  'closed',
  'drop',
  'reject-port',
  'reject-admin',
  'reject-host',
  'reset',
  'stateful',
  'drop-syn',
];

const MAX_PORT = 65535;

/**
 * A plan with counts[k] distinct ports of each behaviour, drawn uniformly from
 * 1-65535 by a PRNG seeded with `seed` (same seed and counts, same plan).
 */
export function randomPortPlan(seed: number, counts: PortCounts): PortPlan {
  const total = COUNTED.reduce((sum, [key]) => sum + (counts[key] ?? 0), 0);
  if (
    COUNTED.some(([key]) => !Number.isInteger(counts[key] ?? 0) || (counts[key] ?? 0) < 0) ||
    total > MAX_PORT
  ) {
    throw new UsageError(`random port plan: counts must be whole numbers adding up to at most ${MAX_PORT}`);
  }
  const next = mulberry32(seed);
  // Partial Fisher-Yates shuffle of 1..65535; `swapped` holds the moved slots only.
  const swapped = new Map<number, number>();
  const slot = (i: number) => swapped.get(i) ?? i + 1;
  const plan: PortPlan = {};
  let drawn = 0;
  for (const [key, behaviour] of COUNTED) {
    for (let n = 0; n < (counts[key] ?? 0); n++, drawn++) {
      const pick = drawn + Math.floor(next() * (MAX_PORT - drawn));
      const port = slot(pick);
      swapped.set(pick, slot(drawn));
      plan[port] = behaviour;
    }
  }
  return plan;
}

/** Splits `total` ports as evenly as possible over the six non-default behaviours (open first). */
export function evenCounts(total: number): PortCounts {
  const share = Math.floor(total / COUNTED.length);
  const rest = total % COUNTED.length;
  return Object.fromEntries(COUNTED.map(([key], i) => [key, share + (i < rest ? 1 : 0)]));
}

/** Parses a port list such as '22,80,1000-1010' (the -p grammar, no service names); `what` names the option. */
export function parsePortList(text: string, what: string): number[] {
  return parsePortSpec(text, NO_SERVICES, what);
}

const NO_SERVICES = new ServiceTable([], 'no services table: give port numbers');

/** Ports per behaviour, ascending; behaviours without ports are left out. */
export function portsByBehaviour(plan: PortPlan): Map<PortBehaviour, number[]> {
  const groups = new Map<PortBehaviour, number[]>();
  for (const b of PORT_BEHAVIOURS) {
    const ports = Object.keys(plan)
      .map(Number)
      .filter((p) => plan[p] === b);
    if (ports.length > 0)
      groups.set(
        b,
        ports.sort((x, y) => x - y),
      );
  }
  return groups;
}

/** Checks a plan given as options: ports 1-65535, known behaviours. */
export function checkPortPlan(plan: PortPlan): Map<number, PortBehaviour> {
  const checked = new Map<number, PortBehaviour>();
  for (const [key, behaviour] of Object.entries(plan)) {
    const port = Number(key);
    if (!Number.isInteger(port) || port < 1 || port > MAX_PORT) {
      throw new UsageError(`lab port ${key} is out of range: ports are 1-65535`);
    }
    if (!PORT_BEHAVIOURS.includes(behaviour)) {
      throw new UsageError(
        `lab port ${port}: unknown behaviour '${behaviour}' (one of ${PORT_BEHAVIOURS.join(', ')})`,
      );
    }
    if (behaviour !== 'closed') checked.set(port, behaviour);
  }
  return checked;
}

/** Small, fast, seedable PRNG (mulberry32): uniform floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
