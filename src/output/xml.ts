// nmap XML output (-oX). The document validates against nmap's DTD
// (xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd) so that ndiff and the
// other tools that read nmap XML read ours.
//
// Honesty about the producer: nmap.dtd declares the root attribute as
// `scanner (nmap) #REQUIRED`, so no other value validates. ndiff itself would
// take any value, but tools that validate or that check scanner == "nmap" would
// not. We therefore write scanner="nmap" and say who really wrote the file in
// every place that is free text: version="rawscan-0.1.0" (ndiff prints "Nmap
// rawscan-0.1.0 scan initiated ... as: rawscan ..."), profile_name="rawscan",
// args (the rawscan command line) and a leading comment.
//
// Element by element it follows nmap 7.9x: one <scaninfo> per scan type with its
// port ranges; per host <status>, <address>, <hostnames>, <ports> with
// <extraports>/<extrareasons> for collapsed states (same rule as normal output)
// and <port><state reason reason_ttl reason_ip?/><service method="table"/>; then
// <runstats> with exit="error" and an errormsg when the scan is incomplete.
//
// Choices where rawscan differs from nmap:
// - A host that answered nothing has <status state="unknown" reason="no-response">
//   (rawscan does no host discovery) and counts as "down" in <runstats><hosts>.
// - A user-supplied hostname is written with type="user".
// - nmap never writes two TCP scan types in one file. With several, a host gets
//   one <ports> per scan type, in <scaninfo> order, each preceded by a comment
//   naming the scan. Readers that key ports by (portid, protocol), ndiff
//   included, then see the last type only: diff one scan type per file.

import type { HostResult, PortResult, ScanReport } from '../scan/types.js';
import { NMAP_SCAN_NAMES } from '../scan/types.js';
import type { Formatter, RenderOptions } from './types.js';
import type { RowSection } from './port-view.js';
import { SCAN_LABELS, doneSummary, hostLiveness, hostSections, portRanges, reasonIp } from './port-view.js';
import { TextChunks, type TextSink } from './chunks.js';
import { ListingCache } from './listing.js';
import { portRows } from '../scan/port-rows.js';
import { ctime, elapsedSeconds, epochSeconds } from './time.js';

/** nmap's XML output version that this document follows */
export const XML_OUTPUT_VERSION = '1.05';

export const xmlFormatter: Formatter = {
  name: 'xml',
  *render(report: ScanReport, opts: RenderOptions = {}): Iterable<string> {
    const out = new TextChunks();
    const text = new XmlText(opts);
    const listings = new ListingCache();
    out.add(prologue(report));
    let up = 0;
    for (const host of report.hosts) {
      if (hostElement(out, host, report, text, listings)) up++;
      if (out.ready) yield* out.take();
    }
    out.add(runstats(report, up));
    yield* out.end();
  },
};

/**
 * The attribute text of one render: values from small closed sets (protocol,
 * state, reason, service names) are escaped once per render, not once per port.
 */
class XmlText {
  private readonly escaped = new Map<string, string>();
  private readonly services = new Map<string, string>();

  constructor(readonly opts: RenderOptions) {}

  /** escapeAttribute of a value from a small set */
  attribute(value: string): string {
    let text = this.escaped.get(value);
    if (text === undefined) this.escaped.set(value, (text = escapeAttribute(value)));
    return text;
  }

  /** the port's <service> element; '' for a port without a known name (like nmap: ndiff then compares equal) */
  service(p: PortResult): string {
    const name = p.service ?? this.opts.serviceName?.(p.port, p.protocol);
    if (name === undefined) return '';
    let text = this.services.get(name);
    if (text === undefined) {
      text = element('service', { name, method: 'table', conf: 3 }, true);
      this.services.set(name, text);
    }
    return text;
  }
}

function prologue(report: ScanReport): string {
  const started = ctime(report.startTime);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE nmaprun>',
    comment(`rawscan ${report.version} scan initiated ${started} as: ${report.args}`),
    comment('written by rawscan, not nmap: scanner="nmap" only because nmap.dtd allows no other value'),
    element('nmaprun', {
      scanner: 'nmap',
      args: report.args,
      start: epochSeconds(report.startTime),
      startstr: started,
      version: `rawscan-${report.version}`,
      profile_name: 'rawscan',
      xmloutputversion: XML_OUTPUT_VERSION,
    }),
    ...report.scanTypes.map((scan) =>
      element(
        'scaninfo',
        {
          type: NMAP_SCAN_NAMES[scan],
          protocol: 'tcp',
          numservices: report.ports.length,
          services: portRanges(report.ports),
        },
        true,
      ),
    ),
    element('verbose', { level: report.verbose }, true),
    element('debugging', { level: 0 }, true),
  ];
  return lines.map((line) => `${line}\n`).join('');
}

/** Adds the host's <host> element; returns whether the host is up. */
function hostElement(
  out: TextChunks,
  host: HostResult,
  report: ScanReport,
  text: XmlText,
  listings: ListingCache,
): boolean {
  const rows = portRows(host);
  const frame = listings.frameFor(host, rows);
  if (frame !== undefined) {
    out.add(frame.before);
    out.add(escapeAttribute(host.address));
    out.add(frame.after);
    return frame.up;
  }
  const live = hostLiveness(host);
  const timed = host.startTime !== undefined || host.endTime !== undefined;
  const start = timed
    ? element('host', {
        starttime: host.startTime === undefined ? undefined : epochSeconds(host.startTime),
        endtime: host.endTime === undefined ? undefined : epochSeconds(host.endTime),
      })
    : '<host>';
  const evidence = live.evidenceRow();
  const status = evidence
    ? `<status state="up" reason="${text.attribute(evidence.reason)}" reason_ttl="${evidence.reasonTtl}"/>`
    : '<status state="unknown" reason="no-response" reason_ttl="0"/>';
  const hostnames = host.hostname
    ? `<hostnames>\n<hostname name="${escapeAttribute(host.hostname)}" type="user"/>\n</hostnames>`
    : '<hostnames>\n</hostnames>';
  const before = `${start}${status}\n<address addr="`;
  const afterAddress = `" addrtype="ipv4"/>\n${hostnames}`;
  out.add(`${before}${escapeAttribute(host.address)}${afterAddress}`);
  const listing = listings.add(out, rows, (sink) => {
    const sections = hostSections(host, report, text.opts);
    for (const section of sections) {
      sink.add(sections.length > 1 ? `\n${comment(SCAN_LABELS[section.scan])}\n<ports>` : '\n<ports>');
      portsElement(sink, section, host, text);
    }
    return true;
  });
  out.add('\n</host>\n');
  if (listing !== undefined) {
    listings.keepFrame(host, {
      before,
      after: `${afterAddress}${listing}\n</host>\n`,
      tail: '',
      up: live.up,
    });
  }
  return live.up;
}

/** The section's <ports> content and end tag (its start tag is added by hostElement). */
function portsElement(out: TextSink, section: RowSection, host: HostResult, text: XmlText): void {
  for (const ignored of section.ignored) {
    out.add(element('extraports', { state: ignored.state, count: ignored.count }) + '\n');
    for (const r of ignored.reasons) {
      const reasons = { reason: r.reason, count: r.count, proto: 'tcp', ports: portRanges(r.ports) };
      out.add(element('extrareasons', reasons, true) + '\n');
    }
    out.add('</extraports>\n');
  }
  const { rows } = section;
  for (const i of section.shown) out.add(portElement(rows.row(i), host, text));
  out.add('</ports>');
}

/** <port>...</port> and a newline */
function portElement(p: PortResult, host: HostResult, text: XmlText): string {
  const ip = reasonIp(host, p);
  const reasonIpAttribute = ip === undefined ? '' : ` reason_ip="${escapeAttribute(ip)}"`;
  return (
    `<port protocol="${text.attribute(p.protocol)}" portid="${p.port}">` +
    `<state state="${text.attribute(p.state)}" reason="${text.attribute(p.reason)}" ` +
    `reason_ttl="${p.reasonTtl}"${reasonIpAttribute}/>${text.service(p)}</port>\n`
  );
}

/** up: the number of hosts up */
function runstats(report: ScanReport, up: number): string {
  const ended = ctime(report.endTime);
  const finished = {
    time: epochSeconds(report.endTime),
    timestr: ended,
    summary: `rawscan done at ${ended}; ${doneSummary(report, up)}`,
    elapsed: elapsedSeconds(report.startTime, report.endTime),
    exit: report.incomplete ? 'error' : 'success',
    errormsg: report.incomplete ? 'scan interrupted before every probe was answered or timed out' : undefined,
  };
  const hosts = { up, down: report.hosts.length - up, total: report.hosts.length };
  return `<runstats>${element('finished', finished, true)}${element('hosts', hosts, true)}\n</runstats>\n</nmaprun>\n`;
}

type Attributes = Record<string, string | number | undefined>;

/** An opening (or, with empty, self-closing) tag; undefined attributes are left out. */
function element(name: string, attrs: Attributes, empty = false): string {
  let tag = `<${name}`;
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined) tag += ` ${key}="${escapeAttribute(String(value))}"`;
  }
  return tag + (empty ? '/>' : '>');
}

/** Characters XML 1.0 cannot carry at all, even as references. */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Any character that escapeAttribute changes. */
const ESCAPED_IN_ATTRIBUTE = /[\u0000-\u001F\uFFFE\uFFFF&<>"']/;

export function escapeAttribute(text: string): string {
  if (!ESCAPED_IN_ATTRIBUTE.test(text)) return text;
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]);
}

const ATTRIBUTE_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** A comment may not contain "--"; nmap writes "-&#45;" there (not a reference inside a comment, just text). */
export function comment(text: string): string {
  const safe = text.replace(NOT_XML_CHAR, '\uFFFD').replace(/--/g, '-&#45;');
  return `<!-- ${safe} -->`;
}
