// The shape of audit verdicts: per (host, port) checks, per rule verdicts, and
// the AuditResult that the JSON output prints as is (docs/policy.md, "JSON output").
import type { PortState, Reason } from '../scan/types.js';
import type { AuditScan, Observed, RuleRef, Sampling } from './policy-types.js';

export const OUTCOMES = [
  'as-intended',
  'unexpectedly-open',
  'unexpectedly-closed',
  'unexpectedly-blocked',
  'unverified',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A rule's outcome is the most severe of its pairs': open first, as-intended last. */
export const SEVERITY: readonly Outcome[] = [
  'unexpectedly-open',
  'unexpectedly-closed',
  'unexpectedly-blocked',
  'unverified',
  'as-intended',
];

/** A violation is named after what was seen: open, closed (RST), or blocked (silence / ICMP). */
export const VIOLATION: Record<Observed, Outcome> = {
  open: 'unexpectedly-open',
  closed: 'unexpectedly-closed',
  filtered: 'unexpectedly-blocked',
};

/** Exceptions listed per rule; the rest are counted in exceptionsOmitted. */
export const MAX_LISTED_EXCEPTIONS = 100;

/** One (host, port) judged against one rule, with the evidence from the scan. */
export interface PortCheck {
  host: string;
  port: number;
  outcome: Outcome;
  state?: PortState;
  reason?: Reason;
  /** TTL of the reply that decided the state; absent when nothing answered */
  ttl?: number;
  /** the replier when it is not the target (a router or firewall sending ICMP) */
  responder?: string;
  /** "type/code" of an ICMP reply */
  icmp?: string;
  /** the same port's state in an ACK scan, when the report has one */
  ack?: PortState;
  /** why the check is unverified */
  note?: string;
}

export interface RuleVerdict {
  rule: RuleRef;
  /** "dmz-web open 80", "dmz-web default blocked" */
  label: string;
  outcome: Outcome;
  /** distinct hosts and ports judged, and (host, port) pairs judged */
  hosts: number;
  ports: number;
  checks: number;
  counts: Record<Outcome, number>;
  /** "state/reason" → pairs, e.g. { "filtered/no-response": 12 }; "no result" for missing ones */
  observed: Record<string, number>;
  /** pairs that did not come out as intended, at most MAX_LISTED_EXCEPTIONS */
  exceptions: PortCheck[];
  exceptionsOmitted: number;
}

export interface ZoneVerdict {
  zone: string;
  line: number;
  hosts: string[];
  rules: RuleVerdict[];
}

export interface AuditSummary {
  rules: number;
  asIntended: number;
  /** rules with at least one unexpectedly-* pair */
  violated: number;
  /** rules with no violation but some unverified pair */
  unverified: number;
  checks: number;
}

export interface AuditResult {
  format: 'rawscan-audit';
  formatVersion: 1;
  /** the policy file's name as given */
  policy: string;
  scan: AuditScan;
  full: boolean;
  sampling: Sampling;
  /** exit status: 0 every rule holds, 1 some rule is violated, 2 the audit could not tell */
  exitCode: 0 | 1 | 2;
  passed: boolean;
  summary: AuditSummary;
  zones: ZoneVerdict[];
  notes: string[];
  /** the scan's start and end, ms since epoch */
  startTime: number;
  endTime: number;
}
