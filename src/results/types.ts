// A scan result read back from a file: the ScanReport it holds plus what a
// diff or merge needs to explain itself (which format, who wrote it, where in
// the file each result came from).

import type { PortResult, ScanReport } from '../scan/types.js';

/** rawscan's -oJ document, or nmap XML (-oX) written by nmap or by rawscan. */
export type ResultFormat = 'rawscan-json' | 'nmap-xml';

export const FORMAT_NAMES: Record<ResultFormat, string> = {
  'rawscan-json': 'rawscan JSON',
  'nmap-xml': 'nmap XML',
};

export interface ScanResult {
  /** the file as the user named it */
  path: string;
  format: ResultFormat;
  /** who wrote it: nmap XML written by rawscan says so in version="rawscan-…" */
  producer: 'rawscan' | 'nmap';
  /**
   * The results. From nmap XML: ports that <extraports> summarises are expanded
   * to one PortResult each; stats are zero (XML has none); evidence holds only
   * the responder (reason_ip); a reason nmap has and rawscan does not (e.g.
   * "unknown-response") is kept verbatim; report.version is the producer's.
   */
  report: ScanReport;
  /** a JSON document written with --open, which lists only open-ish ports */
  openOnly: boolean;
  /** where the scan types are declared: "line 6" */
  scanTypesAt: string;
  /** where a port's result (one of report's, of the host at address) comes from: "line 14" or "hosts[0].ports[3]" */
  where(address: string, port: PortResult): string;
}

export function describe(result: ScanResult): string {
  const producer = result.format === 'nmap-xml' ? ` (written by ${result.producer})` : '';
  return `${result.path} is ${FORMAT_NAMES[result.format]}${producer}`;
}
