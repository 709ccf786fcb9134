// The routed lab's pure parts: its names, the router's ruleset and the truth a
// scan must see through it. No root, no namespaces.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
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
  ])('%s (listening: %s): SYN scan %s, ACK scan %s', (rule, listening, syn, ack) => {
    const text = (scan: 'syn' | 'ack') => {
      const e = expectedThroughRouter(scan, rule, listening);
      return `${e.state} ${e.reason}`;
    };
    expect([text('syn'), text('ack')]).toEqual([syn, ack]);
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
