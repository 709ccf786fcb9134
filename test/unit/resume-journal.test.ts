// The --resume journal: its lines, torn tails after kill -9, the scan identity
// check, and the scheduler skipping what an earlier run decided.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openResume, closeResume } from '../../src/cli/resume.js';
import { UsageError } from '../../src/cli/errors.js';
import { ProbeSpace } from '../../src/scan/probe-space.js';
import {
  decodeVerdict,
  headerLine,
  identityDifferences,
  readJournal,
  scanIdentity,
  verdictLine,
} from '../../src/scan/resume.js';
import { Scheduler } from '../../src/scan/scheduler.js';
import { resolveTiming } from '../../src/scan/timing.js';
import type { PortResult, ScanPlan, TargetList } from '../../src/scan/types.js';

const BASE = 0xc6130000; // 198.19.0.0
const targets = (n: number): TargetList => ({ size: n, at: (i) => BASE + i });
const PLAN: ScanPlan = { targets: targets(4), ports: [22, 80, 443], scanTypes: ['syn', 'fin'] };
const IDENTITY = scanIdentity(PLAN.scanTypes, PLAN.ports, [[BASE, BASE + 3]], { ttl: 64 });

const OPEN: PortResult = {
  port: 80,
  protocol: 'tcp',
  scan: 'syn',
  state: 'open',
  reason: 'syn-ack',
  reasonTtl: 63,
  evidence: { ttl: 63, ipId: 0, tcpFlags: 0x12, window: 64240, tryNo: 1, rttMs: 0.25 },
};
const ADMIN: PortResult = {
  port: 443,
  protocol: 'tcp',
  scan: 'fin',
  state: 'filtered',
  reason: 'admin-prohibited',
  reasonTtl: 254,
  evidence: { ttl: 254, ipId: 7, icmpType: 3, icmpCode: 13, tryNo: 0, responder: '198.18.0.254' },
};
const SILENT: PortResult = {
  port: 22,
  protocol: 'tcp',
  scan: 'fin',
  state: 'open|filtered',
  reason: 'no-response',
  reasonTtl: 0,
};

/** The index of (target index, port, kind) in PLAN's space. */
function indexOf(t: number, port: number, kind: 'syn' | 'fin'): number {
  return (t * 3 + [22, 80, 443].indexOf(port)) * 2 + (kind === 'syn' ? 0 : 1);
}

describe('verdict lines', () => {
  const space = new ProbeSpace(PLAN);

  it.each([
    ['an answered probe', OPEN, 1],
    ['an ICMP answer from a router', ADMIN, 2],
    ['a silent probe', SILENT, 3],
  ])('%s decodes to the reply that gives back the same result', (_what, result, t) => {
    const index = indexOf(t, result.port, result.scan as 'syn' | 'fin');
    const decided = decodeVerdict(verdictLine(index, BASE + t, result).trimEnd(), space);
    expect(decided.index).toBe(index);
    if (result.reason === 'no-response') return expect(decided.reply).toBeNull();
    const e = result.evidence!;
    expect(decided.reply).toMatchObject({
      state: result.state,
      reason: result.reason,
      kind: result.scan,
      target: BASE + t,
      port: result.port,
      ttl: e.ttl,
      tryNo: e.tryNo,
      icmpType: e.icmpType ?? 0,
      responder: e.responder === '198.18.0.254' ? 0xc61200fe : BASE + t,
    });
    expect(decided.rttMs).toBe(e.rttMs ?? NaN);
  });

  it.each([
    [
      'an index outside the scan',
      '{"i":24,"a":"198.19.0.0","p":22,"k":"syn","s":"closed","r":"reset"}',
      /outside/,
    ],
    [
      'an index of another probe',
      '{"i":0,"a":"198.19.0.0","p":80,"k":"syn","s":"closed","r":"reset"}',
      /is not/,
    ],
    ['an unknown state', '{"i":0,"a":"198.19.0.0","p":22,"k":"syn","s":"ajar","r":"reset"}', /unknown state/],
    ['not JSON', '{"i":0,', /not a JSON object/],
  ])('rejects %s', (_what, line, message) => {
    expect(() => decodeVerdict(line, space)).toThrow(message);
  });
});

describe('readJournal', () => {
  const header = headerLine(42n, IDENTITY);
  const line = verdictLine(indexOf(0, 80, 'syn'), BASE, OPEN);

  it.each([
    ['whole lines', header + line + line, 2, header.length + 2 * line.length],
    [
      'a last line torn without its newline',
      header + line + line.slice(0, 20),
      1,
      header.length + line.length,
    ],
    [
      'a torn last line that ends in a newline',
      header + line + '{"i":3,"a\n',
      1,
      header.length + line.length,
    ],
    ['zero-filled blocks after a crash', header + line + '\0'.repeat(4096), 1, header.length + line.length],
  ])('keeps %s', (_what, text, verdicts, validBytes) => {
    const j = readJournal(Buffer.from(text));
    expect(j.header?.seed).toBe('42');
    expect(j.verdicts).toHaveLength(verdicts);
    expect(j.validBytes).toBe(validBytes);
  });

  it('treats a torn header as an empty journal', () => {
    expect(readJournal(Buffer.from(header.slice(0, 30)))).toEqual({
      header: null,
      verdicts: [],
      validBytes: 0,
    });
    expect(readJournal(Buffer.alloc(0)).header).toBeNull();
  });

  it('refuses a file that is not a journal', () => {
    expect(() => readJournal(Buffer.from('<?xml version="1.0"?>\n<nmaprun>\n'))).toThrow(
      /not a rawscan resume header/,
    );
  });

  it('passes a damaged middle line on, so that decoding names it', () => {
    const j = readJournal(Buffer.from(header + '{"i":\n' + line));
    expect(j.verdicts.map((v) => v.lineNo)).toEqual([2, 3]);
  });
});

describe('scan identity', () => {
  it.each([
    ['ports', scanIdentity(['syn', 'fin'], [22, 80], [[BASE, BASE + 3]], { ttl: 64 }), ['ports']],
    ['targets', scanIdentity(['syn', 'fin'], [443, 80, 22], [[BASE, BASE + 4]], { ttl: 64 }), ['targets']],
    ['scan types', scanIdentity(['syn'], [22, 80, 443], [[BASE, BASE + 3]], { ttl: 64 }), ['scan types']],
    ['probe options', scanIdentity(['syn', 'fin'], [22, 80, 443], [[BASE, BASE + 3]], { ttl: 9 }), ['--ttl']],
    [
      'nothing (port order)',
      scanIdentity(['syn', 'fin'], [443, 22, 80, 80], [[BASE, BASE + 3]], { ttl: 64 }),
      [],
    ],
  ])('tells when %s differ', (_what, other, diff) => {
    expect(identityDifferences(IDENTITY, other)).toEqual(diff);
  });
});

describe('Scheduler.restore', () => {
  it('never releases a restored probe and reports it among the decided', () => {
    const timing = resolveTiming({ template: 4 });
    const s = new Scheduler(PLAN, timing, { seed: 7n, nowMs: 0 });
    const restored = [indexOf(0, 80, 'syn'), indexOf(2, 443, 'fin'), indexOf(3, 22, 'syn')];
    s.restore(
      restored[0],
      { ...decodeVerdict(verdictLine(restored[0], BASE, OPEN), new ProbeSpace(PLAN)).reply! },
      1,
    );
    s.restore(restored[1], null, NaN);
    s.restore(restored[2], null, NaN);
    expect(s.decided).toBe(3);
    const chunk = s.pump(0)!;
    const released = new Set<string>();
    for (let k = 0; k < chunk.length; k += 2)
      released.add(`${chunk[k]}:${chunk[k + 1] & 0xffff}:${chunk[k + 1] >>> 24}`);
    expect(released.size).toBe(24 - 3);
    expect(released.has(`${BASE}:80:0`)).toBe(false);
    expect(released.has(`${BASE + 2}:443:1`)).toBe(false);
    // Interrupted now: only the restored probes are decided.
    expect(Array.from(s.decidedIndices()!)).toEqual([...restored].sort((a, b) => a - b));
    expect(s.verdicts.count).toBe(1);
  });
});

describe('openResume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rawscan-resume-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a journal, then continues it with the same seed and verdicts', async () => {
    const path = join(dir, 'a.resume');
    const first = await openResume(path, PLAN, IDENTITY, undefined);
    expect(first.decided).toEqual([]);
    first.journal.record(indexOf(1, 80, 'syn'), BASE + 1, OPEN);
    first.journal.record(indexOf(3, 22, 'fin'), BASE + 3, SILENT);
    await closeResume(first);
    const second = await openResume(path, PLAN, IDENTITY, undefined);
    expect(second.seed).toBe(first.seed);
    expect(second.decided.map((d) => [d.index, d.reply?.state ?? 'silent'])).toEqual([
      [indexOf(1, 80, 'syn'), 'open'],
      [indexOf(3, 22, 'fin'), 'silent'],
    ]);
    await closeResume(second);
  });

  it('cuts a torn last line off before appending', async () => {
    const path = join(dir, 'b.resume');
    writeFileSync(
      path,
      headerLine(9n, IDENTITY) +
        verdictLine(indexOf(0, 22, 'syn'), BASE, { ...SILENT, scan: 'syn', state: 'filtered' }),
    );
    appendFileSync(path, '{"i":5,"a":"198.1');
    const session = await openResume(path, PLAN, IDENTITY, 9n);
    expect(session.decided).toHaveLength(1);
    session.journal.record(indexOf(2, 80, 'syn'), BASE + 2, OPEN);
    await closeResume(session);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toHaveLength(3);
  });

  it.each([
    [
      'another scan',
      scanIdentity(['syn'], [22], [[BASE, BASE]], { ttl: 64 }),
      undefined,
      /journal of a different scan \(scan types, ports, targets differ\)/,
    ],
    ['another --seed', IDENTITY, 8n, /--seed 8 differs from the seed 9/],
  ])('refuses %s', async (_what, identity, seed, message) => {
    const path = join(dir, 'c.resume');
    writeFileSync(path, headerLine(9n, IDENTITY));
    const err = await openResume(path, PLAN, identity, seed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('names the damaged line', async () => {
    const path = join(dir, 'd.resume');
    writeFileSync(
      path,
      headerLine(9n, IDENTITY) + '{"i":1}\n' + verdictLine(0, BASE, { ...SILENT, scan: 'syn' }),
    );
    await expect(openResume(path, PLAN, IDENTITY, undefined)).rejects.toThrow(/line 2: index 1 is not/);
  });
});
