// `rawscan audit POLICY.yaml` end to end in a lab: a policy that matches the lab
// passes (exit 0), one that differs by one port fails (exit 1) naming exactly
// that rule, the JUnit file validates, and a malformed policy exits 2 with
// FILE:LINE: field PATH.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab, PortBehaviour } from '../../src/lab/index.js';
import { createTestLab, requireRoot } from './helpers/lab.js';
import { CLI } from './helpers/rawscan.js';

const JUNIT_XSD = fileURLToPath(new URL('../fixtures/junit.xsd', import.meta.url));
const PLAN: Record<number, PortBehaviour> = {
  22: 'open',
  80: 'open',
  23: 'drop',
  24: 'reject-port',
  25: 'reject-admin',
  26: 'reject-host',
  8080: 'reset',
  8443: 'stateful',
};

/** The lab's truth as a policy; `open` replaces the open list (to make it differ). */
function policy(open = '[22, 80, 8443]'): string {
  return [
    '# the lab of test/integration/audit.test.ts',
    'version: 1',
    'defaults:',
    '  scan: syn',
    '  rangeSample: 2',
    '  defaultSample: 16',
    '  seed: 3',
    'zones:',
    '  - name: lab',
    '    hosts: [198.19.0.1, 198.19.0.2]',
    `    open: ${open}`,
    '    filtered: ["23-26"]',
    '    closed: [8080]',
    '    default: closed',
    '',
  ].join('\n');
}

describe.runIf(requireRoot())('rawscan audit in a lab', () => {
  let lab: Lab;
  let dir: string;

  const audit = async (text: string, args: string[] = []) => {
    const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    const exec = await lab.execInScanner(process.execPath, [CLI, 'audit', file, '-T4', ...args], {
      timeoutMs: 120_000,
    });
    return { ...exec, file };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rawscan-audit-'));
    lab = await createTestLab({ ports: PLAN });
  });

  afterAll(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes a policy that matches the lab: exit 0, valid JUnit without failures', async () => {
    const junit = join(dir, 'pass.xml');
    const r = await audit(policy(), ['--junit', junit]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS: 6 of 6 rules as intended, 0 violated, 0 unverified/m);
    execFileSync('xmllint', ['--noout', '--schema', JUNIT_XSD, junit], { stdio: 'pipe' });
    expect(readFileSync(junit, 'utf8')).not.toContain('<failure');
  });

  it('fails a policy that differs by one port, naming exactly that rule (exit 1)', async () => {
    const junit = join(dir, 'fail.xml');
    const json = join(dir, 'fail.json');
    const evidence = join(dir, 'fail.ndjson');
    const r = await audit(policy('[22, 80, 8443, 29]'), [
      '--ack',
      '--junit',
      junit,
      '-oJ',
      json,
      '--evidence',
      evidence,
    ]);
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    const failing = result.zones
      .flatMap((z: { rules: { label: string; outcome: string }[] }) => z.rules)
      .filter((rule: { outcome: string }) => rule.outcome !== 'as-intended');
    expect(failing.map((rule: { label: string; outcome: string }) => [rule.label, rule.outcome])).toEqual([
      ['lab open 29', 'unexpectedly-closed'],
    ]);
    // both hosts reset on 29, and the ACK scan came along as evidence
    expect(failing[0].exceptions.map((e: { host: string; ack?: string }) => [e.host, e.ack])).toEqual([
      ['198.19.0.1', 'unfiltered'],
      ['198.19.0.2', 'unfiltered'],
    ]);
    expect(r.stdout).toContain('lab open 29 (line 11): unexpectedly-closed');
    expect(r.stdout).toMatch(/^FAIL: 6 of 7 rules as intended, 1 violated/m);
    execFileSync('xmllint', ['--noout', '--schema', JUNIT_XSD, junit], { stdio: 'pipe' });
    const failures = [...readFileSync(junit, 'utf8').matchAll(/<failure [^>]*type="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(failures).toEqual(['unexpectedly-closed']);
    const lines = readFileSync(evidence, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const stateful = lines.filter((l) => l.port === 8443).map((l) => [l.address, l.scan, l.state, l.filter]);
    expect(stateful).toEqual([
      ['198.19.0.1', 'syn', 'open', 'stateful'],
      ['198.19.0.1', 'ack', 'filtered', 'stateful'],
      ['198.19.0.2', 'syn', 'open', 'stateful'],
      ['198.19.0.2', 'ack', 'filtered', 'stateful'],
    ]);
  });

  it('rejects a malformed policy with FILE:LINE: field PATH and exit 2', async () => {
    const r = await audit(policy('[22, 70000]'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `rawscan: ${r.file}:11: field zones[0].open[1]: port 70000 is out of range (1-65535)`,
    );
    expect(r.stdout).toBe('');
  });
});
