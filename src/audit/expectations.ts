// Which rules judge a (host, port): the expectation lookup shared by the probe
// plan and the verdicts.
//
// Precedence (docs/policy.md, "Which rule applies"):
//   1. every explicit rule of a zone that covers the host and names the port;
//   2. otherwise the zone's default — unless another zone covering the host names
//      the port explicitly: an explicit rule anywhere beats every default.
// Rules that apply together never contradict (policy-conflicts.ts enforces it).
import { blocksOverlap } from './ip.js';
import { MAX_PORT } from './policy-ports.js';
import { ALLOWED, type Observed, type Policy, type RuleRef, type Zone } from './policy-types.js';

export interface Expectation {
  /** the observations every applying rule accepts */
  allowed: readonly Observed[];
  /** the rules that apply, in zone order */
  rules: RuleRef[];
}

export class ExpectationIndex {
  /** per zone: named[port] = 1 when one of its explicit rules names the port */
  private readonly named: Uint8Array[];
  /** per zone: the other zones whose hosts overlap it */
  private readonly neighbours: Zone[][];

  constructor(readonly policy: Policy) {
    this.named = policy.zones.map((zone) => {
      const named = new Uint8Array(MAX_PORT + 1);
      for (const rule of zone.rules) named.fill(1, rule.low, rule.high + 1);
      return named;
    });
    this.neighbours = policy.zones.map((zone) =>
      policy.zones.filter(
        (other) =>
          other !== zone &&
          other.hosts.some((b) => zone.hosts.some((a) => a.first <= b.last && b.first <= a.last)),
      ),
    );
  }

  /** Does the zone name this port in one of its own rules? */
  names(zone: Zone, port: number): boolean {
    return this.named[zone.index][port] === 1;
  }

  /** The rules of `zone` that judge `port` on `host` (host must be one of the zone's). */
  zoneRules(zone: Zone, host: number, port: number): RuleRef[] {
    if (this.names(zone, port)) return zone.rules.filter((rule) => rule.low <= port && port <= rule.high);
    return zone.defaultRule && this.defaultApplies(zone, host, port) ? [zone.defaultRule] : [];
  }

  /** For a port the zone does not name: is it named by another zone that covers the host? */
  defaultApplies(zone: Zone, host: number, port: number): boolean {
    return !this.neighbours[zone.index].some((other) => this.names(other, port) && zoneHas(other, host));
  }

  /** Everything the policy expects of `port` on `host`; undefined when nothing applies. */
  expected(host: number, port: number): Expectation | undefined {
    const rules = this.policy.zones
      .filter((zone) => zoneHas(zone, host))
      .flatMap((zone) => this.zoneRules(zone, host, port));
    if (rules.length === 0) return undefined;
    const allowed = rules.reduce<readonly Observed[]>(
      (common, rule) => common.filter((observed) => ALLOWED[rule.category].includes(observed)),
      ALLOWED.any,
    );
    return { allowed, rules };
  }
}

export function zoneHas(zone: Zone, host: number): boolean {
  return zone.hosts.some((block) => block.first <= host && host <= block.last);
}
