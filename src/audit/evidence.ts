// The evidence file (--evidence FILE): one JSON line per probe outcome — every
// (host, port, scan type) of the report, whatever its state — with the reply
// that decided it. docs/evidence.md documents the fields; in short:
//
//   {"address":"198.19.0.1","port":25,"protocol":"tcp","scan":"syn","state":"filtered",
//    "reason":"admin-prohibited","responder":"198.19.0.1","ttl":64,"ipId":4711,
//    "icmpType":3,"icmpCode":13,"tryNo":0,"rttMs":0.034,"filter":"blocked"}
//
// responder is always written for an answered probe (the target itself or,
// e.g., a firewall's ICMP); a silent probe has reason no-response and no reply
// fields. filter is the port's stateful/stateless label when the report has SYN
// and ACK results for it (stateful.ts); middlebox is present when the reply
// claims the target's address but its TTL or RST window differs from the
// host's baseline (middlebox.ts).
import type { HostResult, PortEvidence, PortResult, ScanReport } from '../scan/types.js';
import { portRows } from '../scan/port-rows.js';
import { middleboxFlags, type MiddleboxFlag } from './middlebox.js';
import { portFilterLabels, type FilterLabel } from './stateful.js';

/** One line of --evidence: the port's verdict with its PortEvidence fields inlined. */
export interface EvidenceRecord extends PortEvidence {
  address: string;
  hostname?: string;
  port: number;
  protocol: 'tcp';
  scan: PortResult['scan'];
  state: PortResult['state'];
  reason: PortResult['reason'];
  filter?: FilterLabel;
  middlebox?: MiddleboxFlag;
}

/** The file's lines, host by host: each host's results in report order. */
export function* evidenceLines(report: ScanReport): Iterable<string> {
  for (const host of report.hosts) {
    let lines = '';
    for (const record of hostEvidence(host)) {
      lines += `${JSON.stringify(record)}\n`;
      // Yielded in chunks: one string of 65535 lines would be a deep rope.
      if (lines.length >= 16 * 1024) {
        yield lines;
        lines = '';
      }
    }
    yield lines;
  }
}

export function hostEvidence(host: HostResult): EvidenceRecord[] {
  const { flags } = middleboxFlags(host);
  const labels = portFilterLabels(host);
  const rows = portRows(host);
  const records: EvidenceRecord[] = [];
  for (let i = 0; i < rows.length; i++) {
    const p = rows.row(i);
    records.push(evidenceRecord(host, p, labels.get(p.port), flags.get(i)));
  }
  return records;
}

export function evidenceRecord(
  host: Pick<HostResult, 'address' | 'hostname'>,
  p: PortResult,
  filter?: FilterLabel,
  middlebox?: MiddleboxFlag,
): EvidenceRecord {
  const record: EvidenceRecord = {
    address: host.address,
    hostname: host.hostname,
    port: p.port,
    protocol: p.protocol,
    scan: p.scan,
    state: p.state,
    reason: p.reason,
  };
  const e = p.evidence;
  if (e !== undefined && p.reason !== 'no-response') {
    record.responder = e.responder ?? host.address;
    record.ttl = e.ttl;
    record.ipId = e.ipId;
    record.window = e.window;
    record.tcpFlags = e.tcpFlags;
    record.icmpType = e.icmpType;
    record.icmpCode = e.icmpCode;
    record.tryNo = e.tryNo;
    record.rttMs = e.rttMs;
  }
  record.filter = filter;
  record.middlebox = middlebox;
  return record;
}
