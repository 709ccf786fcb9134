// Timing, modelled on nmap's (timing.cc, scan_engine.cc, nmap.cc -T handling):
// one RTT estimate per scan (RFC 6298), a window of probes in flight grown on
// answers, retransmission limits, and rate bounds. The pacing rate and its
// reaction to congestion are in congestion.ts.
// All times are milliseconds on the engine's monotonic clock; rates are probes/s.
import { UsageError } from '../cli/errors.js';

/** The scanner-side port encodes the try in 4 bits (native/probe/judge.h kTrySlots). */
export const MAX_RETRIES_LIMIT = 15;

export interface TimingTemplate {
  name: 'paranoid' | 'sneaky' | 'polite' | 'normal' | 'aggressive' | 'insane';
  initialRttMs: number;
  minRttMs: number;
  maxRttMs: number;
  maxRetries: number;
  /** fixed gap between probes (nmap --scan-delay); 0 = none */
  scanDelayMs: number;
  /** ceiling of the congestion window (nmap --max-parallelism) */
  maxParallelism: number;
  initialCwnd: number;
}

// nmap's -T0..-T5 (man nmap, "Timing and Performance"; nmap.cc). T0-T2 send
// serially with a scan delay; T3-T5 keep nmap's RTT bounds and retries (for T0/T1
// nmap's large initial timeout also raises the maximum, as setInitialRttTimeout does). The
// window limits are rawscan's: nmap stops at 300 probes in flight, a raw scanner
// on a LAN needs thousands to reach 100k probes/s at millisecond RTTs.
export const TIMING_TEMPLATES: readonly TimingTemplate[] = [
  t('paranoid', 300_000, 100, 300_000, 10, 300_000, 1, 1),
  t('sneaky', 15_000, 100, 15_000, 10, 15_000, 1, 1),
  t('polite', 1_000, 100, 10_000, 10, 400, 1, 1),
  t('normal', 1_000, 100, 10_000, 10, 0, 4096, 64),
  t('aggressive', 500, 100, 1_250, 6, 0, 8192, 64),
  t('insane', 250, 50, 300, 2, 0, 16384, 64),
];

function t(
  name: TimingTemplate['name'],
  initialRttMs: number,
  minRttMs: number,
  maxRttMs: number,
  maxRetries: number,
  scanDelayMs: number,
  maxParallelism: number,
  initialCwnd: number,
): TimingTemplate {
  return { name, initialRttMs, minRttMs, maxRttMs, maxRetries, scanDelayMs, maxParallelism, initialCwnd };
}

/** What the user may set; unset fields come from the template (-T3 by default). */
export interface TimingOptions {
  /** -T0..-T5 */
  template?: number;
  initialRttMs?: number;
  minRttMs?: number;
  maxRttMs?: number;
  maxRetries?: number;
  scanDelayMs?: number;
  maxParallelism?: number;
  /** send at least this many probes/s, whatever the congestion window says */
  minRate?: number;
  /** never send more than this many probes/s */
  maxRate?: number;
}

export interface TimingParams extends TimingTemplate {
  /**
   * Whether minRttMs is only the starting floor of the timeout: true for -T3..-T5
   * unless --min-rtt-timeout was given (see RttEstimator).
   */
  adaptiveMinRtt: boolean;
  /** probes/s; 0 = no floor */
  minRate: number;
  /** probes/s; Infinity = no ceiling (a scan delay sets one) */
  maxRate: number;
}

export function resolveTiming(o: TimingOptions = {}): TimingParams {
  const level = o.template ?? 3;
  if (!Number.isInteger(level) || level < 0 || level > 5) {
    throw new UsageError(`-T${level}: timing templates are -T0 (paranoid) to -T5 (insane)`);
  }
  const base = TIMING_TEMPLATES[level];
  const p: TimingParams = {
    ...base,
    initialRttMs: o.initialRttMs ?? base.initialRttMs,
    minRttMs: o.minRttMs ?? base.minRttMs,
    maxRttMs: o.maxRttMs ?? base.maxRttMs,
    maxRetries: o.maxRetries ?? base.maxRetries,
    scanDelayMs: o.scanDelayMs ?? base.scanDelayMs,
    maxParallelism: o.maxParallelism ?? base.maxParallelism,
    adaptiveMinRtt: o.minRttMs === undefined && base.scanDelayMs === 0,
    minRate: o.minRate ?? 0,
    maxRate: o.maxRate ?? Infinity,
  };
  if (o.minRttMs !== undefined && o.maxRttMs === undefined) p.maxRttMs = Math.max(p.maxRttMs, p.minRttMs);
  if (o.maxRttMs !== undefined && o.minRttMs === undefined) p.minRttMs = Math.min(p.minRttMs, p.maxRttMs);
  p.initialRttMs = Math.min(Math.max(p.initialRttMs, p.minRttMs), p.maxRttMs);
  p.initialCwnd = Math.min(p.initialCwnd, p.maxParallelism);
  if (p.scanDelayMs > 0) p.maxRate = Math.min(p.maxRate, 1000 / p.scanDelayMs);
  validate(p);
  return p;
}

function validate(p: TimingParams): void {
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  if (!positive(p.minRttMs) || !positive(p.maxRttMs) || p.minRttMs > p.maxRttMs) {
    throw new UsageError(
      `--min-rtt-timeout ${p.minRttMs}ms / --max-rtt-timeout ${p.maxRttMs}ms: both must be > 0 and min <= max`,
    );
  }
  if (!Number.isInteger(p.maxRetries) || p.maxRetries < 0 || p.maxRetries > MAX_RETRIES_LIMIT) {
    throw new UsageError(`--max-retries ${p.maxRetries}: give an integer from 0 to ${MAX_RETRIES_LIMIT}`);
  }
  if (!Number.isInteger(p.maxParallelism) || p.maxParallelism < 1) {
    throw new UsageError(`--max-parallelism ${p.maxParallelism}: give an integer >= 1`);
  }
  if (!(p.minRate >= 0) || !Number.isFinite(p.minRate)) {
    throw new UsageError(`--min-rate ${p.minRate}: give a number of probes per second >= 0`);
  }
  if (!(p.maxRate > 0))
    throw new UsageError(`--max-rate ${p.maxRate}: give a number of probes per second > 0`);
  if (p.minRate > p.maxRate) {
    throw new UsageError(`--min-rate ${p.minRate} exceeds --max-rate ${p.maxRate}: lower one of them`);
  }
}

/** RTT samples before the adaptive floor may replace the template's minimum timeout. */
const ADAPTIVE_FLOOR_SAMPLES = 32;
/** The adaptive floor never goes below this, ms. */
const ADAPTIVE_FLOOR_MIN_MS = 10;
/** The share of RTT samples the adaptive floor covers (the rest are outliers). */
const FLOOR_QUANTILE = 0.999;
/** RTT histogram: bucket b holds samples below HIST_BASE_MS x 2^((b + 1) / HIST_STEPS). */
const HIST_BASE_MS = 0.01;
const HIST_STEPS = 4;
const HIST_BUCKETS = 128;

/**
 * RFC 6298 smoothed RTT; timeoutMs is what a probe waits before it counts as lost.
 *
 * The timeout is clamped to [minRttMs, maxRttMs]. nmap's 100 ms minimum (-T3, -T4)
 * is sized for paths nobody has measured; when TimingParams.adaptiveMinRtt
 * allows it, once ADAPTIVE_FLOOR_SAMPLES RTTs are in, the floor is lowered to
 * twice the RTT that 99.9% of the samples stay under (a histogram in quarter
 * octaves, rounded up) plus twice the longest a reply waited in the engine's
 * record batches (batchSpan), never below ADAPTIVE_FLOOR_MIN_MS nor above
 * minRttMs. On a LAN that ends a scan's wait for its silent ports in tens of
 * milliseconds instead of two 100 ms rounds; a path whose RTTs vary keeps its
 * margin. An answer later than the floor is lost only on a probe's last try:
 * one to an earlier try still counts while the next try is out.
 */
export class RttEstimator {
  srttMs = NaN;
  rttvarMs = NaN;
  timeoutMs: number;
  samples = 0;
  /** the longest span of one record batch seen, ms (see batchSpan) */
  maxBatchSpanMs = 0;
  private readonly histogram = new Uint32Array(HIST_BUCKETS);
  /** FLOOR_QUANTILE of the samples, ms, as of the last refresh */
  private quantileMs = 0;

  constructor(private readonly p: TimingParams) {
    this.timeoutMs = p.initialRttMs;
  }

  sample(rttMs: number): void {
    if (Number.isNaN(this.srttMs)) {
      this.srttMs = rttMs;
      this.rttvarMs = rttMs / 2;
    } else {
      this.rttvarMs = 0.75 * this.rttvarMs + 0.25 * Math.abs(this.srttMs - rttMs);
      this.srttMs = 0.875 * this.srttMs + 0.125 * rttMs;
    }
    this.samples++;
    const bucket = Math.floor(Math.log2(Math.max(rttMs, HIST_BASE_MS) / HIST_BASE_MS) * HIST_STEPS);
    this.histogram[Math.min(bucket, HIST_BUCKETS - 1)]++;
    // The quantile moves slowly: refresh it every 32 samples (and at the first ones).
    if (this.samples <= ADAPTIVE_FLOOR_SAMPLES || (this.samples & 31) === 0) this.refreshQuantile();
    this.update();
  }

  /**
   * A record batch held replies captured over spanMs (first to last): its first
   * reply waited about that long in the engine before the scheduler could see
   * it. (Time a batch then waits for a busy JS thread does not count: the scan
   * timer judges deadlines only after the batches already delivered.)
   */
  batchSpan(spanMs: number): void {
    if (!(spanMs > this.maxBatchSpanMs)) return;
    this.maxBatchSpanMs = spanMs;
    if (this.samples > 0) this.update();
  }

  /** The current lower bound of timeoutMs. */
  floorMs(): number {
    const { p } = this;
    if (!p.adaptiveMinRtt || this.samples < ADAPTIVE_FLOOR_SAMPLES) return p.minRttMs;
    const measured = 2 * this.quantileMs + 2 * this.maxBatchSpanMs;
    return Math.min(p.minRttMs, Math.max(ADAPTIVE_FLOOR_MIN_MS, measured));
  }

  private refreshQuantile(): void {
    let above = Math.floor(this.samples * (1 - FLOOR_QUANTILE));
    let b = HIST_BUCKETS - 1;
    while (b > 0 && this.histogram[b] <= above) above -= this.histogram[b--];
    this.quantileMs = HIST_BASE_MS * 2 ** ((b + 1) / HIST_STEPS);
  }

  private update(): void {
    const t = this.srttMs + 4 * this.rttvarMs;
    this.timeoutMs = Math.min(Math.max(t, this.floorMs()), this.p.maxRttMs);
  }
}

// The window follows nmap's slow start (scan_performance_vars): +1 per answer,
// scaled by expected/received answers (at most 50) so that silent (filtered)
// probes do not freeze growth. nmap also halves the
// window whenever a retransmission is answered; rawscan does not: under steady
// random loss that starves the scan (congestion.ts explains what it does
// instead). The window remains the cap on probes in flight (--max-parallelism),
// and it grows only while answers come back, so a black hole holds it small.
const CC_SCALE_MAX = 50;

export class CongestionWindow {
  cwnd: number;
  private expected = 0;
  private received = 0;

  constructor(private readonly p: TimingParams) {
    this.cwnd = p.initialCwnd;
  }

  /** A transmission ended without an answer. */
  timedOut(): void {
    this.expected++;
  }

  /** A transmission was answered. */
  answered(): void {
    this.expected++;
    this.received++;
    const scale = Math.min(this.expected / this.received, CC_SCALE_MAX);
    this.cwnd = Math.min(this.cwnd + scale, this.p.maxParallelism);
  }
}

/**
 * A token bucket: rate per second, burst tokens at most. With rate Infinity it
 * never limits; with rate 0 it never grants.
 */
export class TokenBucket {
  private tokens: number;

  constructor(
    private rate: number,
    private burst: number,
    private lastMs: number,
  ) {
    this.tokens = Math.min(1, burst);
  }

  /** Changes the rate from now on; tokens already earned are kept (up to the new burst). */
  setRate(rate: number, burst: number, nowMs: number): void {
    this.available(nowMs);
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  /** Tokens available now (fractional). */
  available(nowMs: number): number {
    if (this.rate === Infinity) return Infinity;
    const t = this.tokens + ((nowMs - this.lastMs) * this.rate) / 1000;
    this.tokens = Math.min(t, this.burst);
    this.lastMs = nowMs;
    return this.tokens;
  }

  take(n: number): void {
    this.tokens -= n;
  }

  /** Forgets debt: a floor bucket (min-rate) must not accumulate negative credit. */
  clampToZero(): void {
    if (this.tokens < 0) this.tokens = 0;
  }
}

/** Burst of a rate bucket: ~10 ms worth, at least one probe. */
export function rateBurst(ratePps: number): number {
  return Math.max(1, ratePps / 100);
}
