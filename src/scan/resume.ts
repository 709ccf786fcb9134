// The resume journal behind --resume FILE: an append-only NDJSON file.
//
//   line 1    {"rawscanResume":1,"seed":"<u64 decimal>","identity":{...}}
//   then      {"i":<index>,"a":"198.19.0.1","p":80,"k":"syn","s":"open","r":"syn-ack","e":{...}}
//
// The header holds the scan's identity (what decides the index space and the
// probes: scan types, ports, targets, probe options) and the permutation seed;
// each further line is one decided probe: its index in the ProbeSpace, the
// (address, port, kind) that index must decode to, its state, reason and the
// evidence of the reply (PortEvidence; none when it stayed silent).
//
// Durability: lines are appended in batches, each batch one write followed by
// fdatasync. A kill -9 can only tear the last line; reading ignores a torn
// last line and the writer cuts it off before appending. A probe whose line
// was lost is simply probed again.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ipToString, parseIpv4 } from '../targets/ipv4.js';
import type { ProbeSpace } from './probe-space.js';
import {
  PORT_STATES,
  PROBE_KINDS,
  REASONS,
  type PortEvidence,
  type PortResult,
  type ReplyRecord,
} from './types.js';

/** A probe decided by an earlier run of the same scan (same plan and seed): ScanOptions.decided. */
export interface DecidedProbe {
  /** its index in the scan's ProbeSpace */
  index: number;
  /** the reply that decided it; null when every try stayed silent */
  reply: ReplyRecord | null;
  /** RTT of the answered try, ms; NaN when unknown */
  rttMs: number;
}

export const JOURNAL_VERSION = 1;
/** Lines gathered before a batch is written regardless of the flush timer. */
const BATCH_LINES = 2048;
/** Longest a decided probe waits in memory before its batch is written, ms. */
const FLUSH_MS = 250;

/** What must be equal for two runs to be the same scan. */
export interface ScanIdentity {
  scanTypes: string[];
  /** "<count>:<sha256 prefix>" of the sorted, unique ports */
  ports: string;
  /** "<count>:<sha256 prefix>" of the normalized target intervals */
  targets: string;
  /** options that change the probes, so the replies (TTL, payload, flags...) */
  probe: Record<string, string | number | boolean>;
}

export interface JournalHeader {
  rawscanResume: number;
  seed: string;
  identity: ScanIdentity;
}

/** A journal as read: the header (null when there is none yet) and the verdict lines. */
export interface JournalContents {
  header: JournalHeader | null;
  verdicts: { lineNo: number; text: string }[];
  /** bytes of whole, valid lines: the writer truncates the file to this length */
  validBytes: number;
}

export function scanIdentity(
  scanTypes: readonly string[],
  ports: Iterable<number>,
  targetIntervals: Iterable<[number, number]>,
  probe: ScanIdentity['probe'],
): ScanIdentity {
  const uniquePorts = Uint16Array.from(new Set(ports)).sort();
  const bounds: number[] = [];
  for (const [first, last] of targetIntervals) bounds.push(first, last);
  const addresses = bounds.reduce((n, v, i) => (i % 2 === 1 ? n + v - bounds[i - 1] + 1 : n), 0);
  return {
    scanTypes: [...scanTypes],
    ports: `${uniquePorts.length}:${digest(uniquePorts)}`,
    targets: `${addresses}:${digest(Uint32Array.from(bounds))}`,
    probe: { ...probe },
  };
}

function digest(values: Uint16Array | Uint32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex')
    .slice(0, 32);
}

/** The parts of two identities that differ, by name ("ports", "probe.ttl"...). */
export function identityDifferences(a: ScanIdentity, b: ScanIdentity): string[] {
  const diff: string[] = [];
  if (a.scanTypes.join(',') !== b.scanTypes.join(',')) diff.push('scan types');
  if (a.ports !== b.ports) diff.push('ports');
  if (a.targets !== b.targets) diff.push('targets');
  const keys = new Set([...Object.keys(a.probe), ...Object.keys(b.probe)]);
  for (const key of keys) if (a.probe[key] !== b.probe[key]) diff.push(`--${key}`);
  return diff;
}

export function headerLine(seed: bigint, identity: ScanIdentity): string {
  const header: JournalHeader = { rawscanResume: JOURNAL_VERSION, seed: seed.toString(), identity };
  return JSON.stringify(header) + '\n';
}

/**
 * Splits a journal into header and verdict lines. A last line without its
 * newline, or one that is not JSON, is torn (kill -9 during a write) and left
 * out of validBytes. Throws Error for a header of another format or version.
 */
export function readJournal(bytes: Buffer): JournalContents {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--; // a crash may leave zero-filled blocks
  const lines = bytes.subarray(0, end).toString('utf8').split('\n');
  const verdicts: JournalContents['verdicts'] = [];
  let header: JournalHeader | null = null;
  let validBytes = 0;
  for (let n = 0; n < lines.length - 1; n++) {
    const text = lines[n];
    const last = n === lines.length - 2 && lines[n + 1] === '';
    if (n === 0) {
      const parsed = parseJson(text);
      if (parsed === undefined && last) break; // torn header: the file holds nothing yet
      header = checkHeader(parsed);
    } else {
      if (last && parseJson(text) === undefined) break;
      verdicts.push({ lineNo: n + 1, text });
    }
    validBytes += Buffer.byteLength(text, 'utf8') + 1;
  }
  return { header, verdicts, validBytes };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function checkHeader(value: unknown): JournalHeader {
  const h = value as Partial<JournalHeader> | undefined;
  if (h?.rawscanResume !== JOURNAL_VERSION || typeof h.seed !== 'string' || !/^\d{1,20}$/.test(h.seed)) {
    throw new Error(`its first line is not a rawscan resume header (version ${JOURNAL_VERSION})`);
  }
  if (typeof h.identity !== 'object' || h.identity === null)
    throw new Error('its header has no scan identity');
  return h as JournalHeader;
}

interface VerdictLine {
  i: number;
  a: string;
  p: number;
  k: string;
  s: string;
  r: string;
  e?: PortEvidence;
}

export function verdictLine(index: number, address: number, result: PortResult): string {
  const line: VerdictLine = {
    i: index,
    a: ipToString(address),
    p: result.port,
    k: result.scan,
    s: result.state,
    r: result.reason,
  };
  if (result.evidence) line.e = result.evidence;
  return JSON.stringify(line) + '\n';
}

/**
 * A verdict line as a DecidedProbe of `space`. Throws Error saying what is
 * wrong when the line does not describe a probe of this scan.
 */
export function decodeVerdict(text: string, space: ProbeSpace): DecidedProbe {
  const v = parseJson(text) as Partial<VerdictLine> | undefined;
  if (typeof v !== 'object' || v === null) throw new Error('not a JSON object');
  const { i, a, p, k, s, r } = v;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= space.size) {
    throw new Error(`index ${String(i)} is outside this scan's ${space.size} probes`);
  }
  space.decode(i);
  const address = typeof a === 'string' ? parseIpv4(a) : null;
  if (
    address !== space.targets.at(space.targetIndex) ||
    p !== space.ports[space.portIndex] ||
    k !== space.kinds[space.slot]
  ) {
    throw new Error(`index ${i} is not ${String(a)} port ${String(p)} ${String(k)} in this scan`);
  }
  if (!PORT_STATES.includes(s as never) || !REASONS.includes(r as never)) {
    throw new Error(`unknown state "${String(s)}" or reason "${String(r)}"`);
  }
  if (r === 'no-response') return { index: i, reply: null, rttMs: NaN };
  const e = v.e ?? {};
  const reply: ReplyRecord = {
    state: s as ReplyRecord['state'],
    reason: r as ReplyRecord['reason'],
    kind: PROBE_KINDS[PROBE_KINDS.indexOf(k as never)],
    target: address,
    port: p,
    tryNo: e.tryNo ?? 0,
    ttl: e.ttl ?? 0,
    responder: (e.responder === undefined ? null : parseIpv4(e.responder)) ?? address,
    window: e.window ?? 0,
    ipId: e.ipId ?? 0,
    tcpFlags: e.tcpFlags ?? 0,
    icmpType: e.icmpType ?? 0,
    icmpCode: e.icmpCode ?? 0,
    time: 0,
  };
  return { index: i, reply, rttMs: e.rttMs ?? NaN };
}

/**
 * Appends verdict lines to an open journal in batches (BATCH_LINES lines or
 * FLUSH_MS, whichever first), one write + fdatasync per batch, one batch at a
 * time. After a failed write it stops journaling and close() rejects with
 * that failure; the scan itself goes on.
 */
export class JournalWriter {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | null = null;
  private closed = false;

  constructor(private readonly file: FileHandle) {}

  record(index: number, address: number, result: PortResult): void {
    if (this.closed || this.failure) return;
    this.pending.push(verdictLine(index, address, result));
    if (this.pending.length >= BATCH_LINES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  /** Writes what is pending, waits for every batch, closes the file. Rejects with the first write failure. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.writing;
    await this.file.close();
    if (this.failure) throw this.failure;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.failure) return;
    const text = this.pending.join('');
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (this.failure) return;
      try {
        await this.file.write(text, null, 'utf8');
        await this.file.datasync();
      } catch (err) {
        this.failure = err as Error;
      }
    });
  }
}
