import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMATTERS, renderToString } from '../../src/output/index.js';
import { UsageError } from '../../src/cli/errors.js';
import { parseResult, readResult } from '../../src/results/read.js';
import type { ScanReport } from '../../src/scan/types.js';
import { firewallAudit, ROUTER } from '../fixtures/reports/firewall-audit.js';
import { multiType } from '../fixtures/reports/multi-type.js';
import { rangeList } from '../fixtures/reports/build.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/results');
const fixture = (name: string): string => join(FIXTURES, name);

/** every port verdict as "address port/scan state reason" */
function verdicts(report: ScanReport): string[] {
  return report.hosts.flatMap((h) =>
    h.ports.map((p) => `${h.address} ${p.port}/${p.scan} ${p.state} ${p.reason}`),
  );
}

function render(format: 'json' | 'xml', report: ScanReport): string {
  return renderToString(FORMATTERS[format], report);
}

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('no error thrown');
}

describe('readResult: real nmap 7.93 XML (nmap -sT/-sS/-sA -p 1-100 127.0.0.1, listeners on 37 and 79)', () => {
  it.each([
    ['nmap-connect-before.xml', 'connect', 'closed', 'conn-refused', [37, 79]],
    ['nmap-syn.xml', 'syn', 'closed', 'reset', [37, 79]],
    ['nmap-ack.xml', 'ack', 'unfiltered', 'reset', []],
  ] as const)('%s', async (file, scan, restState, restReason, open) => {
    const result = await readResult(fixture(file));
    expect(result).toMatchObject({
      format: 'nmap-xml',
      producer: 'nmap',
      openOnly: false,
      scanTypesAt: 'line 6',
    });
    const { report } = result;
    expect(report.scanTypes).toEqual([scan]);
    expect(report.ports).toEqual(rangeList(1, 100));
    expect(report.version).toBe('7.93');
    expect(report.startTime).toBe(1795735736000);
    expect(report.incomplete).toBe(false);
    expect(report.hosts.map((h) => [h.address, h.hostname])).toEqual([['127.0.0.1', 'localhost']]);
    const ports = report.hosts[0].ports;
    expect(ports.map((p) => p.port)).toEqual(rangeList(1, 100));
    for (const p of ports) {
      const isOpen = (open as readonly number[]).includes(p.port);
      expect([p.scan, p.state, p.reason]).toEqual(
        isOpen ? [scan, 'open', 'syn-ack'] : [scan, restState, restReason],
      );
    }
    if (scan === 'syn')
      expect(ports.find((p) => p.port === 37)).toMatchObject({ reasonTtl: 64, service: 'time' });
  });

  it('tells where each port came from: its <port> line, or the <extrareasons> line for summarised ports', async () => {
    const result = await readResult(fixture('nmap-syn.xml'));
    const at = (n: number) =>
      result.where(
        '127.0.0.1',
        result.report.hosts[0].ports.find((p) => p.port === n)!,
      );
    expect([at(37), at(79), at(1)]).toEqual(['line 17', 'line 18', 'line 15']);
  });

  it('expands an <extraports> without port lists (nmap < 7.80) from <scaninfo services>', async () => {
    const withLists = await readResult(fixture('nmap-connect-before.xml'));
    const without = await readResult(fixture('nmap-connect-before-no-reason-ports.xml'));
    expect(verdicts(without.report)).toEqual(verdicts(withLists.report));
  });
});

describe('readResult: round trips through our formatters', () => {
  it.each([
    ['firewall audit', firewallAudit],
    ['three scan types, interrupted', multiType],
  ])('json of %s keeps the whole report', (_, report) => {
    const back = parseResult(render('json', report), 'r.json');
    expect(back).toMatchObject({ format: 'rawscan-json', producer: 'rawscan', openOnly: false });
    expect(back.report).toEqual({ ...report, verbose: 0 });
  });

  it.each([
    ['firewall audit (collapsed states, router responder)', firewallAudit],
    ['three scan types in one file', multiType],
  ])('xml of %s keeps hosts, ports, states, reasons and responders', (_, report) => {
    const back = parseResult(render('xml', report), 'r.xml');
    expect(back).toMatchObject({ format: 'nmap-xml', producer: 'rawscan' });
    expect(back.report).toMatchObject({
      scanTypes: report.scanTypes,
      ports: report.ports,
      incomplete: report.incomplete,
      verbose: report.verbose,
      args: report.args,
      version: report.version,
    });
    expect(back.report.hosts.map((h) => h.hostname)).toEqual(report.hosts.map((h) => h.hostname));
    expect(verdicts(back.report)).toEqual(verdicts(report));
    const responders = (r: ScanReport) =>
      r.hosts.flatMap((h) => h.ports.filter((p) => p.evidence?.responder).map((p) => p.port));
    expect(responders(back.report)).toEqual(report === firewallAudit ? [443] : []);
    if (report === firewallAudit)
      expect(back.report.hosts[1].ports.find((p) => p.port === 443)?.evidence?.responder).toBe(ROUTER);
  });

  it('reads the committed rawscan fixtures (files written by formatVersion 1) as the reports they came from', async () => {
    for (const format of ['json', 'xml'] as const) {
      const back = await readResult(fixture(`rawscan-audit.${format}`));
      expect(verdicts(back.report)).toEqual(verdicts(firewallAudit));
    }
  });

  it('marks a JSON document written with --open', () => {
    const text = renderToString(FORMATTERS.json, firewallAudit, { openOnly: true });
    expect(parseResult(text, 'open.json').openOnly).toBe(true);
  });
});

describe('readResult: errors name the file and the line or field', () => {
  const json = render('json', firewallAudit);
  const xml = render('xml', firewallAudit);
  it.each([
    ['empty file', '', 'e.txt is not a scan result (it is empty)'],
    [
      'normal output',
      '# rawscan 0.1.0 scan',
      'e.txt is not a scan result (it starts with "# rawscan 0.1.0 scan")',
    ],
    [
      'broken JSON',
      '{\n  "format": 1,\n}',
      'e.txt: not valid JSON (line 3): Expected double-quoted property name',
    ],
    ['broken JSON that V8 gives no position for', '{"a":tru}', 'e.txt: not valid JSON: Unexpected token'],
    ['a JSON array', '[]', 'e.txt is not a scan result (it starts with "[]")'],
    ['a JSON string', '"scan"', 'e.txt is not a scan result'],
    [
      'another JSON document',
      '{"format":"other"}',
      'e.txt: field format (line 1) is "other", not "rawscan-report"',
    ],
    [
      'a newer JSON version',
      json.replace('"formatVersion": 2', '"formatVersion": 3'),
      'field formatVersion (line 3) 3 is not one this rawscan reads (2)',
    ],
    ['NDJSON', render('json', firewallAudit).replace(/^\{/, '{"type":"header",'), 'NDJSON stream'],
    [
      'a bad port state',
      json.replace('"state":"open"', '"state":"opne"'),
      'field hosts[0].ports[21].state "opne" is not one of',
    ],
    [
      'a port of another scan type',
      json.replace('"scan":"syn"', '"scan":"fin"'),
      'field hosts[0].ports[0].scan "fin" is not one of the scanTypes (syn)',
    ],
    [
      'a bad port range',
      json.replace('"1-100,443,8080"', '"1-100,x"'),
      'field ports.tcp "1-100,x" is not a port range list',
    ],
    [
      'malformed XML',
      xml.replace('</ports>', '</port>'),
      'e.txt line 24: not well-formed XML: </port> closes <ports> opened on line 14',
    ],
    ['XML that is not nmap', '<?xml version="1.0"?>\n<html/>', 'e.txt line 2: the root element is <html>'],
    ['another scanner', '<nmaprun scanner="masscan"/>', 'e.txt line 1: scanner="masscan"'],
    [
      'a UDP scan',
      '<nmaprun scanner="nmap">\n<scaninfo type="udp" protocol="udp" services="53"/></nmaprun>',
      'e.txt line 2: <scaninfo type="udp" protocol="udp">: rawscan reads TCP port scans only',
    ],
    ['a ping scan', '<nmaprun scanner="nmap"></nmaprun>', 'no <scaninfo>'],
    [
      'a bad port state in XML',
      xml.replace('state="open"', 'state="opne"'),
      'e.txt line 21: state="opne" is not a port state',
    ],
    [
      'an extraports count that does not add up',
      xml.replace('count="55"', 'count="56"'),
      'count="56" but its <extrareasons> list 55 ports',
    ],
  ])('%s', (_, text, message) => {
    expect(usageError(() => parseResult(text, 'e.txt'))).toContain(message);
  });

  it('a missing file', async () => {
    await expect(readResult('/nonexistent/scan.xml')).rejects.toThrow(
      "cannot read scan result '/nonexistent/scan.xml' (no such file): give a file written with -oJ or -oX",
    );
  });

  it('a file nmap wrote with two TCP scan types sharing one <ports> cannot be split', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rawscan-results-'));
    const path = join(dir, 'two.xml');
    const text = readFileSync(fixture('nmap-syn.xml'), 'utf8').replace(
      /(<scaninfo[^>]*>)/,
      '$1\n<scaninfo type="fin" protocol="tcp" numservices="100" services="1-100"/>',
    );
    writeFileSync(path, text);
    return expect(readResult(path)).rejects.toThrow(
      /line \d+: host 127\.0\.0\.1 has 1 <ports> for 2 scan types \(syn, fin\)/,
    );
  });
});
