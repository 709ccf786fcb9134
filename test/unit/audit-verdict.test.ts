import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runAuditCore } from '../../src/audit/audit.js';
import { MAX_LISTED_EXCEPTIONS, type AuditResult, type RuleVerdict } from '../../src/audit/verdict.js';
import {
  dmzAsIntended,
  fakeScanner,
  type FakeScanOptions,
  type Network,
  type Reply,
} from './audit-network.js';

const DMZ = readFileSync(new URL('../fixtures/policies/dmz.yaml', import.meta.url), 'utf8');

function audit(network: Network, options: FakeScanOptions = {}, full = false): Promise<AuditResult> {
  return runAuditCore(DMZ, 'dmz.yaml', { full }, fakeScanner(network, options));
}

/** The DMZ, except that one port of one host answers differently. */
function except(host: string, port: number, reply: Reply): Network {
  return (h, p) => (h === host && p === port ? reply : dmzAsIntended(h, p));
}

const rules = (result: AuditResult): RuleVerdict[] => result.zones.flatMap((zone) => zone.rules);
const failing = (result: AuditResult) => rules(result).filter((rule) => rule.outcome !== 'as-intended');

describe('judgeAudit', () => {
  it('passes when the network answers as the policy says', async () => {
    const result = await audit(dmzAsIntended);
    expect(failing(result)).toEqual([]);
    expect(result).toMatchObject({ exitCode: 0, passed: true, notes: [] });
    expect(result.summary).toMatchObject({ rules: 10, asIntended: 10, violated: 0, unverified: 0 });
    const open22 = rules(result).find((rule) => rule.label === 'dmz-web open 22')!;
    expect(open22).toMatchObject({ hosts: 5, ports: 1, checks: 5, observed: { 'open/syn-ack': 5 } });
  });

  it.each([
    // what differs, the one rule that must fail, its outcome
    [
      'an edge of a blocked range is open',
      '198.19.1.2',
      3010,
      'open',
      'dmz-web blocked 3000-3010',
      'unexpectedly-open',
    ],
    [
      'a range just past its edge is open',
      '198.19.0.1',
      3011,
      'open',
      'dmz-web default blocked',
      'unexpectedly-open',
    ],
    [
      'a listed open port is dropped',
      '198.19.0.1',
      443,
      'filtered',
      'dmz-web open 443',
      'unexpectedly-blocked',
    ],
    [
      'a service-named open port answers RST',
      '198.19.1.3',
      80,
      'closed',
      'dmz-web open http',
      'unexpectedly-closed',
    ],
    [
      'a port that must be closed is dropped',
      '198.19.1.0',
      8080,
      'filtered',
      'dmz-web closed 8080',
      'unexpectedly-blocked',
    ],
    [
      'a port that must be closed listens',
      '198.19.1.0',
      8080,
      'open',
      'dmz-web closed 8080',
      'unexpectedly-open',
    ],
    [
      'a common port under a blocked default listens',
      '198.19.0.1',
      3306,
      'open',
      'dmz-web default blocked',
      'unexpectedly-open',
    ],
    ['a filtered range answers RST', '198.19.2.10', 1, 'closed', 'db filtered 1-1023', 'unexpectedly-closed'],
    [
      'a filtered default answers RST',
      '198.19.2.10',
      6379,
      'closed',
      'db default filtered',
      'unexpectedly-closed',
    ],
  ] as const)('%s: exactly that rule fails', async (_, host, port, state, label, outcome) => {
    const result = await audit(except(host, port, { state }));
    const [rule, ...others] = failing(result);
    expect(others).toEqual([]);
    expect(rule).toMatchObject({ label, outcome });
    expect(rule.exceptions).toMatchObject([{ host, port, state, outcome }]);
    expect(rule.counts[outcome]).toBe(1);
    expect(result).toMatchObject({ exitCode: 1, passed: false });
    expect(result.summary).toMatchObject({ violated: 1, asIntended: 9 });
  });

  it('a blocked rule accepts closed and filtered alike', async () => {
    const result = await audit(except('198.19.0.1', 23, { state: 'closed' }));
    expect(failing(result)).toEqual([]);
  });

  it('keeps the evidence: reason, ttl, ICMP responder, ACK state', async () => {
    const icmp: Reply = {
      state: 'filtered',
      reason: 'admin-prohibited',
      reasonTtl: 62,
      evidence: { responder: '198.18.0.254', icmpType: 3, icmpCode: 13 },
    };
    const result = await audit(except('198.19.0.1', 22, icmp), {
      ack: (host, port) => (port === 22 ? 'unfiltered' : 'filtered'),
    });
    const [rule] = failing(result);
    expect(rule.label).toBe('dmz-web open 22');
    expect(rule.exceptions).toEqual([
      {
        host: '198.19.0.1',
        port: 22,
        outcome: 'unexpectedly-blocked',
        state: 'filtered',
        reason: 'admin-prohibited',
        ttl: 62,
        responder: '198.18.0.254',
        icmp: '3/13',
        ack: 'unfiltered',
      },
    ]);
    expect(rule.observed).toEqual({ 'open/syn-ack': 4, 'filtered/admin-prohibited': 1 });
  });

  it('reports a rule with most severe outcome first and counts every pair', async () => {
    const network: Network = (h, p) =>
      p === 8080
        ? { state: h === '198.19.0.1' ? 'filtered' : h === '198.19.1.0' ? 'open' : 'closed' }
        : dmzAsIntended(h, p);
    const rule = failing(await audit(network))[0];
    expect(rule.label).toBe('dmz-web closed 8080');
    expect(rule.outcome).toBe('unexpectedly-open');
    expect(rule.counts).toMatchObject({
      'as-intended': 3,
      'unexpectedly-open': 1,
      'unexpectedly-blocked': 1,
    });
  });

  it('marks pairs missing from the report unverified and exits 2', async () => {
    const result = await audit(dmzAsIntended, { omitHosts: ['198.19.1.1'] });
    expect(result.exitCode).toBe(2);
    const unverified = failing(result);
    expect(unverified.map((rule) => rule.outcome)).toEqual(Array(unverified.length).fill('unverified'));
    expect(unverified.map((rule) => rule.rule.zone)).toEqual(Array(unverified.length).fill('dmz-web'));
    expect(unverified[0].exceptions[0]).toMatchObject({
      host: '198.19.1.1',
      note: 'host not in the scan report',
    });
  });

  it('a violation outranks unverified pairs in the exit code', async () => {
    const result = await audit(except('198.19.0.1', 23, { state: 'open' }), { omitHosts: ['198.19.1.1'] });
    expect(result.exitCode).toBe(1);
  });

  it('an interrupted scan cannot pass', async () => {
    const result = await audit(dmzAsIntended, { incomplete: true });
    expect(result.exitCode).toBe(2);
    expect(result.notes[0]).toMatch(/interrupted/);
  });

  it('lists at most MAX_LISTED_EXCEPTIONS pairs per rule and counts the rest', async () => {
    const policy =
      'version: 1\nzones:\n  - { name: db, hosts: [198.19.2.10], open: [5432], default: filtered }\n';
    const result = await runAuditCore(
      policy,
      'db.yaml',
      { full: true },
      fakeScanner(() => ({ state: 'open' })),
    );
    const rule = failing(result).find((r) => r.label === 'db default filtered')!;
    expect(rule.checks).toBe(65534);
    expect(rule.exceptions).toHaveLength(MAX_LISTED_EXCEPTIONS);
    expect(rule.exceptionsOmitted).toBe(65534 - MAX_LISTED_EXCEPTIONS);
  });

  it('judges connect scans the same way, and ignores results of other scan types', async () => {
    const policy =
      'version: 1\ndefaults: { scan: connect }\nzones:\n  - { name: a, hosts: [198.19.0.1], open: [22] }\n';
    const result = await runAuditCore(
      policy,
      'a.yaml',
      {},
      fakeScanner(() => ({ state: 'open' })),
    );
    expect(result).toMatchObject({ scan: 'connect', exitCode: 0 });
    const wrongScan = await runAuditCore(policy, 'a.yaml', {}, async (plan) => {
      const report = await fakeScanner(() => ({ state: 'open' }))(plan);
      for (const host of report.hosts) for (const port of host.ports) port.scan = 'fin';
      return { ...report, scanTypes: ['fin'] };
    });
    expect(wrongScan.exitCode).toBe(2);
    expect(wrongScan.notes).toEqual(['the scan report has no connect results; every check is unverified']);
    expect(failing(wrongScan)[0].exceptions[0].note).toBe('no connect result for this port');
  });

  it('judges an address listed twice in a zone once', async () => {
    const policy = 'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.9, 198.19.0.8/30], open: [22] }\n';
    const result = await runAuditCore(
      policy,
      'a.yaml',
      {},
      fakeScanner(() => ({ state: 'open' })),
    );
    expect(rules(result)[0]).toMatchObject({ hosts: 4, checks: 4, outcome: 'as-intended' });
  });
});
