// The scheduler driven in virtual time: a tiny in-test wire sends what pump()
// releases, reports a Sent watermark every millisecond and answers after rttMs.
import { describe, expect, it } from 'vitest';
import { Scheduler, ReplyOutcome } from '../../src/scan/scheduler.js';
import { resolveTiming, type TimingOptions } from '../../src/scan/timing.js';
import {
  SILENT_STATE,
  type PortState,
  type ProbeKind,
  type ReplyRecord,
  type ScanPlan,
  type TargetList,
} from '../../src/scan/types.js';
import { AnswerLimiter, answerFor, limitAllows, mulberry32, type PortTruth } from './fake-engine.js';

const BASE = 0xc6130000; // 198.19.0.0

function range(size: number, first = BASE): TargetList {
  return { size, at: (i) => first + i };
}

interface Wire {
  truth: (address: number, port: number) => PortTruth;
  rttMs: number;
  /** true when this transmission gets no answer */
  lost?: (address: number, port: number, tryNo: number) => boolean;
  /** true when the answer (if any) is lost on its way back */
  lostBack?: () => boolean;
  duplicate?: boolean;
  /** the target's answer limiters, applied when a probe arrives */
  limits?: { icmpLimit?: AnswerLimiter; rstLimit?: AnswerLimiter };
}

interface DriveResult {
  endMs: number;
  sentByTry: number[];
  maxOutstandingOverCwnd: number;
}

function drive(s: Scheduler, wire: Wire, untilMs = 60_000, onStep?: (now: number) => void): DriveResult {
  const answers: { due: number; w0: number; w1: number }[] = [];
  const sentByTry = new Array<number>(16).fill(0);
  let consumed = 0;
  let maxOver = -Infinity;
  let now = 0;
  for (; now < untilMs && !s.finished; now++) {
    s.expire(now);
    const chunk = s.pump(now);
    maxOver = Math.max(maxOver, s.outstanding - Math.max(Math.floor(s.window.cwnd), 1));
    for (let i = 0; chunk && i < chunk.length; i += 2) {
      const [w0, w1] = [chunk[i], chunk[i + 1]];
      consumed++;
      sentByTry[(w1 >>> 16) & 0xff]++;
      if (wire.lost?.(w0, w1 & 0xffff, (w1 >>> 16) & 0xff)) continue;
      const answer = answerFor(s.space.kinds[w1 >>> 24], wire.truth(w0, w1 & 0xffff));
      if (answer && !limitAllows(wire.limits ?? {}, answer, w0, now)) continue;
      if (answer && wire.lostBack?.()) continue;
      for (let c = wire.duplicate ? 2 : 1; c > 0; c--) answers.push({ due: now + wire.rttMs, w0, w1 });
    }
    s.sent(consumed, now);
    while (answers.length > 0 && answers[0].due <= now) {
      const a = answers.shift()!;
      const r = reply(s.space.kinds[a.w1 >>> 24], wire.truth(a.w0, a.w1 & 0xffff), a.w0, a.w1, a.due);
      if (r) s.reply(r);
    }
    onStep?.(now);
  }
  return { endMs: now, sentByTry, maxOutstandingOverCwnd: maxOver };
}

function reply(kind: ProbeKind, truth: PortTruth, w0: number, w1: number, time: number): ReplyRecord | null {
  const a = answerFor(kind, truth);
  if (!a) return null;
  return {
    state: a.state,
    reason: a.reason,
    kind,
    target: w0,
    port: w1 & 0xffff,
    tryNo: (w1 >>> 16) & 0xff,
    ttl: 64,
    responder: w0,
    window: a.window,
    ipId: 1,
    tcpFlags: a.tcpFlags,
    icmpType: a.icmpType,
    icmpCode: a.icmpCode,
    time,
  };
}

function scheduler(plan: Partial<ScanPlan>, timing: TimingOptions = {}): Scheduler {
  const full: ScanPlan = { targets: range(1), ports: [80], scanTypes: ['syn'], ...plan };
  return new Scheduler(full, resolveTiming({ template: 4, ...timing }), { seed: 11n, nowMs: 0 });
}

const ports = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function randomTruth(seed: number, n: number): (address: number, port: number) => PortTruth {
  const rng = mulberry32(seed);
  const table = Array.from({ length: n + 1 }, (): PortTruth => {
    const x = rng();
    return x < 0.05 ? 'open' : x < 0.85 ? 'closed' : x < 0.95 ? 'dropped' : 'rejected';
  });
  return (_, port) => table[port];
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

/**
 * Watches the verdicts of s (one target, one kind); the returned function lists
 * the ports decided wrong (`port truth -> state`) and the ports never decided.
 */
function wrongPorts(s: Scheduler, truth: (address: number, port: number) => PortTruth): () => string[] {
  const decided = new Set<number>();
  const wrong: string[] = [];
  s.onVerdict = (index, address, row) => {
    s.space.decode(index);
    const port = s.space.ports[s.space.portIndex];
    const kind = s.space.kinds[s.space.slot] as 'syn' | 'fin';
    const state = row < 0 ? SILENT_STATE[kind] : s.verdicts.result(row, s.space, address, port, 0).state;
    decided.add(port);
    if (state !== EXPECTED[kind][truth(address, port)])
      wrong.push(`${port} ${truth(address, port)} -> ${state}`);
  };
  return () => [
    ...wrong,
    ...Array.from(s.space.ports)
      .filter((p) => !decided.has(p))
      .map((p) => `${p} undecided`),
  ];
}

describe('Scheduler', () => {
  it('decides every probe once, by its first reply', () => {
    const s = scheduler({ ports: ports(5000), scanTypes: ['syn', 'fin'] });
    const truth = (_: number, port: number): PortTruth => (port % 7 === 0 ? 'open' : 'closed');
    const seen = new Map<number, number>();
    s.onVerdict = (index) => seen.set(index, (seen.get(index) ?? 0) + 1);
    drive(s, { truth, rttMs: 3, duplicate: true });
    expect(s.finished).toBe(true);
    expect(s.decided).toBe(10_000);
    expect(seen.size).toBe(10_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(s.verdicts.count).toBe(5000 + 4286); // every SYN; FIN answers only for closed ports
    expect(s.lateReplies).toBeGreaterThan(9000); // the duplicates
  });

  it('ends after the RTT-derived timeout, not a fixed wait', () => {
    // Half the ports answer (RTT samples), half are silent; the last silent probe is
    // decided one timeout after its retry, and the timeout follows the measured RTT.
    const ends = [5, 40].map((rttMs) => {
      const s = scheduler({ ports: ports(200) }, { initialRttMs: 1000, minRttMs: 1, maxRetries: 1 });
      const { endMs } = drive(s, { truth: (_, p) => (p % 2 ? 'closed' : 'dropped'), rttMs });
      expect(s.rtt.timeoutMs).toBeLessThan(rttMs * 1.5 + 2);
      return endMs;
    });
    expect(ends[0]).toBeLessThan(40);
    expect(ends[1]).toBeGreaterThan(2 * 40);
    expect(ends[1]).toBeLessThan(300);
  });

  it('retransmits lost probes and records the answered try', () => {
    const rng = mulberry32(3);
    const s = scheduler({ ports: ports(3000) }, { minRttMs: 5 });
    const { sentByTry } = drive(s, { truth: () => 'closed', rttMs: 2, lost: () => rng() < 0.2 });
    // nmap's try limit (highest answered try + 1) can give up on a port lost 5 times in a row: 0.2^5 x 3000 ~ 1.
    expect(s.verdicts.count).toBeGreaterThanOrEqual(2997);
    expect(sentByTry[1]).toBeGreaterThan(400);
    expect(sentByTry[2]).toBeGreaterThan(50);
    expect(s.retransmissions).toBe(sentByTry.slice(1).reduce((a, b) => a + b));
    expect(s.maxSuccessfulTry).toBeGreaterThanOrEqual(2);
  });

  it('retries silent probes only once while no retransmission was ever answered', () => {
    const s = scheduler({ ports: ports(100) }, { minRttMs: 5, maxRetries: 6 });
    const { sentByTry } = drive(s, { truth: () => 'dropped', rttMs: 2 });
    expect(sentByTry.slice(0, 3)).toEqual([100, 100, 0]);
    expect(s.decided).toBe(100);
    expect(s.verdicts.count).toBe(0);
  });

  it('backs off when answers fall behind the send rate, and recovers', () => {
    const s = scheduler({ ports: ports(60_000) }, { minRttMs: 5 });
    let clock = 0;
    // From 25 ms on, a bottleneck answers at most 2000 probes/s; the excess is lost.
    const bottleneck = new AnswerLimiter(2000, 20);
    const lost = (address: number) => clock > 25 && !bottleneck.allow(address, clock);
    let fastest = 0;
    drive(s, { truth: () => 'closed', rttMs: 2, lost }, 3000, (now) => {
      clock = now;
      if (now > 1500) fastest = Math.max(fastest, s.rate.ratePps);
    });
    expect(s.rate.cuts).toBeGreaterThan(0);
    expect(s.rate.lastCause).toBe('loss');
    expect(fastest).toBeGreaterThan(1000);
    expect(fastest).toBeLessThan(8000);
  });

  it('keeps every port right at 5% loss each way with default timing, at full speed', () => {
    const rng = mulberry32(8);
    const truth = randomTruth(8, 20_000);
    const s = new Scheduler(
      { targets: range(1), ports: ports(20_000), scanTypes: ['syn'] },
      resolveTiming({}),
      { seed: 3n, nowMs: 0 },
    );
    const wrong = wrongPorts(s, truth);
    const { endMs } = drive(s, { truth, rttMs: 2, lost: () => rng() < 0.05, lostBack: () => rng() < 0.05 });
    expect(s.finished).toBe(true);
    expect(wrong()).toEqual([]);
    expect(s.rate.cuts).toBe(0);
    expect(s.allowedTries()).toBeGreaterThanOrEqual(5); // ~7 tries: 0.0975^7 x 20000 < 0.01
    expect(endMs).toBeLessThan(2000); // (tries + 1) x 100 ms of tail, no more
  });

  describe('with a Linux-like ICMP rate limit (burst 6, then 1/s)', () => {
    const REJECTED = 60;
    // 20000 ports: 60 rejected with ICMP, 30 open and 30 dropped (both silent to FIN), the rest closed.
    const truth = (_: number, port: number): PortTruth =>
      port % 300 === 0 && port <= 300 * REJECTED
        ? 'rejected'
        : port % 300 === 100 && port <= 9000
          ? 'open'
          : port % 300 === 200 && port <= 9000
            ? 'dropped'
            : 'closed';

    it.each([
      ['no loss', 0],
      ['5% loss each way', 0.05],
    ])('waits for it in a FIN scan, only as long as it imposes (%s)', (_name, loss) => {
      const rng = mulberry32(21);
      const icmpLimit = new AnswerLimiter(1, 6);
      const s = new Scheduler(
        { targets: range(1), ports: ports(20_000), scanTypes: ['fin'] },
        resolveTiming({}),
        { seed: 4n, nowMs: 0 },
      );
      const wrong = wrongPorts(s, truth);
      const { endMs } = drive(
        s,
        { truth, rttMs: 2, limits: { icmpLimit }, lost: () => rng() < loss, lostBack: () => rng() < loss },
        600_000,
      );
      expect(s.finished).toBe(true);
      expect(wrong()).toEqual([]);
      // The limiter lets 6 errors through at once, then one per second: no scan can be faster.
      const imposedMs = ((REJECTED - 6) / 1) * 1000;
      expect(endMs).toBeGreaterThan(imposedMs * 0.9);
      expect(endMs).toBeLessThan(imposedMs * 1.3 + 3000);
      expect(s.timingNotes().join('\n')).toMatch(
        /ICMP rate limit detected at 198\.19\.0\.0 \(at least (0\.9|1\.0) ICMP\/s/,
      );
    });

    it('does not wait when the limiter keeps up, nor in a SYN scan', () => {
      for (const kind of ['fin', 'syn'] as const) {
        const s = new Scheduler(
          { targets: range(1), ports: ports(20_000), scanTypes: [kind] },
          resolveTiming({}),
          { seed: 4n, nowMs: 0 },
        );
        const wrong = wrongPorts(s, truth);
        const limits = { icmpLimit: new AnswerLimiter(kind === 'fin' ? 100_000 : 1, 6) };
        const { endMs } = drive(s, { truth, rttMs: 2, limits });
        expect(wrong()).toEqual([]);
        expect(endMs).toBeLessThan(1000);
        expect(s.timingNotes()).toEqual([]);
      }
    });
  });

  it('backs off to an RST rate limit and still finds every closed port', () => {
    const rstLimit = new AnswerLimiter(1000, 20);
    const s = scheduler({ ports: ports(5000) }, { template: 3 });
    const wrong = wrongPorts(s, () => 'closed');
    const { endMs } = drive(s, { truth: () => 'closed', rttMs: 2, limits: { rstLimit } });
    expect(wrong()).toEqual([]);
    expect(s.rate.cuts).toBeGreaterThan(0);
    expect(endMs).toBeGreaterThan(4500); // 5000 RSTs at 1000/s
    expect(endMs).toBeLessThan(12_000);
    expect(s.timingNotes().join('\n')).toMatch(/congestion: the send rate was cut/);
  });

  it('never holds more probes than the window allows', () => {
    const s = scheduler({ ports: ports(20_000) }, { minRttMs: 5, maxParallelism: 500 });
    let maxUndecided = 0;
    const r = drive(s, { truth: () => 'closed', rttMs: 4 }, 60_000, () => {
      maxUndecided = Math.max(maxUndecided, s.undecided);
    });
    expect(r.maxOutstandingOverCwnd).toBeLessThanOrEqual(0);
    expect(maxUndecided).toBeLessThanOrEqual(500);
  });

  it('plans a /8 x 1 port without allocating per target', () => {
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const s = scheduler({ targets: range(2 ** 24, 0x0a000000), ports: [443] }, { minRttMs: 5 });
    expect(s.total).toBe(2 ** 24);
    let maxUndecided = 0;
    drive(s, { truth: () => 'closed', rttMs: 3 }, 200, () => {
      maxUndecided = Math.max(maxUndecided, s.undecided);
    });
    expect(s.next).toBeGreaterThan(100_000);
    expect(maxUndecided).toBeLessThanOrEqual(resolveTiming({ template: 4 }).maxParallelism);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 * 2 ** 20);
  });

  it('lets --min-rate send past a closed window, and --max-rate hold it back', () => {
    const fast = scheduler({ ports: ports(10_000) }, { minRate: 200_000, maxParallelism: 10 });
    drive(fast, { truth: () => 'dropped', rttMs: 2 }, 20);
    expect(fast.next).toBeGreaterThan(3000); // ~200 per ms, cwnd only 10

    const slow = scheduler({ ports: ports(10_000) }, { maxRate: 10_000 });
    drive(slow, { truth: () => 'closed', rttMs: 2 }, 100);
    expect(slow.next).toBeGreaterThan(900);
    expect(slow.next).toBeLessThanOrEqual(1000 + 100);
  });

  it('keeps a probe in flight on ICMP time-exceeded and ignores unknown kinds', () => {
    const s = scheduler({ ports: [22] });
    const chunk = s.pump(0)!;
    s.sent(1, 0);
    const base = reply('syn', 'expired', chunk[0], chunk[1], 1)!;
    expect(s.reply(base)).toBe(ReplyOutcome.TimeExceeded);
    expect(s.reply({ ...base, kind: 'ack', reason: 'reset' })).toBe(ReplyOutcome.Stray);
    expect(s.undecided).toBe(1);
    expect(s.reply(reply('syn', 'closed', chunk[0], chunk[1], 2)!)).toBe(ReplyOutcome.Decided);
    expect(s.reply(reply('syn', 'open', chunk[0], chunk[1], 3)!)).toBe(ReplyOutcome.Late);
    expect(s.finished).toBe(true);
  });
});
