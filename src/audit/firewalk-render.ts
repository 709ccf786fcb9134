// A firewalk report for people (a table per target, with the evidence of each
// verdict) and for programs (JSON: the FirewalkReport as it is, plus a version).
import type { FirewalkReport, FirewalkResult } from './firewalk.js';

/** Version of the JSON document; bump it when a field changes meaning. */
export const FIREWALK_JSON_VERSION = 1;

export function renderFirewalkJson(report: FirewalkReport): string {
  return JSON.stringify({ firewalk: FIREWALK_JSON_VERSION, ...report }, null, 2) + '\n';
}

export function renderFirewalkText(report: FirewalkReport): string {
  const mark = (responder: string) => (responder === report.gateway ? `${responder} (gateway)` : responder);
  const lines = [
    `Firewalk of gateway ${report.gateway}: hop ${report.gatewayHop}; ports probed with TTL ${report.probeTtl}`,
    `Path: ${report.path.map((h) => `${h.ttl} ${h.responders.map(mark).join(' ') || '*'}`).join(', ')}`,
  ];
  const byTarget = new Map<string, FirewalkResult[]>();
  for (const r of report.results) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
  for (const [target, results] of byTarget) {
    lines.push('', `Firewalk results for ${target}`);
    const rows = results.map((r) => [`${r.port}/tcp`, r.verdict, explain(r)]);
    const width = (col: number) =>
      Math.max(...[['PORT', 'VERDICT'][col], ...rows.map((row) => row[col])].map((s) => s.length));
    const [w0, w1] = [width(0), width(1)];
    lines.push(`${'PORT'.padEnd(w0)}  ${'VERDICT'.padEnd(w1)}  EVIDENCE`);
    for (const [port, verdict, why] of rows) lines.push(`${port.padEnd(w0)}  ${verdict.padEnd(w1)}  ${why}`);
  }
  const count = (v: string) => report.results.filter((r) => r.verdict === v).length;
  const seconds = ((report.endTime - report.startTime) / 1000).toFixed(2);
  lines.push(
    '',
    `Firewalk done: ${count('allowed')} allowed, ${count('blocked')} blocked, ${count('unknown')} unknown in ${seconds} s`,
  );
  return lines.join('\n') + '\n';
}

/** One line of evidence: what answered, and what that means for the gateway's rules. */
export function explain(r: FirewalkResult): string {
  const e = r.evidence;
  const icmp =
    e.icmpType === undefined ? '' : `icmp ${e.icmpType}/${e.icmpCode}${e.reason ? ` ${e.reason}` : ''} `;
  const from = `from ${e.responder} ttl ${e.ttl}`;
  switch (r.basis) {
    case 'expired-beyond-gateway':
      return `${icmp}time-exceeded ${from}: passed the gateway`;
    case 'unreachable-beyond-gateway':
      return `${icmp}${from}: passed the gateway, refused further on`;
    case 'target-answered':
      return `${e.reply} ${from} (hop ${e.hop}): the target answered through the gateway`;
    case 'reset-by-gateway':
      return `${e.reply} ${from} (hop ${e.hop}): reset forged at or before the gateway`;
    case 'rejected-by-gateway':
      return `${icmp}${from}: rejected by the gateway`;
    case 'no-response':
      return 'no response: dropped';
    case 'expired-at-gateway':
      return `${icmp}${from}: expired at the gateway (path or hop count changed?)`;
    case 'answered-before-gateway':
      return `${icmp || `${e.reply} `}${from}: answered before the gateway (path changed?)`;
  }
}
