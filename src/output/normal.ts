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
import type { RowSection } from './port-view.js';
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
import { TextChunks, type TextSink } from './chunks.js';
import { ListingCache } from './listing.js';
import { ctime, shortStamp, twoSignificant } from './time.js';
import { describeFlag, middleboxFlags } from '../audit/middlebox.js';
import { portRows, type PortRows } from '../scan/port-rows.js';
import { hostLatency } from './rows-summary.js';
import { hostFilterRanges } from '../audit/stateful.js';

export const normalFormatter: Formatter = {
  name: 'normal',
  *render(report: ScanReport, opts: RenderOptions = {}): Iterable<string> {
    const out = new TextChunks();
    out.add(
      opts.interactive
        ? `Starting rawscan ${report.version} at ${shortStamp(report.startTime)}\n`
        : `# rawscan ${report.version} scan initiated ${ctime(report.startTime)} as: ${oneLine(report.args)}\n`,
    );
    const kept: KeptTexts = { listings: new ListingCache(), latencies: new Map() };
    let up = 0;
    for (const host of report.hosts) {
      if (hostReport(out, host, report, opts, kept)) up++;
      if (out.ready) yield* out.take();
    }
    const trailer = report.stats.notes.map((note) => `Note: ${oneLine(note)}\n`);
    if (report.incomplete) trailer.push(`${INCOMPLETE_WARNING}\n`);
    if (trailer.length > 0 || report.hosts.length === 0) trailer.push('\n');
    out.add(trailer.join(''));
    out.add(
      opts.interactive
        ? `rawscan done: ${doneSummary(report, up)}\n`
        : `# rawscan done at ${ctime(report.endTime)} -- ${doneSummary(report, up)}\n`,
    );
    yield* out.end();
  },
};

/** Texts that one render keeps from host to host: hosts of a large scan repeat them. */
interface KeptTexts {
  listings: ListingCache;
  /** " (0.0012s latency)" by latency in whole microseconds */
  latencies: Map<number, string>;
}

/** Adds the text of one host, ending with a blank line; returns whether the host is up. */
function hostReport(
  out: TextChunks,
  host: HostResult,
  report: ScanReport,
  opts: RenderOptions,
  kept: KeptTexts,
): boolean {
  const rows = portRows(host);
  const frame = kept.listings.frameFor(host, rows);
  let up: boolean;
  if (frame === undefined) {
    up = wholeHost(out, host, rows, report, opts, kept);
  } else {
    out.add(frame.before);
    out.add(host.address);
    out.add(frame.after);
    if (frame.up) out.add(latencyText(hostLatency(rows), kept.latencies));
    out.add(frame.tail);
    up = frame.up;
  }
  out.add(`${filterText(host)}\n`);
  return up;
}

/**
 * Adds the host's name, status line and port listing, and keeps their frame
 * (ListingCache.keepFrame); returns whether the host is up.
 */
function wholeHost(
  out: TextChunks,
  host: HostResult,
  rows: PortRows,
  report: ScanReport,
  opts: RenderOptions,
  kept: KeptTexts,
): boolean {
  const name = host.hostname ? `${host.hostname} (${host.address})` : host.address;
  const live = hostLiveness(host);
  // The status line around its latency, the one part of it that differs between hosts of one frame.
  let status = '\nHost did not answer any probe (state unknown).';
  let latency = '';
  let statusEnd = '\n';
  if (live.up) {
    const evidence = opts.reason ? live.evidenceRow() : undefined;
    status = evidence ? `\nHost is up, received ${reasonText(host, evidence)}` : '\nHost is up';
    latency = latencyText(live.latencyMs, kept.latencies);
    statusEnd = '.\n';
  }
  const before = 'rawscan scan report for ';
  out.add(`${before}${name}${status}${latency}${statusEnd}`);
  const listing = kept.listings.add(out, rows, (sink) => portListing(sink, host, report, name, opts));
  if (listing !== undefined) {
    kept.listings.keepFrame(host, { before, after: status, tail: `${statusEnd}${listing}`, up: live.up });
  }
  return live.up;
}

/** Adds the host's sections; returns whether their text does not name the host. */
function portListing(
  sink: TextSink,
  host: HostResult,
  report: ScanReport,
  name: string,
  opts: RenderOptions,
): boolean {
  const sections = hostSections(host, report, opts);
  const headed = sections.length > 1;
  let named = false;
  for (const section of sections) {
    if (headed) sink.add(`\n${SCAN_LABELS[section.scan]}:\n`);
    named = sectionText(sink, section, host, name, headed, opts) || named;
  }
  return !named;
}

function latencyText(ms: number | undefined, kept: Map<number, string>): string {
  if (ms === undefined) return '';
  // A raw scan's latencies are whole microseconds: those (small integers, quick to look up) key kept.
  const us = Math.round(ms * 1000);
  const keyed = us / 1000 === ms && us >= 0 && us < 2 ** 30;
  let text = keyed ? kept.get(us) : undefined;
  if (text === undefined) {
    text = ` (${twoSignificant(ms / 1000)}s latency)`;
    if (keyed) kept.set(us, text);
  }
  return text;
}

/**
 * rawscan's own short section, under the tables: the SYN-vs-ACK filter labels
 * (src/audit/stateful.ts) and the replies a middlebox likely forged
 * (src/audit/middlebox.ts); nothing when there are neither. Lines end with "\n".
 */
function filterText(host: HostResult): string {
  const FLAGS_SHOWN = 25;
  // Either needs two rows (a port probed with SYN and ACK; a reply unlike another):
  // the one-port hosts of a large sweep skip both analyses.
  if (portRows(host).length < 2) return '';
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
 * Adds a section's lines, each ending with "\n"; returns whether they name
 * the host. nmap puts a blank line above the table when no "Not shown" line
 * is there; a heading replaces it.
 */
function sectionText(
  out: TextSink,
  section: RowSection,
  host: HostResult,
  name: string,
  headed: boolean,
  opts: RenderOptions,
): boolean {
  if (section.total === 0) {
    out.add('No ports scanned.\n');
    return false;
  }
  const named = section.shown.length === 0;
  if (named) out.add(`All ${section.total} scanned ports on ${name} are in ignored states.\n`);
  if (section.ignored.length > 0) out.add(`${notShownLine(section)}\n`);
  else if (!headed) out.add('\n');
  if (section.shown.length > 0) portTable(out, section, host, opts);
  return named;
}

/** "Not shown: 76 filtered tcp ports (no-response), 7 filtered tcp ports (admin-prohibited), 67 closed tcp ports (reset)" */
function notShownLine(section: RowSection): string {
  const parts = section.ignored.flatMap((ignored) =>
    ignored.reasons.map((r) => `${plural(r.count, `${ignored.state} tcp port`)} (${r.reason})`),
  );
  return `Not shown: ${parts.join(', ')}`;
}

const HEADINGS = ['PORT', 'STATE', 'SERVICE', 'REASON'];

/**
 * Adds the PORT STATE SERVICE (REASON) table of the listed ports: one line
 * per port, every column but the last padded to its widest cell plus one space.
 */
function portTable(out: TextSink, section: RowSection, host: HostResult, opts: RenderOptions): void {
  const { rows, shown } = section;
  const columns = opts.reason ? 4 : 3;
  /** the headings, then each listed port's cells: `columns` cells a line */
  const cells = new Array<string>((shown.length + 1) * columns);
  for (let c = 0; c < columns; c++) cells[c] = HEADINGS[c];
  let cell = columns;
  for (const i of shown) {
    const p = rows.row(i);
    cells[cell++] = `${p.port}/${p.protocol}`;
    cells[cell++] = p.state;
    cells[cell++] = serviceOf(p, opts);
    if (opts.reason) cells[cell++] = reasonText(host, p);
  }
  const widths = new Array<number>(columns - 1).fill(0);
  for (let first = 0; first < cells.length; first += columns) {
    for (let c = 0; c < columns - 1; c++) widths[c] = Math.max(widths[c], cells[first + c].length);
  }
  for (let first = 0; first < cells.length; first += columns) {
    let line = '';
    for (let c = 0; c < columns - 1; c++) line += `${cells[first + c].padEnd(widths[c])} `;
    const last = cells[first + columns - 1];
    // Only an empty or space-ending last cell leaves trailing spaces to trim.
    out.add(`${last === '' || /\s$/.test(last) ? (line + last).trimEnd() : line + last}\n`);
  }
}

/** Text from the command line or notes must not break the line structure. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
