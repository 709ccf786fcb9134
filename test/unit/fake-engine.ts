// A NativeEngine that simulates one network instead of touching it: it "sends"
// enqueued descriptors FIFO (optionally paced), reports Sent watermarks, and
// answers each probe after rttMs with the reply record the native judge would
// produce for the port's truth — unless the probe is lost. Records are encoded
// with the real encoder and delivered in batches from a timer, never inside
// enqueue(), as the addon's thread-safe function does.
import type { NativeEngine } from '../../src/native/types.js';
import { RECORD_SIZE, RecordType, emptyReply, encodeReply, encodeSent } from '../../src/native/records.js';
import type { PortState, ProbeKind, Reason, ReplyRecord } from '../../src/scan/types.js';

/** What the simulated network does with a probe to (address, port). */
export type PortTruth =
  | 'open' //     a listener
  | 'closed' //   the kernel's RST
  | 'dropped' //  a firewall drops it silently
  | 'rejected' // a router answers ICMP 3/13 (admin-prohibited)
  | 'expired'; // a router answers ICMP 11 (time exceeded), nothing else

export interface FakeNetwork {
  truth: (address: number, port: number) => PortTruth;
  /** probe kinds in slot order (EngineConfig.kinds) */
  kinds: ProbeKind[];
  /** round-trip time, ms */
  rttMs?: number;
  /** probability that a probe is lost on its way to the target */
  loss?: number;
  /** probability that an answer is lost on its way back (after the limiters let it go) */
  lossBack?: number;
  /** the target's ICMP error limiter (Linux: 1/s after a burst of 6) */
  icmpLimit?: AnswerLimiter;
  /** the target's RST limiter (some stacks limit RSTs to closed ports) */
  rstLimit?: AnswerLimiter;
  /** probability that an answer arrives twice */
  duplicate?: number;
  /** whether setRate() paces sending, as the real engine does (default true) */
  enforceRate?: boolean;
  /** address of the router that sends ICMP */
  router?: number;
  seed?: number;
  /** period of the engine's loop, ms */
  stepMs?: number;
}

export interface Answer {
  state: PortState;
  reason: Reason;
  tcpFlags: number;
  window: number;
  icmpType: number;
  icmpCode: number;
  fromRouter: boolean;
}

const RST_ACK = 0x14;
const rst = (state: PortState, window = 0): Answer => ({
  state,
  reason: 'reset',
  tcpFlags: RST_ACK,
  window,
  icmpType: 0,
  icmpCode: 0,
  fromRouter: false,
});
const SYN_ACK: Answer = { ...rst('open', 65535), reason: 'syn-ack', tcpFlags: 0x12 };
const ADMIN: Answer = {
  ...rst('filtered'),
  reason: 'admin-prohibited',
  tcpFlags: 0,
  icmpType: 3,
  icmpCode: 13,
  fromRouter: true,
};
const EXPIRED: Answer = { ...ADMIN, reason: 'time-exceeded', icmpType: 11, icmpCode: 0 };

/** nmap's semantics per kind: the answer to an open and a closed port (null = silence). */
const BY_KIND: Record<ProbeKind, [Answer | null, Answer | null]> = {
  syn: [SYN_ACK, rst('closed')],
  custom: [SYN_ACK, rst('closed')],
  fin: [null, rst('closed')],
  null: [null, rst('closed')],
  xmas: [null, rst('closed')],
  maimon: [null, rst('closed')],
  ack: [rst('unfiltered'), rst('unfiltered')],
  window: [rst('open', 1024), rst('closed')],
};

export function answerFor(kind: ProbeKind, truth: PortTruth): Answer | null {
  if (truth === 'open') return BY_KIND[kind][0];
  if (truth === 'closed') return BY_KIND[kind][1];
  if (truth === 'rejected') return ADMIN;
  if (truth === 'expired') return EXPIRED;
  return null;
}

export class FakeEngine implements NativeEngine {
  readonly clock = (): number => performance.now();
  /** descriptors sent, in total and per try */
  sent = 0;
  readonly sentByTry = new Array<number>(16).fill(0);
  readonly rates: number[] = [];
  firstSendMs = NaN;
  lastSendMs = NaN;
  /** most descriptors queued at once */
  maxQueued = 0;
  started = false;
  stopped = false;

  private onBatch: ((b: Buffer) => void) | null = null;
  private readonly queue: Uint32Array[] = [];
  private queueOffset = 0;
  private queued = 0;
  private ratePps = 0;
  private tokens = 0;
  private lastStepMs = 0;
  private lastStatsMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private random: () => number;
  private readonly pendingError: Uint8Array[] = [];
  // Answers in flight, FIFO (constant RTT keeps them in due order).
  private due: number[] = [];
  private word0: number[] = [];
  private word1: number[] = [];
  private answersHead = 0;
  private delivered = 0;
  private readonly scratch: ReplyRecord = { ...emptyReply(), ttl: 64 };

  constructor(readonly net: FakeNetwork) {
    this.random = mulberry32(net.seed ?? 1);
  }

  open(): void {}
  async openAsync(): Promise<void> {}
  datalink(): number {
    return 1;
  }

  start(onBatch: (batch: Buffer) => void): void {
    this.onBatch = onBatch;
    this.started = true;
    this.lastStepMs = this.lastStatsMs = this.clock();
    this.timer = setTimeout(() => this.step(), this.net.stepMs ?? 1);
  }

  enqueue(chunk: Uint32Array): void {
    if (this.stopped) return;
    this.queue.push(chunk);
    this.queued += chunk.length / 2;
    if (this.queued > this.maxQueued) this.maxQueued = this.queued;
  }

  setRate(pps: number): void {
    this.rates.push(pps);
    this.ratePps = pps;
  }

  pending(): number {
    return this.queued;
  }

  /** Makes the next batch carry an error record. */
  injectError(fatal: boolean, errno: number, context: string): void {
    const rec = new Uint8Array(RECORD_SIZE);
    rec[0] = RecordType.Error;
    rec[1] = 0;
    rec[2] = fatal ? 1 : 0;
    new DataView(rec.buffer).setInt32(4, errno, true);
    rec.set(new TextEncoder().encode(context.slice(0, 23)), 8);
    this.pendingError.push(rec);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queued = 0;
    this.onBatch?.(Buffer.from(encodeSent(this.sent, 0, this.clock())));
  }

  private step(): void {
    if (this.stopped) return;
    const now = this.clock();
    const records: Uint8Array[] = [];
    const n = this.send(now);
    if (n > 0) records.push(encodeSent(this.sent, 0, now));
    records.push(...this.pendingError.splice(0));
    let answers = 0;
    while (this.answersHead + answers < this.due.length && this.due[this.answersHead + answers] <= now)
      answers++;
    if (now - this.lastStatsMs >= 250) {
      this.lastStatsMs = now;
      records.push(this.pcapStats(now));
    }
    if (records.length > 0 || answers > 0) this.deliver(records, answers);
    this.timer = setTimeout(() => this.step(), this.net.stepMs ?? 1);
  }

  /** Sends what the queue and the rate allow; returns how many. */
  private send(now: number): number {
    let budget = this.queued;
    if (this.ratePps > 0 && this.net.enforceRate !== false) {
      const burst = Math.max(1, this.ratePps / 100);
      this.tokens = Math.min(this.tokens + ((now - this.lastStepMs) * this.ratePps) / 1000, burst);
      budget = Math.min(budget, Math.floor(this.tokens));
      this.tokens -= budget;
    }
    this.lastStepMs = now;
    const rtt = this.net.rttMs ?? 2;
    for (let k = 0; k < budget; k++) {
      const chunk = this.queue[0];
      const w0 = chunk[this.queueOffset];
      const w1 = chunk[this.queueOffset + 1];
      this.queueOffset += 2;
      if (this.queueOffset === chunk.length) {
        this.queue.shift();
        this.queueOffset = 0;
      }
      this.sent++;
      this.sentByTry[(w1 >>> 16) & 0xff]++;
      if (this.random() < (this.net.loss ?? 0)) continue;
      const kind = this.net.kinds[w1 >>> 24];
      const answer = answerFor(kind, this.net.truth(w0, w1 & 0xffff));
      if (answer === null || !limitAllows(this.net, answer, w0, now)) continue;
      if (this.net.lossBack && this.random() < this.net.lossBack) continue;
      const copies = this.random() < (this.net.duplicate ?? 0) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        this.due.push(now + rtt);
        this.word0.push(w0);
        this.word1.push(w1);
      }
    }
    this.queued -= budget;
    if (budget > 0) {
      if (Number.isNaN(this.firstSendMs)) this.firstSendMs = now;
      this.lastSendMs = now;
    }
    return budget;
  }

  private deliver(records: Uint8Array[], answers: number): void {
    const batch = Buffer.allocUnsafe((records.length + answers) * RECORD_SIZE);
    let off = 0;
    for (const r of records) {
      batch.set(r, off);
      off += RECORD_SIZE;
    }
    const s = this.scratch;
    for (let k = 0; k < answers; k++) {
      const i = this.answersHead + k;
      const w1 = this.word1[i];
      const kind = this.net.kinds[w1 >>> 24];
      const a = answerFor(kind, this.net.truth(this.word0[i], w1 & 0xffff))!;
      s.state = a.state;
      s.reason = a.reason;
      s.kind = kind;
      s.target = this.word0[i];
      s.port = w1 & 0xffff;
      s.tryNo = (w1 >>> 16) & 0xff;
      s.ttl = a.fromRouter ? 255 : 64;
      s.responder = a.fromRouter ? (this.net.router ?? 0xc6120001) : this.word0[i];
      s.window = a.window;
      s.ipId = (this.random() * 65536) | 0;
      s.tcpFlags = a.tcpFlags;
      s.icmpType = a.icmpType;
      s.icmpCode = a.icmpCode;
      s.time = this.due[i];
      encodeReply(s, batch, off);
      off += RECORD_SIZE;
    }
    this.answersHead += answers;
    this.delivered += answers;
    if (this.answersHead > 4096 && this.answersHead * 2 > this.due.length) {
      this.due = this.due.slice(this.answersHead);
      this.word0 = this.word0.slice(this.answersHead);
      this.word1 = this.word1.slice(this.answersHead);
      this.answersHead = 0;
    }
    this.onBatch?.(batch);
  }

  private pcapStats(now: number): Uint8Array {
    const rec = new Uint8Array(RECORD_SIZE);
    const view = new DataView(rec.buffer);
    rec[0] = RecordType.Stats;
    view.setFloat64(8, this.delivered, true);
    view.setFloat64(16, 0, true);
    view.setFloat64(24, now, true);
    return rec;
  }
}

/**
 * A host's limit on one kind of answer, as Linux's inet_peer_xrlim_allow: per
 * address a bucket of `burst` tokens (full at first) refilled at perSecond;
 * each answer sent spends one, a suppressed answer spends none.
 */
export class AnswerLimiter {
  allowed = 0;
  suppressed = 0;
  private readonly hosts = new Map<number, { tokens: number; lastMs: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  allow(address: number, nowMs: number): boolean {
    let h = this.hosts.get(address);
    if (!h) this.hosts.set(address, (h = { tokens: this.burst, lastMs: nowMs }));
    h.tokens = Math.min(this.burst, h.tokens + ((nowMs - h.lastMs) * this.perSecond) / 1000);
    h.lastMs = nowMs;
    if (h.tokens < 1) {
      this.suppressed++;
      return false;
    }
    h.tokens--;
    this.allowed++;
    return true;
  }
}

/** Whether the target's limiters let this answer go (ICMP errors and RSTs may be limited). */
export function limitAllows(
  net: Pick<FakeNetwork, 'icmpLimit' | 'rstLimit'>,
  answer: Answer,
  address: number,
  nowMs: number,
): boolean {
  if (answer.icmpType === 3) return net.icmpLimit?.allow(address, nowMs) ?? true;
  if (answer.reason === 'reset') return net.rstLimit?.allow(address, nowMs) ?? true;
  return true;
}

/** A small seeded PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
