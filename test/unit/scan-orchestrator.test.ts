// runScan end to end against the fake engine (real time, no root).
import { describe, expect, it } from 'vitest';
import { runScan, type ScanOptions } from '../../src/scan/orchestrator.js';
import type {
  PortResult,
  PortState,
  ProbeKind,
  ScanPlan,
  ScanReport,
  TargetList,
} from '../../src/scan/types.js';
import { AnswerLimiter, FakeEngine, mulberry32, type FakeNetwork, type PortTruth } from './fake-engine.js';

const TARGET = 0xc6130005; // 198.19.0.5

function randomTruth(seed: number, ports: number): (address: number, port: number) => PortTruth {
  const rng = mulberry32(seed);
  const table: PortTruth[] = [];
  for (let p = 0; p <= ports; p++) {
    const x = rng();
    table.push(x < 0.05 ? 'open' : x < 0.85 ? 'closed' : x < 0.95 ? 'dropped' : 'rejected');
  }
  return (_address, port) => table[port];
}

const EXPECTED: Record<'syn' | 'fin', Record<PortTruth, PortState>> = {
  syn: { open: 'open', closed: 'closed', dropped: 'filtered', rejected: 'filtered', expired: 'filtered' },
  fin: {
    open: 'open|filtered',
    closed: 'closed',
    dropped: 'open|filtered',
    rejected: 'filtered',
    expired: 'open|filtered',
  },
};

function single(address = TARGET): TargetList {
  return { size: 1, at: () => address, hostnames: new Map([[address, 'target.lab']]) };
}

const allPorts = Array.from({ length: 65535 }, (_, i) => i + 1);

async function scan(
  plan: ScanPlan,
  net: Omit<FakeNetwork, 'kinds'>,
  options: Partial<ScanOptions> = {},
): Promise<{ report: ScanReport; engine: FakeEngine; ms: number }> {
  const engine = new FakeEngine({ ...net, kinds: plan.scanTypes });
  const t0 = performance.now();
  const report = await runScan(plan, engine, {
    clock: engine.clock,
    template: 4,
    minRttMs: 20,
    seed: 5n,
    ...options,
  });
  return { report, engine, ms: performance.now() - t0 };
}

function byPort(ports: PortResult[], scan: ProbeKind): Map<number, PortResult> {
  return new Map(ports.filter((p) => p.scan === scan).map((p) => [p.port, p]));
}

describe('runScan', () => {
  it.each(['syn', 'fin'] as const)('finds the truth of 65535 ports (%s semantics)', async (kind) => {
    const truth = randomTruth(17, 65535);
    const { report, engine } = await scan(
      { targets: single(), ports: allPorts, scanTypes: [kind] },
      { truth, rttMs: 2 },
    );
    expect(report.incomplete).toBe(false);
    expect(report.hosts).toHaveLength(1);
    const host = report.hosts[0];
    expect(host).toMatchObject({ address: '198.19.0.5', hostname: 'target.lab' });
    expect(host.ports).toHaveLength(65535);
    const wrong = host.ports.filter((p) => p.state !== EXPECTED[kind][truth(TARGET, p.port)]);
    expect(wrong).toEqual([]);
    expect(host.ports.map((p) => p.port)).toEqual(allPorts); // sorted
    const rejected = host.ports.find((p) => truth(TARGET, p.port) === 'rejected')!;
    expect(rejected).toMatchObject({ reason: 'admin-prohibited', reasonTtl: 255 });
    expect(rejected.evidence).toMatchObject({ responder: '198.18.0.1', icmpType: 3, icmpCode: 13, tryNo: 0 });
    const closed = host.ports.find((p) => truth(TARGET, p.port) === 'closed')!;
    expect(closed).toMatchObject({ reason: 'reset', reasonTtl: 64 });
    expect(closed.evidence).toMatchObject({ tcpFlags: 0x14, window: 0, ttl: 64 });
    expect(closed.evidence?.responder).toBeUndefined();
    expect(closed.evidence?.rttMs).toBeGreaterThanOrEqual(1.9);
    const silent = host.ports.find((p) => truth(TARGET, p.port) === 'dropped')!;
    expect(silent).toMatchObject({ reason: 'no-response', reasonTtl: 0 });
    expect(report.stats.probesSent).toBe(engine.sent);
    expect(report.stats.repliesAccepted).toBeGreaterThan(50_000);
    expect(report.stats.srttMs).toBeGreaterThan(1);
  });

  it('recovers from 20% loss by retransmitting, and says which try was answered', async () => {
    const truth = (_: number, port: number): PortTruth => (port % 10 === 0 ? 'open' : 'closed');
    const ports = allPorts.slice(0, 3000);
    const { report, engine } = await scan(
      { targets: single(), ports, scanTypes: ['syn'] },
      { truth, rttMs: 2, loss: 0.2, seed: 9 },
    );
    const results = report.hosts[0].ports;
    // Only a port lost on every try (~0.2^5 each) may be missed, and then only as silent.
    const wrong = results.filter((p) => p.state !== (p.port % 10 === 0 ? 'open' : 'closed'));
    expect(wrong.length).toBeLessThanOrEqual(3);
    expect(wrong.every((p) => p.reason === 'no-response')).toBe(true);
    const retried = results.filter((p) => (p.evidence?.tryNo ?? 0) > 0);
    expect(retried.length).toBeGreaterThan(400);
    expect(report.stats.retransmissions).toBe(engine.sent - 3000);
    expect(engine.sentByTry[1]).toBeGreaterThan(400);
  });

  it('finds every port at 5% loss each way with default timing, without a congestion cut', async () => {
    const truth = randomTruth(23, 65535);
    const { report } = await scan(
      { targets: single(), ports: allPorts, scanTypes: ['syn'] },
      { truth, rttMs: 2, loss: 0.05, lossBack: 0.05, seed: 4 },
      { template: 3, minRttMs: undefined },
    );
    const wrong = report.hosts[0].ports.filter((p) => p.state !== EXPECTED.syn[truth(TARGET, p.port)]);
    expect(wrong).toEqual([]);
    expect(report.stats.retransmissions).toBeGreaterThan(5000);
    expect(report.stats.notes.join('\n')).not.toMatch(/congestion/);
  });

  it('waits for an ICMP rate limit in a FIN scan and says so', async () => {
    // 40 ports rejected through a limiter of 20 errors/s after a burst of 6: about 1.7 s of waiting.
    const truth = (_: number, port: number): PortTruth =>
      port % 50 === 0 ? 'rejected' : port % 50 === 25 ? 'dropped' : 'closed';
    const icmpLimit = new AnswerLimiter(20, 6);
    const { report, ms } = await scan(
      { targets: single(), ports: allPorts.slice(0, 2000), scanTypes: ['fin'] },
      { truth, rttMs: 2, icmpLimit },
    );
    const wrong = report.hosts[0].ports.filter((p) => p.state !== EXPECTED.fin[truth(TARGET, p.port)]);
    expect(wrong).toEqual([]);
    expect(icmpLimit.suppressed).toBeGreaterThan(30);
    expect(ms).toBeGreaterThan(1500);
    expect(ms).toBeLessThan(10_000);
    expect(report.stats.notes.join('\n')).toMatch(
      /ICMP rate limit detected at 198\.19\.0\.5 \(at least \d+\.\d ICMP\/s/,
    );
  });

  it('ends one RTT-derived timeout after the last send, with no fixed wait', async () => {
    const plan: ScanPlan = { targets: single(), ports: allPorts.slice(0, 400), scanTypes: ['syn'] };
    const truth = (_: number, port: number): PortTruth => (port % 2 ? 'closed' : 'dropped');
    const options = { initialRttMs: 1000, minRttMs: 1, maxRetries: 1 };
    const fast = await scan(plan, { truth, rttMs: 5 }, options);
    const slow = await scan(plan, { truth, rttMs: 80 }, options);
    // Each silent port waits two timeouts (first try + one retry); timeout ~ RTT here.
    expect(fast.ms).toBeLessThan(300);
    expect(slow.ms).toBeGreaterThan(2 * 80);
    expect(slow.ms).toBeLessThan(900);
    expect(slow.report.hosts[0].ports.filter((p) => p.state === 'filtered')).toHaveLength(200);
  });

  it('ends with the batch that decides the last probe, not at the next tick', async () => {
    // A tick period far longer than the test's timeout: a scan that waited for
    // its next tick to notice that every probe is decided would not end in time.
    const plan: ScanPlan = { targets: single(), ports: [22, 80], scanTypes: ['syn'] };
    const truth = (_: number, port: number): PortTruth => (port === 22 ? 'open' : 'closed');
    const { report, ms } = await scan(plan, { truth, rttMs: 2 }, { tickMs: 60_000 });
    expect(report.hosts[0].ports.map((p) => [p.port, p.state])).toEqual([
      [22, 'open'],
      [80, 'closed'],
    ]);
    expect(ms).toBeLessThan(5_000);
  });

  it('returns what it has, marked incomplete, when aborted', async () => {
    const controller = new AbortController();
    const targets: TargetList = { size: 65536, at: (i) => 0xc6130000 + i };
    const truth = (address: number): PortTruth => (address % 3 === 0 ? 'open' : 'closed');
    setTimeout(() => controller.abort(), 300);
    const { report, ms } = await scan(
      { targets, ports: [80], scanTypes: ['syn'] },
      { truth, rttMs: 2 },
      { maxRate: 20_000, signal: controller.signal },
    );
    expect(ms).toBeLessThan(3000);
    expect(report.incomplete).toBe(true);
    expect(report.stats.notes.join('\n')).toMatch(/interrupted/);
    const decided = report.hosts.flatMap((h) => h.ports.map((p) => ({ address: h.address, ...p })));
    expect(decided.length).toBeGreaterThan(1000);
    expect(decided.length).toBeLessThan(65536);
    for (const h of report.hosts) {
      const [a, b, c, d] = h.address.split('.').map(Number);
      const address = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
      expect(h.ports[0].state).toBe(address % 3 === 0 ? 'open' : 'closed');
    }
  });

  it('keeps under --max-rate even when the engine would send faster', async () => {
    const ports = allPorts.slice(0, 1500);
    const { engine } = await scan(
      { targets: single(), ports, scanTypes: ['syn'] },
      { truth: () => 'closed', rttMs: 2, enforceRate: false },
      { maxRate: 5000 },
    );
    expect(engine.rates).toEqual([5000]);
    const seconds = (engine.lastSendMs - engine.firstSendMs) / 1000;
    expect(engine.sent).toBe(1500);
    expect(engine.sent / seconds).toBeLessThan(5000 * 1.25);
    expect(engine.sent / seconds).toBeGreaterThan(5000 * 0.5);
  });

  it('streams one verdict per probe and reports every scan type per port', async () => {
    const verdicts: PortResult[] = [];
    const { report } = await scan(
      { targets: single(), ports: [443, 22, 80, 22], scanTypes: ['syn', 'ack'] },
      { truth: (_, port) => (port === 22 ? 'open' : 'dropped'), rttMs: 2 },
      { maxRetries: 0 },
    );
    expect(report.ports).toEqual([22, 80, 443]);
    expect(report.scanTypes).toEqual(['syn', 'ack']);
    const rows = report.hosts[0].ports.map((p) => `${p.port}/${p.scan} ${p.state}`);
    expect(rows).toEqual([
      '22/syn open',
      '22/ack unfiltered',
      '80/syn filtered',
      '80/ack filtered',
      '443/syn filtered',
      '443/ack filtered',
    ]);
    const again = await runScan(
      { targets: single(), ports: [22, 80], scanTypes: ['fin'] },
      new FakeEngine({ truth: () => 'closed', kinds: ['fin'] }),
      { clock: performance.now.bind(performance), minRttMs: 5 },
      { verdict: (_address, result) => verdicts.push(result) },
    );
    expect(again.hosts[0].ports).toHaveLength(2);
    expect(verdicts.map((v) => `${v.port} ${v.state}`).sort()).toEqual(['22 closed', '80 closed']);
  });

  it('ignores duplicates and reports time-exceeded to its hook', async () => {
    const exceeded: number[] = [];
    const engine = new FakeEngine({
      truth: (_, port) => (port === 7 ? 'expired' : 'closed'),
      kinds: ['syn'],
      duplicate: 1,
    });
    const report = await runScan(
      { targets: single(), ports: [5, 6, 7], scanTypes: ['syn'] },
      engine,
      { clock: engine.clock, minRttMs: 5, maxRetries: 0 },
      { timeExceeded: (r) => exceeded.push(r.port) },
    );
    expect(report.hosts[0].ports.map((p) => p.state)).toEqual(['closed', 'closed', 'filtered']);
    expect(report.hosts[0].ports[2].reason).toBe('no-response');
    expect(exceeded).toEqual([7, 7]);
    expect(report.stats.notes.join('\n')).toMatch(/2 replies came after their probe was decided/);
  });

  it('rejects with the engine’s fatal error and stops the engine', async () => {
    const engine = new FakeEngine({ truth: () => 'dropped', kinds: ['syn'] });
    engine.injectError(true, 1, 'sendmmsg');
    await expect(
      runScan({ targets: single(), ports: allPorts.slice(0, 100), scanTypes: ['syn'] }, engine, {
        clock: engine.clock,
      }),
    ).rejects.toThrow(/sender thread: sendmmsg: EPERM/);
    expect(engine.stopped).toBe(true);
  });

  it('reports progress about once a second', async () => {
    const calls: { at: number; done: number; total: number }[] = [];
    const engine = new FakeEngine({ truth: () => 'closed', kinds: ['syn'] });
    const t0 = performance.now();
    const report = await runScan(
      { targets: single(), ports: allPorts.slice(0, 1600), scanTypes: ['syn'] },
      engine,
      { clock: engine.clock, maxRate: 1000 },
      { progress: (p) => calls.push({ at: performance.now() - t0, done: p.done, total: p.total }) },
    );
    const ms = performance.now() - t0;
    expect(report.hosts[0].ports).toHaveLength(1600);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(Math.floor(ms / 1000));
    calls.forEach((c, i) => expect(c.at - (i > 0 ? calls[i - 1].at : 0)).toBeGreaterThanOrEqual(990));
    expect(calls[0]).toMatchObject({ total: 1600 });
    expect(calls[0].done).toBeGreaterThan(500); // ~1000 probes/s
    expect(calls[0].done).toBeLessThan(1600);
  });
});
