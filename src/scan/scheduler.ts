// The scheduler walks the permuted index space, releases descriptor chunks as
// the congestion window and the rate bounds allow, stamps send times from the
// engine's Sent watermarks, retransmits probes past their deadline and decides
// every probe exactly once: by its first reply, or silent after its last try.
// It is driven from outside (pump / sent / reply / expire with the current time)
// and holds no timer; memory follows the probes in flight, not the scan size.
// Sending is bounded by the window (probes in flight), the pacing rate
// (congestion.ts) and the --min-rate/--max-rate buckets; silent probes of
// ICMP-sensitive kinds may wait for a host's ICMP rate limit (icmp-limit.ts).
import { SendRate, type CongestionCause } from './congestion.js';
import { IcmpLimits } from './icmp-limit.js';
import { InFlight, ProbeQueue } from './inflight.js';
import { Permutation, ShardWalk, WHOLE_SCAN, type Shard } from './permutation.js';
import { ProbeSpace } from './probe-space.js';
import {
  CongestionWindow,
  MAX_RETRIES_LIMIT,
  RttEstimator,
  TokenBucket,
  rateBurst,
  type TimingParams,
} from './timing.js';
import { Verdicts } from './tracker.js';
import { KIND_ORDINAL, type ReplyRecord, type ScanPlan } from './types.js';

/** Most probes one pump releases, so that one chunk never stalls the event loop. */
const MAX_CHUNK = 16384;
/** How long a probe parked at the try limit waits for the limit to rise, in timeouts. */
const PARK_TIMEOUTS = 10;
/** Most of one release that retransmissions take while new probes wait. */
const RETRY_SHARE = 0.75;
/** Answers before the measured loss ratio sets the retry limit. */
const LOSS_SAMPLES_MIN = 100;
/** The retry limit aims at this many answering probes lost on every try, per scan. */
const MISSED_PER_SCAN = 0.01;

/** What a reply did. */
export const ReplyOutcome = {
  /** the first reply for its probe: it decided the port's state */
  Decided: 0,
  /** ICMP time-exceeded: says nothing about the port; the probe stays in flight */
  TimeExceeded: 1,
  /** the probe was already decided (duplicate, or an answer after the last try timed out) */
  Late: 2,
  /** a kind this scan does not send */
  Stray: 3,
} as const;
export type ReplyOutcome = (typeof ReplyOutcome)[keyof typeof ReplyOutcome];

/** Called once per decided probe: row is the Verdicts row, or -1 when it was silent. */
export type VerdictListener = (index: number, address: number, row: number) => void;

export interface SchedulerOptions {
  seed: bigint | number;
  shard?: Shard;
  nowMs: number;
}

export class Scheduler {
  readonly space: ProbeSpace;
  readonly walk: ShardWalk;
  readonly rtt: RttEstimator;
  readonly window: CongestionWindow;
  readonly rate: SendRate;
  /** null when no kind of the scan needs ICMP errors to tell its states apart */
  readonly icmp: IcmpLimits | null;
  readonly verdicts = new Verdicts();
  onVerdict: VerdictListener | null = null;

  /** shard positions released so far (the next new probe is walk.at(next)) */
  next = 0;
  /** probes decided: answered or silent */
  decided = 0;
  /** transmissions released and neither answered nor timed out */
  outstanding = 0;
  retransmissions = 0;
  lateReplies = 0;
  maxSuccessfulTry = 0;
  /** answers to probes not held for an ICMP limit, and the tries they lost before */
  answeredTx = 0;
  lostTx = 0;

  private readonly inFlight = new InFlight();
  private readonly retransmits = new ProbeQueue();
  /** probes that timed out at the try limit while the limit may still rise */
  private readonly parked = new ProbeQueue();
  private parkedLimit = 1;
  /** indices decided by an earlier run of this scan (--resume): pump skips them */
  private readonly restored = new Set<number>();
  /** restored indices that pump has passed so far */
  private skipped = 0;
  private readonly ceiling: TokenBucket;
  private readonly floor: TokenBucket | null;

  constructor(
    plan: ScanPlan,
    private readonly timing: TimingParams,
    opts: SchedulerOptions,
  ) {
    this.space = new ProbeSpace(plan);
    this.walk = new ShardWalk(new Permutation(this.space.size, opts.seed), opts.shard ?? WHOLE_SCAN);
    this.rtt = new RttEstimator(timing);
    this.window = new CongestionWindow(timing);
    this.rate = new SendRate(timing.maxRate, opts.nowMs);
    this.icmp = IcmpLimits.forKinds(this.space.kinds);
    this.ceiling = new TokenBucket(timing.maxRate, rateBurst(timing.maxRate), opts.nowMs);
    this.floor =
      timing.minRate > 0 ? new TokenBucket(timing.minRate, rateBurst(timing.minRate), opts.nowMs) : null;
  }

  /** Probes of this shard. */
  get total(): number {
    return this.walk.length;
  }

  /** Every probe released and decided. */
  get finished(): boolean {
    return this.next === this.walk.length && this.inFlight.size === 0;
  }

  /** Probes released but not decided (in the ring or waiting for a retransmission). */
  get undecided(): number {
    return this.inFlight.size;
  }

  /** Descriptors released but not yet covered by a Sent watermark. */
  get unsent(): number {
    return this.inFlight.tailSeq - this.inFlight.sentSeq;
  }

  /** Share of transmissions lost, from the answered probes (NaN before LOSS_SAMPLES_MIN answers). */
  get lossRatio(): number {
    return this.answeredTx < LOSS_SAMPLES_MIN ? NaN : this.lostTx / (this.lostTx + this.answeredTx);
  }

  /**
   * The descriptors to enqueue now (retransmissions first, then new probes), or
   * null. Room = the window minus outstanding, capped by the pacing rate,
   * raised to the --min-rate credit, capped by the --max-rate / scan-delay bucket.
   */
  pump(nowMs: number): Uint32Array | null {
    const windowRoom = Math.floor(this.window.cwnd) - this.outstanding;
    const paced = Math.floor(this.rate.available(nowMs));
    let room = Math.min(windowRoom, paced);
    if (this.floor) room = Math.max(room, Math.floor(this.floor.available(nowMs)));
    room = Math.min(room, Math.floor(this.ceiling.available(nowMs)), MAX_CHUNK);
    const work = this.retransmits.length + this.walk.length - this.next;
    const want = Math.min(room, work);
    if (want <= 0) return null;
    const chunk = new Uint32Array(want * 2);
    let n = 0;
    // Retransmissions go first, but leave new probes a share: under overload the
    // retry backlog would otherwise starve them, and with them the pacer's signal.
    const retryRoom = this.next < this.walk.length ? Math.ceil(want * RETRY_SHARE) : want;
    while (n < retryRoom && this.retransmits.length > 0) n += this.retransmitNext(chunk, n);
    const space = this.space;
    while (n < want && this.next < this.walk.length) {
      const index = this.walk.at(this.next++);
      if (this.restored.has(index)) {
        this.skipped++;
        continue;
      }
      space.decode(index);
      const address = space.targets.at(space.targetIndex);
      const p = this.inFlight.add(index, address, space.ports[space.portIndex] | (space.slot << 16));
      this.transmit(p, chunk, n++);
    }
    while (n < want && this.retransmits.length > 0) n += this.retransmitNext(chunk, n);
    if (n === 0) return null;
    this.rate.take(n, paced < windowRoom && work > paced, nowMs);
    this.ceiling.take(n);
    if (this.floor) {
      this.floor.take(n);
      this.floor.clampToZero();
    }
    return n * 2 === chunk.length ? chunk : chunk.subarray(0, n * 2);
  }

  /** Puts the next due retransmission at descriptor n of chunk; returns 1, or 0 if its entry went stale. */
  private retransmitNext(chunk: Uint32Array, n: number): number {
    const f = this.inFlight;
    const p = this.retransmits.shift(f);
    if (p < 0) return 0;
    f.prevSentMs[p] = f.lastSentMs[p];
    // Only probes held for an ICMP limit go past the last try; they reuse it on the wire.
    f.tryNo[p] = Math.min(f.tryNo[p] + 1, MAX_RETRIES_LIMIT);
    this.retransmissions++;
    this.transmit(p, chunk, n);
    return 1;
  }

  /**
   * Marks a probe decided by an earlier run of this scan (--resume): it counts
   * as decided, pump never releases it, and its verdict (reply null = silent)
   * is reported as if it had been answered now. Call before the first pump.
   */
  restore(index: number, reply: ReplyRecord | null, rttMs: number): void {
    if (this.restored.has(index) || index < 0 || index >= this.space.size) return;
    this.restored.add(index);
    this.decided++;
    if (reply) this.verdicts.record(index, reply, rttMs);
  }

  /** A Sent watermark: the first `consumed` descriptors (in release order) were sent by timeMs. */
  sent(consumed: number, timeMs: number): void {
    this.rate.firstTriesSent(this.inFlight.markSent(consumed, timeMs), timeMs);
  }

  /** Treats every released descriptor as sent at timeMs (the engine stopped reporting). */
  assumeSent(timeMs: number): void {
    this.rate.firstTriesSent(this.inFlight.markSent(this.inFlight.tailSeq, timeMs), timeMs);
  }

  reply(r: ReplyRecord): ReplyOutcome {
    const slot = this.space.slotOfKind[KIND_ORDINAL.get(r.kind) ?? 0];
    if (slot < 0) return ReplyOutcome.Stray;
    const f = this.inFlight;
    const p = f.find(r.target, r.port | (slot << 16));
    if (p < 0) {
      this.lateReplies++;
      return ReplyOutcome.Late;
    }
    if (r.reason === 'time-exceeded') return ReplyOutcome.TimeExceeded;
    const current = f.tryNo[p];
    const sentMs = r.tryNo === current ? f.lastSentMs[p] : r.tryNo + 1 === current ? f.prevSentMs[p] : NaN;
    let rttMs = r.time - sentMs;
    const held = f.held[p] === 1;
    if (rttMs >= 0 && !held) this.rtt.sample(rttMs);
    else rttMs = NaN;
    if (r.icmpType !== 0 && this.icmp) {
      const srtt = Number.isNaN(this.rtt.srttMs) ? 0 : this.rtt.srttMs;
      this.icmp.error(r.target, Number.isNaN(sentMs) ? r.time - srtt : sentMs, held);
    }
    // A held probe was silent on purpose (the limiter): its answer says nothing about loss.
    if (!held) {
      this.window.answered();
      if (r.tryNo === 0 && !Number.isNaN(sentMs)) this.rate.firstTryAnswered(sentMs);
      this.rate.answered(r.time);
      this.answeredTx++;
      this.lostTx += r.tryNo;
      if (r.tryNo > this.maxSuccessfulTry) this.maxSuccessfulTry = r.tryNo;
    }
    if (f.inRing(p)) this.outstanding--;
    const row = this.verdicts.record(f.index[p], r, rttMs);
    this.decide(p, row);
    return ReplyOutcome.Decided;
  }

  /** Hard evidence of congestion from the engine: the pacing rate is cut. */
  congested(nowMs: number, cause: CongestionCause): void {
    this.rate.congested(nowMs, cause);
  }

  /** What the timing saw that a reader of the report should know (report.stats.notes). */
  timingNotes(): string[] {
    const notes = this.icmp?.notes() ?? [];
    const r = this.rate;
    if (r.cuts > 0) {
      const why =
        r.lastCause === 'loss'
          ? 'answers were lost more often as the rate rose (a saturated path, or a host that rate-limits its RSTs)'
          : `the engine reported ${r.lastCause}`;
      notes.push(
        `congestion: the send rate was cut ${r.cuts} times because ${why}; it ended at ${Math.round(r.ratePps)} probes/s`,
      );
    }
    return notes;
  }

  /**
   * The retry limit. Like nmap (allowedTryno) it is one more than the highest
   * try ever answered (at least 1: without evidence of loss, one retry); and,
   * once the loss ratio q is measured, at least the tries n that leave an
   * answering probe silent on all of them with q^n x probes <= MISSED_PER_SCAN
   * (7 tries for 65536 probes at 5% loss each way). Capped by maxRetries.
   */
  allowedTries(): number {
    const q = this.lossRatio;
    const needed = q > 0 ? Math.ceil(Math.log(MISSED_PER_SCAN / this.total) / Math.log(q)) - 1 : 0;
    return Math.min(this.timing.maxRetries, Math.max(1, this.maxSuccessfulTry + 1, needed));
  }

  /**
   * Ends the transmissions whose deadline (send time + timeout) has passed: a
   * retransmission while the try limit allows, else the probe is decided silent
   * (or held for its host's ICMP limit). A probe at the limit is parked while
   * the limit may still rise, and retransmitted if it does. Also runs the
   * pacing rate's bookkeeping and the ICMP-limit rounds.
   */
  expire(nowMs: number): void {
    const f = this.inFlight;
    const timeout = this.rtt.timeoutMs;
    const allowed = this.allowedTries();
    const icmp = this.icmp;
    for (;;) {
      const p = f.sentHead();
      if (p < 0 || f.lastSentMs[p] + timeout > nowMs) break;
      f.popHead();
      this.outstanding--;
      if (f.held[p] === 1) {
        if (!icmp!.hold(p, f)) this.decide(p, -1);
        continue;
      }
      this.window.timedOut();
      if (f.tryNo[p] < allowed || this.sentIntoCongestion(p)) this.retransmits.push(p, f.generation[p]);
      else if (icmp?.hold(p, f)) continue;
      else if (allowed === this.timing.maxRetries) this.decide(p, -1);
      else this.parked.push(p, f.generation[p]);
    }
    this.settleParked(nowMs, allowed, timeout);
    this.rate.update(nowMs, timeout, this.rtt.srttMs, this.next < this.walk.length);
    if (icmp?.holding) {
      const loss = this.lossRatio;
      icmp.due(
        nowMs,
        timeout,
        Number.isNaN(loss) ? 0 : loss,
        f,
        (p) => this.retransmits.push(p, f.generation[p]),
        (p) => this.decide(p, -1),
      );
    }
  }

  /**
   * Whether p's last try went out into congestion (SendRate.congestedUntilMs):
   * its silence says little, so it does not count towards the retry limit
   * (unless the user asked for no retries at all).
   */
  private sentIntoCongestion(p: number): boolean {
    return this.timing.maxRetries > 0 && this.inFlight.lastSentMs[p] < this.rate.congestedUntilMs();
  }

  private settleParked(nowMs: number, allowed: number, timeout: number): void {
    const f = this.inFlight;
    if (allowed > this.parkedLimit) {
      this.parkedLimit = allowed;
      this.parked.filter(f, (p) => {
        if (f.tryNo[p] >= allowed) return true;
        this.retransmits.push(p, f.generation[p]);
        return false;
      });
    }
    // The limit rises only through an answer to a transmission still out or yet to go.
    const settled = this.next === this.walk.length && this.outstanding === 0 && this.retransmits.length === 0;
    const holdMs = PARK_TIMEOUTS * timeout;
    for (let p = this.parked.peek(f); p >= 0; p = this.parked.peek(f)) {
      if (!settled && f.lastSentMs[p] + holdMs > nowMs) return;
      this.parked.shift(f);
      if (!this.icmp?.hold(p, f)) this.decide(p, -1);
    }
  }

  /**
   * The decided indices in ascending order, or null when that is the whole
   * space (a complete scan without sharding). Undecided probes are left out;
   * restored ones are in, released or not.
   */
  decidedIndices(): Float64Array | null {
    if (this.finished && this.walk.length === this.space.size) return null;
    const undecided = new Set<number>();
    this.inFlight.forEachLive((p) => undecided.add(this.inFlight.index[p]));
    const out = new Float64Array(this.next - this.skipped - undecided.size + this.restored.size);
    let n = 0;
    for (let j = 0; j < this.next; j++) {
      const index = this.walk.at(j);
      if (!undecided.has(index) && !this.restored.has(index)) out[n++] = index;
    }
    for (const index of this.restored) out[n++] = index;
    return out.sort();
  }

  private transmit(p: number, chunk: Uint32Array, n: number): void {
    const f = this.inFlight;
    f.transmit(p);
    this.outstanding++;
    const portSlot = f.portSlot[p];
    chunk[2 * n] = f.address[p];
    chunk[2 * n + 1] = (portSlot & 0xffff) | (f.tryNo[p] << 16) | ((portSlot >>> 16) << 24);
  }

  private decide(p: number, row: number): void {
    this.decided++;
    this.onVerdict?.(this.inFlight.index[p], this.inFlight.address[p], row);
    this.inFlight.remove(p);
  }
}
