// --resume end to end against the fake engine (no root): an interrupted scan's
// journal, fed back, gives the uninterrupted result with fewer probes; and a
// fatal engine error still yields the results gathered so far.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeResume, journalingVerdicts, openResume } from '../../src/cli/resume.js';
import { runScan, ScanFailure, type ScanOptions } from '../../src/scan/orchestrator.js';
import { scanIdentity } from '../../src/scan/resume.js';
import type { ScanPlan, ScanReport, TargetList } from '../../src/scan/types.js';
import { FakeEngine, type PortTruth } from './fake-engine.js';

const BASE = 0xc6130000;
const targets: TargetList = { size: 4, at: (i) => BASE + i };
const ports = Array.from({ length: 4000 }, (_, i) => i + 1);
const PLAN: ScanPlan = { targets, ports, scanTypes: ['syn', 'fin'] };
const IDENTITY = scanIdentity(PLAN.scanTypes, ports, [[BASE, BASE + 3]], {});
const truth = (address: number, port: number): PortTruth =>
  (address + port) % 11 === 0 ? 'open' : (address + port) % 7 === 0 ? 'rejected' : 'closed';

function states(report: ScanReport): string[] {
  return report.hosts.flatMap((h) => h.ports.map((p) => `${h.address}:${p.port}/${p.scan}=${p.state}`));
}

async function run(options: Partial<ScanOptions>, hooks = {}): Promise<ScanReport> {
  const engine = new FakeEngine({ truth, kinds: PLAN.scanTypes, rttMs: 2 });
  return runScan(PLAN, engine, { clock: engine.clock, template: 4, minRttMs: 10, ...options }, hooks);
}

describe('resuming an interrupted scan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rawscan-resume-scan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports what an uninterrupted scan reports, probing only what was left', async () => {
    const full = await run({ seed: 3n });
    const path = join(dir, 'scan.resume');
    const first = await openResume(path, PLAN, IDENTITY, undefined);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 150);
    const partial = await run(
      { seed: first.seed, maxRate: 40_000, signal: abort.signal },
      { verdict: journalingVerdicts(first) },
    );
    await closeResume(first);
    expect(partial.incomplete).toBe(true);

    const second = await openResume(path, PLAN, IDENTITY, undefined);
    expect(second.seed).toBe(first.seed);
    expect(second.decided.length).toBeGreaterThan(0);
    const rest = await run(
      { seed: second.seed, decided: second.decided },
      { verdict: journalingVerdicts(second) },
    );
    await closeResume(second);
    expect(rest.incomplete).toBe(false);
    expect(states(rest)).toEqual(states(full));
    // First tries only: retransmissions depend on how busy the machine is during each run.
    const firstTries = (r: ScanReport) => r.stats.probesSent - r.stats.retransmissions;
    expect(firstTries(full)).toBe(targets.size * ports.length * 2);
    expect(firstTries(rest)).toBe(targets.size * ports.length * 2 - second.decided.length);
    expect(rest.stats.notes.join('\n')).toMatch(`resumed: ${second.decided.length} probes`);

    // A third run finds everything decided and sends nothing.
    const third = await openResume(path, PLAN, IDENTITY, undefined);
    expect(third.decided).toHaveLength(targets.size * ports.length * 2);
    const none = await run({ seed: third.seed, decided: third.decided });
    await closeResume(third);
    expect(none.stats.probesSent).toBe(0);
    expect(states(none)).toEqual(states(full));
  });

  it('rejects with a ScanFailure holding the partial report on a fatal engine error', async () => {
    const engine = new FakeEngine({ truth, kinds: PLAN.scanTypes, rttMs: 2 });
    setTimeout(() => engine.injectError(true, 100, 'capture socket'), 100);
    const err = await runScan(PLAN, engine, {
      clock: engine.clock,
      template: 4,
      maxRate: 20_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScanFailure);
    const failure = err as ScanFailure;
    expect(failure.message).toMatch(/the engine failed \(sender thread: capture socket: ENETDOWN\)/);
    expect(failure.partial.incomplete).toBe(true);
    expect(failure.partial.stats.notes[0]).toMatch(/^scan stopped: the engine failed/);
    const decided = failure.partial.hosts.flatMap((h) => h.ports);
    expect(decided.length).toBeGreaterThan(100);
    expect(decided.length).toBeLessThan(targets.size * ports.length * 2);
    expect(engine.stopped).toBe(true);
  });
});
