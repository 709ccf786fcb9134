// Replies that a middlebox likely forged in a host's name. A firewall that
// answers for a host (`reject with tcp reset`, an ICMP reject sent with the
// host's address) builds the packet itself: its TTL starts at the firewall's
// initial TTL and counts the firewall's hops, and its RST window is its own.
// So a reply that claims the target's address but whose TTL or RST window
// differs from the host's baseline was most likely not sent by the host.
//
// The baseline is what the host's own TCP stack sends as it arrives here:
//   ttl         the most common TTL of the SYN-ACKs (an open port is the host
//               itself); without any SYN-ACK, of every TCP reply from the host
//   resetWindow the most common window of its RSTs (Linux: 0); Window-scan
//               replies are left out, as their windows are what that scan reads
// A firewall that forges most of the replies (no SYN-ACK, thousands of forged
// RSTs) becomes the baseline itself: the flags then mark the host's own replies.
// Replies from another address (a router's ICMP) are not flagged: their
// responder already says they are not the host's.
import { memoSlot, memoized, portRows, type PortRows, type ReplyFacts } from '../scan/port-rows.js';
import type { HostResult, PortResult, Reason, ScanType } from '../scan/types.js';

export interface HostBaseline {
  ttl?: number;
  /** which replies gave ttl */
  ttlFrom?: 'syn-ack' | 'tcp';
  resetWindow?: number;
}

export type MiddleboxSign = 'ttl' | 'window';

/** Why a reply is likely forged: what it showed and what the host's baseline is. */
export interface MiddleboxFlag {
  differs: MiddleboxSign[];
  ttl: number;
  baselineTtl?: number;
  window?: number;
  baselineWindow?: number;
}

export function hostBaseline(host: HostResult): HostBaseline {
  return rowsBaseline(portRows(host)).baseline;
}

/**
 * The baseline, and whether every reply middleboxFlag would judge agrees on
 * its TTL and every RST it would judge on its window: then none can differ.
 */
function rowsBaseline(rows: PortRows): { baseline: HostBaseline; uniform: boolean } {
  const { synAckTtl, tcpTtl, resetWindow, judgedTtl, judgedWindow } = TALLIES;
  synAckTtl.clear();
  tcpTtl.clear();
  resetWindow.clear();
  judgedTtl.clear();
  judgedWindow.clear();
  const r = FACTS;
  for (let i = 0; i < rows.length; i++) {
    if (!replyFacts(rows, i, r)) continue;
    const judges = judgesWindowOf(r.reason, r.scan, r.window);
    judgedTtl.add(r.ttl);
    if (judges) judgedWindow.add(r.window!);
    if (!r.tcp) continue;
    tcpTtl.add(r.ttl);
    if (r.reason === 'syn-ack') synAckTtl.add(r.ttl);
    if (judges) resetWindow.add(r.window!);
  }
  const baseline: HostBaseline = {};
  const synAck = synAckTtl.mode();
  const ttl = synAck ?? tcpTtl.mode();
  if (ttl !== undefined) {
    baseline.ttl = ttl;
    baseline.ttlFrom = synAck !== undefined ? 'syn-ack' : 'tcp';
  }
  const window = resetWindow.mode();
  if (window !== undefined) baseline.resetWindow = window;
  return { baseline, uniform: judgedTtl.uniform() && judgedWindow.uniform() };
}

/** The flag of one result against its host's baseline; undefined when nothing differs. */
export function middleboxFlag(baseline: HostBaseline, p: PortResult): MiddleboxFlag | undefined {
  if (!fromTarget(p)) return undefined;
  const e = p.evidence!;
  const ttlDiffers = baseline.ttl !== undefined && e.ttl !== baseline.ttl;
  const windowChecked = judgesWindow(p) && baseline.resetWindow !== undefined;
  const windowDiffers = windowChecked && e.window !== baseline.resetWindow;
  if (!ttlDiffers && !windowDiffers) return undefined;
  const differs: MiddleboxSign[] = [];
  if (ttlDiffers) differs.push('ttl');
  if (windowDiffers) differs.push('window');
  const flag: MiddleboxFlag = { differs, ttl: e.ttl!, baselineTtl: baseline.ttl };
  if (windowChecked) {
    flag.window = e.window;
    flag.baselineWindow = baseline.resetWindow;
  }
  return flag;
}

export interface HostMiddleboxFlags {
  /** shared by hosts with the same baseline and no flags: read only */
  baseline: HostBaseline;
  /** by index in the host's ports; shared by every caller for the host: read only */
  flags: ReadonlyMap<number, MiddleboxFlag>;
}

const FLAGS = memoSlot();

/**
 * Every flagged result of the host, with the baseline they were judged by.
 * Each output of a report asks for them: memoized.
 */
export function middleboxFlags(host: HostResult): HostMiddleboxFlags {
  return memoized(portRows(host), FLAGS, findFlags);
}

const NO_FLAGS: ReadonlyMap<number, MiddleboxFlag> = new Map();

/** The results without flags, one per baseline: the hosts of a large scan mostly share one. */
const unflagged = new Map<string, HostMiddleboxFlags>();

function findFlags(rows: PortRows): HostMiddleboxFlags {
  const { baseline, uniform } = rowsBaseline(rows);
  let flags: Map<number, MiddleboxFlag> | undefined;
  // Replies that all agree agree with their mode, the baseline.
  if (!uniform) {
    for (let i = 0; i < rows.length; i++) {
      const flag = middleboxFlag(baseline, rows.row(i));
      if (flag) (flags ??= new Map()).set(i, flag);
    }
  }
  if (flags !== undefined) return { baseline, flags };
  const last = lastUnflagged;
  if (
    last !== undefined &&
    last.baseline.ttl === baseline.ttl &&
    last.baseline.ttlFrom === baseline.ttlFrom &&
    last.baseline.resetWindow === baseline.resetWindow
  ) {
    return last;
  }
  const key = `${baseline.ttl}/${baseline.ttlFrom}/${baseline.resetWindow}`;
  let found = unflagged.get(key);
  if (found === undefined) unflagged.set(key, (found = { baseline, flags: NO_FLAGS }));
  return (lastUnflagged = found);
}

/** The last value of unflagged returned: consecutive hosts mostly share it. */
let lastUnflagged: HostMiddleboxFlags | undefined;

/** "ttl 200 (host 64), window 512 (host 0)" */
export function describeFlag(flag: MiddleboxFlag): string {
  const parts: string[] = [];
  if (flag.differs.includes('ttl')) parts.push(`ttl ${flag.ttl} (host ${flag.baselineTtl})`);
  if (flag.differs.includes('window')) parts.push(`window ${flag.window} (host ${flag.baselineWindow})`);
  return parts.join(', ');
}

/** An RST with a window that says something of the host's stack (a Window scan reads windows: left out). */
function judgesWindow(p: PortResult): boolean {
  return judgesWindowOf(p.reason, p.scan, p.evidence?.window);
}

/** Whether a reply's window is judged: an RST's, unless the Window scan reads it. */
function judgesWindowOf(reason: Reason, scan: ScanType, window: number | undefined): boolean {
  return reason === 'reset' && scan !== 'window' && window !== undefined;
}

const FACTS: ReplyFacts = { ttl: 0, tcp: false, window: undefined, reason: 'no-response', scan: 'syn' };

/**
 * Whether row i's reply came from the target itself (fromTarget), and then
 * its facts in out: through PortRows.reply when the rows offer it (a raw
 * scan's 65535 rows are not decoded one by one), else from the row.
 */
function replyFacts(rows: PortRows, i: number, out: ReplyFacts): boolean {
  if (rows.reply) return rows.reply(i, out);
  const p = rows.row(i);
  if (!fromTarget(p)) return false;
  const e = p.evidence!;
  out.ttl = e.ttl!;
  out.tcp = e.tcpFlags !== undefined;
  out.window = e.window;
  out.reason = p.reason;
  out.scan = p.scan;
  return true;
}

/** An answered result whose reply came from the target address itself. */
function fromTarget(p: PortResult): boolean {
  const e = p.evidence;
  return e !== undefined && e.ttl !== undefined && e.responder === undefined && p.reason !== 'no-response';
}

/**
 * Counts of small integers; mode() is the most frequent, the lowest on a tie.
 * A host's replies mostly share one value: the first value is counted without a Map.
 */
class Tally {
  private first: number | undefined;
  private firstCount = 0;
  private others: Map<number, number> | undefined;
  clear(): void {
    this.first = undefined;
    this.firstCount = 0;
    this.others = undefined;
  }
  add(value: number): void {
    if (this.first === undefined) this.first = value;
    if (value === this.first) this.firstCount++;
    else (this.others ??= new Map()).set(value, (this.others.get(value) ?? 0) + 1);
  }
  /** at most one distinct value was added */
  uniform(): boolean {
    return this.others === undefined;
  }
  mode(): number | undefined {
    let best = this.first;
    let bestCount = this.firstCount;
    for (const [value, count] of this.others ?? []) {
      if (count > bestCount || (count === bestCount && value < best!)) {
        best = value;
        bestCount = count;
      }
    }
    return best;
  }
}

/** The tallies of rowsBaseline, reused from host to host (65536 hosts would make 327680). */
const TALLIES = {
  synAckTtl: new Tally(),
  tcpTtl: new Tally(),
  resetWindow: new Tally(),
  judgedTtl: new Tally(),
  judgedWindow: new Tally(),
};
