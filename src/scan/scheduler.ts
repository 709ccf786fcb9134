// The scheduler walks the permuted index space, releases descriptor chunks as
// the congestion window and the rate bounds allow, stamps send times from the
// engine's Sent watermarks, retransmits probes past their deadline and decides
// every probe exactly once: by its first reply, or silent after its last try.
// It is driven from outside (pump / sent / reply / expire with the current time)
// and holds no timer; memory follows the probes in flight, not the scan size.
import { InFlight, ProbeQueue } from './inflight.js';
import { Permutation, ShardWalk, WHOLE_SCAN, type Shard } from './permutation.js';
import { ProbeSpace } from './probe-space.js';
import { CongestionWindow, RttEstimator, TokenBucket, rateBurst, type TimingParams } from './timing.js';
import { Verdicts } from './tracker.js';
import { PROBE_KINDS, type ProbeKind, type ReplyRecord, type ScanPlan } from './types.js';

/** Most probes one pump releases, so that one chunk never stalls the event loop. */
const MAX_CHUNK = 16384;
/** How long a probe parked at the try limit waits for the limit to rise, in timeouts. */
const PARK_TIMEOUTS = 10;

const KIND_ORDINAL = new Map<ProbeKind, number>(PROBE_KINDS.map((k, i) => [k, i]));

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

  private readonly inFlight = new InFlight();
  private readonly retransmits = new ProbeQueue();
  /** probes that timed out at the try limit while the limit may still rise */
  private readonly parked = new ProbeQueue();
  private parkedLimit = 1;
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

  /**
   * The descriptors to enqueue now (retransmissions first, then new probes), or
   * null. Room = congestion window minus outstanding, raised to the --min-rate
   * credit, capped by the --max-rate / scan-delay bucket.
   */
  pump(nowMs: number): Uint32Array | null {
    let room = Math.floor(this.window.cwnd) - this.outstanding;
    if (this.floor) room = Math.max(room, Math.floor(this.floor.available(nowMs)));
    room = Math.min(room, Math.floor(this.ceiling.available(nowMs)), MAX_CHUNK);
    const want = Math.min(room, this.retransmits.length + this.walk.length - this.next);
    if (want <= 0) return null;
    const chunk = new Uint32Array(want * 2);
    let n = 0;
    while (n < want && this.retransmits.length > 0) {
      const p = this.retransmits.shift(this.inFlight);
      if (p < 0) continue;
      this.inFlight.prevSentMs[p] = this.inFlight.lastSentMs[p];
      this.inFlight.tryNo[p]++;
      this.retransmissions++;
      this.transmit(p, chunk, n++);
    }
    const space = this.space;
    while (n < want && this.next < this.walk.length) {
      const index = this.walk.at(this.next++);
      space.decode(index);
      const address = space.targets.at(space.targetIndex);
      const p = this.inFlight.add(index, address, space.ports[space.portIndex] | (space.slot << 16));
      this.transmit(p, chunk, n++);
    }
    if (n === 0) return null;
    this.ceiling.take(n);
    if (this.floor) {
      this.floor.take(n);
      this.floor.clampToZero();
    }
    return n * 2 === chunk.length ? chunk : chunk.subarray(0, n * 2);
  }

  /** A Sent watermark: the first `consumed` descriptors (in release order) were sent by timeMs. */
  sent(consumed: number, timeMs: number): void {
    this.inFlight.markSent(consumed, timeMs);
  }

  /** Treats every released descriptor as sent at timeMs (the engine stopped reporting). */
  assumeSent(timeMs: number): void {
    this.inFlight.markSent(this.inFlight.tailSeq, timeMs);
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
    if (rttMs >= 0) this.rtt.sample(rttMs);
    else rttMs = NaN;
    this.window.answered();
    // The try before the answered one was lost; one cut per loss episode (see CongestionWindow.dropped).
    if (r.tryNo > 0)
      this.window.dropped(r.tryNo === current ? f.prevSentMs[p] : sentMs, this.outstanding, r.time);
    if (r.tryNo > this.maxSuccessfulTry) this.maxSuccessfulTry = r.tryNo;
    if (f.inRing(p)) this.outstanding--;
    const row = this.verdicts.record(f.index[p], r, rttMs);
    this.decide(p, row);
    return ReplyOutcome.Decided;
  }

  /**
   * Ends the transmissions whose deadline (send time + timeout) has passed: a
   * retransmission while the try limit allows, else the probe is decided silent.
   * Like nmap (allowedTryno), the limit is one more than the highest try ever
   * answered (at least 1), capped by maxRetries: without evidence of loss, one
   * retry. A probe at the limit is parked while the limit may still rise, and
   * retransmitted if it does.
   */
  expire(nowMs: number): void {
    const f = this.inFlight;
    const timeout = this.rtt.timeoutMs;
    const allowed = Math.min(this.timing.maxRetries, Math.max(1, this.maxSuccessfulTry + 1));
    for (;;) {
      const p = f.sentHead();
      if (p < 0 || f.lastSentMs[p] + timeout > nowMs) break;
      f.popHead();
      this.outstanding--;
      this.window.timedOut();
      if (f.tryNo[p] < allowed) this.retransmits.push(p, f.generation[p]);
      else if (allowed === this.timing.maxRetries) this.decide(p, -1);
      else this.parked.push(p, f.generation[p]);
    }
    this.settleParked(nowMs, allowed, timeout);
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
      this.decide(p, -1);
    }
  }

  /**
   * The decided indices in ascending order, or null when that is the whole
   * space (a complete scan without sharding). Undecided probes are left out.
   */
  decidedIndices(): Float64Array | null {
    if (this.finished && this.walk.length === this.space.size) return null;
    const undecided = new Set<number>();
    this.inFlight.forEachLive((p) => undecided.add(this.inFlight.index[p]));
    const out = new Float64Array(this.next - undecided.size);
    let n = 0;
    for (let j = 0; j < this.next; j++) {
      const index = this.walk.at(j);
      if (!undecided.has(index)) out[n++] = index;
    }
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
