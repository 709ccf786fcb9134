// Hostile-traffic injector for rawscan's hardening tests: a standalone program
// run INSIDE a lab's target namespace while a scan is running, e.g.
//   ip netns exec <target-ns> node dist/lab/attacker.js --scanner 198.18.0.1 \
//     --sport-base 40000 --sport-span 128 --rate 100000 --duration-ms 5000 --replay
// It sends forged Ethernet frames to the scanner (forge.ts: wrong cookies,
// malformed headers, fragments, bogus ICMP errors) and, with --replay, replays
// the target's real replies exact and modified (replay.ts), all paced to
// --rate frames per second. stdout carries two JSON lines: AttackReady once it
// is sending, AttackSummary (counts per category) when it stops — after
// --duration-ms, after --count frames per category, or on SIGTERM/SIGINT.
// Memory is fixed: one frame buffer and a bounded replay ring.
import { performance } from 'node:perf_hooks';
import { UsageError } from '../cli/errors.js';
import { FramePool, type ForgeContext } from './attacker/forge.js';
import {
  parseAttackerArgs,
  type AttackCategory,
  type AttackerOptions,
  type AttackReady,
  type AttackSummary,
} from './attacker/options.js';
import { macToString } from './attacker/packet.js';
import { MAX_REPLAY_FRAME, REPLAY_VARIANTS, ReplayQueue, replayPlan } from './attacker/replay.js';
import { Rng } from './attacker/rng.js';
import { Wire, discoverLink, replayFilter } from './attacker/wire.js';

/** Prebuilt frames per forged category (see FramePool). */
const POOL_SIZE = 1024;
/** Captured replies waiting for replay; more are counted as dropped. */
const REPLAY_SLOTS = 4096;
/** Longest stretch of sending before the event loop gets to capture and signals, ms. */
const SLICE_MS = 2;
/** Unsent credit kept while sending lags the rate, in seconds of traffic. */
const MAX_BURST_S = 0.02;
/** Give up when this many sends in a row fail (the link is gone). */
const MAX_CONSECUTIVE_ERRORS = 10_000;

type StopReason = AttackSummary['stoppedBy'];

/**
 * One run: a token bucket of `rate` frames/s drained by a 1 ms timer,
 * alternating replays and forged categories (round-robin). Forged frames come
 * from prebuilt pools; while sending keeps up with the rate each frame is
 * rebuilt (fresh random fields) before it is sent, and when it lags, pooled
 * frames are resent as they are so that the rate is not spent on building.
 */
class Attack {
  private readonly sent: Partial<Record<AttackCategory, number>> = {};
  private readonly replayFrame = Buffer.alloc(MAX_REPLAY_FRAME);
  private readonly pools: FramePool[];
  /** the last tick ended with unspent credit: sending is slower than the rate */
  private lagging = false;
  private total = 0;
  private sendErrors = 0;
  private consecutiveErrors = 0;
  private credit = 0;
  private nextCategory = 0;
  private replayTurn = false;
  private stopReason: StopReason | null = null;
  private startedAt = 0;
  private lastTick = 0;
  private finish: (s: AttackSummary) => void = () => {};

  constructor(
    private readonly interfaceName: string,
    private readonly opts: AttackerOptions,
    private readonly ctx: ForgeContext,
    private readonly wire: Wire,
    private readonly replays: ReplayQueue | null,
  ) {
    this.pools = opts.categories.map((c) => new FramePool(c, POOL_SIZE, ctx));
    for (const c of opts.categories) this.sent[c] = 0;
    if (replays) for (const v of REPLAY_VARIANTS) this.sent[v] = 0;
  }

  run(): Promise<AttackSummary> {
    this.startedAt = this.lastTick = performance.now();
    return new Promise((resolve) => {
      this.finish = resolve;
      setImmediate(() => this.tick());
    });
  }

  stop(reason: StopReason): void {
    this.stopReason ??= reason;
  }

  private tick(): void {
    const now = performance.now();
    if (now - this.startedAt >= this.opts.durationMs) this.stop('duration');
    const rate = this.opts.rate;
    this.credit = Math.min(this.credit + ((now - this.lastTick) * rate) / 1000, rate * MAX_BURST_S + 1);
    this.lastTick = now;
    let sentThisTick = 0;
    while (this.credit >= 1 && this.stopReason === null && this.sendOne()) {
      this.credit--;
      if ((++sentThisTick & 255) === 0 && performance.now() - now > SLICE_MS) break;
    }
    if (this.stopReason !== null) return this.finish(this.summary(performance.now()));
    this.lagging = this.credit >= 1 && sentThisTick > 0;
    if (this.lagging) setImmediate(() => this.tick());
    else setTimeout(() => this.tick(), 1);
  }

  /** Sends the next frame; false when there is nothing to send right now. */
  private sendOne(): boolean {
    const index = this.nextForgedIndex();
    const forged = index < 0 ? null : this.opts.categories[index];
    if (forged === null && this.opts.countPerCategory !== null) {
      this.stop('count');
      return false;
    }
    this.replayTurn = !this.replayTurn;
    if (this.replays && this.replays.pending > 0 && (this.replayTurn || forged === null)) {
      const replay = this.replays.next(this.replayFrame, this.ctx);
      if (replay) return this.transmit(replay.variant, this.replayFrame, replay.length);
    }
    if (forged === null) return false;
    this.nextCategory = (index + 1) % this.opts.categories.length;
    const { frame, length } = this.pools[index].next(!this.lagging);
    return this.transmit(forged, frame, length);
  }

  /** Index of the next category in round-robin order that has not reached --count; -1 if none. */
  private nextForgedIndex(): number {
    const { categories, countPerCategory } = this.opts;
    for (let i = 0; i < categories.length; i++) {
      const index = (this.nextCategory + i) % categories.length;
      if (countPerCategory === null || this.sent[categories[index]]! < countPerCategory) return index;
    }
    return -1;
  }

  private transmit(category: AttackCategory, frame: Buffer, length: number): boolean {
    try {
      this.wire.send(frame, length);
      this.sent[category]!++;
      this.total++;
      this.consecutiveErrors = 0;
    } catch (err) {
      this.sendErrors++;
      if (++this.consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
        process.stderr.write(
          `attacker: giving up after ${MAX_CONSECUTIVE_ERRORS} failed sends: ${String(err)}\n`,
        );
        this.stop('send-errors');
      }
    }
    return true;
  }

  private summary(now: number): AttackSummary {
    const durationMs = Math.round(now - this.startedAt);
    const q = this.replays;
    return {
      event: 'summary',
      interface: this.interfaceName,
      durationMs,
      targetPps: this.opts.rate,
      achievedPps: Math.round((this.total * 1000) / Math.max(durationMs, 1)),
      total: this.total,
      sent: this.sent,
      sendErrors: this.sendErrors,
      replay: q ? { captured: q.captured, dropped: q.dropped, unusable: q.unusable } : null,
      stoppedBy: this.stopReason ?? 'duration',
    };
  }
}

function printLine(line: AttackReady | AttackSummary): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function main(argv: string[]): Promise<void> {
  const opts = parseAttackerArgs(argv);
  const link = await discoverLink(opts.scanner, opts.interface, opts.peerMac);
  const ctx: ForgeContext = {
    scanner: opts.scanner,
    sportBase: opts.sportBase,
    sportSpan: opts.sportSpan,
    sourceFirst: opts.sourceFirst,
    sourceCount: opts.sourceCount,
    targetPorts: opts.targetPorts,
    peerMac: link.peerMac,
    rng: new Rng(opts.seed),
  };
  const replays = opts.replay ? new ReplayQueue(REPLAY_SLOTS, replayPlan(opts.replayCopies)) : null;
  const filter = replays ? replayFilter(opts.scanner, opts.sportBase, opts.sportSpan) : null;
  const wire = new Wire(link.interface, filter, replays ? (frame, n) => replays.push(frame, n) : undefined);
  const attack = new Attack(link.interface, opts, ctx, wire, replays);
  const onSignal = () => attack.stop('signal');
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  printLine({
    event: 'ready',
    interface: link.interface,
    peerMac: macToString(link.peerMac),
    seed: opts.seed,
  });
  const summary = await attack.run();
  wire.close();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  printLine(summary);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(err.message + '\n');
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`attacker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
});
