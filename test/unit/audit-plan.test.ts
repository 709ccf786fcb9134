import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  drawDistinct,
  expectedAt,
  planAudit,
  seededRandom,
  type AuditOptions,
} from '../../src/audit/plan.js';
import { parsePolicy } from '../../src/audit/policy.js';
import { COMMON_PORTS } from '../../src/audit/policy-ports.js';

const DMZ = readFileSync(new URL('../fixtures/policies/dmz.yaml', import.meta.url), 'utf8');

/** Ports planned for the only zone of a one-zone policy. */
function zonePorts(body: string, options: AuditOptions = {}): number[] {
  const policy = parsePolicy(`version: 1\nzones:\n  - name: z\n    hosts: [198.19.0.1]\n${body}`, 'p.yaml');
  return planAudit(policy, options).groups[0].ports;
}

const between = (ports: number[], low: number, high: number) => ports.filter((p) => p >= low && p <= high);

describe('planAudit: which ports test a rule', () => {
  it.each([
    // body, ports that must be planned, ports that must not
    ['listed ports only, default any', '    open: [22, 443]\n', [22, 443], [21, 23, 442, 444]],
    [
      'both edges of a range; no one-past-edge under default any',
      '    blocked: ["3000-3010"]\n',
      [3000, 3010],
      [2999, 3011],
    ],
    [
      'one past each edge under a default',
      '    blocked: ["3000-3010"]\n    default: filtered\n',
      [2999, 3000, 3010, 3011],
      [],
    ],
    [
      'one past an edge that another rule names',
      '    open: [2999]\n    blocked: ["3000-3010"]\n',
      [2999, 3000, 3010],
      [3011],
    ],
    [
      'no port 0 or 65536 past the space edges',
      '    blocked: ["1-10", "65530-65535"]\n    default: closed\n',
      [1, 10, 11, 65529, 65530, 65535],
      [0, 65536],
    ],
  ])('%s', (_, body, present, absent) => {
    const ports = zonePorts(body);
    for (const port of present) expect(ports).toContain(port);
    for (const port of absent) expect(ports).not.toContain(port);
  });

  it('draws rangeSample ports from the inside of a range, and all of a small one', () => {
    const big = zonePorts('    blocked: ["1000-2000"]\n', { rangeSample: 8 });
    expect(between(big, 1001, 1999)).toHaveLength(8);
    const small = zonePorts('    blocked: ["3000-3005"]\n', { rangeSample: 8 });
    expect(between(small, 3000, 3005)).toEqual([3000, 3001, 3002, 3003, 3004, 3005]);
  });

  it('is deterministic for a seed, differs across seeds, and one rule does not move another', () => {
    const body = '    blocked: ["1000-9000"]\n';
    const first = zonePorts(body, { seed: 7 });
    expect(zonePorts(body, { seed: 7 })).toEqual(first);
    expect(zonePorts(body, { seed: 8 })).not.toEqual(first);
    const withMore = zonePorts(`${body}    closed: ["20000-30000"]\n`, { seed: 7 });
    expect(between(withMore, 1000, 9000)).toEqual(first);
  });

  it('covers every port of a range with full', () => {
    const ports = zonePorts('    blocked: ["1000-2000"]\n', { full: true });
    expect(ports).toEqual(Array.from({ length: 1001 }, (_, i) => 1000 + i));
  });

  it('checks a default on the common ports it does not list plus defaultSample drawn ports', () => {
    const ports = zonePorts('    open: [22, 443]\n    default: blocked\n', { defaultSample: 10 });
    const common = COMMON_PORTS.filter((p) => p !== 22 && p !== 443);
    for (const port of common) expect(ports).toContain(port);
    expect(ports).toHaveLength(2 + common.length + 10);
  });

  it('covers all 65535 ports for a default with full, and the sample size follows the options', () => {
    expect(zonePorts('    open: [22]\n    default: blocked\n', { full: true })).toHaveLength(65535);
    const small = zonePorts('    open: [22]\n    default: blocked\n', { defaultSample: 0 });
    expect(small).toHaveLength(1 + COMMON_PORTS.length - 1);
  });

  it('takes sampling from the policy unless options override it', () => {
    const policy = parsePolicy(DMZ, 'dmz.yaml');
    expect(planAudit(policy).sampling).toEqual({ seed: 1, rangeSample: 8, defaultSample: 64 });
    expect(planAudit(policy, { seed: 9, rangeSample: 2 }).sampling).toEqual({
      seed: 9,
      rangeSample: 2,
      defaultSample: 64,
    });
  });

  it('groups hosts as written and counts probes', () => {
    const plan = planAudit(parsePolicy(DMZ, 'dmz.yaml'));
    expect(plan.groups.map((g) => [g.zone, g.hosts, g.hostCount])).toEqual([
      ['dmz-web', ['198.19.0.1', '198.19.1.0/30'], 5],
      ['db', ['198.19.2.10'], 1],
    ]);
    expect(plan.probes).toBe(5 * plan.groups[0].ports.length + plan.groups[1].ports.length);
    for (const group of plan.groups)
      expect(group.ports).toEqual([...new Set(group.ports)].sort((a, b) => a - b));
  });

  it('counts an address listed twice in a zone once', () => {
    const policy = parsePolicy(
      'version: 1\nzones:\n  - { name: a, hosts: [198.19.0.9, 198.19.0.8/30, 198.19.0.12], open: [22] }\n',
      'p.yaml',
    );
    const [group] = planAudit(policy).groups;
    expect(group.hostCount).toBe(5);
    expect(group.addressRanges).toEqual([{ first: 0xc6130008, last: 0xc613000c }]);
  });
});

describe('expectedAt: which rules judge a port', () => {
  const layered = parsePolicy(
    'version: 1\nzones:\n' +
      '  - { name: lan, hosts: [198.19.0.0/24], closed: [25], default: blocked }\n' +
      '  - { name: web, hosts: [198.19.0.7], open: [443], blocked: [25] }\n',
    'p.yaml',
  );
  const plan = planAudit(layered);
  it.each([
    ["an explicit rule beats another zone's default", '198.19.0.7', 443, ['web open 443'], ['open']],
    [
      'the default where no zone names the port',
      '198.19.0.7',
      8080,
      ['lan default blocked'],
      ['closed', 'filtered'],
    ],
    [
      'compatible explicit rules both apply',
      '198.19.0.7',
      25,
      ['lan closed 25', 'web blocked 25'],
      ['closed'],
    ],
    [
      'outside the other zone the default still holds',
      '198.19.0.8',
      443,
      ['lan default blocked'],
      ['closed', 'filtered'],
    ],
  ])('%s', (_, host, port, labels, allowed) => {
    const expectation = expectedAt(plan, host, port)!;
    expect(
      expectation.rules.map(
        (r) =>
          `${r.zone} ${r.field === 'default' ? 'default' : r.category} ${r.field === 'default' ? r.category : r.spec}`,
      ),
    ).toEqual(labels);
    expect(expectation.allowed).toEqual(allowed);
  });

  it('has no expectation for hosts outside every zone, or ports under default any', () => {
    expect(expectedAt(plan, '198.19.1.1', 443)).toBeUndefined();
    const anyDefault = planAudit(
      parsePolicy('version: 1\nzones:\n  - { name: a, hosts: [198.19.0.1], open: [22] }\n', 'p.yaml'),
    );
    expect(expectedAt(anyDefault, '198.19.0.1', 23)).toBeUndefined();
    expect(expectedAt(anyDefault, '198.19.0.1', 22)?.rules[0]).toMatchObject({
      path: 'zones[0].open[0]',
      line: 3,
    });
  });
});

describe('drawDistinct', () => {
  it.each([
    [10, 3],
    [10, 10],
    [5, 9],
    [65535, 64],
    [0, 4],
  ])('draws min(draws, count) distinct indices of %i', (count, draws) => {
    const picks = drawDistinct(count, draws, seededRandom(1, 'x'));
    expect(new Set(picks).size).toBe(Math.min(count, draws));
    for (const i of picks) expect(i >= 0 && i < count).toBe(true);
  });
});
