// The pacing rate (probes/s) and how it reacts to congestion.
//
// nmap halves its window whenever a retransmission is answered. On a lossy
// link that is not overloaded (5% random loss each way) nearly every round
// trip carries a loss, so the window never opens and the scan crawls. Random
// loss and congestion differ in one observable way: random loss takes the same
// share of probes at any rate, congestion (a queue that overflows, a host that
// rate-limits its RSTs) takes a share that rises with the rate. So:
//
//  - Signal: the share of first tries answered, per send cohort. First tries
//    are binned by send time (BIN_MS); a bin is read one timeout plus two RTTs
//    after it ends, when every answer it will get has come. Under random loss q
//    with a share f of silent ports the share is (1 - f)(1 - q) at any rate;
//    past a bottleneck of capacity C it falls as C / R. (Retransmissions are
//    left out: they go to the silent ports, and queued behind the pacer they
//    would report late.) Bins pool into epochs of EPOCH_FIRST_TRIES first tries
//    (or EPOCH_MIN_FIRST_TRIES after EPOCH_MAX_MS) with EPOCH_MIN_ANSWERS answers
//    received, or expected at the baseline share.
//  - Baseline: a smoothed maximum of the share (it rises at once, decays by
//    BASELINE_DECAY per epoch). An epoch below CUT_SHARE x baseline is
//    congestion: at 10% random loss no epoch of 256 probes falls that far by
//    chance; an RST limiter at half the send rate halves the share. A drop that
//    does not depend on the rate (the scan reached hosts that answer less) is
//    cut a few times until the decaying baseline meets it, then grown back.
//  - Hard evidence: the capture dropped packets, or the sender failed sends.
//  - Until the first evidence the pacer does not limit: the window's slow
//    start (timing.ts) is the ramp, as in nmap. A cut sets the rate to half the
//    rate measured over the last RATE_WINDOW_MS (or halves it again). Only
//    cohorts sent after the cut count afterwards, so one overload is cut once
//    per round of evidence (about one timeout).
//  - Growth after a cut: GROWTH_AFTER_CUT per round of evidence (a timeout and
//    two RTTs), so the rate overshoots by at most that before loss can show;
//    only while the pacer was what held sending back (not the window, not a
//    lack of probes to send), and only after an epoch was judged (at the end
//    of a scan only retransmissions are left, and they give no evidence).
// Retransmissions answered are still evidence of loss for the retry limit
// (Scheduler); they no longer shrink anything by themselves. A congestion
// episode lasts from a cut until an epoch shows the share back at
// RECOVERED_SHARE x baseline (or, once no new probes are left to judge by,
// until a round of evidence passes without any answer); a silent try sent
// before its end went out into congestion, and the Scheduler does not count it
// towards the retry limit, so under a persistent limit a port is retried until
// the congestion ends.
import { TokenBucket, rateBurst } from './timing.js';

const MIN_RATE_PPS = 10;
/** The send rate a cut halves is measured over about this long, ms. */
const RATE_WINDOW_MS = 50;
const BIN_MS = 10;
/** Bins kept: answers to first tries older than BINS x BIN_MS (10 s) are ignored. */
const BINS = 1024;
const EPOCH_FIRST_TRIES = 256;
const EPOCH_MIN_FIRST_TRIES = 64;
const EPOCH_MIN_ANSWERS = 32;
const EPOCH_MAX_MS = 200;
const CUT_SHARE = 0.7;
const RECOVERED_SHARE = 0.85;
const BASELINE_DECAY = 0.995;
const GROWTH_AFTER_CUT = 1.25;
/** Hard evidence (pcap drops, send errors) cuts at most once per this many ms. */
const HARD_CUT_GAP_MS = 100;

export type CongestionCause = 'loss' | 'capture drops' | 'send errors';

export class SendRate {
  /** Infinity until the first cut */
  ratePps = Infinity;
  cuts = 0;
  /** what caused the last cut, null before any */
  lastCause: CongestionCause | null = null;
  /** smoothed maximum of the share of first tries answered (NaN before the first epoch) */
  baseline = NaN;
  /** when the rate was last cut */
  lastCutMs = -Infinity;
  /** from a cut until an epoch shows the share answered back near the baseline */
  inEpisode = false;
  /** when the last episode ended (NaN while one lasts or before any) */
  private recoveredMs = NaN;
  private readonly bucket: TokenBucket;
  /** releases counted in the current and the previous RATE_WINDOW_MS */
  private released = 0;
  private releasedBefore = 0;
  private releaseWindowMs: number;
  private lastGrowMs: number;
  private pacerBound = false;
  /** growth needs an epoch judged uncongested since the last growth */
  private judgedSinceGrowth = false;
  private lastAnswerMs = -Infinity;
  /** a round of evidence: a timeout, two RTTs and a bin, ms */
  private roundMs = 0;
  private readonly firstBins = new Float64Array(BINS);
  private readonly answeredBins = new Float64Array(BINS);
  /** absolute number of the first bin not yet read */
  private openBin: number;
  private epochFirst = 0;
  private epochAnswered = 0;
  private epochStartMs: number;

  constructor(
    private readonly maxPps: number,
    nowMs: number,
  ) {
    this.bucket = new TokenBucket(Infinity, 1, nowMs);
    this.lastGrowMs = this.epochStartMs = this.releaseWindowMs = nowMs;
    this.openBin = Math.floor(nowMs / BIN_MS);
  }

  /** Probes the pacer allows now (fractional). */
  available(nowMs: number): number {
    return this.bucket.available(nowMs);
  }

  /** n probes were released; bound: the pacer, not the window or the work left, limited them. */
  take(n: number, bound: boolean, nowMs: number): void {
    this.bucket.take(n);
    this.bucket.clampToZero();
    if (bound) this.pacerBound = true;
    if (nowMs - this.releaseWindowMs >= RATE_WINDOW_MS) {
      this.releasedBefore = nowMs - this.releaseWindowMs < 2 * RATE_WINDOW_MS ? this.released : 0;
      this.released = 0;
      this.releaseWindowMs = nowMs;
    }
    this.released += n;
  }

  /** n first tries left at sentMs (a Sent watermark): answers are binned by the same clock. */
  firstTriesSent(n: number, sentMs: number): void {
    if (n > 0) this.count(this.firstBins, sentMs, n);
  }

  /** An answer to a first try sent at sentMs. */
  firstTryAnswered(sentMs: number): void {
    this.count(this.answeredBins, sentMs, 1);
  }

  /** Any answer, to any try, at nowMs. */
  answered(nowMs: number): void {
    this.lastAnswerMs = nowMs;
  }

  /** Hard evidence of congestion (capture drops, send errors). */
  congested(nowMs: number, cause: CongestionCause): void {
    if (nowMs - this.lastCutMs >= HARD_CUT_GAP_MS) this.cut(nowMs, cause);
  }

  /**
   * Reads the cohorts whose fate is known, judges full epochs, grows the rate.
   * firstTriesLeft: new probes remain to be released (without them no epoch
   * can end an episode, so it ends when a round passes without any answer).
   */
  update(nowMs: number, timeoutMs: number, srttMs: number, firstTriesLeft: boolean): void {
    const rtt = Number.isNaN(srttMs) ? 0 : srttMs;
    this.roundMs = timeoutMs + 2 * rtt + BIN_MS;
    const known = Math.floor((nowMs - timeoutMs - 2 * rtt - BIN_MS) / BIN_MS);
    if (known - this.openBin > BINS) this.openBin = known - BINS;
    for (; this.openBin < known; this.openBin++) {
      const i = this.openBin % BINS;
      if (this.openBin * BIN_MS >= this.lastCutMs) {
        this.epochFirst += this.firstBins[i];
        this.epochAnswered += this.answeredBins[i];
      }
      this.firstBins[i] = this.answeredBins[i] = 0;
    }
    // Enough answers to judge, or enough that should have come at the baseline share.
    const expected = Number.isNaN(this.baseline) ? 0 : this.baseline * this.epochFirst;
    const enough = Math.max(this.epochAnswered, expected) >= EPOCH_MIN_ANSWERS;
    if (
      enough &&
      (this.epochFirst >= EPOCH_FIRST_TRIES ||
        (this.epochFirst >= EPOCH_MIN_FIRST_TRIES && nowMs - this.epochStartMs >= EPOCH_MAX_MS))
    ) {
      this.judgeEpoch(nowMs);
    }
    if (this.inEpisode && !firstTriesLeft && nowMs - this.lastAnswerMs >= this.roundMs) this.recover(nowMs);
    if (nowMs - this.lastGrowMs >= this.roundMs) {
      if (this.pacerBound && this.judgedSinceGrowth) this.setRate(this.ratePps * GROWTH_AFTER_CUT, nowMs);
      this.pacerBound = this.judgedSinceGrowth = false;
      this.lastGrowMs = nowMs;
    }
  }

  /**
   * Tries sent before this time went out into congestion: while an episode
   * lasts, every try so far; after it, those until a round of evidence after
   * the last cut (or the end of the episode, if later).
   */
  congestedUntilMs(): number {
    if (this.inEpisode) return Infinity;
    const afterCut = this.lastCutMs + this.roundMs;
    return Number.isNaN(this.recoveredMs) ? afterCut : Math.max(afterCut, this.recoveredMs);
  }

  /** Probes/s released lately (over the current and the previous measuring window). */
  private measuredPps(nowMs: number): number {
    const ms = nowMs - this.releaseWindowMs + (this.releasedBefore > 0 ? RATE_WINDOW_MS : 0);
    return ((this.released + this.releasedBefore) * 1000) / Math.max(ms, 1);
  }

  private judgeEpoch(nowMs: number): void {
    const share = Math.min(1, this.epochAnswered / this.epochFirst);
    this.epochFirst = this.epochAnswered = 0;
    this.epochStartMs = nowMs;
    if (Number.isNaN(this.baseline)) this.baseline = share;
    else this.baseline = Math.max(share, BASELINE_DECAY * this.baseline + (1 - BASELINE_DECAY) * share);
    this.judgedSinceGrowth = true;
    if (share < CUT_SHARE * this.baseline) this.cut(nowMs, 'loss');
    else if (this.inEpisode && share >= RECOVERED_SHARE * this.baseline) this.recover(nowMs);
  }

  private recover(nowMs: number): void {
    this.inEpisode = false;
    this.recoveredMs = nowMs;
  }

  private cut(nowMs: number, cause: CongestionCause): void {
    this.setRate(Math.min(this.ratePps, this.measuredPps(nowMs)) / 2, nowMs);
    this.lastCutMs = nowMs;
    this.inEpisode = true;
    this.lastCause = cause;
    this.cuts++;
    this.epochFirst = this.epochAnswered = 0;
    this.epochStartMs = nowMs;
  }

  private setRate(pps: number, nowMs: number): void {
    this.ratePps = Math.min(Math.max(pps, MIN_RATE_PPS), this.maxPps);
    this.bucket.setRate(this.ratePps, rateBurst(this.ratePps), nowMs);
  }

  private count(bins: Float64Array, atMs: number, n: number): void {
    const bin = Math.floor(atMs / BIN_MS);
    if (bin >= this.openBin && bin < this.openBin + BINS) bins[bin % BINS] += n;
  }
}
