// What every formatter derives from a HostResult the same way: ports per scan
// type, nmap's rule for collapsing "boring" states into "Not shown" /
// <extraports>, whether a host answered, reason strings and port ranges.

import type { HostResult, PortResult, PortState, Reason, ScanReport, ScanType } from '../scan/types.js';
import { PORT_STATES, REASONS, REASON_ORDINAL, STATE_ORDINAL } from '../scan/types.js';
import { arrayRows, memoSlot, memoized, portRows, unpackRow, type PortRows } from '../scan/port-rows.js';
import type { RenderOptions } from './types.js';
import { rowsSummary, stateCounts, type RowsSummary } from './rows-summary.js';
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

/**
 * A PortSection of a host's rows (hostSections): the listed ports are row
 * indices, read through rows.row(i), so that a report's outputs make no
 * object per listed port.
 */
export interface RowSection extends Omit<PortSection, 'shown'> {
  rows: PortRows;
  /** indices into rows, ascending by port */
  shown: number[];
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
  const rows = arrayRows(ports);
  const section = rowsSection(rows, undefined, scan, stateCounts(rowsSummary(rows)), opts, verbose);
  return { ...section, shown: section.shown.map((i) => ports[i]) };
}

/**
 * One section per scan type of the report, in the report's order. Every
 * output of a report asks for them (normal, XML, grepable): kept with the
 * host's rows for the same scan types, --open and verbosity, since a
 * 65535-port host's sections cost a pass over every port. Read only.
 */
export function hostSections(host: HostResult, report: ScanReport, opts: RenderOptions): RowSection[] {
  const rows = portRows(host);
  const kept = memoized(rows, SECTIONS, () => ({ key: '', sections: [] as RowSection[] }));
  const key = `${report.scanTypes.join()}/${opts.openOnly === true}/${report.verbose}`;
  if (kept.key !== key) {
    const summary = rowsSummary(rows);
    kept.sections = report.scanTypes.map((scan) =>
      rowsSection(rows, scan, scan, stateCounts(summary, scan), opts, report.verbose),
    );
    kept.key = key;
  }
  return kept.sections;
}

const SECTIONS = memoSlot();

/**
 * portSection of the rows whose scan type is only (every row when undefined),
 * whose ports per state ordinal are counts. Collapsed ports are counted, with
 * the ports of each reason.
 */
function rowsSection(
  rows: PortRows,
  only: ScanType | undefined,
  scan: ScanType,
  { counts, total }: { counts: number[]; total: number },
  opts: RenderOptions,
  verbose: number,
): RowSection {
  const ignored: IgnoredState[] = [];
  if (total === 0) return { scan, rows, shown: [], ignored, total };
  const limit = ignoreLimit(verbose);
  /**
   * per state ordinal, for a collapsed state: its ports per reason ordinal,
   * and the reason ordinals by first appearance
   */
  let reasonsOf: ({ ports: number[][]; order: number[] } | undefined)[] | undefined;
  let listed = total;
  for (let s = 0; s < PORT_STATES.length; s++) {
    const state = PORT_STATES[s];
    const count = counts[s];
    const hidden = count > limit || (opts.openOnly === true && !OPEN_ONLY_STATES.has(state));
    if (count === 0 || state === 'open' || !hidden) continue;
    ignored.push({ state, count, reasons: [] });
    (reasonsOf ??= [])[s] = { ports: [], order: [] };
    listed -= count;
  }
  const shown = new Array<number>(listed);
  let k = 0;
  if (reasonsOf === undefined) {
    // Nothing collapsed: every port of the section is listed.
    for (let i = 0; i < rows.length; i++) if (only === undefined || rows.row(i).scan === only) shown[k++] = i;
    return { scan, rows, shown, ignored, total };
  }
  const add = (i: number, state: number, reason: number, port: number) => {
    const reasons = reasonsOf![state];
    if (reasons === undefined) {
      shown[k++] = i;
      return;
    }
    const list = reasons.ports[reason];
    if (list !== undefined) list.push(port);
    else {
      reasons.ports[reason] = [port];
      reasons.order.push(reason);
    }
  };
  if (rows.packed && rows.scanTypes) {
    // The store's packed rows: no row decoded for the ports that are only counted.
    const kinds = rows.scanTypes;
    for (let i = 0; i < rows.length; i++) {
      const code = rows.packed(i);
      if (only !== undefined && kinds[unpackRow.slot(code)] !== only) continue;
      add(i, unpackRow.state(code), unpackRow.reason(code), unpackRow.port(code));
    }
  } else {
    for (let i = 0; i < rows.length; i++) {
      const p = rows.row(i);
      if (only !== undefined && p.scan !== only) continue;
      add(i, STATE_ORDINAL.get(p.state)!, REASON_ORDINAL.get(p.reason)!, p.port);
    }
  }
  for (const entry of ignored) {
    const { ports, order } = reasonsOf[STATE_ORDINAL.get(entry.state)!]!;
    entry.reasons = order
      .map((r) => ({ reason: REASONS[r], count: ports[r].length, ports: ports[r] }))
      .sort((a, b) => b.count - a.count);
  }
  ignored.sort((a, b) => b.count - a.count);
  return { scan, rows, shown, ignored, total };
}

export interface HostLiveness {
  /** some probe got an answer; a host with none is "unknown", not "down" (there is no host discovery) */
  up: boolean;
  /** the answered port with the lowest number: the evidence that the host is up */
  readonly evidence?: PortResult;
  /** smallest round-trip time of an answered probe, ms */
  latencyMs?: number;
}

/** Every formatter asks for a host's liveness, some twice (its line and the summary): rowsSummary keeps it. */
export function hostLiveness(host: HostResult): RowsSummary {
  return rowsSummary(portRows(host));
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
  let up = 0;
  for (const host of report.hosts) if (hostLiveness(host).up) up++;
  return up;
}

/** "2 IP addresses (1 host up) scanned in 0.08 seconds"; up: hostsUp(report), when known */
export function doneSummary(report: ScanReport, up = hostsUp(report)): string {
  const addresses = plural(report.hosts.length, 'IP address', 'IP addresses');
  return `${addresses} (${plural(up, 'host')} up) scanned in ${elapsedSeconds(report.startTime, report.endTime)} seconds`;
}

export const INCOMPLETE_WARNING =
  'WARNING: scan incomplete: interrupted before every probe was answered or timed out; unanswered ports may be misreported';
