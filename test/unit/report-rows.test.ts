// The compact report of a raw scan (src/scan/tracked-rows.ts, port-rows.ts):
// hosts whose ports stay in the tracker's typed arrays must read, and render
// in every format, exactly as the same hosts with one PortResult per port; and
// the JSON text writers must write what JSON.stringify writes of the objects.
import { describe, expect, it } from 'vitest';
import { evidenceLines } from '../../src/audit/evidence.js';
import { FORMATTERS, renderToString, type RenderOptions } from '../../src/output/index.js';
import { jsonPortFields } from '../../src/output/json-text.js';
import { jsonPort } from '../../src/output/json.js';
import { ProbeSpace } from '../../src/scan/probe-space.js';
import { LazyPortsHost, portRows } from '../../src/scan/port-rows.js';
import { reportHosts } from '../../src/scan/tracked-rows.js';
import { Verdicts } from '../../src/scan/tracker.js';
import type { HostResult, PortEvidence, ProbeKind, ScanReport } from '../../src/scan/types.js';
import { emptyStats } from '../../src/scan/types.js';
import { mulberry32 } from './fake-engine.js';
import { recordRandomVerdicts } from '../fixtures/reports/random-verdicts.js';
import { T0, port } from '../fixtures/reports/build.js';

/** A random finished (or, with some indices left out, interrupted) raw scan. */
function randomReport(seed: number): ScanReport {
  const random = mulberry32(seed);
  const kinds: ProbeKind[] = [['syn'], ['syn', 'ack'], ['fin', 'ack', 'syn']][seed % 3] as ProbeKind[];
  const addresses = Array.from({ length: 1 + (seed % 4) }, (_, i) => 0xc6130001 + i);
  const targets = {
    size: addresses.length,
    at: (i: number) => addresses[i],
    hostnames: new Map([[addresses[0], 'www']]),
  };
  const ports = Array.from({ length: 40 + (seed % 50) }, () => 1 + Math.floor(random() * 3000));
  const space = new ProbeSpace({ targets, ports, scanTypes: kinds });
  const verdicts = new Verdicts();
  const interrupted = seed % 2 === 1;
  const covered = recordRandomVerdicts(random, space, addresses, verdicts, {
    undecided: interrupted ? 0.3 : 0,
    silent: 0.2,
    open: 0.4,
    icmp: 0.9,
    forged: 0.05,
    oddWindows: false,
  });
  return {
    scanner: 'rawscan',
    version: '0.1.0',
    args: 'rawscan -sS 198.19.0.1',
    scanTypes: [...kinds],
    ports: Array.from(space.ports),
    startTime: T0,
    endTime: T0 + 1530,
    hosts: reportHosts(space, verdicts, interrupted ? Float64Array.from(covered) : null),
    stats: emptyStats(),
    incomplete: interrupted,
    verbose: seed % 4,
  };
}

/** The same report with plain hosts: one PortResult object per port. */
function withPlainHosts(report: ScanReport): ScanReport {
  const hosts = report.hosts.map((h): HostResult => {
    const rows = portRows(h);
    const ports = Array.from({ length: rows.length }, (_, i) => rows.result(i));
    return h.hostname === undefined
      ? { address: h.address, ports }
      : { address: h.address, hostname: h.hostname, ports };
  });
  return { ...report, hosts };
}

const SERVICES: Record<number, string> = { 22: 'ssh', 80: 'http' };
const OPTIONS: RenderOptions[] = [{}, { reason: true }, { openOnly: true, interactive: true }];

describe('tracked rows', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i: row(i) reads what result(i) holds', (seed) => {
    for (const host of randomReport(seed).hosts) {
      const rows = portRows(host);
      expect(rows.length).toBeGreaterThan(0);
      for (let i = 0; i < rows.length; i++) {
        const kept = rows.result(i);
        const read = rows.row(i);
        // toEqual ignores the undefined evidence fields that the reused row carries.
        expect({ ...read, evidence: read.evidence && { ...read.evidence } }).toEqual(kept);
      }
    }
  });

  it.each([1, 2, 3, 4, 5, 6])('seed %i: every format renders as from PortResult objects', (seed) => {
    for (const opts of OPTIONS) {
      const compact = randomReport(seed);
      const plain = withPlainHosts(randomReport(seed));
      const o = { ...opts, serviceName: (p: number) => SERVICES[p] };
      for (const formatter of Object.values(FORMATTERS)) {
        expect(renderToString(formatter, compact, o), formatter.name).toBe(
          renderToString(formatter, plain, o),
        );
      }
      expect([...evidenceLines(compact)].join('')).toBe([...evidenceLines(plain)].join(''));
    }
  });

  it('makes PortResult objects only when ports is read, then reads that array', () => {
    const [host] = randomReport(2).hosts as LazyPortsHost[];
    const before = portRows(host);
    const ports = host.ports;
    expect(host.ports).toBe(ports);
    expect(portRows(host)).not.toBe(before);
    expect(JSON.parse(JSON.stringify(host)).ports).toHaveLength(ports.length);
    host.ports = ports.slice(0, 3);
    expect(portRows(host).length).toBe(3);
  });
});

describe('JSON text of a port', () => {
  const evidences: (PortEvidence | undefined)[] = [
    undefined,
    {},
    { ttl: 64, ipId: 1, window: 0, tcpFlags: 20, tryNo: 0 },
    { ttl: 64, ipId: 1, window: 0, tcpFlags: 20, tryNo: 1, rttMs: 0.125 },
    { responder: '198.18.254.1', ttl: 63, ipId: 7, icmpType: 3, icmpCode: 13, tryNo: 0, rttMs: 1e-7 },
    { ttl: 64, rttMs: NaN },
    { responder: 'odd "name"\n', window: 5 },
  ];
  it.each(evidences.map((e) => [e]))('%j: as JSON.stringify of jsonPort', (evidence) => {
    const p = port(22, 'syn', 'closed', 'reset', 64, evidence);
    const opts = { serviceName: () => 'ss"h' };
    const flag = { differs: ['ttl' as const], ttl: 200, baselineTtl: 64 };
    expect(`{${jsonPortFields(p, opts)}}`).toBe(JSON.stringify(jsonPort(p, opts)));
    expect(`{${jsonPortFields(p, {}, flag)}}`).toBe(JSON.stringify(jsonPort(p, {}, flag)));
  });
});
