// The core promise, end to end: in a lab target whose 65535 ports have a known,
// randomized truth, `rawscan -sS/-sF/-sN -p-` reports every port's state right,
// agrees with nmap run in the same lab, and writes XML that nmap's DTD accepts
// and ndiff reads.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedState, randomPortPlan, type Lab } from '../../src/lab/index.js';
import type { PortBehaviour } from '../../src/lab/types.js';
import { createTestLab, parseNmapXml, requireRoot } from './helpers/lab.js';
import { rawscanInLab, removeRun, wrongPorts, type ScanRun } from './helpers/rawscan.js';

const TARGET = '198.19.0.1';
// 310 ports that are not simply closed, spread over all 65535.
const PLAN = randomPortPlan(Date.now() % 1_000_000, {
  open: 100,
  drop: 70,
  rejectPort: 50,
  rejectAdmin: 40,
  rejectHost: 30,
  reset: 20,
});

describe.runIf(requireRoot())('full-range scans against the lab truth', () => {
  let lab: Lab;
  const runs: ScanRun[] = [];

  beforeAll(async () => {
    lab = await createTestLab({ ports: PLAN });
  });

  afterAll(async () => {
    runs.forEach(removeRun);
    await lab?.destroy();
  });

  it('-sS -p- gets every port right, with reasons, and writes DTD-valid XML', async () => {
    const run = await rawscanInLab(lab, ['-sS', '-p-', '-n', '-Pn', TARGET, '-oX', '{dir}/out.xml']);
    runs.push(run);
    const ports = run.report.hosts[0].ports;
    expect(run.report.incomplete).toBe(false);
    expect(wrongPorts(ports, (p) => expectedState('syn', lab.truth(p)))).toEqual([]);
    const reasons = new Map(ports.map((p) => [p.port, p.reason]));
    const expectReason: Partial<Record<PortBehaviour, string>> = {
      open: 'syn-ack',
      closed: 'reset',
      reset: 'reset',
      drop: 'no-response',
      'reject-port': 'port-unreach',
      'reject-admin': 'admin-prohibited',
      'reject-host': 'host-prohibited',
    };
    for (const [port, behaviour] of Object.entries(PLAN)) {
      expect([port, reasons.get(Number(port))]).toEqual([port, expectReason[behaviour]]);
    }
    execFileSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', join(run.dir, 'out.xml')]);
  });

  it('agrees with nmap -sS on every port, and ndiff finds no state change', async () => {
    const ours = runs[0] ?? (await rawscanInLab(lab, ['-sS', '-p-', '-n', TARGET, '-oX', '{dir}/out.xml']));
    const nmapXml = join(ours.dir, 'nmap.xml');
    const r = await lab.execInScanner('nmap', ['-sS', '-n', '-Pn', '-T4', '-p-', '-oX', nmapXml, TARGET], {
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    const nmap = parseNmapXml(execFileSync('cat', [nmapXml], { encoding: 'utf8' }));
    const wrong = wrongPorts(ours.report.hosts[0].ports, (p) => nmap.get(p)?.state ?? 'missing');
    expect(wrong).toEqual([]);
    const diff = spawnSync('ndiff', [join(ours.dir, 'out.xml'), nmapXml], { encoding: 'utf8' });
    expect(diff.status === 0 || diff.status === 1).toBe(true); // 1 = the files differ (scanner, times)
    // ndiff also lists ports whose service name differs (nmap names ports from its own
    // nmap-services, rawscan from /etc/services): only a differing state counts here.
    const states = { '-': new Map<string, string>(), '+': new Map<string, string>() };
    for (const m of diff.stdout.matchAll(/^([-+])(\d+)\/tcp +(\S+)/gm))
      states[m[1] as '-' | '+'].set(m[2], m[3]);
    const changed = [...states['-']].filter(([port, state]) => states['+'].get(port) !== state);
    expect(changed).toEqual([]);
    expect([...states['+'].keys()].filter((port) => !states['-'].has(port))).toEqual([]);
  });

  it.each([
    ['-sF', 'fin'],
    ['-sN', 'null'],
  ] as const)('%s -p- gets every port right', async (flag, scan) => {
    const run = await rawscanInLab(lab, [flag, '-p-', '-n', '-Pn', TARGET]);
    runs.push(run);
    expect(run.report.incomplete).toBe(false);
    expect(wrongPorts(run.report.hosts[0].ports, (p) => expectedState(scan, lab.truth(p)))).toEqual([]);
  });
});
