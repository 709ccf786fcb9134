// The running tally of one rule's checks while the verdicts walk the plan. Per
// pair it only counts; the full evidence (PortCheck) is built for exceptions
// alone, so a --full audit of many hosts stays cheap.
import type { PortResult } from '../scan/types.js';
import { formatIPv4 } from './ip.js';
import { ALLOWED, ruleLabel, type Observed, type RuleRef } from './policy-types.js';
import {
  MAX_LISTED_EXCEPTIONS,
  OUTCOMES,
  SEVERITY,
  VIOLATION,
  type Outcome,
  type PortCheck,
  type RuleVerdict,
} from './verdict-types.js';

export class RuleTally {
  private readonly allowed: readonly Observed[];
  /** hosts arrive in ascending order per rule, so distinct hosts = changes of host */
  private lastHost = -1;
  private hosts = 0;
  private readonly portSeen = new Uint8Array(65536);
  private ports = 0;
  private checks = 0;
  private readonly counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  /** state → reason → pairs */
  private readonly observed = new Map<string, Map<string, number>>();
  private readonly exceptions: PortCheck[] = [];
  private omitted = 0;

  constructor(
    private readonly rule: RuleRef,
    private readonly scan: string,
  ) {
    this.allowed = ALLOWED[rule.category];
  }

  /**
   * Judge one (host, port) on its result of the audit scan and, if any, of an ACK
   * scan; `hostSeen` says whether the report has the host at all.
   */
  add(
    host: number,
    port: number,
    result: PortResult | undefined,
    ack: PortResult | undefined,
    hostSeen: boolean,
  ): void {
    if (host !== this.lastHost) [this.lastHost, this.hosts] = [host, this.hosts + 1];
    if (this.portSeen[port] === 0) [this.portSeen[port], this.ports] = [1, this.ports + 1];
    this.checks++;
    const outcome = judge(this.allowed, result);
    this.counts[outcome]++;
    this.countObserved(result);
    if (outcome === 'as-intended') return;
    if (this.exceptions.length >= MAX_LISTED_EXCEPTIONS) this.omitted++;
    else this.exceptions.push(this.evidence(host, port, outcome, result, ack, hostSeen));
  }

  verdict(): RuleVerdict {
    const observed: Record<string, number> = {};
    for (const [state, reasons] of this.observed) {
      for (const [reason, count] of reasons) observed[reason ? `${state}/${reason}` : state] = count;
    }
    return {
      rule: this.rule,
      label: ruleLabel(this.rule),
      outcome: SEVERITY.find((outcome) => this.counts[outcome] > 0) ?? 'as-intended',
      hosts: this.hosts,
      ports: this.ports,
      checks: this.checks,
      counts: this.counts,
      observed,
      exceptions: this.exceptions,
      exceptionsOmitted: this.omitted,
    };
  }

  private countObserved(result: PortResult | undefined): void {
    const state = result?.state ?? 'no result';
    const reason = result?.reason ?? '';
    let reasons = this.observed.get(state);
    if (!reasons) this.observed.set(state, (reasons = new Map()));
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }

  private evidence(
    host: number,
    port: number,
    outcome: Outcome,
    result: PortResult | undefined,
    ack: PortResult | undefined,
    hostSeen: boolean,
  ): PortCheck {
    const check: PortCheck = { host: formatIPv4(host), port, outcome };
    if (result) {
      check.state = result.state;
      check.reason = result.reason;
      if (result.reason !== 'no-response') check.ttl = result.reasonTtl;
      if (result.evidence?.responder) check.responder = result.evidence.responder;
      if (result.evidence?.icmpType !== undefined) {
        check.icmp = `${result.evidence.icmpType}/${result.evidence.icmpCode ?? 0}`;
      }
    }
    if (ack) check.ack = ack.state;
    if (outcome === 'unverified') {
      check.note = !hostSeen
        ? 'host not in the scan report'
        : result
          ? `state ${result.state} is neither open, closed nor filtered`
          : `no ${this.scan} result for this port`;
    }
    return check;
  }
}

function judge(allowed: readonly Observed[], result: PortResult | undefined): Outcome {
  const state = result?.state;
  if (state !== 'open' && state !== 'closed' && state !== 'filtered') return 'unverified';
  return allowed.includes(state) ? 'as-intended' : VIOLATION[state];
}
