import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { formatOf, handler } from '../../src/cli/merge-command.js';
import { FORMATTERS, renderToString } from '../../src/output/index.js';
import { mergeResults } from '../../src/results/merge.js';
import { parseResult, readResult } from '../../src/results/read.js';
import type { ScanResult } from '../../src/results/types.js';
import type { HostResult, ScanReport } from '../../src/scan/types.js';
import { T0, stats } from '../fixtures/reports/build.js';
import { firewallAudit } from '../fixtures/reports/firewall-audit.js';

const OPTS = { version: '0.1.0', args: 'rawscan merge -o all.json a b' };

/**
 * Shard k (1-based) of n of firewallAudit: the (host, port) probes whose index
 * in host-major order is ≡ k-1 mod n, except that 198.18.0.4 is all in the last
 * shard (a host only one shard has). Stats and host times are split so that
 * merging gives the whole scan's back.
 */
function shard(k: number, n: number, overrides: Partial<ScanReport> = {}): ScanReport {
  let index = 0;
  const hosts: HostResult[] = [];
  for (const host of firewallAudit.hosts) {
    const ports = host.ports.filter(() => (host.address === '198.18.0.4' ? k === n : index++ % n === k - 1));
    if (ports.length === 0) continue;
    const part: HostResult = { ...structuredClone(host), ports: structuredClone(ports) };
    if (host.startTime !== undefined) part.startTime = k === 1 ? host.startTime : host.startTime + 100;
    if (host.endTime !== undefined) part.endTime = k === n ? host.endTime : host.endTime - 100;
    hosts.push(part);
  }
  const whole = firewallAudit.stats;
  const share = (total: number) =>
    k === n ? total - Math.floor(total / n) * (n - 1) : Math.floor(total / n);
  return {
    ...structuredClone(firewallAudit),
    args: `${firewallAudit.args} --shard ${k}/${n} --seed 7`,
    startTime: T0 + (k - 1) * 5,
    endTime: firewallAudit.endTime - (n - k) * 5,
    hosts,
    stats: stats({
      probesSent: share(whole.probesSent),
      retransmissions: share(whole.retransmissions),
      repliesAccepted: share(whole.repliesAccepted),
      notes: [...whole.notes],
    }),
    ...overrides,
  };
}

function asFinScan(report: ScanReport): ScanReport {
  for (const host of report.hosts) for (const p of host.ports) p.scan = 'fin';
  return { ...report, scanTypes: ['fin'] };
}

function read(report: ScanReport, path: string, format: 'json' | 'xml' = 'json'): ScanResult {
  return parseResult(renderToString(FORMATTERS[format], report), path);
}

function mergeError(results: ScanResult[]): string {
  try {
    mergeResults(results, OPTS);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('merge did not fail');
}

describe('mergeResults', () => {
  it.each([2, 3])('joins %i JSON shards into the unsharded report', (n) => {
    const shards = Array.from({ length: n }, (_, i) => read(shard(i + 1, n), `s${i + 1}.json`));
    const { report, warnings } = mergeResults(shards, OPTS);
    expect(warnings).toEqual([]);
    expect(report).toEqual({
      ...firewallAudit,
      args: OPTS.args,
      stats: {
        ...firewallAudit.stats,
        notes: [
          `merged from ${n} files: ${shards.map((s) => s.path).join(', ')}`,
          ...firewallAudit.stats.notes,
        ],
      },
    });
  });

  it('joins XML shards (ports that <extraports> summarised included) and mixed formats', () => {
    const verdicts = (r: ScanReport) =>
      r.hosts.flatMap((h) => h.ports.map((p) => `${h.address} ${p.port} ${p.state} ${p.reason}`));
    const xml = mergeResults([read(shard(1, 2), 'a.xml', 'xml'), read(shard(2, 2), 'b.xml', 'xml')], OPTS);
    const mixed = mergeResults([read(shard(1, 2), 'a.xml', 'xml'), read(shard(2, 2), 'b.json')], OPTS);
    for (const { report } of [xml, mixed]) expect(verdicts(report)).toEqual(verdicts(firewallAudit));
  });

  it('takes the earliest start, the latest end, and incomplete if any shard is', () => {
    const { report } = mergeResults(
      [
        read(shard(1, 2, { startTime: T0 - 1000, incomplete: true }), 'a.json'),
        read(shard(2, 2, { endTime: T0 + 9000 }), 'b.json'),
      ],
      OPTS,
    );
    expect([report.startTime, report.endTime, report.incomplete]).toEqual([T0 - 1000, T0 + 9000, true]);
  });

  it('accepts a port two shards both have when they agree', () => {
    const second = shard(2, 2);
    second.hosts[0].ports.push(structuredClone(firewallAudit.hosts[0].ports[0]));
    second.hosts[0].ports.sort((a, b) => a.port - b.port);
    expect(mergeResults([read(shard(1, 2), 'a.json'), read(second, 'b.json')], OPTS).report.hosts).toEqual(
      firewallAudit.hosts,
    );
  });

  it('refuses a port two shards report with different states, naming both files and where', () => {
    const shards = [shard(1, 2), shard(2, 2)];
    const app = (r: ScanReport) => r.hosts.find((h) => h.address === '198.18.0.3')!;
    const holder = shards.findIndex((r) => app(r).ports.some((p) => p.port === 8080));
    const open8080 = app(shards[holder]).ports.find((p) => p.port === 8080)!;
    expect(open8080.state).toBe('open');
    const other = app(shards[1 - holder]);
    other.ports.push({ ...structuredClone(open8080), state: 'closed', reason: 'reset' });
    const [first, second] = holder === 0 ? shards : [shards[1], shards[0]];
    expect(mergeError([read(first, 'a.json'), read(second, 'b.xml', 'xml')])).toMatch(
      /^198\.18\.0\.3 port 8080\/tcp \(syn scan\) is open \(syn-ack\) in a\.json hosts\[\d\]\.ports\[\d+\] but closed \(reset\) in b\.xml line \d+: /,
    );
  });

  it.each([
    [
      'mixed scan types',
      asFinScan(shard(2, 2)),
      'a.json (field scanTypes, line 9) has scan types syn but b.json (field scanTypes, line 9) has fin',
    ],
    [
      'different port lists',
      shard(2, 2, { ports: [...firewallAudit.ports, 9000] }),
      'a.json and b.json scanned different ports (port 9000 is in the second but not the first)',
    ],
    ['the same shard twice', shard(1, 2), 'a.json and b.json are both shard 1/2: give each shard once'],
    [
      'different seeds',
      shard(2, 2, { args: `${firewallAudit.args} --shard 2/2 --seed 8` }),
      'a.json was scanned with --seed 7 but b.json with --seed 8',
    ],
    ['different shard counts', shard(2, 3), 'a.json is one of 2 shards but b.json one of 3'],
  ])('refuses %s', (_, second, message) => {
    expect(mergeError([read(shard(1, 2), 'a.json'), read(second, 'b.json')])).toContain(message);
  });

  it('refuses a JSON document written with --open', () => {
    const open = parseResult(renderToString(FORMATTERS.json, shard(2, 2), { openOnly: true }), 'b.json');
    expect(mergeError([read(shard(1, 2), 'a.json'), open])).toContain('b.json was written with --open');
  });

  it('warns about missing shards and about hosts with missing probes', () => {
    const { report, warnings } = mergeResults(
      [read(shard(1, 3), 'a.json'), read(shard(3, 3), 'c.json')],
      OPTS,
    );
    expect(warnings).toEqual([
      'shard 2/3 not given: the merged result is partial',
      '68 probe results missing on 2 hosts (e.g. 198.18.0.2 port 2/tcp, syn scan): a shard is missing or was interrupted',
    ]);
    expect(report.hosts.map((h) => h.address)).toEqual(['198.18.0.2', '198.18.0.3', '198.18.0.4']);
  });
});

describe('rawscan merge (command handler)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rawscan-merge-'));
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.xml');
  writeFileSync(a, renderToString(FORMATTERS.json, shard(1, 2)));
  writeFileSync(b, renderToString(FORMATTERS.xml, shard(2, 2)));

  it.each([
    ['all.json', 'rawscan-json'],
    ['all.xml', 'nmap-xml'],
  ] as const)('writes %s, which reads back as the whole scan', async (name, format) => {
    const output = join(dir, name);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await handler({ files: [a, b], output, format: undefined, reason: false, _: [], $0: 'rawscan' });
    vi.restoreAllMocks();
    const merged = await readResult(output);
    expect(merged.format).toBe(format);
    expect(merged.report.hosts.map((h) => [h.address, h.ports.length])).toEqual(
      firewallAudit.hosts.map((h) => [h.address, 102]),
    );
    expect(merged.report.args).toBe(
      `rawscan merge -o ${output} --format ${format === 'nmap-xml' ? 'xml' : 'json'} ${a} ${b}`,
    );
  });

  it.each([
    ['out.json', 'json'],
    ['out.XML', 'xml'],
    ['out.gnmap', 'grepable'],
    ['out.nmap', 'normal'],
    ['-', 'json'],
    ['out', 'json'],
  ])('format of -o %s: %s', (output, format) => {
    expect(formatOf(output)).toBe(format);
  });

  it('asks for --format when the extension says nothing', () => {
    expect(() => formatOf('out.bin')).toThrow(
      "cannot tell the format of 'out.bin' from its extension: add --format",
    );
  });
});
