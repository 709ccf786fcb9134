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
import type { HostResult, PortResult } from '../scan/types.js';

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
  const synAckTtl = new Tally();
  const tcpTtl = new Tally();
  const resetWindow = new Tally();
  for (const p of host.ports) {
    if (!fromTarget(p)) continue;
    const e = p.evidence!;
    if (e.tcpFlags === undefined) continue;
    tcpTtl.add(e.ttl!);
    if (p.reason === 'syn-ack') synAckTtl.add(e.ttl!);
    if (p.reason === 'reset' && p.scan !== 'window' && e.window !== undefined) resetWindow.add(e.window);
  }
  const baseline: HostBaseline = {};
  const ttl = synAckTtl.mode() ?? tcpTtl.mode();
  if (ttl !== undefined) {
    baseline.ttl = ttl;
    baseline.ttlFrom = synAckTtl.mode() !== undefined ? 'syn-ack' : 'tcp';
  }
  const window = resetWindow.mode();
  if (window !== undefined) baseline.resetWindow = window;
  return baseline;
}

/** The flag of one result against its host's baseline; undefined when nothing differs. */
export function middleboxFlag(baseline: HostBaseline, p: PortResult): MiddleboxFlag | undefined {
  if (!fromTarget(p)) return undefined;
  const e = p.evidence!;
  const differs: MiddleboxSign[] = [];
  if (baseline.ttl !== undefined && e.ttl !== baseline.ttl) differs.push('ttl');
  const windowChecked =
    p.reason === 'reset' &&
    p.scan !== 'window' &&
    e.window !== undefined &&
    baseline.resetWindow !== undefined;
  if (windowChecked && e.window !== baseline.resetWindow) differs.push('window');
  if (differs.length === 0) return undefined;
  const flag: MiddleboxFlag = { differs, ttl: e.ttl!, baselineTtl: baseline.ttl };
  if (windowChecked) {
    flag.window = e.window;
    flag.baselineWindow = baseline.resetWindow;
  }
  return flag;
}

export interface HostMiddleboxFlags {
  baseline: HostBaseline;
  /** shared by every caller for the host: read only */
  flags: ReadonlyMap<PortResult, MiddleboxFlag>;
}

/**
 * Each output of a report asks for its hosts' flags: one analysis per host,
 * kept while host.ports is the same array of the same length (a finished
 * report is not changed in place).
 */
const flagsCache = new WeakMap<
  HostResult,
  { ports: PortResult[]; count: number; found: HostMiddleboxFlags }
>();

/** Every flagged result of the host, with the baseline they were judged by. */
export function middleboxFlags(host: HostResult): HostMiddleboxFlags {
  const cached = flagsCache.get(host);
  if (cached && cached.ports === host.ports && cached.count === host.ports.length) return cached.found;
  const found = findFlags(host);
  flagsCache.set(host, { ports: host.ports, count: host.ports.length, found });
  return found;
}

function findFlags(host: HostResult): HostMiddleboxFlags {
  const baseline = hostBaseline(host);
  const flags = new Map<PortResult, MiddleboxFlag>();
  for (const p of host.ports) {
    const flag = middleboxFlag(baseline, p);
    if (flag) flags.set(p, flag);
  }
  return { baseline, flags };
}

/** "ttl 200 (host 64), window 512 (host 0)" */
export function describeFlag(flag: MiddleboxFlag): string {
  const parts: string[] = [];
  if (flag.differs.includes('ttl')) parts.push(`ttl ${flag.ttl} (host ${flag.baselineTtl})`);
  if (flag.differs.includes('window')) parts.push(`window ${flag.window} (host ${flag.baselineWindow})`);
  return parts.join(', ');
}

/** An answered result whose reply came from the target address itself. */
function fromTarget(p: PortResult): boolean {
  const e = p.evidence;
  return e !== undefined && e.ttl !== undefined && e.responder === undefined && p.reason !== 'no-response';
}

/** Counts of small integers; mode() is the most frequent, the lowest on a tie. */
class Tally {
  private readonly counts = new Map<number, number>();
  add(value: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }
  mode(): number | undefined {
    let best: number | undefined;
    let bestCount = 0;
    for (const [value, count] of this.counts) {
      if (count > bestCount || (count === bestCount && value < best!)) {
        best = value;
        bestCount = count;
      }
    }
    return best;
  }
}
