// Resilience: when the network goes away mid-scan, a signal arrives, or an
// output cannot be written, rawscan says so in one clear line, writes what it
// has (marked incomplete), and exits with the documented status
// (docs/security.md, "Resilience and exit codes"): 2 for run-time failures,
// 130 for SIGINT/SIGTERM.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedState, randomPortPlan, type Lab } from '../../src/lab/index.js';
import { labFixture, requireRoot } from './helpers/lab.js';
import type { JsonReport } from './helpers/rawscan.js';
import { describeExit, spawnRawscan } from './helpers/rawscan-process.js';

const TARGET = '198.19.0.1';
const PLAN = randomPortPlan(Date.now() % 1_000_000, { open: 60, drop: 40, rejectPort: 30, reset: 20 });
/** Slow enough that the scan is still running when the test acts (65535 probes take 20 s). */
const SLOW = ['-sS', '-p-', '-n', '-Pn', '--max-rate', '3000', TARGET];
const ACT_AFTER_MS = 2500;

function readReport(path: string): JsonReport {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonReport;
}

/** Every port of the partial report is right, and it holds some but not all ports. */
function expectRightPartial(lab: Lab, report: JsonReport): void {
  expect(report.incomplete).toBe(true);
  const ports = report.hosts.flatMap((h) => h.ports);
  expect(ports.length).toBeGreaterThan(1000);
  expect(ports.length).toBeLessThan(65535);
  const wrong = ports.filter((p) => p.state !== expectedState('syn', lab.truth(p.port)));
  expect(wrong).toEqual([]);
}

describe.runIf(requireRoot())('resilience', () => {
  const fixture = labFixture({ ports: PLAN }, 'rawscan-resilience-');

  // Run last among the network cases: they take the scanner's link or address away.
  it.each([
    ['SIGTERM', 130, /SIGTERM: stopping the scan and writing the results so far/],
    ['SIGINT', 130, /SIGINT: stopping the scan/],
  ] as const)('%s mid-scan: partial results written, exit %i', async (signal, status, message) => {
    const out = join(fixture.dir, `${signal}.json`);
    const scan = spawnRawscan(fixture.lab, [...SLOW, '-oJ', out, '-oX', join(fixture.dir, `${signal}.xml`)]);
    await new Promise((r) => setTimeout(r, ACT_AFTER_MS));
    scan.kill(signal);
    const exit = await scan.exit;
    expect(exit.code, describeExit(exit)).toBe(status);
    expect(exit.stderr).toMatch(message);
    expectRightPartial(fixture.lab, readReport(out));
    execFileSync('xmllint', [
      '--noout',
      '--dtdvalid',
      '/usr/share/nmap/nmap.dtd',
      join(fixture.dir, `${signal}.xml`),
    ]);
  });

  it('a full disk for -oJ: says so, still writes -oX, exits 2', async () => {
    const full = join(fixture.dir, 'full');
    mkdirSync(full);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', full]);
    try {
      const json = join(full, 'out.json');
      const xml = join(fixture.dir, 'disk.xml');
      const scan = spawnRawscan(fixture.lab, ['-sS', '-p', '1-3000', '-n', TARGET, '-oJ', json, '-oX', xml]);
      const exit = await scan.exit;
      expect(exit.code, describeExit(exit)).toBe(2);
      expect(exit.stderr).toMatch(`rawscan: disk full writing -oJ output to '${json}'`);
      execFileSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', xml]);
      expect(readFileSync(xml, 'utf8')).toMatch(/exit="success"/);
    } finally {
      execFileSync('umount', [full]);
    }
  });

  // Each case breaks the scanner's network, so each restores it afterwards.
  it.each([
    [
      'the interface goes down',
      ['link', 'set', 'dev', '{if}', 'down'],
      /the engine failed \(capture thread: [^)]*: ENETDOWN\)/,
    ],
    [
      'the address is removed',
      ['addr', 'flush', 'dev', '{if}'],
      /no probe could be sent for 2 s \(ENETUNREACH\)/,
    ],
  ])('%s mid-scan: clear message, partial results written, exit 2', async (_what, ipArgs, message) => {
    const out = join(fixture.dir, `net-${ipArgs[0]}.json`);
    const scan = spawnRawscan(fixture.lab, [...SLOW, '-oJ', out]);
    await new Promise((r) => setTimeout(r, ACT_AFTER_MS));
    const ip = ipArgs.map((a) => a.replace('{if}', fixture.lab.scannerInterface));
    const saved = await saveNetwork(fixture.lab);
    const broken = await fixture.lab.execInScanner('ip', ip);
    expect(broken.code, broken.stderr).toBe(0);
    const exit = await scan.exit;
    await restoreNetwork(fixture.lab, saved);
    expect(exit.code, describeExit(exit)).toBe(2);
    expect(exit.stderr).toMatch(message);
    expect(exit.stderr).toMatch(/writing the results gathered so far/);
    expect(existsSync(out)).toBe(true);
    expectRightPartial(fixture.lab, readReport(out));
  });
});

/** The scanner's addresses and routes, to put back after a case broke them. */
async function saveNetwork(lab: Lab): Promise<{ addresses: string[]; routes: string[][] }> {
  const addr = await lab.execInScanner('ip', ['-o', '-4', 'addr', 'show', 'dev', lab.scannerInterface]);
  const route = await lab.execInScanner('ip', ['-4', 'route', 'show']);
  return {
    addresses: [...addr.stdout.matchAll(/inet (\S+)/g)].map((m) => m[1]),
    routes: route.stdout
      .trim()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.trim().split(/\s+/)),
  };
}

async function restoreNetwork(lab: Lab, saved: { addresses: string[]; routes: string[][] }): Promise<void> {
  await lab.execInScanner('ip', ['link', 'set', 'dev', lab.scannerInterface, 'up']);
  for (const a of saved.addresses) {
    await lab.execInScanner('ip', ['addr', 'replace', a, 'dev', lab.scannerInterface]);
  }
  for (const r of saved.routes) await lab.execInScanner('ip', ['route', 'replace', ...r]);
}
