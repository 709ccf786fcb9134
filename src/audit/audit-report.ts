// Human and JSON renderings of an audit result. The JSON shape is AuditResult
// itself (verdict.ts), documented in docs/policy.md.
import {
  MAX_LISTED_EXCEPTIONS,
  type AuditResult,
  type PortCheck,
  type RuleVerdict,
} from './verdict-types.js';

/** Exceptions the table shows per failing rule. */
const SHOWN_EXCEPTIONS = 10;

export function renderAuditJson(result: AuditResult): string {
  return JSON.stringify(result, null, 2) + '\n';
}

/** A table with one row per rule, then the exceptions behind each failing rule, then the summary. */
export function renderAuditTable(result: AuditResult): string {
  const header = ['ZONE', 'RULE', 'LINE', 'HOSTS', 'PORTS', 'VERDICT', 'EVIDENCE'];
  const rows = result.zones.flatMap((zone) =>
    zone.rules.map((verdict) => [
      zone.zone,
      ruleText(verdict),
      String(verdict.rule.line),
      String(verdict.hosts),
      String(verdict.ports),
      verdict.outcome,
      observedSummary(verdict),
    ]),
  );
  const lines = [auditTitle(result), '', ...alignColumns([header, ...rows])];
  const failing = result.zones
    .flatMap((zone) => zone.rules)
    .filter((verdict) => verdict.outcome !== 'as-intended');
  for (const verdict of failing) {
    lines.push('', `${verdict.label} (line ${verdict.rule.line}): ${verdict.outcome}`);
    for (const check of verdict.exceptions.slice(0, SHOWN_EXCEPTIONS))
      lines.push(`  ${describeCheck(check)}`);
    const more = verdict.exceptions.length - SHOWN_EXCEPTIONS + verdict.exceptionsOmitted;
    if (more > 0)
      lines.push(`  ... and ${more} more (JSON output lists up to ${MAX_LISTED_EXCEPTIONS} per rule)`);
  }
  for (const note of result.notes) lines.push('', `note: ${note}`);
  lines.push('', summaryLine(result));
  return lines.join('\n') + '\n';
}

export function auditTitle(result: AuditResult): string {
  const { sampling } = result;
  const coverage = result.full
    ? 'full (every port of every range and default)'
    : `sampled (seed ${sampling.seed}, ${sampling.rangeSample} per range, ` +
      `common ports + ${sampling.defaultSample} per default)`;
  return `rawscan audit of ${result.policy}: ${result.scan} scan, ${coverage}`;
}

export function summaryLine(result: AuditResult): string {
  const { summary } = result;
  const verdict = result.exitCode === 0 ? 'PASS' : result.exitCode === 1 ? 'FAIL' : 'UNDECIDED';
  return (
    `${verdict}: ${summary.asIntended} of ${summary.rules} rules as intended, ` +
    `${summary.violated} violated, ${summary.unverified} unverified (${summary.checks} checks)`
  );
}

/** "198.19.0.1:3005 open (syn-ack, ttl 63)" — one pair's evidence on one line. */
export function describeCheck(check: PortCheck): string {
  const details = [
    check.reason,
    check.ttl !== undefined ? `ttl ${check.ttl}` : undefined,
    check.responder ? `from ${check.responder}` : undefined,
    check.icmp ? `icmp ${check.icmp}` : undefined,
    check.ack ? `ack scan: ${check.ack}` : undefined,
    check.note,
  ].filter((detail) => detail !== undefined);
  const state = check.state ?? 'unverified';
  return `${check.host}:${check.port} ${state}${details.length ? ` (${details.join(', ')})` : ''}`;
}

/** "filtered/no-response ×28, closed/reset ×2", most frequent first. */
export function observedSummary(verdict: RuleVerdict): string {
  if (verdict.checks === 0) return 'nothing to check';
  return Object.entries(verdict.observed)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([seen, count]) => `${seen} ×${count}`)
    .join(', ');
}

function ruleText(verdict: RuleVerdict): string {
  const { rule } = verdict;
  return rule.field === 'default' ? `default ${rule.category}` : `${rule.category} ${rule.spec}`;
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
}
