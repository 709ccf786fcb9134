// The route without `ip`: the kernel's source (UDP connect) and the main table
// (/proc/net/route) must agree on a device, else route.ts asks `ip`.
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { bestMainRoute, kernelRoute, thisHost, type HostView } from '../../src/targets/kernel-route.js';
import { lookupRoute } from '../../src/targets/route.js';
import { parseIpv4 } from '../../src/targets/ipv4.js';

// /proc/net/route of a little-endian host (x86): a /30 on veth0, 198.19.0.0/16
// via 198.18.0.2, a more specific /24 twice (metrics 50 and 10) on eth1, a
// default route via 192.0.2.1 on eth0, an unreachable 203.0.113.0/24.
const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
const TABLE = [
  HEADER,
  'veth0\t000012C6\t00000000\t0001\t0\t0\t0\tFCFFFFFF\t0\t0\t0',
  'veth0\t000013C6\t020012C6\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'eth1\t000513C6\t00000000\t0001\t0\t0\t50\t00FFFFFF\t0\t0\t0',
  'eth2\t000513C6\t00000000\t0001\t0\t0\t10\t00FFFFFF\t0\t0\t0',
  'eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  '*\t007100CB\t00000000\t0201\t0\t0\t0\t00FFFFFF\t0\t0\t0',
].join('\n');

function iface(address: string): NetworkInterfaceInfo {
  return { address, cidr: `${address}/24`, family: 'IPv4', netmask: '', mac: '', internal: false };
}

const INTERFACES = {
  lo: [iface('127.0.0.1')],
  veth0: [iface('198.18.0.1')],
  eth0: [iface('192.0.2.2')],
  eth2: [iface('198.19.5.1')],
  eth3: [iface('10.9.0.1')],
  twin1: [iface('10.7.0.1')],
  twin2: [iface('10.7.0.1')],
};

/** A host whose kernel picks `sources[dest]` (no entry: no route). */
function host(sources: Record<string, string>, table: string | undefined): HostView {
  return {
    sourceFor: async (dest) => sources[dest],
    mainTable: () => table,
    interfaces: () => INTERFACES,
  };
}

describe('bestMainRoute', () => {
  it.each([
    ['on link', '198.18.0.2', { device: 'veth0' }],
    ['via a gateway', '198.19.0.1', { device: 'veth0', gateway: '198.18.0.2' }],
    ['longest prefix, then lowest metric', '198.19.5.9', { device: 'eth2' }],
    ['the default route', '8.8.8.8', { device: 'eth0', gateway: '192.0.2.1' }],
    ['a reject route has no device', '203.0.113.5', undefined],
  ])('%s', (_name, dest, expected) => {
    expect(bestMainRoute(TABLE, parseIpv4(dest)!)).toEqual(expected);
  });

  it('no match without a default route', () => {
    expect(bestMainRoute(TABLE.split('\n').slice(0, 3).join('\n'), parseIpv4('8.8.8.8')!)).toBeUndefined();
  });
});

describe('kernelRoute', () => {
  it.each<[string, string, Record<string, string>, string | undefined, object | undefined]>([
    [
      'agrees: via a gateway',
      '198.19.0.1',
      { '198.19.0.1': '198.18.0.1' },
      TABLE,
      {
        device: 'veth0',
        source: '198.18.0.1',
        gateway: '198.18.0.2',
      },
    ],
    [
      'agrees: on link',
      '198.18.0.2',
      { '198.18.0.2': '198.18.0.1' },
      TABLE,
      { device: 'veth0', source: '198.18.0.1' },
    ],
    ['loopback', '127.0.0.1', { '127.0.0.1': '127.0.0.1' }, TABLE, { device: 'lo', source: '127.0.0.1' }],
    [
      'all of 127/8 is local',
      '127.0.0.2',
      { '127.0.0.2': '127.0.0.1' },
      TABLE,
      { device: 'lo', source: '127.0.0.1' },
    ],
    [
      'an address of this host',
      '198.18.0.1',
      { '198.18.0.1': '198.18.0.1' },
      TABLE,
      { device: 'lo', source: '198.18.0.1' },
    ],
    ['no route', '198.19.0.1', {}, TABLE, undefined],
    ['source on another interface (policy routing)', '8.8.8.8', { '8.8.8.8': '10.9.0.1' }, TABLE, undefined],
    ['source on two interfaces', '8.8.8.8', { '8.8.8.8': '10.7.0.1' }, TABLE, undefined],
    ['source on no interface', '8.8.8.8', { '8.8.8.8': '10.200.0.1' }, TABLE, undefined],
    ['reject route', '203.0.113.5', { '203.0.113.5': '192.0.2.2' }, TABLE, undefined],
    ['no /proc/net/route', '198.19.0.1', { '198.19.0.1': '198.18.0.1' }, undefined, undefined],
    ['not an address', 'example.org', { 'example.org': '198.18.0.1' }, TABLE, undefined],
  ])('%s', async (_name, dest, sources, table, expected) => {
    expect(await kernelRoute(dest, host(sources, table))).toEqual(expected);
  });

  it('-S replaces the source, and ip is not asked', async () => {
    const run = async () => {
      throw new Error('ip must not run');
    };
    const route = await lookupRoute('198.19.0.1', {
      source: '198.18.0.77',
      run,
      host: host({ '198.19.0.1': '198.18.0.1' }, TABLE),
    });
    expect(route).toEqual({ device: 'veth0', source: '198.18.0.77', gateway: '198.18.0.2' });
  });
});

describe('kernelRoute on this host', () => {
  it('routes 127.0.0.1 over lo', async () => {
    expect(await kernelRoute('127.0.0.1')).toEqual({ device: 'lo', source: '127.0.0.1' });
  });

  it('reads the main table', () => {
    expect(thisHost.mainTable()).toMatch(/^Iface\tDestination\tGateway/);
  });

  it('finds no source for a limited broadcast without SO_BROADCAST', async () => {
    expect(await thisHost.sourceFor('255.255.255.255')).toBeUndefined();
  });
});
