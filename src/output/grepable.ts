// Grepable output (-oG), nmap's format field for field:
//
//   # rawscan 0.1.0 scan initiated Thu Nov 26 23:22:47 2026 as: rawscan -sS -p 1-1024 198.18.0.2
//   Host: 198.18.0.2 (www)	Status: Up
//   Host: 198.18.0.2 (www)	Ports: 22/open/tcp//ssh///, 80/filtered/tcp//http///	Ignored State: closed (1022)
//   # rawscan done at Thu Nov 26 23:22:48 2026 -- 1 IP address (1 host up) scanned in 0.08 seconds
//
// Fields are tab-separated; a port entry is port/state/protocol/owner/service/
// rpc info/version/. Collapsed ports are left out, as in normal output, and
// "Ignored State" is written only when exactly one state was collapsed (nmap's
// rule). A host that answered nothing has "Status: Unknown". nmap never puts two
// TCP scan types in one file; when a report has several, each host gets one
// Ports line per type, ending with an extra field "Scan: <nmap scan name>".
// With -v a "# Ports scanned:" comment follows the header, as in nmap.

import type { HostResult, ScanReport } from '../scan/types.js';
import { NMAP_SCAN_NAMES } from '../scan/types.js';
import type { Formatter, RenderOptions } from './types.js';
import type { RowSection } from './port-view.js';
import {
  INCOMPLETE_WARNING,
  doneSummary,
  hostLiveness,
  hostSections,
  portRanges,
  serviceOf,
} from './port-view.js';
import { TextChunks } from './chunks.js';
import { ctime } from './time.js';

export const grepableFormatter: Formatter = {
  name: 'grepable',
  *render(report: ScanReport, opts: RenderOptions = {}): Iterable<string> {
    yield `# rawscan ${report.version} scan initiated ${ctime(report.startTime)} as: ${field(report.args)}\n`;
    if (report.verbose > 0) {
      yield `# Ports scanned: TCP(${report.ports.length};${portRanges(report.ports)}) UDP(0;) SCTP(0;) PROTOCOLS(0;)\n`;
    }
    const out = new TextChunks();
    let up = 0;
    for (const host of report.hosts) {
      if (hostLines(out, host, report, opts)) up++;
      yield* out.take();
    }
    const trailer = report.stats.notes.map((note) => `# Note: ${field(note)}\n`);
    if (report.incomplete) trailer.push(`# ${INCOMPLETE_WARNING}\n`);
    out.add(trailer.join(''));
    out.add(`# rawscan done at ${ctime(report.endTime)} -- ${doneSummary(report, up)}\n`);
    yield* out.end();
  },
};

/** Adds the host's lines; returns whether the host is up. */
function hostLines(out: TextChunks, host: HostResult, report: ScanReport, opts: RenderOptions): boolean {
  const prefix = `Host: ${host.address} (${field(host.hostname ?? '')})`;
  const up = hostLiveness(host).up;
  out.add(`${prefix}\tStatus: ${up ? 'Up' : 'Unknown'}\n`);
  const sections = hostSections(host, report, opts);
  for (const section of sections) {
    if (section.total === 0) continue;
    const scan = sections.length > 1 ? `\tScan: ${NMAP_SCAN_NAMES[section.scan]}` : '';
    out.add(`${prefix}\tPorts: ${portsField(section, opts)}${ignoredField(section)}${scan}\n`);
  }
  return up;
}

function portsField(section: RowSection, opts: RenderOptions): string {
  let text = '';
  for (const i of section.shown) {
    const p = section.rows.row(i);
    text += `${text === '' ? '' : ', '}${p.port}/${p.state}/${p.protocol}//${entry(serviceOf(p, opts))}///`;
  }
  return text;
}

function ignoredField(section: RowSection): string {
  const only = section.ignored.length === 1 ? section.ignored[0] : undefined;
  return only ? `\tIgnored State: ${only.state} (${only.count})` : '';
}

/** A free-text field must not contain the tab and newline that delimit fields and records. */
function field(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

/** A port-entry subfield also must not contain the "/" and "," that delimit entries (nmap writes "|"). */
function entry(text: string): string {
  return field(text).replace(/[/,]/g, '|');
}
