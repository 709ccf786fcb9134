// The formatter contract: every output format (normal text, JSON, NDJSON, nmap
// XML, grepable) turns one finished ScanReport into text, one file per format.
//
// render() returns the document as an iterable of chunks rather than one
// string: a /16 × 65535-port report can exceed V8's maximum string length, and
// chunks let writeOutput() stream it with back-pressure. Concatenating the
// chunks in order gives the whole document; renderToString() does that for
// small reports and tests. Formatters are pure: no I/O, no clock, no
// environment except the local time zone used for human-readable dates.

import type { ScanReport } from '../scan/types.js';

export const OUTPUT_FORMATS = ['normal', 'json', 'ndjson', 'xml', 'grepable'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Service name of a TCP port (e.g. from /etc/services), or undefined when the
 * port has none. Formatters print "unknown" then, as nmap does.
 */
export type ServiceNameLookup = (port: number, protocol: 'tcp') => string | undefined;

export interface RenderOptions {
  /** --reason: add the REASON column to normal output (XML and JSON always carry reasons) */
  reason?: boolean;
  /** --open: show only ports that are or may be open (open, open|filtered, unfiltered) */
  openOnly?: boolean;
  /** service names for PORT tables and XML <service>; PortResult.service wins when set */
  serviceName?: ServiceNameLookup;
  /**
   * normal output only: true for the terminal flavour ("Starting rawscan ... at",
   * "rawscan done: ..."), false (default) for the -oN file flavour with "#" header
   * and footer lines, as nmap writes them.
   */
  interactive?: boolean;
}

export interface Formatter {
  readonly name: OutputFormat;
  /** chunks whose concatenation is the complete document, ending with a newline */
  render(report: ScanReport, opts?: RenderOptions): Iterable<string>;
}

export function renderToString(formatter: Formatter, report: ScanReport, opts: RenderOptions = {}): string {
  let text = '';
  for (const chunk of formatter.render(report, opts)) text += chunk;
  return text;
}
