// The lab's pure parts: port plans, names, the nftables ruleset, the target
// range and `rawscan lab up`'s port options. No root, no namespaces.
import { describe, expect, it } from 'vitest';
import { portPlanOf } from '../../src/cli/lab-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { renderRuleset } from '../../src/lab/firewall.js';
import { checkLabName, creatorPid, generateLabName, labNames, labOfNamespace } from '../../src/lab/names.js';
import {
  checkPortPlan,
  evenCounts,
  parsePortList,
  portsByBehaviour,
  randomPortPlan,
} from '../../src/lab/plan.js';
import { parseTargetRange } from '../../src/lab/topology.js';
import type { PortPlan } from '../../src/lab/plan.js';
import type { PortBehaviour } from '../../src/lab/types.js';

describe('randomPortPlan', () => {
  const counts = { open: 500, drop: 400, rejectPort: 300, rejectAdmin: 200, rejectHost: 100, reset: 50 };

  it('is the same plan for the same seed and another for another seed', () => {
    expect(randomPortPlan(42, counts)).toEqual(randomPortPlan(42, counts));
    expect(randomPortPlan(42, counts)).not.toEqual(randomPortPlan(43, counts));
  });

  it('holds exactly the requested number of distinct ports per behaviour, spread over 1-65535', () => {
    const plan = randomPortPlan(5, counts);
    const groups = portsByBehaviour(plan);
    expect(Object.fromEntries([...groups].map(([b, ports]) => [b, ports.length]))).toEqual({
      open: 500,
      drop: 400,
      'reject-port': 300,
      'reject-admin': 200,
      'reject-host': 100,
      reset: 50,
    });
    const ports = Object.keys(plan).map(Number);
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...ports)).toBeLessThanOrEqual(65535);
    expect(ports.filter((p) => p > 32768).length / ports.length).toBeGreaterThan(0.4); // not clustered low
  });

  it('can give every port a behaviour', () => {
    expect(Object.keys(randomPortPlan(1, { drop: 65535 }))).toHaveLength(65535);
  });

  it.each([{ open: 65536 }, { open: -1 }, { drop: 1.5 }])('rejects counts %o', (bad) => {
    expect(() => randomPortPlan(1, bad)).toThrow(UsageError);
  });
});

describe('evenCounts', () => {
  it.each([
    [6, [1, 1, 1, 1, 1, 1]],
    [8, [2, 2, 1, 1, 1, 1]],
    [0, [0, 0, 0, 0, 0, 0]],
  ])('splits %i ports as %o', (total, shares) => {
    expect(Object.values(evenCounts(total))).toEqual(shares);
  });
});

describe('parsePortList', () => {
  it.each([
    ['22', [22]],
    ['22,80', [22, 80]],
    ['1000-1003,7', [7, 1000, 1001, 1002, 1003]],
    ['65535', [65535]],
  ])('%s', (text, ports) => expect(parsePortList(text, '--open')).toEqual(ports));

  it.each(['0', '65536', '10-5', 'ssh', '', '1,,2', '1-2-3'])('rejects %j naming the option', (text) => {
    expect(() => parsePortList(text, '--drop')).toThrow(/--drop/);
  });
});

describe('checkPortPlan', () => {
  it('keeps the ports that need something and leaves closed ones to the kernel', () => {
    expect([...checkPortPlan({ 22: 'open', 23: 'closed', 24: 'reset' })]).toEqual([
      [22, 'open'],
      [24, 'reset'],
    ]);
  });

  it.each<[PortPlan, RegExp]>([
    [{ 0: 'open' }, /out of range/],
    [{ 70000: 'open' }, /out of range/],
    [{ 22: 'stealth' as PortBehaviour }, /unknown behaviour 'stealth'/],
  ])('rejects %o', (plan, message) => {
    expect(() => checkPortPlan(plan)).toThrow(message);
  });
});

describe('names', () => {
  it('encode the creator pid and fit interface names', () => {
    for (const pid of [1, 4242, 4194304]) {
      const name = generateLabName(pid);
      const names = labNames(name);
      expect(creatorPid(name)).toBe(pid);
      expect(labOfNamespace(names.scannerNs)).toBe(name);
      expect(labOfNamespace(names.targetNs)).toBe(name);
      expect(names.scannerVeth.length).toBeLessThanOrEqual(15);
      expect(names.targetVeth.length).toBeLessThanOrEqual(15);
    }
  });

  it('tell user-chosen names apart (no creator) and ignore foreign namespaces', () => {
    expect(creatorPid('demo')).toBeUndefined();
    expect(labOfNamespace('rs-demo-scan')).toBe('demo');
    expect(labOfNamespace('rs-demo-other')).toBeUndefined();
    expect(labOfNamespace('h8-6206-s')).toBeUndefined();
    expect(labNames(checkLabName('abcdef')).scannerVeth.length).toBeLessThanOrEqual(15);
  });

  it.each(['Demo', 'toolong', 'a-b', '', 'a/b'])('rejects the lab name %j', (name) => {
    expect(() => checkLabName(name)).toThrow(UsageError);
  });
});

describe('renderRuleset', () => {
  const ports = new Map<number, PortBehaviour>([
    [22, 'open'],
    [81, 'drop'],
    [80, 'drop'],
    [82, 'reject-port'],
    [83, 'reject-admin'],
    [84, 'reject-host'],
    [85, 'reset'],
  ]);

  it('turns each filtered behaviour into a set and a rule with its verdict', () => {
    const rules = renderRuleset({ ports, lossPercent: 0, targetVeth: 'rs-x-t' })!;
    expect(rules).toContain('set drop_ports { type inet_service; elements = { 80, 81 } }');
    for (const verdict of [
      '@drop_ports counter drop',
      '@reject_port_ports counter reject with icmp port-unreachable',
      '@reject_admin_ports counter reject with icmp admin-prohibited',
      '@reject_host_ports counter reject with icmp host-prohibited',
      '@reset_ports counter reject with tcp reset',
    ]) {
      expect(rules).toContain(`tcp dport ${verdict}`);
    }
    expect(rules).not.toContain('22');
    expect(rules).not.toContain('numgen');
  });

  it('drops at random in both directions on the target veth only', () => {
    const rules = renderRuleset({ ports: new Map(), lossPercent: 12, targetVeth: 'rs-x-t' })!;
    expect(rules).toContain('iifname "rs-x-t" numgen random mod 100 < 12 counter drop');
    expect(rules).toContain('oifname "rs-x-t" numgen random mod 100 < 12 counter drop');
    expect(rules).toMatch(/hook prerouting/);
    expect(rules).toMatch(/hook postrouting/);
    expect(rules).not.toContain('chain input');
  });

  it('is nothing at all when every port is open or closed and nothing is lost', () => {
    expect(
      renderRuleset({ ports: new Map([[22, 'open']]), lossPercent: 0, targetVeth: 'rs-x-t' }),
    ).toBeUndefined();
  });
});

describe('parseTargetRange', () => {
  it.each([
    ['198.19.0.0/16', '198.19.0.0/16', '198.19.0.1'],
    ['198.19.5.77/24', '198.19.5.0/24', '198.19.5.1'],
    ['198.18.1.0/24', '198.18.1.0/24', '198.18.1.1'],
    ['198.19.9.9/32', '198.19.9.9/32', '198.19.9.9'],
  ])('%s is %s starting at %s', (text, cidr, firstAddress) => {
    expect(parseTargetRange(text)).toEqual({ cidr, firstAddress });
  });

  it.each([
    ['10.0.0.0/8', /outside 198\.18\.0\.0\/15/],
    ['198.20.0.0/16', /outside/],
    ['198.18.0.0/15', /overlaps the lab's link/],
    ['198.18.0.0/24', /overlaps/],
    ['198.19.0.0', /invalid/],
    ['198.19.0.0/33', /invalid/],
    ['198.19.0/16', /invalid/],
  ])('rejects %s', (text, message) => {
    expect(() => parseTargetRange(text)).toThrow(message);
  });
});

describe('portPlanOf (rawscan lab up)', () => {
  it('combines the port options', () => {
    expect(
      portPlanOf({
        open: '22,80',
        drop: '81',
        reject: '82',
        'reject-admin': '83',
        'reject-host': '84',
        reset: '85',
      }),
    ).toEqual({
      22: 'open',
      80: 'open',
      81: 'drop',
      82: 'reject-port',
      83: 'reject-admin',
      84: 'reject-host',
      85: 'reset',
    });
  });

  it('lets explicit ports override random ones', () => {
    const random = randomPortPlan(9, evenCounts(60));
    const port = Number(Object.keys(random)[0]);
    const plan = portPlanOf({ random: 60, seed: 9, reset: String(port) });
    expect(Object.keys(plan)).toHaveLength(60);
    expect(plan[port]).toBe('reset');
  });

  it.each([
    [{ open: '22', drop: '20-25' }, /port 22 is in both --open and --drop/],
    [{ random: -3 }, /--random -3 is invalid/],
    [{ reject: '0' }, /port 0 in --reject 0/],
  ])('rejects %o', (argv, message) => {
    expect(() => portPlanOf(argv)).toThrow(message);
  });
});
