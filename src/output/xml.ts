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
import type { PortSection } from './port-view.js';
import {
  SCAN_LABELS,
  doneSummary,
  hostLiveness,
  hostSections,
  hostsUp,
  portRanges,
  reasonIp,
  serviceOf,
} from './port-view.js';
import { ctime, elapsedSeconds, epochSeconds } from './time.js';

/** nmap's XML output version that this document follows */
export const XML_OUTPUT_VERSION = '1.05';

export const xmlFormatter: Formatter = {
  name: 'xml',
  *render(report: ScanReport, opts: RenderOptions = {}): Iterable<string> {
    yield prologue(report);
    for (const host of report.hosts) yield hostElement(host, report, opts);
    yield runstats(report);
  },
};

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

function hostElement(host: HostResult, report: ScanReport, opts: RenderOptions): string {
  const live = hostLiveness(host);
  const times = {
    starttime: host.startTime === undefined ? undefined : epochSeconds(host.startTime),
    endtime: host.endTime === undefined ? undefined : epochSeconds(host.endTime),
  };
  const status = live.evidence
    ? { state: 'up', reason: live.evidence.reason, reason_ttl: live.evidence.reasonTtl }
    : { state: 'unknown', reason: 'no-response', reason_ttl: 0 };
  const hostnames = host.hostname
    ? `<hostnames>\n${element('hostname', { name: host.hostname, type: 'user' }, true)}\n</hostnames>`
    : '<hostnames>\n</hostnames>';
  const sections = hostSections(host, report, opts);
  const ports = sections.map((section) => {
    const label = sections.length > 1 ? `${comment(SCAN_LABELS[section.scan])}\n` : '';
    return label + portsElement(section, host, opts);
  });
  return [
    element('host', times) + element('status', status, true),
    element('address', { addr: host.address, addrtype: 'ipv4' }, true),
    hostnames,
    ...ports,
    '</host>\n',
  ].join('\n');
}

function portsElement(section: PortSection, host: HostResult, opts: RenderOptions): string {
  const parts = ['<ports>'];
  for (const ignored of section.ignored) {
    parts.push(element('extraports', { state: ignored.state, count: ignored.count }) + '\n');
    for (const r of ignored.reasons) {
      const reasons = { reason: r.reason, count: r.count, proto: 'tcp', ports: portRanges(r.ports) };
      parts.push(element('extrareasons', reasons, true) + '\n');
    }
    parts.push('</extraports>\n');
  }
  for (const p of section.shown) parts.push(portElement(p, host, opts) + '\n');
  parts.push('</ports>');
  return parts.join('');
}

function portElement(p: PortResult, host: HostResult, opts: RenderOptions): string {
  const state = { state: p.state, reason: p.reason, reason_ttl: p.reasonTtl, reason_ip: reasonIp(host, p) };
  // Like nmap, no <service> for a port without a known name (ndiff then compares equal).
  const name = p.service ?? opts.serviceName?.(p.port, p.protocol);
  const service = name === undefined ? '' : element('service', { name, method: 'table', conf: 3 }, true);
  return (
    element('port', { protocol: p.protocol, portid: p.port }) +
    element('state', state, true) +
    service +
    '</port>'
  );
}

function runstats(report: ScanReport): string {
  const up = hostsUp(report);
  const ended = ctime(report.endTime);
  const finished = {
    time: epochSeconds(report.endTime),
    timestr: ended,
    summary: `rawscan done at ${ended}; ${doneSummary(report)}`,
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

export function escapeAttribute(text: string): string {
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
