import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { UsageError } from '../../src/cli/errors.js';
import { diffCommand } from '../../src/cli/diff-command.js';
import { FORMATTERS, renderToString } from '../../src/output/index.js';
import { diffResults, isIdentical, type ResultDiff } from '../../src/results/diff.js';
import { renderDiffJson, renderDiffText } from '../../src/results/diff-render.js';
import { parseResult, readResult } from '../../src/results/read.js';
import type { ScanReport } from '../../src/scan/types.js';
import { port } from '../fixtures/reports/build.js';
import { firewallAudit } from '../fixtures/reports/firewall-audit.js';
import { withPortClosed } from '../fixtures/results/reports.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/results');
const fixture = (name: string): string => join(FIXTURES, name);

function edited(edit: (r: ScanReport) => void): ScanReport {
  const copy = structuredClone(firewallAudit);
  edit(copy);
  return copy;
}

/** Both reports through one format and back, then diffed. */
function diffOf(old: ScanReport, neu: ScanReport, format: 'json' | 'xml' = 'json'): ResultDiff {
  const read = (r: ScanReport, name: string) =>
    parseResult(renderToString(FORMATTERS[format], r), `${name}.${format}`);
  return diffResults(read(old, 'old'), read(neu, 'new'));
}

/** "address port old→new" for every changed port */
function changes(diff: ResultDiff): string[] {
  return diff.hostsChanged.flatMap((h) =>
    h.ports.map((c) => `${h.address} ${c.port} ${c.old?.state ?? '-'}→${c.new?.state ?? '-'}`),
  );
}

describe('diffResults', () => {
  it.each([
    ['identical results', firewallAudit, [], [], []],
    [
      'one port closed',
      withPortClosed(firewallAudit, '198.18.0.3', 8080),
      ['198.18.0.3 8080 open→closed'],
      [],
      [],
    ],
    ['a host gone', edited((r) => r.hosts.pop()), [], ['198.18.0.4'], []],
    [
      'a host new',
      edited((r) => r.hosts.push({ address: '198.18.0.9', ports: [port(22, 'syn', 'open', 'syn-ack', 64)] })),
      [],
      [],
      ['198.18.0.9'],
    ],
    [
      'a reason changed, the state not',
      edited((r) => (r.hosts[0].ports[0].reason = 'admin-prohibited')),
      [],
      [],
      [],
    ],
    [
      'a port only the new result has',
      edited((r) => r.hosts[1].ports.push(port(9000, 'syn', 'closed', 'reset', 63))),
      ['198.18.0.3 9000 -→closed'],
      [],
      [],
    ],
  ])('%s', (_, neu, changed, gone, added) => {
    for (const format of ['json', 'xml'] as const) {
      const diff = diffOf(firewallAudit, neu, format);
      expect(changes(diff)).toEqual(changed);
      expect(diff.hostsGone.map((h) => h.address)).toEqual(gone);
      expect(diff.hostsNew.map((h) => h.address)).toEqual(added);
      expect(isIdentical(diff)).toBe(changed.length + gone.length + added.length === 0);
    }
  });

  it('finds what ndiff finds in two real nmap scans (53 opened, 79 closed)', async () => {
    const diff = diffResults(
      await readResult(fixture('nmap-connect-before.xml')),
      await readResult(fixture('nmap-connect-after.xml')),
    );
    expect(changes(diff)).toEqual(['127.0.0.1 53 closed→open', '127.0.0.1 79 open→closed']);
    const c53 = diff.hostsChanged[0].ports[0];
    expect([c53.old?.reason, c53.new?.reason]).toEqual(['conn-refused', 'syn-ack']);
  });

  it('compares nmap XML written by rawscan with nmap XML written by nmap: the same format', async () => {
    const nmap = await readResult(fixture('nmap-syn.xml'));
    const ours = parseResult(renderToString(FORMATTERS.xml, nmap.report), 'ours.xml');
    expect([nmap.producer, ours.producer]).toEqual(['nmap', 'rawscan']);
    expect(isIdentical(diffResults(nmap, ours))).toBe(true);
  });

  it('refuses results of different formats, naming both files', () => {
    const json = parseResult(renderToString(FORMATTERS.json, firewallAudit), 'monday.json');
    const xml = parseResult(renderToString(FORMATTERS.xml, firewallAudit), 'tuesday.xml');
    expect(() => diffResults(json, xml)).toThrow(
      new UsageError(
        'monday.json is rawscan JSON and tuesday.xml is nmap XML: compare results of the same format — re-run with -oJ for both or -oX for both',
        2,
      ),
    );
  });

  it('refuses results of different scan types, naming both files, lines and types; --force compares them', async () => {
    const syn = await readResult(fixture('nmap-syn.xml'));
    const ack = await readResult(fixture('nmap-ack.xml'));
    const error = (() => {
      try {
        diffResults(syn, ack);
      } catch (err) {
        return err as UsageError;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toBe(
      `${syn.path} (line 6) has scan types syn but ${ack.path} (line 6) has scan types ack: ` +
        'diff results of the same scan types, or add --force to compare them anyway',
    );
    const forced = diffResults(syn, ack, { force: true });
    expect(forced.scanPairs).toEqual([['syn', 'ack']]);
    expect(changes(forced)).toHaveLength(100); // closed/open → unfiltered everywhere
  });
});

describe('diff rendering', () => {
  const diff = diffOf(
    firewallAudit,
    edited((r) => {
      Object.assign(
        r.hosts[1].ports.find((p) => p.port === 8080)!,
        { state: 'closed', reason: 'reset' },
      );
      r.hosts.pop();
    }),
  );

  it('text: ndiff-style -/+ lines with states, services and reasons', () => {
    const text = renderDiffText(diff, { serviceName: (p) => (p === 8080 ? 'http-alt' : undefined) });
    expect(text).toContain(
      [
        ' 198.18.0.3:',
        ' PORT      STATE   SERVICE   REASON',
        '-8080/tcp  open    http-alt  syn-ack ttl 63',
        '+8080/tcp  closed  http-alt  reset ttl 63',
      ].join('\n'),
    );
    expect(text).toContain('-198.18.0.4: host gone\n-Not shown: 102 filtered ports\n');
    expect(text.split('\n')[0]).toMatch(
      /^-rawscan 0\.1\.0 scan initiated .* as: rawscan -sS -p 1-100,443,8080 -Pn 198\.18\.0\.2-4$/,
    );
  });

  it('json: both verdicts of each changed port, hosts gone and new', () => {
    const doc = JSON.parse(renderDiffJson(diff));
    expect(doc).toMatchObject({
      format: 'rawscan-diff',
      formatVersion: 1,
      identical: false,
      scanPairs: [['syn', 'syn']],
    });
    expect(doc.old).toMatchObject({
      file: 'old.json',
      format: 'rawscan-json',
      producer: 'rawscan',
      scanTypes: ['syn'],
    });
    expect(doc.hostsGone.map((h: { address: string }) => h.address)).toEqual(['198.18.0.4']);
    expect(doc.hostsGone[0].ports).toHaveLength(102);
    expect(doc.hostsNew).toEqual([]);
    expect(doc.hostsChanged).toEqual([
      {
        address: '198.18.0.3',
        ports: [
          {
            port: 8080,
            protocol: 'tcp',
            oldScan: 'syn',
            newScan: 'syn',
            old: expect.objectContaining({ state: 'open', reason: 'syn-ack', reasonTtl: 63 }),
            new: expect.objectContaining({ state: 'closed', reason: 'reset', reasonTtl: 63 }),
          },
        ],
      },
    ]);
  });
});

describe('rawscan diff (command handler)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rawscan-diff-'));
  const write = (name: string, report: ScanReport, format: 'json' | 'xml') => {
    const path = join(dir, name);
    writeFileSync(path, renderToString(FORMATTERS[format], report));
    return path;
  };
  const before = write('before.json', firewallAudit, 'json');
  const same = write('same.json', firewallAudit, 'json');
  const after = write('after.json', withPortClosed(firewallAudit, '198.18.0.3', 8080), 'json');
  const xml = write('after.xml', firewallAudit, 'xml');

  afterEach(() => vi.restoreAllMocks());

  /** A fresh exit-code module per run: setExitCode keeps the highest code ever set. */
  async function run(old: string, neu: string, flags: { json?: boolean; force?: boolean } = {}) {
    vi.resetModules();
    const { handler } = await import('../../src/cli/diff-command.js');
    const { exitCode } = await import('../../src/cli/exit.js');
    const errors = await import('../../src/cli/errors.js');
    const { standardOutput } = await import('../../src/output/write.js');
    let stdout = '';
    vi.spyOn(standardOutput, 'write').mockImplementation(async (chunks) => {
      for (const chunk of chunks) stdout += chunk;
    });
    try {
      await handler({
        old,
        new: neu,
        json: flags.json ?? false,
        force: flags.force ?? false,
        _: [],
        $0: 'rawscan',
      });
    } catch (err) {
      if (!(err instanceof errors.UsageError)) throw err;
      return { code: err.exitCode, stdout, error: err.message };
    }
    return { code: exitCode(), stdout, error: '' };
  }

  it.each([
    ['identical → 0', before, same, 0, '', ''],
    ['one port changed → 1, naming the port', before, after, 1, '+8080/tcp  closed', ''],
    [
      'formats differ → 2, naming both files',
      before,
      xml,
      2,
      '',
      `${before} is rawscan JSON and ${xml} is nmap XML`,
    ],
    [
      'a missing file → 2',
      before,
      join(dir, 'nope.json'),
      2,
      '',
      `cannot read scan result '${join(dir, 'nope.json')}' (no such file)`,
    ],
    ['not a scan result → 2', before, fixture('make-fixtures.sh'), 2, '', 'is not a scan result'],
    [
      'scan types differ → 2',
      fixture('nmap-syn.xml'),
      fixture('nmap-ack.xml'),
      2,
      '',
      'has scan types syn but',
    ],
  ])('%s', async (_, old, neu, code, output, error) => {
    const result = await run(old, neu);
    expect(result.code).toBe(code);
    expect(result.stdout).toContain(output);
    expect(result.error).toContain(error);
  });

  it('--force compares different scan types', async () => {
    const result = await run(fixture('nmap-syn.xml'), fixture('nmap-ack.xml'), { force: true });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('+37/tcp   unfiltered');
  });

  it('--json prints the diff document', async () => {
    const result = await run(before, after, { json: true });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).hostsChanged[0].ports[0].port).toBe(8080);
  });
});

describe('rawscan diff (argument parsing)', () => {
  it.each([
    [
      ['diff', 'old.json'],
      'Not enough non-option arguments: got 1, need at least 2; see rawscan diff --help',
    ],
    [['diff', 'a', 'b', 'c'], 'Unknown argument: c; see rawscan diff --help'],
  ])('%j exits with 2, not 1 ("changed")', async (args, message) => {
    const parser = yargs(args).command(diffCommand).strict().exitProcess(false);
    const error = await (async () => parser.parseAsync())().catch((err: unknown) => err);
    expect(error).toEqual(new UsageError(message, 2));
    expect((error as UsageError).exitCode).toBe(2);
  });
});
