import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { SendRate } from '../../src/scan/congestion.js';
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

  it('lowers the floor to twice the 99.9% RTT plus twice the batch span once enough samples are in', () => {
    const e = new RttEstimator(resolveTiming({ template: 3 }));
    for (let i = 0; i < 31; i++) e.sample(0.5);
    expect(e.timeoutMs).toBe(100); // too few samples: nmap's floor
    e.sample(0.5);
    expect(e.timeoutMs).toBe(10); // 2 x 0.5 ms is below the least adaptive floor
    e.sample(8);
    for (let i = 0; i < 31; i++) e.sample(0.5); // refreshed every 32 samples: of 64, the highest sets the floor
    expect(e.floorMs()).toBeGreaterThanOrEqual(16);
    expect(e.floorMs()).toBeLessThan(16 * 2 ** 0.25);
    e.batchSpan(3);
    expect(e.floorMs()).toBeGreaterThanOrEqual(22);
    expect(e.timeoutMs).toBeCloseTo(Math.max(e.floorMs(), e.srttMs + 4 * e.rttvarMs));
    e.batchSpan(80);
    expect(e.timeoutMs).toBe(100); // never above the template's minimum
  });

  it('leaves one outlier in a thousand out of the floor', () => {
    const e = new RttEstimator(resolveTiming({ template: 3 }));
    for (let i = 0; i < 3000; i++) e.sample(i % 1000 === 999 ? 40 : 2);
    expect(e.floorMs()).toBeGreaterThanOrEqual(10);
    expect(e.floorMs()).toBeLessThan(2 * 2 * 2 ** 0.25 + 10); // the 40 ms outliers (0.1%) do not count
    for (let i = 0; i < 10; i++) e.sample(40); // now 0.43% of the samples: they do
    expect(e.floorMs()).toBeGreaterThanOrEqual(80);
  });

  it.each([
    ['--min-rtt-timeout given', { template: 3, minRttMs: 100 }],
    ['a serial template (-T2)', { template: 2 }],
  ])('keeps the fixed floor with %s', (_, options) => {
    const e = new RttEstimator(resolveTiming(options));
    for (let i = 0; i < 100; i++) e.sample(0.5);
    expect(e.timeoutMs).toBe(100);
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

  it('is not cut by answered retransmissions and never passes maxParallelism', () => {
    const w = new CongestionWindow(p);
    for (let i = 0; i < 1_000_000; i++) w.answered();
    expect(w.cwnd).toBe(1000);
    expect('dropped' in w).toBe(false);
  });
});

describe('SendRate', () => {
  const TIMEOUT = 100;
  /**
   * Feeds `ms` of first tries: pps() probes/s wanted (the pacer may hold some
   * back); the share share(rate) of those released is answered at once.
   */
  function run(r: SendRate, fromMs: number, ms: number, pps: () => number, share: (pps: number) => number) {
    let carry = 0;
    for (let now = fromMs; now < fromMs + ms; now++) {
      const rate = Math.min(pps(), r.ratePps);
      const n = Math.max(1, Math.round(rate / 1000));
      r.take(n, pps() > r.ratePps, now);
      r.firstTriesSent(n, now);
      for (carry += n * share(rate); carry >= 1; carry--) r.firstTryAnswered(now);
      r.update(now, TIMEOUT, 1, true);
    }
  }

  it('does not limit before the first evidence of congestion', () => {
    const r = new SendRate(Infinity, 0);
    expect(r.available(0)).toBe(Infinity);
    run(
      r,
      0,
      2000,
      () => 100_000,
      () => 0.9,
    );
    expect([r.cuts, r.ratePps, r.congestedUntilMs()]).toEqual([0, Infinity, -Infinity]);
  });

  it.each([0.05, 0.1, 0.2, 0.3])('takes %f random loss as the path’s, not as congestion', (loss) => {
    // A fifth of the ports silent, the rest answer unless the probe or the answer is lost.
    const share = 0.8 * (1 - loss) ** 2;
    const r = new SendRate(Infinity, 0);
    let pps = 5000;
    run(
      r,
      0,
      3000,
      () => (pps = Math.min(pps * 1.002, 200_000)),
      () => share,
    );
    expect(r.cuts).toBe(0);
    expect(r.baseline).toBeCloseTo(share, 1);
  });

  it('cuts to half the measured rate when the share answered falls with the rate', () => {
    const r = new SendRate(Infinity, 0);
    // A bottleneck of 20k answers/s behind 10% silent ports.
    let pps = 10_000;
    const bottleneck = (rate: number) => Math.min(0.9, 20_000 / rate);
    run(r, 0, 1000, () => pps, bottleneck);
    expect(r.cuts).toBe(0);
    pps = 80_000;
    run(r, 1000, 130, () => pps, bottleneck);
    expect(r.cuts).toBe(1);
    expect(r.lastCause).toBe('loss');
    expect(r.ratePps).toBeGreaterThan(30_000);
    expect(r.ratePps).toBeLessThan(50_000);
    expect(r.congestedUntilMs()).toBe(Infinity); // an episode: tries do not count
    // Then the rate hovers near the bottleneck: cut when it overshoots, grown back below it.
    const rates: number[] = [];
    for (let t = 1130; t < 6130; t += 10) {
      run(r, t, 10, () => pps, bottleneck);
      if (t > 2130) rates.push(r.ratePps);
    }
    const mean = rates.reduce((a, b) => a + b) / rates.length;
    expect(mean).toBeGreaterThan(12_000);
    expect(mean).toBeLessThan(32_000);
  });

  it('ends an episode when the share answered is back near the baseline', () => {
    const r = new SendRate(Infinity, 0);
    run(
      r,
      0,
      1000,
      () => 10_000,
      () => 0.9,
    );
    run(
      r,
      1000,
      200,
      () => 80_000,
      (rate) => Math.min(0.9, 20_000 / rate),
    );
    expect(r.inEpisode).toBe(true);
    run(
      r,
      1200,
      1000,
      () => 10_000,
      () => 0.9,
    );
    expect(r.inEpisode).toBe(false);
    expect(r.congestedUntilMs()).toBeGreaterThanOrEqual(r.lastCutMs + TIMEOUT + 2 + 10);
    expect(r.congestedUntilMs()).toBeLessThan(2200);
  });

  it('cuts on hard evidence at most once per 100 ms, and grows back only while it is the limit', () => {
    const r = new SendRate(Infinity, 0);
    run(
      r,
      0,
      100,
      () => 50_000,
      () => 1,
    );
    r.congested(100, 'capture drops');
    r.congested(150, 'capture drops');
    expect([r.cuts, r.lastCause]).toEqual([1, 'capture drops']);
    expect(r.ratePps).toBeCloseTo(25_000, -3);
    r.congested(201, 'send errors');
    expect(r.cuts).toBe(2);
    const before = r.ratePps;
    for (let now = 202; now < 600; now++) r.update(now, TIMEOUT, 1, true); // nothing released: no growth
    expect(r.ratePps).toBe(before);
    run(
      r,
      600,
      400,
      () => Infinity,
      () => 1,
    );
    expect(r.ratePps).toBeGreaterThan(before * 1.5);
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
