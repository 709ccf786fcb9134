// What changed between two scan results of the same scan: hosts gone and new,
// and, per host present in both, every port whose state changed (per scan
// type), with both verdicts and their reasons. A change of reason alone (same
// state) is not a change. Ports are matched by (port, scan type); a port that
// only one result has counts as changed, with the other side null.
//
// The two results must be of the same format (rawscan JSON, or nmap XML — from
// nmap and from rawscan alike) and of the same scan types; --force compares
// different scan types anyway (one against the other when each file has one,
// else the types they share).

import { UsageError } from '../cli/errors.js';
import type { HostResult, PortResult, ScanType } from '../scan/types.js';
import type { ScanResult } from './types.js';
import { FORMAT_NAMES } from './types.js';

/** Errors of diff exit with 2 (1 means "changed"). */
const DIFF_ERROR = 2;

export interface DiffOptions {
  /** compare results of different scan types */
  force?: boolean;
}

/** One port whose verdict differs; null where one result does not have the port. */
export interface PortChange {
  port: number;
  /** the scan type of the port in the old and in the new result (they differ only with --force) */
  oldScan: ScanType;
  newScan: ScanType;
  old: PortResult | null;
  new: PortResult | null;
}

export interface HostChange {
  address: string;
  hostname?: string;
  /** by port, then scan type */
  ports: PortChange[];
}

export interface ResultDiff {
  old: ScanResult;
  new: ScanResult;
  /** scan types compared, old → new */
  scanPairs: [ScanType, ScanType][];
  /** in the old result only */
  hostsGone: HostResult[];
  /** in the new result only */
  hostsNew: HostResult[];
  /** in both, with at least one changed port */
  hostsChanged: HostChange[];
}

export function diffResults(old: ScanResult, neu: ScanResult, opts: DiffOptions = {}): ResultDiff {
  checkSameFormat(old, neu);
  const scanPairs = pairScanTypes(old, neu, opts.force === true);
  const newHosts = new Map(neu.report.hosts.map((h) => [h.address, h]));
  const oldAddresses = new Set(old.report.hosts.map((h) => h.address));
  const diff: ResultDiff = { old, new: neu, scanPairs, hostsGone: [], hostsNew: [], hostsChanged: [] };
  for (const host of old.report.hosts) {
    const other = newHosts.get(host.address);
    if (!other) {
      diff.hostsGone.push(host);
      continue;
    }
    const ports = diffPorts(host, other, scanPairs);
    if (ports.length > 0)
      diff.hostsChanged.push({ address: host.address, hostname: other.hostname ?? host.hostname, ports });
  }
  diff.hostsNew = neu.report.hosts.filter((h) => !oldAddresses.has(h.address));
  return diff;
}

export function isIdentical(diff: ResultDiff): boolean {
  return diff.hostsGone.length === 0 && diff.hostsNew.length === 0 && diff.hostsChanged.length === 0;
}

function checkSameFormat(old: ScanResult, neu: ScanResult): void {
  if (old.format === neu.format) return;
  throw new UsageError(
    `${old.path} is ${FORMAT_NAMES[old.format]} and ${neu.path} is ${FORMAT_NAMES[neu.format]}: ` +
      'compare results of the same format — re-run with -oJ for both or -oX for both',
    DIFF_ERROR,
  );
}

/** The (old, new) scan types to compare. */
function pairScanTypes(old: ScanResult, neu: ScanResult, force: boolean): [ScanType, ScanType][] {
  const a = old.report.scanTypes;
  const b = neu.report.scanTypes;
  const same = a.length === b.length && a.every((t) => b.includes(t));
  if (same) return a.map((t) => [t, t]);
  const where = (r: ScanResult): string =>
    `${r.path} (${r.scanTypesAt}) has scan types ${r.report.scanTypes.join(', ')}`;
  if (!force)
    throw new UsageError(
      `${where(old)} but ${where(neu)}: diff results of the same scan types, or add --force to compare them anyway`,
      DIFF_ERROR,
    );
  if (a.length === 1 && b.length === 1) return [[a[0], b[0]]];
  const shared = a.filter((t) => b.includes(t));
  if (shared.length === 0)
    throw new UsageError(
      `${where(old)} and ${where(neu)}: with several scan types, --force compares only shared ones, and there are none`,
      DIFF_ERROR,
    );
  return shared.map((t) => [t, t]);
}

function diffPorts(old: HostResult, neu: HostResult, pairs: [ScanType, ScanType][]): PortChange[] {
  const changes: PortChange[] = [];
  for (const [oldScan, newScan] of pairs) {
    const before = new Map(old.ports.filter((p) => p.scan === oldScan).map((p) => [p.port, p]));
    const after = new Map(neu.ports.filter((p) => p.scan === newScan).map((p) => [p.port, p]));
    for (const [port, was] of before) {
      const now = after.get(port) ?? null;
      if (!now || now.state !== was.state) changes.push({ port, oldScan, newScan, old: was, new: now });
    }
    for (const [port, now] of after) {
      if (!before.has(port)) changes.push({ port, oldScan, newScan, old: null, new: now });
    }
  }
  const order = pairs.map(([scan]) => scan);
  return changes.sort((x, y) => x.port - y.port || order.indexOf(x.oldScan) - order.indexOf(y.oldScan));
}
