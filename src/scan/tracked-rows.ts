// The hosts of a raw scan's report, read straight from the tracker: each host
// is a LazyPortsHost whose rows decode the probe index (ProbeSpace layout) and
// look up its Verdicts row, so the outputs make no object per port. A decided
// index without a row was silent: its slot's silent state, reason no-response.
import { ipToString } from '../targets/ipv4.js';
import type { ProbeSpace } from './probe-space.js';
import {
  LazyPortsHost,
  packRow,
  type PortRows,
  type ReplyFacts,
  type RowsMemo,
  type SlotTally,
} from './port-rows.js';
import { silentResult, type Verdicts } from './tracker.js';
import {
  PORT_STATES,
  REASONS,
  type HostResult,
  type PortEvidence,
  type PortResult,
  type ScanType,
} from './types.js';

const NO_RESPONSE = REASONS.indexOf('no-response');

/**
 * The hosts of the report. covered: the decided indices in ascending order, or
 * null when every index of the space was decided (a whole, complete scan).
 */
export function reportHosts(
  space: ProbeSpace,
  verdicts: Verdicts,
  covered: Float64Array | null,
): HostResult[] {
  const scan = new TrackedScan(space, verdicts, covered);
  const hosts: HostResult[] = [];
  const perTarget = space.ports.length * space.kinds.length;
  if (covered === null) {
    for (let t = 0; t < space.targets.size; t++) hosts.push(scan.host(t, t * perTarget, perTarget));
    return hosts;
  }
  // A host's decided indices are one run of the ascending list.
  for (let first = 0; first < covered.length;) {
    const targetIndex = space.targetOf(covered[first]);
    let end = first + 1;
    while (end < covered.length && space.targetOf(covered[end]) === targetIndex) end++;
    hosts.push(scan.host(targetIndex, first, end - first));
    first = end;
  }
  return hosts;
}

/**
 * A host of the report. Its address is written out when read, not kept with
 * the host: a /16 report's 65536 kept strings cost the garbage collector more
 * (~30 ms, moving them out of the young generation) than writing each once
 * per output. The scan keeps the last one written, for the outputs that read
 * a host's address once per port (NDJSON, evidence).
 */
class TrackedHost extends LazyPortsHost {
  constructor(private readonly tracked: TrackedRows) {
    super(tracked);
  }

  get address(): string {
    return this.tracked.address();
  }
}

/** What every host of one report reads; positions are indices into the decided list. */
class TrackedScan {
  private readonly rowOf: (index: number) => number;
  /** the one row object that every host's row() overwrites */
  private readonly cursor: PortResult = {
    port: 0,
    protocol: 'tcp',
    scan: 'syn',
    state: 'filtered',
    reason: 'no-response',
    reasonTtl: 0,
    evidence: undefined,
  };
  /** the decided position that cursor holds, -1 for none */
  private cursorAt = -1;
  private readonly evidence: PortEvidence = {
    responder: undefined,
    ttl: 0,
    ipId: 0,
    window: undefined,
    tcpFlags: undefined,
    icmpType: undefined,
    icmpCode: undefined,
    tryNo: 0,
    rttMs: undefined,
  };

  readonly kinds: readonly ScanType[];
  /** PORT_STATES ordinal of each slot's silent state */
  private readonly silentOrdinals: readonly number[];

  constructor(
    private readonly space: ProbeSpace,
    private readonly verdicts: Verdicts,
    private readonly covered: Float64Array | null,
  ) {
    this.rowOf = verdicts.rowLookup(space.size);
    this.kinds = space.kinds;
    this.silentOrdinals = space.silentStates.map((state) => PORT_STATES.indexOf(state));
  }

  /** A host of targetIndex whose results are the decided positions first .. first + length - 1. */
  host(targetIndex: number, first: number, length: number): HostResult {
    const target = this.space.targets.at(targetIndex);
    const base = targetIndex * this.space.ports.length * this.kinds.length;
    const host = new TrackedHost(new TrackedRows(this, first, length, base, target));
    const name = this.space.targets.hostnames?.get(target);
    if (name !== undefined) host.hostname = name;
    return host;
  }

  // The last position located (see locate).
  private slotAt = 0;
  private portAt = 0;
  /** its Verdicts row, -1 when it was silent */
  private rowAt = -1;

  /** Sets slotAt, portAt and rowAt from a position of the decided list; base is its target's first index. */
  private locate(position: number, base: number): void {
    const index = this.covered === null ? position : this.covered[position];
    // Within one target, index - base < ports x kinds: small-integer arithmetic.
    const offset = (index - base) | 0;
    const kinds = this.kinds.length;
    this.slotAt = offset % kinds;
    this.portAt = this.space.ports[(offset - this.slotAt) / kinds];
    this.rowAt = this.rowOf(index) - 1;
  }

  /**
   * The result at a position of the decided list, as the reused cursor; base
   * is the first index of the target, whose address is target.
   */
  row(position: number, base: number, target: number): PortResult {
    const { space, cursor } = this;
    // An output reads a host's rows several times over (liveness, listing, ports): a one-port host's one row.
    if (position === this.cursorAt) return cursor;
    this.cursorAt = position;
    this.locate(position, base);
    cursor.port = this.portAt;
    cursor.scan = space.kinds[this.slotAt];
    if (this.rowAt >= 0) {
      this.verdicts.readInto(this.rowAt, target, cursor, this.evidence);
    } else {
      cursor.state = space.silentStates[this.slotAt];
      cursor.reason = 'no-response';
      cursor.reasonTtl = 0;
      cursor.evidence = undefined;
    }
    return cursor;
  }

  /** Counts the decided positions first .. first + length - 1 of the target at base (PortRows.tally). */
  tally(first: number, length: number, base: number): SlotTally | undefined {
    const { verdicts, silentOrdinals } = this;
    const kinds = silentOrdinals.length;
    const states = PORT_STATES.length;
    const counts = new Array<number>(kinds * states).fill(0);
    let appeared = 0;
    let firstAnswered = -1;
    let latencyMs: number | undefined;
    for (let i = 0; i < length; i++) {
      this.locate(first + i, base);
      const slot = this.slotAt;
      if (slot >= appeared) {
        if (slot !== appeared) return undefined;
        appeared++;
      }
      const row = this.rowAt;
      if (row < 0) {
        counts[slot * states + silentOrdinals[slot]]++;
        continue;
      }
      counts[slot * states + verdicts.stateOrdinal(row)]++;
      if (firstAnswered < 0) firstAnswered = i;
      const rtt = verdicts.roundedRtt(row);
      if (rtt !== undefined && (latencyMs === undefined || rtt < latencyMs)) latencyMs = rtt;
    }
    return appeared === kinds ? { counts, firstAnswered, latencyMs } : undefined;
  }

  /** PortRows.packed of a position of the decided list; base is the target's first index */
  packed(position: number, base: number): number {
    this.locate(position, base);
    return this.packedAt();
  }

  /** PortRows.listed of a position of the decided list; base is the target's first index, whose address is target */
  listed(position: number, base: number, target: number): number {
    this.locate(position, base);
    const row = this.rowAt;
    if (row < 0) return this.packedAt();
    if (this.verdicts.responder(row) !== target) return -1;
    return this.packedAt() + this.verdicts.ttl(row) * 2 ** 32;
  }

  /** PortRows.reply of a position of the decided list; base is the target's first index, whose address is target */
  reply(position: number, base: number, target: number, out: ReplyFacts): boolean {
    this.locate(position, base);
    const { verdicts, rowAt: row } = this;
    if (row < 0 || verdicts.responder(row) !== target || verdicts.reasonOrdinal(row) === NO_RESPONSE)
      return false;
    out.ttl = verdicts.ttl(row);
    out.window = verdicts.window(row);
    out.tcp = out.window !== undefined;
    out.reason = REASONS[verdicts.reasonOrdinal(row)];
    out.scan = this.space.kinds[this.slotAt];
    return true;
  }

  /** packed() of the position locate() found last */
  private packedAt(): number {
    const { verdicts, slotAt: slot, portAt: port, rowAt: row } = this;
    return row < 0
      ? packRow(port, slot, this.silentOrdinals[slot], NO_RESPONSE)
      : packRow(port, slot, verdicts.stateOrdinal(row), verdicts.reasonOrdinal(row));
  }

  // The last address written (TrackedHost.address).
  private addressOf = -1;
  private addressText = '';

  /** the dotted quad of target */
  address(target: number): string {
    if (target !== this.addressOf) {
      this.addressOf = target;
      this.addressText = ipToString(target);
    }
    return this.addressText;
  }

  /** The result at a position of the decided list, an object of its own (see row) */
  result(position: number, base: number, target: number): PortResult {
    const { space } = this;
    this.locate(position, base);
    const { slotAt: slot, portAt: port, rowAt: row } = this;
    return row >= 0 ? this.verdicts.result(row, space, target, port, slot) : silentResult(space, port, slot);
  }
}

class TrackedRows implements PortRows {
  private slots: RowsMemo | undefined;

  constructor(
    private readonly scan: TrackedScan,
    private readonly first: number,
    readonly length: number,
    /** the target's first index */
    private readonly base: number,
    private readonly target: number,
  ) {}

  get scanTypes(): readonly ScanType[] {
    return this.scan.kinds;
  }

  /** made on first use: only hosts of many ports keep analyses (memoized) */
  get memo(): RowsMemo {
    return (this.slots ??= []);
  }

  row(i: number): PortResult {
    return this.scan.row(this.first + i, this.base, this.target);
  }

  result(i: number): PortResult {
    return this.scan.result(this.first + i, this.base, this.target);
  }

  tally(): SlotTally | undefined {
    return this.scan.tally(this.first, this.length, this.base);
  }

  packed(i: number): number {
    return this.scan.packed(this.first + i, this.base);
  }

  listed(i: number): number {
    return this.scan.listed(this.first + i, this.base, this.target);
  }

  reply(i: number, out: ReplyFacts): boolean {
    return this.scan.reply(this.first + i, this.base, this.target, out);
  }

  /** the host's address (TrackedHost.address) */
  address(): string {
    return this.scan.address(this.target);
  }
}
