// The scheduler driven in virtual time: a tiny in-test wire sends what pump()
// releases, reports a Sent watermark every millisecond and answers after rttMs.
import { describe, expect, it } from 'vitest';
import { Scheduler, ReplyOutcome } from '../../src/scan/scheduler.js';
import { resolveTiming, type TimingOptions } from '../../src/scan/timing.js';
import type { ProbeKind, ReplyRecord, ScanPlan, TargetList } from '../../src/scan/types.js';
import { answerFor, mulberry32, type PortTruth } from './fake-engine.js';

const BASE = 0xc6130000; // 198.19.0.0

function range(size: number, first = BASE): TargetList {
  return { size, at: (i) => first + i };
}

interface Wire {
  truth: (address: number, port: number) => PortTruth;
  rttMs: number;
  /** true when this transmission gets no answer */
  lost?: (address: number, port: number, tryNo: number) => boolean;
  duplicate?: boolean;
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

  it('cuts the congestion window when retransmissions get answered', () => {
    const s = scheduler({ ports: ports(60_000) }, { minRttMs: 5 });
    let peak = 0;
    let cut = false;
    let clock = 0;
    // Loss starts after 25 ms, when slow start has opened the window.
    const lost = (_a: number, port: number, tryNo: number) => clock > 25 && tryNo === 0 && port % 3 === 0;
    drive(s, { truth: () => 'closed', rttMs: 2, lost }, 200, (now) => {
      clock = now;
      if (s.window.drops === 0) peak = Math.max(peak, s.window.cwnd);
      else if (s.window.cwnd < peak / 2 + 1) cut = true;
    });
    expect(peak).toBeGreaterThan(1000);
    expect(s.window.drops).toBeGreaterThan(0);
    expect(cut).toBe(true);
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
