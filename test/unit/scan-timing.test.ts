import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { CongestionWindow, RttEstimator, TokenBucket, resolveTiming } from '../../src/scan/timing.js';

describe('resolveTiming', () => {
  it.each([
    // template, initial, min, max, retries, scan delay, maxRate
    [0, 300_000, 100, 300_000, 10, 300_000, 1000 / 300_000],
    [1, 15_000, 100, 15_000, 10, 15_000, 1000 / 15_000],
    [2, 1_000, 100, 10_000, 10, 400, 2.5],
    [3, 1_000, 100, 10_000, 10, 0, Infinity],
    [4, 500, 100, 1_250, 6, 0, Infinity],
    [5, 250, 50, 300, 2, 0, Infinity],
  ])('-T%i is nmap’s template', (template, initial, min, max, retries, delay, maxRate) => {
    const p = resolveTiming({ template });
    expect([p.initialRttMs, p.minRttMs, p.maxRttMs, p.maxRetries, p.scanDelayMs, p.maxRate]).toEqual([
      initial,
      min,
      max,
      retries,
      delay,
      maxRate,
    ]);
  });

  it('serialises -T0..2 and lets options override a template', () => {
    expect(resolveTiming({ template: 2 }).maxParallelism).toBe(1);
    const p = resolveTiming({ template: 4, maxRetries: 1, minRttMs: 5, minRate: 100, maxRate: 5000 });
    expect([p.maxRetries, p.minRttMs, p.maxRttMs, p.minRate, p.maxRate]).toEqual([1, 5, 1250, 100, 5000]);
  });

  it('keeps the initial timeout inside [min, max]', () => {
    expect(resolveTiming({ template: 5, maxRttMs: 100 }).initialRttMs).toBe(100);
    expect(resolveTiming({ template: 5, maxRttMs: 20 }).minRttMs).toBe(20);
  });

  it.each([
    [{ template: 6 }, /-T6/],
    [{ maxRetries: 16 }, /--max-retries 16/],
    [{ minRate: 10, maxRate: 5 }, /--min-rate 10 exceeds --max-rate 5/],
    [{ minRttMs: 500, maxRttMs: 100 }, /min <= max/],
    [{ maxRate: 0 }, /--max-rate 0/],
  ])('rejects %o', (opts, message) => {
    expect(() => resolveTiming(opts)).toThrow(UsageError);
    expect(() => resolveTiming(opts)).toThrow(message);
  });
});

describe('RttEstimator (RFC 6298)', () => {
  it('starts at the initial timeout and follows srtt + 4 rttvar, clamped', () => {
    const e = new RttEstimator(resolveTiming({ template: 4 }));
    expect(e.timeoutMs).toBe(500);
    e.sample(200); // srtt 200, rttvar 100
    expect([e.srttMs, e.rttvarMs, e.timeoutMs]).toEqual([200, 100, 600]);
    e.sample(100); // rttvar = 75 + 25, srtt = 175 + 12.5
    expect([e.srttMs, e.rttvarMs, e.timeoutMs]).toEqual([187.5, 100, 587.5]);
    for (let i = 0; i < 100; i++) e.sample(1);
    expect(e.timeoutMs).toBe(100); // min-rtt-timeout
    for (let i = 0; i < 5; i++) e.sample(5000);
    expect(e.timeoutMs).toBe(1250); // max-rtt-timeout
  });
});

describe('CongestionWindow', () => {
  const p = resolveTiming({ template: 3, maxParallelism: 1000 });

  it('grows by one per answer in slow start', () => {
    const w = new CongestionWindow(p);
    const start = w.cwnd;
    for (let i = 0; i < 10; i++) w.answered();
    expect(w.cwnd).toBe(start + 10);
  });

  it('scales growth by expected / received answers when probes go silent', () => {
    const w = new CongestionWindow(p);
    const start = w.cwnd;
    for (let i = 0; i < 3; i++) w.timedOut();
    w.answered(); // 4 expected, 1 received
    expect(w.cwnd).toBe(start + 4);
  });

  it('halves on a drop, at most once per probe sent after the last cut', () => {
    const w = new CongestionWindow(p);
    for (let i = 0; i < 200; i++) w.answered();
    const before = w.cwnd;
    w.dropped(10, 180, 20);
    expect(w.cwnd).toBe(before / 2);
    expect(w.ssthresh).toBe(90);
    w.dropped(15, 180, 25); // sent before the cut at 20: same loss episode
    expect(w.cwnd).toBe(before / 2);
    w.dropped(21, 180, 30);
    expect(w.cwnd).toBe(before / 4);
    expect(w.drops).toBe(2);
  });

  it('grows by 1/cwnd per answer in congestion avoidance and never passes maxParallelism', () => {
    const w = new CongestionWindow(p);
    w.dropped(1, 4, 2); // ssthresh 2, cwnd halves
    w.cwnd = 10;
    w.answered();
    expect(w.cwnd).toBeCloseTo(10.1);
    for (let i = 0; i < 1_000_000; i++) w.answered();
    expect(w.cwnd).toBe(1000);
  });
});

describe('TokenBucket', () => {
  it('grants rate per second up to its burst', () => {
    const b = new TokenBucket(1000, 10, 0);
    expect(b.available(0)).toBe(1);
    b.take(1);
    expect(b.available(5)).toBe(5);
    expect(b.available(1000)).toBe(10);
    b.take(10);
    expect(b.available(1001)).toBe(1);
  });

  it('never limits at Infinity', () => {
    expect(new TokenBucket(Infinity, 1, 0).available(0)).toBe(Infinity);
  });
});
