// The scanner of `rawscan audit`: one scan per probe group of the plan (a zone's
// hosts × the ports that test its rules), raw through the native engine or
// connect, merged into the one report the verdicts read. With ACK evidence the
// raw scans run SYN and ACK probes together (results per scan type).
// openAuditScans opens every group's engine before the first scan runs (each
// zone has its own route, and so its own engine), so that the command can drop
// its privileges in between: a dropped process cannot open another engine.
// An engine waiting for its turn captures the earlier scans' ICMP errors too;
// its own cookie key rejects them once it starts.
import type { AuditPlan } from '../audit/audit.js';
import { runConnectScan } from '../scan/connect-report.js';
import {
  emptyStats,
  STAT_COUNTERS,
  type HostResult,
  type PortResult,
  type ScanReport,
  type ScanStats,
  type ScanType,
} from '../scan/types.js';
import { loadTargets } from '../targets/load.js';
import type { TargetSet } from '../targets/target-set.js';
import { openRawScan, ringBytesPerEngine, type OpenedRawScan } from './raw-scan.js';
import { validateScanArgs, type RawScanArgs, type ScanSettings } from './scan-options.js';
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

/** The plan's scans, ready to run: raw ones hold open engines. */
export interface AuditScans {
  /** runs the group scans one after another (an aborted signal skips the rest) and merges their reports; once */
  run(): Promise<ScanReport>;
  /** closes the engines of scans that did not run; idempotent */
  close(): Promise<void>;
}

/** A probe group with its hosts read. */
interface GroupScan {
  targets: TargetSet;
  ports: number[];
}

/**
 * Reads every group's hosts and, for a raw plan, opens every group's engine
 * (UsageError when one cannot open). Groups without ports are left out.
 */
export async function openAuditScans(plan: AuditPlan, options: AuditScanOptions): Promise<AuditScans> {
  const scanTypes: ScanType[] =
    plan.scan === 'connect' ? ['connect'] : options.ack ? ['syn', 'ack'] : ['syn'];
  const settings = validateScanArgs(
    { ...options.scanArgs, n: true, scan: scanTypes },
    plan.scan !== 'connect',
  );
  const groups: GroupScan[] = [];
  for (const group of plan.groups) {
    if (group.ports.length > 0)
      groups.push({ targets: await loadTargets({ specs: group.hosts }), ports: group.ports });
  }
  const runAll = (scans: (() => Promise<ScanReport>)[]) => runInTurn(scans, scanTypes, options);
  if (plan.scan === 'connect') {
    const connectOptions = {
      timing: settings.timing,
      maxRetries: settings.maxRetries,
      signal: options.signal,
      commandLine: options.commandLine,
      version: VERSION,
      verbose: options.verbose,
    };
    const scans = groups.map((g) => () => runConnectScan(g.targets, g.ports, connectOptions));
    return { run: () => runAll(scans), close: async () => {} };
  }
  const opened = await openEngines(groups, settings, options);
  return {
    run: () => runAll(opened.map((scan) => () => scan.run())),
    close: async () => {
      await Promise.all(opened.map((scan) => scan.close()));
    },
  };
}

/** One open engine per group, all sharing the ring budget; on failure the ones opened are closed again. */
async function openEngines(
  groups: GroupScan[],
  settings: ScanSettings,
  options: AuditScanOptions,
): Promise<OpenedRawScan[]> {
  const opened: OpenedRawScan[] = [];
  try {
    for (const { targets, ports } of groups) {
      const probes = targets.size * ports.length * settings.scanTypes.length;
      opened.push(
        await openRawScan({
          targets,
          ports,
          settings,
          device: options.device,
          source: options.source,
          signal: options.signal,
          commandLine: options.commandLine,
          verbose: options.verbose,
          pcapBufferBytes: ringBytesPerEngine(groups.length, probes),
        }),
      );
    }
    return opened;
  } catch (err) {
    await Promise.all(opened.map((scan) => scan.close()));
    throw err;
  }
}

/** Runs scans one after another until the signal aborts; one merged report. */
async function runInTurn(
  scans: (() => Promise<ScanReport>)[],
  scanTypes: ScanType[],
  options: AuditScanOptions,
): Promise<ScanReport> {
  const reports: ScanReport[] = [];
  for (const scan of scans) {
    if (options.signal?.aborted) break;
    reports.push(await scan());
  }
  return mergeReports(reports, scanTypes, options);
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
  const stats: ScanStats = emptyStats();
  for (const report of reports) {
    report.ports.forEach((port) => ports.add(port));
    for (const key of STAT_COUNTERS) stats[key] += report.stats[key];
    stats.notes.push(...report.stats.notes);
    for (const host of report.hosts) {
      let entry = hosts.get(host.address);
      if (!entry) {
        const { address, hostname, startTime, endTime } = host;
        entry = { host: { address, hostname, startTime, endTime, ports: [] }, seen: new Set() };
        hosts.set(address, entry);
      }
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
