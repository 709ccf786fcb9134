import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAuditJson, renderAuditJUnit, renderAuditTable, runAuditCore } from '../../src/audit/audit.js';
import type { AuditResult } from '../../src/audit/verdict.js';
import { dmzAsIntended, fakeScanner, type FakeScanOptions, type Network } from './audit-network.js';

const DMZ = readFileSync(new URL('../fixtures/policies/dmz.yaml', import.meta.url), 'utf8');
const XSD = fileURLToPath(new URL('../fixtures/junit.xsd', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'rawscan-audit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const dmzWith23Open: Network = (h, p) =>
  p === 23 && h === '198.19.1.1' ? { state: 'open' } : dmzAsIntended(h, p);

function audit(network: Network, options: FakeScanOptions = {}, policy = DMZ): Promise<AuditResult> {
  return runAuditCore(policy, 'dmz.yaml', {}, fakeScanner(network, options));
}

/** xmllint's schema validation: exit status and messages. */
function validate(xml: string): { status: number | null; output: string } {
  const file = join(work, `junit-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const run = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { status: run.status, output: run.stderr };
}

function xpath(xml: string, expression: string): string {
  const file = join(work, 'query.xml');
  writeFileSync(file, xml);
  return execFileSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' }).trim();
}

describe('renderAuditTable', () => {
  it('prints one row per rule and a PASS summary when all holds', async () => {
    const table = renderAuditTable(await audit(dmzAsIntended));
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'rawscan audit of dmz.yaml: syn scan, sampled (seed 1, 8 per range, common ports + 64 per default)',
    );
    expect(lines[2]).toMatch(/^ZONE\s+RULE\s+LINE\s+HOSTS\s+PORTS\s+VERDICT\s+EVIDENCE$/);
    expect(lines.filter((l) => l.startsWith('dmz-web ') || l.startsWith('db '))).toHaveLength(10);
    expect(table).toMatch(/^dmz-web\s+open 22\s+13\s+5\s+1\s+as-intended\s+open\/syn-ack ×5$/m);
    expect(lines.at(-1)).toMatch(
      /^PASS: 10 of 10 rules as intended, 0 violated, 0 unverified \(\d+ checks\)$/,
    );
  });

  it('lists the evidence behind a violated rule and says FAIL', async () => {
    const table = renderAuditTable(await audit(dmzWith23Open));
    expect(table).toMatch(
      /^dmz-web\s+blocked 23\s+15\s+5\s+1\s+unexpectedly-open\s+filtered\/no-response ×4, open\/syn-ack ×1$/m,
    );
    expect(table).toContain(
      '\ndmz-web blocked 23 (line 15): unexpectedly-open\n  198.19.1.1:23 open (syn-ack, ttl 64)\n',
    );
    expect(table.trimEnd().split('\n').at(-1)).toMatch(/^FAIL: 9 of 10 rules as intended, 1 violated/);
  });
});

describe('renderAuditTable: long lists', () => {
  it('shows at most 10 exceptions per rule and counts the rest', async () => {
    const table = renderAuditTable(await audit(dmzAsIntended, { omitHosts: ['198.19.2.10'] }));
    const section = table.split('\n\n').find((s) => s.startsWith('db default filtered'))!;
    expect(section.split('\n')).toHaveLength(1 + 10 + 1);
    expect(section).toMatch(/\n {2}\.\.\. and 72 more \(JSON output lists up to 100 per rule\)$/);
    expect(table).toMatch(/^UNDECIDED: 7 of 10 rules as intended, 0 violated, 3 unverified/m);
  });
});

describe('renderAuditJson', () => {
  it('prints the AuditResult as it is', async () => {
    const result = await audit(dmzWith23Open);
    const json = JSON.parse(renderAuditJson(result));
    expect(json).toEqual(JSON.parse(JSON.stringify(result)));
    expect(json).toMatchObject({ format: 'rawscan-audit', formatVersion: 1, exitCode: 1, passed: false });
    expect(json.zones[0].rules[4]).toMatchObject({
      label: 'dmz-web blocked 23',
      outcome: 'unexpectedly-open',
      rule: { zone: 'dmz-web', field: 'blocked', index: 0, path: 'zones[0].blocked[0]', line: 15 },
      exceptions: [{ host: '198.19.1.1', port: 23, state: 'open', reason: 'syn-ack', ttl: 64 }],
    });
  });
});

describe('renderAuditJUnit', () => {
  it.each([
    ['a passing audit', dmzAsIntended, {}, 0, 0],
    ['a violated rule', dmzWith23Open, {}, 1, 0],
    ['an unverified zone', dmzAsIntended, { omitHosts: ['198.19.2.10'] }, 0, 3],
  ] as const)('validates against the JUnit schema: %s', async (_, network, options, failures, errors) => {
    const xml = renderAuditJUnit(await audit(network, options), { hostname: 'jump-1' });
    expect(validate(xml)).toEqual({ status: 0, output: expect.stringContaining('validates') });
    expect(xpath(xml, 'count(//testsuite)')).toBe('2');
    expect(xpath(xml, 'count(//testcase)')).toBe('10');
    expect(xpath(xml, 'count(//testcase/failure)')).toBe(String(failures));
    expect(xpath(xml, 'count(//testcase/error)')).toBe(String(errors));
    expect(xpath(xml, 'string(/testsuites/@failures)')).toBe(String(failures));
    expect(xpath(xml, 'string(/testsuites/@errors)')).toBe(String(errors));
  });

  it('puts the verdict in the failure message and the evidence in its text', async () => {
    const xml = renderAuditJUnit(await audit(dmzWith23Open));
    expect(xpath(xml, 'string(//testcase[failure]/@name)')).toBe('blocked 23 (line 15)');
    expect(xpath(xml, 'string(//testcase[failure]/@classname)')).toBe('rawscan.audit.dmz-web');
    expect(xpath(xml, 'string(//failure/@type)')).toBe('unexpectedly-open');
    expect(xpath(xml, 'string(//failure/@message)')).toBe(
      'unexpectedly-open: 1 of 5 checks; seen filtered/no-response ×4, open/syn-ack ×1',
    );
    expect(xpath(xml, 'string(//failure)')).toBe('198.19.1.1:23 open (syn-ack, ttl 64)');
  });

  it('escapes markup and drops characters XML cannot carry', async () => {
    const policy = `version: 1\nzones:\n  - name: "web <&> \\"q\\" 'a' \\x01"\n    hosts: [198.19.0.1]\n    open: [22]\n`;
    const xml = renderAuditJUnit(await audit(() => ({ state: 'closed' }), {}, policy));
    expect(validate(xml).status).toBe(0);
    expect(xpath(xml, 'string(//testsuite/@name)')).toBe(`web <&> "q" 'a' \ufffd`);
    expect(xpath(xml, 'string(//failure/@message)')).toMatch(/^unexpectedly-closed: 1 of 1 checks/);
  });

  it('the schema check can fail: a testcase without a name is rejected', async () => {
    const xml = renderAuditJUnit(await audit(dmzAsIntended)).replace(/ name="open 22 \(line 13\)"/, '');
    const { status, output } = validate(xml);
    expect(status).not.toBe(0);
    expect(output).toMatch(/name.*required/);
  });
});
