// The audit policy after parsing and validation: zones of hosts, and per zone the
// ports that must be open, closed, filtered or blocked. docs/policy.md is the
// user-facing description; docs/schema/policy.schema.json the file format.
import { UsageError } from '../cli/errors.js';
import type { HostBlock } from './ip.js';

/** The expectation categories a zone may list ports under. */
export const PORT_CATEGORIES = ['open', 'closed', 'filtered', 'blocked'] as const;
export type PortCategory = (typeof PORT_CATEGORIES)[number];

/** What a zone's `default` may say about every port it does not list. */
export const DEFAULT_CATEGORIES = ['blocked', 'closed', 'filtered', 'any'] as const;
export type DefaultCategory = (typeof DEFAULT_CATEGORIES)[number];

/** The scans an audit can rest on: both give open / closed / filtered. */
export const AUDIT_SCANS = ['syn', 'connect'] as const;
export type AuditScan = (typeof AUDIT_SCANS)[number];

/** A port as a SYN or connect probe sees it. */
export type Observed = 'open' | 'closed' | 'filtered';

/**
 * The observations that satisfy each category:
 *   open     — SYN-ACK: something listens and the firewall lets it through
 *   closed   — RST: the host (or a firewall forging resets) answers, nothing listens
 *   filtered — silence or ICMP unreachable: a firewall drops or rejects the probe
 *   blocked  — not open: closed or filtered
 *   any      — no expectation (defaults only)
 */
export const ALLOWED: Record<PortCategory | 'any', readonly Observed[]> = {
  open: ['open'],
  closed: ['closed'],
  filtered: ['filtered'],
  blocked: ['closed', 'filtered'],
  any: ['open', 'closed', 'filtered'],
};

/** Two expectations contradict when no observation satisfies both. */
export function contradicts(a: PortCategory, b: PortCategory): boolean {
  return !ALLOWED[a].some((observed) => ALLOWED[b].includes(observed));
}

/** One rule of a policy: a zone's category entry ("dmz-web open 80") or its default. */
export interface RuleRef {
  zone: string;
  zoneIndex: number;
  /** the zone's key the rule sits under */
  field: PortCategory | 'default';
  /** position in that list; undefined for the default */
  index?: number;
  /** what the rule expects of its ports */
  category: PortCategory;
  /** the entry as written ("80", "3000-3010", "ssh"); "other ports" for a default */
  spec: string;
  /** where the entry is, e.g. zones[0].open[2] */
  path: string;
  /** 1-based line of the entry in the policy file */
  line: number;
}

/** An explicit rule: a port or an inclusive range of ports. */
export interface PortRule extends RuleRef {
  field: PortCategory;
  index: number;
  low: number;
  high: number;
}

export interface Zone {
  name: string;
  index: number;
  line: number;
  description?: string;
  hosts: HostBlock[];
  /** the explicit rules, in file order: open, closed, filtered, blocked */
  rules: PortRule[];
  /** the rule for every port no rule names; absent for `default: any` */
  defaultRule?: RuleRef;
}

/** How many ports the probe plan draws; the CLI may override each. */
export interface Sampling {
  /** ports drawn from the inside of each range, besides its edges */
  rangeSample: number;
  /** ports drawn at random from the space a non-`any` default covers, besides the common ports */
  defaultSample: number;
  /** seed of the draws: the same seed and policy give the same ports */
  seed: number;
}

export const DEFAULT_SAMPLING: Sampling = { rangeSample: 8, defaultSample: 64, seed: 1 };

export interface Policy {
  file: string;
  version: 1;
  description?: string;
  scan: AuditScan;
  sampling: Sampling;
  zones: Zone[];
}

export function ruleLabel(rule: RuleRef): string {
  return rule.field === 'default'
    ? `${rule.zone} default ${rule.category}`
    : `${rule.zone} ${rule.category} ${rule.spec}`;
}

/**
 * A malformed policy. The message reads `FILE:LINE: field PATH: PROBLEM`, e.g.
 * `dmz.yaml:7: field zones[0].open[2]: port 70000 is out of range (1-65535)`.
 * Exit code 2, as for every audit error.
 */
export class PolicyError extends UsageError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${field ? `field ${field}: ` : ''}${problem}`, 2);
    this.name = 'PolicyError';
  }
}
