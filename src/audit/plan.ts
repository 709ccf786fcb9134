// The probe plan of an audit: for every zone, its hosts and the ports that test
// its rules (docs/policy.md, "What gets probed"):
//   - every listed port, and both edges of every range;
//   - one past each edge of a range (low-1, high+1, within 1-65535), when the zone
//     has an expectation there (another rule, or a default other than `any`): that
//     checks the rule's boundary is where the policy says;
//   - `rangeSample` ports drawn from each range's inside, or all of them with full;
//   - for a default other than `any`: the common ports (SERVICE_PORTS) the zone does
//     not list, plus `defaultSample` ports drawn from the rest, or every unlisted
//     port with full.
// Draws are deterministic: seeded by (seed, zone name, rule path), so adding a
// rule does not move the samples of the others.
import { ExpectationIndex } from './expectations.js';
import { mergeBlocks, parseIPv4 } from './ip.js';
import { COMMON_PORTS, MAX_PORT, MIN_PORT } from './policy-ports.js';
import type { AuditScan, Policy, Sampling, Zone } from './policy-types.js';

const COMMON_SET = new Set(COMMON_PORTS);

export interface AuditOptions {
  /** probe every port of every range and every port a default covers */
  full?: boolean;
  /** override the policy's defaults.seed / rangeSample / defaultSample */
  seed?: number;
  rangeSample?: number;
  defaultSample?: number;
}

/** One scan to run: every port on every host of one zone. */
export interface ProbeGroup {
  zone: string;
  zoneIndex: number;
  /** as written in the policy: addresses and CIDR blocks */
  hosts: string[];
  /** distinct addresses in hosts */
  hostCount: number;
  /** the same addresses as ascending, disjoint ranges of host-order u32 */
  addressRanges: { first: number; last: number }[];
  /** ascending, distinct, 1-65535 */
  ports: number[];
}

export interface AuditPlan {
  policy: Policy;
  scan: AuditScan;
  full: boolean;
  sampling: Sampling;
  groups: ProbeGroup[];
  /** host × port pairs over all groups (a host in two zones counts in both) */
  probes: number;
  expectations: ExpectationIndex;
}

export function planAudit(policy: Policy, options: AuditOptions = {}): AuditPlan {
  const sampling: Sampling = {
    seed: options.seed ?? policy.sampling.seed,
    rangeSample: options.rangeSample ?? policy.sampling.rangeSample,
    defaultSample: options.defaultSample ?? policy.sampling.defaultSample,
  };
  const full = options.full ?? false;
  const expectations = new ExpectationIndex(policy);
  const groups = policy.zones.map((zone) => {
    const addressRanges = mergeBlocks(zone.hosts);
    return {
      zone: zone.name,
      zoneIndex: zone.index,
      hosts: zone.hosts.map((block) => block.spec),
      hostCount: addressRanges.reduce((sum, range) => sum + range.last - range.first + 1, 0),
      addressRanges,
      ports: zonePorts(zone, expectations, sampling, full),
    };
  });
  const probes = groups.reduce((sum, group) => sum + group.hostCount * group.ports.length, 0);
  return { policy, scan: policy.scan, full, sampling, groups, probes, expectations };
}

/** What the policy expects of a port on a host (dotted quad or u32). */
export function expectedAt(plan: AuditPlan, host: string | number, port: number) {
  const address = typeof host === 'number' ? host : parseIPv4(host);
  return address === undefined ? undefined : plan.expectations.expected(address, port);
}

function zonePorts(zone: Zone, index: ExpectationIndex, sampling: Sampling, full: boolean): number[] {
  const ports = new Set<number>();
  for (const rule of zone.rules) {
    ports.add(rule.low).add(rule.high);
    if (rule.low === rule.high) continue;
    for (const beyond of [rule.low - 1, rule.high + 1]) {
      const inSpace = beyond >= MIN_PORT && beyond <= MAX_PORT;
      if (inSpace && (zone.defaultRule || index.names(zone, beyond))) ports.add(beyond);
    }
    const inside = { low: rule.low + 1, count: rule.high - rule.low - 1 };
    const draws = full ? inside.count : sampling.rangeSample;
    const random = seededRandom(sampling.seed, `${zone.name}/${rule.path}`);
    for (const offset of drawDistinct(inside.count, draws, random)) ports.add(inside.low + offset);
  }
  if (zone.defaultRule) {
    const common = COMMON_PORTS.filter((port) => !index.names(zone, port));
    const rest: number[] = [];
    for (let port = MIN_PORT; port <= MAX_PORT; port++) {
      if (!index.names(zone, port) && !COMMON_SET.has(port)) rest.push(port);
    }
    const draws = full ? rest.length : sampling.defaultSample;
    const random = seededRandom(sampling.seed, `${zone.name}/default`);
    for (const port of common) ports.add(port);
    for (const i of drawDistinct(rest.length, draws, random)) ports.add(rest[i]);
  }
  return [...ports].sort((a, b) => a - b);
}

/** `draws` distinct indices of 0..count-1 (all of them when draws >= count); Floyd's algorithm. */
export function drawDistinct(count: number, draws: number, random: () => number): number[] {
  if (draws >= count) return Array.from({ length: Math.max(count, 0) }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = count - draws; j < count; j++) {
    const pick = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(pick) ? j : pick);
  }
  return [...chosen];
}

/** A mulberry32 stream in [0, 1), seeded by FNV-1a of the seed and a label. */
export function seededRandom(seed: number, label: string): () => number {
  let state = 0x811c9dc5;
  for (const char of `${seed}:${label}`) state = Math.imul(state ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
