// One pass over a host's rows for what every output asks of each host: its
// ports per scan type and state (sections, JSON stateCounts) and whether it
// answered (liveness). Kept with the rows (memoized), so that the outputs of
// a report read a host's ports once for all of these, and kept small: a /16
// scan keeps 65536 of them.
import { memoSlot, memoized, type PortRows } from '../scan/port-rows.js';
import { PORT_STATES, type PortResult, type PortState, type ScanType } from '../scan/types.js';
import type { HostLiveness } from './port-view.js';

export const STATE_INDEX = Object.fromEntries(PORT_STATES.map((s, i) => [s, i])) as Record<PortState, number>;

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
}

const SUMMARY = memoSlot();

export function rowsSummary(rows: PortRows): RowsSummary {
  return memoized(rows, SUMMARY, summarize);
}

/** Ports per state ordinal of one scan type (every scan type when undefined), and their total. */
export function stateCounts(summary: RowsSummary, scan?: ScanType): { counts: number[]; total: number } {
  const counts = new Array<number>(PORT_STATES.length).fill(0);
  let total = 0;
  summary.scans.forEach((s, k) => {
    if (scan !== undefined && s !== scan) return;
    for (let state = 0; state < PORT_STATES.length; state++) {
      const count = summary.counts[k * PORT_STATES.length + state];
      counts[state] += count;
      total += count;
    }
  });
  return { counts, total };
}

function summarize(rows: PortRows): RowsSummary {
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
    counts[position * PORT_STATES.length + STATE_INDEX[p.state]]++;
    if (p.reason === 'no-response') continue;
    if (firstAnswered < 0) firstAnswered = i;
    const rtt = p.evidence?.rttMs;
    if (rtt !== undefined && (latencyMs === undefined || rtt < latencyMs)) latencyMs = rtt;
  }
  // The hosts of a raw scan mostly have every scan type, in slot order: share that array.
  const shared = rows.scanTypes !== undefined && sameList(scans, rows.scanTypes) ? rows.scanTypes : scans;
  return new RowsSummary(rows, shared, counts, firstAnswered, latencyMs);
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
