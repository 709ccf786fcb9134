// Every probe type end to end against a lab with every port behaviour: states
// per expectedState (src/lab/types.ts), --scanflags classified as its base kind
// (silence included), --badsum answered by nobody, several scan types in one run
// with results per type in every output, SYN-vs-ACK filter labels, the evidence
// file, and middlebox flags on resets whose TTL is not the host's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedState, type Lab, type PortBehaviour } from '../../src/lab/index.js';
import type { PortState, ScanType } from '../../src/scan/types.js';
import { createTestLab, requireRoot } from './helpers/lab.js';
import { rawscanInLab, removeRun, type JsonReportPort, type ScanRun } from './helpers/rawscan.js';

const TARGET = '198.19.0.1';
const PLAN: Record<number, PortBehaviour> = {
  22: 'open',
  23: 'drop',
  24: 'reject-port',
  25: 'reject-admin',
  26: 'reject-host',
  27: 'reset',
  // 28, 29: closed
  30: 'stateful',
  31: 'drop-syn',
};
const PORTS = Array.from({ length: 10 }, (_, i) => 22 + i);
const PORT_SPEC = '22-31';

/** [port, got, want] for every port whose state is not the expected one. */
function wrong(ports: JsonReportPort[], scan: string, want: (port: number) => PortState) {
  const got = new Map(ports.filter((p) => p.scan === scan).map((p) => [p.port, p.state]));
  return PORTS.filter((port) => got.get(port) !== want(port)).map((port) => [
    port,
    got.get(port),
    want(port),
  ]);
}

describe.runIf(requireRoot())('probe types against every port behaviour', () => {
  let lab: Lab;
  const runs: ScanRun[] = [];
  const scan = async (args: string[]) => {
    const run = await rawscanInLab(lab, [...args, '-p', PORT_SPEC, '-n', '--max-retries', '1', TARGET]);
    runs.push(run);
    expect(run.report.incomplete).toBe(false);
    return run;
  };

  beforeAll(async () => {
    lab = await createTestLab({ ports: PLAN });
  });

  afterAll(async () => {
    runs.forEach(removeRun);
    await lab?.destroy();
  });

  it.each<[string, ScanType]>([
    ['-sS', 'syn'],
    ['-sF', 'fin'],
    ['-sN', 'null'],
    ['-sX', 'xmas'],
    ['-sA', 'ack'],
    ['-sW', 'window'],
    ['-sM', 'maimon'],
  ])('%s: every port as expectedState says', async (flag, type) => {
    const { report } = await scan([flag]);
    expect(wrong(report.hosts[0].ports, type, (p) => expectedState(type, lab.truth(p)))).toEqual([]);
  });

  // Linux: a listener drops SYN+FIN silently; conntrack calls SYN+FIN invalid; drop-syn matches it.
  const synFin = (b: PortBehaviour): PortState => (b === 'closed' || b === 'reset' ? 'closed' : 'filtered');
  it.each<[string, string[], (b: PortBehaviour) => PortState]>([
    [
      'FIN|URG classified as FIN: silence is open|filtered',
      ['-sF', '--scanflags', 'FINURG'],
      (b) => expectedState('fin', b),
    ],
    ['ACK|PSH classified as ACK', ['-sA', '--scanflags', 'ACKPSH'], (b) => expectedState('ack', b)],
    ['SYN|FIN classified as SYN (the default base)', ['--scanflags', 'SYNFIN'], synFin],
  ])('--scanflags %s', async (_, args, want) => {
    const { report } = await scan(args);
    expect(report.hosts[0].ports.every((p) => p.scan === 'custom')).toBe(true);
    expect(wrong(report.hosts[0].ports, 'custom', (p) => want(lab.truth(p)))).toEqual([]);
  });

  it('--ttl and --data-length leave the states as they are one hop away', async () => {
    const { report } = await scan(['-sS', '--ttl', '3', '--data-length', '40']);
    expect(wrong(report.hosts[0].ports, 'syn', (p) => expectedState('syn', lab.truth(p)))).toEqual([]);
  });

  it('--badsum: neither the host nor its nftables rejects answer a bad checksum', async () => {
    const { report } = await scan(['-sS', '--badsum']);
    const answered = report.hosts[0].ports.filter((p) => p.reason !== 'no-response');
    expect(answered).toEqual([]);
  });

  it('-sS -sA in one run: results per type in JSON, XML, grepable and normal output', async () => {
    const run = await scan([
      '-sS',
      '-sA',
      '-oX',
      '{dir}/out.xml',
      '-oG',
      '{dir}/out.gnmap',
      '-oN',
      '{dir}/out.txt',
    ]);
    const ports = run.report.hosts[0].ports;
    expect(ports).toHaveLength(PORTS.length * 2);
    expect(wrong(ports, 'syn', (p) => expectedState('syn', lab.truth(p)))).toEqual([]);
    expect(wrong(ports, 'ack', (p) => expectedState('ack', lab.truth(p)))).toEqual([]);
    const xml = readFileSync(join(run.dir, 'out.xml'), 'utf8');
    expect(xml.match(/<scaninfo type="(\w+)"/g)).toEqual(['<scaninfo type="syn"', '<scaninfo type="ack"']);
    execFileSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', join(run.dir, 'out.xml')]);
    const grepable = readFileSync(join(run.dir, 'out.gnmap'), 'utf8');
    expect(grepable).toMatch(/Ports: 22\/open\/tcp.*\tScan: syn\n/);
    expect(grepable).toMatch(/Ports: 22\/unfiltered\/tcp.*\tScan: ack\n/);
    const normal = readFileSync(join(run.dir, 'out.txt'), 'utf8');
    expect(normal).toContain('SYN Stealth Scan:');
    expect(normal).toContain('ACK Scan:');
  });

  it('-sS -sA: labels stateful, stateless, blocked and none as the rules are', async () => {
    const run = await scan(['-sS', '-sA', '--evidence', '{dir}/evidence.ndjson']);
    const doc = JSON.parse(readFileSync(join(run.dir, 'out.json'), 'utf8'));
    // A plain drop or ICMP reject stops SYN and ACK alike: "blocked", not stateful.
    // `reject with tcp reset` answers both, as a closed port does: "none" (see the middlebox test).
    expect(doc.hosts[0].filtering).toEqual([
      { label: 'stateful', ports: '30', count: 1 },
      { label: 'stateless', ports: '31', count: 1 },
      { label: 'none', ports: '22,27-29', count: 4 },
      { label: 'blocked', ports: '23-26', count: 4 },
    ]);
    const normal = run.exec.stdout;
    expect(normal).toContain(
      'Filtering (SYN vs ACK): stateful 30; stateless 31; none 22,27-29; blocked 23-26',
    );
  });

  it('--evidence: one line per probe outcome; port-unreachable, host- and admin-prohibited stay distinct', async () => {
    const run = await scan(['-sS', '-sA', '--evidence', '{dir}/evidence.ndjson']);
    const lines = readFileSync(join(run.dir, 'evidence.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(PORTS.length * 2);
    const syn = new Map(lines.filter((l) => l.scan === 'syn').map((l) => [l.port, l]));
    expect([24, 25, 26].map((p) => [syn.get(p).reason, syn.get(p).icmpType, syn.get(p).icmpCode])).toEqual([
      ['port-unreach', 3, 3],
      ['admin-prohibited', 3, 13],
      ['host-prohibited', 3, 10],
    ]);
    for (const l of lines.filter((l) => l.reason !== 'no-response')) {
      expect(l).toMatchObject({ address: TARGET, responder: TARGET, tryNo: expect.any(Number), ttl: 64 });
      expect(l.ipId).toEqual(expect.any(Number));
    }
    expect(syn.get(23)).toMatchObject({ state: 'filtered', reason: 'no-response', filter: 'blocked' });
    expect(syn.get(23).ttl).toBeUndefined();
    expect(syn.get(22)).toMatchObject({ reason: 'syn-ack', tcpFlags: 0x12, filter: 'none' });
  });

  it('middlebox flags: nftables resets look like the kernel, until their TTL differs', async () => {
    // In the target itself, `reject with tcp reset` sends what the kernel sends: TTL 64, window 0.
    const plain = await scan(['-sS', '-sA', '--evidence', '{dir}/evidence.ndjson']);
    const byKey = new Map(plain.report.hosts[0].ports.map((p) => [`${p.port}/${p.scan}`, p]));
    for (const scanType of ['syn', 'ack']) {
      const [nft, kernel] = [byKey.get(`27/${scanType}`)!, byKey.get(`28/${scanType}`)!];
      expect(nft.evidence).toMatchObject({ ttl: kernel.evidence!.ttl, window: 0 });
      expect((kernel.evidence as { window?: number }).window).toBe(0);
    }
    const plainDoc = JSON.parse(readFileSync(join(plain.dir, 'out.json'), 'utf8'));
    expect(plainDoc.hosts[0].ports.filter((p: { middlebox?: unknown }) => p.middlebox)).toEqual([]);
    // A middlebox that forges the resets of port 27 with its own initial TTL.
    const table = `rawscan_p3_${process.pid}`;
    const rules = `table ip ${table} {\n  chain out {\n    type filter hook output priority 0; policy accept;\n    tcp sport 27 tcp flags rst ip ttl set 200\n  }\n}\n`;
    const load = await lab.execInTarget('nft', ['-f', '-'], { input: rules });
    expect(load.code, load.stderr).toBe(0);
    try {
      const forged = await scan(['-sS', '-sA', '--evidence', '{dir}/evidence.ndjson']);
      const doc = JSON.parse(readFileSync(join(forged.dir, 'out.json'), 'utf8'));
      expect(doc.hosts[0].baseline).toEqual({ ttl: 64, ttlFrom: 'syn-ack', resetWindow: 0 });
      const flagged = doc.hosts[0].ports
        .filter((p: { middlebox?: unknown }) => p.middlebox)
        .map((p: { port: number; scan: string; middlebox: unknown }) => [p.port, p.scan, p.middlebox]);
      const flag = { differs: ['ttl'], ttl: 200, baselineTtl: 64, window: 0, baselineWindow: 0 };
      expect(flagged).toEqual([
        [27, 'syn', flag],
        [27, 'ack', flag],
      ]);
      expect(forged.exec.stdout).toContain('27/tcp syn reset: ttl 200 (host 64)');
    } finally {
      await lab.execInTarget('nft', ['delete', 'table', 'ip', table]);
    }
  });
});
