// Every format's text of a fixed set of reports, compared with golden files
// (test/fixtures/golden/render.*). The formatters are written for speed
// (per-report caches, constant fragments, chunked text): any change in what
// they write, even one byte, shows here. After an intended change of a format,
// check the diff and rewrite the files with `npx vitest run -u <this file>`.
//
// The reports: small raw scans read through the tracker (tracked-rows.ts) and
// the same hosts as PortResult objects, plus the hand-made fixtures, rendered
// with the option sets the CLI uses.
import { describe, expect, it } from 'vitest';
import { FORMATTERS, OUTPUT_FORMATS, renderToString, type RenderOptions } from '../../src/output/index.js';
import { ProbeSpace } from '../../src/scan/probe-space.js';
import { portRows } from '../../src/scan/port-rows.js';
import { reportHosts } from '../../src/scan/tracked-rows.js';
import { Verdicts } from '../../src/scan/tracker.js';
import type { HostResult, ProbeKind, ScanReport } from '../../src/scan/types.js';
import { emptyStats } from '../../src/scan/types.js';
import { mulberry32 } from './fake-engine.js';
import { recordRandomVerdicts } from '../fixtures/reports/random-verdicts.js';
import { T0 } from '../fixtures/reports/build.js';
import { firewallAudit } from '../fixtures/reports/firewall-audit.js';
import { multiType } from '../fixtures/reports/multi-type.js';

process.env.TZ = 'UTC';

interface Shape {
  kinds: ProbeKind[];
  hosts: number;
  ports: number;
  /** some decided indices left out: an interrupted scan */
  interrupted: boolean;
  verbose: number;
  /** share of replies with a TTL other than the host's: middlebox flags */
  forged: number;
}

const SHAPES: Shape[] = [
  { kinds: ['syn'], hosts: 3, ports: 6, interrupted: false, verbose: 0, forged: 0.05 },
  { kinds: ['syn'], hosts: 1, ports: 70, interrupted: false, verbose: 0, forged: 0.05 },
  { kinds: ['syn'], hosts: 1, ports: 200, interrupted: false, verbose: 0, forged: 0.5 },
  { kinds: ['syn', 'ack'], hosts: 2, ports: 30, interrupted: true, verbose: 1, forged: 0.05 },
  { kinds: ['fin', 'ack', 'syn'], hosts: 1, ports: 20, interrupted: false, verbose: 3, forged: 0 },
  { kinds: ['window'], hosts: 2, ports: 40, interrupted: true, verbose: 0, forged: 0.05 },
];

/** A raw scan of random verdicts, read through the tracker. */
function trackedReport(shape: Shape, seed: number): ScanReport {
  const random = mulberry32(seed);
  const { kinds } = shape;
  const addresses = Array.from({ length: shape.hosts }, (_, i) => 0xc6130001 + i * 7);
  const targets = {
    size: addresses.length,
    at: (i: number) => addresses[i],
    hostnames: new Map([[addresses[0], 'www & "co"']]),
  };
  const ports = Array.from({ length: shape.ports }, () => 1 + Math.floor(random() * 200));
  const space = new ProbeSpace({ targets, ports, scanTypes: kinds });
  const verdicts = new Verdicts();
  const covered = recordRandomVerdicts(random, space, addresses, verdicts, {
    undecided: shape.interrupted ? 0.2 : 0,
    silent: 0.25,
    open: 0.45,
    icmp: 0.85,
    forged: shape.forged,
    oddWindows: true,
  });
  return {
    scanner: 'rawscan',
    version: '0.1.0',
    args: `rawscan -s${kinds.join(',')} --note "a\tb"\n198.19.0.1`,
    scanTypes: [...kinds],
    ports: Array.from(space.ports),
    startTime: T0 + seed * 1111,
    endTime: T0 + seed * 1111 + 1530,
    hosts: reportHosts(space, verdicts, shape.interrupted ? Float64Array.from(covered) : null),
    stats: { ...emptyStats(shape.interrupted ? ['scan interrupted: --> 5 of 9'] : []), srttMs: 0.25 },
    incomplete: shape.interrupted,
    verbose: shape.verbose,
  };
}

/** The same report with one PortResult object per port. */
function withPlainHosts(report: ScanReport): ScanReport {
  const hosts = report.hosts.map((h): HostResult => {
    const rows = portRows(h);
    const ports = Array.from({ length: rows.length }, (_, i) => rows.result(i));
    // Field by field: a raw scan's host has its address and ports as getters, which a spread leaves out.
    const copy: HostResult = { address: h.address, ports };
    if (h.hostname !== undefined) copy.hostname = h.hostname;
    if (h.startTime !== undefined) copy.startTime = h.startTime;
    if (h.endTime !== undefined) copy.endTime = h.endTime;
    return copy;
  });
  return { ...report, hosts };
}

const SERVICES: Record<number, string> = { 22: 'ssh', 80: 'http', 25: 'smtp<"&>', 53: 'domain' };
/**
 * Option sets per format: --reason and the terminal flavour change normal
 * output only. JSON's --open is a filter (output-json.test.ts): left out, as
 * are the large reports (BIG), to keep the JSON files small.
 */
const DEFAULT: [string, RenderOptions] = ['default', {}];
const OPEN: [string, RenderOptions] = ['open interactive', { openOnly: true, interactive: true }];
const OPTIONS: Record<(typeof OUTPUT_FORMATS)[number], [string, RenderOptions][]> = {
  normal: [DEFAULT, OPEN, ['reason', { reason: true }]],
  xml: [DEFAULT, OPEN],
  grepable: [DEFAULT, OPEN],
  json: [DEFAULT],
  ndjson: [DEFAULT],
};

function reports(): [string, ScanReport][] {
  return [
    ...SHAPES.map((shape, i): [string, ScanReport] => [`tracked ${i}`, trackedReport(shape, i + 1)]),
    ['firewall audit', firewallAudit],
    ['multi type', multiType],
    ['no hosts', { ...multiType, hosts: [] }],
  ];
}

/** reports for the collapse rule and the middlebox list of normal output */
const BIG = new Set(['tracked 1', 'tracked 2']);

function renderAll(format: (typeof OUTPUT_FORMATS)[number], plain: boolean): string {
  let text = '';
  for (const [name, report] of reports()) {
    if (BIG.has(name) && (format === 'json' || format === 'ndjson')) continue;
    for (const [label, opts] of OPTIONS[format]) {
      const o = { ...opts, serviceName: (p: number) => SERVICES[p] };
      text += `==== ${name}, ${label} ====\n`;
      text += renderToString(FORMATTERS[format], plain ? withPlainHosts(report) : report, o);
    }
  }
  return text;
}

describe('golden renders', () => {
  it.each(OUTPUT_FORMATS.map((f) => [f]))('%s: as the golden file', async (format) => {
    await expect(renderAll(format, false)).toMatchFileSnapshot(`../fixtures/golden/render.${format}`);
    expect(renderAll(format, true)).toBe(renderAll(format, false));
  });
});
