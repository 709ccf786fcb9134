// The state tracker: the verdicts of answered probes, kept in growable typed
// arrays (one row per answered probe; silent probes take no memory), which the
// report reads at the end (tracked-rows.ts). A covered index without a row was
// finalised silent and gets its slot's silent state (ProbeSpace.silentStates:
// SILENT_STATE of its kind, of the base kind for custom) with reason no-response.
import { ipToString } from '../targets/ipv4.js';
import type { ProbeSpace } from './probe-space.js';
import {
  PORT_STATES,
  REASONS,
  REASON_ORDINAL,
  STATE_ORDINAL,
  type PortEvidence,
  type PortResult,
  type ReplyRecord,
} from './types.js';

/** Largest index space materialised through a direct table (16 MiB of Int32). */
const DIRECT_TABLE_MAX = 2 ** 22;

// Byte columns of a row (stride BYTES).
const STATE = 0,
  REASON = 1,
  TTL = 2,
  TRY = 3,
  FLAGS = 4,
  ICMP_TYPE = 5,
  ICMP_CODE = 6,
  BYTES = 8;

export class Verdicts {
  count = 0;
  openCount = 0;
  private index = new Float64Array(256);
  private bytes = new Uint8Array(256 * BYTES);
  /** responder, then window | ipId << 16 */
  private words = new Uint32Array(256 * 2);
  /** NaN when the answered try's send time was unknown */
  private rttMs = new Float32Array(256);

  /** Stores the verdict of an answered probe; returns its row. */
  record(index: number, r: ReplyRecord, rttMs: number): number {
    if (this.count === this.index.length) this.grow();
    const row = this.count++;
    this.index[row] = index;
    const b = row * BYTES;
    this.bytes[b + STATE] = STATE_ORDINAL.get(r.state) ?? 0;
    this.bytes[b + REASON] = REASON_ORDINAL.get(r.reason) ?? 0;
    this.bytes[b + TTL] = r.ttl;
    this.bytes[b + TRY] = r.tryNo;
    this.bytes[b + FLAGS] = r.tcpFlags;
    this.bytes[b + ICMP_TYPE] = r.icmpType;
    this.bytes[b + ICMP_CODE] = r.icmpCode;
    this.words[row * 2] = r.responder;
    this.words[row * 2 + 1] = (r.window | (r.ipId << 16)) >>> 0;
    this.rttMs[row] = rttMs;
    if (r.state === 'open') this.openCount++;
    return row;
  }

  /** The PortResult of a row, an object of its own; target is the probed address. */
  result(row: number, space: ProbeSpace, target: number, port: number, slot: number): PortResult {
    const b = row * BYTES;
    const responder = this.words[row * 2];
    const packed = this.words[row * 2 + 1];
    const icmpType = this.bytes[b + ICMP_TYPE];
    const rttMs = this.roundedRtt(row);
    // One literal per reply family, so that every evidence object of a family shares a shape.
    const evidence: PortEvidence =
      icmpType !== 0
        ? { ttl: this.bytes[b + TTL], ipId: packed >>> 16, icmpType, icmpCode: this.bytes[b + ICMP_CODE] }
        : {
            ttl: this.bytes[b + TTL],
            ipId: packed >>> 16,
            tcpFlags: this.bytes[b + FLAGS],
            window: packed & 0xffff,
          };
    evidence.tryNo = this.bytes[b + TRY];
    if (rttMs !== undefined) evidence.rttMs = rttMs;
    if (responder !== target) evidence.responder = ipToString(responder);
    return {
      port,
      protocol: 'tcp',
      scan: space.kinds[slot],
      state: PORT_STATES[this.bytes[b + STATE]],
      reason: REASONS[this.bytes[b + REASON]],
      reasonTtl: this.bytes[b + TTL],
      evidence,
    };
  }

  /**
   * Overwrites into (port and scan already set) with the verdict of a row:
   * the same values as result(), without allocating; evidence fields that
   * result() leaves out are undefined.
   */
  readInto(row: number, target: number, into: PortResult, evidence: PortEvidence): void {
    const b = row * BYTES;
    const responder = this.words[row * 2];
    const packed = this.words[row * 2 + 1];
    const icmpType = this.bytes[b + ICMP_TYPE];
    const icmp = icmpType !== 0;
    into.state = PORT_STATES[this.bytes[b + STATE]];
    into.reason = REASONS[this.bytes[b + REASON]];
    into.reasonTtl = evidence.ttl = this.bytes[b + TTL];
    into.evidence = evidence;
    evidence.ipId = packed >>> 16;
    evidence.icmpType = icmp ? icmpType : undefined;
    evidence.icmpCode = icmp ? this.bytes[b + ICMP_CODE] : undefined;
    evidence.tcpFlags = icmp ? undefined : this.bytes[b + FLAGS];
    evidence.window = icmp ? undefined : packed & 0xffff;
    evidence.tryNo = this.bytes[b + TRY];
    evidence.rttMs = this.roundedRtt(row);
    evidence.responder = responder !== target ? ipToString(responder) : undefined;
  }

  /** a TCP reply's window, or undefined for an ICMP reply */
  window(row: number): number | undefined {
    return this.bytes[row * BYTES + ICMP_TYPE] !== 0 ? undefined : this.words[row * 2 + 1] & 0xffff;
  }

  /** the TTL of a row's reply */
  ttl(row: number): number {
    return this.bytes[row * BYTES + TTL];
  }

  /** the address a row's reply came from */
  responder(row: number): number {
    return this.words[row * 2];
  }

  /** the REASONS ordinal of a row's reason */
  reasonOrdinal(row: number): number {
    return this.bytes[row * BYTES + REASON];
  }

  /** the PORT_STATES ordinal of a row's state */
  stateOrdinal(row: number): number {
    return this.bytes[row * BYTES + STATE];
  }

  /** a row's rtt as its evidence reads (rttMs): ms, rounded to the microsecond; undefined when unknown */
  roundedRtt(row: number): number | undefined {
    const rtt = this.rttMs[row];
    return Number.isNaN(rtt) ? undefined : Math.round(rtt * 1000) / 1000;
  }

  /**
   * A lookup from index to row + 1 (0 = no verdict) for indices below `size`:
   * a direct table when that is small, else a Map.
   */
  rowLookup(size: number): (index: number) => number {
    if (size <= DIRECT_TABLE_MAX) {
      const table = new Int32Array(size);
      for (let row = 0; row < this.count; row++) table[this.index[row]] = row + 1;
      return (index) => table[index];
    }
    const map = new Map<number, number>();
    for (let row = 0; row < this.count; row++) map.set(this.index[row], row + 1);
    return (index) => map.get(index) ?? 0;
  }

  private grow(): void {
    const n = this.index.length * 2;
    const index = new Float64Array(n);
    index.set(this.index);
    const bytes = new Uint8Array(n * BYTES);
    bytes.set(this.bytes);
    const words = new Uint32Array(n * 2);
    words.set(this.words);
    const rtt = new Float32Array(n);
    rtt.set(this.rttMs);
    this.index = index;
    this.bytes = bytes;
    this.words = words;
    this.rttMs = rtt;
  }
}

export function silentResult(space: ProbeSpace, port: number, slot: number): PortResult {
  const scan = space.kinds[slot];
  return {
    port,
    protocol: 'tcp',
    scan,
    state: space.silentStates[slot],
    reason: 'no-response',
    reasonTtl: 0,
  };
}
