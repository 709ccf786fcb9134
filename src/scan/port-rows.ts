// A host's port results read one at a time, without one object per port.
//
// A raw scan's report keeps its ports in the tracker's typed arrays: the
// outputs and the per-host analyses read them through PortRows, and the
// PortResult objects of HostResult.ports are made only when something reads
// `ports` (LazyPortsHost). Hosts from elsewhere (a report read back from a
// file, a connect scan, a test) are plain objects: their rows are the array.
import type { HostResult, PortResult, Reason, ScanType } from './types.js';

/**
 * The ports of one host, in HostResult.ports order (port, then scan type).
 * row(i) may return the same object on every call, overwritten (its evidence
 * too): read what you need before the next call, and never change it;
 * result(i) is a PortResult of its own, to keep.
 */
export interface PortRows {
  readonly length: number;
  /** the scan types the rows can have, when known without reading them (a raw scan's slots) */
  readonly scanTypes?: readonly ScanType[];
  row(i: number): PortResult;
  result(i: number): PortResult;
  /** what memoized() keeps for these rows */
  readonly memo: RowsMemo;
  /**
   * When scanTypes is known: the rows' states counted straight from the
   * store, without reading them one by one; undefined unless every slot
   * appears, first appearances in slot order.
   */
  tally?(): SlotTally | undefined;
  /**
   * When scanTypes is known: row i packed without decoding the rest of it,
   * port | slot << 16 | state << 20 | reason << 24 (slot: index in scanTypes;
   * state, reason: PORT_STATES and REASONS ordinals). See unpackRow.
   */
  packed?(i: number): number;
  /**
   * When scanTypes is known: what a port listing shows of row i, as one
   * number (packed(i) + reasonTtl * 2^32), read without decoding the row; -1
   * when the reply came from another address than the host's (a listing names
   * that address). Rows of one store with equal values list alike.
   */
  listed?(i: number): number;
  /**
   * When scanTypes is known: whether row i holds a reply from the host's own
   * address (false without a reply, and for a router's ICMP), and then what
   * the middlebox baseline reads of it in out, without decoding the row.
   */
  reply?(i: number, out: ReplyFacts): boolean;
}

/** What PortRows.reply reads of a reply from the host itself (src/audit/middlebox.ts). */
export interface ReplyFacts {
  ttl: number;
  /** a TCP reply (else ICMP) */
  tcp: boolean;
  /** a TCP reply's window; undefined for ICMP */
  window: number | undefined;
  reason: Reason;
  scan: ScanType;
}

/** The fields of PortRows.packed. */
export const unpackRow = {
  port: (code: number) => code & 0xffff,
  slot: (code: number) => (code >>> 16) & 0xf,
  state: (code: number) => (code >>> 20) & 0xf,
  reason: (code: number) => code >>> 24,
};

/** PortRows.packed of these fields. */
export function packRow(port: number, slot: number, state: number, reason: number): number {
  return (port | (slot << 16) | (state << 20) | (reason << 24)) >>> 0;
}

/** A host's rows counted by slot (index in PortRows.scanTypes) and state. */
export interface SlotTally {
  /** rows of slot k in state s (PORT_STATES ordinal) at k * PORT_STATES.length + s */
  counts: number[];
  /** the first row with an answer, -1 when none */
  firstAnswered: number;
  /** smallest round-trip time of an answered row, ms (as its evidence reads) */
  latencyMs: number | undefined;
}

/**
 * Per-rows slots of memoized(), indexed by MemoSlot; emptied when the rows'
 * length changes (a finished report is not changed in place otherwise).
 */
export type RowsMemo = unknown[];

/** The slot of one analysis in every RowsMemo (memoSlot()). */
export type MemoSlot = number & { readonly memoSlot: unique symbol };

let slots = 0;

/** A new slot, for one analysis: call once, at module level. */
export function memoSlot(): MemoSlot {
  return slots++ as MemoSlot;
}

/**
 * Rows shorter than this keep no values: a /16 scan's 65536 one-port hosts
 * would otherwise keep 65536 values per analysis alive (and the garbage
 * collector copying them) to save a few reads. Only the last value of each
 * slot is kept for them: an output asks for a host's analyses host by host.
 */
const MEMO_MIN_ROWS = 64;

/** per slot: the short rows of the last value kept for them, their length then, and the value */
const lastRows: (PortRows | undefined)[] = [];
const lastLength: number[] = [];
const lastValue: unknown[] = [];

/**
 * compute(rows), computed once per rows (see MEMO_MIN_ROWS for short rows).
 * The analyses that every output of a report asks for of each host
 * (liveness, middlebox flags) use it: a slot of the rows costs far less than
 * a WeakMap of hosts. compute must be pure: callers cannot tell a kept value
 * from a new one.
 */
export function memoized<T>(rows: PortRows, slot: MemoSlot, compute: (rows: PortRows) => T): T {
  if (rows.length < MEMO_MIN_ROWS) {
    if (lastRows[slot] !== rows || lastLength[slot] !== rows.length) {
      lastValue[slot] = compute(rows);
      lastRows[slot] = rows;
      lastLength[slot] = rows.length;
    }
    return lastValue[slot] as T;
  }
  const memo = rows.memo;
  let value = memo[slot] as T | undefined;
  if (value === undefined) memo[slot] = value = compute(rows);
  return value;
}

/**
 * A host whose PortResult objects are made on the first read of `ports` (and
 * kept: from then on its rows are that array, which callers may change).
 * Subclasses say how its address is had.
 */
export abstract class LazyPortsHost implements HostResult {
  abstract readonly address: string;
  hostname?: string;
  startTime?: number;
  endTime?: number;
  private made?: PortResult[];

  constructor(private readonly source: PortRows) {}

  get ports(): PortResult[] {
    if (this.made === undefined) {
      const made = new Array<PortResult>(this.source.length);
      for (let i = 0; i < made.length; i++) made[i] = this.source.result(i);
      this.made = made;
    }
    return this.made;
  }

  set ports(ports: PortResult[]) {
    this.made = ports;
  }

  /** The source's rows until `ports` is read, then that array's. */
  rows(): PortRows {
    return this.made === undefined ? this.source : arrayRows(this.made);
  }

  /** JSON.stringify sees the getter's value, as for a plain host. */
  toJSON(): HostResult {
    const { address, hostname, ports, startTime, endTime } = this;
    return { address, hostname, ports, startTime, endTime };
  }
}

/** The rows of any host. */
export function portRows(host: HostResult): PortRows {
  return host instanceof LazyPortsHost ? host.rows() : arrayRows(host.ports);
}

/** One wrapper per array, so that callers can tell "same rows" by identity. */
const arrayWrappers = new WeakMap<PortResult[], PortRows>();

export function arrayRows(ports: PortResult[]): PortRows {
  let rows = arrayWrappers.get(ports);
  if (rows === undefined) {
    let memo: RowsMemo = [];
    let memoLength = ports.length;
    rows = {
      get length() {
        return ports.length;
      },
      row: (i) => ports[i],
      result: (i) => ports[i],
      get memo() {
        if (ports.length !== memoLength) [memo, memoLength] = [[], ports.length];
        return memo;
      },
    };
    arrayWrappers.set(ports, rows);
  }
  return rows;
}
