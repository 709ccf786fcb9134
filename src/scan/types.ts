// Domain types shared by the orchestrator, the formatters and the audit code.
// The ordinal tables mirror native/probe/types.h value for value.

export const PORT_STATES = [
  'open',
  'closed',
  'filtered',
  'unfiltered',
  'open|filtered',
  'closed|filtered',
] as const;
export type PortState = (typeof PORT_STATES)[number];

export const PROBE_KINDS = ['syn', 'fin', 'null', 'xmas', 'ack', 'window', 'maimon', 'custom'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

export const REASONS = [
  'no-response',
  'syn-ack',
  'reset',
  'net-unreach',
  'host-unreach',
  'proto-unreach',
  'port-unreach',
  'net-prohibited',
  'host-prohibited',
  'admin-prohibited',
  'time-exceeded',
  'icmp-unreach',
  'syn',
  'ack',
  // Reasons that only the TypeScript side assigns (connect scan):
  'conn-refused',
] as const;
export type Reason = (typeof REASONS)[number];

const ordinals = <T extends string>(values: readonly T[]): ReadonlyMap<T, number> =>
  new Map(values.map((v, i) => [v, i]));
/** Each value's index in PORT_STATES, PROBE_KINDS, REASONS: the ordinals of the native records. */
export const STATE_ORDINAL = ordinals(PORT_STATES);
export const KIND_ORDINAL = ordinals(PROBE_KINDS);
export const REASON_ORDINAL = ordinals(REASONS);

/** The scan types a user asks for; the connect scan needs no native engine. */
export type ScanType = ProbeKind | 'connect';

/** nmap's names for scan types, as in <scaninfo type="..."> */
export const NMAP_SCAN_NAMES: Record<ScanType, string> = {
  syn: 'syn',
  fin: 'fin',
  null: 'null',
  xmas: 'xmas',
  ack: 'ack',
  window: 'window',
  maimon: 'maimon',
  custom: 'syn',
  connect: 'connect',
};

/**
 * The state of a port whose probes all went unanswered, per scan type. A custom
 * probe takes its base kind's (ScanPlan.customBase, ProbeSpace.silentStates);
 * the 'custom' entry is that of the default base, SYN.
 */
export const SILENT_STATE: Record<ScanType, PortState> = {
  syn: 'filtered',
  fin: 'open|filtered',
  null: 'open|filtered',
  xmas: 'open|filtered',
  ack: 'filtered',
  window: 'filtered',
  maimon: 'open|filtered',
  custom: 'filtered',
  connect: 'filtered',
};

/** One validated reply, decoded from a native reply record. */
export interface ReplyRecord {
  state: PortState;
  reason: Reason;
  kind: ProbeKind;
  /** probed address, host-order u32 */
  target: number;
  port: number;
  /** transmission that was answered: 0 = first */
  tryNo: number;
  ttl: number;
  /** address that sent the reply, host-order u32 (a router for some ICMP) */
  responder: number;
  window: number;
  ipId: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  /** monotonic ms (same clock as addon.monotonicMs()) */
  time: number;
}

/** The evidence behind one port's verdict. */
export interface PortEvidence {
  /** dotted quad of the replier, when it differs from the target */
  responder?: string;
  ttl?: number;
  ipId?: number;
  window?: number;
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  /** try that was answered (0 = first transmission) */
  tryNo?: number;
  /** round-trip time of the answered probe, ms */
  rttMs?: number;
}

export interface PortResult {
  port: number;
  protocol: 'tcp';
  scan: ScanType;
  state: PortState;
  reason: Reason;
  /** TTL of the reply that decided the state (nmap's reason_ttl) */
  reasonTtl: number;
  service?: string;
  evidence?: PortEvidence;
}

/**
 * A host of a report. A raw scan's hosts are LazyPortsHost objects whose
 * address and ports are getters: copy a host field by field, not by spread.
 */
export interface HostResult {
  /** dotted quad */
  address: string;
  hostname?: string;
  /** every scanned port, sorted by port then scan type */
  ports: PortResult[];
  startTime?: number;
  endTime?: number;
}

export interface ScanStats {
  probesSent: number;
  retransmissions: number;
  repliesAccepted: number;
  repliesRejected: number;
  pcapReceived: number;
  pcapDropped: number;
  sendErrors: number;
  /** srtt at the end of the scan, ms */
  srttMs?: number;
  notes: string[];
}

/** The counters of ScanStats: summed when reports are merged, read back from JSON. */
export const STAT_COUNTERS = [
  'probesSent',
  'retransmissions',
  'repliesAccepted',
  'repliesRejected',
  'pcapReceived',
  'pcapDropped',
  'sendErrors',
] as const;

/** ScanStats with every counter at zero. */
export function emptyStats(notes: string[] = []): ScanStats {
  const stats = { notes } as ScanStats;
  for (const key of STAT_COUNTERS) stats[key] = 0;
  return stats;
}

export interface ScanReport {
  scanner: 'rawscan';
  version: string;
  /** the command line as typed */
  args: string;
  scanTypes: ScanType[];
  /** ports scanned, sorted, per protocol (tcp only for now) */
  ports: number[];
  /** ms since epoch */
  startTime: number;
  endTime: number;
  hosts: HostResult[];
  stats: ScanStats;
  /** true when the scan was interrupted before every probe was answered or timed out */
  incomplete: boolean;
  /** nmap's verbosity / debugging levels, for XML */
  verbose: number;
}

/** The targets of a scan, indexed 0 .. size-1 (src/targets/target-set.ts has this shape). */
export interface TargetList {
  readonly size: number;
  /** the index-th address, host-order u32 */
  at(index: number): number;
  /** names the user gave, by address */
  readonly hostnames?: ReadonlyMap<number, string>;
}

/** What a raw scan probes: every target x port x probe kind, once (plus retries). */
export interface ScanPlan {
  targets: TargetList;
  /** ports to probe; order and duplicates do not matter */
  ports: number[];
  /** probe kinds in slot order: the same order as EngineConfig.kinds */
  scanTypes: ProbeKind[];
  /**
   * For a 'custom' slot (--scanflags): the kind whose rules classify its replies
   * (EngineConfig.customBase), and so whose SILENT_STATE a silent probe gets. Default 'syn'.
   */
  customBase?: ProbeKind;
}
