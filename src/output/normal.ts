// Normal output (-oN and the terminal), modelled line for line on nmap's:
//
//   # rawscan 0.1.0 scan initiated Thu Nov 26 23:22:47 2026 as: rawscan -sS ...   (-oN file)
//   Starting rawscan 0.1.0 at 2026-11-26 23:22 UTC                                 (terminal)
//   rawscan scan report for www (198.18.0.2)
//   Host is up (0.00012s latency).
//   Not shown: 997 closed tcp ports (reset), 1 filtered tcp port (admin-prohibited)
//   PORT   STATE SERVICE REASON                  (REASON only with --reason)
//   22/tcp open  ssh     syn-ack ttl 64
//
//   # rawscan done at Thu Nov 26 23:22:48 2026 -- 1 IP address (1 host up) scanned in 0.08 seconds
//
// A state with more than 25 ports (50 from -vvv) is collapsed into "Not shown"
// with its reasons; --open collapses every state but open, open|filtered and
// unfiltered. A report with several scan types gets one section per type under
// each host, headed by nmap's name for the scan ("FIN Scan:"). A host that
// answered nothing is reported as such, not as up: rawscan does no host
// discovery. Under the tables, a host may get rawscan's short filter section
// (filterLines). report.stats.notes and an incomplete scan are printed before
// the final line.

import type { HostResult, ScanReport } from '../scan/types.js';
import type { Formatter, RenderOptions } from './types.js';
import type { PortSection } from './port-view.js';
import {
  INCOMPLETE_WARNING,
  SCAN_LABELS,
  doneSummary,
  hostLiveness,
  hostSections,
  plural,
  reasonText,
  serviceOf,
} from './port-view.js';
import { ctime, shortStamp, twoSignificant } from './time.js';
import { describeFlag, middleboxFlags } from '../audit/middlebox.js';
import { portRows } from '../scan/port-rows.js';
import { hostFilterRanges } from '../audit/stateful.js';

export const normalFormatter: Formatter = {
  name: 'normal',
  *render(report: ScanReport, opts: RenderOptions = {}): Iterable<string> {
    yield opts.interactive
      ? `Starting rawscan ${report.version} at ${shortStamp(report.startTime)}\n`
      : `# rawscan ${report.version} scan initiated ${ctime(report.startTime)} as: ${oneLine(report.args)}\n`;
    for (const host of report.hosts) yield hostReport(host, report, opts);
    const trailer = report.stats.notes.map((note) => `Note: ${oneLine(note)}\n`);
    if (report.incomplete) trailer.push(`${INCOMPLETE_WARNING}\n`);
    if (trailer.length > 0 || report.hosts.length === 0) trailer.push('\n');
    yield trailer.join('');
    yield opts.interactive
      ? `rawscan done: ${doneSummary(report)}\n`
      : `# rawscan done at ${ctime(report.endTime)} -- ${doneSummary(report)}\n`;
  },
};

/** The text of one host, ending with a blank line. */
function hostReport(host: HostResult, report: ScanReport, opts: RenderOptions): string {
  const name = host.hostname ? `${host.hostname} (${host.address})` : host.address;
  let text = `rawscan scan report for ${name}\n${hostStatusLine(host, opts)}\n`;
  const sections = hostSections(host, report, opts);
  const headed = sections.length > 1;
  for (const section of sections) {
    if (headed) text += `\n${SCAN_LABELS[section.scan]}:\n`;
    text += sectionText(section, host, name, headed, opts);
  }
  return `${text}${filterText(host)}\n`;
}

function hostStatusLine(host: HostResult, opts: RenderOptions): string {
  const live = hostLiveness(host);
  if (!live.up) return 'Host did not answer any probe (state unknown).';
  const received = opts.reason && live.evidence ? `, received ${reasonText(host, live.evidence)}` : '';
  const latency = live.latencyMs === undefined ? '' : ` (${twoSignificant(live.latencyMs / 1000)}s latency)`;
  return `Host is up${received}${latency}.`;
}

/**
 * rawscan's own short section, under the tables: the SYN-vs-ACK filter labels
 * (src/audit/stateful.ts) and the replies a middlebox likely forged
 * (src/audit/middlebox.ts); nothing when there are neither. Lines end with "\n".
 */
function filterText(host: HostResult): string {
  const FLAGS_SHOWN = 25;
  let text = '';
  const ranges = hostFilterRanges(host);
  if (ranges.length > 0) {
    text += `\nFiltering (SYN vs ACK): ${ranges.map((r) => `${r.label} ${r.ports}`).join('; ')}\n`;
  }
  const { baseline, flags } = middleboxFlags(host);
  if (flags.size > 0) {
    const own = [`ttl ${baseline.ttl}`];
    if (baseline.resetWindow !== undefined) own.push(`RST window ${baseline.resetWindow}`);
    text += `\nReplies likely forged by a middlebox (the host's own: ${own.join(', ')}):\n`;
    const rows = portRows(host);
    const shown = [...flags].slice(0, FLAGS_SHOWN);
    for (const [i, flag] of shown) {
      const p = rows.row(i);
      text += `  ${p.port}/${p.protocol} ${p.scan} ${p.reason}: ${describeFlag(flag)}\n`;
    }
    if (flags.size > shown.length)
      text += `  ... and ${flags.size - shown.length} more (all in -oJ and --evidence)\n`;
  }
  return text;
}

/**
 * A section's lines, each ending with "\n". nmap puts a blank line above the
 * table when no "Not shown" line is there; a heading replaces it.
 */
function sectionText(
  section: PortSection,
  host: HostResult,
  name: string,
  headed: boolean,
  opts: RenderOptions,
): string {
  if (section.total === 0) return 'No ports scanned.\n';
  let text = '';
  if (section.shown.length === 0)
    text += `All ${section.total} scanned ports on ${name} are in ignored states.\n`;
  if (section.ignored.length > 0) text += `${notShownLine(section)}\n`;
  else if (!headed) text += '\n';
  if (section.shown.length === 0) return text;
  const cells = opts.reason ? ['PORT', 'STATE', 'SERVICE', 'REASON'] : ['PORT', 'STATE', 'SERVICE'];
  for (const p of section.shown) {
    cells.push(`${p.port}/${p.protocol}`, p.state, serviceOf(p, opts));
    if (opts.reason) cells.push(reasonText(host, p));
  }
  return text + alignedText(cells, opts.reason ? 4 : 3);
}

/** "Not shown: 76 filtered tcp ports (no-response), 7 filtered tcp ports (admin-prohibited), 67 closed tcp ports (reset)" */
function notShownLine(section: PortSection): string {
  const parts = section.ignored.flatMap((ignored) =>
    ignored.reasons.map((r) => `${plural(r.count, `${ignored.state} tcp port`)} (${r.reason})`),
  );
  return `Not shown: ${parts.join(', ')}`;
}

/**
 * cells: rows of `columns` cells, one after the other. Each row becomes a line
 * ending with "\n", every column but the last padded to its widest cell plus one space.
 */
function alignedText(cells: string[], columns: number): string {
  const widths = new Array<number>(columns).fill(0);
  for (let i = 0; i < cells.length; i++) widths[i % columns] = Math.max(widths[i % columns], cells[i].length);
  let text = '';
  for (let row = 0; row < cells.length; row += columns) {
    let line = '';
    for (let c = 0; c < columns - 1; c++) line += `${cells[row + c].padEnd(widths[c])} `;
    text += `${(line + cells[row + columns - 1]).trimEnd()}\n`;
  }
  return text;
}

/** Text from the command line or notes must not break the line structure. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
