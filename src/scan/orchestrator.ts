// runScan: drives a NativeEngine through one raw scan. One coarse timer expires
// deadlines and releases probes; every record batch from the engine is decoded
// in place, fed to the scheduler, and followed by a release (answers open the
// window). The scan ends when every probe is decided — the last deadline comes
// from the measured RTT, there is no fixed wait — or when the signal aborts it.
import { getSystemErrorName } from 'node:util';
import { decodeBatch, type EngineErrorRecord, type RecordVisitor } from '../native/records.js';
import type { NativeEngine } from '../native/types.js';
import type { Shard } from './permutation.js';
import type { DecidedProbe } from './resume.js';
import { ReplyOutcome, Scheduler } from './scheduler.js';
import { resolveTiming, type TimingOptions, type TimingParams } from './timing.js';
import { silentResult } from './tracker.js';
import { runReport } from './run-report.js';
import { randomSeed } from './random.js';
import {
  emptyStats,
  type PortResult,
  type ReplyRecord,
  type ScanPlan,
  type ScanReport,
  type ScanStats,
} from './types.js';

export interface ScanOptions extends TimingOptions {
  /** the engine's monotonic clock in ms (addon.monotonicMs): record times are on it */
  clock: () => number;
  /** permutation key; random when absent. Shards of one scan must share it. */
  seed?: bigint | number;
  shard?: Shard;
  /** ends the scan early; the report then has incomplete = true */
  signal?: AbortSignal;
  verbose?: number;
  /** the command line as typed (ScanReport.args) */
  commandLine?: string;
  version?: string;
  /** period of the scan timer, ms */
  tickMs?: number;
  /** period of ScanHooks.progress calls, ms (default 1000) */
  progressMs?: number;
  /** probes an earlier run of this same scan decided (--resume): reported, not probed again */
  decided?: Iterable<DecidedProbe>;
}

/**
 * The scan stopped because the engine cannot go on (the interface went down,
 * the capture failed, no probe could be sent): `partial` is the report of
 * what was decided before, marked incomplete.
 */
export class ScanFailure extends Error {
  constructor(
    message: string,
    readonly partial: ScanReport,
  ) {
    super(message);
    this.name = 'ScanFailure';
  }
}

export interface ScanProgress {
  /** probes decided */
  done: number;
  total: number;
  /** descriptors the engine has sent */
  sent: number;
  /** reply records received */
  replies: number;
  /** probes sent per second since the previous progress call */
  rate: number;
  etaMs: number;
  openFound: number;
  cwnd: number;
  timeoutMs: number;
}

export interface ScanHooks {
  /** every ScanOptions.progressMs (about once a second by default) */
  progress?(p: ScanProgress): void;
  /** ICMP time-exceeded for one of our probes (traceroute-style evidence) */
  timeExceeded?(r: ReplyRecord): void;
  /** each probe's verdict as it is decided (streaming output); index: its ProbeSpace index */
  verdict?(address: number, result: PortResult, index: number): void;
}

const PROGRESS_MS = 1000;
/** Released descriptors that no Sent watermark covers after this long, with an idle engine, count as sent. */
const WATERMARK_STALL_MS = 1000;
/** When every probe handed to the engine for this long failed to send, the network is gone, ms. */
const SEND_FAILURE_MS = 2000;

/**
 * Runs one raw scan. The engine must be open() and not yet started; runScan
 * starts it and always stops it. Rejects on a fatal engine error.
 */
export async function runScan(
  plan: ScanPlan,
  engine: NativeEngine,
  options: ScanOptions,
  hooks: ScanHooks = {},
): Promise<ScanReport> {
  return prepareScan(plan, engine, options, hooks).start();
}

/**
 * runScan in two steps: the scheduler, permutation and verdict state are
 * built now, without touching the engine (which may still be opening), and
 * start() runs the scan as runScan does (once).
 */
export function prepareScan(
  plan: ScanPlan,
  engine: NativeEngine,
  options: ScanOptions,
  hooks: ScanHooks = {},
): { start(): Promise<ScanReport> } {
  return new ScanRun(plan, engine, options, hooks);
}

class ScanRun implements RecordVisitor {
  private readonly scheduler: Scheduler;
  private readonly timing: TimingParams;
  private readonly stats: ScanStats = emptyStats();
  private readonly startTime = Date.now();
  private readonly tickMs: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private resolve!: (r: ScanReport) => void;
  private reject!: (e: Error) => void;
  private timeExceeded = 0;
  private readonly engineNotes = new Map<string, number>();
  /** set when a fatal condition stops the scan: the report is then a ScanFailure's partial */
  private failure: string | null = null;
  private readonly resumed: number;
  /** engine clock since when Sent watermarks report only failed sends; NaN while sends succeed */
  private sendsFailingSinceMs = NaN;
  private sendsOk = 0;
  private lastSendErrno = 0;
  private lastProgressMs: number;
  private lastProgressSent = 0;
  private lastWatermarkMs: number;
  private lastEnqueueMs = -Infinity;
  /** capture times of the first and last replies of the batch being decoded (NaN: none yet) */
  private batchFirstMs = NaN;
  private batchLastMs = NaN;
  private readonly onAbort = () => void this.finish(true);
  // The timer defers the tick to the check phase, after the poll phase has run the
  // batch callbacks that are due: after an event-loop stall, replies that already
  // arrived are counted before any deadline is judged.
  private readonly onTimer = () => setImmediate(this.onCheck);
  private readonly onCheck = () => this.tick();

  constructor(
    plan: ScanPlan,
    private readonly engine: NativeEngine,
    private readonly options: ScanOptions,
    private readonly hooks: ScanHooks,
  ) {
    const now = options.clock();
    this.timing = resolveTiming(options);
    this.scheduler = new Scheduler(plan, this.timing, {
      seed: options.seed ?? randomSeed(),
      shard: options.shard,
      nowMs: now,
    });
    this.tickMs = options.tickMs ?? 1;
    this.lastProgressMs = now;
    this.lastWatermarkMs = now;
    const before = this.scheduler.decided;
    for (const d of options.decided ?? []) this.scheduler.restore(d.index, d.reply, d.rttMs);
    this.resumed = this.scheduler.decided - before;
    if (hooks.verdict) this.scheduler.onVerdict = this.verdictHook(hooks.verdict);
  }

  start(): Promise<ScanReport> {
    const done = new Promise<ScanReport>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const { signal } = this.options;
    if (signal?.aborted) {
      void this.finishWith(true);
      return done;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.running = true;
    try {
      const { maxRate } = this.timing;
      this.engine.setRate(Number.isFinite(maxRate) ? maxRate : 0);
      this.engine.start((batch) => this.onBatch(batch));
      this.tick();
    } catch (e) {
      this.fail(e as Error);
    }
    return done;
  }

  private onBatch(batch: Buffer): void {
    try {
      this.batchFirstMs = NaN;
      decodeBatch(batch, this);
      if (this.batchFirstMs >= 0) this.scheduler.rtt.batchSpan(this.batchLastMs - this.batchFirstMs);
      if (!this.running) return;
      // The batch that decides the last probe ends the scan now, not at the next tick (up to 1 ms on).
      if (this.scheduler.finished) void this.finish(false);
      else this.release(this.options.clock());
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private tick(): void {
    if (!this.running) return;
    const now = this.options.clock();
    const s = this.scheduler;
    // While every send fails no deadline is judged: a probe that never left is not silent.
    if (Number.isNaN(this.sendsFailingSinceMs)) s.expire(now);
    else if (now - this.sendsFailingSinceMs > SEND_FAILURE_MS) return this.stopForSends();
    this.release(now);
    const quietMs = now - Math.max(this.lastWatermarkMs, this.lastEnqueueMs);
    if (s.unsent > 0 && quietMs > WATERMARK_STALL_MS && this.engine.pending() === 0) {
      s.assumeSent(now);
      this.note('engine: descriptors without a Sent watermark were assumed sent');
    }
    if (now - this.lastProgressMs >= (this.options.progressMs ?? PROGRESS_MS)) this.progress(now);
    if (s.finished) void this.finish(false);
    else this.timer = setTimeout(this.onTimer, this.tickMs);
  }

  private release(now: number): void {
    const chunk = this.scheduler.pump(now);
    if (!chunk) return;
    this.engine.enqueue(chunk);
    this.lastEnqueueMs = now;
  }

  // RecordVisitor: one call per record of a batch.
  reply(r: ReplyRecord): void {
    this.stats.repliesAccepted++;
    if (Number.isNaN(this.batchFirstMs)) this.batchFirstMs = r.time;
    this.batchLastMs = r.time;
    if (this.scheduler.reply(r) === ReplyOutcome.TimeExceeded) {
      this.timeExceeded++;
      this.hooks.timeExceeded?.(r);
    }
  }

  sent(r: { sent: number; sendErrors: number; time: number }): void {
    const now = this.options.clock();
    if (r.sent > this.stats.probesSent) this.lastWatermarkMs = now;
    this.scheduler.sent(r.sent, r.time);
    this.stats.probesSent = r.sent;
    const newErrors = r.sendErrors > this.stats.sendErrors;
    this.stats.sendErrors = r.sendErrors;
    if (newErrors) this.scheduler.congested(now, 'send errors');
    this.checkSends(r.sent - r.sendErrors, newErrors, now);
  }

  private checkSends(sentOk: number, newErrors: boolean, now: number): void {
    if (sentOk > this.sendsOk) {
      this.sendsOk = sentOk;
      this.sendsFailingSinceMs = NaN;
    } else if (newErrors && Number.isNaN(this.sendsFailingSinceMs)) {
      this.sendsFailingSinceMs = now;
    }
  }

  // Every probe has failed to send for SEND_FAILURE_MS: the route or the
  // interface is gone, and going on would only report wrong states.
  private stopForSends(): void {
    this.stop(
      `no probe could be sent for ${SEND_FAILURE_MS / 1000} s (${errnoText(this.lastSendErrno)}): ` +
        'the interface went down or lost its address, or the route changed',
    );
  }

  pcapStats(r: { received: number; dropped: number }): void {
    this.stats.pcapReceived = r.received;
    if (r.dropped > this.stats.pcapDropped) this.scheduler.congested(this.options.clock(), 'capture drops');
    this.stats.pcapDropped = r.dropped;
  }

  validationStats(r: { malformed: number; badCookie: number; notOurs: number }): void {
    this.stats.repliesRejected = r.malformed + r.badCookie + r.notOurs;
  }

  error(r: EngineErrorRecord): void {
    const what = `${r.source} thread: ${r.context}: ${errnoText(r.errno)}`;
    if (r.source === 'sender') this.lastSendErrno = r.errno;
    if (r.fatal) this.stop(`the engine failed (${what})`);
    else this.note(`engine error: ${what}`);
  }

  /** Ends the scan for a fatal condition: start() rejects with a ScanFailure holding the partial report. */
  private stop(reason: string): void {
    this.failure ??= reason;
    void this.finish(true);
  }

  private note(text: string): void {
    this.engineNotes.set(text, (this.engineNotes.get(text) ?? 0) + 1);
  }

  private progress(now: number): void {
    const s = this.scheduler;
    const elapsed = now - this.lastProgressMs;
    const rate = ((this.stats.probesSent - this.lastProgressSent) * 1000) / Math.max(elapsed, 1);
    const donePerMs = s.decided / Math.max(Date.now() - this.startTime, 1);
    this.lastProgressMs = now;
    this.lastProgressSent = this.stats.probesSent;
    this.hooks.progress?.({
      done: s.decided,
      total: s.total,
      sent: this.stats.probesSent,
      replies: this.stats.repliesAccepted,
      rate,
      etaMs: donePerMs > 0 ? (s.total - s.decided) / donePerMs : Infinity,
      openFound: s.verdicts.openCount,
      cwnd: s.window.cwnd,
      timeoutMs: s.rtt.timeoutMs,
    });
  }

  private async finish(incomplete: boolean): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    try {
      await this.engine.stop();
    } catch (e) {
      this.reject(e as Error);
      return;
    }
    await this.finishWith(incomplete);
  }

  private async finishWith(incomplete: boolean): Promise<void> {
    try {
      const report = this.report(incomplete);
      if (this.failure === null) this.resolve(report);
      else this.reject(new ScanFailure(`${this.failure}; the scan was stopped`, report));
    } catch (e) {
      this.reject(e as Error);
    }
  }

  private fail(e: Error): void {
    const wasRunning = this.running;
    this.running = false;
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (!wasRunning) return this.reject(e);
    this.engine.stop().then(
      () => this.reject(e),
      () => this.reject(e),
    );
  }

  private report(incomplete: boolean): ScanReport {
    return runReport(
      {
        scheduler: this.scheduler,
        stats: this.stats,
        startTime: this.startTime,
        options: this.options,
        failure: this.failure,
        resumed: this.resumed,
        timeExceeded: this.timeExceeded,
        engineNotes: this.engineNotes,
      },
      incomplete,
    );
  }

  private verdictHook(hook: NonNullable<ScanHooks['verdict']>) {
    const s = this.scheduler;
    return (index: number, address: number, row: number) => {
      s.space.decode(index);
      const port = s.space.ports[s.space.portIndex];
      const slot = s.space.slot;
      hook(
        address,
        row < 0 ? silentResult(s.space, port, slot) : s.verdicts.result(row, s.space, address, port, slot),
        index,
      );
    };
  }
}

function errnoText(errno: number): string {
  if (errno <= 0) return `error ${errno}`;
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
