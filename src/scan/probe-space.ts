// The index space of a scan: every (target, port, probe kind) has one index,
//   index = (targetIndex * ports + portIndex) * kinds + slot,
// so ascending indices are the report's order (target, then port, then scan
// type). The permutation shuffles this space; nothing here allocates per probe.
import { UsageError } from '../cli/errors.js';
import { MAX_PERMUTATION_SIZE } from './permutation.js';
import {
  PROBE_KINDS,
  SILENT_STATE,
  type PortState,
  type ProbeKind,
  type ScanPlan,
  type TargetList,
} from './types.js';

/** Probe kinds per scan: slot fits 3 bits on the engine side (native/probe/judge.h kMaxSlots). */
export const MAX_SLOTS = 8;

export class ProbeSpace {
  readonly targets: TargetList;
  /** sorted, unique */
  readonly ports: Uint16Array;
  /** the same ports in a plain array (a report's): the plan's own when it was sorted and unique */
  readonly portList: readonly number[];
  readonly kinds: readonly ProbeKind[];
  /** kind ordinal (PROBE_KINDS index) -> slot, -1 if not scanned */
  readonly slotOfKind = new Int8Array(PROBE_KINDS.length).fill(-1);
  /** per slot: the state of a probe that no try got an answer for */
  readonly silentStates: readonly PortState[];
  readonly size: number;
  private readonly perTarget: number;

  // Fields of the last decoded index (see decode).
  targetIndex = 0;
  portIndex = 0;
  slot = 0;

  constructor(plan: ScanPlan) {
    this.targets = plan.targets;
    const { sorted, list } = uniquePorts(plan.ports);
    this.ports = sorted;
    this.portList = list;
    this.kinds = plan.scanTypes;
    if (this.kinds.length === 0 || this.kinds.length > MAX_SLOTS) {
      throw new UsageError(`${this.kinds.length} scan types given: a raw scan takes 1 to ${MAX_SLOTS}`);
    }
    this.kinds.forEach((kind, slot) => {
      const ordinal = PROBE_KINDS.indexOf(kind);
      if (ordinal < 0) throw new UsageError(`scan type "${kind}" is not a raw probe kind`);
      if (this.slotOfKind[ordinal] >= 0) throw new UsageError(`scan type "${kind}" is given twice`);
      this.slotOfKind[ordinal] = slot;
    });
    // A custom probe's silence means what its base kind's silence means (nmap's --scanflags).
    const base = plan.customBase === undefined || plan.customBase === 'custom' ? 'syn' : plan.customBase;
    this.silentStates = this.kinds.map((kind) => SILENT_STATE[kind === 'custom' ? base : kind]);
    this.perTarget = this.ports.length * this.kinds.length;
    this.size = plan.targets.size * this.perTarget;
    if (this.size > MAX_PERMUTATION_SIZE) {
      throw new UsageError(
        `${plan.targets.size} targets x ${this.perTarget} probes exceed 2^52 probes: split the target list`,
      );
    }
  }

  /** Sets targetIndex, portIndex and slot from an index. */
  decode(index: number): void {
    const k = this.kinds.length;
    const slot = index % k;
    const rest = (index - slot) / k;
    const portIndex = rest % this.ports.length;
    this.slot = slot;
    this.portIndex = portIndex;
    this.targetIndex = (rest - portIndex) / this.ports.length;
  }

  /** The target index of an index (without touching the decode fields). */
  targetOf(index: number): number {
    return Math.floor(index / this.perTarget);
  }
}

/**
 * The plan's ports sorted and without duplicates; `list` is the plan's own
 * array when it was that already (parsePortSpec's is), else a new one. One
 * pass checks that case, and the copy is native: sorting 65535 ports in JS
 * cost ~9 ms of a full-range scan.
 */
function uniquePorts(ports: number[]): { sorted: Uint16Array; list: readonly number[] } {
  if (ports.length === 0) throw new UsageError('no ports to scan: give at least one port with -p');
  let ascending = true;
  for (let i = 0; i < ports.length; i++) {
    const port = ports[i];
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`port ${port} is not an integer from 0 to 65535`);
    }
    if (i > 0 && port <= ports[i - 1]) ascending = false;
  }
  if (ascending) return { sorted: Uint16Array.from(ports), list: ports };
  const selected = new Uint8Array(65536);
  let n = 0;
  for (const port of ports) {
    if (selected[port] === 0) n++;
    selected[port] = 1;
  }
  const sorted = new Uint16Array(n);
  for (let port = 0, k = 0; k < n; port++) if (selected[port] === 1) sorted[k++] = port;
  return { sorted, list: Array.from(sorted) };
}
