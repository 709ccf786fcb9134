// Verdicts: the probe plan's (host, port) pairs judged against the scan report,
// per rule. A rule holds when every pair it judges shows a state its category
// allows (policy-types.ts ALLOWED). A pair that breaks it is named after what was
// seen: open → unexpectedly-open, closed (RST) → unexpectedly-closed, filtered
// (silence or ICMP) → unexpectedly-blocked. A pair without an open, closed or
// filtered result of the audit scan is unverified.
//
// Exit status: 1 when any rule is violated; otherwise 2 when any rule is
// unverified or the scan was interrupted (filtered may then mean "not answered
// yet"); otherwise 0.
import type { PortResult, ScanReport } from '../scan/types.js';
import { parseIPv4 } from './ip.js';
import type { AuditPlan } from './plan.js';
import type { Zone } from './policy-types.js';
import { RuleTally } from './rule-tally.js';
import type { AuditResult, AuditSummary, ZoneVerdict } from './verdict-types.js';

export * from './verdict-types.js';

/** host (u32) → the audit scan's results by port, and the ACK scan's (often empty). */
type ReportIndex = Map<number, { primary: Map<number, PortResult>; ack: Map<number, PortResult> }>;

export function judgeAudit(plan: AuditPlan, report: ScanReport): AuditResult {
  const results = indexReport(report, plan.scan);
  const zones = plan.policy.zones.map((zone) => judgeZone(zone, plan, results));
  const rules = zones.flatMap((zone) => zone.rules);
  const summary: AuditSummary = {
    rules: rules.length,
    asIntended: rules.filter((rule) => rule.outcome === 'as-intended').length,
    violated: rules.filter((rule) => rule.outcome.startsWith('unexpectedly-')).length,
    unverified: rules.filter((rule) => rule.outcome === 'unverified').length,
    checks: rules.reduce((sum, rule) => sum + rule.checks, 0),
  };
  const notes: string[] = [];
  if (!report.scanTypes.includes(plan.scan)) {
    notes.push(`the scan report has no ${plan.scan} results; every check is unverified`);
  }
  if (report.incomplete) {
    notes.push('the scan was interrupted: ports reported filtered may only have gone unanswered so far');
  }
  const exitCode = summary.violated > 0 ? 1 : summary.unverified > 0 || report.incomplete ? 2 : 0;
  return {
    format: 'rawscan-audit',
    formatVersion: 1,
    policy: plan.policy.file,
    scan: plan.scan,
    full: plan.full,
    sampling: plan.sampling,
    exitCode,
    passed: exitCode === 0,
    summary,
    zones,
    notes,
    startTime: report.startTime,
    endTime: report.endTime,
  };
}

/** The process exit status for an audit: 0 all hold, 1 any violation, 2 undecided. */
export function auditExitCode(result: AuditResult): 0 | 1 | 2 {
  return result.exitCode;
}

function indexReport(report: ScanReport, scan: AuditPlan['scan']): ReportIndex {
  const hosts: ReportIndex = new Map();
  for (const host of report.hosts) {
    const address = parseIPv4(host.address);
    if (address === undefined) continue;
    let results = hosts.get(address);
    if (!results) hosts.set(address, (results = { primary: new Map(), ack: new Map() }));
    for (const result of host.ports) {
      if (result.scan === scan) results.primary.set(result.port, result);
      else if (result.scan === 'ack') results.ack.set(result.port, result);
    }
  }
  return hosts;
}

/** Every planned (host, port) of the zone, judged by the zone's rules that apply to it. */
function judgeZone(zone: Zone, plan: AuditPlan, results: ReportIndex): ZoneVerdict {
  const { ports, hosts, addressRanges } = plan.groups[zone.index];
  const tallies = new Map(zone.rules.map((rule) => [rule, new RuleTally(rule, plan.scan)]));
  const fallback = zone.defaultRule && new RuleTally(zone.defaultRule, plan.scan);
  // explicit rules do not depend on the host: resolve them once per port
  const explicit = ports.map((port) =>
    zone.rules.filter((rule) => rule.low <= port && port <= rule.high).map((rule) => tallies.get(rule)!),
  );
  for (const range of addressRanges) {
    for (let host = range.first; host <= range.last; host++) {
      const hostResults = results.get(host);
      for (let i = 0; i < ports.length; i++) {
        const port = ports[i];
        const result = hostResults?.primary.get(port);
        const ack = hostResults?.ack.get(port);
        if (explicit[i].length > 0) {
          for (const tally of explicit[i]) tally.add(host, port, result, ack, hostResults !== undefined);
        } else if (fallback && plan.expectations.defaultApplies(zone, host, port)) {
          fallback.add(host, port, result, ack, hostResults !== undefined);
        }
      }
    }
  }
  const verdicts = [...tallies.values(), ...(fallback ? [fallback] : [])].map((tally) => tally.verdict());
  return { zone: zone.name, line: zone.line, hosts, rules: verdicts };
}
