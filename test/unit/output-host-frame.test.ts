// Hosts written from what a render keeps (src/output/listing.ts: the kept
// listing and the HostFrame around it) must read exactly as the same hosts
// written alone, where nothing kept can apply. Sweeps of one or two ports with
// runs of alike hosts use the frames most; the differences a frame must not
// hide are mixed in: the same listing text with another liveness (a silent
// filtered port and an ICMP-filtered one), other TTLs and latencies,
// hostnames, times and replies from a router.
import { describe, expect, it } from 'vitest';
import { normalFormatter } from '../../src/output/normal.js';
import { xmlFormatter } from '../../src/output/xml.js';
import { renderToString, type Formatter, type RenderOptions } from '../../src/output/types.js';
import type { HostResult, PortState, Reason, ScanReport } from '../../src/scan/types.js';
import { mulberry32 } from './fake-engine.js';
import { randomTrackedHosts } from '../fixtures/reports/random-verdicts.js';
import { T0, port, withReport } from '../fixtures/reports/build.js';

process.env.TZ = 'UTC';

const SERVICES: Record<number, string> = { 22: 'ssh', 23: 'telnet', 80: 'http' };
const serviceName = (p: number): string | undefined => SERVICES[p];

/** Port verdicts a host of the plain sweep may have: [state, reason, reason TTL]. */
const VERDICTS: [PortState, Reason, number][] = [
  ['open', 'syn-ack', 64],
  ['open', 'syn-ack', 63],
  ['closed', 'reset', 64],
  ['filtered', 'no-response', 0],
  ['filtered', 'admin-prohibited', 64],
  ['filtered', 'host-unreach', 63],
];

/** A sweep of plain hosts: runs of hosts with the same ports and verdicts, latencies differing. */
function plainSweep(seed: number): ScanReport {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const newShape = () => {
    const ports = random() < 0.6 ? [23] : [22, 80];
    return ports.map((p) => [p, pick(VERDICTS)] as const);
  };
  let shape = newShape();
  const hosts: HostResult[] = [];
  for (let i = 0; i < 400; i++) {
    if (random() < 0.12) shape = newShape();
    const ports = shape.map(([p, [state, reason, ttl]]) => {
      if (reason === 'no-response') return port(p, 'syn', state, reason);
      const router = reason === 'host-unreach' && random() < 0.5;
      const rttMs = Math.round(random() * 3000) / 1000;
      return port(p, 'syn', state, reason, ttl, {
        ttl,
        rttMs,
        ...(router ? { responder: '198.18.254.1' } : {}),
      });
    });
    const host: HostResult = { address: `198.19.${i >> 8}.${i & 255}`, ports };
    const extra = random();
    if (extra < 0.04) host.hostname = `host-${i}.lab`;
    else if (extra < 0.06) Object.assign(host, { startTime: T0 + i, endTime: T0 + i + 5 });
    hosts.push(host);
  }
  return withReport({ scanTypes: ['syn'], ports: [22, 23, 80], hosts });
}

/**
 * A tracked sweep (the raw scan's own report) of 300 hosts x ports; icmp: the
 * share of ICMP answers, half of them from a router (which the listing names).
 */
function trackedSweep(seed: number, ports: number[], icmp: number): ScanReport {
  const hosts = randomTrackedHosts(mulberry32(seed), 300, ports, ['syn'], {
    silent: 0.1,
    open: 0.1 + 0.8 * (1 - icmp),
    icmp: 1 - icmp,
    forged: 0.05,
    oddWindows: false,
  });
  return withReport({ scanTypes: ['syn'], ports, hosts });
}

/** The text of each host of a rendered report, in order. */
function hostTexts(formatter: Formatter, text: string): string[] {
  if (formatter === xmlFormatter) return text.match(/<host[ >][\s\S]*?<\/host>\n/g) ?? [];
  const pieces = text.split(/^(?=rawscan scan report for )/m).slice(1);
  const last = pieces.length - 1;
  if (last >= 0) pieces[last] = pieces[last].slice(0, pieces[last].indexOf('# rawscan done'));
  return pieces;
}

const FORMATS: [string, Formatter, RenderOptions][] = [
  ['normal', normalFormatter, { serviceName }],
  ['normal --reason', normalFormatter, { serviceName, reason: true }],
  ['xml', xmlFormatter, { serviceName }],
];

describe.each(FORMATS)(
  '%s output: a host written after others reads as the host written alone',
  (_, formatter, opts) => {
    const check = (report: ScanReport) => {
      const whole = hostTexts(formatter, renderToString(formatter, report, opts));
      expect(whole).toHaveLength(report.hosts.length);
      report.hosts.forEach((host, i) => {
        const alone = hostTexts(
          formatter,
          renderToString(formatter, withReport({ ...report, hosts: [host] }), opts),
        );
        expect(whole[i], `host ${i} (${host.address})`).toBe(alone[0]);
      });
      return whole;
    };

    it.each([1, 2, 3])('plain sweep, seed %i', (seed) => {
      const whole = check(plainSweep(seed));
      // The case a frame must not hide: one listing text, two livenesses.
      expect(whole.some((t) => /did not answer|state="unknown"/.test(t))).toBe(true);
      expect(whole.some((t) => /admin-prohibited|Host is up/.test(t))).toBe(true);
    });

    it.each([
      [[23], 0.07],
      [[22, 80], 0.07],
      [[23], 0.6],
    ])('tracked sweep of ports %j, a share %d of answers ICMP', (ports, icmp) => {
      check(trackedSweep(7, ports, icmp));
    });
  },
);
