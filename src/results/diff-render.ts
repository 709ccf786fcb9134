// A ResultDiff as text (ndiff's layout: "-" for the old result, "+" for the
// new, " " for context) or as a JSON document ("format": "rawscan-diff").
//
//   -rawscan 0.1.0 scan initiated Thu Jan 15 10:30:00 2026 as: rawscan -sS ...
//   +rawscan 0.1.0 scan initiated Thu Jan 22 10:30:00 2026 as: rawscan -sS ...
//
//    app.lab (198.18.0.3):
//    PORT      STATE   SERVICE   REASON
//   -8080/tcp  open    http-alt  syn-ack ttl 63
//   +8080/tcp  closed  http-alt  reset ttl 63
//
//   -198.18.0.4: host gone
//   -Not shown: 102 filtered ports

import type { HostResult, PortResult, ScanType } from '../scan/types.js';
import { jsonPort, type JsonPort } from '../output/json.js';
import { portSection, reasonText, serviceOf } from '../output/port-view.js';
import { ctime } from '../output/time.js';
import type { RenderOptions } from '../output/types.js';
import type { ResultDiff } from './diff.js';
import type { ScanResult } from './types.js';

export const DIFF_FORMAT_VERSION = 1;

type Sign = '-' | '+' | ' ';
type Row = [Sign, ...string[]];

export function renderDiffText(diff: ResultDiff, opts: RenderOptions = {}): string {
  const showScan = diff.scanPairs.length > 1 || diff.scanPairs.some(([a, b]) => a !== b);
  const out = [header('-', diff.old), header('+', diff.new)];
  for (const change of diff.hostsChanged) {
    const host = { address: change.address, hostname: change.hostname, ports: [] };
    const rows: Row[] = [[' ', 'PORT', 'STATE', 'SERVICE', 'REASON', ...(showScan ? ['SCAN'] : [])]];
    for (const c of change.ports) {
      if (c.old) rows.push(portRow('-', host, c.old, showScan, opts));
      if (c.new) rows.push(portRow('+', host, c.new, showScan, opts));
    }
    out.push('', ` ${hostLabel(change)}:`, table(rows));
  }
  for (const host of diff.hostsGone) out.push('', hostBlock('-', host, 'host gone', diff.old, opts));
  for (const host of diff.hostsNew) out.push('', hostBlock('+', host, 'new host', diff.new, opts));
  return `${out.join('\n')}\n`;
}

function header(sign: Sign, result: ScanResult): string {
  const { report } = result;
  const producer = result.producer === 'nmap' ? 'Nmap' : 'rawscan';
  return `${sign}${producer} ${report.version} scan initiated ${ctime(report.startTime)} as: ${report.args}`;
}

function hostLabel(host: Pick<HostResult, 'address' | 'hostname'>): string {
  return host.hostname ? `${host.hostname} (${host.address})` : host.address;
}

/** A host only one side has: its ports as nmap would list them, boring states summarised. */
function hostBlock(
  sign: Sign,
  host: HostResult,
  what: string,
  result: ScanResult,
  opts: RenderOptions,
): string {
  const lines = [`${sign}${hostLabel(host)}: ${what}`];
  const scans = result.report.scanTypes;
  for (const scan of scans) {
    const section = portSection(
      scan,
      host.ports.filter((p) => p.scan === scan),
      opts,
      result.report.verbose,
    );
    const label = scans.length > 1 ? ` (${scan} scan)` : '';
    for (const ignored of section.ignored)
      lines.push(`${sign}Not shown: ${ignored.count} ${ignored.state} ports${label}`);
    const rows: Row[] = [[sign, 'PORT', 'STATE', 'SERVICE', 'REASON', ...(label ? ['SCAN'] : [])]];
    for (const p of section.shown) rows.push(portRow(sign, host, p, label !== '', opts));
    if (rows.length > 1) lines.push(table(rows));
  }
  return lines.join('\n');
}

function portRow(sign: Sign, host: HostResult, p: PortResult, showScan: boolean, opts: RenderOptions): Row {
  const row: Row = [sign, `${p.port}/${p.protocol}`, p.state, serviceOf(p, opts), reasonText(host, p)];
  if (showScan) row.push(p.scan);
  return row;
}

/** Rows as aligned columns, the sign glued to the first one; lines joined (never spread: rows may be 65535). */
function table(rows: Row[]): string {
  const widths: number[] = [];
  for (const [, ...cells] of rows)
    cells.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const line = ([sign, ...cells]: Row): string =>
    (sign + cells.map((cell, i) => cell.padEnd(widths[i])).join('  ')).trimEnd();
  return rows.map(line).join('\n');
}

interface JsonSide {
  file: string;
  format: ScanResult['format'];
  producer: ScanResult['producer'];
  version: string;
  args: string;
  scanTypes: ScanType[];
  startTime: string;
}

interface JsonPortChange {
  port: number;
  protocol: 'tcp';
  oldScan: ScanType;
  newScan: ScanType;
  old: JsonPort | null;
  new: JsonPort | null;
}

export function renderDiffJson(diff: ResultDiff, opts: RenderOptions = {}): string {
  const side = (r: ScanResult): JsonSide => ({
    file: r.path,
    format: r.format,
    producer: r.producer,
    version: r.report.version,
    args: r.report.args,
    scanTypes: [...r.report.scanTypes],
    startTime: new Date(r.report.startTime).toISOString(),
  });
  const host = (h: HostResult) => ({
    address: h.address,
    hostname: h.hostname,
    ports: h.ports.map((p) => jsonPort(p, opts)),
  });
  const doc = {
    format: 'rawscan-diff',
    formatVersion: DIFF_FORMAT_VERSION,
    old: side(diff.old),
    new: side(diff.new),
    identical: diff.hostsGone.length + diff.hostsNew.length + diff.hostsChanged.length === 0,
    scanPairs: diff.scanPairs,
    hostsGone: diff.hostsGone.map(host),
    hostsNew: diff.hostsNew.map(host),
    hostsChanged: diff.hostsChanged.map((h) => ({
      address: h.address,
      hostname: h.hostname,
      ports: h.ports.map((c): JsonPortChange => ({
        port: c.port,
        protocol: 'tcp',
        oldScan: c.oldScan,
        newScan: c.newScan,
        old: c.old && jsonPort(c.old, opts),
        new: c.new && jsonPort(c.new, opts),
      })),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
