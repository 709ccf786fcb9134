// One pass over a host's rows for what every output asks of each host: its
// ports per scan type and state (sections, JSON stateCounts) and whether it
// answered (liveness). Kept with the rows (memoized), so that the outputs of
// a report read a host's ports once for all of these, and kept small: a /16
// scan keeps 65536 of them.
import { memoSlot, memoized, type PortRows } from '../scan/port-rows.js';
import { PORT_STATES, STATE_ORDINAL, type PortResult, type ScanType } from '../scan/types.js';
import type { HostLiveness } from './port-view.js';

/** A host's rows, summarised; also its HostLiveness (port-view.ts). */
export class RowsSummary implements HostLiveness {
  /** some probe got an answer */
  readonly up: boolean;

  constructor(
    private readonly rows: PortRows,
    /** the scan types of the rows, by first appearance */
    readonly scans: readonly ScanType[],
    /** ports of scans[k] in state s at k * PORT_STATES.length + s */
    readonly counts: readonly number[],
    /** the first row with an answer (reason other than no-response), -1 when none */
    private readonly firstAnswered: number,
    /** smallest round-trip time of an answered probe, ms */
    readonly latencyMs: number | undefined,
  ) {
    this.up = firstAnswered >= 0;
  }

  /** the first answered port, made when asked: most outputs need only up and latency */
  get evidence(): PortResult | undefined {
    return this.firstAnswered < 0 ? undefined : this.rows.result(this.firstAnswered);
  }

  /** evidence as the rows' reused row (PortRows.row): read it before the next row() of these rows */
  evidenceRow(): PortResult | undefined {
    return this.firstAnswered < 0 ? undefined : this.rows.row(this.firstAnswered);
  }
}

const SUMMARY = memoSlot();

export function rowsSummary(rows: PortRows): RowsSummary {
  return memoized(rows, SUMMARY, summarize);
}

/** rowsSummary(rows).latencyMs; a one-row host's (a sweep's) without making its summary */
export function hostLatency(rows: PortRows): number | undefined {
  if (rows.length !== 1) return rowsSummary(rows).latencyMs;
  const p = rows.row(0);
  return p.reason === 'no-response' ? undefined : p.evidence?.rttMs;
}

/** Ports per state ordinal of one scan type (every scan type when undefined), and their total. */
export function stateCounts(summary: RowsSummary, scan?: ScanType): { counts: number[]; total: number } {
  const counts = PORT_STATES.map(() => 0);
  let total = 0;
  for (let k = 0; k < summary.scans.length; k++) {
    if (scan !== undefined && summary.scans[k] !== scan) continue;
    for (let state = 0; state < PORT_STATES.length; state++) {
      const count = summary.counts[k * PORT_STATES.length + state];
      counts[state] += count;
      total += count;
    }
  }
  return { counts, total };
}

function summarize(rows: PortRows): RowsSummary {
  if (rows.length === 1) return oneRow(rows);
  const known = rows.scanTypes;
  return (known && rows.tally && fromTally(rows, known)) ?? summarizeAny(rows);
}

/** A scan type list of one, per type; counts of one port, per state ordinal: shared, as they are read only. */
const ONE_SCAN = new Map<ScanType, readonly ScanType[]>();
const ONE_PORT = PORT_STATES.map((_, s) => PORT_STATES.map((__, t) => (t === s ? 1 : 0)));

/** summarize of a single row, the host of a sweep of one port: nothing to count. */
function oneRow(rows: PortRows): RowsSummary {
  const p = rows.row(0);
  let scans = ONE_SCAN.get(p.scan);
  if (scans === undefined) ONE_SCAN.set(p.scan, (scans = [p.scan]));
  const answered = p.reason !== 'no-response';
  return new RowsSummary(
    rows,
    scans,
    ONE_PORT[STATE_ORDINAL.get(p.state)!],
    answered ? 0 : -1,
    hostLatency(rows),
  );
}

/**
 * The summary from the store's own count (PortRows.tally): undefined unless
 * every known scan type appears, first appearances in slot order (then scans
 * is the known list).
 */
function fromTally(rows: PortRows, known: readonly ScanType[]): RowsSummary | undefined {
  const t = rows.tally!();
  return t && new RowsSummary(rows, known, t.counts, t.firstAnswered, t.latencyMs);
}

/** summarize for any rows: scan types by first appearance */
function summarizeAny(rows: PortRows): RowsSummary {
  const scans: ScanType[] = [];
  const counts: number[] = [];
  let position = -1;
  let firstAnswered = -1;
  let latencyMs: number | undefined;
  for (let i = 0; i < rows.length; i++) {
    const p = rows.row(i);
    if (position < 0 || scans[position] !== p.scan) {
      position = scans.indexOf(p.scan);
      if (position < 0) {
        position = scans.push(p.scan) - 1;
        for (let s = 0; s < PORT_STATES.length; s++) counts.push(0);
      }
    }
    counts[position * PORT_STATES.length + STATE_ORDINAL.get(p.state)!]++;
    if (p.reason === 'no-response') continue;
    if (firstAnswered < 0) firstAnswered = i;
    const rtt = p.evidence?.rttMs;
    if (rtt !== undefined && (latencyMs === undefined || rtt < latencyMs)) latencyMs = rtt;
  }
  return new RowsSummary(rows, scans, counts, firstAnswered, latencyMs);
}
