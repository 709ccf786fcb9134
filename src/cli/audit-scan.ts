// The scanner of `rawscan audit`: one scan per probe group of the plan (a zone's
// hosts × the ports that test its rules), raw through the native engine or
// connect, merged into the one report the verdicts read. With ACK evidence the
// raw scans run SYN and ACK probes together (results per scan type).
import type { AuditScanner, ProbeGroup } from '../audit/audit.js';
import { runConnectScan } from '../scan/connect-report.js';
import type { HostResult, PortResult, ScanReport, ScanStats, ScanType } from '../scan/types.js';
import { loadTargets } from '../targets/load.js';
import { runRawScan } from './raw-scan.js';
import { validateScanArgs, type RawScanArgs } from './scan-options.js';
import { VERSION } from './version.js';

export interface AuditScanOptions {
  /** timing and rate options as for scans (validated by validateScanArgs) */
  scanArgs: Omit<RawScanArgs, 'scan' | 'n'>;
  /** also probe with ACK (raw scans only): evidence of stateful filtering */
  ack: boolean;
  device?: string;
  source?: string;
  signal?: AbortSignal;
  commandLine: string;
  verbose: number;
}

export function auditScanner(options: AuditScanOptions): AuditScanner {
  return async (plan) => {
    const scanTypes: ScanType[] =
      plan.scan === 'connect' ? ['connect'] : options.ack ? ['syn', 'ack'] : ['syn'];
    const settings = validateScanArgs(
      { ...options.scanArgs, n: true, scan: scanTypes },
      plan.scan !== 'connect',
    );
    const reports: ScanReport[] = [];
    for (const group of plan.groups) {
      if (group.ports.length === 0 || options.signal?.aborted) continue;
      reports.push(await scanGroup(group, options, settings));
    }
    return mergeReports(reports, scanTypes, options);
  };
}

async function scanGroup(
  group: ProbeGroup,
  options: AuditScanOptions,
  settings: ReturnType<typeof validateScanArgs>,
): Promise<ScanReport> {
  const targets = await loadTargets({ specs: group.hosts });
  if (settings.scanTypes[0] === 'connect') {
    return runConnectScan(targets, group.ports, {
      timing: settings.timing,
      maxRetries: settings.maxRetries,
      signal: options.signal,
      commandLine: options.commandLine,
      version: VERSION,
      verbose: options.verbose,
    });
  }
  return runRawScan({
    targets,
    ports: group.ports,
    settings,
    device: options.device,
    source: options.source,
    signal: options.signal,
    commandLine: options.commandLine,
    verbose: options.verbose,
  });
}

/**
 * One report of the group scans: a host in several zones gets the union of its
 * ports (a port probed twice keeps its first result), sorted by port then scan
 * type; stats are summed and the report is incomplete if any scan was.
 */
export function mergeReports(
  reports: ScanReport[],
  scanTypes: ScanType[],
  options: Pick<AuditScanOptions, 'commandLine' | 'verbose' | 'signal'>,
): ScanReport {
  const hosts = new Map<string, { host: HostResult; seen: Set<string> }>();
  const ports = new Set<number>();
  const stats: ScanStats = {
    probesSent: 0,
    retransmissions: 0,
    repliesAccepted: 0,
    repliesRejected: 0,
    pcapReceived: 0,
    pcapDropped: 0,
    sendErrors: 0,
    notes: [],
  };
  for (const report of reports) {
    report.ports.forEach((port) => ports.add(port));
    for (const key of Object.keys(stats) as (keyof ScanStats)[]) {
      if (key !== 'notes' && key !== 'srttMs') stats[key] += report.stats[key];
    }
    stats.notes.push(...report.stats.notes);
    for (const host of report.hosts) {
      let entry = hosts.get(host.address);
      if (!entry) hosts.set(host.address, (entry = { host: { ...host, ports: [] }, seen: new Set() }));
      for (const p of host.ports) {
        const key = `${p.port}/${p.scan}`;
        if (entry.seen.has(key)) continue;
        entry.seen.add(key);
        entry.host.ports.push(p);
      }
    }
  }
  const slot = (p: PortResult) => scanTypes.indexOf(p.scan);
  const merged = [...hosts.values()].map(({ host }) => host);
  for (const host of merged) host.ports.sort((a, b) => a.port - b.port || slot(a) - slot(b));
  const now = Date.now();
  return {
    scanner: 'rawscan',
    version: VERSION,
    args: options.commandLine,
    scanTypes,
    ports: [...ports].sort((a, b) => a - b),
    startTime: Math.min(now, ...reports.map((r) => r.startTime)),
    endTime: Math.max(0, ...reports.map((r) => r.endTime)) || now,
    hosts: merged.sort((a, b) => addressOrder(a.address) - addressOrder(b.address)),
    stats,
    incomplete: reports.some((r) => r.incomplete) || options.signal?.aborted === true,
    verbose: options.verbose,
  };
}

function addressOrder(dotted: string): number {
  return dotted.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}
