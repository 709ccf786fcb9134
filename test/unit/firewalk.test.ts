// Firewalk's decisions without a network: the verdict of each kind of answer,
// the hop discovery's steps, a whole firewalk over a simulated path, the
// renderings, and the command's argument handling.
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { UsageError } from '../../src/cli/errors.js';
import { firewalkCommand, handler } from '../../src/cli/firewalk-command.js';
import { rewriteNmapArgv } from '../../src/cli/nmap-argv.js';
import {
  describePath,
  firewalk,
  judgeHop,
  judgePort,
  senderHop,
  SILENT_HOPS_LIMIT,
  type FirewalkBasis,
  type ProbeAnswer,
  type ProbeObservation,
  type Prober,
} from '../../src/audit/firewalk.js';
import { answerOf } from '../../src/audit/firewalk-prober.js';
import { renderFirewalkJson, renderFirewalkText } from '../../src/audit/firewalk-render.js';
import { parseIpv4 } from '../../src/targets/ipv4.js';
import type { TargetList } from '../../src/scan/types.js';

const ip = (s: string) => parseIpv4(s)!;
const R1 = ip('198.18.0.1');
const GW = ip('198.18.1.2');
const NEXT = ip('198.18.2.11');
const TARGET = ip('198.18.3.10');
const list = (...addresses: number[]): TargetList => ({ size: addresses.length, at: (i) => addresses[i] });

const te = (responder: number, ttl = 63): ProbeAnswer => ({
  kind: 'time-exceeded',
  responder,
  ttl,
  icmpCode: 0,
});
const unreach = (responder: number, code = 13): ProbeAnswer => ({
  kind: 'unreachable',
  responder,
  ttl: 64,
  icmpType: 3,
  icmpCode: code,
  reason: code === 13 ? 'admin-prohibited' : 'port-unreach',
});
const tcp = (ttl: number, reason: 'syn-ack' | 'reset' = 'reset'): ProbeAnswer => ({
  kind: 'tcp',
  responder: TARGET,
  ttl,
  reason,
});
const SILENT: ProbeAnswer = { kind: 'silent' };

describe('senderHop', () => {
  it.each([
    [64, 1],
    [63, 2],
    [57, 8],
    [128, 1],
    [120, 9],
    [255, 1],
    [250, 6],
  ])('a packet arriving with TTL %i was sent from hop %i', (ttl, hop) => {
    expect(senderHop(ttl)).toBe(hop);
  });
});

describe('judgePort (gateway at hop 2, router 198.18.0.1 before it)', () => {
  const ctx = { gateway: GW, gatewayHop: 2, beforeGateway: new Set(['198.18.0.1']) };
  it.each<[string, string, FirewalkBasis, ProbeAnswer]>([
    ['time-exceeded from the next hop', 'allowed', 'expired-beyond-gateway', te(NEXT)],
    ['ICMP unreachable from beyond the gateway', 'allowed', 'unreachable-beyond-gateway', unreach(NEXT, 3)],
    ['SYN-ACK from the target at hop 3', 'allowed', 'target-answered', tcp(62, 'syn-ack')],
    ['RST from the target at hop 3', 'allowed', 'target-answered', tcp(62)],
    ['RST "from the target" sent at hop 2 (forged by the gateway)', 'blocked', 'reset-by-gateway', tcp(63)],
    ['RST "from the target" sent at hop 1', 'blocked', 'reset-by-gateway', tcp(64)],
    ['admin-prohibited from the gateway', 'blocked', 'rejected-by-gateway', unreach(GW)],
    ['port-unreachable from the gateway', 'blocked', 'rejected-by-gateway', unreach(GW, 3)],
    ['silence', 'blocked', 'no-response', SILENT],
    ['time-exceeded from the gateway itself', 'unknown', 'expired-at-gateway', te(GW, 63)],
    ['time-exceeded from a router before the gateway', 'unknown', 'answered-before-gateway', te(R1, 64)],
    ['unreachable from a router before the gateway', 'unknown', 'answered-before-gateway', unreach(R1)],
  ])('%s → %s (%s)', (_what, verdict, basis, answer) => {
    const r = judgePort({ target: TARGET, port: 80, answer }, ctx);
    expect([r.verdict, r.basis]).toEqual([verdict, basis]);
    expect(r.target).toBe('198.18.3.10');
  });

  it('keeps the evidence: who answered, ICMP type/code and TTL', () => {
    expect(judgePort({ target: TARGET, port: 25, answer: unreach(GW) }, ctx).evidence).toEqual({
      reply: 'icmp-unreachable',
      responder: '198.18.1.2',
      ttl: 64,
      icmpType: 3,
      icmpCode: 13,
      reason: 'admin-prohibited',
    });
    expect(judgePort({ target: TARGET, port: 22, answer: tcp(62, 'syn-ack') }, ctx).evidence).toEqual({
      reply: 'syn-ack',
      responder: '198.18.3.10',
      ttl: 62,
      hop: 3,
    });
  });
});

describe('judgeHop', () => {
  const obs = (...answers: ProbeAnswer[]): ProbeObservation[] =>
    answers.map((answer, i) => ({ target: TARGET, port: 20 + i, answer }));
  it.each<[string, string, ProbeObservation[]]>([
    ['time-exceeded from the gateway', 'gateway', obs(te(GW), SILENT)],
    ['a reject from the gateway (filters before the TTL check)', 'gateway', obs(unreach(GW))],
    ['time-exceeded from an earlier router', 'continue', obs(te(R1), SILENT)],
    ['the target answers', 'target', obs(tcp(60), te(R1))],
    ['every probe refused before the gateway', 'ended', obs(unreach(R1), unreach(R1, 3))],
    ['nothing', 'silent', obs(SILENT, SILENT)],
  ])('%s → %s', (_what, step, observations) => {
    expect(judgeHop(observations, GW, TARGET)).toBe(step);
  });
});

/**
 * A fake path: R1 (hop 1) → GW (hop 2, filters per port) → NEXT (hop 3) → TARGET (hop 4).
 * Linux-like: TTL expiry is checked before the filter.
 */
function simulatedPath(
  rules: Record<number, 'accept' | 'drop' | 'admin' | 'reset'>,
  path = [R1, GW, NEXT, TARGET],
) {
  const ttls: number[] = [];
  const prober: Prober = async (ttl, targets, ports) => {
    ttls.push(ttl);
    const out: ProbeObservation[] = [];
    for (let i = 0; i < targets.size; i++) {
      for (const port of ports)
        out.push({ target: targets.at(i), port, answer: walk(ttl, targets.at(i), port) });
    }
    return out;
  };
  const walk = (ttl: number, target: number, port: number): ProbeAnswer => {
    for (let hop = 1; hop <= path.length; hop++) {
      const node = path[hop - 1];
      if (node === target) return tcp(64 - (hop - 1), 'syn-ack');
      if (ttl === hop) return te(node, 64 - (hop - 1));
      if (node === GW) {
        const rule = rules[port] ?? 'drop';
        if (rule === 'drop') return SILENT;
        if (rule === 'admin') return unreach(GW);
        if (rule === 'reset') return { kind: 'tcp', responder: target, ttl: 64 - (hop - 1), reason: 'reset' };
      }
    }
    return SILENT;
  };
  return { prober, ttls };
}

describe('firewalk over a simulated path', () => {
  const rules = { 22: 'accept', 23: 'drop', 25: 'admin', 113: 'reset' } as const;

  it('finds the gateway at hop 2, probes with TTL 3 and judges every port by its rule', async () => {
    const { prober, ttls } = simulatedPath(rules);
    const report = await firewalk(
      { gateway: GW, targets: list(TARGET), ports: [113, 22, 25, 23], maxHops: 8 },
      prober,
    );
    expect(ttls).toEqual([1, 2, 3]);
    expect([report.gatewayHop, report.probeTtl]).toEqual([2, 3]);
    expect(report.path).toEqual([
      { ttl: 1, responders: ['198.18.0.1'] },
      { ttl: 2, responders: ['198.18.1.2'] },
    ]);
    expect(report.results.map((r) => [r.port, r.verdict, r.basis])).toEqual([
      [22, 'allowed', 'expired-beyond-gateway'],
      [23, 'blocked', 'no-response'],
      [25, 'blocked', 'rejected-by-gateway'],
      [113, 'blocked', 'reset-by-gateway'],
    ]);
  });

  it('takes a target right behind the gateway answering directly as allowed', async () => {
    const { prober } = simulatedPath(rules, [R1, GW, TARGET]);
    const report = await firewalk(
      { gateway: GW, targets: list(TARGET), ports: [22, 113], maxHops: 8 },
      prober,
    );
    expect(report.results.map((r) => [r.port, r.verdict, r.basis])).toEqual([
      [22, 'allowed', 'target-answered'],
      [113, 'blocked', 'reset-by-gateway'],
    ]);
  });

  it('names the gateway and the path seen when the target answers before the gateway appears', async () => {
    const { prober } = simulatedPath(rules, [R1, NEXT, TARGET]);
    const run = firewalk({ gateway: GW, targets: list(TARGET), ports: [22], maxHops: 8 }, prober);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(
      'gateway 198.18.1.2 is not on the path to 198.18.3.10 (path seen: 1 198.18.0.1, 2 198.18.2.11, 3 198.18.3.10 (target))',
    );
  });

  it(`gives up after ${SILENT_HOPS_LIMIT} silent hops, and at --max-hops`, async () => {
    // Asked about a router that is not there; the real gateway drops port 23.
    const silent = simulatedPath(rules);
    const elsewhere = ip('198.18.9.9');
    await expect(
      firewalk({ gateway: elsewhere, targets: list(TARGET), ports: [23], maxHops: 30 }, silent.prober),
    ).rejects.toThrow(
      'gateway 198.18.9.9 is not on the path to 198.18.3.10 (path seen: 1 198.18.0.1, 2 198.18.1.2, 3 *, 4 *, 5 *)',
    );
    expect(silent.ttls).toEqual([1, 2, 3, 4, 5]);
    const short = simulatedPath(rules, [R1, NEXT, TARGET]);
    await expect(
      firewalk({ gateway: GW, targets: list(TARGET), ports: [22], maxHops: 1 }, short.prober),
    ).rejects.toThrow('path seen: 1 198.18.0.1)');
  });

  it('refuses a target that is the gateway itself', async () => {
    const { prober } = simulatedPath(rules);
    await expect(
      firewalk({ gateway: GW, targets: list(TARGET, GW), ports: [22], maxHops: 8 }, prober),
    ).rejects.toThrow(/target 198.18.1.2 is the gateway itself/);
  });
});

describe('describePath', () => {
  it('marks silent hops and the target', () => {
    expect(
      describePath(
        [
          { ttl: 1, responders: [] },
          { ttl: 2, responders: ['198.18.3.10'] },
        ],
        TARGET,
      ),
    ).toBe('1 *, 2 198.18.3.10 (target)');
  });
});

describe('answerOf (a scan verdict as a firewalk answer)', () => {
  const result = { port: 80, protocol: 'tcp', scan: 'syn' } as const;
  it.each<[string, Parameters<typeof answerOf>[1], ProbeAnswer]>([
    ['silence', { ...result, state: 'filtered', reason: 'no-response', reasonTtl: 0 }, SILENT],
    [
      'an ICMP reject from a router',
      {
        ...result,
        state: 'filtered',
        reason: 'admin-prohibited',
        reasonTtl: 64,
        evidence: { responder: '198.18.1.2', icmpType: 3, icmpCode: 13 },
      },
      { kind: 'unreachable', responder: GW, ttl: 64, icmpType: 3, icmpCode: 13, reason: 'admin-prohibited' },
    ],
    [
      'a SYN-ACK from the target',
      { ...result, state: 'open', reason: 'syn-ack', reasonTtl: 63, evidence: { tcpFlags: 0x12 } },
      { kind: 'tcp', responder: TARGET, ttl: 63, reason: 'syn-ack' },
    ],
  ])('%s', (_what, portResult, answer) => {
    expect(answerOf(TARGET, portResult)).toEqual(answer);
  });
});

describe('renderings', () => {
  const report = {
    gateway: '198.18.1.2',
    gatewayHop: 1,
    probeTtl: 2,
    path: [{ ttl: 1, responders: ['198.18.1.2'] }],
    results: [
      judgePort(
        { target: TARGET, port: 22, answer: te(NEXT) },
        { gateway: GW, gatewayHop: 1, beforeGateway: new Set() },
      ),
      judgePort(
        { target: TARGET, port: 25, answer: unreach(GW) },
        { gateway: GW, gatewayHop: 1, beforeGateway: new Set() },
      ),
    ],
    startTime: 0,
    endTime: 1500,
  };

  it('text: the path, one line per port with its evidence, and the totals', () => {
    const text = renderFirewalkText(report);
    expect(text).toContain('Path: 1 198.18.1.2 (gateway)');
    expect(text).toMatch(
      /^22\/tcp\s+allowed\s+icmp 11\/0 time-exceeded from 198\.18\.2\.11 ttl 63: passed the gateway$/m,
    );
    expect(text).toMatch(
      /^25\/tcp\s+blocked\s+icmp 3\/13 admin-prohibited from 198\.18\.1\.2 ttl 64: rejected by the gateway$/m,
    );
    expect(text).toContain('1 allowed, 1 blocked, 0 unknown in 1.50 s');
  });

  it('JSON: the report itself, versioned', () => {
    expect(JSON.parse(renderFirewalkJson(report))).toEqual({ firewalk: 1, ...report });
  });
});

describe('rawscan firewalk arguments', () => {
  const parse = (args: string[]) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      void yargs(rewriteNmapArgv(args))
        .command({ ...firewalkCommand, handler: (argv) => resolve(argv as Record<string, unknown>) })
        .strict()
        .exitProcess(false)
        .fail((msg, err) => reject(err ?? new Error(msg)))
        .parseAsync();
    });

  it('takes nmap spellings: -p, -oJ FILE, -T4, -e', async () => {
    const argv = await parse([
      'firewalk',
      '--gateway',
      '198.18.1.2',
      '-p',
      '22,80',
      '-oJ',
      'fw.json',
      '-T4',
      '-e',
      'eth9',
      '198.18.2.10',
    ]);
    expect(argv).toMatchObject({
      gateway: '198.18.1.2',
      ports: '22,80',
      outputJson: 'fw.json',
      timing: '4',
      interface: 'eth9',
      targets: ['198.18.2.10'],
      maxHops: 16,
      json: false,
    });
  });

  it('requires --gateway and -p', async () => {
    await expect(parse(['firewalk', '-p', '22', '198.18.2.10'])).rejects.toThrow(/gateway/);
    await expect(parse(['firewalk', '--gateway', '198.18.1.2', '198.18.2.10'])).rejects.toThrow(/ports/);
  });

  it.each([
    [{ gateway: '198.18.1', 'max-hops': 16 }, /--gateway 198.18.1 is not an IPv4 address/],
    [{ gateway: 'router.example', 'max-hops': 16 }, /--gateway router.example is not an IPv4 address/],
    [{ gateway: '198.18.1.2', 'max-hops': 0 }, /--max-hops 0 is out of range/],
    [{ gateway: '198.18.1.2', 'max-hops': 16, targets: [] }, /needs targets/],
  ])('rejects %o before sending anything', async (args, message) => {
    const argv = { ports: '22', targets: ['198.18.2.10'], json: false, _: [], $0: 'rawscan', ...args };
    await expect(handler(argv as unknown as Parameters<typeof handler>[0])).rejects.toThrow(message);
  });
});
