// Stateful or stateless: what the SYN and ACK results of the same port say about
// the filter in front of it (nmap's use of -sA to map rulesets):
//
//   SYN (or connect)   ACK          label      meaning
//   open / closed      filtered     stateful   the SYN reaches the host, an ACK of no known
//                                              connection does not: the filter tracks connections
//   filtered           unfiltered   stateless  the filter drops SYNs only: a rule on the flags
//   open / closed      unfiltered   none       both reach the host: no filter for this port
//   filtered           filtered     blocked    both are stopped: a stateless drop and a stateful
//                                              one look the same; these probes cannot tell them apart
//
// A port lacking either result, or with another state, gets no label. "none"
// is about these two probes only: a filter that resets in the host's name
// (`reject with tcp reset`) answers both and looks like no filter; the middlebox
// flags (middlebox.ts) are what can tell it from the host.
import { portRanges } from '../output/port-view.js';
import { portRows, type PortRows } from '../scan/port-rows.js';
import type { HostResult, PortState } from '../scan/types.js';

export const FILTER_LABELS = ['stateful', 'stateless', 'none', 'blocked'] as const;
export type FilterLabel = (typeof FILTER_LABELS)[number];

/** The ports of one label, as an nmap range list. */
export interface FilterRange {
  label: FilterLabel;
  /** "22,80,8000-8010" */
  ports: string;
  count: number;
}

const REACHED: ReadonlySet<PortState> = new Set(['open', 'closed']);

export function filterLabel(syn: PortState, ack: PortState): FilterLabel | undefined {
  const reached = REACHED.has(syn) ? true : syn === 'filtered' ? false : undefined;
  const ackPasses = ack === 'unfiltered' ? true : ack === 'filtered' ? false : undefined;
  if (reached === undefined || ackPasses === undefined) return undefined;
  if (reached) return ackPasses ? 'none' : 'stateful';
  return ackPasses ? 'stateless' : 'blocked';
}

/** port → label, for the ports of the host that have both a SYN (or connect) and an ACK result. */
export function portFilterLabels(host: HostResult): Map<number, FilterLabel> {
  const labels = new Map<number, FilterLabel>();
  const rows = portRows(host);
  // Most scans have no ACK type: skip indexing every port of the host then.
  if (!hasAckResult(rows)) return labels;
  const syn = new Map<number, PortState>();
  const ack = new Map<number, PortState>();
  for (let i = 0; i < rows.length; i++) {
    const p = rows.row(i);
    if (p.scan === 'syn' || (p.scan === 'connect' && !syn.has(p.port))) syn.set(p.port, p.state);
    else if (p.scan === 'ack') ack.set(p.port, p.state);
  }
  for (const [port, synState] of syn) {
    const ackState = ack.get(port);
    const label = ackState && filterLabel(synState, ackState);
    if (label) labels.set(port, label);
  }
  return labels;
}

function hasAckResult(rows: PortRows): boolean {
  if (rows.scanTypes !== undefined) return rows.scanTypes.includes('ack');
  for (let i = 0; i < rows.length; i++) if (rows.row(i).scan === 'ack') return true;
  return false;
}

/** The labels as one range list per label, in FILTER_LABELS order; empty when no port has a label. */
export function filterRanges(labels: ReadonlyMap<number, FilterLabel>): FilterRange[] {
  const ranges: FilterRange[] = [];
  if (labels.size === 0) return ranges;
  for (const label of FILTER_LABELS) {
    const ports = [...labels].filter(([, l]) => l === label).map(([port]) => port);
    if (ports.length === 0) continue;
    ports.sort((a, b) => a - b);
    ranges.push({ label, ports: portRanges(ports), count: ports.length });
  }
  return ranges;
}

/** The host's filter ranges (portFilterLabels then filterRanges). */
export function hostFilterRanges(host: HostResult): FilterRange[] {
  return filterRanges(portFilterLabels(host));
}
