// Joins the results of the shards of one scan (`--shard K/N` with one --seed,
// run on N machines) into one ScanReport: the union of hosts and, per host, of
// port results. Shards partition (target, port, scan type) probes, so a host
// usually appears in every shard with part of its ports.
//
// Invariants checked, each failure a UsageError naming both files:
// - every file has the same scan types and the same scanned port list;
// - a (host, port, scan type) that two files both have has one state there;
// - from the command lines, when they carry them: one --seed, one shard count,
//   no shard given twice.
// Not errors but warnings: shards missing by number, hosts with probes that no
// file has (a missing or interrupted shard).
//
// The merged report: startTime the earliest, endTime the latest, stats summed
// (srttMs: the largest), incomplete if any file is, hosts in address order.

import { UsageError } from '../cli/errors.js';
import {
  emptyStats,
  STAT_COUNTERS,
  type HostResult,
  type PortResult,
  type ScanReport,
  type ScanStats,
  type ScanType,
} from '../scan/types.js';
import { firstDifference } from './ranges.js';
import type { ScanResult } from './types.js';

export interface MergeOptions {
  /** rawscan's version, for the merged report */
  version: string;
  /** the merge command line, for the merged report's args */
  args: string;
}

export interface MergedScan {
  report: ScanReport;
  /** things the user should know that do not stop the merge */
  warnings: string[];
}

interface Sourced {
  result: PortResult;
  from: ScanResult;
}

export function mergeResults(results: ScanResult[], opts: MergeOptions): MergedScan {
  if (results.length === 0) throw new UsageError('merge needs at least one scan result file');
  const first = results[0];
  for (const r of results) checkMergeable(first, r);
  const warnings = checkShards(results);
  const report: ScanReport = {
    scanner: 'rawscan',
    version: opts.version,
    args: opts.args,
    scanTypes: [...first.report.scanTypes],
    ports: [...first.report.ports],
    startTime: Math.min(...results.map((r) => r.report.startTime)),
    endTime: Math.max(...results.map((r) => r.report.endTime)),
    hosts: mergeHosts(results),
    stats: mergeStats(results),
    incomplete: results.some((r) => r.report.incomplete),
    verbose: Math.max(...results.map((r) => r.report.verbose)),
  };
  warnings.push(...missingProbes(report));
  return { report, warnings };
}

function checkMergeable(first: ScanResult, other: ScanResult): void {
  if (other.openOnly)
    throw new UsageError(
      `${other.path} was written with --open and lists only open ports: merge needs every port; re-run that shard without --open`,
    );
  const a = first.report;
  const b = other.report;
  if (a.scanTypes.join() !== b.scanTypes.join())
    throw new UsageError(
      `${first.path} (${first.scanTypesAt}) has scan types ${a.scanTypes.join(', ')} but ${other.path} ` +
        `(${other.scanTypesAt}) has ${b.scanTypes.join(', ')}: merge only shards of one scan (same -s flags)`,
    );
  const ports = firstDifference(a.ports, b.ports);
  if (ports !== undefined)
    throw new UsageError(
      `${first.path} and ${other.path} scanned different ports (${ports}): merge only shards of one scan (same -p)`,
    );
}

/** --shard K/N and --seed as typed on each file's command line */
function shardOf(args: string): { index: number; count: number; seed?: string } | undefined {
  const shard = /--shard[= ](\d+)\/(\d+)/.exec(args);
  if (!shard) return undefined;
  const seed = /--seed[= ](\S+)/.exec(args)?.[1];
  return { index: Number(shard[1]), count: Number(shard[2]), seed };
}

function checkShards(results: ScanResult[]): string[] {
  const seen = new Map<number, ScanResult>();
  let reference: { result: ScanResult; count: number; seed?: string } | undefined;
  for (const r of results) {
    const shard = shardOf(r.report.args);
    if (!shard) continue;
    reference ??= { result: r, ...shard };
    const ref = reference.result.path;
    if (shard.count !== reference.count)
      throw new UsageError(
        `${ref} is one of ${reference.count} shards but ${r.path} one of ${shard.count}: merge shards of one scan`,
      );
    if (shard.seed !== reference.seed)
      throw new UsageError(
        `${ref} was scanned with --seed ${reference.seed ?? '(none)'} but ${r.path} with --seed ${shard.seed ?? '(none)'}: ` +
          'shards partition the scan only with the same seed',
      );
    const twin = seen.get(shard.index);
    if (twin)
      throw new UsageError(
        `${twin.path} and ${r.path} are both shard ${shard.index}/${shard.count}: give each shard once`,
      );
    seen.set(shard.index, r);
  }
  if (!reference || seen.size === reference.count) return [];
  const missing = Array.from({ length: reference.count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  return [
    `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${reference!.count}`).join(', ')} not given: the merged result is partial`,
  ];
}

function mergeHosts(results: ScanResult[]): HostResult[] {
  const hosts = new Map<string, { host: HostResult; ports: Map<string, Sourced> }>();
  for (const from of results) {
    for (const h of from.report.hosts) {
      let entry = hosts.get(h.address);
      if (!entry) {
        entry = { host: { address: h.address, ports: [] }, ports: new Map() };
        hosts.set(h.address, entry);
      }
      mergeHostFields(entry.host, h);
      for (const result of h.ports) addPort(entry.ports, h.address, { result, from });
    }
  }
  const order = results[0].report.scanTypes;
  const merged = [...hosts.values()].map(({ host, ports }) => {
    host.ports = [...ports.values()]
      .map((s) => s.result)
      .sort((a, b) => a.port - b.port || order.indexOf(a.scan) - order.indexOf(b.scan));
    return host;
  });
  return merged.sort((a, b) => compareAddresses(a.address, b.address));
}

function mergeHostFields(into: HostResult, from: HostResult): void {
  if (into.hostname === undefined && from.hostname !== undefined) into.hostname = from.hostname;
  if (from.startTime !== undefined) into.startTime = Math.min(into.startTime ?? Infinity, from.startTime);
  if (from.endTime !== undefined) into.endTime = Math.max(into.endTime ?? -Infinity, from.endTime);
}

function addPort(ports: Map<string, Sourced>, address: string, next: Sourced): void {
  const key = `${next.result.port}/${next.result.scan}`;
  const earlier = ports.get(key);
  if (!earlier) {
    ports.set(key, next);
    return;
  }
  const a = earlier.result;
  const b = next.result;
  if (a.state === b.state) return;
  throw new UsageError(
    `${address} port ${a.port}/tcp (${a.scan} scan) is ${a.state} (${a.reason}) in ${earlier.from.path} ` +
      `${earlier.from.where(address, a)} but ${b.state} (${b.reason}) in ${next.from.path} ${next.from.where(address, b)}: ` +
      'shards of one scan never probe a port twice; are these results of different scans?',
  );
}

function mergeStats(results: ScanResult[]): ScanStats {
  const stats: ScanStats = emptyStats([
    `merged from ${results.length} file${results.length === 1 ? '' : 's'}: ${results.map((r) => r.path).join(', ')}`,
  ]);
  for (const { report } of results) {
    for (const key of STAT_COUNTERS) stats[key] += report.stats[key];
    const srtt = report.stats.srttMs;
    if (srtt !== undefined) stats.srttMs = Math.max(stats.srttMs ?? 0, srtt);
    for (const note of report.stats.notes) if (!stats.notes.includes(note)) stats.notes.push(note);
  }
  return stats;
}

/** Hosts for which no file has some (port, scan type) of the scan. */
function missingProbes(report: ScanReport): string[] {
  const expected = report.ports.length * report.scanTypes.length;
  const short = report.hosts.filter((h) => h.ports.length < expected);
  if (short.length === 0) return [];
  const missing = short.reduce((sum, h) => sum + expected - h.ports.length, 0);
  const example = short[0];
  const probe = firstMissing(example, report.ports, report.scanTypes);
  return [
    `${missing} probe result${missing === 1 ? '' : 's'} missing on ${short.length} host${short.length === 1 ? '' : 's'} ` +
      `(e.g. ${example.address} port ${probe}): a shard is missing or was interrupted`,
  ];
}

function firstMissing(host: HostResult, ports: number[], scans: ScanType[]): string {
  const have = new Set(host.ports.map((p) => `${p.port}/${p.scan}`));
  for (const port of ports)
    for (const scan of scans) if (!have.has(`${port}/${scan}`)) return `${port}/tcp, ${scan} scan`;
  return '?';
}

/** IPv4 numerically, then anything else (IPv6 from nmap) as text. */
function compareAddresses(a: string, b: string): number {
  const key = (s: string): number => {
    const parts = s.split('.');
    if (parts.length !== 4 || parts.some((x) => !/^\d{1,3}$/.test(x))) return Infinity;
    return parts.reduce((n, x) => n * 256 + Number(x), 0);
  };
  const ka = key(a);
  const kb = key(b);
  if (ka !== kb) return ka - kb;
  return a < b ? -1 : a > b ? 1 : 0;
}
