// The routed lab's pure parts: its names, the router's ruleset and the truth a
// scan must see through it. No root, no namespaces.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { checkRoutedOptions } from '../../src/cli/lab-routed.js';
import { labNamespaces, labOfNamespace, routedLabNames } from '../../src/lab/names.js';
import {
  checkRouterPolicy,
  expectedThroughRouter,
  passesSyn,
  renderRouterRuleset,
  ROUTER_RULES,
  type RouterPolicy,
  type RouterRule,
} from '../../src/lab/routed.js';

describe('routedLabNames', () => {
  const names = routedLabNames('zzzzz-zz'); // the longest generated name
  it('gives five namespaces that all belong to the lab', () => {
    const namespaces = labNamespaces(names);
    expect(new Set(namespaces).size).toBe(5);
    expect(namespaces.map(labOfNamespace)).toEqual(Array(5).fill('zzzzz-zz'));
  });

  it('keeps every interface name within the kernel’s 15 bytes, and distinct', () => {
    const interfaces = [
      names.scannerVeth,
      names.targetVeth,
      names.routerUplink,
      names.routerBridge,
      names.routerToA,
      names.routerToB,
      names.hostBVeth,
      names.hostBToC,
      names.hostCVeth,
    ];
    expect(interfaces.filter((i) => i.length > 15)).toEqual([]);
    expect(new Set(interfaces).size).toBe(interfaces.length);
  });
});

describe('renderRouterRuleset', () => {
  const policy: RouterPolicy = {
    443: 'accept',
    22: 'accept',
    80: 'accept-new',
    3389: 'drop-syn',
    23: 'drop',
    25: 'reject-admin',
    113: 'reset',
  };
  const rules = renderRouterRuleset({ policy, uplink: 'up0' })
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l.startsWith('ct ') || l.startsWith('iifname') || l.startsWith('tcp ') || l.startsWith('counter'),
    );

  it('accepts known connections and the hosts’ side first, then filters per port, then drops', () => {
    expect(rules).toEqual([
      'ct state established,related accept',
      'iifname != "up0" accept',
      'tcp dport { 22, 443 } counter accept',
      'tcp dport { 80 } tcp flags & (fin|syn|rst|ack) == syn ct state new counter accept',
      'tcp dport { 3389 } tcp flags & (syn|ack) != syn counter accept',
      'tcp dport { 25 } counter reject with icmp admin-prohibited',
      'tcp dport { 113 } counter reject with tcp reset',
      'tcp dport { 23 } counter drop',
      'counter drop',
    ]);
  });
});

describe('expectedThroughRouter', () => {
  it.each<[RouterRule, boolean, string, string]>([
    ['accept', true, 'open syn-ack', 'unfiltered reset'],
    ['accept', false, 'closed reset', 'unfiltered reset'],
    ['accept-new', true, 'open syn-ack', 'filtered no-response'],
    ['accept-new', false, 'closed reset', 'filtered no-response'],
    ['drop', true, 'filtered no-response', 'filtered no-response'],
    ['reject-port', false, 'filtered port-unreach', 'filtered port-unreach'],
    ['reject-admin', true, 'filtered admin-prohibited', 'filtered admin-prohibited'],
    ['reject-host', false, 'filtered host-prohibited', 'filtered host-prohibited'],
    ['reset', true, 'closed reset', 'unfiltered reset'],
    ['drop-syn', true, 'filtered no-response', 'unfiltered reset'],
    ['drop-syn', false, 'filtered no-response', 'unfiltered reset'],
  ])('%s (listening: %s): SYN scan %s, ACK scan %s', (rule, listening, syn, ack) => {
    const text = (scan: 'syn' | 'ack') => {
      const e = expectedThroughRouter(scan, rule, listening);
      return `${e.state} ${e.reason}`;
    };
    expect([text('syn'), text('ack')]).toEqual([syn, ack]);
  });

  // FIN stands for NULL too: both are answered as Xmas is.
  it.each<[RouterRule, boolean, string, string, string, string]>([
    ['accept', true, 'open|filtered', 'open|filtered', 'closed', 'closed'],
    ['accept', false, 'closed', 'closed', 'closed', 'closed'],
    ['accept-new', true, 'open|filtered', 'open|filtered', 'open|filtered', 'filtered'],
    ['drop-syn', true, 'open|filtered', 'open|filtered', 'closed', 'closed'],
    ['drop-syn', false, 'closed', 'closed', 'closed', 'closed'],
    ['drop', false, 'open|filtered', 'open|filtered', 'open|filtered', 'filtered'],
    ['reject-host', false, 'filtered', 'filtered', 'filtered', 'filtered'],
    ['reset', true, 'closed', 'closed', 'closed', 'closed'],
  ])('%s (listening: %s): FIN %s, Xmas %s, Maimon %s, Window %s', (rule, listening, ...states) => {
    const probes = ['fin', 'xmas', 'maimon', 'window'] as const;
    expect(probes.map((scan) => expectedThroughRouter(scan, rule, listening).state)).toEqual(states);
    expect(expectedThroughRouter('null', rule, listening)).toEqual(
      expectedThroughRouter('fin', rule, listening),
    );
  });

  it('lets a SYN through exactly for the accepting rules', () => {
    expect(ROUTER_RULES.filter(passesSyn)).toEqual(['accept', 'accept-new']);
  });
});

describe('checkRouterPolicy', () => {
  it.each([{ 0: 'accept' }, { 70000: 'drop' }, { 22: 'allow' }])('rejects %o', (bad) => {
    expect(() => checkRouterPolicy(bad as unknown as RouterPolicy)).toThrow(UsageError);
  });
});

describe('checkRoutedOptions (rawscan lab up --routed)', () => {
  it.each<[Record<string, unknown>, string | undefined]>([
    [{ routed: true, loss: 0, range: '198.19.0.0/16', 'icmp-rate-limit': false, seed: 1 }, undefined],
    [{ open: '22' }, '--open is an option of the plain lab, not of --routed; leave it out'],
    [
      { random: 10, loss: 5 },
      '--random, --loss are options of the plain lab, not of --routed; leave them out',
    ],
    [{ range: '198.19.1.0/24' }, '--range is an option'],
    [{ 'icmp-rate-limit': true }, '--icmp-rate-limit is an option'],
  ])('%o', (argv, message) => {
    if (message === undefined) expect(() => checkRoutedOptions(argv)).not.toThrow();
    else
      expect(() => checkRoutedOptions(argv)).toThrow(
        expect.objectContaining({ message: expect.stringContaining(message) }),
      );
  });
});

describe('docs/firewall-audit.md', () => {
  it('quotes docs/examples/lab-policy.yaml (the policy routed-audit.test.ts audits) verbatim', () => {
    const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
    const quoted = /```yaml\n([\s\S]*?)```/.exec(read('docs/firewall-audit.md'))?.[1];
    expect(quoted).toBe(read('docs/examples/lab-policy.yaml'));
  });
});
