// Our -oX files read by nmap's own tools: xmllint validates them against
// nmap.dtd, and ndiff compares two scans. Needs only the installed binaries,
// no root and no network.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { xmlFormatter } from '../../src/output/xml.js';
import { renderToString } from '../../src/output/types.js';
import type { RenderOptions } from '../../src/output/types.js';
import type { PortResult, ScanReport } from '../../src/scan/types.js';
import { port, rangeList, withReport } from '../fixtures/reports/build.js';
import { firewallAudit, withPortState } from '../fixtures/reports/firewall-audit.js';
import { multiType } from '../fixtures/reports/multi-type.js';

const NMAP_DTD = '/usr/share/nmap/nmap.dtd';
const have = (cmd: string, ...args: string[]): boolean => spawnSync(cmd, args).status === 0;
const tools =
  have('xmllint', '--version') && have('ndiff', '--help') && spawnSync('test', ['-r', NMAP_DTD]).status === 0;
if (!tools && process.env.CI === 'true') {
  throw new Error('xmllint, ndiff and nmap.dtd are required under CI: run scripts/setup.sh');
}

const dir = mkdtempSync(join(tmpdir(), 'rawscan-xml-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERVICES: Record<number, string> = { 22: 'ssh', 80: 'http', 443: 'https', 8080: 'http-proxy' };
function writeXml(name: string, report: ScanReport, opts: RenderOptions = {}): string {
  const path = join(dir, `${name}.xml`);
  writeFileSync(path, renderToString(xmlFormatter, report, { serviceName: (p) => SERVICES[p], ...opts }));
  return path;
}

/** every state and reason rawscan can write, on one host, plus an all-silent host */
function everyState(): ScanReport {
  const states: PortResult[] = [
    port(1, 'syn', 'open', 'syn-ack', 64),
    port(2, 'syn', 'closed', 'reset', 64),
    port(3, 'syn', 'filtered', 'host-unreach', 62, { responder: '198.18.0.254' }),
    port(4, 'syn', 'unfiltered', 'reset', 64),
    port(5, 'syn', 'open|filtered', 'no-response'),
    port(6, 'syn', 'closed|filtered', 'time-exceeded', 1, { responder: '198.18.0.253' }),
    ...rangeList(7, 40).map((p) => port(p, 'syn', 'filtered', p % 2 ? 'no-response' : 'net-prohibited', 63)),
  ];
  return withReport({
    args: 'rawscan -p 1-40 "--weird=<&>" 198.18.0.10',
    ports: rangeList(1, 40),
    hosts: [
      { address: '198.18.0.10', hostname: 'every.state', ports: states, startTime: 1, endTime: 2 },
      {
        address: '198.18.0.11',
        ports: rangeList(1, 40).map((p) => port(p, 'syn', 'filtered', 'no-response')),
      },
    ],
    incomplete: true,
  });
}

describe.skipIf(!tools)('XML read by nmap tools', () => {
  test.each([
    ['firewall-audit', firewallAudit, {}],
    ['firewall-audit-open', firewallAudit, { openOnly: true }],
    ['multi-type', multiType, {}],
    ['every-state', everyState(), {}],
    ['no-hosts', withReport({}), {}],
  ] as const)('%s validates against nmap.dtd', (name, report, opts) => {
    const run = spawnSync('xmllint', ['--noout', '--dtdvalid', NMAP_DTD, writeXml(name, report, opts)], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  test('ndiff names the one port whose state changed, with both states', () => {
    const before = writeXml('before', firewallAudit);
    const after = writeXml('after', withPortState(firewallAudit, '198.18.0.3', 100, 'open', 'syn-ack'));
    const run = spawnSync('ndiff', [before, after], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1); // ndiff: 1 = the scans differ
    expect(run.stdout).toMatch(/^-Nmap rawscan-0\.1\.0 scan initiated .* as: rawscan -sS/m);
    expect(run.stdout).toContain(' 198.18.0.3:');
    expect(run.stdout).toMatch(/^-100\/tcp +filtered *$/m);
    expect(run.stdout).toMatch(/^\+100\/tcp +open *$/m);
    expect(run.stdout).not.toMatch(/^[-+](22|80|443|8080)\/tcp/m);
  });

  test('ndiff sees a port that moves into a collapsed state', () => {
    const before = writeXml('before2', firewallAudit);
    const after = writeXml('after2', withPortState(firewallAudit, '198.18.0.3', 8080, 'closed', 'reset'));
    const run = spawnSync('ndiff', [before, after], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^-8080\/tcp +open +http-proxy/m);
    expect(run.stdout).toContain('+Not shown: 100 closed ports');
  });

  test('ndiff finds no difference between a scan and itself (also with several scan types)', () => {
    for (const report of [firewallAudit, multiType]) {
      const a = writeXml('same-a', report);
      const b = writeXml('same-b', report);
      const run = spawnSync('ndiff', [a, b], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
  });
});
