// ICMP rate limits of the scanned hosts, and the retries that wait for them.
//
// Linux sends at most one ICMP error per second to a given address after a
// burst of six (net.ipv4.icmp_ratelimit = 1000 ms per token, inet_peer_xrlim_allow
// with XRLIM_BURST_FACTOR 6); suppressed errors spend no token. For a SYN, ACK or
// Window probe that changes nothing (an ICMP error and silence both mean
// filtered), but for FIN, NULL, Xmas and Maimon it is the difference between
// filtered and open|filtered: a port whose ICMP was suppressed looks exactly
// like an open one. Only waiting for the limiter tells them apart, so a scan
// of R ICMP-rejected ports takes about (R - burst) / rate, however fast it sends.
//
// Per target address (the limiter of the host that rejects; a firewall that
// answers for many addresses is not detected):
//  - A host becomes a suspect once it has sent SUSPECT_AFTER ICMP errors: its
//    bucket may be empty. From then on a silent probe of an ICMP-sensitive kind
//    that reaches its last try is held instead of decided.
//  - Token rate estimate (tokens per ms, kept low on purpose: too high and a
//    round comes before its token): (errors - PRIOR_BURST - 1) / (span between
//    the send times of the first and latest probe that drew one), once that
//    counts MIN_MEASURED errors; before, PRIOR_RATE (Linux's default). An
//    unlimited host with 200 rejected ports over 0.8 s measures 240/s, a
//    limited one converges on its token rate from below.
//  - Rounds: all held probes of the host are sent again together, once
//    ROUND_TOKENS token intervals have passed since the latest error and since
//    the previous round (whose error may have been lost on the way back, its
//    token spent unseen): by then the bucket holds a token and the first
//    rejected port of the round takes it.
//    Tokens not taken accumulate (up to the burst), so rounds that wait longer
//    than one interval lose no throughput; the rate of errors stays the limiter's.
//  - A round is judged two timeouts after it started. If any error was drawn
//    since it began, the host may still hide errors: continue. If none was, and
//    the round began at least VALID_TOKENS intervals after the previous error
//    and round (the bucket had a token), the round is empty and valid: no held
//    port rejects, unless its probe or error was lost. After needEmpty(loss)
//    such rounds in a row (1 without loss, 3 at 10% loss; one more once the
//    host proved limited, against a token's jitter) the held probes are
//    decided silent. The wait this adds to a host that is not limited is about
//    one round; to a limited one, a few rounds of ROUND_TOKENS intervals.
// Held probes are retransmitted with their try capped at the last wire try;
// their answers count neither as loss nor towards the retry limit.
import { ipToString } from '../targets/ipv4.js';
import { ProbeQueue, type InFlight } from './inflight.js';
import { SILENT_STATE, type ProbeKind } from './types.js';

/** ICMP errors a host must have sent before its limiter is suspected (Linux's burst is 6). */
const SUSPECT_AFTER = 5;
/** Burst assumed when estimating the token rate (Linux XRLIM_BURST_FACTOR). */
const PRIOR_BURST = 6;
/** Token rate assumed until measured, per ms (Linux: one per icmp_ratelimit = 1000 ms). */
const PRIOR_RATE_PER_MS = 1 / 1000;
/** Errors beyond the burst before the measured rate replaces the prior. */
const MIN_MEASURED = 4;
const ROUND_TOKENS = 2;
const VALID_TOKENS = 1.5;
/** Hosts with held probes are looked at every CHECK_MS. */
const CHECK_MS = 10;
/** Most empty rounds ever asked for, whatever the loss. */
const MAX_EMPTY_ROUNDS = 5;

class HostIcmp {
  errors = 0;
  firstSentMs = Infinity;
  lastSentMs = -Infinity;
  /** errors drawn by held probes: proof that the limiter hid them at first */
  heldErrors = 0;
  /** distinct probes that were held */
  heldProbes = 0;
  rounds = 0;
  emptyRounds = 0;
  /** start of the round out now (NaN when none is), and of the one before */
  roundStartMs = NaN;
  lastRoundMs = -Infinity;
  /** the round out now began when the bucket had a token for sure */
  roundValid = false;
  /** the held probes were decided; cleared by a new error */
  settled = false;
  readonly queue = new ProbeQueue();

  constructor(readonly address: number) {}

  /** Token rate estimate, per ms (kept low, see above). */
  tokenRate(): number {
    const beyond = this.errors - PRIOR_BURST - 1;
    const span = this.lastSentMs - this.firstSentMs;
    return beyond >= MIN_MEASURED && span > 0 ? beyond / span : PRIOR_RATE_PER_MS;
  }
}

export class IcmpLimits {
  private readonly hosts = new Map<number, HostIcmp>();
  /** hosts with held probes */
  private readonly waiting = new Set<HostIcmp>();
  private lastCheckMs = -Infinity;

  private constructor(private readonly sensitiveSlot: readonly boolean[]) {}

  /** Limits to watch for, or null when no kind of the scan needs ICMP to tell its states apart. */
  static forKinds(kinds: readonly ProbeKind[]): IcmpLimits | null {
    const sensitive = kinds.map((k) => SILENT_STATE[k] !== 'filtered');
    return sensitive.some(Boolean) ? new IcmpLimits(sensitive) : null;
  }

  /** An ICMP error about address, drawn by a probe sent at sentMs. */
  error(address: number, sentMs: number, byHeldProbe: boolean): void {
    let h = this.hosts.get(address);
    if (!h) this.hosts.set(address, (h = new HostIcmp(address)));
    h.errors++;
    h.settled = false;
    if (sentMs < h.firstSentMs) h.firstSentMs = sentMs;
    if (sentMs > h.lastSentMs) h.lastSentMs = sentMs;
    if (byHeldProbe) h.heldErrors++;
  }

  /**
   * Holds probe p, silent at its last try, instead of deciding it; false when
   * its silence is explained (its kind ignores ICMP, or its host is not suspect).
   */
  hold(p: number, f: InFlight): boolean {
    if (!this.sensitiveSlot[f.portSlot[p] >>> 16]) return false;
    const h = this.hosts.get(f.address[p]);
    if (!h || h.errors < SUSPECT_AFTER || h.settled) return false;
    if (f.held[p] === 0) {
      f.held[p] = 1;
      h.heldProbes++;
    }
    h.queue.push(p, f.generation[p]);
    this.waiting.add(h);
    return true;
  }

  /** Whether some host has held probes. */
  get holding(): boolean {
    return this.waiting.size > 0;
  }

  /**
   * Judges finished rounds, settles hosts (decide(p) for each held probe) and
   * starts the rounds that are due (release(p) sends p again). lossRatio is the
   * scan's share of lost transmissions.
   */
  due(
    nowMs: number,
    timeoutMs: number,
    lossRatio: number,
    f: InFlight,
    release: (p: number) => void,
    decide: (p: number) => void,
  ): void {
    if (nowMs - this.lastCheckMs < CHECK_MS) return;
    this.lastCheckMs = nowMs;
    for (const h of this.waiting) {
      const interval = 1 / h.tokenRate();
      if (!Number.isNaN(h.roundStartMs)) {
        if (nowMs < h.roundStartMs + 2 * timeoutMs) continue;
        if (h.lastSentMs >= h.roundStartMs) h.emptyRounds = 0;
        else if (h.roundValid) h.emptyRounds++;
        const started = h.roundStartMs;
        h.roundStartMs = NaN;
        const need = needEmpty(lossRatio) + (h.heldErrors > 0 ? 1 : 0);
        if (h.emptyRounds >= need && this.settle(h, started, f, decide)) continue;
      }
      // A token may also have gone, unseen, to the previous round (its error lost on the way).
      const spentMs = Math.max(h.lastSentMs, h.lastRoundMs);
      if (nowMs < spentMs + ROUND_TOKENS * interval) continue;
      h.roundStartMs = h.lastRoundMs = nowMs;
      h.roundValid = nowMs >= spentMs + VALID_TOKENS * interval;
      h.rounds++;
      for (let p = h.queue.peek(f); p >= 0; p = h.queue.peek(f)) release(h.queue.shift(f));
    }
  }

  /**
   * Decides the held probes whose last try left with or after the empty valid
   * round that began at roundMs; the others (none, normally) wait for the
   * next round. True when none is left.
   */
  private settle(h: HostIcmp, roundMs: number, f: InFlight, decide: (p: number) => void): boolean {
    h.queue.filter(f, (p) => {
      if (f.lastSentMs[p] < roundMs) return true;
      decide(p);
      return false;
    });
    if (h.queue.peek(f) >= 0) return false;
    h.settled = true;
    h.emptyRounds = 0;
    this.waiting.delete(h);
    return true;
  }

  /** One line per host whose held probes drew ICMP errors (the limiter was real). */
  notes(): string[] {
    const limited = [...this.hosts.values()].filter((h) => h.heldErrors > 0);
    if (limited.length === 0) return [];
    const describe = (h: HostIcmp) =>
      `${ipToString(h.address)} (at least ${(h.tokenRate() * 1000).toFixed(1)} ICMP/s after a burst; ` +
      `${h.heldErrors} of ${h.heldProbes} silent ports answered only on later rounds)`;
    const shown = limited.slice(0, 3).map(describe).join(', ');
    const more = limited.length > 3 ? ` and ${limited.length - 3} more hosts` : '';
    return [
      `ICMP rate limit detected at ${shown}${more}: silent ports were retried at that pace ` +
        `so that filtered is told from open|filtered`,
    ];
  }
}

/** Empty valid rounds needed before held probes are decided: a miss chance of 0.1% at this loss. */
function needEmpty(lossRatio: number): number {
  if (!(lossRatio > 0)) return 1;
  return Math.min(MAX_EMPTY_ROUNDS, Math.max(1, Math.ceil(Math.log(0.001) / Math.log(lossRatio))));
}
