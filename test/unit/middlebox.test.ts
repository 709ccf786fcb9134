// Baselines and middlebox flags (src/audit/middlebox.ts): replies that claim the
// target's address but whose TTL or RST window is not the host's.
import { describe, expect, it } from 'vitest';
import { describeFlag, hostBaseline, middleboxFlag, middleboxFlags } from '../../src/audit/middlebox.js';
import type {
  HostResult,
  PortEvidence,
  PortResult,
  ProbeKind,
  Reason,
  ScanType,
} from '../../src/scan/types.js';
import { randomTrackedHosts } from '../fixtures/reports/random-verdicts.js';
import { mulberry32 } from './fake-engine.js';

const SYN_ACK = 0x12;
const RST_ACK = 0x14;
const RST = 0x04;

function tcp(
  port: number,
  scan: ScanType,
  reason: Reason,
  ttl: number,
  window: number,
  flags: number,
): PortResult {
  const state = reason === 'syn-ack' ? 'open' : scan === 'ack' ? 'unfiltered' : 'closed';
  const evidence: PortEvidence = { ttl, ipId: 0, tcpFlags: flags, window, tryNo: 0 };
  return { port, protocol: 'tcp', scan, state, reason, reasonTtl: ttl, evidence };
}

function icmp(port: number, ttl: number, code: number, responder?: string): PortResult {
  const evidence: PortEvidence = { ttl, ipId: 7, icmpType: 3, icmpCode: code, tryNo: 0, responder };
  return {
    port,
    protocol: 'tcp',
    scan: 'syn',
    state: 'filtered',
    reason: 'admin-prohibited',
    reasonTtl: ttl,
    evidence,
  };
}

const silent: PortResult = {
  port: 9,
  protocol: 'tcp',
  scan: 'syn',
  state: 'filtered',
  reason: 'no-response',
  reasonTtl: 0,
};

describe('hostBaseline', () => {
  it('takes the TTL of SYN-ACKs over that of the more numerous RSTs', () => {
    const host: HostResult = {
      address: '198.19.0.1',
      ports: [
        tcp(22, 'syn', 'syn-ack', 63, 64240, SYN_ACK),
        tcp(23, 'syn', 'reset', 64, 0, RST_ACK),
        tcp(24, 'syn', 'reset', 64, 0, RST_ACK),
        silent,
      ],
    };
    expect(hostBaseline(host)).toEqual({ ttl: 63, ttlFrom: 'syn-ack', resetWindow: 0 });
  });

  it('falls back to every TCP reply, most common value first', () => {
    const host: HostResult = {
      address: '198.19.0.1',
      ports: [
        tcp(23, 'syn', 'reset', 64, 0, RST_ACK),
        tcp(24, 'syn', 'reset', 64, 0, RST_ACK),
        tcp(25, 'syn', 'reset', 250, 512, RST_ACK),
      ],
    };
    expect(hostBaseline(host)).toEqual({ ttl: 64, ttlFrom: 'tcp', resetWindow: 0 });
  });

  it('has nothing without TCP replies from the target (ICMP, a router, silence)', () => {
    const host: HostResult = { address: '198.19.0.1', ports: [icmp(25, 64, 13), silent] };
    expect(hostBaseline(host)).toEqual({});
  });

  it('leaves Window-scan replies out of the RST window', () => {
    const host: HostResult = {
      address: '198.19.0.1',
      ports: [tcp(22, 'window', 'reset', 64, 1024, RST), tcp(23, 'syn', 'reset', 64, 0, RST_ACK)],
    };
    expect(hostBaseline(host).resetWindow).toBe(0);
  });
});

describe('middleboxFlag', () => {
  const baseline = { ttl: 64, ttlFrom: 'syn-ack' as const, resetWindow: 0 };

  it.each<[string, PortResult, ReturnType<typeof middleboxFlag>]>([
    ['the host RST', tcp(23, 'syn', 'reset', 64, 0, RST_ACK), undefined],
    [
      'a RST with another TTL',
      tcp(27, 'syn', 'reset', 200, 0, RST_ACK),
      { differs: ['ttl'], ttl: 200, baselineTtl: 64, window: 0, baselineWindow: 0 },
    ],
    [
      'a RST with another window',
      tcp(27, 'ack', 'reset', 64, 512, RST),
      { differs: ['window'], ttl: 64, baselineTtl: 64, window: 512, baselineWindow: 0 },
    ],
    [
      'both',
      tcp(27, 'syn', 'reset', 250, 512, RST_ACK),
      { differs: ['ttl', 'window'], ttl: 250, baselineTtl: 64, window: 512, baselineWindow: 0 },
    ],
    [
      'a Window-scan RST with a window (that scan reads windows)',
      tcp(27, 'window', 'reset', 64, 512, RST),
      undefined,
    ],
    ['ICMP in the host name, same TTL', icmp(25, 64, 13), undefined],
    ['ICMP in the host name, other TTL', icmp(25, 255, 13), { differs: ['ttl'], ttl: 255, baselineTtl: 64 }],
    ['ICMP from a router (its own address)', icmp(25, 255, 13, '198.18.0.2'), undefined],
    ['silence', silent, undefined],
  ])('%s', (_, p, flag) => {
    expect(middleboxFlag(baseline, p)).toEqual(flag);
  });

  it('flags per host and describes the flag', () => {
    const forged = tcp(27, 'syn', 'reset', 200, 0, RST_ACK);
    const host: HostResult = {
      address: '198.19.0.1',
      ports: [tcp(22, 'syn', 'syn-ack', 64, 64240, SYN_ACK), tcp(28, 'syn', 'reset', 64, 0, RST_ACK), forged],
    };
    const { flags } = middleboxFlags(host);
    expect([...flags.keys()]).toEqual([host.ports.indexOf(forged)]);
    expect(describeFlag(flags.get(2)!)).toBe('ttl 200 (host 64)');
  });
});

describe("a raw scan's tracked hosts", () => {
  // Their baseline is read through PortRows.reply, without decoding rows: it must be the
  // baseline of the same results as plain objects, flags included.
  it.each([
    [['syn'] as ProbeKind[], 0.3, false],
    [['syn', 'window'] as ProbeKind[], 0.2, true],
    [['fin', 'ack'] as ProbeKind[], 0.5, true],
  ])(
    '%j, ICMP share %d, odd windows %s: the baseline and flags of plain copies',
    (scanTypes, icmpShare, odd) => {
      const hosts = randomTrackedHosts(
        mulberry32(11),
        60,
        Array.from({ length: 40 }, (_, i) => 20 + i * 3),
        scanTypes,
        {
          silent: 0.15,
          open: 0.15 + 0.7 * (1 - icmpShare),
          icmp: 1 - icmpShare,
          forged: 0.1,
          oddWindows: odd,
        },
      );
      let flagged = 0;
      for (const host of hosts) {
        // Read through the tracked rows first: reading host.ports makes the host's rows that array's.
        const baseline = hostBaseline(host);
        const flags = [...middleboxFlags(host).flags].map(([i, flag]) => [i, structuredClone(flag)]);
        const plain: HostResult = { address: host.address, ports: host.ports.map((p) => structuredClone(p)) };
        expect(baseline, host.address).toEqual(hostBaseline(plain));
        expect(flags, host.address).toEqual([...middleboxFlags(plain).flags]);
        flagged += flags.length;
      }
      expect(flagged).toBeGreaterThan(0); // forged replies were judged, not only uniform hosts
    },
  );
});
