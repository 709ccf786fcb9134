// JUnit XML of an audit, for CI pipelines: one <testsuite> per zone, one
// <testcase> per rule; a violated rule carries <failure>, an unverified one
// <error>, each with the evidence as text. Follows the Ant/Jenkins JUnit layout
// (test/fixtures/junit.xsd checks it).
import { describeCheck, observedSummary } from './audit-report.js';
import type { AuditResult, RuleVerdict, ZoneVerdict } from './verdict-types.js';

export interface JUnitOptions {
  /** <testsuite hostname>: the machine the audit ran from */
  hostname?: string;
}

export function renderAuditJUnit(result: AuditResult, options: JUnitOptions = {}): string {
  const rules = result.zones.flatMap((zone) => zone.rules);
  const seconds = seconds3(result.endTime - result.startTime);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`rawscan audit ${result.policy}`)}" tests="${rules.length}" ` +
      `failures="${count(rules, 'failure')}" errors="${count(rules, 'error')}" time="${seconds}">`,
    ...result.zones.flatMap((zone, id) => testsuite(zone, id, result, options.hostname ?? 'localhost')),
    '</testsuites>',
  ];
  return lines.join('\n') + '\n';
}

function testsuite(zone: ZoneVerdict, id: number, result: AuditResult, hostname: string): string[] {
  const timestamp = new Date(result.startTime).toISOString().slice(0, 19);
  const head =
    `  <testsuite name="${attr(zone.zone)}" id="${id}" package="rawscan.audit" tests="${zone.rules.length}" ` +
    `failures="${count(zone.rules, 'failure')}" errors="${count(zone.rules, 'error')}" skipped="0" ` +
    `time="${seconds3(result.endTime - result.startTime)}" timestamp="${timestamp}" hostname="${attr(hostname)}">`;
  const properties = [
    '    <properties>',
    property('policy', result.policy),
    property('zone.line', String(zone.line)),
    property('hosts', zone.hosts.join(' ')),
    property('scan', result.scan),
    property('coverage', result.full ? 'full' : `sampled, seed ${result.sampling.seed}`),
    '    </properties>',
  ];
  const notes = result.notes.length
    ? `<system-out>${text(result.notes.join('\n'))}</system-out>`
    : '<system-out/>';
  return [
    head,
    ...properties,
    ...zone.rules.flatMap((verdict) => testcase(zone, verdict)),
    `    ${notes}`,
    '    <system-err/>',
    '  </testsuite>',
  ];
}

function testcase(zone: ZoneVerdict, verdict: RuleVerdict): string[] {
  const { rule } = verdict;
  const name = rule.field === 'default' ? `default ${rule.category}` : `${rule.category} ${rule.spec}`;
  const open = `    <testcase classname="${attr(`rawscan.audit.${zone.zone}`)}" name="${attr(`${name} (line ${rule.line})`)}" time="0"`;
  const kind = problem(verdict);
  if (!kind) return [`${open}/>`];
  const failing = verdict.checks - verdict.counts['as-intended'];
  const message = `${verdict.outcome}: ${failing} of ${verdict.checks} checks; seen ${observedSummary(verdict)}`;
  const evidence = [
    ...verdict.exceptions.map(describeCheck),
    ...(verdict.exceptionsOmitted > 0 ? [`... and ${verdict.exceptionsOmitted} more`] : []),
  ].join('\n');
  return [
    `${open}>`,
    `      <${kind} message="${attr(message)}" type="${verdict.outcome}">${text(evidence)}</${kind}>`,
    '    </testcase>',
  ];
}

function problem(verdict: RuleVerdict): 'failure' | 'error' | undefined {
  if (verdict.outcome === 'as-intended') return undefined;
  return verdict.outcome === 'unverified' ? 'error' : 'failure';
}

function count(rules: RuleVerdict[], kind: 'failure' | 'error'): number {
  return rules.filter((verdict) => problem(verdict) === kind).length;
}

function property(name: string, value: string): string {
  return `      <property name="${attr(name)}" value="${attr(value)}"/>`;
}

function seconds3(ms: number): string {
  return (Math.max(ms, 0) / 1000).toFixed(3);
}

/** Characters XML 1.0 cannot carry at all (C0 controls but tab, LF, CR; lone surrogates; FFFE/FFFF). */
const NOT_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function text(value: string): string {
  return value.replace(NOT_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
