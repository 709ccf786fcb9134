// NDJSON output: one JSON object per line, for pipelines (jq, log shippers).
//
//   {"type":"header","format":"rawscan-ndjson","formatVersion":1,"scanner":{...},"args":...,"startTime":...}
//   {"type":"port","address":"198.18.0.2","port":22,"protocol":"tcp","scan":"syn","state":"open",...}
//   ... one "port" line per port result (only open, open|filtered, unfiltered with --open)
//   {"type":"host","address":"198.18.0.2","status":"up","stateCounts":{...}}   after that host's ports
//   {"type":"footer","endTime":...,"elapsedSeconds":...,"incomplete":false,"summary":{...},"stats":{...}}
//
// Line shapes are $defs ndjsonHeader/ndjsonPort/ndjsonHost/ndjsonFooter of
// docs/schema/rawscan-report.schema.json; port and host objects are the JSON
// document's, plus "type" and the host's address. The line builders are
// exported so that a scan can stream lines as results arrive.

import type { HostResult, PortResult, ScanReport } from '../scan/types.js';
import type { Formatter, RenderOptions } from './types.js';
import { JSON_FORMAT_VERSION, elapsed, jsonScanInfo, jsonStats, jsonSummary, keepPort } from './json.js';
import { jsonHostFields, jsonPortFields, jsonString } from './json-text.js';
import { TextChunks } from './chunks.js';
import { iso } from './time.js';
import { portRows } from '../scan/port-rows.js';
import { middleboxFlags, type MiddleboxFlag } from '../audit/middlebox.js';

export const ndjsonFormatter: Formatter = {
  name: 'ndjson',
  *render(report: ScanReport, opts: RenderOptions = {}): Iterable<string> {
    const out = new TextChunks();
    out.add(ndjsonHeader(report));
    for (const host of report.hosts) {
      const { flags } = middleboxFlags(host);
      const rows = portRows(host);
      for (let k = 0; k < rows.length; k++) {
        const p = rows.row(k);
        if (!keepPort(p, opts)) continue;
        out.add(ndjsonPort(host, p, opts, flags.get(k)));
        if (out.ready) yield* out.take();
      }
      out.add(ndjsonHost(host));
      yield* out.take();
    }
    out.add(ndjsonFooter(report));
    yield* out.end();
  },
};

export function ndjsonHeader(
  report: Pick<ScanReport, 'version' | 'args' | 'scanTypes' | 'ports' | 'startTime'>,
): string {
  return line({
    type: 'header',
    format: 'rawscan-ndjson',
    formatVersion: JSON_FORMAT_VERSION,
    ...jsonScanInfo(report),
  });
}

/** middlebox: the port's flag, known once its host is complete (not while streaming) */
export function ndjsonPort(
  host: Pick<HostResult, 'address' | 'hostname'>,
  p: PortResult,
  opts: RenderOptions = {},
  middlebox?: MiddleboxFlag,
): string {
  const name = host.hostname === undefined ? '' : `,"hostname":${jsonString(host.hostname)}`;
  const fields = jsonPortFields(p, opts, middlebox);
  return `{"type":"port","address":${jsonString(host.address)}${name},${fields}}\n`;
}

export function ndjsonHost(host: HostResult): string {
  return `{"type":"host",${jsonHostFields(host, middleboxFlags(host).baseline)}}\n`;
}

export function ndjsonFooter(report: ScanReport): string {
  return line({
    type: 'footer',
    endTime: iso(report.endTime),
    elapsedSeconds: elapsed(report),
    incomplete: report.incomplete,
    summary: jsonSummary(report),
    stats: jsonStats(report.stats),
  });
}

/** JSON.stringify never emits a raw newline, so each record is exactly one line. */
function line(record: object): string {
  return `${JSON.stringify(record)}\n`;
}
