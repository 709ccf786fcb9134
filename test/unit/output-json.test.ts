import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { CHUNK_CHARS } from '../../src/output/chunks.js';
import { jsonFormatter } from '../../src/output/json.js';
import { ndjsonFormatter, ndjsonHeader, ndjsonPort } from '../../src/output/ndjson.js';
import { renderToString } from '../../src/output/types.js';
import type { RenderOptions } from '../../src/output/types.js';
import type { ScanReport } from '../../src/scan/types.js';
import { port, rangeList, withReport } from '../fixtures/reports/build.js';
import { firewallAudit } from '../fixtures/reports/firewall-audit.js';
import { multiType } from '../fixtures/reports/multi-type.js';
import { validate } from './output-schema-check.js';

const SCHEMA_PATH = new URL('../../docs/schema/rawscan-report.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
const SERVICES: Record<number, string> = { 22: 'ssh', 443: 'https' };
const opts: RenderOptions = { serviceName: (p) => SERVICES[p] };
const FIXTURES: [string, ScanReport][] = [
  ['firewall audit', firewallAudit],
  ['multi-type, incomplete', multiType],
  ['no hosts', withReport({})],
];

const jsonOf = (report: ScanReport, o: RenderOptions = opts) =>
  JSON.parse(renderToString(jsonFormatter, report, o));
const ndjsonOf = (report: ScanReport, o: RenderOptions = opts) =>
  renderToString(ndjsonFormatter, report, o)
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const lineSchema = (type: unknown) => ({
  $ref: `#/$defs/ndjson${String(type)[0].toUpperCase()}${String(type).slice(1)}`,
});

describe('JSON document', () => {
  test.each(FIXTURES)('%s validates against docs/schema/rawscan-report.schema.json', (_, report) => {
    expect(validate(schema, jsonOf(report))).toEqual([]);
    expect(validate(schema, jsonOf(report, { ...opts, openOnly: true }))).toEqual([]);
  });

  test('the validator catches what the schema forbids', () => {
    const doc = jsonOf(firewallAudit);
    doc.hosts[0].ports[0].state = 'half-open';
    doc.hosts[1].extra = true;
    delete doc.stats.probesSent;
    doc.hosts[2].address = '198.18.0.256';
    expect(validate(schema, doc)).toEqual([
      '$.stats: missing "probesSent"',
      '$.hosts[0].ports[0].state: "half-open" not in enum',
      '$.hosts[1]: unexpected property "extra"',
      '$.hosts[2].address: "198.18.0.256" !~ ' +
        String((schema.$defs as Record<string, { pattern: string }>).ipv4.pattern),
    ]);
  });

  test('shape: every port listed with reason and evidence; counts, times and summary', () => {
    const doc = jsonOf(firewallAudit);
    expect(doc).toMatchObject({
      format: 'rawscan-report',
      formatVersion: 2,
      scanner: { name: 'rawscan', version: '0.1.0' },
      ports: { tcp: '1-100,443,8080' },
      portCount: 102,
      startTime: '2026-01-15T10:30:00.000Z',
      elapsedSeconds: 1.53,
      incomplete: false,
      summary: { hostsTotal: 3, hostsUp: 2 },
    });
    const [www, app, dark] = doc.hosts;
    expect(www.ports).toHaveLength(102);
    expect(www.stateCounts).toEqual({ syn: { open: 3, closed: 55, filtered: 44 } });
    expect(app.ports.find((p: { port: number }) => p.port === 443)).toEqual({
      port: 443,
      protocol: 'tcp',
      scan: 'syn',
      state: 'filtered',
      reason: 'admin-prohibited',
      reasonTtl: 63,
      service: 'https',
      evidence: { responder: '198.18.0.254', ttl: 63, icmpType: 3, icmpCode: 13 },
    });
    expect(dark).toMatchObject({ status: 'unknown', stateCounts: { syn: { filtered: 102 } } });
    expect(dark.latencyMs).toBeUndefined();
  });

  test('--open lists only possibly-open ports but still counts all', () => {
    const [, app] = jsonOf(firewallAudit, { openOnly: true }).hosts;
    expect(app.ports.map((p: { port: number }) => p.port)).toEqual([8080]);
    expect(app.stateCounts.syn.closed).toBe(99);
  });

  test('internal fields that are not in the documented shape do not leak', () => {
    const p = { ...port(22, 'syn', 'open', 'syn-ack', 64, { ttl: 64 }), internal: 1 };
    (p.evidence as Record<string, unknown>).cookie = 42;
    const report = withReport({ ports: [22], hosts: [{ address: '198.18.0.7', ports: [p] }] });
    const doc = jsonOf(report);
    expect(doc.hosts[0].ports[0]).toEqual({
      port: 22,
      protocol: 'tcp',
      scan: 'syn',
      state: 'open',
      reason: 'syn-ack',
      reasonTtl: 64,
      service: 'ssh',
      evidence: { ttl: 64 },
    });
    expect(validate(schema, doc)).toEqual([]);
  });

  test('a report is rendered in chunks of bounded size, not as one string', () => {
    const hosts = rangeList(1, 5000).map((i) => ({
      address: `198.18.${i >> 8}.${i & 255}`,
      ports: [port(80, 'syn', 'closed', 'reset', 64)],
    }));
    const chunks = [...jsonFormatter.render(withReport({ ports: [80], hosts }), {})];
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(CHUNK_CHARS + 1000);
    expect(JSON.parse(chunks.join('')).hosts).toHaveLength(5000);
  });
});

describe('NDJSON stream', () => {
  test.each(FIXTURES)('%s: header, port and host lines, footer; every line validates', (_, report) => {
    const records = ndjsonOf(report);
    expect(records[0].type).toBe('header');
    expect(records.at(-1)!.type).toBe('footer');
    const portLines = records.filter((r) => r.type === 'port');
    expect(portLines).toHaveLength(report.hosts.reduce((n, h) => n + h.ports.length, 0));
    expect(records.filter((r) => r.type === 'host')).toHaveLength(report.hosts.length);
    for (const record of records) expect(validate(schema, record, lineSchema(record.type))).toEqual([]);
  });

  test("a host line follows that host's port lines", () => {
    const records = ndjsonOf(firewallAudit);
    const firstHost = records.findIndex((r) => r.type === 'host');
    expect(firstHost).toBe(1 + 102);
    expect(records[firstHost]).toMatchObject({ address: '198.18.0.2', status: 'up', latencyMs: 0.142 });
    expect(records[1]).toMatchObject({ type: 'port', address: '198.18.0.2', hostname: 'www.lab', port: 1 });
  });

  test('--open keeps only possibly-open port lines', () => {
    const ports = ndjsonOf(multiType, { openOnly: true }).filter((r) => r.type === 'port');
    expect(new Set(ports.map((r) => r.state))).toEqual(new Set(['open', 'open|filtered', 'unfiltered']));
  });

  test('line builders for live streaming emit single validated lines', () => {
    const header = ndjsonHeader(multiType);
    const line = ndjsonPort({ address: '198.18.0.9' }, port(22, 'syn', 'open', 'syn-ack', 64), opts);
    for (const text of [header, line]) {
      expect(text.endsWith('\n') && !text.slice(0, -1).includes('\n')).toBe(true);
      const record = JSON.parse(text);
      expect(validate(schema, record, lineSchema(record.type))).toEqual([]);
    }
    expect(JSON.parse(header).args).toBe(multiType.args);
  });
});
