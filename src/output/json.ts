// JSON output (-oJ): one document in a documented, versioned shape, described by
// docs/schema/rawscan-report.schema.json (JSON Schema draft 2020-12). The shape
// is built here field by field, never by dumping internal objects, so internal
// changes cannot leak into it; a change to it bumps JSON_FORMAT_VERSION.
//
// Every scanned port is listed (no collapsing: this is for programs), except
// that --open keeps only open, open|filtered and unfiltered ports; per-host
// stateCounts always count every port. Times are ISO 8601 UTC strings.
//
// Layout, for streaming: the scan's fields pretty-printed, then "hosts" with one
// host object per line, so the document is produced host by host. The JsonHost
// and JsonPort texts are written by json-text.ts, straight from the host's rows.

import type { PortResult, PortState, ScanReport, ScanStats, ScanType } from '../scan/types.js';
import type { Formatter, RenderOptions } from './types.js';
import { OPEN_ONLY_STATES, hostsUp, portRanges } from './port-view.js';
import { jsonText } from './json-text.js';
import { TextChunks } from './chunks.js';
import { iso } from './time.js';
import { portRows } from '../scan/port-rows.js';
import { middleboxFlags, type HostBaseline, type MiddleboxFlag } from '../audit/middlebox.js';
import type { FilterRange } from '../audit/stateful.js';

/** 2: hosts gained baseline and filtering, ports gained middlebox */
export const JSON_FORMAT_VERSION = 2;

/** The scan's fields, shared by the JSON document and the NDJSON header/footer. */
export interface JsonScanInfo {
  scanner: { name: 'rawscan'; version: string };
  args: string;
  scanTypes: ScanType[];
  /** nmap range list of the scanned TCP ports: "1-1024,8080" */
  ports: { tcp: string };
  portCount: number;
  startTime: string;
}

export interface JsonPort {
  port: number;
  protocol: 'tcp';
  scan: ScanType;
  state: PortState;
  reason: PortResult['reason'];
  reasonTtl: number;
  service?: string;
  evidence?: NonNullable<PortResult['evidence']>;
  /** the reply claims the target's address but differs from the host's baseline (src/audit/middlebox.ts) */
  middlebox?: MiddleboxFlag;
}

export interface JsonHost {
  address: string;
  hostname?: string;
  /** "unknown" when no probe was answered (rawscan does no host discovery) */
  status: 'up' | 'unknown';
  latencyMs?: number;
  startTime?: string;
  endTime?: string;
  /** per scan type, per state: number of ports, including those --open leaves out */
  stateCounts: Partial<Record<ScanType, Partial<Record<PortState, number>>>>;
  /** the TTL and RST window of the host's own replies, when it answered over TCP */
  baseline?: HostBaseline;
  /** SYN vs ACK labels per port range, when the scan had both (src/audit/stateful.ts) */
  filtering?: FilterRange[];
}

export const jsonFormatter: Formatter = {
  name: 'json',
  *render(report: ScanReport, opts: RenderOptions = {}): Iterable<string> {
    const head = {
      format: 'rawscan-report',
      formatVersion: JSON_FORMAT_VERSION,
      ...jsonScanInfo(report),
      endTime: iso(report.endTime),
      elapsedSeconds: elapsed(report),
      incomplete: report.incomplete,
      openOnly: opts.openOnly === true,
      summary: jsonSummary(report),
      stats: jsonStats(report.stats),
    };
    const out = new TextChunks();
    out.add(JSON.stringify(head, null, 2).replace(/\n}$/, ',\n  "hosts": [\n'));
    const text = jsonText(opts);
    const { hosts } = report;
    for (let i = 0; i < hosts.length; i++) {
      const { baseline, flags } = middleboxFlags(hosts[i]);
      const rows = portRows(hosts[i]);
      out.add(`    {${text.hostFields(hosts[i], baseline)},"ports":[`);
      let comma = '';
      for (let k = 0; k < rows.length; k++) {
        const p = rows.row(k);
        if (!keepPort(p, opts)) continue;
        out.add(`${comma}{${text.portFields(p, flags.size === 0 ? undefined : flags.get(k))}}`);
        comma = ',';
        if (out.ready) yield* out.take();
      }
      out.add(`]}${i === hosts.length - 1 ? '' : ','}\n`);
      yield* out.take();
    }
    out.add('  ]\n}\n');
    yield* out.end();
  },
};

export function jsonScanInfo(
  report: Pick<ScanReport, 'version' | 'args' | 'scanTypes' | 'ports' | 'startTime'>,
): JsonScanInfo {
  return {
    scanner: { name: 'rawscan', version: report.version },
    args: report.args,
    scanTypes: [...report.scanTypes],
    ports: { tcp: portRanges(report.ports) },
    portCount: report.ports.length,
    startTime: iso(report.startTime),
  };
}

export function keepPort(p: PortResult, opts: RenderOptions): boolean {
  return opts.openOnly !== true || OPEN_ONLY_STATES.has(p.state);
}

export function jsonPort(p: PortResult, opts: RenderOptions, middlebox?: MiddleboxFlag): JsonPort {
  return {
    port: p.port,
    protocol: p.protocol,
    scan: p.scan,
    state: p.state,
    reason: p.reason,
    reasonTtl: p.reasonTtl,
    service: p.service ?? opts.serviceName?.(p.port, p.protocol),
    evidence: p.evidence && jsonEvidence(p.evidence),
    middlebox,
  };
}

/** Copies the documented evidence fields only. */
function jsonEvidence(e: NonNullable<PortResult['evidence']>): NonNullable<PortResult['evidence']> {
  const { responder, ttl, ipId, window, tcpFlags, icmpType, icmpCode, tryNo, rttMs } = e;
  return { responder, ttl, ipId, window, tcpFlags, icmpType, icmpCode, tryNo, rttMs };
}

export function jsonStats(s: ScanStats): ScanStats {
  return {
    probesSent: s.probesSent,
    retransmissions: s.retransmissions,
    repliesAccepted: s.repliesAccepted,
    repliesRejected: s.repliesRejected,
    pcapReceived: s.pcapReceived,
    pcapDropped: s.pcapDropped,
    sendErrors: s.sendErrors,
    srttMs: s.srttMs,
    notes: [...s.notes],
  };
}

export function jsonSummary(report: ScanReport): { hostsTotal: number; hostsUp: number } {
  return { hostsTotal: report.hosts.length, hostsUp: hostsUp(report) };
}

export function elapsed(report: Pick<ScanReport, 'startTime' | 'endTime'>): number {
  return Math.max(0, report.endTime - report.startTime) / 1000;
}
