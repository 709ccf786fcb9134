// The evidence file (src/audit/evidence.ts): one JSON line per probe outcome.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evidenceLines } from '../../src/audit/evidence.js';
import { FORMATTERS, renderToString } from '../../src/output/index.js';
import { validate } from './output-schema-check.js';
import type { ScanReport } from '../../src/scan/types.js';

const report: ScanReport = {
  scanner: 'rawscan',
  version: '0.1.0',
  args: 'rawscan -sS -sA -p 22,25,27 198.19.0.1',
  scanTypes: ['syn', 'ack'],
  ports: [22, 25, 27],
  startTime: 0,
  endTime: 1,
  hosts: [
    {
      address: '198.19.0.1',
      ports: [
        {
          port: 22,
          protocol: 'tcp',
          scan: 'syn',
          state: 'open',
          reason: 'syn-ack',
          reasonTtl: 64,
          evidence: { ttl: 64, ipId: 0, tcpFlags: 0x12, window: 64240, tryNo: 1, rttMs: 0.5 },
        },
        { port: 22, protocol: 'tcp', scan: 'ack', state: 'filtered', reason: 'no-response', reasonTtl: 0 },
        {
          port: 25,
          protocol: 'tcp',
          scan: 'syn',
          state: 'filtered',
          reason: 'admin-prohibited',
          reasonTtl: 63,
          evidence: { ttl: 63, ipId: 9, icmpType: 3, icmpCode: 13, tryNo: 0, responder: '198.18.0.2' },
        },
        {
          port: 27,
          protocol: 'tcp',
          scan: 'syn',
          state: 'closed',
          reason: 'reset',
          reasonTtl: 200,
          evidence: { ttl: 200, ipId: 0, tcpFlags: 0x14, window: 0, tryNo: 0 },
        },
      ],
    },
  ],
  stats: {
    probesSent: 4,
    retransmissions: 0,
    repliesAccepted: 3,
    repliesRejected: 0,
    pcapReceived: 3,
    pcapDropped: 0,
    sendErrors: 0,
    notes: [],
  },
  incomplete: false,
  verbose: 0,
};

describe('evidenceLines', () => {
  const lines = [...evidenceLines(report)]
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

  it('writes one line per probe outcome, silent ones included', () => {
    expect(lines.map((l) => `${l.port}/${l.scan} ${l.state}`)).toEqual([
      '22/syn open',
      '22/ack filtered',
      '25/syn filtered',
      '27/syn closed',
    ]);
  });

  it('names the replier always, with TTL, IP ID, window, flags and the answered try', () => {
    expect(lines[0]).toMatchObject({
      address: '198.19.0.1',
      responder: '198.19.0.1',
      ttl: 64,
      ipId: 0,
      window: 64240,
      tcpFlags: 0x12,
      tryNo: 1,
      rttMs: 0.5,
      filter: 'stateful',
    });
    expect(lines[2]).toMatchObject({
      responder: '198.18.0.2',
      icmpType: 3,
      icmpCode: 13,
      reason: 'admin-prohibited',
    });
  });

  it('gives a silent probe no reply fields', () => {
    expect(Object.keys(lines[1]).sort()).toEqual(
      ['address', 'filter', 'port', 'protocol', 'reason', 'scan', 'state'].sort(),
    );
  });

  it('flags the reply whose TTL is not the host baseline', () => {
    expect(lines[3].middlebox).toEqual({
      differs: ['ttl'],
      ttl: 200,
      baselineTtl: 64,
      window: 0,
      baselineWindow: 0,
    });
    expect(lines[0].middlebox).toBeUndefined();
  });
});

describe('the filter labels and middlebox flags in the other outputs', () => {
  const schemaUrl = new URL('../../docs/schema/rawscan-report.schema.json', import.meta.url);
  const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, unknown>;

  it('JSON: baseline and filtering on the host, middlebox on the port, valid against the schema', () => {
    const doc = JSON.parse(renderToString(FORMATTERS.json, report));
    expect(validate(schema, doc)).toEqual([]);
    const host = doc.hosts[0];
    expect(host.baseline).toEqual({ ttl: 64, ttlFrom: 'syn-ack', resetWindow: 0 });
    expect(host.filtering).toEqual([{ label: 'stateful', ports: '22', count: 1 }]);
    const flagged = host.ports
      .filter((p: { middlebox?: unknown }) => p.middlebox)
      .map((p: { port: number }) => p.port);
    expect(flagged).toEqual([27]);
  });

  it('NDJSON: the same fields on port and host lines, each line valid', () => {
    const lines = renderToString(FORMATTERS.ndjson, report)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const defs = (schema as { $defs: Record<string, unknown> }).$defs;
    for (const line of lines) {
      const def = { port: 'ndjsonPort', host: 'ndjsonHost', header: 'ndjsonHeader', footer: 'ndjsonFooter' }[
        line.type as string
      ]!;
      expect(validate(schema, line, defs[def] as Record<string, unknown>)).toEqual([]);
    }
    expect(lines.find((l) => l.type === 'port' && l.port === 27).middlebox.differs).toEqual(['ttl']);
    expect(lines.find((l) => l.type === 'host').filtering[0].label).toBe('stateful');
  });

  it('normal output: a short section under the tables', () => {
    const text = renderToString(FORMATTERS.normal, report);
    expect(text).toContain('Filtering (SYN vs ACK): stateful 22');
    expect(text).toContain("Replies likely forged by a middlebox (the host's own: ttl 64, RST window 0):");
    expect(text).toContain('  27/tcp syn reset: ttl 200 (host 64)');
  });
});
