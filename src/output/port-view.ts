// What every formatter derives from a HostResult the same way: ports per scan
// type, nmap's rule for collapsing "boring" states into "Not shown" /
// <extraports>, whether a host answered, reason strings and port ranges.

import type { HostResult, PortResult, PortState, Reason, ScanReport, ScanType } from '../scan/types.js';
import { PORT_STATES } from '../scan/types.js';
import type { RenderOptions } from './types.js';
import { elapsedSeconds } from './time.js';

/** States that --open keeps: those where the port is or may be open (nmap's rule). */
export const OPEN_ONLY_STATES: ReadonlySet<PortState> = new Set<PortState>([
  'open',
  'open|filtered',
  'unfiltered',
]);

/** nmap's names for scan types, as in "SYN Stealth Scan Timing" */
export const SCAN_LABELS: Record<ScanType, string> = {
  syn: 'SYN Stealth Scan',
  fin: 'FIN Scan',
  null: 'NULL Scan',
  xmas: 'XMAS Scan',
  ack: 'ACK Scan',
  window: 'Window Scan',
  maimon: 'Maimon Scan',
  custom: 'Custom-flag Scan',
  connect: 'Connect Scan',
};

export interface ReasonGroup {
  reason: Reason;
  count: number;
  /** ascending */
  ports: number[];
}

/** A state whose ports are summarised instead of listed. */
export interface IgnoredState {
  state: PortState;
  count: number;
  /** by count, largest first */
  reasons: ReasonGroup[];
}

/** One host's ports of one scan type, split into listed ports and collapsed states. */
export interface PortSection {
  scan: ScanType;
  /** ascending by port */
  shown: PortResult[];
  /** by count, largest first */
  ignored: IgnoredState[];
  /** shown + ignored port count */
  total: number;
}

/** nmap collapses a state with more ports than this (50 from -vvv on). */
export function ignoreLimit(verbose: number): number {
  return verbose >= 3 ? 50 : 25;
}

export function serviceOf(p: PortResult, opts: RenderOptions): string {
  return p.service ?? opts.serviceName?.(p.port, p.protocol) ?? 'unknown';
}

/**
 * Splits ports (one scan type, ascending) by nmap's rule: "open" is always
 * listed; any other state is collapsed when it has more than ignoreLimit ports,
 * or, with --open, when it is not in OPEN_ONLY_STATES.
 */
export function portSection(
  scan: ScanType,
  ports: PortResult[],
  opts: RenderOptions,
  verbose: number,
): PortSection {
  const byState = new Map<PortState, PortResult[]>();
  for (const p of ports) {
    const list = byState.get(p.state);
    if (list) list.push(p);
    else byState.set(p.state, [p]);
  }
  const limit = ignoreLimit(verbose);
  const isIgnored = (state: PortState, count: number): boolean =>
    state !== 'open' && (count > limit || (opts.openOnly === true && !OPEN_ONLY_STATES.has(state)));
  const ignored: IgnoredState[] = [];
  for (const state of PORT_STATES) {
    const list = byState.get(state);
    if (list && isIgnored(state, list.length))
      ignored.push({ state, count: list.length, reasons: groupReasons(list) });
  }
  ignored.sort((a, b) => b.count - a.count);
  const hidden = new Set(ignored.map((i) => i.state));
  return { scan, shown: ports.filter((p) => !hidden.has(p.state)), ignored, total: ports.length };
}

function groupReasons(ports: PortResult[]): ReasonGroup[] {
  const byReason = new Map<Reason, number[]>();
  for (const p of ports) {
    const list = byReason.get(p.reason);
    if (list) list.push(p.port);
    else byReason.set(p.reason, [p.port]);
  }
  return [...byReason]
    .map(([reason, list]) => ({ reason, count: list.length, ports: list }))
    .sort((a, b) => b.count - a.count);
}

/** One section per scan type of the report, in the report's order. */
export function hostSections(host: HostResult, report: ScanReport, opts: RenderOptions): PortSection[] {
  return report.scanTypes.map((scan) =>
    portSection(
      scan,
      host.ports.filter((p) => p.scan === scan),
      opts,
      report.verbose,
    ),
  );
}

export interface HostLiveness {
  /** some probe got an answer; a host with none is "unknown", not "down" (there is no host discovery) */
  up: boolean;
  /** the answered port with the lowest number: the evidence that the host is up */
  evidence?: PortResult;
  /** smallest round-trip time of an answered probe, ms */
  latencyMs?: number;
}

/**
 * Every formatter asks for a host's liveness, some twice (its line and the
 * summary): one pass over the ports per host, kept while host.ports is the
 * same array of the same length (a finished report is not changed in place).
 */
const livenessCache = new WeakMap<HostResult, { ports: PortResult[]; count: number; live: HostLiveness }>();

export function hostLiveness(host: HostResult): HostLiveness {
  const cached = livenessCache.get(host);
  if (cached && cached.ports === host.ports && cached.count === host.ports.length) return cached.live;
  const live = computeLiveness(host);
  livenessCache.set(host, { ports: host.ports, count: host.ports.length, live });
  return live;
}

function computeLiveness(host: HostResult): HostLiveness {
  let evidence: PortResult | undefined;
  let latencyMs: number | undefined;
  for (const p of host.ports) {
    if (p.reason === 'no-response') continue;
    evidence ??= p;
    const rtt = p.evidence?.rttMs;
    if (rtt !== undefined && (latencyMs === undefined || rtt < latencyMs)) latencyMs = rtt;
  }
  return { up: evidence !== undefined, evidence, latencyMs };
}

/** The replier's address when it is not the target (a router's ICMP), else undefined. */
export function reasonIp(host: HostResult, p: PortResult): string | undefined {
  const responder = p.evidence?.responder;
  return responder !== undefined && responder !== host.address ? responder : undefined;
}

/** nmap's REASON column: "syn-ack ttl 64", "admin-prohibited from 198.18.0.254 ttl 63", "no-response" */
export function reasonText(host: HostResult, p: PortResult): string {
  const from = reasonIp(host, p);
  // A connect scan sees no packets: reasonTtl 0 means "no TTL known".
  const ttl = p.reason === 'no-response' || p.reasonTtl === 0 ? '' : ` ttl ${p.reasonTtl}`;
  return `${p.reason}${from ? ` from ${from}` : ''}${ttl}`;
}

/** ascending ports → nmap's range list: [1,2,3,5] → "1-3,5" */
export function portRanges(ports: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length;) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j] + 1) j++;
    parts.push(j === i ? `${ports[i]}` : `${ports[i]}-${ports[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

export function hostsUp(report: ScanReport): number {
  return report.hosts.filter((h) => hostLiveness(h).up).length;
}

/** "2 IP addresses (1 host up) scanned in 0.08 seconds" */
export function doneSummary(report: ScanReport): string {
  const up = hostsUp(report);
  const addresses = plural(report.hosts.length, 'IP address', 'IP addresses');
  return `${addresses} (${plural(up, 'host')} up) scanned in ${elapsedSeconds(report.startTime, report.endTime)} seconds`;
}

export const INCOMPLETE_WARNING =
  'WARNING: scan incomplete: interrupted before every probe was answered or timed out; unanswered ports may be misreported';
